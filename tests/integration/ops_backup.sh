#!/bin/sh
# The backup recipes of the README on a store being written: sqlite3 .backup
# and VACUUM INTO give stores that open, hold whole blocks with their
# checkpoint, and from which indexing resumes.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the command) is not installed"

start_devnet dn --blocks 400 --block-time 20
"$CUSTODIAN" index --verbose --db "$TMP/live.db" --node "$URL" --until 400 >/dev/null 2>"$TMP/live.log" &
ix=$!
PIDS="$PIDS $ix"
# checkpoint DB: the height committed in DB ("" when none yet)
# (its errors in $TMP/checkpoint.err)
checkpoint() {
  "$CUSTODIAN" query --db "$1" --format csv --query-timeout 60000 \
    'SELECT ?h WHERE { GRAPH ?g { <urn:custodian:checkpoint> <https://w3id.org/custodian/ns#height> ?h } }' \
    2>"$TMP/checkpoint.err" | sed -n 2p | tr -d '\r'
}
# copy only once a commit is logged: before it the file may hold no block yet
i=0
while [ $i -lt 200 ] && ! grep -q "committed heights" "$TMP/live.log"; do sleep 0.1; i=$((i + 1)); done
grep -q "committed heights" "$TMP/live.log" || { cat "$TMP/live.log" >&2; fail "the indexer logs a first commit"; }
[ -n "$(checkpoint "$TMP/live.db")" ] || { cat "$TMP/live.log" >&2; fail "the live store has a first block"; }
sqlite3 "$TMP/live.db" ".backup '$TMP/copy1.db'" || fail "sqlite3 .backup of a live store"
sleep 0.3
sqlite3 "$TMP/live.db" "VACUUM INTO '$TMP/copy2.db'" || fail "VACUUM INTO of a live store"
kill -0 $ix 2>/dev/null || { cat "$TMP/live.log" >&2; fail "the indexer went on during the copies"; }
for c in copy1 copy2; do
  [ "$(sqlite3 "$TMP/$c.db" 'PRAGMA integrity_check')" = ok ] || fail "$c passes integrity_check"
  h=$(checkpoint "$TMP/$c.db")
  [ -n "$h" ] && [ "$h" -ge 1 ] || fail "$c has a checkpoint (got \"$h\"; $(cat "$TMP/checkpoint.err"))"
  # resuming from the copy gives the same store as the live one
  index_to "$c.db" 400 --node "$URL" || { cat "$TMP/$c.db.log" >&2; fail "indexing resumes from $c (at $h)"; }
done
wait $ix || { cat "$TMP/live.log" >&2; fail "the live indexer finished"; }
export_to live.db live.nq
export_to copy1.db copy1.nq
export_to copy2.db copy2.nq
same live.nq copy1.nq "a store resumed from .backup equals the live one"
same live.nq copy2.nq "a store resumed from VACUUM INTO equals the live one"
pass
