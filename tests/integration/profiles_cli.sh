#!/bin/sh
# Ontology profiles from the command line: a version is a file of the
# ontology folder (without it, its credentials are stored but read by no
# profile; with it, the same chain derives its custody), a broken profile
# stops the indexer with its file and line, and the devnet's --ontology is
# checked.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

err=$("$CUSTODIAN" devnet --ontology axone-v9 2>&1)
[ $? -eq 2 ] || fail "an unknown --ontology is a usage error (2)"
echo "$err" | grep -q -- '--ontology "axone-v9" is unknown: give okp4-v3, axone-v4 or axone-v5' \
  || fail "the unknown version is named: $err"

start_devnet devnet --blocks 60 --block-time 0 --seed 5 --ontology axone-v5

# the ontology folder without the axone-v5 profile
mkdir -p "$TMP/onto-old" "$TMP/onto-bad"
for f in "$srcdir"/ontology/*.ttl "$srcdir"/ontology/*.profile; do
  case $f in *axone-v5.profile) ;; *) cp "$f" "$TMP/onto-old/" ;; esac
  cp "$f" "$TMP/onto-bad/"
done
index_to old.db 60 --node "$URL" --ontology "$TMP/onto-old" || fail "index: $(cat "$TMP/old.db.log")"
count() {
  "$CUSTODIAN" query --db "$TMP/$1" --format csv "PREFIX cust: <https://w3id.org/custodian/ns#>
$2" | tr -d '\r' | sed -n 2p
}
UNREAD='SELECT (COUNT(?c) AS ?n) WHERE { GRAPH <https://w3id.org/custodian/graph/ledger> {
  ?c cust:submittedIn ?tx OPTIONAL { ?c cust:profile ?p } FILTER(!BOUND(?p)) } }'
EXECS='SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { GRAPH ?g { ?e a cust:Execution } }'
n=$(count old.db "$UNREAD")
[ "$n" -gt 20 ] || fail "without its profile, v5 credentials are read by none ($n)"
[ "$(count old.db "$EXECS")" = 0 ] || fail "without its profile, v5 derives no execution"

# the same chain with the profile: a new version is a new file
index_to new.db 60 --node "$URL" || fail "index: $(cat "$TMP/new.db.log")"
[ "$(count new.db "$UNREAD")" = 0 ] || fail "with its profile, every credential is read"
n=$(count new.db "$EXECS")
[ "$n" -ge 5 ] || fail "with its profile, the v5 chain has executions ($n)"

# a broken profile stops the indexer with its file and line
printf 'profile axone-v9\nbase https://w3id.org/axone/ontology/v9/\nclass dataset D\nrole consumd x\n' \
  >"$TMP/onto-bad/axone-v9.profile"
index_to bad.db 60 --node "$URL" --ontology "$TMP/onto-bad" && fail "a broken profile must stop the indexer"
grep -q 'axone-v9.profile:4: unknown role "consumd"' "$TMP/bad.db.log" \
  || fail "the broken profile is named with its line: $(cat "$TMP/bad.db.log")"
pass
