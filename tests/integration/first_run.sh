#!/bin/sh
# First run: "custodian run" on an empty directory, as ./run.sh starts it
# (embedded devnet, ./custodian.db created by the indexer), answers from 5 s
# after "listening": /sparql, every canned query, /custody, /rewards, the
# dashboard's files and the calls its views make all give 200. Three fresh
# starts (FIRST_RUN_STARTS), each stopped with SIGTERM, after which no query
# process of it is left.
. "$srcdir/tests/integration/lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"

STARTS=${FIRST_RUN_STARTS:-3}
PFX='PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX cust: <https://w3id.org/custodian/ns#>
PREFIX cred: <https://www.w3.org/2018/credentials#>
PREFIX dsd: <https://w3id.org/okp4/ontology/v3/schema/credential/dataset/description/>'
CURRENT='https://w3id.org/custodian/graph/current'
LEDGER='https://w3id.org/custodian/graph/ledger'

# ok200 WHAT PATH [curl args]: fails unless PATH answers 200.
ok200() {
  what=$1; p=$2; shift 2
  code=$(curl -s -o "$TMP/body" -w '%{http_code}' --max-time 30 "$@" "$URL$p") || code=000
  [ "$code" = 200 ] || fail "start $n: $what ($p): got $code: $(head -c 400 "$TMP/body")"
}
# sparql WHAT QUERY: a GET /sparql with the dashboard's Accept header.
sparql() {
  ok200 "$1" /sparql -G --data-urlencode "query=$PFX
$2" -H 'Accept: application/sparql-results+json, text/turtle;q=0.8, */*;q=0.1'
}
# first_value QUERY VAR: the first value of VAR in the answer, or "".
first_value() {
  curl -s --max-time 30 -G --data-urlencode "query=$PFX
$1" -H 'Accept: application/sparql-results+json' "$URL/sparql" |
    jq -r ".results.bindings[0].$2.value // empty" 2>/dev/null
}
# wait_value QUERY VAR: first_value once the chain has made one (30 s at most).
wait_value() {
  i=0
  while [ $i -lt 60 ]; do
    v=$(first_value "$1" "$2")
    [ -n "$v" ] && { echo "$v"; return 0; }
    sleep 0.5; i=$((i + 1))
  done
  return 1
}

n=1
while [ "$n" -le "$STARTS" ]; do
  dir="$TMP/run$n"
  mkdir -p "$dir"
  cd "$dir" || fail "cannot enter $dir"
  start_listening "run$n" "$CUSTODIAN" run --listen 127.0.0.1:0
  pid=$!
  cd "$TMP" || fail "cannot enter $TMP"
  sleep 5
  [ -f "$dir/custodian.db" ] || fail "start $n: no store was created in $dir"

  sparql "ASK" 'ASK { ?s ?p ?o }'
  jq -e '.boolean == true' "$TMP/body" >/dev/null ||
    fail "start $n: after 5 s the store holds nothing: $(head -c 200 "$TMP/body")"
  sparql "a SELECT" 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
  ok200 "the service description" /sparql -H 'Accept: text/turtle'
  # the dashboard: its files and what its views ask
  ok200 "the dashboard" /
  ok200 "the dashboard's script" /app.js
  ok200 "/status" /status -H 'Accept: application/json'
  ok200 "/queries" /queries -H 'Accept: application/json'
  cp "$TMP/body" "$TMP/queries.json"
  sparql "the status view's credentials" 'SELECT ?type (COUNT(DISTINCT ?credential) AS ?credentials)
WHERE { ?credential a cred:VerifiableCredential , ?type . FILTER (?type != cred:VerifiableCredential) }
GROUP BY ?type ORDER BY DESC(?credentials)'
  sparql "the status view's executions" "SELECT ?status (COUNT(?execution) AS ?executions)
WHERE { GRAPH <$CURRENT> { ?execution cust:status ?status } } GROUP BY ?status ORDER BY DESC(?executions)"
  sparql "the status view's rejections" "SELECT ?reason (COUNT(?rejection) AS ?rejections)
WHERE { GRAPH <$LEDGER> { ?rejection a cust:Rejection ; cust:reason ?reason } } GROUP BY ?reason"
  sparql "the rewards view's executions" "SELECT ?execution ?status
WHERE { GRAPH <$CURRENT> { ?execution cust:status ?status } } ORDER BY ?execution LIMIT 1000"
  sparql "the custody view's suggestions" 'SELECT DISTINCT ?resource WHERE { ?resource prov:wasDerivedFrom ?a } ORDER BY ?resource LIMIT 12'

  # every canned query: those without parameters now, the others with
  # values the chain has made (it may take a few more blocks)
  names=$(jq -r '.queries[] | select(.parameters | length == 0) | .name' "$TMP/queries.json")
  [ -n "$names" ] || fail "start $n: GET /queries lists no query"
  for q in $names; do
    ok200 "canned query $q" "/queries/$q" -H 'Accept: application/sparql-results+json'
  done
  execution=$(wait_value "SELECT ?e WHERE { GRAPH <$CURRENT> { ?e cust:status ?s } } ORDER BY ?e LIMIT 1" e) ||
    fail "start $n: no execution was indexed within 35 s"
  resource=$(wait_value 'SELECT ?r WHERE { ?r prov:wasGeneratedBy ?e } ORDER BY ?r LIMIT 1' r) ||
    fail "start $n: no produced resource was indexed within 35 s"
  dataset=$(wait_value 'SELECT ?r WHERE { ?e prov:used ?r . ?r a cust:Dataset } ORDER BY ?r LIMIT 1' r) ||
    fail "start $n: no consumed dataset was indexed within 35 s"
  issuer=$(wait_value 'SELECT ?i WHERE { ?c cred:issuer ?i } ORDER BY ?i LIMIT 1' i) ||
    fail "start $n: no credential issuer was indexed within 35 s"
  zone=$(wait_value 'SELECT ?z WHERE { ?c cred:credentialSubject ?z . ?c a <https://w3id.org/okp4/ontology/v3/schema/credential/zone/description/ZoneDescriptionCredential> } LIMIT 1' z) ||
    fail "start $n: no zone was indexed within 35 s"
  for q in $(jq -r '.queries[] | select(.parameters | length > 0) | .name' "$TMP/queries.json"); do
    args=""
    for param in $(jq -r ".queries[] | select(.name == \"$q\") | .parameters[].name" "$TMP/queries.json"); do
      case $param in
        execution) v=$execution ;;
        resource) v=$resource ;;
        issuer) v=$issuer ;;
        zone) v=$zone ;;
        *) fail "canned query $q has a parameter \"$param\" this test does not know: add it" ;;
      esac
      args="$args --data-urlencode $param=$v"
    done
    # shellcheck disable=SC2086
    ok200 "canned query $q" "/queries/$q" -G $args -H 'Accept: application/sparql-results+json'
  done
  ok200 "/custody up" /custody -G --data-urlencode "resource=$resource" -d direction=up
  ok200 "/custody down" /custody -G --data-urlencode "resource=$dataset" -d direction=down
  ok200 "/rewards" /rewards -G --data-urlencode "execution=$execution"

  # the query processes of this run end with it
  spawner=$(ps -o pid= --ppid "$pid" | tr -d ' ')
  [ -n "$spawner" ] || fail "start $n: the query worker spawner is not a child of the server"
  workers=$(for s in $spawner; do ps -o pid= --ppid "$s"; done | tr -d ' ')
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null
  i=0
  while [ $i -lt 50 ]; do
    left=""
    for p in $spawner $workers; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
    [ -z "$left" ] && break
    sleep 0.1; i=$((i + 1))
  done
  [ -z "$left" ] || fail "start $n: query processes outlived the server:$left"
  grep -q "locking protocol\|malformed" "$TMP/run$n.err" &&
    fail "start $n: store errors in the log: $(grep -m 3 'locking protocol\|malformed' "$TMP/run$n.err")"
  n=$((n + 1))
done
pass
