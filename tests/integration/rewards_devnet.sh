#!/bin/sh
# Rewards and custody end to end: a devnet chain (okp4-dataverse-v5, whose
# orders lock funds) indexed with a zone's policy (and a bad policy refused at
# start), every execution's split conserving the total, refunds for
# executions that did not deliver, custody both ways.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
command -v jq >/dev/null 2>&1 || skip "jq is not installed (the JSON checks need it)"

start_devnet devnet --seed 7 --blocks 60 --block-time 10 --contract okp4-dataverse-v5
index_to plain.db 60 --node "$URL" || fail "index: $(cat "$TMP/plain.db.log")"

"$CUSTODIAN" export --db "$TMP/plain.db" --graph https://w3id.org/custodian/graph/current \
  | sed -n 's/^<\([^>]*\)> <[^>]*#status> <[^>]*\/\([A-Za-z]*\)>.*/\1 \2/p' >"$TMP/execs"
[ "$(wc -l <"$TMP/execs")" -ge 5 ] || fail "the devnet made too few executions"
grep -q " Delivered$" "$TMP/execs" || fail "no delivered execution"

# every execution: valid JSON; tax + payouts + refund = total; not delivered: refund
delivered=""
while read -r e status; do
  "$CUSTODIAN" rewards --db "$TMP/plain.db" --execution "$e" >"$TMP/r.json" 2>"$TMP/r.err" \
    || fail "rewards of $e: $(cat "$TMP/r.err")"
  jq -e '((.tax.amount | tonumber) + ([.payouts[].amount | tonumber] | add // 0)
          + ((.refund.amount // "0") | tonumber)) == (.total | tonumber)' "$TMP/r.json" >/dev/null \
    || fail "conservation for $e: $(head -c 400 "$TMP/r.json")"
  jq -e '.asOfHeight == 60 and .policy == "urn:policy:default" and .denom == "uknow"' \
    "$TMP/r.json" >/dev/null || fail "head of the answer for $e: $(head -c 300 "$TMP/r.json")"
  if [ "$status" = Delivered ]; then
    jq -e '.eligible and (.payouts | length) > 0 and ([.payouts[].score | tonumber] | min) > 0' \
      "$TMP/r.json" >/dev/null || fail "a delivered execution pays: $(head -c 300 "$TMP/r.json")"
    [ -n "$delivered" ] || delivered=$e
  else
    jq -e '(.eligible | not) and .payouts == [] and .refund.amount == .total
           and (.refund.payee | startswith("did:"))' "$TMP/r.json" >/dev/null \
      || fail "a $status execution is refunded: $(head -c 300 "$TMP/r.json")"
  fi
done <"$TMP/execs"

# an explicit amount, a named policy, an unknown one, an unknown execution
"$CUSTODIAN" rewards --db "$TMP/plain.db" --execution "$delivered" --amount 1000003 >"$TMP/r.json" \
  || fail "rewards with --amount"
jq -e '.total == "1000003" and ([.roles[].amount | tonumber] | add) == 1000003' "$TMP/r.json" \
  >/dev/null || fail "--amount is split: $(head -c 300 "$TMP/r.json")"
err=$("$CUSTODIAN" rewards --db "$TMP/plain.db" --execution "$delivered" --policy urn:nope 2>&1)
[ $? -eq 1 ] && echo "$err" | grep -q 'urn:nope' || fail "an unknown policy: $err"
err=$("$CUSTODIAN" rewards --db "$TMP/plain.db" --execution urn:uuid:nope 2>&1)
[ $? -eq 1 ] || fail "an unknown execution exits 1"
[ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q 'unknown execution "urn:uuid:nope"' \
  || fail "an unknown execution is one line: $err"

# custody: upstream of what the delivered execution produced, downstream of an input
"$CUSTODIAN" custody --db "$TMP/plain.db" --resource "$delivered" >"$TMP/c.json" \
  || fail "custody of an execution"
jq -e --arg e "$delivered" '.direction == "up" and .truncated == false and
    (.executions | map(.iri) | index($e)) != null and (.edges | length) > 0 and
    all(.edges[]; .tx != null and .blockTime != null) and
    all(.executions[]; .orchestrationService != null)' "$TMP/c.json" >/dev/null \
  || fail "custody upstream: $(head -c 600 "$TMP/c.json")"
input=$(jq -r '[.edges[] | select(.type == "used") | .to][0]' "$TMP/c.json")
"$CUSTODIAN" custody --db "$TMP/plain.db" --resource "$input" --direction down --depth 3 \
  >"$TMP/d.json" || fail "custody downstream of $input"
jq -e --arg e "$delivered" '.direction == "down" and .depth == 3 and
    (.executions | map(.iri) | index($e)) != null' "$TMP/d.json" >/dev/null \
  || fail "custody downstream reaches the execution: $(head -c 600 "$TMP/d.json")"
err=$("$CUSTODIAN" custody --db "$TMP/plain.db" --resource urn:uuid:nowhere 2>&1)
[ $? -eq 1 ] && echo "$err" | grep -q 'unknown resource "urn:uuid:nowhere"' \
  || fail "an unknown resource: $err"

# a zone's policy with tax, loaded at start; a bad policy is refused with its line
zone=$(jq -r '.zone' "$TMP/r.json")
cat >"$TMP/zone.ttl" <<EOF
@prefix cust: <https://w3id.org/custodian/ns#> .
<urn:policy:zone> a cust:RewardPolicy ;
  cust:appliesToZone <$zone> ;
  cust:roleWeight [ cust:role cust:DataProvider ; cust:weightBps 5000 ] ,
                  [ cust:role cust:OrchestrationProvider ; cust:weightBps 5000 ] ;
  cust:decayNumerator 1 ; cust:decayDenominator 3 ; cust:maxDepth 4 ;
  cust:taxBps 250 ; cust:taxRecipient <did:key:treasury> .
EOF
index_to zone.db 60 --node "$URL" --policy "$TMP/zone.ttl" || fail "index with a policy: $(cat "$TMP/zone.db.log")"
"$CUSTODIAN" rewards --db "$TMP/zone.db" --execution "$delivered" --amount 1000000 >"$TMP/z.json" \
  || fail "rewards under the zone's policy"
jq -e '.policy == "urn:policy:zone" and .tax.recipient == "did:key:treasury"
       and .tax.amount == "25000" and .tax.account == null
       and all(.roles[]; .role == "DataProvider" or .role == "OrchestrationProvider")' \
  "$TMP/z.json" >/dev/null || fail "the zone's policy applies: $(head -c 400 "$TMP/z.json")"
sed 's/weightBps 5000 ] ;/weightBps 4000 ] ;/' "$TMP/zone.ttl" >"$TMP/bad.ttl"
index_to bad.db 60 --node "$URL" --policy "$TMP/bad.ttl" && fail "a bad policy must stop the indexer"
grep -q 'bad.ttl" line 2: policy "urn:policy:zone": role weights sum to 9000, not 10000' \
  "$TMP/bad.db.log" || fail "the bad policy is named with its line: $(cat "$TMP/bad.db.log")"
pass
