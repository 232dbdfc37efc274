#!/bin/sh
# A sparse devnet (--empty-blocks N): the workload of height h at height
# 1 + (h - 1)(N + 1), empty blocks between, answered as such by /blockchain;
# indexing it gives as many quads as indexing the dense chain, and the
# checkpoint lands on the last height.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

command -v curl >/dev/null 2>&1 || skip "curl is needed to read the devnet"

# ---- usage errors
for args in "--blocks 10 --empty-blocks 3 --manifest $TMP/m.json" \
  "--blocks 10 --empty-blocks 2000000" "--blocks 10 --empty-blocks x"; do
  # shellcheck disable=SC2086
  err=$("$CUSTODIAN" devnet --listen 127.0.0.1:0 --block-time 0 $args 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "devnet $args is a usage error (got $rc): $err"
done
"$CUSTODIAN" devnet --help 2>&1 | grep -q -- "--empty-blocks" || fail "--help names --empty-blocks"

start_devnet sparse --seed 5 --blocks 600 --block-time 0 --empty-blocks 9
SPARSE=$URL
start_devnet dense --seed 5 --blocks 60 --block-time 0
DENSE=$URL

code=$(curl -s -o "$TMP/body" -w '%{http_code}' "$SPARSE/devnet/manifest")
[ "$code" = 404 ] || fail "no manifest for a sparse chain (got $code)"
curl -s "$SPARSE/devnet/info" | grep -q '"empty_blocks":9' || fail "/devnet/info names empty_blocks"
curl -s "$SPARSE/blockchain?minHeight=2&maxHeight=10" >"$TMP/metas"
[ "$(grep -o '"num_txs":"0"' "$TMP/metas" | wc -l)" -eq 9 ] || fail "heights 2..10 are empty"
curl -s "$SPARSE/block?height=21" | grep -q '"txs":\["' || fail "height 21 (the dense 3) has txs"

index_to sparse.db 600 --node "$SPARSE" || { cat "$TMP/sparse.db.log" >&2; fail "index the sparse chain"; }
grep -q "indexed up to height 600" "$TMP/sparse.db.log" || fail "the checkpoint is at 600"
index_to dense.db 60 --node "$DENSE" || { cat "$TMP/dense.db.log" >&2; fail "index the dense chain"; }
export_to sparse.db sparse.nq
export_to dense.db dense.nq
ns=$(wc -l <"$TMP/sparse.nq")
nd=$(wc -l <"$TMP/dense.nq")
[ "$nd" -gt 100 ] && [ "$ns" -eq "$nd" ] || fail "as many quads sparse ($ns) as dense ($nd)"
pass
