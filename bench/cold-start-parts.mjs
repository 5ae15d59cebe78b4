#!/usr/bin/env node
// Splits the package's cold start in Node into its parts, each the median of fresh processes:
//   node bench/cold-start-parts.mjs        (BENCH_PROCESSES=15; run npm's build first)
// Floors: importing a data: module (the cold-start benchmark's floor) and an empty file (what any
// package pays on top: the ESM file loader). Then, in one process each: node:fs as the Node entry
// gets it (`process.getBuiltinModule`, without the ES module view of node:fs), the wasm-bindgen
// glue, reading the .wasm, compiling it (`new WebAssembly.Module`, as initSync does), instantiating
// it, and the bundled entry with its wasm initialisation cut out (the package's own JS and the
// builtins it imports).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const processes = Number(process.env.BENCH_PROCESSES ?? 15);
const glue = pathToFileURL(join(root, "npm", "wasm", "batch_router_wasm.js")).href;
const wasm = join(root, "npm", "wasm", "batch_router_wasm_bg.wasm");
const entry = join(root, "npm", "dist", "index.js");

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const timed = (script) => JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
const importTime = (specifier) =>
  `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(JSON.stringify(performance.now() - t));`;

// The entry's JS without its wasm: a copy beside it (so its relative imports resolve) whose
// initSync call is removed.
const source = readFileSync(entry, "utf8");
const initCall = /^initSync\(.*\);$/m;
if (!initCall.test(source)) throw new Error(`no initSync call found in ${entry}`);
const withoutWasm = join(root, "npm", "dist", `.cold-start-parts-${process.pid}.js`);
writeFileSync(withoutWasm, source.replace(initCall, ""));
const scratch = mkdtempSync(join(tmpdir(), "cold-start-parts-"));
const empty = join(scratch, "empty.mjs");
writeFileSync(empty, "export default 1;\n");

const wasmSteps = `
const marks = [performance.now()];
const { readFileSync } = process.getBuiltinModule("node:fs"); marks.push(performance.now());
const glue = await import(${JSON.stringify(glue)}); marks.push(performance.now());
const bytes = readFileSync(${JSON.stringify(wasm)}); marks.push(performance.now());
const module = new WebAssembly.Module(bytes); marks.push(performance.now());
glue.initSync({ module }); marks.push(performance.now());
process.stdout.write(JSON.stringify(marks.slice(1).map((mark, index) => mark - marks[index])));`;

const samples = { data: [], empty: [], entry: [], withoutWasm: [], steps: [] };
try {
  for (let run = 0; run < processes; run++) {
    samples.data.push(timed(importTime("data:text/javascript,export default 1")));
    samples.empty.push(timed(importTime(pathToFileURL(empty).href)));
    samples.entry.push(timed(importTime(pathToFileURL(entry).href)));
    samples.withoutWasm.push(timed(importTime(pathToFileURL(withoutWasm).href)));
    samples.steps.push(timed(wasmSteps));
  }
} finally {
  rmSync(withoutWasm, { force: true });
  rmSync(scratch, { recursive: true, force: true });
}

const rows = [
  ["import a data: module (the benchmark's floor)", median(samples.data)],
  ["import an empty file", median(samples.empty)],
  ["import npm/dist/index.js (the whole cold start)", median(samples.entry)],
  ["import index.js without its wasm init (JS + builtins)", median(samples.withoutWasm)],
  ...["node:fs as the entry gets it (process.getBuiltinModule)", "import the wasm-bindgen glue (the first file import)", "read the .wasm", "compile (new WebAssembly.Module)", "instantiate (initSync)"].map(
    (name, index) => [`  ${name}`, median(samples.steps.map((steps) => steps[index]))],
  ),
];
console.log(`Cold start parts in Node ${process.version}, median of ${processes} fresh processes each (ms)`);
for (const [name, ms] of rows) console.log(`${ms.toFixed(2).padStart(7)}  ${name}`);
