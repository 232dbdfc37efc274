// The upstream closure of a resource as a SPARQL property path
// (prov:wasDerivedFrom+) in Oxigraph (npm "oxigraph", in-memory store),
// over the same N-Quads that bench_custody generated.
//   node oxigraph_closure.mjs FILE.nq IRI RUNS
// prints: "oxigraph load_s S quads N closure_median_ms M p90_ms P
// cpu_median_ms C results R"
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const oxigraph = require("oxigraph");

const [file, iri, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const t0 = performance.now();
const store = new oxigraph.Store();
store.load(readFileSync(file, "utf8"), { format: "application/n-quads", lenient: true });
const loadS = (performance.now() - t0) / 1000;
const query = `PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?source WHERE { <${iri}> prov:wasDerivedFrom+ ?source }`;
const times = [];
const cpu = [];
let results = 0;
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const c = process.cpuUsage();
  const rows = store.query(query, { use_default_graph_as_union: true });
  results = rows.length;
  const dc = process.cpuUsage(c);
  times.push(performance.now() - t);
  cpu.push((dc.user + dc.system) / 1000);
}
times.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
console.log(
  `oxigraph load_s ${loadS.toFixed(1)} quads ${store.size} closure_median_ms ` +
    `${times[Math.floor(runs / 2)].toFixed(2)} p90_ms ${times[Math.floor((runs * 9) / 10)].toFixed(2)} ` +
    `cpu_median_ms ${cpu[Math.floor(runs / 2)].toFixed(2)} results ${results}`
);
