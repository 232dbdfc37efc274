#!/bin/sh
# Operating the program: usage errors exit 2 with one line, unknown config
# keys are errors, `custodian version`, log formats, the access log, and
# SIGHUP reloading the canned queries and the reward policies.
. "${srcdir:-.}/tests/integration/lib.sh"
. "${srcdir:-.}/tests/integration/http_lib.sh"

make_store "$TMP/f.db"

# usage_error WHAT CMD...: exit 2 and exactly one line on stderr
usage_error() {
  what=$1; shift
  "$@" >"$TMP/u.out" 2>"$TMP/u.err"
  rc=$?
  [ $rc -eq 2 ] || fail "$what: exit 2, got $rc: $(cat "$TMP/u.err")"
  [ "$(wc -l <"$TMP/u.err")" -eq 1 ] || fail "$what: one line, got: $(cat "$TMP/u.err")"
}
usage_error "serve, a bad --listen" "$CUSTODIAN" serve --db "$TMP/f.db" --listen nonsense
grep -q -- '--listen' "$TMP/u.err" || fail "the error names --listen: $(cat "$TMP/u.err")"
usage_error "serve, a port out of range" "$CUSTODIAN" serve --db "$TMP/f.db" --listen 127.0.0.1:70000
usage_error "run, a bad --listen" "$CUSTODIAN" run --db "$TMP/r.db" --listen 127.0.0.1
[ -e "$TMP/r.db" ] && fail "a usage error creates no store"
usage_error "devnet, a bad --listen" "$CUSTODIAN" devnet --listen nonsense
usage_error "a bad --log-format" "$CUSTODIAN" serve --db "$TMP/f.db" --log-format xml
usage_error "version with an argument" "$CUSTODIAN" version extra
printf 'listen = 127.0.0.1:0\nlisten-tpyo = 1\n' >"$TMP/bad.conf"
usage_error "an unknown config key" "$CUSTODIAN" serve --db "$TMP/f.db" --config "$TMP/bad.conf"
grep -q 'line 2: unknown option "listen-tpyo"' "$TMP/u.err" || fail "the error names the key and line: $(cat "$TMP/u.err")"

# another command's key is fine in a shared config file
printf '# shared\nlisten = 127.0.0.1:0\nnode = http://127.0.0.1:9\nfrom-height = 5\n' >"$TMP/ok.conf"
serve shared --db "$TMP/f.db" --config "$TMP/ok.conf"

"$CUSTODIAN" version >"$TMP/v.out" || fail "custodian version"
grep -q -E '^custodian [0-9.]+ \(commit [0-9a-f]{7,}(-dirty)?|unknown\)' "$TMP/v.out" ||
  fail "version names the commit: $(cat "$TMP/v.out")"
for lib in redland raptor2 sqlite3 libmicrohttpd libcurl jansson; do
  grep -q -E "$lib [0-9]" "$TMP/v.out" || fail "version names $lib: $(cat "$TMP/v.out")"
done

# logs: timestamped when stderr is not a terminal; JSON on request
grep -q -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z custodian: info: serving' "$TMP/shared.err" ||
  fail "a log line off a terminal starts with a UTC time: $(head -n 2 "$TMP/shared.err")"
serve json --db "$TMP/f.db" --log-format json --access-log "$TMP/access.json"
jsonurl=$URL
[ -s "$TMP/json.err" ] || fail "the JSON logger wrote the start line"
jq -e -s 'all(.[]; (.time | test("Z$")) and (.level | type == "string") and (.msg | type == "string"))' \
  "$TMP/json.err" >/dev/null || fail "every log line is a JSON object: $(head -n 3 "$TMP/json.err")"
curl -s -o /dev/null "$jsonurl/status?api_key=SECRETKEY"
sleep 0.3
jq -e -s '.[-1] | .method == "GET" and .status == 200 and .height == 13 and .bytes > 0
  and (.path | startswith("/status?api_key=***")) and .client == "127.0.0.1"' "$TMP/access.json" >/dev/null ||
  fail "a JSON access-log line: $(tail -n 1 "$TMP/access.json")"
grep -q SECRETKEY "$TMP/access.json" && fail "the access log keeps secrets out"

# a text access log on stdout
serve acc --db "$TMP/f.db" --access-log -
curl -s -o /dev/null "$URL/queries/nope"
sleep 0.3
grep -q -E '^[0-9T:.-]+Z 127\.0\.0\.1 "GET /queries/nope" 404 [0-9]+ [0-9]+ms height=13$' "$TMP/acc.out" ||
  fail "a text access-log line: $(tail -n 1 "$TMP/acc.out")"

# SIGHUP reloads the canned queries; a bad file keeps the ones in service
mkdir "$TMP/q"
cp "$srcdir/queries/rejections.rq" "$TMP/q/"
serve hup --db "$TMP/f.db" --queries "$TMP/q"
pid=$(echo $PIDS | awk '{print $NF}')
[ "$(curl -s "$URL/queries" | jq '.queries | length')" = 1 ] || fail "one canned query at start"
printf '# title: Everything counted\n# description: how many quads\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n' \
  >"$TMP/q/count.rq"
kill -HUP "$pid"
i=0
while [ $i -lt 50 ] && [ "$(curl -s "$URL/queries" | jq '.queries | length')" != 2 ]; do
  sleep 0.1; i=$((i + 1))
done
kill -0 "$pid" 2>/dev/null || fail "SIGHUP does not stop the server"
[ "$(curl -s "$URL/queries" | jq '.queries | length')" = 2 ] || fail "SIGHUP reads the new query"
get /queries/count >/dev/null
[ "$(status)" = 200 ] || fail "the new query runs: $(status) $(cat "$TMP/body")"
printf '# description: no title\nSELECT * WHERE { ?s ?p ?o }\n' >"$TMP/q/broken.rq"
kill -HUP "$pid"
i=0
while [ $i -lt 50 ] && ! grep -q 'reload: keeping the 2 canned queries' "$TMP/hup.err"; do
  sleep 0.1; i=$((i + 1))
done
grep -q 'reload: keeping the 2 canned queries' "$TMP/hup.err" ||
  fail "a bad file is reported: $(tail -n 3 "$TMP/hup.err")"
grep -q 'broken' "$TMP/hup.err" || fail "the log names the bad file: $(tail -n 3 "$TMP/hup.err")"
kill -0 "$pid" 2>/dev/null || fail "the server survives a bad reload"
[ "$(curl -s "$URL/queries" | jq '.queries | length')" = 2 ] || fail "the old queries stay in service"

# run: SIGHUP reloads the reward policies too; a bad policy keeps the old ones
cp "$srcdir/ontology/policy-default.ttl" "$TMP/policy.ttl"
start_listening runhup "$CUSTODIAN" run --db "$TMP/run.db" --listen 127.0.0.1:0 --policy "$TMP/policy.ttl"
pid=$(echo $PIDS | awk '{print $NF}')
kill -HUP "$pid"
i=0
while [ $i -lt 100 ] && ! grep -q 'reload: 1 reward policy file loaded' "$TMP/runhup.err"; do
  sleep 0.1; i=$((i + 1))
done
grep -q 'reload: 1 reward policy file loaded' "$TMP/runhup.err" ||
  fail "run reloads the policies: $(tail -n 3 "$TMP/runhup.err")"
echo 'this is not turtle {' >"$TMP/policy.ttl"
kill -HUP "$pid"
i=0
while [ $i -lt 100 ] && ! grep -q 'reload: keeping the reward policies' "$TMP/runhup.err"; do
  sleep 0.1; i=$((i + 1))
done
grep -q 'reload: keeping the reward policies' "$TMP/runhup.err" ||
  fail "a bad policy is reported: $(tail -n 3 "$TMP/runhup.err")"
kill -0 "$pid" 2>/dev/null || fail "run survives a bad reload"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc -eq 0 ] || fail "run exits 0 on SIGTERM after reloads (got $rc): $(tail -n 5 "$TMP/runhup.err")"

# index: SIGHUP reloads the policies while it follows a node
cp "$srcdir/ontology/policy-default.ttl" "$TMP/policy.ttl"
start_listening dn "$CUSTODIAN" devnet --listen 127.0.0.1:0 --block-time 200
"$CUSTODIAN" index --db "$TMP/ix.db" --node "$URL" --policy "$TMP/policy.ttl" >/dev/null 2>"$TMP/ix.err" &
pid=$!
PIDS="$PIDS $pid"
sleep 1
kill -HUP "$pid"
i=0
while [ $i -lt 100 ] && ! grep -q 'reload: 1 reward policy file loaded' "$TMP/ix.err"; do
  sleep 0.1; i=$((i + 1))
done
grep -q 'reload: 1 reward policy file loaded' "$TMP/ix.err" ||
  fail "index reloads the policies on SIGHUP: $(tail -n 3 "$TMP/ix.err")"
kill -0 "$pid" 2>/dev/null || fail "SIGHUP does not stop index"
kill -TERM "$pid"
wait "$pid"
rc=$?; [ $rc -eq 0 ] || fail "index exits 0 on SIGTERM after a reload (got $rc): $(tail -n 5 "$TMP/ix.err")"
pass
