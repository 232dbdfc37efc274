#!/bin/sh
# The mirror into a real Virtuoso (Debian's virtuoso-opensource), started
# here in a temporary directory on free loopback ports: a chain mirrored
# while it is indexed, through kill -9 of the mirror and of Virtuoso, ends
# with the same quads in Virtuoso as `custodian export`, and the canned
# queries give the same answers there; custodian run --mirror reports the
# mirror in /status and /metrics; a store behind the target is refused.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1 ||
  skip "Virtuoso is not installed (apt-get install virtuoso-opensource; scripts/setup.sh does it as root)"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"

GENID=https://w3id.org/custodian/.well-known/genid/
XSD=http://www.w3.org/2001/XMLSchema#
VDIR=$TMP/virtuoso
mkdir -p "$VDIR"

. "${srcdir:-.}/tests/integration/virtuoso_lib.sh"
virtuoso_new || { tail -n 20 "$VDIR/v.log" >&2; fail "Virtuoso starts, with SPARQL Update granted"; }
PIDS="$PIDS $VPID"

# vquery QUERY ACCEPT: the answer of Virtuoso's endpoint
vquery() {
  curl -sf -H "Accept: $2" --data-urlencode "query=$1" "$SPARQL"
}

# ---- mirroring a chain while it is indexed, through kill -9 of the mirror
# and of Virtuoso
start_devnet dn --blocks 150 --block-time 40
"$CUSTODIAN" index --db "$TMP/a.db" --node "$URL" --until 150 >/dev/null 2>"$TMP/index.log" &
IX=$!
PIDS="$PIDS $IX"
DEVNET=$URL
while ! [ -f "$TMP/a.db" ] || ! grep -q . "$TMP/index.log"; do sleep 0.1; done
sleep 0.5

# mirror_bg N: a mirror in the background, small requests (many
# positions, and commits sent in parts), its log in $TMP/mirror.N.log
mirror_bg() {
  : >"$TMP/mirror.$1.log"
  "$CUSTODIAN" mirror --db "$TMP/a.db" --to "$SPARQL" --batch-commits 2 --batch-bytes 20000 --verbose \
    >/dev/null 2>"$TMP/mirror.$1.log" &
  MPID=$!
  PIDS="$PIDS $MPID"
}
# wait_mirrored LOG N: until LOG has N "mirrored heights" lines (60 s)
wait_mirrored() {
  w=0
  while [ "$(grep -c 'mirrored heights' "$1")" -lt "$2" ]; do
    kill -0 $MPID 2>/dev/null || { cat "$1" >&2; fail "the mirror exited"; }
    w=$((w + 1)); [ $w -lt 600 ] || { cat "$1" >&2; fail "no progress of the mirror"; }
    sleep 0.1
  done
}
mirror_bg 1
wait_mirrored "$TMP/mirror.1.log" 3
kill -9 $MPID; wait $MPID 2>/dev/null
mirror_bg 2
grep -q 'resuming after it' "$TMP/mirror.2.log" || sleep 1
wait_mirrored "$TMP/mirror.2.log" 2
grep -q 'resuming after it' "$TMP/mirror.2.log" ||
  { cat "$TMP/mirror.2.log" >&2; fail "a restarted mirror resumes from the target's position"; }
# Virtuoso killed and restarted under the running mirror
kill -9 $VPID; wait $VPID 2>/dev/null
sleep 1
virtuoso_start || { tail -n 20 "$VDIR/v.log" >&2; fail "Virtuoso restarts on its files"; }
PIDS="$PIDS $VPID"
n=$(grep -c 'mirrored heights' "$TMP/mirror.2.log")
wait_mirrored "$TMP/mirror.2.log" $((n + 2))
grep -q 'failed' "$TMP/mirror.2.log" ||
  { cat "$TMP/mirror.2.log" >&2; fail "the mirror saw Virtuoso go away and retried"; }
kill -9 $MPID; wait $MPID 2>/dev/null
cat "$TMP"/mirror.*.log | grep -q 'the last of several requests' ||
  fail "a commit larger than --batch-bytes went in several requests"
wait $IX || { cat "$TMP/index.log" >&2; fail "the indexer reached 150"; }
"$CUSTODIAN" mirror --db "$TMP/a.db" --to "$SPARQL" --once 2>"$TMP/mirror.3.log" ||
  { cat "$TMP/mirror.3.log" >&2; fail "the last mirror run catches up"; }

# ---- the same quads, compared on a normalised form: Virtuoso keeps no
# blank nodes from an update (the mirror sends skolem IRIs under $GENID:
# the export's _:x is written <${GENID}x>), lowercases language tags and
# tells "x"^^xsd:string from "x" (both dropped to the plain form), and
# keeps a dateTime's fraction of a second to the microsecond (both sides
# cut to 6 digits, trailing zeros dropped); the devnet's integers come back
# as sent.
export_to a.db a.nq
# seconds: "…T10:10:55.257306364Z" and "…T10:10:55.257306Z" are one instant for Virtuoso
seconds() {
  sed -E -e 's/(T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6})[0-9]+/\1/g' \
    -e 's/(T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]*[1-9])0+([Z+-])/\1\2/g' \
    -e 's/(T[0-9]{2}:[0-9]{2}:[0-9]{2})\.0+([Z+-])/\1\2/g'
}
sed -E -e "s|^_:([^ ]+) |<$GENID\\1> |" -e "s| _:([^ ]+) (<[^>]*>) \\.\$| <$GENID\\1> \\2 .|" \
  -e 's/"@([A-Za-z0-9-]+) </"@\L\1\E </' -e "s|\"\\^\\^<${XSD}string> |\" |" \
  "$TMP/a.nq" | seconds | LC_ALL=C sort -u >"$TMP/a.norm"
# the store's graphs: the last field of each quad
awk '{ print $(NF - 1) }' "$TMP/a.nq" | LC_ALL=C sort -u >"$TMP/graphs"
[ "$(wc -l <"$TMP/graphs")" -gt 10 ] || fail "the chain has credential graphs"
values=$(tr '\n' ' ' <"$TMP/graphs")
JQ_NQ='def esc: gsub("\\\\"; "\\\\") | gsub("\""; "\\\"") | gsub("\n"; "\\n") | gsub("\r"; "\\r") | gsub("\t"; "\\t");
def term: if .type == "uri" then "<" + .value + ">"
  elif .type == "bnode" then "_:" + .value
  else "\"" + (.value | esc) + "\"" +
    (if ."xml:lang" then "@" + (."xml:lang" | ascii_downcase)
     elif .datatype and .datatype != "http://www.w3.org/2001/XMLSchema#string" then "^^<" + .datatype + ">"
     else "" end) end;
.results.bindings[] | "\(.s | term) \(.p | term) \(.o | term) \(.g | term) ."'
# dump_virtuoso: the quads of the store's graphs in Virtuoso, normalised, into $TMP/v.norm
dump_virtuoso() {
  vquery "SELECT ?s ?p ?o ?g WHERE { VALUES ?g { $values } GRAPH ?g { ?s ?p ?o } }" \
    application/sparql-results+json >"$TMP/v.json" || fail "Virtuoso answers the dump query"
  jq -r "$JQ_NQ" <"$TMP/v.json" | seconds | LC_ALL=C sort -u >"$TMP/v.norm"
}
dump_virtuoso
[ "$(wc -l <"$TMP/a.norm")" -gt 1000 ] || fail "the store holds a chain ($(wc -l <"$TMP/a.norm") quads)"
same a.norm v.norm "Virtuoso holds the store's quads after kill -9 of the mirror and Virtuoso"
# and no other graph than the store's, the mirror's and Virtuoso's own
vquery 'SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }' text/tab-separated-values |
  sed -n '2,$s/^"\(.*\)"$/<\1>/p' | grep -v -e '^<http://www.openlinksw.com/' -e '^<http://www.w3.org/ns/ldp#>' \
  -e '^<http://localuriqaserver/' -e '^<urn:custodian:mirror>' | LC_ALL=C sort -u >"$TMP/vgraphs"
same graphs vgraphs "Virtuoso's graphs are the store's"
cp=$(vquery 'SELECT ?h WHERE { GRAPH <urn:custodian:mirror> { <urn:custodian:mirror> <https://w3id.org/custodian/ns#height> ?h } }' text/csv | sed -n 2p | tr -d '"\r')
[ "$cp" = 150 ] || fail "the target's position is height 150 (got \"$cp\")"

# ---- the canned queries, parameters unbound, where Virtuoso runs them: the
# same rows (blank nodes read back from their skolem IRIs, dateTimes as
# above). Virtuoso's default graph is the union of its graphs as a bag: a
# triple held by two graphs is matched twice, where SPARQL's RDF merge (and
# Custodian) match it once; so a query that counts may give larger counts
# there. Such a query must still give the same set of first-column values
# (the things counted), and most queries must agree row for row.
agree=0; keys=""; unsupported=""
for q in "$srcdir"/queries/*.rq; do
  name=$(basename "$q" .rq)
  "$CUSTODIAN" query --db "$TMP/a.db" --format csv -f "$q" 2>"$TMP/q.err" | tr -d '\r' |
    sed 1d | sed -e 's/"//g' | seconds | LC_ALL=C sort >"$TMP/c.$name" || fail "custodian runs $name"
  if ! vquery "$(cat "$q")" text/csv >"$TMP/v.raw" 2>/dev/null; then
    unsupported="$unsupported $name"
    continue
  fi
  # Virtuoso's CSV quotes every value: unquote, and name blank nodes back
  tr -d '\r' <"$TMP/v.raw" | sed 1d | sed -e 's/"//g' -e "s|$GENID|_:|g" | seconds |
    LC_ALL=C sort >"$TMP/v.$name"
  if cmp -s "$TMP/c.$name" "$TMP/v.$name"; then
    agree=$((agree + 1))
    continue
  fi
  cut -d , -f 1 "$TMP/c.$name" | LC_ALL=C sort -u >"$TMP/ck.$name"
  cut -d , -f 1 "$TMP/v.$name" | LC_ALL=C sort -u >"$TMP/vk.$name"
  same "ck.$name" "vk.$name" "canned query $name gives the same rows on Virtuoso"
  keys="$keys $name"
done
echo "# canned queries equal on Virtuoso: $agree; same first column, other counts:${keys:- none};" \
  "not run by Virtuoso:${unsupported:- none}"
[ $agree -ge 8 ] || fail "at least 8 canned queries agree row for row on Virtuoso (only $agree)"
[ -s "$TMP/c.zone" ] && [ -s "$TMP/c.lineage" ] || fail "the canned queries have answers to compare"

# ---- custodian run --mirror: resumes the target, reports in /status and /metrics
: >"$TMP/run.out"
if "$CUSTODIAN" run --db "$TMP/a.db" --mirror-graph-store "http://127.0.0.1:$HPORT/sparql-graph-crud" \
  2>"$TMP/run.gsp.err"; then
  fail "run --mirror-graph-store without --mirror is refused"
fi
grep -q -- '--mirror-graph-store needs --mirror' "$TMP/run.gsp.err" || fail "the refusal says why"
start_listening run "$CUSTODIAN" run --db "$TMP/a.db" --node "$DEVNET" --listen 127.0.0.1:0 \
  --mirror "$SPARQL" --mirror-graph-store "http://127.0.0.1:$HPORT/sparql-graph-crud"
RUN=$URL
w=0
until curl -sf "$RUN/status" | jq -e '.mirror.height == 150 and .mirror.lag == 0 and .mirror.running' >/dev/null; do
  w=$((w + 1)); [ $w -lt 300 ] || { curl -s "$RUN/status" >&2; fail "/status shows the mirror at 150"; }
  sleep 0.1
done
curl -sf "$RUN/metrics" | grep -q '^custodian_mirror_height 150$' || fail "/metrics has custodian_mirror_height"
curl -sf "$RUN/metrics" | grep -q '^custodian_mirror_lag_blocks 0$' || fail "/metrics has the mirror's lag"
curl -sf "$RUN/metrics" | grep -q '^custodian_mirror_errors_total ' || fail "/metrics counts the mirror's errors"
grep -q 'resuming after it' "$TMP/run.err" || { cat "$TMP/run.err" >&2; fail "run --mirror resumes"; }

# ---- a store behind the target is refused: exit 1, one clear line
index_to b.db 40 --node "$DEVNET" || fail "indexing a second store"
if "$CUSTODIAN" mirror --db "$TMP/b.db" --to "$SPARQL" --once 2>"$TMP/refused.log"; then
  fail "a store behind the target is refused"
fi
grep -q 'is ahead of the store' "$TMP/refused.log" || { cat "$TMP/refused.log" >&2; fail "the refusal says why"; }
dump_virtuoso
same a.norm v.norm "the refused mirror changed nothing"

# ---- the same chain from another store, caught up: the target is rebuilt
# from that store's graphs (its change numbers mean nothing to the target)
index_to b.db 150 --node "$DEVNET" || fail "indexing the second store to 150"
"$CUSTODIAN" mirror --db "$TMP/b.db" --to "$SPARQL" --once 2>"$TMP/rebuild.log" ||
  { cat "$TMP/rebuild.log" >&2; fail "a store of the same chain at the same height is mirrored"; }
grep -q 'rebuilt at height 150' "$TMP/rebuild.log" || { cat "$TMP/rebuild.log" >&2; fail "by a rebuild"; }
dump_virtuoso
same a.norm v.norm "after the rebuild Virtuoso holds the same quads"

# ---- the Graph Store Protocol. A wrong --graph-store: exit 1, one line
# naming the URL, the status and what to do (the rebuild starts, a.db
# being another store than the target's, and the graph store is checked
# before any upload)
GSP=http://127.0.0.1:$HPORT/sparql-graph-crud
if "$CUSTODIAN" mirror --db "$TMP/a.db" --to "$SPARQL" --graph-store "http://127.0.0.1:$HPORT/nothere" \
  --once 2>"$TMP/gsp.bad.log"; then
  fail "a wrong --graph-store is refused"
fi
grep -q "graph store \"http://127.0.0.1:$HPORT/nothere\": GET of .* refused (HTTP 404.*not a Graph Store Protocol endpoint" \
  "$TMP/gsp.bad.log" || { cat "$TMP/gsp.bad.log" >&2; fail "the refusal names the URL, the status and the remedy"; }
# a target without a position, one of the store's graphs gone and another
# with a stray triple (as an interrupted load would leave them): with
# --graph-store it is rebuilt by uploads, PUT replacing each graph
g1=$(sed -n 5p "$TMP/graphs"); g2=$(sed -n 6p "$TMP/graphs")
curl -sf --data-urlencode "update=DROP SILENT GRAPH <urn:custodian:mirror> ; DROP SILENT GRAPH $g1 ;
  INSERT DATA { GRAPH $g2 { <urn:x:stray> <urn:x:p> \"stray\" } }" "$SPARQL" >/dev/null ||
  fail "Virtuoso takes the disturbing update"
# kill -9 in the middle of the uploads (small parts: many requests)
"$CUSTODIAN" mirror --db "$TMP/a.db" --to "$SPARQL" --graph-store "$GSP" --batch-bytes 4096 --verbose \
  >/dev/null 2>"$TMP/gsp.1.log" &
MPID=$!
PIDS="$PIDS $MPID"
w=0
while [ "$(grep -c 'graph store: P' "$TMP/gsp.1.log")" -lt 20 ]; do
  kill -0 $MPID 2>/dev/null || { cat "$TMP/gsp.1.log" >&2; fail "the graph store mirror exited"; }
  w=$((w + 1)); [ $w -lt 600 ] || { cat "$TMP/gsp.1.log" >&2; fail "no upload to the graph store"; }
  sleep 0.1
done
kill -9 $MPID; wait $MPID 2>/dev/null
grep -q 'graph store: PUT' "$TMP/gsp.1.log" || fail "a graph's first part is a PUT"
mark=$(vquery 'SELECT ?m WHERE { GRAPH <urn:custodian:mirror> { <urn:custodian:mirror> <https://w3id.org/custodian/ns#rebuilding> ?m } }' text/csv | sed -n 2p | tr -d '"\r')
[ "$mark" = true ] || { cat "$TMP/gsp.1.log" >&2; fail "killed in mid-rebuild, the target is marked rebuilding (got \"$mark\")"; }
"$CUSTODIAN" mirror --db "$TMP/a.db" --to "$SPARQL" --graph-store "$GSP" --batch-bytes 20000 --once \
  --verbose 2>"$TMP/gsp.2.log" || { cat "$TMP/gsp.2.log" >&2; fail "the restarted graph store mirror completes"; }
grep -q 'its rebuild was cut short' "$TMP/gsp.2.log" || { cat "$TMP/gsp.2.log" >&2; fail "the restart sees the cut rebuild"; }
grep -q 'rebuilt at height 150 (.* through the graph store)' "$TMP/gsp.2.log" ||
  { cat "$TMP/gsp.2.log" >&2; fail "the restart rebuilds through the graph store"; }
grep -q 'graph store: POST' "$TMP/gsp.2.log" || fail "a graph larger than --batch-bytes goes in several uploads"
dump_virtuoso
same a.norm v.norm "after a rebuild through the Graph Store Protocol Virtuoso holds the same quads"
cp=$(vquery 'SELECT ?h WHERE { GRAPH <urn:custodian:mirror> { <urn:custodian:mirror> <https://w3id.org/custodian/ns#height> ?h } }' text/csv | sed -n 2p | tr -d '"\r')
[ "$cp" = 150 ] || fail "the position after the graph store rebuild is height 150 (got \"$cp\")"
# then, the log again through SPARQL Update
"$CUSTODIAN" mirror --db "$TMP/a.db" --to "$SPARQL" --graph-store "$GSP" --once 2>"$TMP/gsp.3.log" ||
  { cat "$TMP/gsp.3.log" >&2; fail "a mirror at the store's height with --graph-store"; }
grep -q 'resuming after it' "$TMP/gsp.3.log" || { cat "$TMP/gsp.3.log" >&2; fail "no second rebuild"; }
pass
