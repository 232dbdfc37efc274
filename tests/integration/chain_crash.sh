#!/bin/sh
# kill -9 at random moments of a backfill, 20 times, restarting each time:
# the final store equals a clean run (data and checkpoint commit together).
# Then SIGTERM while following: exit 0, and the store resumes cleanly.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

N=1000
start_devnet dn --seed 5 --blocks $N --block-time 0
t0=$(date +%s%N)
index_to clean.db $N --node "$URL" || fail "clean index"
t1=$(date +%s%N)
export_to clean.db clean.nq
# Each run is killed within a twentieth of a clean backfill's time, so that
# twenty kills land before the work is done however fast this machine is.
slice=$(( (t1 - t0) / 20000000 ))
[ $slice -ge 20 ] || slice=20
# ... but no shorter than twice a start and a first group of blocks (40),
# or on a chain that indexes fast no kill would land after a commit
t2=$(date +%s%N)
index_to first.db 40 --node "$URL" || fail "index of 40 blocks"
first=$(( ($(date +%s%N) - t2) / 500000 ))
[ $slice -ge $first ] || slice=$first

kills=0
i=0
while [ $i -lt 20 ]; do
  "$CUSTODIAN" index --db "$TMP/crash.db" --until $N --node "$URL" >/dev/null 2>"$TMP/crash.log" &
  pid=$!
  sleep "$(awk -v ms="$(( $(random_below $slice) + 10 ))" 'BEGIN { printf "%.3f", ms / 1000 }')"
  if kill -9 $pid 2>/dev/null; then
    kills=$((kills + 1))
  fi
  wait $pid 2>/dev/null
  i=$((i + 1))
done
[ $kills -ge 18 ] || fail "the runs were killed in flight ($kills of 20)"
index_to crash.db $N --node "$URL" || { cat "$TMP/crash.db.log" >&2; fail "index after crashes"; }
from=$(sed -n 's/.*from height \([0-9]*\) .*/\1/p' "$TMP/crash.db.log")
[ -n "$from" ] && [ "$from" -gt 1 ] && [ "$from" -le $N ] ||
  fail "the kills landed during the backfill (resumed at ${from:-?} of $N)"
export_to crash.db crash.nq
same clean.nq crash.nq "after $kills kills the store equals a clean run"

# SIGTERM while following the head: the block in hand is finished, exit 0
start_devnet live --seed 5 --block-time 200
"$CUSTODIAN" index --db "$TMP/live.db" --node "$URL" >/dev/null 2>"$TMP/live.log" &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/live.log" >&2; fail "SIGTERM exits 0 (got $rc)"; }
grep -q "indexed up to height" "$TMP/live.log" || fail "SIGTERM reports where it stopped"
h=$(sed -n 's/.*indexed up to height \([0-9]*\).*/\1/p' "$TMP/live.log" | tail -n 1)
next=$((h + 3))
index_to live.db $next --node "$URL" || { cat "$TMP/live.db.log" >&2; fail "resume after SIGTERM"; }
grep -q "from height $((h + 1)) " "$TMP/live.db.log" || fail "resumes at the checkpoint + 1"
pass
