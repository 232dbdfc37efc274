#!/bin/sh
# Secrets in node URLs (credentials, an API key in the query string) work for
# fetching and never show: not in /status, /metrics, logs or errors; /status
# does not publish the store's path.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"

start_devnet dn --blocks 30 --block-time 0
NODE="http://alice:s3cretPW@${URL#http://}/?apikey=K3YSECRET"
DB="$TMP/private-dir/s.db"
mkdir -p "$TMP/private-dir"
start_listening run "$CUSTODIAN" run --db "$DB" --node "$NODE" --listen 127.0.0.1:0 --verbose
i=0
while [ $i -lt 200 ]; do
  h=$(curl -s --max-time 5 "$URL/status" | jq -r '.indexed_height // 0' 2>/dev/null)
  [ "${h:-0}" -ge 30 ] && break
  sleep 0.1; i=$((i + 1))
done
[ "${h:-0}" -ge 30 ] || { cat "$TMP/run.err" >&2; fail "a node URL with credentials and ?apikey= is followed (height ${h:-none})"; }
curl -s "$URL/status" >"$TMP/status.json"
curl -s "$URL/metrics" >"$TMP/metrics.txt"
jq -e '.endpoints[0].url | test("^http://\\*\\*\\*@127\\.0\\.0\\.1:[0-9]+\\?apikey=\\*\\*\\*$")' \
  "$TMP/status.json" >/dev/null || fail "/status shows the node redacted: $(jq -c .endpoints "$TMP/status.json")"
jq -e 'has("store") | not' "$TMP/status.json" >/dev/null || fail "/status has no store path"
grep -q 'apikey=\*\*\*' "$TMP/metrics.txt" || fail "/metrics names the node, redacted"
for f in "$TMP/status.json" "$TMP/metrics.txt" "$TMP/run.err" "$TMP/run.out"; do
  if grep -q -e s3cretPW -e K3YSECRET -e alice "$f"; then
    grep -e s3cretPW -e K3YSECRET -e alice "$f" | head -n 3 >&2
    fail "a secret shows in $(basename "$f")"
  fi
done
grep -q private-dir "$TMP/status.json" "$TMP/metrics.txt" && fail "the store's path is published"

# A node that does not answer: the log and the errors keep the secrets too.
"$CUSTODIAN" index --db "$TMP/w.db" --node "http://bob:pa55word@127.0.0.1:9/?api_key=DEADKEY" \
  >/dev/null 2>"$TMP/w.log" &
pid=$!
PIDS="$PIDS $pid"
sleep 1.5
kill -TERM $pid; wait $pid
grep -q 'waiting for a node' "$TMP/w.log" || { cat "$TMP/w.log" >&2; fail "it waits for the node"; }
grep -q -e pa55word -e DEADKEY -e bob "$TMP/w.log" && fail "a secret shows in the log: $(cat "$TMP/w.log")"
err=$("$CUSTODIAN" index --db "$TMP/x.db" --node "ftp://carol:hunter2@x/?token=T0KEN" 2>&1)
[ $? -eq 2 ] || fail "an ftp URL is a usage error"
echo "$err" | grep -q -e hunter2 -e T0KEN && fail "a secret shows in a usage error: $err"
echo "$err" | grep -q 'ftp://\*\*\*@x/?token=\*\*\*' || fail "the error names the URL, redacted: $err"
pass
