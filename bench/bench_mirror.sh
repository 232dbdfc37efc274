#!/bin/sh
# Benchmark of the mirror into Virtuoso (Debian's virtuoso-opensource,
# started here on free loopback ports): a store of BENCH_MIRROR_BLOCKS
# (2000) devnet blocks at --scale BENCH_MIRROR_SCALE (1) is mirrored into a
# new Virtuoso database, (a) catching up in batches (256 commits, 1 MiB) and (b)
# one store commit per request (what a mirror that keeps up sends), (c) a
# rebuild through SPARQL Update (forced by a position from another store;
# 512 KiB requests, as Virtuoso's SPARQL compiler runs out of memory on
# this store's 1 MiB INSERT DATA) and (d) a rebuild through the Graph Store
# Protocol (--graph-store, which a target without a position gets; 1 MiB
# parts); blocks/s and quads/s of each, median of BENCH_MIRROR_RUNS (3)
# runs. BENCH_MIRROR_MODES picks some of "batches one rebuild gsp"
# (default: all). Then (c) and (d) again on a store of the same triples in
# one graph (`custodian load` of reference data): few large graphs.
# Measure an optimised build (no sanitizers):
#   make bench            or   builddir=BUILD sh bench/bench_mirror.sh
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench_dir/.." && pwd)
builddir=${builddir:-$(pwd)}
CUSTODIAN=${CUSTODIAN:-$builddir/custodian}
N=${BENCH_MIRROR_BLOCKS:-2000}
SCALE=${BENCH_MIRROR_SCALE:-1}
RUNS=${BENCH_MIRROR_RUNS:-3}
MODES=${BENCH_MIRROR_MODES:-batches one rebuild gsp}
work=$top/bench/work/mirror
[ -x "$CUSTODIAN" ] || { echo "skip: no custodian at $CUSTODIAN (run make first)"; exit 0; }
command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1 ||
  { echo "skip: Virtuoso is not installed (apt-get install virtuoso-opensource)"; exit 0; }
if grep -q "__asan_init" "$CUSTODIAN" 2>/dev/null; then
  echo "note: $CUSTODIAN is a sanitizer build; configure without --enable-sanitizers to measure"
fi
rm -rf "$work"
mkdir -p "$work"
VDIR=$work/virtuoso
VPID=""
dn_pid=""
trap '[ -n "$dn_pid" ] && kill $dn_pid 2>/dev/null; [ -n "$VPID" ] && kill $VPID 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
. "$top/tests/integration/virtuoso_lib.sh"

# the store
"$CUSTODIAN" devnet --listen 127.0.0.1:0 --block-time 0 --quiet --blocks "$N" --scale "$SCALE" \
  >"$work/devnet.out" 2>"$work/devnet.err" &
dn_pid=$!
url=""
i=0
while [ $i -lt 100 ] && [ -z "$url" ]; do
  sleep 0.1
  url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/devnet.out" | head -n 1)
  i=$((i + 1))
done
[ -n "$url" ] || { echo "the devnet did not start"; exit 1; }
"$CUSTODIAN" index --quiet --node "$url" --db "$work/s.db" --until "$N" || exit 1
kill $dn_pid; wait $dn_pid 2>/dev/null; dn_pid=""
quads=$("$CUSTODIAN" export --db "$work/s.db" | wc -l)
commits=$(sqlite3 "$work/s.db" 'SELECT count(*) FROM cust_log_commits' 2>/dev/null || echo "?")
graphs=$("$CUSTODIAN" export --db "$work/s.db" | sed -E 's/.* (<[^<>" ]*>) \.$/\1/' | sort -u | wc -l)
# the one-graph store: the chain's triples without blank nodes, as reference data
"$CUSTODIAN" export --db "$work/s.db" | sed -E 's/ <[^<>" ]*> \.$/ ./' | grep -v -e '^_:' -e ' _:' \
  >"$work/ref.nt"
"$CUSTODIAN" load --quiet --db "$work/r.db" --graph https://example.org/reference "$work/ref.nt" || exit 1
rquads=$("$CUSTODIAN" export --db "$work/r.db" | wc -l)

# run STORE MODE: a new Virtuoso database, one mirror run; prints seconds
run() {
  [ -n "$VPID" ] && { kill $VPID; wait $VPID 2>/dev/null; }
  rm -rf "$VDIR"
  VIRTUOSO_BUFFERS=170000 VIRTUOSO_DIRTY=130000 virtuoso_new || { echo "Virtuoso did not start"; exit 1; }
  db=$1
  m=$2
  set --
  case $m in
  batches) set -- --batch-bytes 1048576 ;;
  one) set -- --batch-commits 1 ;;
  rebuild)
    # a position written by another store of the chain: the target is rebuilt
    curl -sf --data-urlencode "update=INSERT DATA { GRAPH <urn:custodian:mirror> { <urn:custodian:mirror> <https://w3id.org/custodian/ns#storeId> \"bench-another-store\" } }" \
      "$SPARQL" >/dev/null || { echo "Virtuoso refused the position"; exit 1; }
    set -- --batch-bytes 524288
    ;;
  gsp) set -- --graph-store "http://127.0.0.1:$HPORT/sparql-graph-crud" --batch-bytes 1048576 ;;
  *) echo "unknown mode \"$m\" in BENCH_MIRROR_MODES (batches one rebuild gsp)" >&2; exit 1 ;;
  esac
  t0=$(date +%s.%N)
  "$CUSTODIAN" mirror --quiet --db "$work/$db" --to "$SPARQL" --once "$@" || exit 1
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{ printf "%.2f\n", $2 - $1 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "store: $N blocks (--scale $SCALE), $quads quads in $graphs graphs, $commits commits;" \
  "one-graph store: $rquads quads"
printf '| store | requests | blocks/s | quads/s | seconds (runs) |\n|---|---|---|---|---|\n'
for db in s.db r.db; do
  for mode in $MODES; do
    [ $db = r.db ] && [ $mode != rebuild ] && [ $mode != gsp ] && continue
    : >"$work/$db.$mode.times"
    r=0
    while [ $r -lt "$RUNS" ]; do
      run $db $mode >>"$work/$db.$mode.times"
      r=$((r + 1))
    done
    s=$(median <"$work/$db.$mode.times")
    case $mode in
    batches) label="log, batches of 256 commits, 1 MiB" ;;
    one) label="log, one commit per request" ;;
    rebuild) label="rebuild through SPARQL Update (512 KiB)" ;;
    gsp) label="rebuild through --graph-store (1 MiB)" ;;
    esac
    if [ $db = s.db ]; then
      name="chain ($graphs graphs)"; q=$quads; n=$N
    else
      name="one graph"; q=$rquads; n=0
    fi
    awk -v n="$n" -v q="$q" -v s="$s" -v l="$label" -v d="$name" -v all="$(tr '\n' ' ' <"$work/$db.$mode.times")" \
      'BEGIN { b = n > 0 ? sprintf("%.0f", n / s) : "-"; printf "| %s | %s | %s | %.0f | %s (%s) |\n", d, l, b, q / s, s, all }'
  done
done
