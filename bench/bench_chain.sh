#!/bin/sh
# Benchmark of the chain follower: end-to-end backfill from a devnet on the
# same machine (HTTP, keep-alive) into the committed store.
#   sparse: BENCH_SPARSE_BLOCKS (100000) blocks, one in BENCH_SPARSE_EVERY
#           (50) carrying the devnet's workload (about 1 % of the blocks with
#           transactions): blocks/s and peak RSS, median of 3 runs
#   dense:  --scale BENCH_DENSE_SCALE (100), BENCH_DENSE_BLOCKS (1000) blocks
#           (about 2.4 million quads): quads/s (the store's quads / wall time)
#           and quads per second of the indexer's CPU, and the peak RSS of
#           backfills of 25, 50 and 100 % of it (BENCH_DENSE_RUNS (1) runs of
#           the whole chain; the median is reported)
# Measure an optimised build (no sanitizers):
#   make bench            or   builddir=BUILD sh bench/bench_chain.sh
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench_dir/.." && pwd)
builddir=${builddir:-$(pwd)}
CUSTODIAN=${CUSTODIAN:-$builddir/custodian}
SPARSE_N=${BENCH_SPARSE_BLOCKS:-100000}
SPARSE_EVERY=${BENCH_SPARSE_EVERY:-50}
DENSE_N=${BENCH_DENSE_BLOCKS:-1000}
DENSE_SCALE=${BENCH_DENSE_SCALE:-100}
RUNS=${BENCH_CHAIN_RUNS:-3}
DENSE_RUNS=${BENCH_DENSE_RUNS:-1}
work=$top/bench/work/chain
mkdir -p "$work"
[ -x "$CUSTODIAN" ] || { echo "skip: no custodian at $CUSTODIAN (run make first)"; exit 0; }
if grep -q "__asan_init" "$CUSTODIAN" 2>/dev/null; then
  echo "note: $CUSTODIAN is a sanitizer build; configure without --enable-sanitizers to measure"
fi
[ -x /usr/bin/time ] || { echo "skip: /usr/bin/time is needed for the peak RSS (apt-get install time)"; exit 0; }

dn_pid=""
trap '[ -n "$dn_pid" ] && kill $dn_pid 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

# devnet ARGS...: starts a devnet, sets $url
devnet() {
  [ -n "$dn_pid" ] && kill "$dn_pid" 2>/dev/null && wait "$dn_pid" 2>/dev/null
  : >"$work/devnet.out"
  "$CUSTODIAN" devnet --listen 127.0.0.1:0 --block-time 0 --quiet "$@" \
    >"$work/devnet.out" 2>"$work/devnet.err" &
  dn_pid=$!
  i=0
  url=""
  while [ $i -lt 100 ] && [ -z "$url" ]; do
    sleep 0.1
    url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/devnet.out" | head -n 1)
    i=$((i + 1))
  done
  [ -n "$url" ] || { echo "the devnet did not start"; cat "$work/devnet.err"; exit 1; }
}

# backfill ID UNTIL: a fresh store, indexed up to UNTIL; prints
# "wall_s cpu_s peak_rss_kib"
backfill() {
  rm -f "$work/$1.db" "$work/$1.db-wal" "$work/$1.db-shm"
  /usr/bin/time -f "%e %U %S %M" -o "$work/$1.time" \
    "$CUSTODIAN" index --quiet --node "$url" --db "$work/$1.db" --until "$2" || exit 1
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/$1.time"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null; }

echo "custodian backfill benchmark ($(nproc 2>/dev/null || echo '?') cores)"

# ---- sparse ------------------------------------------------------------------
devnet --blocks "$SPARSE_N" --empty-blocks $((SPARSE_EVERY - 1))
# how many of the first 100 workload heights carry transactions
with_txs=0
k=0
while [ $k -lt 100 ]; do
  h=$((1 + k * SPARSE_EVERY))
  curl -s "$url/blockchain?minHeight=$h&maxHeight=$h" 2>/dev/null | grep -q '"num_txs":"0"' ||
    with_txs=$((with_txs + 1))
  k=$((k + 1))
done
echo
echo "sparse: $SPARSE_N blocks, one in $SPARSE_EVERY with the workload" \
  "($with_txs of the first 100 such blocks with txs:" \
  "$(awk -v t="$with_txs" -v e="$SPARSE_EVERY" 'BEGIN { printf "%.2f", t / e }') % of all);" \
  "load average $(loadavg)"
printf "%-6s %8s %9s %7s %11s %9s\n" "run" "wall s" "blocks/s" "cpu s" "cpu us/blk" "peak RSS"
: >"$work/sparse.rates"
r=1
while [ $r -le "$RUNS" ]; do
  set -- $(backfill sparse "$SPARSE_N")
  awk -v r="$r" -v n="$SPARSE_N" -v w="$1" -v c="$2" -v m="$3" \
    'BEGIN { printf "%-6s %8.2f %9.0f %7.2f %11.1f %6.0f MiB\n", r, w, n / w, c, 1e6 * c / n, m / 1024 }'
  awk -v n="$SPARSE_N" -v w="$1" 'BEGIN { printf "%.0f\n", n / w }' >>"$work/sparse.rates"
  r=$((r + 1))
done
echo "sparse median: $(median <"$work/sparse.rates") blocks/s (target >= 2000)"

# ---- dense -------------------------------------------------------------------
devnet --blocks "$DENSE_N" --scale "$DENSE_SCALE"
echo
echo "dense: $DENSE_N blocks at --scale $DENSE_SCALE; load average $(loadavg)"
printf "%-12s %7s %8s %9s %9s %7s %12s %9s\n" "run" "blocks" "wall s" "quads" "quads/s" "cpu s" "quads/cpu-s" \
  "peak RSS"
: >"$work/dense.rates"
for frac in 25 50 100; do
  until=$((DENSE_N * frac / 100))
  n=1
  [ "$frac" = 100 ] && n=$DENSE_RUNS
  r=1
  while [ $r -le "$n" ]; do
    set -- $(backfill "dense$frac" "$until")
    [ $r = 1 ] && quads=$("$CUSTODIAN" export --db "$work/dense$frac.db" | wc -l)
    awk -v f="$frac% #$r" -v b="$until" -v w="$1" -v c="$2" -v m="$3" -v q="$quads" \
      'BEGIN { printf "%-12s %7d %8.2f %9d %9.0f %7.2f %12.0f %6.0f MiB\n", f, b, w, q, q / w, c, q / c, m / 1024 }'
    [ "$frac" = 100 ] && awk -v w="$1" -v q="$quads" 'BEGIN { printf "%.0f\n", q / w }' \
      >>"$work/dense.rates"
    r=$((r + 1))
  done
done
echo "dense median: $(median <"$work/dense.rates") quads/s (target >= 150000);" \
  "load average $(loadavg)"
