// One W3C test in Oxigraph (npm "oxigraph", in-memory), with the command
// line of `custodian query`, so that tests/w3c/run_w3c --oxigraph loads and
// compares exactly as it does for Custodian:
//   node oxigraph_w3c.mjs [--load GRAPH BASE FILE]... --format F -f QUERY
//                         [--default-graph-uri IRI]... [--named-graph-uri IRI]...
// Writes the answer on stdout; on failure one line on stderr,
// "oxigraph: 400 malformed query: …" for a query Oxigraph cannot parse,
// "oxigraph: 500 query failed: …" otherwise, and exit code 1.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ox = require("oxigraph");

const formats = {
  xml: "application/sparql-results+xml",
  json: "application/sparql-results+json",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  turtle: "text/turtle",
  ntriples: "application/n-triples",
  rdfxml: "application/rdf+xml",
};
const dataFormats = {
  ttl: "text/turtle",
  nt: "application/n-triples",
  nq: "application/n-quads",
  rdf: "application/rdf+xml",
};

const args = process.argv.slice(2);
const loads = [];
const defaults = [];
const named = [];
let format = "json";
let queryFile = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--load") {
    loads.push(args.slice(i + 1, i + 4));
    i += 3;
  } else if (a === "--format") {
    format = args[++i];
  } else if (a === "-f") {
    queryFile = args[++i];
  } else if (a === "--default-graph-uri") {
    defaults.push(args[++i]);
  } else if (a === "--named-graph-uri") {
    named.push(args[++i]);
  } else {
    console.error(`oxigraph: 400 bad usage: unknown argument "${a}"`);
    process.exit(2);
  }
}

const store = new ox.Store();
try {
  for (const [graph, base, file] of loads) {
    const ext = file.slice(file.lastIndexOf(".") + 1);
    store.load(readFileSync(file, "utf8"), {
      format: dataFormats[ext] || "text/turtle",
      base_iri: base,
      to_graph_name: ox.namedNode(graph),
    });
  }
} catch (e) {
  console.error(`oxigraph: 500 load failed: ${String(e.message || e).split("\n")[0]}`);
  process.exit(1);
}

const text = readFileSync(queryFile, "utf8");
const options = { results_format: formats[format] || formats.json };
// the protocol's rule: either list given makes the whole dataset
if (defaults.length > 0 || named.length > 0) {
  options.default_graph = defaults.map((g) => ox.namedNode(g));
  options.named_graphs = named.map((g) => ox.namedNode(g));
}
let answer;
try {
  answer = store.query(text, options);
} catch (e) {
  const msg = String(e.message || e).split("\n")[0];
  const isSyntax = e instanceof SyntaxError || /^error at |parse|syntax/i.test(msg);
  console.error(`oxigraph: ${isSyntax ? "400 malformed query" : "500 query failed"}: ${msg}`);
  process.exit(1);
}
process.stdout.write(typeof answer === "string" ? answer : String(answer));
