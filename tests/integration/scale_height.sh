#!/bin/sh
# Read-your-height and health for balancers: min_height (parameter or
# X-Custodian-Min-Height) waits for the index up to --max-height-wait, else
# 503 with Retry-After; every read route says its height; /health?max_lag=N
# is 503 while the replica is more than N blocks behind, and 200 once it is not.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
. "${srcdir:-.}/tests/integration/http_lib.sh"

ASK='/sparql?query=ASK%7B%7D'

# a live chain: a block every 250 ms
start_devnet dn --seed 7 --block-time 250
NODE=$URL
start_listening r "$CUSTODIAN" run --node "$NODE" --db "$TMP/r.db" --listen 127.0.0.1:0 \
  --max-height-wait 1500
R=$URL
i=0
while :; do
  get "$ASK" >/dev/null
  h=$(header X-Custodian-Height)
  [ -n "$h" ] && [ "$h" -ge 3 ] && break
  i=$((i + 1)); [ $i -lt 200 ] || fail "the replica indexed nothing in 20 s"
  sleep 0.1
done

# a height a few blocks ahead: the request waits for it, then answers at or above it
want=$((h + 3))
expect 200 "$ASK&min_height=$want"
got=$(header X-Custodian-Height)
[ "$got" -ge $want ] || fail "min_height=$want answered at height $got"
# the header does the same, and the larger of header and parameter counts
want=$((got + 2))
expect 200 "$ASK" -H "X-Custodian-Min-Height: $want"
got=$(header X-Custodian-Height)
[ "$got" -ge $want ] || fail "X-Custodian-Min-Height: $want answered at height $got"
want=$((got + 2))
expect 200 "$ASK&min_height=1" -H "X-Custodian-Min-Height: $want"
[ "$(header X-Custodian-Height)" -ge $want ] || fail "the larger of parameter and header counts"

# a height out of reach: 503 after the bound, with Retry-After and the height reached
far=$((got + 100000))
t0=$(date +%s%N)
expect 503 "$ASK&min_height=$far"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $ms -ge 1400 ] || fail "the request waited $ms ms, not --max-height-wait 1500"
[ $ms -lt 10000 ] || fail "the request waited $ms ms, far past --max-height-wait 1500"
[ "$(header Retry-After)" = "1" ] || fail "503 below min_height carries Retry-After: 1"
[ -n "$(header X-Custodian-Height)" ] || fail "503 below min_height says the height reached"
jq -e --argjson f $far '.error == "height not reached" and .min_height == $f and .height > 0' \
  "$TMP/body" >/dev/null || fail "the 503 body names both heights: $(cat "$TMP/body")"

# bad heights are refused with what to send
expect 400 "$ASK&min_height=abc"
grep -q 'min_height' "$TMP/body" || fail "a bad min_height is named"
expect 400 "$ASK&min_height=1&min_height=2"
expect 400 "$ASK" -H "X-Custodian-Min-Height: -4"

# canned queries, custody and rewards: min_height accepted, height in the header
expect 200 "/queries/rejections?min_height=$h"
[ "$(header X-Custodian-Height)" -ge "$h" ] || fail "canned queries carry X-Custodian-Height"
expect 503 "/queries/rejections?min_height=$far"
res=$(curl -sf "$R/sparql" --data-urlencode 'query=PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?e WHERE { GRAPH ?g { ?e a prov:Activity } } LIMIT 1' -H 'Accept: text/csv' | sed -n 2p | tr -d '\r')
[ -n "$res" ] || fail "the devnet chain has an activity"
enc=$(printf %s "$res" | jq -sRr @uri)
expect 200 "/custody?resource=$enc&min_height=$h"
ch=$(header X-Custodian-Height)
[ -n "$ch" ] && [ "$ch" -ge "$h" ] || fail "/custody carries X-Custodian-Height >= $h (got '$ch')"
bh=$(jq .asOfHeight "$TMP/body")
[ "$bh" -ge "$h" ] && [ "$bh" -le "$ch" ] || fail "/custody asOfHeight $bh is within [$h, $ch]"
expect 503 "/custody?resource=$enc&min_height=$far"
expect 503 "/rewards?execution=$enc&min_height=$far"
get "/rewards?execution=$enc&min_height=$h" >/dev/null
if [ "$(status)" = 200 ]; then
  [ "$(header X-Custodian-Height)" -ge "$h" ] || fail "/rewards carries X-Custodian-Height"
  [ "$(jq .asOfHeight "$TMP/body")" -ge "$h" ] || fail "/rewards asOfHeight >= min_height"
fi

# health: a following replica is within a block or two of the head
expect 200 "/health?max_lag=1000"
expect 400 "/health?max_lag=many"
grep -q max_lag "$TMP/body" || fail "a bad max_lag is named"

# a replica that starts far behind (a long chain, backfilled) is out for
# max_lag=5 until it has caught up, and in for a bound above its lag
start_devnet long --seed 7 --blocks 3000 --block-time 0
start_listening l "$CUSTODIAN" run --node "$URL" --db "$TMP/l.db" --listen 127.0.0.1:0
L=$URL
seen_out=0; seen_in=0; i=0
while [ $i -lt 1200 ]; do
  URL=$L
  code=$(curl -s -o "$TMP/h.json" -w '%{http_code}' "$L/health?max_lag=5")
  lag=$(jq -r '.lag // empty' "$TMP/h.json")
  head=$(jq -r '.head_height // 0' "$TMP/h.json")
  if [ "$head" -gt 0 ] && [ -n "$lag" ]; then
    if [ "$lag" -gt 5 ]; then
      [ "$code" = 503 ] || fail "lag $lag > max_lag 5 gives 503 (got $code)"
      grep -q 'blocks behind' "$TMP/h.json" || fail "the 503 says how far behind"
      big=$((lag + 100000))
      [ "$(curl -s -o /dev/null -w '%{http_code}' "$L/health?max_lag=$big")" = 200 ] ||
        fail "max_lag above the lag gives 200"
      seen_out=1
    elif [ "$code" = 200 ] && [ "$head" -ge 3000 ] && [ "$lag" -eq 0 ]; then
      seen_in=1
      break
    fi
  fi
  i=$((i + 1)); sleep 0.05
done
[ $seen_out -eq 1 ] || fail "the backfilling replica was never out for max_lag=5"
[ $seen_in -eq 1 ] || fail "the replica never came back in after catching up"
URL=$L; expect 200 "/health?max_lag=0"

# a serve-only process cannot know the head: max_lag is refused there, plainly
serve s --db "$TMP/l.db"
expect 503 "/health?max_lag=5"
grep -q 'custodian run' "$TMP/body" || fail "serve explains that max_lag needs the indexer"
expect 200 "/health"
pass
