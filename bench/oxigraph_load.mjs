// Loads an N-Quads file into Oxigraph (npm "oxigraph", in-memory store) and
// reports the time, for bench_store's comparison with the writer.
//   node oxigraph_load.mjs FILE.nq
// prints: "DISTINCT_QUADS WALL_S RATE CPU_S"
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const oxigraph = require("oxigraph");

const [file] = process.argv.slice(2);
const text = readFileSync(file, "utf8");
const c0 = process.cpuUsage();
const t0 = performance.now();
const store = new oxigraph.Store();
store.load(text, { format: "application/n-quads" });
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1e6;
const n = store.size;
console.log(`${n} ${wall.toFixed(3)} ${Math.round(n / wall)} ${cpu.toFixed(3)}`);
