#!/bin/sh
# The indexing commands' usage errors, and a stop while no node answers.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

err=$("$CUSTODIAN" index --db "$TMP/a.db" --node http://127.0.0.1:9 --batch 11 2>&1)
[ $? -eq 2 ] || fail "--batch 11 is a usage error"
echo "$err" | grep -q -- '--batch' || fail "the message names --batch: $err"
err=$("$CUSTODIAN" index --db "$TMP/a.db" --node http://127.0.0.1:9 --max-response 1000 2>&1)
[ $? -eq 2 ] || fail "--max-response 1000 is a usage error"
echo "$err" | grep -q -- '--max-response must be between 65536' ||
  fail "the message names --max-response and its bounds: $err"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "one line: $err"
err=$("$CUSTODIAN" index --db "$TMP/a.db" --node ftp://127.0.0.1/x 2>&1)
[ $? -eq 2 ] || fail "an ftp URL is a usage error"
echo "$err" | grep -q '"ftp://127.0.0.1/x"' || fail "the message names the URL: $err"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "one line: $err"
err=$("$CUSTODIAN" index --db "$TMP/a.db" --node http://127.0.0.1:9 --until x 2>&1)
[ $? -eq 2 ] || fail "--until x is a usage error"
"$CUSTODIAN" index --help | grep -q -- '--no-skip-empty' || fail "index --help lists its options"

# nothing listens on port 9 of 127.0.0.1: it waits, and a SIGTERM ends it with 0
"$CUSTODIAN" index --db "$TMP/w.db" --node http://127.0.0.1:9 >/dev/null 2>"$TMP/w.log" &
pid=$!
sleep 1.5
kill -0 $pid 2>/dev/null || { cat "$TMP/w.log" >&2; fail "it waits for a node"; }
grep -q 'waiting for a node to answer' "$TMP/w.log" || fail "it says that it waits"
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/w.log" >&2; fail "SIGTERM while waiting exits 0 (got $rc)"; }
pass
