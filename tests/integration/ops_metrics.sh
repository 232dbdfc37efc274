#!/bin/sh
# /metrics by the Prometheus conventions, checked by promtool: no gauge named
# _total, no precomputed rates, process_start_time_seconds, build info, and
# requests counted by route and status code.
. "${srcdir:-.}/tests/integration/lib.sh"
. "${srcdir:-.}/tests/integration/http_lib.sh"
command -v promtool >/dev/null 2>&1 ||
  skip "promtool is not installed (Debian package prometheus; scripts/setup.sh installs it)"

start_listening run "$CUSTODIAN" run --db "$TMP/m.db" --listen 127.0.0.1:0
i=0
while [ $i -lt 200 ]; do
  h=$(curl -s --max-time 5 "$URL/status" | jq -r '.indexed_height // 0' 2>/dev/null)
  [ "${h:-0}" -ge 3 ] && break
  sleep 0.1; i=$((i + 1))
done
curl -s -o /dev/null "$URL/queries/rejections"
curl -s -o /dev/null "$URL/sparql?query=ASK%7B%7D"
curl -s "$URL/metrics" >"$TMP/metrics.txt" || fail "GET /metrics"
promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1 ||
  { cat "$TMP/promtool.out" >&2; fail "promtool check metrics"; }

# gauges never end in _total; counters always do
bad=$(awk '$1 == "#" && $2 == "TYPE" && $4 == "gauge" && $3 ~ /_total$/ { print $3 }' "$TMP/metrics.txt")
[ -z "$bad" ] || fail "gauges named _total: $bad"
bad=$(awk '$1 == "#" && $2 == "TYPE" && $4 == "counter" && $3 !~ /_total$/ { print $3 }' "$TMP/metrics.txt")
[ -z "$bad" ] || fail "counters not named _total: $bad"
grep -q -E '_per_s(econd)?\b' "$TMP/metrics.txt" && fail "a precomputed rate is exported"
grep -q '^# TYPE process_start_time_seconds gauge' "$TMP/metrics.txt" || fail "process_start_time_seconds"
start=$(sed -n 's/^process_start_time_seconds //p' "$TMP/metrics.txt")
now=$(date +%s)
awk -v s="$start" -v n="$now" 'BEGIN { exit !(s > n - 600 && s <= n + 1) }' ||
  fail "process_start_time_seconds is a Unix time of the last minutes: $start (now $now)"
grep -q -E '^custodian_build_info\{version="[^"]+",commit="[^"]+"\} 1$' "$TMP/metrics.txt" ||
  fail "custodian_build_info with version and commit"
grep -q '^custodian_blocks_total [1-9]' "$TMP/metrics.txt" || fail "blocks indexed is a counter"
grep -q '^custodian_store_quads [1-9]' "$TMP/metrics.txt" || fail "the store's size is a gauge"
grep -q '^custodian_rpc_requests_total{endpoint="http://127.0.0.1:[0-9]*"} [1-9]' "$TMP/metrics.txt" ||
  fail "RPC requests by endpoint"

# A server alone, on a known store: every answer is counted by route and code.
make_store "$TMP/f.db"
serve f --db "$TMP/f.db"
for p in /status /queries /queries/rejections /no-such-file "/sparql?query=ASK%7B%7D" \
  "/sparql?query=nonsense" "/queries/nope"; do
  curl -s -o /dev/null "$URL$p"
done
curl -s "$URL/metrics" >"$TMP/metrics.txt" || fail "GET /metrics"
promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1 ||
  { cat "$TMP/promtool.out" >&2; fail "promtool check metrics (serve)"; }
for series in 'route="status",code="200"' 'route="queries",code="200"' 'route="query",code="200"' \
  'route="static",code="404"' 'route="sparql",code="200"' 'route="sparql",code="400"' \
  'route="query",code="404"'; do
  grep -q "^custodian_http_requests_total{$series} [1-9]" "$TMP/metrics.txt" ||
    fail "requests counted by route and code: $series"
done
# counters grow between two scrapes
curl -s "$URL/metrics" >"$TMP/metrics2.txt"
a=$(sed -n 's/^custodian_http_requests_total{route="metrics",code="200"} //p' "$TMP/metrics2.txt")
[ "${a:-0}" -ge 1 ] || fail "the first scrape is counted in the second"
pass
