#!/bin/sh
# Joins by the engine against the same basic graph patterns handed to
# SQLite as one statement over the triples table (self-joins, DISTINCT over
# the merged graphs, the terms' text joined in), on the store of
# bench_http.sh (run it first). SQLite: the sqlite3 shell's own timer (the
# statement prepared, planned and run in process, rows written to
# /dev/null); Custodian: cold through HTTP on a kept-alive connection
# (Cache-Control: no-cache), as bench_http.sh measures. Medians of RUNS (15).
#   builddir=BUILD sh bench/bench_sqljoin.sh
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench_dir/.." && pwd)
builddir=${builddir:-$(pwd)}
CUSTODIAN=${CUSTODIAN:-$builddir/custodian}
RUNS=${RUNS:-15}
db=$top/bench/work/http/store-${BENCH_HTTP_SCALE:-2000}.db
work=$top/bench/work/sqljoin
for tool in sqlite3 curl; do
  command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is not installed"; exit 0; }
done
[ -s "$db" ] || { echo "skip: no $db (run bench/bench_http.sh first)"; exit 0; }
[ -x "$CUSTODIAN" ] || { echo "skip: no custodian at $CUSTODIAN"; exit 0; }
mkdir -p "$work"
"$CUSTODIAN" serve --db "$db" --listen 127.0.0.1:0 --quiet >"$work/serve.out" 2>"$work/serve.err" &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null' EXIT INT TERM
URL=
i=0
while [ $i -lt 100 ] && [ -z "$URL" ]; do
  sleep 0.1
  URL=$(sed -n 's/^listening on //p' "$work/serve.out")
  i=$((i + 1))
done
[ -n "$URL" ] || { echo "the server did not start"; exit 1; }

C=https://w3id.org/custodian/ns#
P=http://www.w3.org/ns/prov#
T=http://www.w3.org/1999/02/22-rdf-syntax-ns#type
id() { echo "(SELECT id FROM uris WHERE uri = '$1')"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# case NAME SPARQL SQL: prints name, rows and the two medians in ms
case_() {
  n=0
  : >"$work/sql"
  while [ $n -lt "$RUNS" ]; do
    printf '.timer on\n.output /dev/null\n%s\n' "$3" | sqlite3 -readonly "$db" 2>&1 |
      sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p' >>"$work/sql"
    n=$((n + 1))
  done
  rows_sql=$(printf '%s\n' "$3" | sqlite3 -readonly "$db" | wc -l)
  name=$1
  url="$URL/sparql?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$2")"
  rows=$(curl -s -H 'Accept: text/csv' "$url" | sed 1d | wc -l)
  set --
  n=0
  while [ $n -le "$RUNS" ]; do
    set -- "$@" -o /dev/null "$url"
    n=$((n + 1))
  done
  curl -s -w '%{time_total}\n' -H 'Accept: text/csv' -H 'Cache-Control: no-cache' "$@" |
    sed 1d >"$work/http"
  printf '%-44s %6s %6s %10.2f %10.2f\n' "$name" "$rows" "$rows_sql" \
    "$(awk '{ print $1 * 1000 }' "$work/http" | median)" "$(awk '{ print $1 * 1000 }' "$work/sql" | median)"
}

printf '%-44s %6s %6s %10s %10s\n' pattern rows sqlrows engine_ms sqlite_ms
case_ "2 patterns: orders, zones, amounts" \
  "SELECT DISTINCT ?paid ?zone ?amount WHERE { ?paid <${C}inZone> ?zone . ?paid <${C}lockedAmount> ?amount }" \
  "SELECT DISTINCT ps.uri, zs.uri, l.text FROM triples t1 JOIN triples t2 ON t2.subjectUri = t1.subjectUri
     JOIN uris ps ON ps.id = t1.subjectUri JOIN uris zs ON zs.id = t1.objectUri
     JOIN literals l ON l.id = t2.objectLiteral
   WHERE t1.predicateUri = $(id "${C}inZone") AND t2.predicateUri = $(id "${C}lockedAmount");"
case_ "6 patterns: rejections with their transaction" \
  "SELECT DISTINCT ?r ?why ?tx ?h ?t ?s WHERE { ?r a <${C}Rejection> ; <${C}reason> ?why ; <${C}inTransaction> ?tx . ?tx <${C}height> ?h ; <${C}blockTime> ?t ; <${C}sender> ?s }" \
  "SELECT DISTINCT r.uri, w.text, x.uri, h.text, t.text, s.text FROM triples t1
     JOIN triples t2 ON t2.subjectUri = t1.subjectUri JOIN triples t3 ON t3.subjectUri = t1.subjectUri
     JOIN triples t4 ON t4.subjectUri = t3.objectUri JOIN triples t5 ON t5.subjectUri = t3.objectUri
     JOIN triples t6 ON t6.subjectUri = t3.objectUri
     JOIN uris r ON r.id = t1.subjectUri JOIN literals w ON w.id = t2.objectLiteral
     JOIN uris x ON x.id = t3.objectUri JOIN literals h ON h.id = t4.objectLiteral
     JOIN literals t ON t.id = t5.objectLiteral JOIN literals s ON s.id = t6.objectLiteral
   WHERE t1.predicateUri = $(id "$T") AND t1.objectUri = $(id "${C}Rejection")
     AND t2.predicateUri = $(id "${C}reason") AND t3.predicateUri = $(id "${C}inTransaction")
     AND t4.predicateUri = $(id "${C}height") AND t5.predicateUri = $(id "${C}blockTime")
     AND t6.predicateUri = $(id "${C}sender");"
case_ "2 patterns: executions using datasets" \
  "SELECT DISTINCT ?e ?r WHERE { ?e <${P}used> ?r . ?r a <${C}Dataset> }" \
  "SELECT DISTINCT e.uri, r.uri FROM triples t1 JOIN triples t2 ON t2.subjectUri = t1.objectUri
     JOIN uris e ON e.id = t1.subjectUri JOIN uris r ON r.id = t1.objectUri
   WHERE t1.predicateUri = $(id "${P}used") AND t2.predicateUri = $(id "$T")
     AND t2.objectUri = $(id "${C}Dataset");"
case_ "3 patterns and a filter: late reports" \
  "SELECT DISTINCT ?e ?h WHERE { GRAPH ?g { ?e <${C}reportedAt> ?at } ?g <${C}submittedIn> ?tx . ?tx <${C}height> ?h FILTER(?h > 7000) }" \
  "SELECT DISTINCT e.uri, h.text FROM triples t1 JOIN triples t2 ON t2.subjectUri = t1.contextUri
     JOIN triples t3 ON t3.subjectUri = t2.objectUri
     JOIN uris e ON e.id = t1.subjectUri JOIN literals h ON h.id = t3.objectLiteral
   WHERE t1.predicateUri = $(id "${C}reportedAt") AND t1.contextUri IS NOT NULL
     AND t2.predicateUri = $(id "${C}submittedIn") AND t3.predicateUri = $(id "${C}height")
     AND CAST(h.text AS INTEGER) > 7000;"
