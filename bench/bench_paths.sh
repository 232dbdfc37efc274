#!/bin/sh
# A lineage as a SPARQL property path (prov:wasDerivedFrom+ from one node),
# cold through HTTP, on the custody DAG of bench_custody (NEXEC executions,
# default 10,000, in DEPTH layers, each using 3 outputs of the layer before),
# against Oxigraph (npm, in-memory, in-process) on the same quads in the same
# run. Custodian answers it on /sparql and, natively, on /custody (the same
# set of sources, with details). "Cold": the store stamp changes before each
# request, so no cached answer is reused. Run by "make bench" in a build
# directory; NEXEC, DEPTH and RUNS override the sizes.
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
NEXEC=${NEXEC:-10000}
DEPTH=${DEPTH:-50}
RUNS=${RUNS:-7}
work="$builddir/bench/work-paths"
mkdir -p "$work"
prog="$builddir/bench/bench_custody"
CUSTODIAN=${CUSTODIAN:-$builddir/custodian}
[ -x "$prog" ] || make -C "$builddir" bench/bench_custody >/dev/null 2>&1 ||
  { echo "skip: bench_custody is not built: run make bench"; exit 0; }
[ -x "$CUSTODIAN" ] || { echo "skip: no custodian at $CUSTODIAN (run make first)"; exit 0; }
command -v curl >/dev/null 2>&1 || { echo "skip: curl is not installed"; exit 0; }

if [ ! -s "$work/dag-$NEXEC-$DEPTH.nq" ]; then
  rm -f "$work"/dag-*
  "$prog" gen "$work/dag-$NEXEC-$DEPTH.db" "$work/dag-$NEXEC-$DEPTH.nq" "$NEXEC" "$DEPTH" \
    >"$work/gen.out" || exit 1
fi
db=$work/dag-$NEXEC-$DEPTH.db
final=$(sed -n 's/^final //p' "$work/gen.out")
echo "$NEXEC executions in $DEPTH layers, $(sed -n 's/^quads //p' "$work/gen.out") quads;" \
  "lineage of $final"

"$CUSTODIAN" serve --db "$db" --listen 127.0.0.1:0 --quiet --query-timeout 60000 \
  >"$work/serve.out" 2>"$work/serve.err" &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null' EXIT INT TERM
i=0
URL=
while [ $i -lt 100 ] && [ -z "$URL" ]; do
  sleep 0.1
  URL=$(sed -n 's/^listening on //p' "$work/serve.out")
  i=$((i + 1))
done
[ -n "$URL" ] || { cat "$work/serve.err"; echo "the server did not start"; exit 1; }

query="PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?source WHERE { <$final> prov:wasDerivedFrom+ ?source }"

# median FILE: the median of a column of seconds, in ms
median() {
  sort -n "$1" | awk '{ v[NR] = $1 * 1000 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)]; else print "-" }'
}

# cold NAME CURL-ARGS...: RUNS requests, each after a new store stamp
cold() {
  name=$1
  shift
  : >"$work/times"
  n=0
  while [ $n -lt "$RUNS" ]; do
    touch "$db"
    curl -s -o "$work/answer" -w '%{time_total} %{http_code}\n' "$@" >>"$work/times.raw"
    tail -n 1 "$work/times.raw" | cut -d' ' -f1 >>"$work/times"
    n=$((n + 1))
  done
  code=$(tail -n 1 "$work/times.raw" | cut -d' ' -f2)
  rm -f "$work/times.raw"
  printf '%-44s %8s %12s ' "$name" "$code" "$(median "$work/times")"
}

printf '%-44s %8s %12s %10s\n' "" status median_ms results
cold "custodian /sparql prov:wasDerivedFrom+ (cold)" -H 'Accept: text/csv' \
  --data-urlencode "query=$query" "$URL/sparql"
if [ "$code" = 200 ]; then
  echo $(($(wc -l <"$work/answer") - 1))
else
  echo "- ($(sed -n 's/.*"detail": "\([^"]\{0,60\}\).*/\1/p' "$work/answer"))"
fi
cold "custodian /custody direction=up (cold)" -G --data-urlencode "resource=$final" \
  --data-urlencode direction=up --data-urlencode depth=1024 "$URL/custody"
echo "$(grep -o '{"iri":' "$work/answer" | wc -l) nodes"

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
node "$bench_dir/oxigraph_closure.mjs" "$work/dag-$NEXEC-$DEPTH.nq" "$final" "$RUNS" \
  2>/dev/null >"$work/oxi" || { echo "oxigraph: failed"; exit 0; }
set -- $(cat "$work/oxi")
# "oxigraph load_s S quads N closure_median_ms M p90_ms P cpu_median_ms C results R"
printf '%-44s %8s %12s %10s\n' "oxigraph prov:wasDerivedFrom+ (in-process)" - "${7:-?}" "${13:-?}"
echo "(oxigraph loaded the quads in ${3:-?} s; its time has no HTTP and no serialisation)"
