#!/bin/sh
# Custody and rewards on a devnet chain of each ontology version: the same
# two-level workflow (DA, A1, S, ... -> X1 -> D1; D1, A2 -> X2 -> D2)
# written in okp4-v3, axone-v4 and axone-v5 gives the same custody walk and
# the same reward split, to the unit, and that split is the one rewards.md
# gives for this shape (T = 1000003, default policy, every role present:
# 400001 / 300001 / 100000 / 200001; the two data providers at depth 1 share
# theirs equally, the odd unit to the smaller payee IRI).
. "${srcdir:-.}/tests/integration/chain_lib.sh"
command -v jq >/dev/null 2>&1 || skip "jq is not installed (the JSON checks need it)"

for v in okp4-v3 axone-v4 axone-v5; do
  start_devnet "dn-$v" --blocks 60 --block-time 0 --seed 3 --ontology "$v" --manifest "$TMP/$v.json"
  index_to "$v.db" 60 --node "$URL" || fail "index $v: $(cat "$TMP/$v.db.log")"
done

M="$TMP/axone-v4.json"
X1=$(jq -r '[.items[] | select(.kind == "execution" and .name == "X1")][0].execution' "$M")
X2=$(jq -r '[.items[] | select(.kind == "execution" and .name == "X2")][0].execution' "$M")
D2=$(jq -r '[.items[] | select(.kind == "execution" and .name == "X2")][0].produced[0]' "$M")
[ -n "$X2" ] && [ "$X2" != null ] && [ "$D2" != null ] || fail "the chain has no delivered X2"
for v in okp4-v3 axone-v5; do
  [ "$(jq -r '[.items[] | select(.kind == "execution" and .name == "X2")][0].execution' "$TMP/$v.json")" = "$X2" ] \
    || fail "$v: X2 is the same execution"
done

# the expected payees, from the axone-v4 manifest (descriptions name their subject)
issuer_of() { # TYPE-SUFFIX SUBJECT...
  t=$1; shift
  for s in "$@"; do
    jq -r --arg t "$t" --arg s "$s" '.items[] | select(.kind == "credential" and .expect == "accepted"
      and .subject == $s and (.type | endswith($t))) | .issuer' "$M"
  done | sort -u
}
X1IN=$(jq -r --arg x "$X1" '.items[] | select(.kind == "execution" and .execution == $x) | .consumed[]' "$M")
X2IN=$(jq -r --arg x "$X2" '.items[] | select(.kind == "execution" and .execution == $x) | .consumed[]' "$M")
# shellcheck disable=SC2086
DATA=$(issuer_of DatasetDescriptionCredential $X1IN | LC_ALL=C sort)
[ "$(echo "$DATA" | wc -l)" -eq 2 ] || fail "X1 uses datasets of two providers: $DATA"
D_LOW=$(echo "$DATA" | head -n 1)
D_HIGH=$(echo "$DATA" | tail -n 1)
# shellcheck disable=SC2086
PROC=$(issuer_of DigitalServiceDescriptionCredential $X2IN)
ORCH=$(jq -r --arg x "$X2" '.items[] | select(.kind == "execution" and .execution == $x) | .orchestrator' "$M")
OPZ=$(issuer_of DigitalServiceDescriptionCredential "$ORCH")
STORE_SVC=$(jq -r '[.items[] | select(.kind == "credential" and .expect == "accepted"
  and (.type | endswith("DigitalServiceDescriptionCredential")))] | .[].subject' "$M" \
  | grep -x -F "$X1IN" | while read -r s; do
    "$CUSTODIAN" query --db "$TMP/axone-v4.db" --format csv \
      "ASK { GRAPH ?g { <$s> a <https://w3id.org/custodian/ns#StorageService> } }" \
      | grep -q true && echo "$s"; done)
STORE=$(issuer_of DigitalServiceDescriptionCredential $STORE_SVC)
[ -n "$PROC" ] && [ -n "$OPZ" ] && [ -n "$STORE" ] || fail "payees: proc=$PROC opz=$OPZ store=$STORE"

for v in okp4-v3 axone-v4 axone-v5; do
  "$CUSTODIAN" rewards --db "$TMP/$v.db" --execution "$X2" --amount 1000003 >"$TMP/$v.r.json" \
    2>"$TMP/$v.r.err" || fail "$v: rewards of X2: $(cat "$TMP/$v.r.err")"
  jq -c '{roles: [.roles[] | {role, amount}], payouts: [.payouts[] | {role, payee, amount}] | sort_by(.role, .payee)}' \
    "$TMP/$v.r.json" >"$TMP/$v.split"
  jq -e --arg dl "$D_LOW" --arg dh "$D_HIGH" --arg p "$PROC" --arg s "$STORE" --arg o "$OPZ" '
    .eligible and .total == "1000003" and
    ([.roles[] | {(.role): .amount}] | add) == {"DataProvider": "400001",
      "ProcessingProvider": "300001", "StorageProvider": "100000", "OrchestrationProvider": "200001"} and
    ([.payouts[] | "\(.role) \(.payee) \(.amount)"] | sort) == ([
      "DataProvider \($dl) 200001", "DataProvider \($dh) 200000",
      "ProcessingProvider \($p) 300001", "StorageProvider \($s) 100000",
      "OrchestrationProvider \($o) 200001"] | sort)' "$TMP/$v.r.json" >/dev/null \
    || fail "$v: the split of X2 is rewards.md's: $(cat "$TMP/$v.split")"

  "$CUSTODIAN" custody --db "$TMP/$v.db" --resource "$D2" >"$TMP/$v.c.json" \
    || fail "$v: custody of $D2"
  jq -r '[.executions[].iri] | sort | .[]' "$TMP/$v.c.json" >"$TMP/$v.cx"
  grep -q -x -F "$X2" "$TMP/$v.cx" && grep -q -x -F "$X1" "$TMP/$v.cx" \
    || fail "$v: custody of $D2 goes up through X2 and X1: $(tr '\n' ' ' <"$TMP/$v.cx")"
  for r in $X1IN $X2IN; do
    jq -e --arg r "$r" '[.resources[].iri] | index($r) != null' "$TMP/$v.c.json" >/dev/null \
      || fail "$v: custody of $D2 reaches $r"
  done
done
# the canned queries speak the normalised vocabulary: the same answers
command -v curl >/dev/null 2>&1 || skip "curl is not installed (the canned queries need it)"
ZONE=$(jq -r --arg x "$X2" '.items[] | select(.kind == "execution" and .execution == $x) | .zone' "$M")
for v in okp4-v3 axone-v4 axone-v5; do
  start_listening "srv-$v" "$CUSTODIAN" serve --listen 127.0.0.1:0 --db "$TMP/$v.db"
  curl -sf "$URL/queries/zone?zone=$ZONE&format=csv" | tr -d '\r' >"$TMP/$v.zone" \
    || fail "$v: /queries/zone"
  grep -q -F "$X2,https://w3id.org/custodian/ns#Delivered,produced,$D2" "$TMP/$v.zone" \
    || fail "$v: the zone query lists what X2 produced: $(head -c 400 "$TMP/$v.zone")"
  curl -sf "$URL/queries/lineage?resource=$D2&format=csv" | tr -d '\r' | cut -d, -f1,3,4 \
    | sed 1d | LC_ALL=C sort -u >"$TMP/$v.lineage" || fail "$v: /queries/lineage"
  grep -q -F "1,$X2," "$TMP/$v.lineage" || fail "$v: lineage of $D2 starts at X2: $(cat "$TMP/$v.lineage")"
  curl -sf "$URL/queries/execution?execution=$X2&format=csv" | tr -d '\r' >"$TMP/$v.dossier" \
    || fail "$v: /queries/execution"
  for r in $X2IN; do
    grep -q -x -F "consumed,$r,,," "$TMP/$v.dossier" || fail "$v: the dossier of X2 lists $r"
  done
done
cmp -s "$TMP/okp4-v3.lineage" "$TMP/axone-v4.lineage" || fail "okp4-v3 and axone-v4: the same lineage"

cmp -s "$TMP/okp4-v3.split" "$TMP/axone-v4.split" || fail "okp4-v3 and axone-v4 split alike"
cmp -s "$TMP/axone-v5.split" "$TMP/axone-v4.split" || fail "axone-v5 and axone-v4 split alike"
cmp -s "$TMP/okp4-v3.cx" "$TMP/axone-v4.cx" || fail "okp4-v3 and axone-v4 walk alike"
cmp -s "$TMP/axone-v5.cx" "$TMP/axone-v4.cx" || fail "axone-v5 and axone-v4 walk alike"
pass
