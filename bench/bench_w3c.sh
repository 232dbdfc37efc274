#!/bin/sh
# The W3C SPARQL 1.1 suite on Custodian and on Oxigraph (npm "oxigraph",
# in-memory, through bench/oxigraph_w3c.mjs) with the same loading and
# comparison (tests/w3c/run_w3c): pass / refused (400) / error / wrong per
# directory, side by side, as a Markdown table. Run by "make bench" in a build
# directory.
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench_dir/.." && pwd)
builddir=${builddir:-$(pwd)}
runner=$builddir/tests/w3c/run_w3c
work=$builddir/bench/work-w3c
mkdir -p "$work"
if [ ! -x "$runner" ]; then
  make -C "$builddir" tests/w3c/run_w3c >/dev/null 2>&1 ||
    { echo "skip: cannot build $runner"; exit 0; }
fi
[ -x "$builddir/custodian" ] || { echo "skip: no custodian in $builddir (run make first)"; exit 0; }

t0=$(date +%s)
srcdir=$top CUSTODIAN=$builddir/custodian "$runner" --known /dev/null >"$work/custodian.tap" 2>&1
t1=$(date +%s)
echo "custodian: $((t1 - t0)) s"

oxi=0
if command -v node >/dev/null 2>&1; then
  if [ ! -d "$bench_dir/node_modules/oxigraph" ]; then
    (cd "$bench_dir" && npm install --no-save --no-package-lock oxigraph >/dev/null 2>&1)
  fi
  if [ -d "$bench_dir/node_modules/oxigraph" ]; then
    srcdir=$top "$runner" --oxigraph "$bench_dir/oxigraph_w3c.mjs" --known /dev/null \
      >"$work/oxigraph.tap" 2>&1 && oxi=1
    echo "oxigraph $(sed -n 's/.*"version": "\(.*\)".*/\1/p' \
      "$bench_dir/node_modules/oxigraph/package.json"): $(($(date +%s) - t1)) s"
  fi
fi
[ $oxi -eq 1 ] || { echo "oxigraph: skipped (node or npm install oxigraph failed)"; : >"$work/oxigraph.tap"; }

# the runner's summary rows: "# DIR pass refused error wrong skipped"
rows() { awk '$1 == "#" && NF == 7 && $3 ~ /^[0-9]+$/ { print $2, $3, $4, $5, $6, $7 }' "$1"; }
rows "$work/custodian.tap" >"$work/custodian.rows"
rows "$work/oxigraph.tap" >"$work/oxigraph.rows"
echo
echo "| directory | Custodian pass | refused | error | wrong | Oxigraph pass | refused | error | wrong | skipped |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk 'NR == FNR { o[$1] = $2 " | " $3 " | " $4 " | " $5; next }
     $2 + $3 + $4 + $5 > 0 || $1 == "total" {
       printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5,
         ($1 in o) ? o[$1] : "- | - | - | -", $6 }' "$work/oxigraph.rows" "$work/custodian.rows"
