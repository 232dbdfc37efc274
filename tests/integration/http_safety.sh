#!/bin/sh
# custodian serve under abuse: path traversal and symlink escapes, bodies over
# the limit, slow clients, a long query, garbage on the socket. The server
# keeps answering, and nothing outside web/ is ever served.
. "${srcdir:-.}/tests/integration/lib.sh"
. "$srcdir/tests/integration/http_lib.sh"

make_store "$TMP/s.db"
mkdir -p "$TMP/web/sub" "$TMP/secret"
echo 'INDEX' >"$TMP/web/index.html"
echo 'INSIDE' >"$TMP/web/sub/page.html"
echo 'SECRET' >"$TMP/secret/key.txt"
ln -s "$TMP/secret/key.txt" "$TMP/web/leak.txt"
ln -s "$TMP/secret" "$TMP/web/dir"
ln -s "$TMP/web/sub/page.html" "$TMP/web/alias.html"

serve srv --db "$TMP/s.db" --web "$TMP/web" --query-timeout 2000

# ---- traversal: never SECRET, never /etc/passwd
for p in '/../secret/key.txt' '/%2e%2e/secret/key.txt' '/..%2fsecret%2fkey.txt' \
  '/sub/..%2f..%2fsecret/key.txt' '/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd' \
  '/sub/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd' '/..\..\secret\key.txt' '/leak.txt' \
  '/dir/key.txt' '/sub/page.html%00.txt' '//etc/passwd' '/.%2e/secret/key.txt'; do
  body=$(get "$p" --path-as-is)
  case "$(status)" in 400 | 404) ;; *) fail "$p is refused (got $(status))" ;; esac
  echo "$body" | grep -q 'SECRET\|root:' && fail "$p leaked a file"
done
get /alias.html | grep -q INSIDE || fail "a symlink that stays inside web/ is served"
get /sub/page.html | grep -q INSIDE || fail "a file in a subdirectory is served"
expect 404 /sub/
expect 404 /sub
expect 405 /index.html -X POST -d x

# ---- bodies over the limit (1 MiB): 413, and the server goes on
head -c 1100000 /dev/zero | tr '\0' 'a' >"$TMP/big"
expect 413 /sparql -H 'Content-Type: application/sparql-query' --data-binary "@$TMP/big"
get /sparql -H 'Content-Type: application/sparql-query' --data-binary "@$TMP/big" \
  | grep -q '"error"' || fail "413 is a JSON error"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H 'Transfer-Encoding: chunked' \
  -H 'Content-Type: application/sparql-query' --data-binary "@$TMP/big" "$URL/sparql")
case "$code" in 413 | 000) ;; *) fail "a chunked body over the limit is refused (got $code)" ;; esac
expect 200 /health

# ---- a slow client (half a request) does not hold the server
mkfifo "$TMP/fifo"
(sleep 8 >"$TMP/fifo") &
slowpid=$!
PIDS="$PIDS $slowpid"
curl -s -o /dev/null --max-time 15 -X POST -H 'Content-Type: application/sparql-query' -T - \
  "$URL/sparql" <"$TMP/fifo" &
PIDS="$PIDS $!"
if command -v python3 >/dev/null 2>&1; then
  port=${URL##*:}
  python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $port))
s.sendall(b'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ')
time.sleep(8)
" &
  PIDS="$PIDS $!"
fi
sleep 0.5
t0=$(date +%s)
expect 200 /health
expect 200 /status
t1=$(date +%s)
[ $((t1 - t0)) -le 3 ] || fail "other requests are answered while slow clients hang ($((t1 - t0)) s)"

# ---- a long query does not block /health, and ends with 503 + Retry-After
long='# SLEEP
SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }'
curl -s -o "$TMP/long.body" -D "$TMP/long.headers" -w '%{http_code}' --max-time 30 \
  --data-urlencode "query=$long" "$URL/sparql" >"$TMP/long.status" &
longpid=$!
sleep 0.5
t0=$(date +%s)
expect 200 /health
expect 200 /queries
t1=$(date +%s)
[ $((t1 - t0)) -le 2 ] || fail "/health answers while a query runs long ($((t1 - t0)) s)"
wait $longpid
code=$(cat "$TMP/long.status")
case "$code" in
  503)
    tr -d '\r' <"$TMP/long.headers" | grep -qi '^Retry-After: ' || fail "503 carries Retry-After"
    ;;
  200) echo "note: the long query finished within the time limit" ;;
  *) fail "a long query ends with 503 or 200 (got $code: $(cat "$TMP/long.body"))" ;;
esac

# ---- identical requests that arrive together run once and all get the answer
herd='SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }'
i=0
herdpids=
while [ $i -lt 8 ]; do
  curl -s -o "$TMP/herd.$i" -w '%{http_code}' --max-time 30 --get --data-urlencode "query=$herd" \
    -H 'Accept: text/csv' "$URL/sparql" >"$TMP/herd.$i.status" &
  herdpids="$herdpids $!"
  i=$((i + 1))
done
for p in $herdpids; do wait "$p"; done
i=0
while [ $i -lt 8 ]; do
  [ "$(cat "$TMP/herd.$i.status")" = "$(cat "$TMP/herd.0.status")" ] || fail "the herd gets one status"
  cmp -s "$TMP/herd.$i" "$TMP/herd.0" || fail "the herd gets one answer"
  i=$((i + 1))
done
case "$(cat "$TMP/herd.0.status")" in 200 | 503) ;; *) fail "the herd's answer: $(cat "$TMP/herd.0")" ;; esac

# ---- garbage on the socket never kills the server
if command -v python3 >/dev/null 2>&1; then
  port=${URL##*:}
  python3 -c "
import socket
for req in [b'\x00\xff\xfe garbage\r\n\r\n', b'GET / HTTP/9.9\r\n\r\n', b'FOO /sparql HTTP/1.1\r\nHost: x\r\n\r\n',
            b'GET /' + b'a' * 300000 + b' HTTP/1.1\r\nHost: x\r\n\r\n',
            b'POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
            b'POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n',
            b'GET /sparql?query=%ZZ%00 HTTP/1.1\r\nHost: x\r\n\r\n']:
    s = socket.create_connection(('127.0.0.1', $port))
    s.settimeout(5)
    try:
        s.sendall(req)
        s.recv(4096)
    except Exception:
        pass
    s.close()
" || fail "the garbage sender failed"
fi
expect 200 /health
expect 405 /sparql -X DELETE
expect 400 '/sparql?query=%00'

# ---- bad requests get their 4xx (or 505), and the server goes on
if command -v python3 >/dev/null 2>&1; then
  port=${URL##*:}
  python3 -c "
import socket, sys
cases = [
    (b'GET /' + b'a' * 300000 + b' HTTP/1.1\r\nHost: x\r\n\r\n', b'414'),
    (b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 300000 + b'\r\n\r\n', b'431'),
    (b'GET / HTTP/1.1\r\nHost: x\r\n' + b''.join(b'X-%d: y\r\n' % i for i in range(20000)) + b'\r\n', b'431'),
    (b'GET / HTTP/9.9\r\nHost: x\r\n\r\n', b'505'),
    (b'FOO /sparql HTTP/1.1\r\nHost: x\r\n\r\n', b'405'),
    (b'TRACE / HTTP/1.1\r\nHost: x\r\n\r\n', b'405'),
    (b'CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n', b'400'),
    (b'GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n', b'400'),
    (b'POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', b'400'),
    (b'POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n', b'413'),
    (b'POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n'
     b'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', b'400'),
    (b'GET /index.html%2F..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\n\r\n', b'400'),
]
for req, want in cases:
    s = socket.create_connection(('127.0.0.1', $port))
    s.settimeout(10)
    try:
        s.sendall(req)
        got = s.recv(64)
    except OSError as e:
        got = repr(e).encode()
    s.close()
    if got[9:12] != want:
        print('FAIL: %r... answers %r, not %s' % (req[:40], got[:40], want.decode()))
        sys.exit(1)
" || fail "a bad request is not answered with its status (see above)"
fi
expect 200 /health

# ---- %2F is refused, not decoded into a separator
expect 400 '/sub%2Fpage.html' --path-as-is
expect 400 '/sub%2fpage.html' --path-as-is
expect 400 '/queries%2Flineage' --path-as-is
get /sub/page.html | grep -q INSIDE || fail "a plain separator still works"

# ---- the dashboard's headers: a strict policy, no framing, no referrer
get / >/dev/null
csp=$(header Content-Security-Policy)
echo "$csp" | grep -q "script-src 'self'" || fail "scripts from the server only: $csp"
echo "$csp" | grep -q "frame-ancestors 'none'" || fail "no framing in the policy: $csp"
echo "$csp" | grep -q "unsafe-inline\|unsafe-eval" && fail "no inline code in the policy: $csp"
[ "$(header X-Frame-Options)" = DENY ] || fail "X-Frame-Options: DENY"
[ "$(header Referrer-Policy)" = no-referrer ] || fail "Referrer-Policy: no-referrer"
# and the shipped dashboard needs none: no inline script, handler or style
web="$srcdir/web"
grep -n '<script' "$web"/*.html | grep -v ' src=' && fail "an inline script in web/"
grep -nE '<[^>]* (on[a-z]+|style)=' "$web"/*.html && fail "an inline handler or style in web/"
grep -nE '\.(inner|outer)HTML *=|insertAdjacentHTML|eval\(|new Function|setAttribute\(.(style|on)' \
  "$web"/*.js && fail "web/ builds inline code or styles"
pass
