#!/bin/sh
# A pruned node never causes a skipped height: with a full node beside it
# nothing is missing; alone, indexing fails loudly and writes nothing.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

N=100
start_devnet full --seed 9 --blocks $N --block-time 0
FULL=$URL
start_devnet pruned --seed 9 --blocks $N --block-time 0 --earliest 40
PRUNED=$URL

index_to clean.db $N --node "$FULL" || fail "index of the full node"
export_to clean.db clean.nq

# the pruned node first: heights below 40 come from the full one
index_to both.db $N --node "$PRUNED" --node "$FULL" ||
  { cat "$TMP/both.db.log" >&2; fail "index with a pruned and a full node"; }
export_to both.db both.nq
same clean.nq both.nq "a pruned node beside a full one skips nothing"

# the pruned node alone: a clear failure, exit 1, nothing written
index_to alone.db $N --node "$PRUNED"
rc=$?
[ $rc -eq 1 ] || fail "a pruned node alone exits 1 (got $rc)"
grep -q 'height 1 is not available on any node' "$TMP/alone.db.log" ||
  { cat "$TMP/alone.db.log" >&2; fail "the failure names the missing height"; }
[ "$(error_lines "$TMP/alone.db.log")" -eq 1 ] || fail "one error line"
export_to alone.db alone.nq
! grep -q '<urn:cosmos:' "$TMP/alone.nq" || fail "no transaction was written after the gap"

# starting at the node's lowest height on purpose works
index_to later.db $N --node "$PRUNED" --from-height 40 || fail "--from-height 40 on the pruned node"
pass
