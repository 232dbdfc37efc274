#!/bin/sh
# Readers during indexing: 64 clients ask /sparql and canned queries while
# "custodian run" indexes a dense devnet chain (--scale 8, a block every
# 250 ms). Every answer is a 200 or an overload 503 with Retry-After, read at
# one block height that never goes back for a client (http_load.c checks
# each answer); no store error is logged; indexing goes on meanwhile.
# HTTP_LOAD_SECONDS sets the duration (default 20; bench/run.sh uses 60),
# HTTP_LOAD_CLIENTS the number of clients (default 64).
. "$srcdir/tests/integration/lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
LOAD="${builddir:-.}/tests/integration/http_load"
[ -x "$LOAD" ] || skip "the load client $LOAD is not built (make check builds it)"
SECONDS_=${HTTP_LOAD_SECONDS:-20}
CLIENTS=${HTTP_LOAD_CLIENTS:-64}

start_listening devnet "$CUSTODIAN" devnet --listen 127.0.0.1:0 --scale 8 --block-time 250 --seed 7
NODE=$URL
# every client comes from 127.0.0.1: the per-address limit is raised above them
start_listening run "$CUSTODIAN" run --node "$NODE" --db "$TMP/load.db" --listen 127.0.0.1:0 \
  --max-conns-per-ip $((CLIENTS + 16))
SERVER=$URL

indexed() { curl -s --max-time 10 "$SERVER/status" | jq -r '.indexed_height // 0'; }
# some blocks first, so that the queries have something to read
i=0
while [ "$(indexed)" -lt 5 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
h0=$(indexed)
[ "$h0" -ge 5 ] || fail "the indexer did not reach height 5 in 30 s (at $h0)"

"$LOAD" "${SERVER#http://}" "$CLIENTS" "$SECONDS_" >"$TMP/load.out" 2>"$TMP/load.err"
rc=$?
cat "$TMP/load.out"
if [ $rc -ne 0 ]; then
  grep -v ": info: " "$TMP/run.err" | head -n 20 >&2
  fail "readers saw wrong answers: $(head -c 2000 "$TMP/load.err")"
fi
grep -q "answers 200" "$TMP/load.out" || fail "the load client printed no summary"

h1=$(indexed)
[ "$h1" -gt "$h0" ] || fail "indexing stopped under load: height $h0 before, $h1 after"
echo "indexed height $h0 before the load, $h1 after"
if grep -E "locking protocol|malformed|cannot open the store|out of memory" "$TMP/run.err" >"$TMP/bad"; then
  fail "store errors in the server's log: $(head -n 5 "$TMP/bad")"
fi
pass
