#!/bin/sh
# Following the head: once caught up, the index stays within one block of
# the node, sampled while `custodian run` follows a devnet producing a block
# every 500 ms.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

command -v curl >/dev/null 2>&1 || skip "curl is needed to sample /status"
start_devnet dn --seed 4 --block-time 500
DN=$URL
start_listening run "$CUSTODIAN" run --node "$DN" --db "$TMP/run.db" --listen 127.0.0.1:0
RUN=$URL

# lag = the node's head (read first) - the indexed height (read second)
lag() {
  head=$(curl -s "$DN/status" | sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p')
  indexed=$(curl -s "$RUN/status" | sed -n 's/.*"indexed_height": *\([0-9]*\).*/\1/p')
  [ -n "$head" ] && [ -n "$indexed" ] || fail "both /status answer"
  echo $((head - indexed))
}

# catching up first (the store, the ontology and the backfill)
i=0
while [ "$(lag)" -gt 1 ]; do
  i=$((i + 1))
  [ $i -lt 150 ] || { cat "$TMP/run.err" >&2; fail "the index catches up with the head"; }
  sleep 0.2
done
indexed_now() {
  curl -s "$RUN/status" | sed -n 's/.*"indexed_height": *\([0-9]*\).*/\1/p'
}
start=$(indexed_now)
worst=0
late=0
samples=""
i=0
while [ $i -lt 12 ]; do
  l=$(lag)
  samples="$samples $l"
  [ "$l" -gt $worst ] && worst=$l
  [ "$l" -gt 1 ] && late=$((late + 1))
  sleep 0.37
  i=$((i + 1))
done
echo "lags:$samples"
# a loaded machine may stall a sample; the index must never fall behind
[ $late -le 1 ] && [ $worst -le 2 ] || fail "the lag at the tip stays within one block:$samples"
indexed=$(indexed_now)
[ "$indexed" -ge $((start + 6)) ] || fail "the index moves with the head ($start -> $indexed)"
pass
