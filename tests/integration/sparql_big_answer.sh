#!/bin/sh
# Large answers: 20 slow readers of one ~100 MB answer do not make the server
# hold it (its RSS stays within 64 MB of what it was before), a reader that
# reads it all gets every row, and an answer over --max-result-bytes (many
# rows, or one huge value) is a 413 that says so, never a cut 200.
. "${srcdir:-.}/tests/integration/lib.sh"
. "$srcdir/tests/integration/http_lib.sh"

make_store "$TMP/s.db"
serve big --db "$TMP/s.db" --max-results 2000000 --query-timeout 240000
BIG='SELECT * WHERE { VALUES ?k { 1 2 3 } ?s ?p ?o . ?s2 ?p2 ?o2 }'
pid=$(echo "$PIDS" | awk '{print $NF}')
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }

n=$(curl -s --max-time 60 -G --data-urlencode 'query=SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' \
  -H 'Accept: text/csv' "$URL/sparql" | tr -d '\r' | sed -n 2p)
[ "${n:-0}" -gt 300 ] || fail "the fixture store holds too few triples ($n)"
rows=$((3 * n * n))
base=$(rss)

# one full reader and 20 slow ones (100 kB/s), all asking at once
curl -s -o "$TMP/full.csv" -w '%{http_code}' --max-time 300 -G --data-urlencode "query=$BIG" \
  -H 'Accept: text/csv' "$URL/sparql" >"$TMP/full.status" &
full=$!
i=0
while [ $i -lt 20 ]; do
  curl -s -o /dev/null --limit-rate 100k --max-time 90 -G --data-urlencode "query=$BIG" \
    -H 'Accept: text/csv' "$URL/sparql" &
  slow="${slow:-} $!"
  i=$((i + 1))
done
peak=$base
while kill -0 $full 2>/dev/null; do
  r=$(rss)
  [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.2
done
# the slow readers are still reading the same answer
i=0
while [ $i -lt 25 ]; do
  r=$(rss)
  [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.2; i=$((i + 1))
done
for p in $slow; do kill "$p" 2>/dev/null; done
wait $full
[ "$(cat "$TMP/full.status")" = 200 ] || fail "the large answer: status $(cat "$TMP/full.status")"
size=$(wc -c <"$TMP/full.csv")
lines=$(wc -l <"$TMP/full.csv")
echo "answer: $size bytes, $lines lines; server RSS $base kB before, $peak kB at most with 21 readers"
[ "$size" -gt 80000000 ] || fail "the answer is only $size bytes: the test needs about 100 MB"
[ "$lines" -eq $((rows + 1)) ] || fail "the answer has $lines lines, not $((rows + 1))"
[ $((peak - base)) -lt 65536 ] ||
  fail "the server's RSS grew by $(((peak - base) / 1024)) MB while sending a $((size / 1048576)) MB answer"

# the byte limit: many rows, or one value, over it
serve small --db "$TMP/s.db" --max-result-bytes 1000000 --query-timeout 60000
expect 413 /sparql -G --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o . ?s2 ?p2 ?o2 }'
grep -q 'more than 1000000 bytes' "$TMP/body" || fail "the 413 names the limit: $(cat "$TMP/body")"
# 2^21 bytes in one value, made by doubling
q='SELECT ?v21 WHERE { BIND("x" AS ?v0)'
i=0
while [ $i -lt 21 ]; do
  q="$q BIND(CONCAT(?v$i, ?v$i) AS ?v$((i + 1)))"
  i=$((i + 1))
done
expect 413 /sparql -G --data-urlencode "query=$q }"
grep -q 'result too large' "$TMP/body" || fail "one huge value: $(cat "$TMP/body")"
expect 200 /sparql -G --data-urlencode 'query=ASK { ?s ?p ?o }'
pass
