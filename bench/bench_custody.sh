#!/bin/sh
# Custody and rewards on a generated DAG (10,000 executions, 50 layers, each
# execution using 3 outputs of the layer before: heavy sharing), against the
# same upstream closure as a SPARQL property path (prov:wasDerivedFrom+) in
# Oxigraph. Run by "make bench" in a build directory; NEXEC, DEPTH and RUNS
# override the sizes.
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
NEXEC=${NEXEC:-10000}
DEPTH=${DEPTH:-50}
RUNS=${RUNS:-5}
work="$builddir/bench/work-custody"
mkdir -p "$work"
prog="$builddir/bench/bench_custody"
[ -x "$prog" ] || { echo "bench_custody is not built: run make bench" >&2; exit 1; }

echo "generating $NEXEC executions in $DEPTH layers..."
"$prog" gen "$work/dag.db" "$work/dag.nq" "$NEXEC" "$DEPTH" >"$work/gen.out" || exit 1
final=$(sed -n 's/^final //p' "$work/gen.out")
exec=$(sed -n 's/^exec //p' "$work/gen.out")
echo "$(sed -n 's/^quads //p' "$work/gen.out") quads; custody of $final, rewards of $exec"
echo
echo "custodian (walk: the set of nodes reached, as IRIs, what a closure query returns;"
echo "  custody: the full answer with details and edges; cold: a new fact layer per request;"
echo "  warm: the per-thread cache at the same height)"
"$prog" time "$work/dag.db" "$RUNS" "$final" "$exec" || exit 1
echo

if ! command -v node >/dev/null 2>&1; then
  echo "oxigraph: skipped (node is not installed)"
  exit 0
fi
if [ ! -d "$bench_dir/node_modules/oxigraph" ]; then
  (cd "$bench_dir" && npm install --no-save --no-package-lock oxigraph >/dev/null 2>&1) || {
    echo "oxigraph: skipped (npm install oxigraph failed)"
    exit 0
  }
fi
node "$bench_dir/oxigraph_closure.mjs" "$work/dag.nq" "$final" $((RUNS * 3)) 2>/dev/null
