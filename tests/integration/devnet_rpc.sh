#!/bin/sh
# custodian devnet: /status in each dialect, blocks that decode (as many
# results as txs, tx hashes = sha256 of the raw bytes, last_block_id links),
# CometBFT's errors for future, pruned and bad heights, /blockchain, POST
# JSON-RPC with batches, a growing head, and a clean stop on SIGTERM.
. "${srcdir:-.}/tests/integration/lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed (the JSON checks need it)"

# ---- usage errors
for args in "--dialect 0.36" "--faults 2" "--block-time 0" "--scale 0" \
  "--blocks 10 --earliest 11" "--manifest $TMP/m.json"; do
  # shellcheck disable=SC2086
  err=$("$CUSTODIAN" devnet --listen 127.0.0.1:0 $args 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "devnet $args is a usage error (got $rc): $err"
  [ "$(echo "$err" | wc -l)" -eq 1 ] || fail "devnet $args: one line: $err"
done
err=$("$CUSTODIAN" devnet --listen nonsense --blocks 5 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "a bad --listen is a usage error (got $rc): $err"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "a bad --listen is one line: $err"

code() { curl -s -o "$TMP/body" -w '%{http_code}' "$URL$1"; }
post() { curl -s -o "$TMP/body" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary "$1" "$URL/"; }
jqb() { jq -e "$1" "$TMP/body" >/dev/null || fail "$2: $(head -c 600 "$TMP/body")"; }

# ---- a finished chain of 60 blocks, pruned below 5
start_listening dn "$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks 60 --block-time 0 \
  --seed 3 --earliest 5
echo "$URL" | grep -q '^http://127.0.0.1:[1-9][0-9]*$' || fail "the bound port is printed: $URL"
DV=$(sed -n 's/^dataverse //p' "$TMP/dn.out")
echo "$DV" | grep -q '^axone1[a-z0-9]\{58\}$' || fail "the dataverse address is printed: $DV"

[ "$(code /status)" = 200 ] || fail "/status is 200"
jqb '.jsonrpc == "2.0" and .id == -1 and .result.node_info.version == "0.38.7"' "0.38 version"
jqb '.result.sync_info.latest_block_height == "60" and .result.sync_info.earliest_block_height == "5"' \
  "heights in /status"
jqb '.result.node_info.network == "axone-devnet-1" and .result.sync_info.catching_up == false' \
  "network in /status"

[ "$(code /devnet/manifest)" = 200 ] || fail "/devnet/manifest is 200"
cp "$TMP/body" "$TMP/manifest.json"
jq -e --arg dv "$DV" '.dataverse == $dv and (.items | length) > 20' "$TMP/manifest.json" \
  >/dev/null || fail "the manifest names the dataverse and lists items"

prev=""
h=5
busy=0
while [ $h -le 45 ]; do
  [ "$(code "/block?height=$h")" = 200 ] || fail "/block?height=$h is 200"
  cp "$TMP/body" "$TMP/block.json"
  [ "$(code "/block_results?height=$h")" = 200 ] || fail "/block_results?height=$h is 200"
  cp "$TMP/body" "$TMP/results.json"
  n1=$(jq '.result.block.data.txs | length' "$TMP/block.json")
  n2=$(jq '.result.txs_results // [] | length' "$TMP/results.json")
  [ "$n1" = "$n2" ] || fail "height $h: $n1 txs but $n2 results"
  [ "$(jq -r '.result.block.header.height' "$TMP/block.json")" = "$h" ] || fail "height $h header"
  if [ -n "$prev" ]; then
    link=$(jq -r '.result.block.header.last_block_id.hash' "$TMP/block.json")
    [ "$link" = "$prev" ] || fail "height $h: last_block_id $link is not $prev"
  fi
  prev=$(jq -r '.result.block_id.hash' "$TMP/block.json")
  echo "$prev" | grep -q '^[0-9A-F]\{64\}$' || fail "height $h: the block hash is uppercase hex"
  if [ "$n1" -gt 0 ]; then
    busy=$((busy + 1))
    jq -r '.result.block.data.txs[]' "$TMP/block.json" | while read -r tx; do
      hash=$(printf '%s' "$tx" | base64 -d | sha256sum | cut -c1-64 | tr a-f A-F)
      jq -e --arg h "$hash" --argjson ht "$h" \
        'any(.items[]; .tx == $h and .height == $ht)' "$TMP/manifest.json" >/dev/null ||
        { echo "height $h: tx $hash is not in the manifest" >"$TMP/hashfail"; }
    done
    [ -f "$TMP/hashfail" ] && fail "$(cat "$TMP/hashfail")"
  fi
  h=$((h + 1))
done
[ $busy -ge 15 ] || fail "blocks 5..45 hold transactions ($busy busy blocks)"
jq -e '.result.finalize_block_events | length > 0' "$TMP/results.json" >/dev/null ||
  fail "0.38 results have finalize_block_events"
jq -e '.result.app_hash | type == "string"' "$TMP/results.json" >/dev/null ||
  fail "0.38 results have app_hash"

# ---- errors: HTTP 500 with a JSON-RPC error body
[ "$(code '/block?height=61')" = 500 ] || fail "a future height is 500"
jqb '.error.code == -32603 and .error.data == "height 61 must be less than or equal to the current blockchain height 60"' \
  "future height message"
[ "$(code '/block_results?height=99')" = 500 ] || fail "future results are 500"
jqb '.error.data == "height 99 must be less than or equal to the current blockchain height 60"' \
  "future results message"
[ "$(code '/block?height=3')" = 500 ] || fail "a pruned height is 500"
jqb '.error.data == "height 3 is not available, lowest height is 5"' "pruned message"
[ "$(code '/block?height=0')" = 500 ] || fail "height 0 is 500"
jqb '.error.data == "height must be greater than 0, but got 0"' "height 0 message"
[ "$(code '/block?height=abc')" = 500 ] || fail "a bad height is 500"
jqb '.error.code == -32602' "a bad height is invalid params"
[ "$(code '/block?height=%2212%22')" = 200 ] || fail "a quoted height is accepted"
[ "$(code '/tx_search?query=%22tx.height=12%22')" = 500 ] || fail "/tx_search is 500"
jqb '.error.data == "transaction indexing is disabled"' "tx indexing is off"
[ "$(code /nope)" = 404 ] || fail "an unknown route is 404"
[ "$(code /block)" = 200 ] || fail "/block without height is the head"
jqb '.result.block.header.height == "60"' "/block without height"

# ---- /blockchain: at most 20 metas, highest first, num_txs a string
[ "$(code '/blockchain?minHeight=1&maxHeight=60')" = 200 ] || fail "/blockchain is 200"
jqb '.result.last_height == "60" and (.result.block_metas | length) == 20' "20 metas"
jqb '.result.block_metas[0].header.height == "60" and .result.block_metas[19].header.height == "41"' \
  "highest first"
jqb 'all(.result.block_metas[]; (.num_txs | type) == "string")' "num_txs strings"
[ "$(code '/blockchain?minHeight=1&maxHeight=7')" = 200 ] || fail "/blockchain pruned is 200"
jqb '(.result.block_metas | length) == 3 and .result.block_metas[2].header.height == "5"' \
  "pruned heights are left out of /blockchain"
[ "$(code '/blockchain?minHeight=70&maxHeight=80')" = 500 ] || fail "/blockchain above the head"
jqb '.error.data == "min height 70 can'"'"'t be greater than max height 60"' "min > max message"

# ---- POST JSON-RPC: 200 with the result or the error in the body
[ "$(post '{"jsonrpc":"2.0","id":7,"method":"block","params":{"height":"12"}}')" = 200 ] ||
  fail "POST block is 200"
jqb '.id == 7 and .result.block.header.height == "12"' "POST block"
curl -s "$URL/block?height=12" | jq -S .result >"$TMP/get12.json"
jq -S .result "$TMP/body" | cmp -s - "$TMP/get12.json" || fail "POST and GET give the same block"
[ "$(post '{"jsonrpc":"2.0","id":"a","method":"block_results","params":["99"]}')" = 200 ] ||
  fail "POST errors are 200"
jqb '.id == "a" and (.error.data | startswith("height 99 must be less"))' "POST error body"
[ "$(post '{"jsonrpc":"2.0","id":1,"method":"nope"}')" = 200 ] || fail "unknown method is 200"
jqb '.error.code == -32601' "unknown method"
[ "$(post '{"jsonrpc":')" = 500 ] || fail "bad JSON is 500"
jqb '.error.code == -32700' "parse error"
batch='['
i=1
while [ $i -le 10 ]; do
  batch="$batch{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"block\",\"params\":{\"height\":\"$((i + 10))\"}},"
  i=$((i + 1))
done
[ "$(post "${batch%,}]")" = 200 ] || fail "a batch of 10 is 200"
jqb 'length == 10 and .[0].id == 1 and .[9].result.block.header.height == "20"' "batch of 10"
[ "$(post "${batch}{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"status\"}]")" = 400 ] ||
  fail "a batch of 11 is refused"
jqb '.error.data | test("batch request exceeds maximum \\(10\\)")' "batch limit message"
[ "$(post '[{"jsonrpc":"2.0","id":1,"method":"status"},{"jsonrpc":"2.0","method":"status"}]')" = 200 ] ||
  fail "a batch with a notification is 200"
jqb 'length == 1' "notifications get no answer"

# ---- the 0.34 and 0.37 dialects
start_listening d34 "$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks 30 --block-time 0 \
  --seed 3 --dialect 0.34
[ "$(code /status)" = 200 ] && jqb '.result.node_info.version == "0.34.27"' "0.34 version"
[ "$(code '/block_results?height=12')" = 200 ] || fail "0.34 results"
jqb 'any(.result.txs_results[].events[].attributes[]; .key == "X2NvbnRyYWN0X2FkZHJlc3M=")' \
  "0.34 attributes are base64"
jqb '.result.txs_results[0].log | fromjson | type == "array"' "0.34 log is JSON"
jqb '(.result | has("begin_block_events")) and (.result | has("app_hash") | not)' "0.34 shape"
start_listening d37 "$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks 30 --block-time 0 \
  --seed 3 --dialect 0.37
[ "$(code /status)" = 200 ] && jqb '.result.node_info.version == "0.37.2"' "0.37 version"
[ "$(code '/block_results?height=12')" = 200 ] || fail "0.37 results"
jqb 'any(.result.txs_results[].events[].attributes[]; .key == "_contract_address")' \
  "0.37 attributes are plain"
jqb '(.result | has("begin_block_events")) and (.result | has("end_block_events")) and (.result | has("finalize_block_events") | not)' \
  "0.37 shape"

# ---- a growing head
start_listening grow "$CUSTODIAN" devnet --listen 127.0.0.1:0 --block-time 700 --seed 3
GPID=$!
sleep 1.6
[ "$(code /status)" = 200 ] || fail "/status of a growing chain"
head1=$(jq -r '.result.sync_info.latest_block_height' "$TMP/body")
[ "$head1" -ge 2 ] || fail "the head grows (head $head1 after 1.6 s)"
[ "$(code "/block?height=$((head1 + 50))")" = 500 ] || fail "a future height of a growing chain"
jqb '.error.data | test("must be less than or equal to the current blockchain height")' \
  "future height of a growing chain"
# the tip's results are missing in the first half of about half of the blocks
seen=0
i=0
while [ $i -lt 150 ] && [ $seen -eq 0 ]; do
  hh=$(curl -s "$URL/status" | jq -r '.result.sync_info.latest_block_height')
  curl -s "$URL/block_results?height=$hh" | grep -q "could not find results for height #$hh" &&
    seen=1
  sleep 0.1
  i=$((i + 1))
done
[ $seen -eq 1 ] || fail "the tip's results are sometimes not ready"
kill -TERM "$GPID"
i=0
while kill -0 "$GPID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$GPID" 2>/dev/null && fail "the devnet stops within 5 s of SIGTERM"
wait "$GPID"; rc=$?
[ $rc -eq 0 ] || fail "SIGTERM exits 0 (got $rc)"
pass
