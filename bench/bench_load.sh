#!/bin/sh
# Readers during indexing for 60 s (HTTP_LOAD_SECONDS): the test
# tests/integration/http_load.sh, 64 clients on /sparql and canned queries
# while a dense devnet chain is indexed; prints answers/s and p50/p99 latency.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${builddir:-$(pwd)}
[ -x "$builddir/tests/integration/http_load" ] ||
  { echo "bench_load: build tests/integration/http_load first (make bench does)" >&2; exit 1; }
HTTP_LOAD_SECONDS=${HTTP_LOAD_SECONDS:-60} srcdir=$top builddir=$builddir \
  CUSTODIAN=${CUSTODIAN:-$builddir/custodian} sh "$top/tests/integration/http_load.sh"
