#!/bin/sh
# custodian query: formats, -f FILE and stdin, exit codes and one-line errors
# over a small store written by "custodian load".
. "${srcdir:-.}/tests/integration/lib.sh"

cd "$TMP" || fail "cd $TMP"
DB="$TMP/q.db"
cat >"$TMP/data.ttl" <<'TTL'
@prefix ex: <http://ex.org/> .
ex:a ex:name "alice"@en ; ex:p 1 ; ex:knows ex:b ; ex:addr [ ex:city "Paris" ] .
ex:b ex:name "bob" ; ex:p 2 ; ex:note "say \"hi\", ok" .
TTL
"$CUSTODIAN" load --db "$DB" --graph http://ex.org/g1 "$TMP/data.ttl" >"$TMP/load.out" 2>&1 \
  || skip "custodian load cannot write a store in this build: $(cat "$TMP/load.out")"

q() { "$CUSTODIAN" query --db "$DB" "$@"; }
P='PREFIX ex: <http://ex.org/>'

out=$(q "$P SELECT ?n WHERE { ex:b ex:name ?n }") || fail "a SELECT exits 0"
echo "$out" | grep -q '"value": "bob"' || fail "JSON is the default: $out"
out=$(q --format csv "$P SELECT ?s ?t WHERE { ?s ex:note ?t }") || fail "csv exits 0"
[ "$out" = "$(printf 's,t\r\nhttp://ex.org/b,"say ""hi"", ok"\r')" ] || fail "CSV quoting: $out"
q --format csv "$P SELECT ?n WHERE { ?s ex:name ?n } ORDER BY ?n" | od -c | grep -q '\\r  \\n' \
  || fail "CSV lines end with CRLF"
out=$(q --format tsv "$P SELECT ?n WHERE { ex:a ex:name ?n }")
[ "$out" = "$(printf '?n\n"alice"@en')" ] || fail "TSV terms: $out"
out=$(q --format xml "$P ASK { ex:a ex:knows ex:b }")
echo "$out" | grep -q '<boolean>true</boolean>' || fail "ASK as XML: $out"
out=$(q --format ntriples "$P CONSTRUCT { ?s ex:q ?n } WHERE { ?s ex:name ?n }")
echo "$out" | grep -q '^<http://ex.org/a> <http://ex.org/q> "alice"@en \.$' || fail "CONSTRUCT: $out"
out=$(q --format turtle "$P DESCRIBE ex:a")
echo "$out" | grep -q '"Paris"' || fail "DESCRIBE follows blank nodes: $out"
out=$(q --format nquads "$P CONSTRUCT WHERE { ex:b ex:p ?o }")
echo "$out" | grep -q '"2"^^<http://www.w3.org/2001/XMLSchema#integer> \.$' || fail "nquads: $out"
q --format rdfxml "$P CONSTRUCT WHERE { ex:b ex:p ?o }" | grep -q 'rdf:RDF' || fail "rdfxml"

echo "$P SELECT (COUNT(*) AS ?n) WHERE { ?s ex:name ?o }" >"$TMP/count.rq"
out=$(q --format csv -f "$TMP/count.rq") || fail "-f FILE exits 0"
[ "$out" = "$(printf 'n\r\n2\r')" ] || fail "-f FILE runs the file: $out"
out=$(q --format csv -f - <"$TMP/count.rq") || fail "-f - exits 0"
[ "$out" = "$(printf 'n\r\n2\r')" ] || fail "-f - reads stdin: $out"

# failures: exit 1 and the error's message as one line
err=$(q "SELECT ?x WHERE { ?x" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] || fail "a syntax error exits 1 (got $rc)"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "one line: $err"
echo "$err" | grep -q '^custodian: line 1' || fail "the parser's message: $err"
out=$(q --format csv "$P SELECT ?s WHERE { ?s ex:knows/ex:p ?o }") || fail "a property path runs"
[ "$(printf '%s' "$out" | tr -d '\r')" = "$(printf 's\nhttp://ex.org/a')" ] \
  || fail "a property path's answer: $out"
err=$(q "INSERT DATA { <http://a> <http://b> <http://c> }" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && echo "$err" | grep -q 'read-only' || fail "an update is refused: $err"
err=$(q --format turtle "$P SELECT * WHERE { ?s ?p ?o }" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && echo "$err" | grep -q 'SELECT and ASK answer' || fail "turtle for SELECT: $err"
err=$(q --max-results 2 "SELECT * WHERE { ?s ?p ?o }" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && echo "$err" | grep -q 'more than 2 results' || fail "the result limit: $err"
err=$("$CUSTODIAN" query --db "$TMP/none.db" "ASK {}" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && echo "$err" | grep -q "cannot open store \"$TMP/none.db\"" \
  || fail "a missing store: $rc $err"

# usage errors: exit 2
q >/dev/null 2>&1; [ $? -eq 2 ] || fail "no query is a usage error"
q -f "$TMP/count.rq" "ASK {}" >/dev/null 2>&1; [ $? -eq 2 ] || fail "a query and -f is a usage error"
err=$(q --format yaml "ASK {}" 2>&1); [ $? -eq 2 ] || fail "an unknown format exits 2"
echo "$err" | grep -q 'unknown format "yaml"' || fail "the format is named: $err"
q --query-timeout abc "ASK {}" >/dev/null 2>&1; [ $? -eq 2 ] || fail "a bad timeout exits 2"
pass
