#!/bin/sh
# Runs the W3C SPARQL 1.1 suite by hand, as `make check` runs it:
#   tests/w3c/w3c.sh [BUILD_DIR] [run_w3c options: --only TEXT, --write-known FILE, --oxigraph SCRIPT …]
# BUILD_DIR (default ./build) holds the custodian program and tests/w3c/run_w3c
# (`make -C BUILD_DIR tests/w3c/run_w3c` builds it).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
[ $# -gt 0 ] && shift
if [ ! -x "$build/tests/w3c/run_w3c" ]; then
  echo "w3c.sh: no runner in \"$build/tests/w3c\": run make -C $build tests/w3c/run_w3c first" >&2
  exit 2
fi
srcdir=$top CUSTODIAN=$build/custodian exec "$build/tests/w3c/run_w3c" "$@"
