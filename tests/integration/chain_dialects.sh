#!/bin/sh
# The same chain served in each RPC dialect (0.34 base64 attributes, 0.37,
# 0.38) indexes into byte-identical stores.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

N=120
for d in 0.34 0.37 0.38; do
  start_devnet "dn$d" --seed 7 --blocks $N --block-time 0 --dialect "$d"
  index_to "d$d.db" $N --node "$URL" || { cat "$TMP/d$d.db.log" >&2; fail "index of the $d dialect"; }
  grep -q "CometBFT $d" "$TMP/d$d.db.log" || fail "the $d dialect was detected from /status"
  export_to "d$d.db" "d$d.nq"
done
[ "$(grep -c '<urn:cosmos:' "$TMP/d0.38.nq")" -gt 50 ] || fail "the export holds indexed transactions"
same d0.34.nq d0.38.nq "0.34 and 0.38 give the same store"
same d0.37.nq d0.38.nq "0.37 and 0.38 give the same store"
pass
