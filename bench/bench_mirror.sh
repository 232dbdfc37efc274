#!/bin/sh
# Benchmark of the mirror into Virtuoso (Debian's virtuoso-opensource,
# started here on free loopback ports): a store of BENCH_MIRROR_BLOCKS
# (2000) devnet blocks at --scale BENCH_MIRROR_SCALE (1) is mirrored into a
# new Virtuoso database, (a) catching up with the default batches and (b)
# one store commit per request (what a mirror that keeps up sends); blocks/s
# and quads/s of each, median of BENCH_MIRROR_RUNS (3) runs.
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

# run MODE ARGS...: a new Virtuoso database, one mirror run; prints seconds
run() {
  [ -n "$VPID" ] && { kill $VPID; wait $VPID 2>/dev/null; }
  rm -rf "$VDIR"
  VIRTUOSO_BUFFERS=170000 VIRTUOSO_DIRTY=130000 virtuoso_new || { echo "Virtuoso did not start"; exit 1; }
  t0=$(date +%s.%N)
  "$CUSTODIAN" mirror --quiet --db "$work/s.db" --to "$SPARQL" --once "$@" || exit 1
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{ printf "%.2f\n", $2 - $1 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "store: $N blocks (--scale $SCALE), $quads quads, $commits commits"
printf '| requests | blocks/s | quads/s | seconds (runs) |\n|---|---|---|---|\n'
for mode in batches one; do
  : >"$work/$mode.times"
  r=0
  while [ $r -lt "$RUNS" ]; do
    if [ $mode = batches ]; then run >>"$work/$mode.times"; else run --batch-commits 1 >>"$work/$mode.times"; fi
    r=$((r + 1))
  done
  s=$(median <"$work/$mode.times")
  label="default batches (256 commits, 1 MiB)"
  [ $mode = one ] && label="one commit per request"
  awk -v n="$N" -v q="$quads" -v s="$s" -v l="$label" -v all="$(tr '\n' ' ' <"$work/$mode.times")" \
    'BEGIN { printf "| %s | %.0f | %.0f | %s (%s) |\n", l, n / s, q / s, s, all }'
done
