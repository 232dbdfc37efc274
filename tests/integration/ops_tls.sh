#!/bin/sh
# HTTPS with a certificate made here, bearer tokens for the API and the
# operations routes, a separate operations listener, forwarded scheme and
# host from trusted proxies only, and a path prefix (--base-path).
. "${srcdir:-.}/tests/integration/lib.sh"
. "${srcdir:-.}/tests/integration/http_lib.sh"

# a self-signed certificate for 127.0.0.1
if command -v openssl >/dev/null 2>&1; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 || fail "openssl makes a certificate"
elif command -v certtool >/dev/null 2>&1; then
  certtool --generate-privkey --key-type=ecdsa --outfile "$TMP/key.pem" >/dev/null 2>&1
  printf 'cn = 127.0.0.1\nip_address = 127.0.0.1\nexpiration_days = 2\n' >"$TMP/cert.tmpl"
  certtool --generate-self-signed --load-privkey "$TMP/key.pem" --template "$TMP/cert.tmpl" \
    --outfile "$TMP/cert.pem" >/dev/null 2>&1 || fail "certtool makes a certificate"
else
  skip "neither openssl nor certtool (gnutls-bin) is installed to make a test certificate"
fi

make_store "$TMP/f.db"
API=api-0123456789abcdef
OPS=ops-fedcba9876543210

# usage errors
"$CUSTODIAN" serve --db "$TMP/f.db" --tls-cert "$TMP/cert.pem" 2>"$TMP/u.err"
[ $? -eq 2 ] || fail "--tls-cert without --tls-key is a usage error"
"$CUSTODIAN" serve --db "$TMP/f.db" --api-token short 2>"$TMP/u.err"
[ $? -eq 2 ] || fail "a short token is a usage error"
"$CUSTODIAN" serve --db "$TMP/f.db" --base-path custodian/ 2>"$TMP/u.err"
[ $? -eq 2 ] || fail "a bad --base-path is a usage error"
"$CUSTODIAN" serve --db "$TMP/f.db" --listen 127.0.0.1:0 --tls-cert "$TMP/f.db" --tls-key "$TMP/key.pem" \
  >/dev/null 2>"$TMP/u.err"
[ $? -eq 1 ] || fail "a certificate that is not PEM fails"
grep -q 'not a PEM file' "$TMP/u.err" || fail "and says so: $(cat "$TMP/u.err")"

"$CUSTODIAN" serve --db "$TMP/f.db" --listen 127.0.0.1:0 --tls-cert "$TMP/cert.pem" \
  --tls-key "$TMP/key.pem" --api-token "$API" --ops-token "$OPS" --ops-listen 127.0.0.1:0 \
  --base-path /custodian --trusted-proxy 127.0.0.2 >"$TMP/s.out" 2>"$TMP/s.err" &
PIDS="$PIDS $!"
i=0
while [ $i -lt 100 ] && ! grep -q '^operations on' "$TMP/s.out"; do sleep 0.1; i=$((i + 1)); done
URL=$(sed -n 's/^listening on //p' "$TMP/s.out")
OPSURL=$(sed -n 's/^operations on //p' "$TMP/s.out")
case "$URL" in https://127.0.0.1:*) ;; *) cat "$TMP/s.err" >&2; fail "it listens on https: $URL" ;; esac
case "$OPSURL" in https://127.0.0.1:*) ;; *) fail "the operations address is printed: $OPSURL" ;; esac

code() { curl -s --cacert "$TMP/cert.pem" -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "$@"; }
[ "$(code "$URL/health")" = 200 ] || fail "HTTPS with the test certificate; /health needs no token"
[ "$(code --http1.1 "http${URL#https}/health")" = 000 ] || fail "no plain HTTP on a TLS listener"
[ "$(code "$URL/queries")" = 401 ] || fail "the API without the token is 401"
tr -d '\r' <"$TMP/headers" | grep -q '^WWW-Authenticate: Bearer' || fail "401 names the Bearer scheme"
jq -e '.error == "unauthorized"' "$TMP/body" >/dev/null || fail "401 is a JSON error"
[ "$(code -H "Authorization: Bearer wrong-token-0123456" "$URL/queries")" = 401 ] || fail "a wrong token is 401"
[ "$(code -H "Authorization: Bearer ${API}x" "$URL/queries")" = 401 ] || fail "a longer token is 401"
[ "$(code -H "Authorization: Bearer $API" "$URL/queries")" = 200 ] || fail "the right token is 200"
[ "$(code -H "Authorization: Bearer $API" "$URL/sparql?query=ASK%7B%7D")" = 200 ] || fail "SPARQL with the token"
[ "$(code -X OPTIONS -H 'Origin: https://x' "$URL/sparql")" = 204 ] || fail "a CORS preflight needs no token"
[ "$(code "$URL/index.html")" = 200 ] || fail "the dashboard's files are public"

# the operations routes live on their own address, with their own token
[ "$(code -H "Authorization: Bearer $OPS" "$URL/metrics")" = 404 ] || fail "no /metrics on the public address"
[ "$(code -H "Authorization: Bearer $OPS" "$URL/status")" = 404 ] || fail "no /status on the public address"
[ "$(code "$OPSURL/metrics")" = 401 ] || fail "/metrics without the ops token is 401"
[ "$(code -H "Authorization: Bearer $API" "$OPSURL/metrics")" = 401 ] || fail "the API token is not the ops token"
[ "$(code -H "Authorization: Bearer $OPS" "$OPSURL/metrics")" = 200 ] || fail "/metrics with the ops token"
grep -q '^custodian_build_info' "$TMP/body" || fail "/metrics there is the metrics"
[ "$(code -H "Authorization: Bearer $OPS" "$OPSURL/status")" = 200 ] || fail "/status with the ops token"
[ "$(code "$OPSURL/health")" = 200 ] || fail "/health on the operations address"
[ "$(code -H "Authorization: Bearer $API" "$OPSURL/queries")" = 404 ] || fail "only operations routes there"

# the prefix: routes answer below it, the service description names it
[ "$(code -H "Authorization: Bearer $API" "$URL/custodian/queries")" = 200 ] || fail "/custodian/queries"
[ "$(code "$URL/custodian/")" = 200 ] || fail "the dashboard under /custodian/"
grep -q 'app.js' "$TMP/body" || fail "/custodian/ is the dashboard's page"
[ "$(code "$URL/custodian/app.js")" = 200 ] || fail "the dashboard's scripts under the prefix"
code -H "Authorization: Bearer $API" -H 'Accept: text/turtle' "$URL/sparql" >/dev/null
grep -q "sd:endpoint <https://127.0.0.1:[0-9]*/custodian/sparql>" "$TMP/body" ||
  fail "the service description is https and under the prefix: $(grep endpoint "$TMP/body")"
# forwarded scheme and host come from trusted proxies only (127.0.0.1 is not one here)
code -H "Authorization: Bearer $API" -H 'Accept: text/turtle' -H 'X-Forwarded-Proto: http' \
  -H 'X-Forwarded-Host: evil.example' "$URL/sparql" >/dev/null
grep -q 'evil.example' "$TMP/body" && fail "X-Forwarded-Host from an untrusted peer is ignored"
kill $(echo $PIDS | awk '{print $NF}')

# behind a trusted proxy on plain HTTP: the client's https and host are kept
serve proxied --db "$TMP/f.db" --trusted-proxy 127.0.0.1 --base-path /custodian
[ "$(code -H 'Accept: text/turtle' -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: data.example.org' \
  "$URL/custodian/sparql")" = 200 ] || fail "the service description behind a proxy"
grep -q 'sd:endpoint <https://data.example.org/custodian/sparql>' "$TMP/body" ||
  fail "X-Forwarded-Proto/Host from a trusted proxy: $(grep endpoint "$TMP/body")"
code -H 'Accept: text/turtle' -H 'Forwarded: for=192.0.2.1;proto=https;host="rdf.example.net"' \
  "$URL/sparql" >/dev/null
grep -q 'sd:endpoint <https://rdf.example.net/custodian/sparql>' "$TMP/body" ||
  fail "Forwarded proto/host from a trusted proxy: $(grep endpoint "$TMP/body")"
pass
