#!/bin/sh
# A node that fails a fifth of its answers the way real nodes fail (500
# JSON-RPC errors, 502 HTML, 429, stalls, cut-off bodies) gives the same
# store as a healthy one: retried, never skipped.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

N=120
start_devnet clean --seed 3 --blocks $N --block-time 0
CLEAN=$URL
start_devnet faulty --seed 3 --blocks $N --block-time 0 --faults 0.2
FAULTY=$URL

index_to clean.db $N --node "$CLEAN" || fail "index of the healthy node"
index_to faulty.db $N --node "$FAULTY" --batch 4 --verbose ||
  { tail -n 20 "$TMP/faulty.db.log" >&2; fail "index of the faulty node"; }
grep -q "transient error" "$TMP/faulty.db.log" || fail "the faults were met and retried"
export_to clean.db clean.nq
export_to faulty.db faulty.nq
[ -s "$TMP/clean.nq" ] || fail "the export is not empty"
same clean.nq faulty.nq "the faulty node gives the same store as the healthy one"
pass
