#!/bin/sh
# Following the head: the index stays within one block of the node, sampled
# while `custodian run` follows a devnet producing a block every 500 ms.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

command -v curl >/dev/null 2>&1 || skip "curl is needed to sample /status"
start_devnet dn --seed 4 --block-time 500
DN=$URL
start_listening run "$CUSTODIAN" run --node "$DN" --db "$TMP/run.db" --listen 127.0.0.1:0
RUN=$URL
sleep 3
worst=0
i=0
while [ $i -lt 12 ]; do
  head=$(curl -s "$DN/status" | sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p')
  indexed=$(curl -s "$RUN/status" | sed -n 's/.*"indexed_height": *\([0-9]*\).*/\1/p')
  [ -n "$head" ] && [ -n "$indexed" ] || fail "both /status answer"
  lag=$((head - indexed))
  [ $lag -gt $worst ] && worst=$lag
  sleep 0.37
  i=$((i + 1))
done
[ $worst -le 1 ] || fail "the lag at the tip stays within one block (worst $worst)"
[ "$indexed" -ge 8 ] || fail "the index moves with the head ($indexed)"
pass
