#!/bin/sh
# A store in a folder that nobody may write (a read-only copy, a mounted
# archive) is queried through SPARQL and exported like any other: SQLite
# cannot make the WAL's -shm file there, so both the store's connection and
# librdf's read it as a file that does not change.
. "${srcdir:-.}/tests/integration/chain_lib.sh"

N=30
start_devnet dn --seed 2 --blocks $N --block-time 0
index_to x.db $N --node "$URL" || { cat "$TMP/x.db.log" >&2; fail "index"; }
[ ! -e "$TMP/x.db-wal" ] && [ ! -e "$TMP/x.db-shm" ] || fail "a closed store leaves no -wal or -shm"
mkdir "$TMP/ro"
cp "$TMP/x.db" "$TMP/ro/x.db"
Q='SELECT ?t (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s a ?t } } GROUP BY ?t ORDER BY ?t'
"$CUSTODIAN" query --db "$TMP/x.db" --format csv "$Q" >"$TMP/want.csv" 2>"$TMP/want.err" ||
  { cat "$TMP/want.err" >&2; fail "query of the writable store"; }
[ "$(wc -l <"$TMP/want.csv")" -gt 3 ] || fail "the query has rows"
"$CUSTODIAN" export --db "$TMP/x.db" >"$TMP/want.nq" || fail "export of the writable store"

chmod 444 "$TMP/ro/x.db"
chmod 555 "$TMP/ro"
chmod 755 "$TMP"
# root writes anywhere: run the reads as nobody to meet a real read-only folder
as=""
if [ "$(id -u)" -eq 0 ]; then
  command -v setpriv >/dev/null 2>&1 || skip "running as root without setpriv to drop to nobody"
  as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  $as test -x "$CUSTODIAN" || skip "nobody cannot run $CUSTODIAN (a folder on its path is private)"
fi
$as touch "$TMP/ro/probe" 2>/dev/null && fail "the folder is read-only for the reader"

$as "$CUSTODIAN" query --db "$TMP/ro/x.db" --format csv "$Q" >"$TMP/got.csv" 2>"$TMP/got.err" ||
  { cat "$TMP/got.err" >&2; fail "SPARQL on a store in a read-only folder"; }
same want.csv got.csv "SPARQL answers the same from the read-only folder"
$as "$CUSTODIAN" export --db "$TMP/ro/x.db" >"$TMP/got.nq" 2>"$TMP/export.err" ||
  { cat "$TMP/export.err" >&2; fail "export from the read-only folder"; }
same want.nq got.nq "export gives the same quads"
grep -q "reading it as a file that does not change" "$TMP/export.err" ||
  fail "the reader says how it reads the store"
[ ! -e "$TMP/ro/x.db-shm" ] && [ ! -e "$TMP/ro/x.db-wal" ] || fail "nothing was written next to it"
chmod 755 "$TMP/ro"
pass
