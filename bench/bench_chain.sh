#!/bin/sh
# Benchmark of the chain follower: blocks/s of a backfill of N blocks from
# the devnet (same machine, keep-alive HTTP), skipping empty blocks with
# /blockchain (the default), fetching every block, and without batching.
#   make bench            or   builddir=BUILD sh bench/bench_chain.sh [N]
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench_dir/.." && pwd)
builddir=${builddir:-$(pwd)}
CUSTODIAN=${CUSTODIAN:-$builddir/custodian}
N=${1:-${BENCH_CHAIN_BLOCKS:-3000}}
SCALE=${BENCH_CHAIN_SCALE:-1}
work=$top/bench/work/chain
mkdir -p "$work"
[ -x "$CUSTODIAN" ] || { echo "skip: no custodian at $CUSTODIAN (run make first)"; exit 0; }

dn_pid=""
trap '[ -n "$dn_pid" ] && kill $dn_pid 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
"$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks "$N" --block-time 0 --scale "$SCALE" \
  --quiet >"$work/devnet.out" 2>"$work/devnet.err" &
dn_pid=$!
i=0
url=""
while [ $i -lt 100 ] && [ -z "$url" ]; do
  sleep 0.1
  url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/devnet.out" | head -n 1)
  i=$((i + 1))
done
[ -n "$url" ] || { echo "the devnet did not start"; cat "$work/devnet.err"; exit 1; }

# the devnet builds blocks on demand: one pass first so that every mode
# meets the same warm node
rm -f "$work"/warm.db*
"$CUSTODIAN" index --quiet --node "$url" --db "$work/warm.db" --until "$N" || exit 1

# wall time, and the indexer's own CPU time (user + system): on a busy
# machine the first depends on the neighbours, the second much less
run() {
  id=$1 label=$2; shift 2
  rm -f "$work/$id.db" "$work/$id.db-wal" "$work/$id.db-shm"
  start=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%U %S" -o "$work/$id.cpu" \
      "$CUSTODIAN" index --quiet --node "$url" --db "$work/$id.db" --until "$N" "$@" || exit 1
  else
    "$CUSTODIAN" index --quiet --node "$url" --db "$work/$id.db" --until "$N" "$@" || exit 1
    echo "0 0" >"$work/$id.cpu"
  fi
  end=$(date +%s.%N)
  cpu=$(awk '{ print $1 + $2 }' "$work/$id.cpu")
  awk -v n="$N" -v s="$start" -v e="$end" -v m="$label" -v c="$cpu" \
    'BEGIN { printf "%-24s %7d %8.2f %9.0f %8.2f %11.2f\n", m, n, e - s, n / (e - s), c, (c > 0 ? 1000 * c / n : 0) }'
}

empty=$(curl -s "$url/blockchain?minHeight=1&maxHeight=20" 2>/dev/null | grep -o '"num_txs":"0"' | wc -l)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "backfill of $N devnet blocks (scale $SCALE; $empty of the first 20 blocks are empty)"
printf "%-24s %7s %8s %9s %8s %11s\n" "mode" "blocks" "wall s" "blocks/s" "cpu s" "cpu ms/blk"
run skip10 "skip-empty, batch 10"
run every10 "every block, batch 10" --no-skip-empty
run skip2 "skip-empty, batch 2" --batch 2
run every1 "every block, batch 1" --no-skip-empty --batch 1
