#!/bin/sh
# custodian serve answers: SPARQL results in each format, the dataset
# parameters, every canned query's rows on the known dataset
# (tests/data/http_graph.nq), custody and rewards, and the query metrics.
. "${srcdir:-.}/tests/integration/lib.sh"
. "$srcdir/tests/integration/http_lib.sh"

make_store "$TMP/s.db"
serve srv --db "$TMP/s.db"

EX=https://example.org
ST=https://w3id.org/custodian/ns#
# csv PATH: the CSV answer without its header, sorted, CRs removed.
csv() {
  get "$1" -H 'Accept: text/csv' >/dev/null
  [ "$(status)" = 200 ] || fail "$1: expected 200, got $(status): $(head -c 300 "$TMP/body")"
  tr -d '\r' <"$TMP/body" | sed 1d | LC_ALL=C sort
}
# same NAME ACTUAL EXPECTED (compared sorted, as csv gives them)
same() {
  exp=$(printf '%s\n' "$3" | LC_ALL=C sort | sed '/^$/d')
  [ "$2" = "$exp" ] || fail "$1:
--- got
$2
--- expected
$3"
}

# ---- /sparql formats and dataset parameters
q='SELECT ?t WHERE { <https://example.org/dataset/d1> <https://w3id.org/axone/ontology/v4/schema/credential/dataset/description/hasTitle> ?t }'
get /sparql --get --data-urlencode "query=$q" | grep -q '"value": *"Dataset One"' \
  || fail "JSON results by default: $(cat "$TMP/body")"
header Content-Type | grep -q 'application/sparql-results+json' || fail "JSON type"
get /sparql --get --data-urlencode "query=$q" -H 'Accept: application/sparql-results+xml' \
  | grep -q '<literal>Dataset One</literal>' || fail "XML results: $(cat "$TMP/body")"
get /sparql --get --data-urlencode "query=$q" --data-urlencode 'format=tsv' \
  | grep -q '"Dataset One"' || fail "format=tsv: $(cat "$TMP/body")"
get /sparql --get --data-urlencode "query=$q" -H 'Accept: text/csv' -H 'Accept-Encoding: gzip' \
  >/dev/null
grep -q 'Dataset One' "$TMP/body" || fail "small CSV is not compressed"
header Content-Type | grep -qi '^text/csv; charset=utf-8' || fail "CSV says its charset: $(header Content-Type)"
get /sparql --get --data-urlencode "query=$q" -H 'Accept: text/tab-separated-values' >/dev/null
header Content-Type | grep -qi '^text/tab-separated-values; charset=utf-8' \
  || fail "TSV says its charset: $(header Content-Type)"
# SPARQLWrapper's CONSTRUCT: format=xml with Accept RDF/XML; a result-set
# format= with an RDF Accept leaves the choice to Accept
c='CONSTRUCT WHERE { <https://example.org/dataset/d1> ?p ?o }'
get /sparql --get --data-urlencode "query=$c" --data-urlencode 'format=xml' \
  -H 'Accept: application/rdf+xml' >/dev/null
[ "$(status)" = 200 ] || fail "CONSTRUCT format=xml: $(status) $(head -c 300 "$TMP/body")"
header Content-Type | grep -q '^application/rdf+xml' || fail "CONSTRUCT format=xml is RDF/XML"
grep -q 'Dataset One' "$TMP/body" || fail "the RDF/XML holds the data: $(head -c 300 "$TMP/body")"
get /sparql --get --data-urlencode "query=$c" --data-urlencode 'format=json' \
  -H 'Accept: text/turtle' >/dev/null
[ "$(status)" = 200 ] || fail "CONSTRUCT format=json Accept Turtle: $(status)"
header Content-Type | grep -q '^text/turtle; charset=utf-8' || fail "... is Turtle: $(header Content-Type)"
get /sparql --data-urlencode 'query=CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }' \
  -H 'Accept-Encoding: gzip' >/dev/null
header Content-Type | grep -q 'text/turtle' || fail "CONSTRUCT is Turtle by default"
header Content-Encoding | grep -q gzip || fail "a large CONSTRUCT answer is gzipped"
gzip -dc <"$TMP/body" | grep -q 'Dataset One' || fail "the gzipped Turtle holds the data"
get /sparql --data-urlencode 'query=ASK { ?s ?p ?o }' | grep -q '"boolean": *true' \
  || fail "ASK answers true"
n=$(csv "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D&default-graph-uri=https%3A%2F%2Fw3id.org%2Fcustodian%2Fgraph%2Fcurrent")
same "default-graph-uri restricts the default graph" "$n" "3"
g=$(csv "/sparql?query=SELECT%20DISTINCT%20%3Fg%20WHERE%20%7B%20GRAPH%20%3Fg%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D&named-graph-uri=https%3A%2F%2Fw3id.org%2Fcustodian%2Fgraph%2Fcurrent")
same "named-graph-uri restricts GRAPH" "$g" "https://w3id.org/custodian/graph/current"
get /sparql --data-urlencode 'query=SELECT * WHERE { ?s ?p }' >/dev/null
[ "$(status)" = 400 ] || fail "a malformed query is 400"
grep -q '"detail"' "$TMP/body" || fail "a malformed query has a detail"
expect 400 /sparql --data-urlencode 'query=LOAD <http://example.org/x>'
expect 400 /sparql --data-urlencode 'query=SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }'

# ---- canned queries, each on the known dataset
same lineage "$(csv "/queries/lineage?resource=$EX/dataset/p2")" \
"1,,urn:uuid:exec-2,$EX/dataset/d3,
1,,urn:uuid:exec-2,$EX/dataset/p1,Derived One
2,$EX/dataset/p1,urn:uuid:exec-1,$EX/dataset/d1,Dataset One
2,$EX/dataset/p1,urn:uuid:exec-1,$EX/dataset/d2,Dataset Two
2,$EX/dataset/p1,urn:uuid:exec-1,did:key:svc-proc,Processor"

same impact "$(csv "/queries/impact?resource=$EX/dataset/d1")" \
"1,urn:uuid:exec-1,$EX/dataset/p1,${ST}Delivered
2,urn:uuid:exec-2,$EX/dataset/p2,${ST}InExecution"

dossier=$(csv "/queries/execution?execution=urn:uuid:exec-1")
for row in "order,urn:uuid:order-1,,," "payer,did:key:payer,,," "zone,$EX/zone/z1,,," \
  "parameter,param-order-1,,," "orchestration service,did:key:orch,,," \
  "status,${ST}Delivered,,," "report,${ST}InExecution,$EX/cred/e1-a,5,2024-05-01T00:05:00Z" \
  "report,${ST}Delivered,$EX/cred/e1-b,6,2024-05-01T00:06:00Z" "consumed,$EX/dataset/d1,,," \
  "produced,$EX/dataset/p1,,," "evidence,sha256:e1,,," "locked amount,1000000,,4,2024-05-01T00:04:00Z" \
  "locked denom,uknow,,,"; do
  printf '%s\n' "$dossier" | grep -q -x -F "$row" || fail "the dossier has \"$row\":
$dossier"
done
[ "$(printf '%s\n' "$dossier" | grep -c '^transaction,')" -eq 2 ] || fail "two report transactions"

zone=$(csv "/queries/zone?zone=$EX/zone/z1")
[ "$(printf '%s\n' "$zone" | wc -l)" -eq 10 ] || fail "zone: 10 rows:
$zone"
printf '%s\n' "$zone" | grep -q -x -F "urn:uuid:order-2,urn:uuid:exec-2,${ST}InExecution,produced,$EX/dataset/p2" \
  || fail "zone lists what exec-2 produced"
same "zone of nothing" "$(csv "/queries/zone?zone=$EX/zone/none")" ""

prov=$(csv "/queries/provider?issuer=did:key:alice")
same provider "$(printf '%s\n' "$prov" | cut -d, -f1,4,5,6)" \
"$EX/cred/d1,registered,2,
$EX/cred/d1,used,,urn:uuid:exec-1
$EX/cred/p1,registered,12,
$EX/cred/p1,used,,urn:uuid:exec-2
$EX/cred/pub-d1,registered,2,
$EX/cred/pub-d1,used,,urn:uuid:exec-1"
prov=$(csv "/queries/provider?issuer=did:key:bob")
printf '%s\n' "$prov" | grep -q ",revoked,8,$" || fail "provider shows the revocation:
$prov"

same used-before-registered "$(csv /queries/compliance-used-before-registered)" \
  "$EX/dataset/p1,urn:uuid:exec-2,2024-05-01T00:10:00Z,2024-05-01T00:12:00Z,$EX/cred/p1"
same unregistered-inputs "$(csv /queries/compliance-unregistered-inputs)" \
  "$EX/dataset/d3,urn:uuid:exec-2,0"
same revoked-still-used "$(csv /queries/compliance-revoked-still-used)" \
  "$EX/dataset/d2,$EX/cred/d2,8,urn:uuid:exec-3,9"
same no-final-report "$(csv /queries/compliance-no-final-report)" \
  "urn:uuid:exec-2,${ST}InExecution,urn:uuid:order-2,2024-05-01T00:10:00Z"
same paid-not-delivered "$(csv /queries/compliance-paid-not-delivered)" \
  "urn:uuid:order-2,did:key:payer,500,uknow,7,0"
same usage-datasets "$(csv /queries/usage-datasets)" \
"$EX/dataset/d1,1,1000000
$EX/dataset/d2,2,1000300
$EX/dataset/p1,1,500"
same usage-services "$(csv /queries/usage-services)" \
"did:key:orch,3,1000800
did:key:svc-proc,2,1000300"
same usage-zones "$(csv /queries/usage-zones)" "$EX/zone/z1,3,1000800"
rej=$(csv /queries/rejections)
printf '%s\n' "$rej" | grep -q '^rejected,.*,11,.*,okp41mallory,not valid base64,' \
  || fail "rejections lists the rejection:
$rej"
printf '%s\n' "$rej" | grep -q '^failed,.*,13,.*,out of gas,' || fail "rejections lists the failure"

# Parameters are bound as terms: what looks like SPARQL is only a value, and
# what could not be an IRI never reaches the query.
same "a hostile IRI is a value" "$(csv "/queries/lineage?resource=urn:x:%27%29%3BDROP%23x")" ""
expect 400 "/queries/lineage?resource=urn:x:%7D%20UNION%20%7B"
same "an IRI that matches nothing" "$(csv "/queries/impact?resource=urn:nothing")" ""
get '/queries/usage-zones?format=json' >/dev/null
grep -q '"zone"' "$TMP/body" || fail "format= applies to canned queries"

# ---- custody and rewards
get "/custody?resource=$EX/dataset/p2" >/dev/null
[ "$(status)" = 200 ] || fail "/custody is 200 (got $(status)): $(cat "$TMP/body")"
grep -q 'urn:uuid:exec-1' "$TMP/body" || fail "custody goes up two generations"
get "/custody?resource=$EX/dataset/d1&direction=down&depth=1" >/dev/null
[ "$(status)" = 200 ] || fail "/custody down is 200"
grep -q 'urn:uuid:exec-1' "$TMP/body" || fail "custody down finds exec-1"
get "/rewards?execution=urn:uuid:exec-1" >/dev/null
[ "$(status)" = 200 ] || fail "/rewards is 200 (got $(status)): $(cat "$TMP/body")"
grep -q '"total": *"1000000"' "$TMP/body" || fail "/rewards splits the locked funds"
get "/rewards?execution=urn:uuid:exec-1&amount=100" >/dev/null
grep -q '"total": *"100"' "$TMP/body" || fail "/rewards takes an amount"

# ---- a cached answer never outlives a change of the store
cq='/sparql?query=SELECT%20%3Fo%20WHERE%20%7B%20%3Curn%3Ax%3As%3E%20%3Curn%3Ax%3Ap%3E%20%3Fo%20%7D'
same "before the load" "$(csv "$cq")" ""
same "cached before the load" "$(csv "$cq")" ""
echo '<urn:x:s> <urn:x:p> "added" .' >"$TMP/extra.nt"
"$CUSTODIAN" load --db "$TMP/s.db" --graph urn:x:extra "$TMP/extra.nt" >/dev/null 2>&1 ||
  fail "custodian load adds to the served store"
sleep 0.1
same "after the load" "$(csv "$cq")" "added"

# ---- Cache-Control: no-cache answers from the store, and the metrics say so
hits() { get /metrics >/dev/null; sed -n 's/^custodian_query_cache_hits_total //p' "$TMP/body"; }
h0=$(hits)
same "cached again" "$(csv "$cq")" "added"
h1=$(hits)
[ "${h1:-0}" -eq $((${h0:-0} + 1)) ] || fail "a repeated query is a cache hit ($h0 -> $h1)"
get "$cq" -H 'Accept: text/csv' -H 'Cache-Control: no-cache' >/dev/null
[ "$(status)" = 200 ] && grep -q added "$TMP/body" || fail "no-cache answers: $(status)"
get "$cq" -H 'Accept: text/csv' -H 'Pragma: no-cache' >/dev/null
[ "$(status)" = 200 ] || fail "Pragma: no-cache answers: $(status)"
h2=$(hits)
[ "$h2" = "$h1" ] || fail "Cache-Control and Pragma no-cache skip the cache ($h1 -> $h2)"
get "$cq" -H 'Accept: text/csv' >/dev/null
h3=$(hits)
[ "$h3" = "$((h2 + 1))" ] || fail "the no-cache answer was kept ($h2 -> $h3)"
ns='/sparql?query=ASK%20%7B%20%3Curn%3Ax%3As%3E%20%3Fp%20%3Fo%20%7D'
get "$ns" -H 'Accept: text/csv' -H 'Cache-Control: no-store' >/dev/null
[ "$(status)" = 200 ] || fail "no-store answers: $(status)"
get "$ns" -H 'Accept: text/csv' >/dev/null
h4=$(hits)
[ "$h4" = "$h3" ] || fail "a no-store answer is not kept ($h3 -> $h4)"

# ---- the query metrics counted all this
get /metrics >/dev/null
n=$(sed -n 's/^custodian_queries_total{status="200"} //p' "$TMP/body")
[ "${n:-0}" -ge 20 ] || fail "queries are counted ($n)"
n=$(sed -n 's/^custodian_queries_total{status="400"} //p' "$TMP/body")
[ "${n:-0}" -ge 1 ] || fail "failed queries are counted ($n)"
pass
