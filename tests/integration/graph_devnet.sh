#!/bin/sh
# The graph of a devnet chain answers, through "custodian query", what the
# devnet's manifest says happened: credentials accepted per type, rejected
# (and why), failed, revoked; each execution's status, consumed and produced
# resources, orchestration service, zone and locked funds; and the upstream
# custody of a produced dataset, walked hop by hop along prov:wasDerivedFrom.
#
# The chain: cycles 0 to 3 in full (every malformed kind, revocations, failed
# and cancelled executions), the quiet cycle 4, and cycle 5 up to offset 15,
# so one execution is still running and custody crosses the quiet cycle.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
command -v jq >/dev/null 2>&1 || skip "jq is not installed (the manifest is JSON)"

N=225
M="$TMP/manifest.json"
DB="$TMP/g.db"
start_devnet devnet --blocks $N --block-time 0 --seed 3 --manifest "$M"
i=0
DV=""
while [ -z "$DV" ] && [ $i -lt 50 ]; do
  DV=$(sed -n 's/^dataverse \([a-z0-9]*1[a-z0-9]*\)$/\1/p' "$TMP/devnet.out")
  [ -n "$DV" ] || sleep 0.1
  i=$((i + 1))
done
[ -n "$DV" ] || fail "the devnet did not print its dataverse: $(cat "$TMP/devnet.out")"
[ "$DV" = "$(jq -r .dataverse "$M")" ] || fail "the manifest names another dataverse than $DV"
index_to g.db $N --node "$URL" --dataverse "$DV" || fail "index: $(cat "$TMP/g.db.log")"

PREFIXES='PREFIX cust: <https://w3id.org/custodian/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX cred: <https://www.w3.org/2018/credentials#>
PREFIX order: <https://w3id.org/okp4/ontology/v3/schema/credential/orchestration-service/execution-order/>
PREFIX exec: <https://w3id.org/okp4/ontology/v3/schema/credential/orchestration-service/execution/>'
LEDGER='<https://w3id.org/custodian/graph/ledger>'
CURRENT='<https://w3id.org/custodian/graph/current>'

# sel 'SELECT …' VAR…: the values of VAR… of each row, tab-separated (JSON
# results read with jq; an unbound variable is an empty field).
sel() {
  sel_q=$1; shift
  "$CUSTODIAN" query --db "$DB" --format json "$PREFIXES
$sel_q" >"$TMP/q.json" 2>"$TMP/q.err" || fail "query failed: $(cat "$TMP/q.err")
  $sel_q"
  jq -r --arg vars "$*" '($vars | split(" ")) as $vs | .results.bindings[]
    | [$vs[] as $v | (.[$v].value // "")] | @tsv' "$TMP/q.json" \
    || fail "the answer is not SPARQL JSON results: $(head -c 300 "$TMP/q.json")"
}

# man 'JQ FILTER': the manifest through jq -r.
man() {
  jq -r "$1" "$M" || fail "jq over the manifest: $1"
}

# same_rows WHAT EXPECTED GOT: the two files hold the same rows (any order).
same_rows() {
  sort "$TMP/$2" >"$TMP/$2.s"
  sort "$TMP/$3" >"$TMP/$3.s"
  if ! cmp -s "$TMP/$2.s" "$TMP/$3.s"; then
    echo "< expected (manifest), > got (graph); first differences:" >&2
    diff "$TMP/$2.s" "$TMP/$3.s" | grep '^[<>]' | head -n 12 >&2
    fail "$1: $(wc -l <"$TMP/$2.s") rows expected, $(wc -l <"$TMP/$3.s") got"
  fi
}

# at_least WHAT FILE N: the manifest gives something to compare with.
at_least() {
  [ "$(wc -l <"$TMP/$2")" -ge "$3" ] \
    || fail "the devnet of this test no longer covers $1 (fewer than $3 in the manifest)"
}

ACCEPTED='.items[] | select(.kind == "credential" and (.expect == "accepted" or .expect == "revoked"))'
EXECS='.items[] | select(.kind == "execution")'

# ---- credentials accepted, per type (counted by SPARQL), then one by one
man "[$ACCEPTED | .type] | group_by(.) | .[] | \"\(.[0])\t\(length)\"" >"$TMP/types.want"
at_least "eight credential types" types.want 8
sel "SELECT ?t (COUNT(?c) AS ?n) WHERE {
       GRAPH $LEDGER { ?c cust:submittedIn ?tx }
       GRAPH ?g { ?c a ?t }
       FILTER(?g = ?c && ?t != cred:VerifiableCredential) } GROUP BY ?t" t n >"$TMP/types.got"
same_rows "accepted credentials per type" types.want types.got

man "$ACCEPTED | select(.expect == \"accepted\") | .type" | sort | uniq -c \
  | awk '{ print $2 "\t" $1 }' >"$TMP/live.want"
sel "SELECT ?t (COUNT(?c) AS ?n) WHERE {
       GRAPH $LEDGER { ?c cust:submittedIn ?tx OPTIONAL { ?c cust:revokedIn ?rv } }
       GRAPH ?g { ?c a ?t }
       FILTER(?g = ?c && ?t != cred:VerifiableCredential && !BOUND(?rv)) } GROUP BY ?t" t n \
  >"$TMP/live.got"
same_rows "live (accepted, not revoked) credentials per type" live.want live.got

man "$ACCEPTED | \"\(.credential)\t\(.tx)\t\(.height)\"" >"$TMP/acc.want"
sel "SELECT ?c ?h ?height WHERE { GRAPH $LEDGER {
       ?c cust:submittedIn ?tx . ?tx cust:txHash ?h ; cust:height ?height } }" c h height \
  >"$TMP/acc.got"
same_rows "accepted credentials (IRI, transaction, height)" acc.want acc.got

# ---- rejected, and why: the reason's wording per kind of fault
man '.items[] | select(.kind == "credential" and .expect == "rejected")
  | "\(.tx)\t\(.msg_index)\t\(.reason_code)\t" +
    (if (.reason_code | IN("two_subjects", "no_issuance_date", "two_types"))
     then .credential else "" end)' >"$TMP/rej.want"
[ "$(cut -f 3 "$TMP/rej.want" | sort -u | wc -l)" -eq 8 ] \
  || fail "the devnet of this test no longer covers the eight malformed kinds: $(cut -f 3 "$TMP/rej.want" | sort -u | tr '\n' ' ')"
sel "SELECT ?h ?m ?reason ?c WHERE { GRAPH $LEDGER {
       ?r a cust:Rejection ; cust:inTransaction ?tx ; cust:msgIndex ?m ; cust:reason ?reason .
       ?tx cust:txHash ?h OPTIONAL { ?r cust:credential ?c } } }" h m reason c >"$TMP/rej.raw"
# the kind of fault from the reason (an unknown wording stays as it is)
awk -F '\t' 'BEGIN { OFS = "\t" }
  { k = $3 }
  $3 == "the claims are not valid base64" { k = "bad_base64" }
  $3 ~ /^the claims are not N-Quads: / { k = "not_nquads" }
  $3 == "no node is typed https://www.w3.org/2018/credentials#VerifiableCredential" { k = "no_vc" }
  $3 == "the credential has 2 credentialSubject; it needs exactly one" { k = "two_subjects" }
  $3 == "the credential has 0 issuanceDate; it needs exactly one" { k = "no_issuance_date" }
  $3 ~ /^the credential is (about )?[0-9]+ bytes, more than the limit of 1048576 bytes$/ {
    k = "oversized" }
  $3 == "the credential has 2 types besides VerifiableCredential; it needs exactly one" {
    k = "two_types" }
  $3 == "the credential is a blank node; it needs an IRI" { k = "blank_credential" }
  { print $1, $2, k, $4 }' "$TMP/rej.raw" >"$TMP/rej.got"
same_rows "rejections (transaction, message, reason, credential)" rej.want rej.got

# ---- failed: every failed transaction to the dataverse, with its code and log
man '.items[] | select((.kind == "credential" or .kind == "revocation") and .code != 0)
  | "\(.tx)\t\(.height)\t\(.code)\t\(.reason)"' | sort -u >"$TMP/failed.want"
at_least "failed submissions and revocations" failed.want 10
man '.items[] | select(.kind == "revocation" and .expect == "failed") | .tx' >"$TMP/frev"
at_least "failed revocations" frev 1
sel "SELECT ?h ?height ?code ?log WHERE { GRAPH $LEDGER {
       ?f a cust:FailedSubmission ; cust:inTransaction ?tx ; cust:height ?height ;
          cust:code ?code ; cust:log ?log . ?tx cust:txHash ?h } }" h height code log \
  >"$TMP/failed.got"
same_rows "failed submissions (transaction, height, code, log)" failed.want failed.got

# ---- revoked: which credential, in which block, by an accepted revocation
# (none: revoke_claims fails on every released dataverse contract)
man '.items[] | select(.kind == "credential" and .expect == "revoked")
  | "\(.credential)\t\(.revoked_height)"' >"$TMP/rev.want"
[ ! -s "$TMP/rev.want" ] || fail "the devnet's contract accepted a revocation: $(head -n 2 "$TMP/rev.want")"
man '.items[] | select(.kind == "revocation" and .expect == "accepted")
  | "\(.credential)\t\(.height)"' >"$TMP/rev.items"
same_rows "the manifest's revocations and revoked credentials" rev.want rev.items
sel "SELECT ?c ?height WHERE { GRAPH $LEDGER { ?c cust:revokedIn ?tx . ?tx cust:height ?height } }" \
  c height >"$TMP/rev.got"
same_rows "revoked credentials (IRI, height)" rev.want rev.got

# ---- executions
man "$EXECS | .execution" | sort | uniq -d >"$TMP/dups"
[ ! -s "$TMP/dups" ] || fail "the manifest lists an execution twice: $(cat "$TMP/dups")"
man "$EXECS | \"\(.execution)\t\(.status)\"" >"$TMP/status.want"
for s in Delivered Failed Cancelled InExecution; do
  grep "	$s\$" "$TMP/status.want" >"$TMP/status.$s"
  at_least "executions that end $s" "status.$s" 1
done
sel "SELECT ?e ?s WHERE { GRAPH $CURRENT { ?e cust:status ?s } }" e s >"$TMP/status.raw"
sed 's|\thttps://w3id.org/okp4/ontology/v3/thesaurus/digital-service-execution-status/|\t|' \
  "$TMP/status.raw" >"$TMP/status.got"
same_rows "the current status of each execution" status.want status.got

man "$EXECS | .execution as \$e | .consumed[] | \"\(\$e)\t\(.)\"" >"$TMP/used.want"
sel "SELECT DISTINCT ?e ?r WHERE { GRAPH ?g { ?e exec:hasConsumedResource ?r } }" e r \
  >"$TMP/consumed.got"
same_rows "consumed resources (exec:hasConsumedResource)" used.want consumed.got
sel "SELECT DISTINCT ?e ?r WHERE { GRAPH ?g { ?e a prov:Activity ; prov:used ?r } }" e r \
  >"$TMP/used.got"
same_rows "consumed resources (prov:used)" used.want used.got

man "$EXECS | .execution as \$e | .produced[] | \"\(\$e)\t\(.)\"" >"$TMP/gen.want"
at_least "produced datasets" gen.want 20
sel "SELECT DISTINCT ?e ?p WHERE { GRAPH ?g { ?e exec:hasProducedResource ?p } }" e p \
  >"$TMP/produced.got"
same_rows "produced resources (exec:hasProducedResource)" gen.want produced.got
sel "SELECT DISTINCT ?e ?p WHERE { GRAPH ?g { ?e prov:generated ?p } }" e p >"$TMP/gen.got"
same_rows "produced resources (prov:generated)" gen.want gen.got
sel "SELECT DISTINCT ?e ?p WHERE { GRAPH ?g { ?p prov:wasGeneratedBy ?e } }" e p >"$TMP/genby.got"
same_rows "produced resources (prov:wasGeneratedBy)" gen.want genby.got

man "$EXECS | \"\(.execution)\t\(.orchestrator)\"" >"$TMP/orch.want"
sel "SELECT DISTINCT ?e ?s WHERE { GRAPH ?g { ?e prov:wasAssociatedWith ?s } }" e s \
  >"$TMP/orch.got"
same_rows "orchestration service of each execution" orch.want orch.got

man "$EXECS | \"\(.execution)\t\(.order)\t\(.zone)\"" >"$TMP/zone.want"
sel "SELECT DISTINCT ?e ?o ?z WHERE {
       GRAPH ?g { ?e exec:executionOf ?o } GRAPH ?h { ?o order:inZone ?z } }" e o z \
  >"$TMP/zone.got"
same_rows "order and zone of each execution" zone.want zone.got

man "$EXECS | select(.funds != []) | \"\(.execution)\t\(.funds[0].amount)\t\(.funds[0].denom)\"" \
  >"$TMP/funds.want"
sel "SELECT DISTINCT ?e ?a ?d WHERE { GRAPH ?g { ?e exec:executionOf ?o }
       GRAPH $LEDGER { ?o cust:lockedAmount ?a ; cust:lockedDenom ?d } }" e a d >"$TMP/funds.got"
same_rows "funds locked for each execution's order" funds.want funds.got

man "$EXECS | select(.part_of != null) | \"\(.execution)\t\(.part_of)\"" >"$TMP/part.want"
at_least "sub-executions" part.want 1
sel "SELECT DISTINCT ?e ?p WHERE { GRAPH ?g { ?e exec:partOfExecution ?p } }" e p >"$TMP/part.got"
same_rows "sub-executions" part.want part.got

# ---- upstream custody through PROV: every derivation, then one deep walk
man "$EXECS | .produced[] as \$p | .consumed[] | \"\(\$p)\t\(.)\"" | sort -u >"$TMP/derived.want"
sel "SELECT DISTINCT ?p ?r WHERE { GRAPH ?g { ?p prov:wasDerivedFrom ?r } }" p r \
  >"$TMP/derived.got"
same_rows "prov:wasDerivedFrom (produced, consumed)" derived.want derived.got

# the produced dataset with the most ancestors in the manifest, and those
# ancestors: the closure of produced -> consumed over the executions
man "[$EXECS | .produced[] as \$p | .consumed[] | {p: \$p, r: .}] as \$edges
  | def up(\$d): {seen: [], front: [\$d], hops: 0}
      | until(.front == [];
          . as \$s
          | ([\$edges[] | select(.p as \$x | any(\$s.front[]; . == \$x)) | .r] | unique
             - \$s.seen - [\$d]) as \$new
          | {seen: (\$s.seen + \$new | unique), front: \$new,
             hops: (\$s.hops + (if \$new == [] then 0 else 1 end))});
    [\$edges[].p] | unique | map(up(.) + {d: .}) | max_by(.seen | length)
  | \"\(.d)\t\(.hops)\", (.seen[] | \"  \(.)\")" >"$TMP/deep"
D=$(head -n 1 "$TMP/deep" | cut -f 1)
HOPS=$(head -n 1 "$TMP/deep" | cut -f 2)
sed -n 's/^  //p' "$TMP/deep" >"$TMP/anc.want"
[ "$HOPS" -ge 12 ] || fail "the deepest custody chain of the devnet has only $HOPS hops"
: >"$TMP/anc.got"
printf '%s\n' "$D" >"$TMP/front"
hops=0
while [ -s "$TMP/front" ]; do
  values=$(sed 's/.*/<&>/' "$TMP/front" | tr '\n' ' ')
  sel "SELECT DISTINCT ?r WHERE { VALUES ?p { $values } GRAPH ?g { ?p prov:wasDerivedFrom ?r } }" r \
    >"$TMP/next.raw"
  sort -u "$TMP/next.raw" >"$TMP/next"
  sort -u "$TMP/anc.got" >"$TMP/seen"
  printf '%s\n' "$D" | comm -23 "$TMP/next" - | comm -23 - "$TMP/seen" >"$TMP/front"
  cat "$TMP/front" >>"$TMP/anc.got"
  [ -s "$TMP/front" ] && hops=$((hops + 1))
  [ $hops -le 100 ] || fail "the upstream walk from $D does not end"
done
same_rows "upstream of $D along prov:wasDerivedFrom" anc.want anc.got
[ "$hops" -eq "$HOPS" ] || fail "upstream of $D: expected $HOPS hops, got $hops"

# the executions upstream: what generated the dataset and each ancestor
{ printf '%s\n' "$D"; cat "$TMP/anc.want"; } | sort -u >"$TMP/upset"
man "$EXECS | .execution as \$e | .produced[] | \"\(.)\t\(\$e)\"" | sort >"$TMP/gen.by"
join -t '	' "$TMP/upset" "$TMP/gen.by" | cut -f 2 | sort -u >"$TMP/upx.want"
at_least "executions upstream of $D" upx.want 8
values=$(sed 's/.*/<&>/' "$TMP/upset" | tr '\n' ' ')
sel "SELECT DISTINCT ?e WHERE { VALUES ?p { $values } GRAPH ?g { ?p prov:wasGeneratedBy ?e } }" e \
  >"$TMP/upx.got"
same_rows "executions upstream of $D (prov:wasGeneratedBy)" upx.want upx.got
pass
