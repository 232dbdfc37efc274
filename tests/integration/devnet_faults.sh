#!/bin/sh
# custodian devnet --faults: each kind of failure shows up (500 with a
# JSON-RPC error, 502 with HTML, 429, a cut-off body, a stall), the devnet
# routes never fail, and the same seed fails the same requests.
. "${srcdir:-.}/tests/integration/lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed (the JSON checks need it)"

# Every request fails, the kinds taking turns in a fixed order.
start_listening f1 "$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks 30 --block-time 0 \
  --faults 1 --seed 5

one() {
  t0=$(date +%s)
  out=$(curl -s -m 20 -o "$TMP/body" -w '%{http_code}' "$URL$1")
  rc=$?
  t1=$(date +%s)
  elapsed=$((t1 - t0))
}

one /status
[ "$out" = 500 ] || fail "fault 1 is a 500 (got $out)"
jq -e '.error.code == -32603 and (.error.data | length) > 0' "$TMP/body" >/dev/null ||
  fail "the 500 carries a JSON-RPC error: $(cat "$TMP/body")"
one '/block?height=3'
[ "$out" = 502 ] || fail "fault 2 is a 502 (got $out)"
grep -q '<title>502 Bad Gateway</title>' "$TMP/body" || fail "the 502 is an HTML page"
one '/block_results?height=3'
[ "$out" = 429 ] || fail "fault 3 is a 429 (got $out)"
one '/block?height=3'
[ $rc -ne 0 ] || fail "fault 4 cuts the body off (curl exit $rc, status $out)"
[ "$rc" -eq 18 ] || [ "$rc" -eq 56 ] || fail "fault 4: a partial transfer (curl exit $rc)"
one /status
[ "$out" = 200 ] || fail "fault 5 (a stall) answers at last (got $out)"
[ $elapsed -ge 2 ] || fail "fault 5 stalls for seconds (took $elapsed s)"
jq -e '.result.sync_info.latest_block_height == "30"' "$TMP/body" >/dev/null ||
  fail "the stalled answer is the right one"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/devnet/info")" = 200 ] ||
  fail "the devnet routes never fail"
# POST answers fail the same ways
out=$(curl -s -o "$TMP/body" -w '%{http_code}' --data-binary \
  '{"jsonrpc":"2.0","id":1,"method":"status"}' "$URL/")
[ "$out" = 500 ] || fail "a POST gets the next fault in turn, a 500 (got $out)"

# A rate of 0.4: some requests fail, others succeed, the same ones for the same seed.
seq_of() {
  s=""
  i=0
  while [ $i -lt 25 ]; do
    c=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$URL/block?height=$((i + 1))")
    s="$s $c"
    i=$((i + 1))
  done
  echo "$s"
}
start_listening f2 "$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks 30 --block-time 0 \
  --faults 0.4 --seed 9
s1=$(seq_of)
start_listening f3 "$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks 30 --block-time 0 \
  --faults 0.4 --seed 9
s2=$(seq_of)
echo "$s1" | grep -q ' 200' || fail "with --faults 0.4 some requests succeed: $s1"
echo "$s1" | grep -q -e ' 500' -e ' 502' -e ' 429' -e ' 000' ||
  fail "with --faults 0.4 some requests fail: $s1"
[ "$s1" = "$s2" ] || fail "the same seed fails the same requests: '$s1' vs '$s2'"
pass
