#!/bin/sh
# custodian serve: every route, the SPARQL 1.1 Protocol forms, the error
# statuses, CORS, gzip, keep-alive, /status, /health and /metrics.
. "${srcdir:-.}/tests/integration/lib.sh"
. "$srcdir/tests/integration/http_lib.sh"

make_store "$TMP/s.db"
mkdir -p "$TMP/web/css"
echo '<!doctype html><title>dash</title>' >"$TMP/web/index.html"
echo 'body{}' >"$TMP/web/css/a.css"

# A missing store fails at once with a clear line.
err=$("$CUSTODIAN" serve --db "$TMP/none.db" --listen 127.0.0.1:0 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] || fail "a missing store exits 1 (got $rc)"
echo "$err" | grep -q 'none.db' || fail "a missing store is named: $err"
err=$("$CUSTODIAN" serve --db "$TMP/s.db" --listen nonsense 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "a bad --listen is a usage error (got $rc): $err"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "a bad --listen is one line: $err"
err=$("$CUSTODIAN" serve --db "$TMP/s.db" --threads 0 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "--threads 0 is a usage error (got $rc): $err"

serve srv --db "$TMP/s.db" --web "$TMP/web"
echo "$URL" | grep -q '^http://127.0.0.1:[1-9][0-9]*$' || fail "the bound port is printed: $URL"

# ---- static files
get / | grep -q '<title>dash</title>' || fail "/ serves index.html"
[ "$(status)" = 200 ] || fail "/ is 200"
header Content-Type | grep -q '^text/html' || fail "index.html is text/html: $(header Content-Type)"
get /css/a.css >/dev/null; header Content-Type | grep -q '^text/css' || fail "css type"
expect 404 /nope.js
get /nope.js | grep -q '"error"' || fail "a 404 is a JSON error"
expect 405 /index.html -X DELETE
header Allow | grep -q GET || fail "405 carries Allow: $(header Allow)"
curl -s -I "$URL/index.html" | tr -d '\r' | grep -q '^Content-Length: ' || fail "HEAD has a length"

# ---- /sparql: the protocol's three forms; the stubbed answers are checked in http_queries.sh
q='SELECT * WHERE { ?s ?p ?o } LIMIT 1'
expect 200 "/sparql" --get --data-urlencode "query=$q"
header Access-Control-Allow-Origin | grep -q '^\*$' || fail "CORS header on answers"
expect 200 /sparql --data-urlencode "query=$q"
expect 200 /sparql -H 'Content-Type: application/sparql-query' --data-binary "$q"
expect 200 /sparql -H 'Content-Type: application/sparql-query; charset=utf-8' --data-binary "$q"
expect 400 /sparql -H 'Content-Type: application/sparql-query' --data-binary ''
expect 415 /sparql -H 'Content-Type: text/plain' --data-binary "$q"
expect 400 /sparql -H 'Content-Type: application/sparql-update' --data-binary 'DROP ALL'
get /sparql --data-urlencode 'update=DROP ALL' | grep -q 'read-only' || fail "update is refused"
[ "$(status)" = 400 ] || fail "update is 400"
expect 400 /sparql --data-urlencode 'nothing=1'
expect 400 "/sparql?query=a&query=b"
expect 400 "/sparql?query=%zz"
expect 405 /sparql -X PUT
header Allow | grep -q POST || fail "/sparql's Allow lists POST"
expect 400 /sparql --get --data-urlencode 'query=SELECT nonsense {'
get /sparql --get --data-urlencode 'query=SELECT nonsense {' | grep -q '"error"' \
  || fail "a malformed query is a JSON error"
expect 406 /sparql --get --data-urlencode "query=$q" -H 'Accept: image/png'

# The service description.
get /sparql | grep -q 'sd:Service' || fail "/sparql without a query is the service description"
header Content-Type | grep -q '^text/turtle' || fail "the description is Turtle"
grep -q "<$URL/sparql>" "$TMP/body" || fail "the description names the endpoint: $(cat "$TMP/body")"
expect 406 /sparql -H 'Accept: application/sparql-results+json'
get /sparql -H 'Host: evil> . <x' | grep -q 'evil' && fail "a hostile Host header is not echoed"

# ---- CORS preflight
get /sparql -X OPTIONS -H 'Origin: https://dash.example' -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: content-type' >/dev/null
[ "$(status)" = 204 ] || fail "preflight is 204 (got $(status))"
header Access-Control-Allow-Methods | grep -q POST || fail "preflight allows POST"
header Access-Control-Allow-Headers | grep -qi content-type || fail "preflight allows the headers"
header Access-Control-Allow-Origin | grep -q '^\*$' || fail "preflight allows any origin"
get /status -X OPTIONS >/dev/null
header Access-Control-Allow-Methods | grep -q POST && fail "/status does not allow POST"

# ---- gzip, only when asked and only for bodies above 1 KiB
get /queries -H 'Accept-Encoding: gzip' >/dev/null
header Content-Encoding | grep -q gzip || fail "gzip when asked"
gzip -dc <"$TMP/body" | grep -q '"queries"' || fail "the gzip body decompresses"
get /queries >/dev/null
[ -z "$(header Content-Encoding)" ] || fail "no gzip unless asked"
get /health -H 'Accept-Encoding: gzip' >/dev/null
[ -z "$(header Content-Encoding)" ] || fail "no gzip for small bodies"
get /queries -H 'Accept-Encoding: gzip;q=0' >/dev/null
[ -z "$(header Content-Encoding)" ] || fail "gzip;q=0 is honoured"

# ---- keep-alive: two requests on one connection
out=$(curl -s -v "$URL/health" "$URL/status" 2>&1 >/dev/null)
echo "$out" | grep -q -i 're-using existing connection\|reusing existing connection' \
  || fail "keep-alive reuses the connection: $out"

# ---- canned queries
get /queries >/dev/null; [ "$(status)" = 200 ] || fail "/queries is 200"
grep -q '"name": "lineage"' "$TMP/body" || fail "/queries lists lineage"
grep -q '"type": "iri"' "$TMP/body" || fail "/queries lists parameter types"
header Content-Type | grep -q '^application/json' || fail "/queries is JSON"
expect 404 /queries/nope
expect 400 '/queries/..%2f..%2fetc%2fpasswd'
expect 400 /queries/lineage
get /queries/lineage | grep -q 'resource' || fail "a missing parameter is named"
expect 400 '/queries/lineage?resource=not%20an%20iri'
expect 400 '/queries/lineage?resource=http://x%3E%20%7D'
expect 400 '/queries/lineage?resource=urn:a&resource=urn:b'
expect 400 '/queries/lineage?resource=urn:a&bogus=1'
expect 200 '/queries/lineage?resource=urn:a&_=123'
expect 200 '/queries/rejections'

# ---- custody and rewards: parameter checks here, answers in http_queries.sh
expect 400 /custody
expect 400 '/custody?resource=nope'
expect 400 '/custody?resource=urn:a&direction=sideways'
expect 400 '/custody?resource=urn:a&depth=0'
expect 400 '/custody?resource=urn:a&depth=x'
expect 404 '/custody?resource=urn:unknown:thing'
expect 400 /rewards
expect 400 '/rewards?execution=urn:uuid:exec-1&amount=-5'
expect 400 '/rewards?execution=urn:uuid:exec-1&policy=bad'
expect 404 '/rewards?execution=urn:unknown:thing'

# ---- operations
get /status >/dev/null; [ "$(status)" = 200 ] || fail "/status is 200"
grep -q '"chain_id": "okp4-test-1"' "$TMP/body" || fail "/status names the chain: $(cat "$TMP/body")"
grep -q '"indexed_height": 13' "$TMP/body" || fail "/status gives the height"
grep -q '"rejections": 1' "$TMP/body" || fail "/status counts rejections"
grep -q '"credentials": 16' "$TMP/body" || fail "/status counts credentials"
grep -q '"credentials_by_profile": {"axone-v4": 15}' "$TMP/body" \
  || fail "/status counts credentials by profile: $(cat "$TMP/body")"
grep -q '"credentials_unknown": 1' "$TMP/body" || fail "/status counts credentials no profile reads"
grep -q '"unknown_types": \[{"type": "https://w3id.org/axone/ontology/v6/schema/core/claim/ClaimCredential", "credentials": 1}\]' \
  "$TMP/body" || fail "/status lists the types no profile knows: $(cat "$TMP/body")"
get /health >/dev/null; [ "$(status)" = 200 ] || fail "/health is 200 on a served store"
grep -q '"status": "ok"' "$TMP/body" || fail "/health says ok"
get /metrics >/dev/null; [ "$(status)" = 200 ] || fail "/metrics is 200"
header Content-Type | grep -q '^text/plain' || fail "/metrics is text/plain"
for m in custodian_indexed_height custodian_store_quads custodian_store_rejections \
  'custodian_queries_total{status="200"}' 'custodian_queries_total{status="400"}' \
  'custodian_query_duration_seconds_bucket{le="+Inf"}' custodian_query_duration_seconds_count; do
  grep -q -F "$m " "$TMP/body" || fail "/metrics has $m"
done
grep -q '^custodian_indexed_height 13$' "$TMP/body" || fail "indexed height metric"
grep -q '^custodian_credentials_by_profile{profile="axone-v4"} 15$' "$TMP/body" \
  || fail "credentials by profile metric"
grep -q '^custodian_credentials_by_profile{profile="unknown"} 1$' "$TMP/body" \
  || fail "credentials of no profile metric"
grep -q -F 'custodian_unknown_credential_types{type="https://w3id.org/axone/ontology/v6/schema/core/claim/ClaimCredential"} 1' \
  "$TMP/body" || fail "unknown types metric"
n=$(sed -n 's/^custodian_queries_total{status="200"} //p' "$TMP/body")
[ "$n" -ge 5 ] || fail "successful queries are counted ($n)"

# ---- SIGTERM: exit 0
pid=$(echo $PIDS | awk '{print $NF}')
kill -TERM "$pid"
i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && fail "serve stops on SIGTERM"
wait "$pid"; rc=$?
[ $rc -eq 0 ] || fail "serve exits 0 on SIGTERM (got $rc): $(cat "$TMP/srv.err")"
pass
