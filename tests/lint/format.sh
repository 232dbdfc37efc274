#!/bin/sh
# The sources follow .clang-format (clang-format 14): "make format" fixes them.
cd "${srcdir:-.}" || exit 1
cf=${CLANG_FORMAT:-clang-format}
command -v "$cf" >/dev/null 2>&1 || { echo "skip: clang-format is not installed"; exit 77; }
files=$(git ls-files -co --exclude-standard 'src/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' 2>/dev/null)
[ -n "$files" ] || files=$(find src tests bench -name '*.[ch]')
# shellcheck disable=SC2086
"$cf" --dry-run -Werror $files
