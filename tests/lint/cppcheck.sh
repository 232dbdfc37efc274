#!/bin/sh
# cppcheck finds no warning in src/.
cd "${srcdir:-.}" || exit 1
cc=${CPPCHECK:-cppcheck}
command -v "$cc" >/dev/null 2>&1 || { echo "skip: cppcheck is not installed"; exit 77; }
"$cc" --quiet --error-exitcode=1 --enable=warning,portability,performance --inline-suppr \
  --suppress=missingIncludeSystem -I src -j 2 src
