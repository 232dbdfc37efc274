#!/bin/sh
# Runs every bench/bench_*.sh in order (run by "make bench" in a build
# directory) and prints their tables.
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
export builddir
status=0
for b in "$bench_dir"/bench_*.sh; do
  [ -f "$b" ] || continue
  echo "==== $(basename "$b")"
  sh "$b" || status=1
  echo
done
exit $status
