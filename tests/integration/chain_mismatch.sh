#!/bin/sh
# A node of another chain id, or of a chain whose blocks do not link to the
# stored ones, stops indexing with a clear message before writing anything.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

start_devnet a --seed 1 --blocks 60 --block-time 0
A=$URL
start_devnet other --seed 1 --blocks 60 --block-time 0 --chain-id okp4-other-1
OTHER=$URL
start_devnet fork --seed 2 --blocks 60 --block-time 0
FORK=$URL

index_to s.db 30 --node "$A" || fail "index of chain a"
export_to s.db before.nq

index_to s.db 60 --node "$OTHER"
[ $? -eq 1 ] || fail "another chain id exits 1"
grep -q '"axone-devnet-1"' "$TMP/s.db.log" && grep -q '"okp4-other-1"' "$TMP/s.db.log" ||
  { cat "$TMP/s.db.log" >&2; fail "the message names both chain ids"; }

index_to s.db 60 --node "$FORK"
[ $? -eq 1 ] || fail "a block that does not link exits 1"
grep -q 'block 31 .*does not link to block 30' "$TMP/s.db.log" ||
  { cat "$TMP/s.db.log" >&2; fail "the message names the broken link"; }
[ "$(error_lines "$TMP/s.db.log")" -eq 1 ] || { cat "$TMP/s.db.log" >&2; fail "one error line"; }

index_to s.db 60 --node "$A" --node "$OTHER"
[ $? -eq 1 ] || fail "nodes of two chains exit 1"
grep -q 'serves chain "okp4-other-1"' "$TMP/s.db.log" || fail "the odd node is named"

export_to s.db after.nq
same before.nq after.nq "nothing was written by the refused runs"
index_to s.db 60 --node "$A" || fail "the right node still continues"
pass
