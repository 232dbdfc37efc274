#!/bin/sh
# Replicas agree: two stores that follow different nodes of one chain (same
# seed; one node speaks the 0.38 dialect with faults, the other 0.34), one of
# them killed with SIGKILL mid-way and restarted, reach byte-identical
# `custodian export` output and the same answers to the canned queries at
# the same height, served with the same X-Custodian-Height.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
. "${srcdir:-.}/tests/integration/http_lib.sh"

N=800
start_devnet a --seed 11 --blocks $N --block-time 0 --dialect 0.38 --faults 0.1
A=$URL
start_devnet b --seed 11 --blocks $N --block-time 0 --dialect 0.34
B=$URL

# replica 1: through the faulty node, in one run, with smaller batches
index_to one.db $N --node "$A" --batch 4 --verbose ||
  { tail -n 5 "$TMP/one.db.log" >&2; fail "replica 1"; }
grep -q "transient error" "$TMP/one.db.log" || fail "replica 1 met the node's faults and retried"

# replica 2: killed with SIGKILL after its first commit, then restarted
"$CUSTODIAN" index --db "$TMP/two.db" --until $N --node "$B" --verbose >/dev/null \
  2>"$TMP/two.1.log" &
pid=$!
w=0
until grep -q "committed heights" "$TMP/two.1.log"; do
  kill -0 $pid 2>/dev/null || break
  w=$((w + 1)); [ $w -lt 6000 ] || fail "replica 2 made no commit in 60 s"
  sleep 0.01
done
sleep 0.0$(random_below 9)
is_killed=0
kill -9 $pid 2>/dev/null && is_killed=1
wait $pid 2>/dev/null
last=$(sed -n 's/.*committed heights [0-9]*\.\.\([0-9]*\) .*/\1/p' "$TMP/two.1.log" | tail -n 1)
echo "# replica 2 killed: $is_killed, at committed height ${last:-?} of $N"
index_to two.db $N --node "$B" || { tail -n 5 "$TMP/two.db.log" >&2; fail "replica 2 restarted"; }

# the stores: byte-identical exports
export_to one.db one.nq
export_to two.db two.nq
[ -s "$TMP/one.nq" ] || fail "replica 1 exported nothing"
same one.nq two.nq "the replicas export the same quads"

# the canned queries: the same answers at the same height, over HTTP
serve s1 --db "$TMP/one.db"
U1=$URL
serve s2 --db "$TMP/two.db"
U2=$URL
names=$(curl -sf "$U1/queries" | jq -r '.queries[] | select(.parameters | length == 0) | .name')
[ "$(echo "$names" | wc -l)" -ge 8 ] || fail "the catalogue lists the canned queries: $names"
# parameters from the data itself, the same for both replicas
exec_iri=$(curl -sf "$U1/sparql" -H 'Accept: text/csv' --data-urlencode 'query=
  PREFIX prov: <http://www.w3.org/ns/prov#>
  SELECT ?e WHERE { GRAPH ?g { ?e a prov:Activity } } ORDER BY ?e LIMIT 1' | sed -n 2p | tr -d '\r')
n=0
for q in $names "execution?execution=$(printf %s "$exec_iri" | jq -sRr @uri)" \
  "lineage?resource=$(printf %s "$exec_iri" | jq -sRr @uri)"; do
  for u in 1 2; do
    eval "URL=\$U$u"
    get "/queries/$q" >"$TMP/q$u.json"
    echo "$(status) $(header X-Custodian-Height)" >"$TMP/q$u.meta"
  done
  case $(cat "$TMP/q1.meta") in 200\ $N) ;; *) fail "/queries/$q on replica 1: $(cat "$TMP/q1.meta") $(head -c 200 "$TMP/q1.json")" ;; esac
  same q1.meta q2.meta "/queries/$q: the same status and height on both replicas"
  same q1.json q2.json "/queries/$q: the same answer on both replicas"
  n=$((n + 1))
done
echo "# $n canned queries answered alike at height $N"
pass
