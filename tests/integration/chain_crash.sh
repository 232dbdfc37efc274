#!/bin/sh
# kill -9 in the middle of a backfill, up to 20 times, restarting each time: each
# run resumes where the killed one had committed, and the final store equals
# a clean run (data and checkpoint commit together).
# Then SIGTERM while following: exit 0, and the store resumes cleanly.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

N=2000
start_devnet dn --seed 5 --blocks $N --block-time 0
t0=$(date +%s%N)
index_to clean.db $N --node "$URL" || fail "clean index"
t1=$(date +%s%N)
export_to clean.db clean.nq
# Each run is killed at a random moment within a fortieth of a clean
# backfill after its first commit: so every kill lands while it works (it has
# connected and written, and has more to write), however fast this machine is.
slice=$(( (t1 - t0) / 40000000 ))
[ $slice -ge 5 ] || slice=5

# wait_commit LOG PID: waits until LOG has a commit line or PID has exited
# (1 then); gives up after 60 s.
wait_commit() {
  w=0
  while [ $w -lt 12000 ]; do
    grep -q "committed heights" "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.005
    w=$((w + 1))
  done
  fail "no commit within 60 s (see $1)"
}

kills=0
last=0 # the last height a killed run said it had committed
r=0
while [ $kills -lt 20 ]; do
  r=$((r + 1))
  log="$TMP/crash.$r.log"
  : >"$log"
  "$CUSTODIAN" index --db "$TMP/crash.db" --until $N --node "$URL" --verbose >/dev/null 2>"$log" &
  pid=$!
  if ! wait_commit "$log" $pid; then
    wait $pid || { tail -n 5 "$log" >&2; fail "run $r failed"; }
    break # it finished before it could be killed
  fi
  from=$(sed -n 's/.*following chain .* from height \([0-9]*\) .*/\1/p' "$log")
  [ -n "$from" ] && [ "$from" -gt "$last" ] ||
    fail "run $r resumed at ${from:-?}, before the committed height $last + 1"
  [ $r -eq 1 ] || [ "$from" -gt 1 ] || fail "run $r started over: the kill before it lost data"
  sleep "$(awk -v ms="$(random_below $slice)" 'BEGIN { printf "%.3f", ms / 1000 }')"
  is_killed=0
  kill -9 $pid 2>/dev/null && is_killed=1
  wait $pid 2>/dev/null
  h=$(sed -n 's/.*committed heights [0-9]*\.\.\([0-9]*\) .*/\1/p' "$log" | tail -n 1)
  [ -n "$h" ] && last=$h
  # a kill counts when work was left: the run had not logged height N
  [ $is_killed -eq 1 ] && [ "$last" -lt $N ] && kills=$((kills + 1))
done
echo "# $kills kills in $r runs, the last killed run had committed height $last"
[ $kills -ge 12 ] || fail "the runs were killed in flight ($kills kills in $r runs)"
index_to crash.db $N --node "$URL" || { cat "$TMP/crash.db.log" >&2; fail "index after crashes"; }
from=$(sed -n 's/.*from height \([0-9]*\) .*/\1/p' "$TMP/crash.db.log")
if [ -n "$from" ]; then
  [ "$from" -gt "$last" ] || fail "the last run resumed at $from, before the committed height $last + 1"
else
  grep -q "nothing to do" "$TMP/crash.db.log" || fail "the last run says where it resumed"
fi
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
