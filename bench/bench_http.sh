#!/bin/sh
# Benchmark of the HTTP server on a generated store (SCALE execution orders,
# each with its reports, datasets, services, zones and ledger entries):
# latency (median, p95) of every canned query cold (the answer cache
# missed: on a kept-alive connection with Cache-Control: no-cache, and on a
# new connection after a new store stamp) and cached, requests/s of a cached query
# under 16 concurrent clients (wrk), and the same queries in Oxigraph
# (npm package, installed into bench/work/, in-process, no HTTP).
#   make bench            or   builddir=BUILD sh bench/bench_http.sh [SCALE]
# Needs python3 (data generator), curl, wrk; node/npm for the comparison.
set -u
bench_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench_dir/.." && pwd)
builddir=${builddir:-$(pwd)}
CUSTODIAN=${CUSTODIAN:-$builddir/custodian}
FIXTURE=$builddir/tests/integration/http_fixture
SCALE=${1:-${BENCH_HTTP_SCALE:-2000}}
RUNS_COLD=${BENCH_HTTP_COLD:-5}
RUNS_COLD_KA=${BENCH_HTTP_COLD_KA:-21}
RUNS_CACHED=${BENCH_HTTP_CACHED:-30}
work=$top/bench/work/http
mkdir -p "$work"

for tool in python3 curl wrk; do
  command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is not installed"; exit 0; }
done
[ -x "$CUSTODIAN" ] || { echo "skip: no custodian at $CUSTODIAN (run make first)"; exit 0; }
if [ ! -x "$FIXTURE" ]; then
  make -C "$builddir" tests/integration/http_fixture >/dev/null 2>&1 ||
    { echo "skip: cannot build $FIXTURE"; exit 0; }
fi

# ---- the data: deterministic for a given SCALE
data=$work/data-$SCALE.nq
if [ ! -s "$data" ]; then
  python3 - "$SCALE" >"$data.tmp" 2>"$work/params-$SCALE" <<'PY' || { echo "generator failed"; exit 1; }
import random, sys
N = int(sys.argv[1]); random.seed(42)
OK = "https://w3id.org/axone/ontology/v4/"
DSD = OK + "schema/credential/dataset/description/"
SVC = OK + "schema/credential/digital-service/description/"
ZONE = OK + "schema/credential/zone/description/"
ORD = OK + "schema/credential/orchestration-service/execution-order/"
EXE = OK + "schema/credential/orchestration-service/execution/"
ST = OK + "thesaurus/digital-service-execution-status/"
CAT = OK + "thesaurus/digital-service-category/"
CRED = "https://www.w3.org/2018/credentials#"
PROV = "http://www.w3.org/ns/prov#"
CUST = "https://w3id.org/custodian/ns#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
LEDGER = "https://w3id.org/custodian/graph/ledger"
CURRENT = "https://w3id.org/custodian/graph/current"
EX = "https://example.org/"
out = sys.stdout.write
def t(x):
    if isinstance(x, tuple):
        return '"%s"^^<%s>' % x if x[1] else '"%s"' % x[0]
    return "<%s>" % x
def q(s, p, o, g): out("%s %s %s %s .\n" % (t(s), t(p), t(o), t(g)))
lit = lambda v: (v, None)
integer = lambda v: (str(v), XSD + "integer")
dt = lambda v: (v, XSD + "dateTime")
state = {"tx": 0, "h": 1, "cred": 0}
def tm(h): return "2024-05-%02dT%02d:%02d:%02dZ" % (1 + h // 86400 % 28, h // 3600 % 24, h // 60 % 60, h % 60)
def tx(sender, funds=None):
    state["tx"] += 1; state["h"] += 1; h = state["h"]
    iri = "urn:cosmos:okp4-bench-1:tx:%064X" % state["tx"]
    for p, o in ((RDF, CUST + "Transaction"), (CUST + "txHash", lit("%064X" % state["tx"])),
                 (CUST + "height", integer(h)), (CUST + "txIndex", integer(0)),
                 (CUST + "msgIndex", integer(0)), (CUST + "blockTime", dt(tm(h))),
                 (CUST + "sender", lit(sender)), (CUST + "contract", lit("okp41dataverse"))):
        q(iri, p, o, LEDGER)
    if funds: q(iri, CUST + "funds", lit(funds), LEDGER)
    return iri
def cred(typ, subject, issuer, body, funds=None):
    state["cred"] += 1; g = EX + "cred/%d" % state["cred"]
    q(g, RDF, CRED + "VerifiableCredential", g); q(g, RDF, typ, g)
    q(g, CRED + "credentialSubject", subject, g); q(g, CRED + "issuer", issuer, g)
    q(g, CRED + "issuanceDate", dt("2024-05-01T00:00:00Z"), g)
    for s, p, o in body: q(s, p, o, g)
    txi = tx("okp41" + issuer[-8:], funds); q(g, CUST + "submittedIn", txi, LEDGER)
    q(g, CUST + "profile", lit("axone-v4"), LEDGER)
    return txi
providers = ["did:key:provider%d" % i for i in range(max(5, N // 50))]
zones = [EX + "zone/%d" % i for i in range(max(3, N // 500))]
for z in zones:
    cred(ZONE + "ZoneDescriptionCredential", z, random.choice(providers), [(z, ZONE + "hasTitle", lit("Zone")), (z, RDF, CUST + "Zone"), (z, DCT + "title", lit("Zone"))])
datasets = []
for i in range(max(20, N // 5)):
    d = EX + "dataset/src%d" % i; p = random.choice(providers); datasets.append(d)
    cred(DSD + "DatasetDescriptionCredential", d, p, [(d, DSD + "hasTitle", lit("Dataset %d" % i)), (d, DCT + "title", lit("Dataset %d" % i)), (d, RDF, CUST + "Dataset"), (d, PROV + "wasAttributedTo", p)])
services = []
for i in range(max(10, N // 40)):
    s = "did:key:svc%d" % i; p = random.choice(providers); services.append(s)
    cred(SVC + "DigitalServiceDescriptionCredential", s, p, [(s, SVC + "hasTitle", lit("Service %d" % i)), (s, DCT + "title", lit("Service %d" % i)), (s, SVC + "hasCategory", CAT + "DataTransformation"), (s, CUST + "category", CAT + "DataTransformation"), (s, RDF, CUST + "DigitalService"), (s, PROV + "wasAttributedTo", p)])
orch = "did:key:orchestrator"
cred(SVC + "DigitalServiceDescriptionCredential", orch, providers[0], [(orch, SVC + "hasTitle", lit("Orchestrator")), (orch, RDF, CUST + "DigitalService")])
last_derived = None
for i in range(N):
    payer = random.choice(providers); O = "urn:uuid:order-%d" % i; amount = random.randint(1, 10 ** 6)
    zone = random.choice(zones)
    txi = cred(ORD + "OrchestrationServiceExecutionOrderCredential", orch, payer,
               [(orch, ORD + "hasExecutionOrder", O), (O, ORD + "inZone", zone), (O, ORD + "withParameter", lit("p%d" % i)), (O, RDF, CUST + "ExecutionOrder"), (O, CUST + "payer", payer), (O, CUST + "inZone", zone), (O, CUST + "parameter", lit("p%d" % i))],
               funds="%duknow" % amount)
    q(O, CUST + "lockedAmount", lit(str(amount)), LEDGER); q(O, CUST + "lockedDenom", lit("uknow"), LEDGER); q(O, CUST + "lockedIn", txi, LEDGER)
    E = "urn:uuid:exec-%d" % i
    used = random.sample(datasets[-50:], 1) + random.sample(datasets, 1) + [random.choice(services)]
    P = EX + "dataset/derived%d" % i
    statuses = ["InExecution"]
    if random.random() < 0.9:
        statuses.append("Delivered" if random.random() < 0.95 else "Failed")
    for k, status in enumerate(statuses):
        when = dt(tm(state["h"] + 1))
        body = [(orch, EXE + "hasExecution", E), (E, EXE + "executionOf", O), (E, EXE + "hasExecutionStatus", ST + status), (E, EXE + "hasExecutionTime", when), (E, CUST + "executionOf", O), (E, CUST + "reportedStatus", CUST + status), (E, CUST + "reportedAt", when), (E, RDF, CUST + "Execution"), (E, RDF, PROV + "Activity"), (E, PROV + "wasAssociatedWith", orch)]
        for u in used: body += [(E, EXE + "hasConsumedResource", u), (E, PROV + "used", u)]
        if k == 0: body.append((E, PROV + "startedAtTime", when))
        if status == "Delivered":
            body += [(E, EXE + "hasProducedResource", P), (E, PROV + "generated", P), (P, PROV + "wasGeneratedBy", E), (E, PROV + "endedAtTime", when)]
            body += [(P, PROV + "wasDerivedFrom", u) for u in used]
        cred(EXE + "OrchestrationServiceExecutionCredential", orch, orch, body)
    q(E, CUST + "status", CUST + statuses[-1], CURRENT)
    if statuses[-1] == "Delivered":
        p = random.choice(providers)
        cred(DSD + "DatasetDescriptionCredential", P, p, [(P, DSD + "hasTitle", lit("Derived %d" % i)), (P, DCT + "title", lit("Derived %d" % i)), (P, RDF, CUST + "Dataset"), (P, PROV + "wasAttributedTo", p)])
        datasets.append(P); last_derived = (P, E)
    if i % 97 == 0:
        rj = tx("okp41mallory"); r = rj + ":rejection:0"
        for p, o in ((RDF, CUST + "Rejection"), (CUST + "inTransaction", rj), (CUST + "reason", lit("not valid base64"))): q(r, p, o, LEDGER)
sys.stderr.write("height=%d\nresource=%s\nexecution=%s\nsource=%s\nzone=%s\nissuer=%s\n" % (state["h"], last_derived[0], last_derived[1], datasets[0], zones[0], providers[0]))
PY
  mv "$data.tmp" "$data"
fi
. "$work/params-$SCALE"
db=$work/store-$SCALE.db
if [ ! -s "$db" ]; then
  rm -f "$db" "$db-wal" "$db-shm"
  t0=$(date +%s)
  "$FIXTURE" "$db" "$data" "$height" okp4-bench-1 || { echo "cannot write the store"; exit 1; }
  echo "store: $(wc -l <"$data") quads written in $(($(date +%s) - t0)) s"
fi

# ---- the server
"$CUSTODIAN" serve --db "$db" --listen 127.0.0.1:0 --quiet --query-timeout 60000 \
  >"$work/serve.out" 2>"$work/serve.err" &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null' EXIT INT TERM
i=0
URL=
while [ $i -lt 100 ] && [ -z "$URL" ]; do
  sleep 0.1
  URL=$(sed -n 's/^listening on //p' "$work/serve.out")
  i=$((i + 1))
done
[ -n "$URL" ] || { cat "$work/serve.err"; echo "the server did not start"; exit 1; }

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# name and query string of each canned query
cases="lineage?resource=$(enc "$resource")
impact?resource=$(enc "$source")
execution?execution=$(enc "$execution")
zone?zone=$(enc "$zone")
provider?issuer=$(enc "$issuer")
compliance-used-before-registered
compliance-unregistered-inputs
compliance-revoked-still-used
compliance-no-final-report
compliance-paid-not-delivered
usage-datasets
usage-services
usage-zones
rejections"

# stats FILE: "median p95" in ms of a column of seconds
stats() {
  sort -n "$1" | awk '{ v[NR] = $1 * 1000 } END {
    if (NR == 0) { print "- -"; exit }
    m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.95 + 0.999)]; if (p == "") p = v[NR]
    printf "%.2f %.2f\n", m, p }'
}

echo "scale $SCALE: $(wc -l <"$data") quads, $(sed -n 's/.*"canned_queries": \([0-9]*\).*/\1/p' "$work/serve.out")"
printf '%-36s %10s %10s %10s %10s %10s %8s %10s %10s\n' query cold_med cold_p95 conn_med \
  cached_med cached_p95 rows oxi_med oxi_p95
: >"$work/cold-all"
: >"$work/cases"
for c in $cases; do
  name=${c%%\?*}
  : >"$work/cold"; : >"$work/conn"; : >"$work/cached"
  # cold on a kept-alive connection, as a dashboard or a client library
  # sends: Cache-Control: no-cache makes each request miss the answer
  # cache; the first transfer (the connection's setup) is left out
  set --
  n=0
  while [ $n -le "$RUNS_COLD_KA" ]; do
    set -- "$@" -o /dev/null "$URL/queries/$c"
    n=$((n + 1))
  done
  curl -s -w '%{time_total} %{http_code}\n' -H 'Accept: text/csv' -H 'Cache-Control: no-cache' \
    "$@" | sed 1d >"$work/cold.raw"
  cut -d' ' -f1 "$work/cold.raw" >"$work/cold"
  code=$(tail -n 1 "$work/cold.raw" | cut -d' ' -f2)
  # cold on a new connection each time (curl's own setup excluded: time_total
  # starts at connect); a new store stamp makes the cache miss
  n=0
  while [ $n -lt "$RUNS_COLD" ]; do
    touch "$db"
    sleep 0.03 # the server looks at the store's stamp every 20 ms
    curl -s -o "$work/answer" -w '%{time_total}\n' -H 'Accept: text/csv' \
      "$URL/queries/$c" >>"$work/conn"
    n=$((n + 1))
  done
  rows=$(($(wc -l <"$work/answer") - 1))
  [ "$code" = 200 ] || rows="HTTP$code"
  n=0
  while [ $n -lt "$RUNS_CACHED" ]; do
    curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: text/csv' "$URL/queries/$c" \
      >>"$work/cached"
    n=$((n + 1))
  done
  set -- $(stats "$work/cold") $(stats "$work/conn") $(stats "$work/cached")
  echo "$name $1 $3" >>"$work/cold-all"
  echo "$name $1 $2 $3 $5 $6 $rows"
  echo "$name $c" >>"$work/cases"
done >"$work/table"
rm -f "$work/cold.raw"

# ---- Oxigraph, the same queries with the parameters written into the text
oxi_ok=0
if command -v node >/dev/null 2>&1; then
  if [ ! -d "$top/bench/work/node_modules/oxigraph" ] && command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix "$top/bench/work" oxigraph >/dev/null 2>&1
  fi
  if [ -d "$top/bench/work/node_modules/oxigraph" ]; then
    cat >"$work/oxi.cjs" <<'JS'
const fs = require("fs");
const ox = require(process.argv[2] + "/node_modules/oxigraph/node.js");
const [data, qdir, runs] = [process.argv[3], process.argv[4], +process.argv[5]];
const params = JSON.parse(process.argv[6]);
const store = new ox.Store();
let t = process.hrtime.bigint();
store.load(fs.readFileSync(data, "utf8"), { format: "application/n-quads" });
console.error(`oxigraph: loaded ${store.size} quads in ${Number(process.hrtime.bigint() - t) / 1e9} s`);
for (const [name, binds] of params) {
  let text = fs.readFileSync(`${qdir}/${name}.rq`, "utf8");
  for (const [k, v] of Object.entries(binds)) {
    text = text.replace(new RegExp(`\\?${k}\\b`, "g"), `<${v}>`);
  }
  const run = () => store.query(text, { use_default_graph_as_union: true,
                                       results_format: "application/sparql-results+json" });
  // one run first, not timed (Custodian's workers are warm too); then more
  // runs where they are quick
  t = process.hrtime.bigint();
  run();
  const n = Number(process.hrtime.bigint() - t) / 1e6 < 200 ? Math.max(runs, 21) : runs;
  const times = [];
  for (let i = 0; i < n; i++) {
    t = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor((times.length - 1) / 2)];
  const p95 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)];
  console.log(`${name} ${med.toFixed(2)} ${p95.toFixed(2)}`);
}
JS
    params=$(python3 - "$work/cases" <<'PY'
import json, sys, urllib.parse
out = []
for line in open(sys.argv[1]):
    name, case = line.split()
    qs = case.split("?", 1)[1] if "?" in case else ""
    out.append([name, dict(urllib.parse.parse_qsl(qs))])
print(json.dumps(out))
PY
)
    if node "$work/oxi.cjs" "$top/bench/work" "$data" "$top/queries" "$RUNS_COLD" "$params" \
      >"$work/oxi" 2>"$work/oxi.err"; then
      oxi_ok=1
      cat "$work/oxi.err"
    else
      echo "oxigraph comparison failed: $(tail -n 3 "$work/oxi.err")"
    fi
  fi
fi
[ $oxi_ok -eq 1 ] || : >"$work/oxi"
awk 'NR == FNR { o[$1] = $2 " " $3; next }
     { split(($1 in o) ? o[$1] : "- -", x, " ")
       printf "%-36s %10s %10s %10s %10s %10s %8s %10s %10s\n", $1, $2, $3, $4, $5, $6, $7, x[1], x[2] }' \
  "$work/oxi" "$work/table"
rm -f "$work/cases"

# ---- cold canned queries against Oxigraph: the ratio of medians
if [ $oxi_ok -eq 1 ]; then
  awk 'NR == FNR { cold[$1] = $2; conn[$1] = $3; next } ($1 in cold) && $2 > 0 {
         r = cold[$1] / $2; c = conn[$1] / $2; n++; lr += log(r); lc += log(c)
         printf "  %-36s %6.2fx %s %6.2fx\n", $1, r, (r <= 2 ? "          " : "(over 2x)"), c }
       END { if (n) printf "  %-36s %6.2fx %s %6.2fx\n", "geometric mean", exp(lr / n), "          ", exp(lc / n) }' \
    "$work/cold-all" "$work/oxi" >"$work/ratio"
  echo "cold custodian / oxigraph (median; target <= 2x): kept-alive connection, new connection"
  cat "$work/ratio"
fi

# ---- throughput of a cached canned query, 16 clients
target="$URL/queries/lineage?resource=$(enc "$resource")"
# Warm the cache with the very request wrk sends (the Accept header is part of the key).
curl -s -o /dev/null -H 'Accept: application/sparql-results+json' "$target"
wrk -t4 -c16 -d10s --latency -H 'Accept: application/sparql-results+json' "$target" >"$work/wrk" 2>&1
rps=$(sed -n 's/^Requests\/sec: *//p' "$work/wrk")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$work/wrk")
sockerr=$(sed -n 's/^ *Socket errors: *//p' "$work/wrk")
lat=$(awk '/Latency/ && !l { l = $2 " avg, " $4 " max" } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 }
           END { print l ", p50 " p50 ", p99 " p99 }' "$work/wrk")
echo "wrk, 16 clients, 10 s, cached lineage: ${rps:-?} requests/s (target >= 5000), latency $lat,"
echo "  non-2xx: ${non2xx:-0}, socket errors: ${sockerr:-none}"
errors=$(curl -s "$URL/metrics" | sed -n 's/^custodian_queries_total{status="\(5[0-9]*\)"} //p' |
  awk '{ s += $1 } END { print s + 0 }')
echo "server-side 5xx answers during the run: $errors"
