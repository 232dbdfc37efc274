#!/bin/sh
# Each dataverse contract version served by the devnet indexes as that
# version behaves, and its executions get exact reward splits with accounts:
#   okp4-dataverse-v5   "metadata", orders lock their funds (uknow, okp4)
#   axone-dataverse-v6  "metadata", a submission with funds fails (uaxone, axone)
#   axone-dataverse-v8  "claims", the same
# and every revoke_claims fails. The amount comes from the caller, else the
# order's funds (v5), else the zone policy's cust:price; CSV rows and the
# MsgMultiSend balance exactly, through the command line and /rewards.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
command -v jq >/dev/null 2>&1 || skip "jq is not installed (the JSON checks need it)"
command -v curl >/dev/null 2>&1 || skip "curl is not installed (the /rewards checks need it)"

N=60
LEDGER='<https://w3id.org/custodian/graph/ledger>'

# count DB 'WHERE-BODY': the number of solutions of a SPARQL pattern.
count() {
  "$CUSTODIAN" query --db "$TMP/$1" --format json "PREFIX cust: <https://w3id.org/custodian/ns#>
SELECT (COUNT(*) AS ?n) WHERE { $2 }" >"$TMP/count.json" 2>"$TMP/count.err" \
    || fail "query on $1: $(cat "$TMP/count.err")"
  jq -r '.results.bindings[0].n.value' "$TMP/count.json"
}

for contract in okp4-dataverse-v5 axone-dataverse-v6 axone-dataverse-v8; do
  case $contract in
    okp4-*) prefix=okp4 denom=uknow field=metadata ;;
    *-v6) prefix=axone denom=uaxone field=metadata ;;
    *) prefix=axone denom=uaxone field=claims ;;
  esac
  M="$TMP/$contract.json"
  start_devnet "dn-$contract" --seed 11 --blocks $N --block-time 0 --contract "$contract" \
    --manifest "$M"
  jq -e --arg c "$contract" --arg p "$prefix" --arg d "$denom" \
    '.contract == $c and .prefix == $p and .denom == $d and (.dataverse | startswith($p + "1"))' \
    "$M" >/dev/null || fail "$contract: the manifest names the contract, prefix and denom"
  jq -e --arg f "$field" '[.items[] | select(.kind == "credential") | .field] | unique == [$f]' \
    "$M" >/dev/null || fail "$contract: every submission uses the field $field"
  DV=$(jq -r .dataverse "$M")
  DB="$contract.db"
  index_to "$DB" $N --node "$URL" --dataverse "$DV" || fail "$contract: index: $(cat "$TMP/$DB.log")"

  # failed transactions are failed attempts, never facts; nothing is revoked
  want=$(jq '[.items[] | select((.kind == "credential" or .kind == "revocation") and .code != 0)
              | .tx] | unique | length' "$M")
  got=$(count "$DB" "GRAPH $LEDGER { ?f a cust:FailedSubmission }")
  [ "$want" -ge 3 ] && [ "$got" = "$want" ] \
    || fail "$contract: $want failed attempts in the manifest, $got in the ledger"
  jq -e '[.items[] | select(.kind == "revocation")] | length > 0 and all(.expect == "failed")' \
    "$M" >/dev/null || fail "$contract: revocations are attempted and fail"
  [ "$(count "$DB" "GRAPH $LEDGER { ?c cust:revokedIn ?tx }")" = 0 ] \
    || fail "$contract: a failed revocation revoked something"
  locked=$(count "$DB" "GRAPH $LEDGER { ?o cust:lockedAmount ?a }")
  funded_fail=$(jq '[.items[] | select(.kind == "credential" and .code != 0 and .funds != [])]
                    | length' "$M")
  if [ $prefix = okp4 ]; then
    [ "$locked" -ge 5 ] && [ "$funded_fail" = 0 ] || fail "$contract: orders lock funds ($locked)"
  else
    [ "$locked" = 0 ] && [ "$funded_fail" -ge 1 ] \
      || fail "$contract: funds are refused ($locked locked, $funded_fail failed)"
    jq -e '[.items[] | select(.kind == "credential" and .code != 0 and .funds != [])][0].reason
           | contains("does no accept funds")' "$M" >/dev/null \
      || fail "$contract: the failure is the contract's non-payable error"
  fi

  # the first delivered execution: the amount's sources, exact split, accounts
  E=$(jq -r '[.items[] | select(.kind == "execution" and .status == "Delivered")][0].execution' "$M")
  [ -n "$E" ] && [ "$E" != null ] || fail "$contract: no delivered execution in $N blocks"
  "$CUSTODIAN" rewards --db "$TMP/$DB" --execution "$E" >"$TMP/r.json" 2>"$TMP/r.err" \
    || fail "$contract: rewards: $(cat "$TMP/r.err")"
  if [ $prefix = okp4 ]; then
    amount=$(jq -r --arg e "$E" '.items[] | select(.execution == $e) | .funds[0].amount' "$M")
    jq -e --arg a "$amount" '.amountSource == "funds" and .total == $a and .denom == "uknow"' \
      "$TMP/r.json" >/dev/null || fail "$contract: the order's funds: $(head -c 300 "$TMP/r.json")"
  else
    jq -e '.amountSource == null and .total == null and .denom == "uaxone"' "$TMP/r.json" \
      >/dev/null || fail "$contract: no amount known: $(head -c 300 "$TMP/r.json")"
    "$CUSTODIAN" rewards --db "$TMP/$DB" --execution "$E" --format csv >/dev/null 2>"$TMP/r.err"
    [ $? -eq 1 ] && grep -q 'no amount is known' "$TMP/r.err" \
      || fail "$contract: csv without an amount: $(cat "$TMP/r.err")"
  fi
  "$CUSTODIAN" rewards --db "$TMP/$DB" --execution "$E" --amount 1000003 >"$TMP/r.json" \
    || fail "$contract: rewards --amount"
  jq -e --arg p "$prefix" '.amountSource == "caller" and .accountPrefix == $p
      and ([.roles[].amount | tonumber] | add) == 1000003
      and ([.payouts[].amount | tonumber] | add) == 1000003
      and all(.payouts[]; .account != null and (.account | startswith($p + "1")))' \
    "$TMP/r.json" >/dev/null || fail "$contract: exact split with accounts: $(head -c 500 "$TMP/r.json")"
  # the account of a payee is the chain's sender of its descriptions (the
  # devnet signs with the key of the did:key, as the contract matches them)
  jq -e --slurpfile m "$M" '[.payouts[] | .payee as $p | .account as $a
      | $m[0].items[] | select(.kind == "credential" and .fixture == null and .issuer == $p
                               and (.type | endswith("DescriptionCredential")))
      | .sender == $a] | length > 3 and all' "$TMP/r.json" >/dev/null \
    || fail "$contract: payee accounts are the senders of their descriptions"
  "$CUSTODIAN" rewards --db "$TMP/$DB" --execution "$E" --amount 1000003 --format csv \
    >"$TMP/r.csv" || fail "$contract: csv"
  head -n 1 "$TMP/r.csv" | grep -qx 'account,amount,denom' || fail "$contract: the csv header"
  awk -F, -v p="$prefix" -v d="$denom" 'NR > 1 { s += $2; if (index($1, p "1") != 1 || $3 != d) bad = 1 }
       END { exit !(s == 1000003 && !bad && NR > 2) }' "$TMP/r.csv" \
    || fail "$contract: csv rows sum to the amount: $(cat "$TMP/r.csv")"
  "$CUSTODIAN" rewards --db "$TMP/$DB" --execution "$E" --amount 1000003 --format msg \
    >"$TMP/r.msg" 2>"$TMP/r.err" || fail "$contract: msg: $(cat "$TMP/r.err")"
  payer=$(jq -r '.inputs[0].address' "$TMP/r.msg")
  jq -e --arg d "$denom" '."@type" == "/cosmos.bank.v1beta1.MsgMultiSend"
      and (.inputs | length) == 1
      and ([.inputs[].coins[].amount | tonumber] | add) == ([.outputs[].coins[].amount | tonumber] | add)
      and ([.outputs[].coins[].amount | tonumber] | add) == 1000003
      and all(.inputs[], .outputs[]; .coins[0].denom == $d)' "$TMP/r.msg" >/dev/null \
    || fail "$contract: a balanced MsgMultiSend: $(head -c 500 "$TMP/r.msg")"
  case $payer in "$prefix"1*) ;; *) fail "$contract: the payer's account pays: $payer" ;; esac
done

# v8: the zone's policy with a cust:price gives the amount; /rewards serves
# the same three forms
Z=$(jq -r '[.items[] | select(.kind == "execution" and .status == "Delivered")][0].zone' \
  "$TMP/axone-dataverse-v8.json")
cat >"$TMP/price.ttl" <<EOF2
@prefix cust: <https://w3id.org/custodian/ns#> .
<urn:policy:priced> a cust:RewardPolicy ;
  cust:appliesToZone <$Z> ;
  cust:roleWeight [ cust:role cust:DataProvider ; cust:weightBps 4000 ] ,
                  [ cust:role cust:ProcessingProvider ; cust:weightBps 3000 ] ,
                  [ cust:role cust:StorageProvider ; cust:weightBps 1000 ] ,
                  [ cust:role cust:OrchestrationProvider ; cust:weightBps 2000 ] ;
  cust:decayNumerator 1 ; cust:decayDenominator 2 ; cust:maxDepth 8 ;
  cust:price [ cust:amount "2500000" ; cust:denom "uaxone" ] .
EOF2
index_to price.db $N --node "$URL" --policy "$TMP/price.ttl" || fail "index with a priced policy: $(cat "$TMP/price.db.log")"
"$CUSTODIAN" rewards --db "$TMP/price.db" --execution "$E" >"$TMP/p.json" || fail "rewards, priced"
jq -e '.amountSource == "policy" and .total == "2500000" and .policy == "urn:policy:priced"
       and ([.payouts[].amount | tonumber] | add) == 2500000' "$TMP/p.json" >/dev/null \
  || fail "the zone's price is the amount: $(head -c 400 "$TMP/p.json")"
sed 's/cust:amount "2500000"/cust:amount "25.5"/' "$TMP/price.ttl" >"$TMP/badprice.ttl"
index_to badprice.db $N --node "$URL" --policy "$TMP/badprice.ttl" && fail "a bad price must stop the indexer"
grep -q 'badprice.ttl" line [0-9]*: policy "urn:policy:priced": cust:price needs a cust:amount' \
  "$TMP/badprice.db.log" || fail "the bad price is named: $(cat "$TMP/badprice.db.log")"

start_listening srv "$CUSTODIAN" serve --db "$TMP/price.db" --listen 127.0.0.1:0
enc=$(printf '%s' "$E" | jq -sRr @uri)
curl -sf "$URL/rewards?execution=$enc&format=csv" >"$TMP/h.csv" || fail "/rewards csv"
awk -F, 'NR > 1 { s += $2 } END { exit !(s == 2500000) }' "$TMP/h.csv" \
  || fail "/rewards csv sums to the price: $(cat "$TMP/h.csv")"
curl -sf "$URL/rewards?execution=$enc&format=msg&from=$payer" >"$TMP/h.msg" || fail "/rewards msg"
jq -e --arg f "$payer" '.inputs[0].address == $f and .inputs[0].coins[0].amount == "2500000"
    and ([.outputs[].coins[].amount | tonumber] | add) == 2500000' "$TMP/h.msg" >/dev/null \
  || fail "/rewards msg balances: $(head -c 400 "$TMP/h.msg")"
code=$(curl -s -o "$TMP/h.err" -w '%{http_code}' "$URL/rewards?execution=$enc&format=msg&from=${payer%?}x")
[ "$code" = 400 ] && grep -q 'not a bech32 address' "$TMP/h.err" \
  || fail "/rewards: a mistyped from is a 400: $code $(cat "$TMP/h.err")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/rewards?execution=$enc&format=xml")
[ "$code" = 400 ] || fail "/rewards: an unknown format is a 400 ($code)"

# a mistyped --dataverse is a usage error, never an index of nothing
bad=$(printf '%s' "$DV" | sed 's/.$/q/')
[ "$bad" != "$DV" ] || bad=$(printf '%s' "$DV" | sed 's/.$/p/')
err=$("$CUSTODIAN" index --db "$TMP/typo.db" --until 5 --node "$URL" --dataverse "$bad" 2>&1)
[ $? -eq 2 ] && [ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q 'checksum' \
  || fail "a mistyped --dataverse exits 2 with one line: $err"
[ ! -e "$TMP/typo.db" ] || fail "a mistyped --dataverse must not create a store"
err=$("$CUSTODIAN" index --db "$TMP/typo.db" --until 5 --node "$URL" --dataverse "$DV" \
  --dataverse okp41072nc6egexqr2v6vpp7yxwm68plvqnkf6xsytf 2>&1)
[ $? -eq 2 ] && echo "$err" | grep -q 'prefix "okp4", not "axone"' \
  || fail "dataverses of two prefixes exit 2: $err"
err=$("$CUSTODIAN" rewards --db "$TMP/price.db" --execution "$E" --format msg --from axone1xyz 2>&1)
[ $? -eq 2 ] && echo "$err" | grep -q '^custodian: --from ' \
  || fail "a bad --from is a usage error: $err"
err=$("$CUSTODIAN" devnet --contract axone-dataverse-v7 2>&1)
[ $? -eq 2 ] && echo "$err" | grep -q 'okp4-dataverse-v5, axone-dataverse-v6 or axone-dataverse-v8' \
  || fail "an unknown --contract is a usage error: $err"
pass
