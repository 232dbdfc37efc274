#!/bin/sh
# custodian load: RDF files into a graph; refuses the graphs the indexer owns
# (ledger, current, every credential's graph) and leaves the store untouched
# when a file does not parse.
. "${srcdir:-.}/tests/integration/lib.sh"

db="$TMP/store.db"
cat >"$TMP/thes.ttl" <<'TTL'
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/thes/Storage> a skos:Concept ; skos:prefLabel "Storage"@en , "Stockage"@fr .
<https://example.org/thes/Scheme> a skos:ConceptScheme ; skos:hasTopConcept [ skos:prefLabel "anonymous" ] .
TTL
printf '<https://example.org/a> <https://example.org/b> "c" .\n' >"$TMP/one.nt"
printf '<https://example.org/a> <https://example.org/b> "q" <https://example.org/elsewhere> .\n' >"$TMP/one.nq"
printf '@prefix x: <urn:x:> .\nx:a x:b .\n' >"$TMP/bad.ttl"

out=$("$CUSTODIAN" load --db "$db" --graph https://example.org/thesaurus "$TMP/thes.ttl" "$TMP/one.nt" "$TMP/one.nq") ||
  fail "load of Turtle, N-Triples and N-Quads exits 0"
echo "$out" | grep -q "loaded 8 quads from 3 files" || fail "load reports what it did: $out"
dump=$("$CUSTODIAN" export --db "$db") || fail "export works after load"
[ "$(echo "$dump" | grep -c '<https://example.org/thesaurus> \.$')" -eq 8 ] ||
  fail "every quad lands in the given graph: $dump"
echo "$dump" | grep -q '"Stockage"@fr <https://example.org/thesaurus>' || fail "language tags survive"

# the same file again: same blank node, nothing new
"$CUSTODIAN" load --db "$db" --graph https://example.org/thesaurus "$TMP/thes.ttl" >/dev/null ||
  fail "reloading a file works"
[ "$("$CUSTODIAN" export --db "$db" | wc -l)" -eq 8 ] || fail "reloading a file adds nothing"

before=$("$CUSTODIAN" export --db "$db")
err=$("$CUSTODIAN" load --db "$db" --graph urn:g "$TMP/one.nt" "$TMP/bad.ttl" 2>&1)
[ $? -eq 1 ] || fail "a file that does not parse exits 1"
echo "$err" | grep -q 'bad.ttl": line 2' || fail "the error names the file and the line: $err"
[ "$("$CUSTODIAN" export --db "$db")" = "$before" ] || fail "a failed load changes nothing"

for g in https://w3id.org/custodian/graph/ledger https://w3id.org/custodian/graph/current; do
  err=$("$CUSTODIAN" load --db "$db" --graph "$g" "$TMP/one.nt" 2>&1)
  [ $? -eq 1 ] || fail "loading into $g exits 1"
  echo "$err" | grep -q "the indexer owns it" || fail "the refusal says why: $err"
done
"$CUSTODIAN" load --db "$db" "$TMP/one.nt" >/dev/null 2>&1
[ $? -eq 2 ] || fail "load without --graph is a usage error"
"$CUSTODIAN" load --db "$db" --graph urn:g >/dev/null 2>&1
[ $? -eq 2 ] || fail "load without a file is a usage error"
"$CUSTODIAN" load --db "$db" --graph "not an iri" "$TMP/one.nt" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a graph that is not an IRI is a usage error"
printf 'x' >"$TMP/data.csv"
err=$("$CUSTODIAN" load --db "$db" --graph urn:g "$TMP/data.csv" 2>&1)
[ $? -eq 1 ] || fail "an unknown extension exits 1"
echo "$err" | grep -q "cannot tell the syntax" || fail "an unknown extension is explained: $err"

# a credential's graph, made by indexing the devnet, is refused too
start_listening devnet "$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks 4 --block-time 50
"$CUSTODIAN" index --node "$URL" --until 4 --db "$TMP/indexed.db" --quiet ||
  fail "indexing the devnet works"
cred=$("$CUSTODIAN" query --db "$TMP/indexed.db" --format tsv \
  'SELECT ?c WHERE { GRAPH <https://w3id.org/custodian/graph/ledger> { ?c <https://w3id.org/custodian/ns#submittedIn> ?tx } } LIMIT 1' |
  sed -n '2s/^<\(.*\)>$/\1/p')
[ -n "$cred" ] || fail "the devnet's first blocks hold a credential"
err=$("$CUSTODIAN" load --db "$TMP/indexed.db" --graph "$cred" "$TMP/one.nt" 2>&1)
[ $? -eq 1 ] || fail "loading into a credential's graph exits 1"
echo "$err" | grep -q "credential's graph" || fail "the refusal names the reason: $err"
pass
