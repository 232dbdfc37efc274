#!/bin/sh
# The store's benchmark: the same generated quads (IRIs, blank nodes, plain,
# language-tagged and typed literals, a graph per credential) loaded through
# (a) librdf's API in one transaction, (b) rdfproc parse, (c) Custodian's
# writer, a commit every BENCH_BATCH quads, (d) Oxigraph (npm) when node is
# there, (e) Custodian's writer with every quad in one apply on an empty
# store, as `custodian load` does (secondary indexes built after the rows);
# then three SPARQL queries through librdf (rdfproc) on (c)'s store,
# and the join again without the statistics and without our indexes.
# Environment: BENCH_QUADS (1000000), BENCH_LIBRDF_LIMIT (50000), BENCH_RDFPROC_LIMIT (2000),
# BENCH_BATCH (quads per commit, 10000), BENCH_RUNS (3), BENCH_WORK (a directory).
set -u
builddir=${builddir:-$(pwd)}
prog="$builddir/bench/bench_store"
[ -x "$prog" ] || { echo "bench_store: $prog is missing: run \"make bench\""; exit 1; }
command -v rdfproc >/dev/null 2>&1 || { echo "bench_store: rdfproc is missing (apt-get install redland-utils)"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || { echo "bench_store: sqlite3 is missing (apt-get install sqlite3)"; exit 1; }
N=${BENCH_QUADS:-1000000}
LIMIT=${BENCH_LIBRDF_LIMIT:-50000}
PLIMIT=${BENCH_RDFPROC_LIMIT:-2000}
BATCH=${BENCH_BATCH:-10000}
RUNS=${BENCH_RUNS:-3}
W=${BENCH_WORK:-$builddir/bench-work/store}
rm -rf "$W"
mkdir -p "$W" || exit 1

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }
size_mib() { ls -l "$1" | awk '{ printf "%.1f", $5 / 1048576 }'; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "quads: $N generated; librdf stops after $LIMIT, rdfproc (one fsync'd transaction per"
echo "triple) after $PLIMIT; the writer commits every $BATCH quads with its checkpoint"
echo

# (a) librdf's API, one transaction
: >"$W/a.txt"
i=0
while [ $i -lt "$RUNS" ]; do
  "$prog" librdf "$N" "$W/librdf.db" "$LIMIT" >>"$W/a.txt" || exit 1
  i=$((i + 1))
done
# (b) rdfproc parse (it drops the graphs of N-Quads, so it stores triples)
"$prog" gen "$PLIMIT" "$W/subset.nq" || exit 1
: >"$W/b.txt"
i=0
while [ $i -lt "$RUNS" ]; do
  rm -f "$W/rdfproc.db"
  t0=$(now)
  /usr/bin/time -f "%M" -o "$W/b.rss" rdfproc -q -s sqlite -n "$W/rdfproc.db" parse "$W/subset.nq" nquads >/dev/null 2>&1 || exit 1
  t1=$(now)
  echo "$PLIMIT $(echo "$t0 $t1" | awk '{ print $2 - $1 }') $(cat "$W/b.rss")" >>"$W/b.txt"
  i=$((i + 1))
done
# (c) Custodian's writer
: >"$W/c.txt"
i=0
while [ $i -lt "$RUNS" ]; do
  rm -f "$W/custodian.db" "$W/custodian.db-wal" "$W/custodian.db-shm"
  "$prog" writer "$N" "$W/custodian.db" "$BATCH" >>"$W/c.txt" || exit 1
  i=$((i + 1))
done

# (d) Oxigraph (npm, WASM, in-memory) loading the same quads as N-Quads, in
# the same run (reading the file is not timed)
: >"$W/e.txt"
i=0
while [ $i -lt "$RUNS" ]; do
  rm -f "$W/bulk.db" "$W/bulk.db-wal" "$W/bulk.db-shm"
  "$prog" writer "$N" "$W/bulk.db" "$N" >>"$W/e.txt" || exit 1
  i=$((i + 1))
done
rm -f "$W/bulk.db" "$W/bulk.db-wal" "$W/bulk.db-shm"

d_line=""
bench_dir=$(cd "$(dirname "$0")" && pwd)
if command -v node >/dev/null 2>&1; then
  if [ ! -d "$bench_dir/node_modules/oxigraph" ]; then
    (cd "$bench_dir" && npm install --no-save --no-package-lock oxigraph >/dev/null 2>&1) || true
  fi
  if [ -d "$bench_dir/node_modules/oxigraph" ]; then
    "$prog" gen "$N" "$W/all.nq" || exit 1
    : >"$W/d.txt"
    i=0
    while [ $i -lt "$RUNS" ]; do
      node "$bench_dir/oxigraph_load.mjs" "$W/all.nq" >>"$W/d.txt" 2>/dev/null || break
      i=$((i + 1))
    done
    rm -f "$W/all.nq"
    [ -s "$W/d.txt" ] && d_line=1
  fi
fi

a_rate=$(awk '{ print $3 }' "$W/a.txt" | median)
a_cpu=$(awk '{ print $5 }' "$W/a.txt" | median)
a_rss=$(awk '{ print $6 }' "$W/a.txt" | median)
b_rate=$(awk '{ printf "%.0f\n", $1 / $2 }' "$W/b.txt" | median)
b_rss=$(awk '{ print $3 }' "$W/b.txt" | median)
c_rate=$(awk '{ print $3 }' "$W/c.txt" | median)
c_cpu=$(awk '{ print $5 }' "$W/c.txt" | median)
c_rss=$(awk '{ print $6 }' "$W/c.txt" | median)
c_quarters=$(tail -n 1 "$W/c.txt" | awk '{ printf "%d/%d/%d/%d", $7 / 1024, $8 / 1024, $9 / 1024, $10 / 1024 }')
c_quads=$(sqlite3 "$W/custodian.db" "SELECT count(*) FROM triples")

printf '%-34s %10s %12s %12s %10s %10s\n' "loader (median of $RUNS)" "quads" "triples/s" "CPU trip/s" "peak MiB" "file MiB"
printf '%-34s %10s %12s %12s %10s %10s\n' "(a) librdf API, one transaction" "$LIMIT" "$a_rate" "$a_cpu" "$((a_rss / 1024))" "$(size_mib "$W/librdf.db")"
printf '%-34s %10s %12s %12s %10s %10s\n' "(b) rdfproc parse (triples only)" "$PLIMIT" "$b_rate" "-" "$((b_rss / 1024))" "$(size_mib "$W/rdfproc.db")"
printf '%-34s %10s %12s %12s %10s %10s\n' "(c) custodian writer" "$N" "$c_rate" "$c_cpu" "$((c_rss / 1024))" "$(size_mib "$W/custodian.db")"
if [ -n "$d_line" ]; then
  # rates over the $N generated quads, as for (c)
  d_rate=$(awk -v n="$N" '{ printf "%.0f\n", n / $2 }' "$W/d.txt" | median)
  d_cpu=$(awk -v n="$N" '{ printf "%.0f\n", n / $4 }' "$W/d.txt" | median)
  printf '%-34s %10s %12s %12s %10s %10s\n' "(d) oxigraph load (npm, in memory)" "$N" "$d_rate" "$d_cpu" "-" "-"
  echo "(d) stored $(awk '{ print $1 }' "$W/d.txt" | tail -n 1) distinct quads"
  echo "(c)/(d): $(awk -v c="$c_rate" -v d="$d_rate" 'BEGIN { printf "%.2f", c / d }') x wall rate," \
    "$(awk -v c="$c_cpu" -v d="$d_cpu" 'BEGIN { printf "%.2f", c / d }') x per CPU-second"
  d_ok=1
else
  echo "(d) oxigraph: skipped (node or npm install oxigraph unavailable)"
fi
e_rate=$(awk '{ print $3 }' "$W/e.txt" | median)
e_cpu=$(awk '{ print $5 }' "$W/e.txt" | median)
e_rss=$(awk '{ print $6 }' "$W/e.txt" | median)
printf '%-34s %10s %12s %12s %10s %10s\n' "(e) custodian writer, one apply" "$N" "$e_rate" "$e_cpu" "$((e_rss / 1024))" "-"
if [ -n "${d_ok:-}" ]; then
  echo "(e)/(d): $(awk -v e="$e_rate" -v d="$d_rate" 'BEGIN { printf "%.2f", e / d }') x wall rate," \
    "$(awk -v e="$e_cpu" -v d="$d_cpu" 'BEGIN { printf "%.2f", e / d }') x per CPU-second"
fi
echo "(c) stored $c_quads distinct quads; resident MiB at 1/4, 1/2, 3/4, end of the load: $c_quarters"
echo

# Queries through librdf (rdfproc) on (c)'s store, median of $RUNS, in seconds
# (each includes rdfproc's start, about the time of the first query).
DCT=http://purl.org/dc/terms/
Q1="SELECT ?p ?o WHERE { <https://example.org/dataset/4242> ?p ?o }"
Q2="SELECT ?s WHERE { ?s <${DCT}publisher> <https://example.org/org/42> }"
Q3="SELECT ?s ?t WHERE { ?s <${DCT}publisher> <https://example.org/org/42> . ?s <${DCT}title> ?t }"
Q4="SELECT ?s ?t WHERE { ?s <${DCT}title> ?t . ?s <${DCT}publisher> <https://example.org/org/42> }"
query_time() { # db query -> "seconds rows"
  i=0
  : >"$W/q.txt"
  while [ $i -lt "$RUNS" ]; do
    t0=$(now)
    rows=$(rdfproc -q -s sqlite "$1" query sparql - "$2" 2>/dev/null | grep -c '^result:\|^\[')
    t1=$(now)
    echo "$(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }') $rows" >>"$W/q.txt"
    i=$((i + 1))
  done
  echo "$(awk '{ print $1 }' "$W/q.txt" | median) $(tail -n 1 "$W/q.txt" | awk '{ print $2 }')"
}
cp "$W/custodian.db" "$W/nostat.db"
sqlite3 "$W/nostat.db" "DROP TABLE IF EXISTS sqlite_stat1; DROP TABLE IF EXISTS sqlite_stat4;"
cp "$W/custodian.db" "$W/noindex.db"
sqlite3 "$W/noindex.db" "DROP INDEX cust_triples_spog; DROP INDEX cust_triples_sb; DROP INDEX cust_triples_ou;
  DROP INDEX cust_triples_ol; DROP INDEX cust_triples_ob; DROP INDEX cust_triples_p; DROP INDEX cust_triples_g;
  CREATE INDEX spindex ON triples (subjectUri, subjectBlank, predicateUri); ANALYZE;"

printf '%-44s %10s %10s %10s %8s\n' "query (seconds, median of $RUNS)" "indexed" "no stats" "librdf's" "rows"
for q in 1 2 3 4; do
  eval "text=\$Q$q"
  case $q in
    1) name="bound subject" ;;
    2) name="predicate + object" ;;
    3) name="2-pattern join" ;;
    4) name="2-pattern join, unselective pattern first" ;;
  esac
  r1=$(query_time "$W/custodian.db" "$text")
  r2=$(query_time "$W/nostat.db" "$text")
  r3=$(query_time "$W/noindex.db" "$text")
  printf '%-44s %10s %10s %10s %8s\n' "$name" "${r1% *}" "${r2% *}" "${r3% *}" "${r1#* }"
done
echo "(\"no stats\": sqlite_stat1 dropped; \"librdf's\": only the indexes librdf makes, spindex and uriindex)"
echo

# The same lookups through librdf's API, as librdf programs read the store
# (Redland's query engine also lists every graph for each query: the last line).
for d in custodian nostat noindex; do
  "$prog" find "$W/$d.db" >"$W/find-$d.txt" || exit 1
done
printf '%-44s %10s %10s %10s %8s\n' "librdf lookups (milliseconds)" "indexed" "no stats" "librdf's" "rows"
for k in subject_x1000 predobj_x100 join_x100 graphs_x1 graphs_store_x1; do
  case $k in
    subject_x1000) name="1000 bound-subject finds" ;;
    predobj_x100) name="100 predicate+object finds" ;;
    join_x100) name="100 2-pattern joins (find, then find per row)" ;;
    graphs_x1) name="listing the graphs (once per SPARQL query)" ;;
    graphs_store_x1) name="the same with cust_store_graphs" ;;
  esac
  v1=$(awk -v k=$k '$1 == k { print $2 }' "$W/find-custodian.txt")
  v2=$(awk -v k=$k '$1 == k { print $2 }' "$W/find-nostat.txt")
  v3=$(awk -v k=$k '$1 == k { print $2 }' "$W/find-noindex.txt")
  r=$(awk -v k=$k '$1 == k { print $3 }' "$W/find-custodian.txt")
  printf '%-44s %10s %10s %10s %8s\n' "$name" "$v1" "$v2" "$v3" "$r"
done
echo "machine load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
