// The wasm module's size (raw and gzip) and the package's cold start in Node (import + wasm init),
// against the floor: a fresh Node process importing an empty module.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function importTime(specifier, cwd) {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8" }));
}

export function benchColdStart({ root, runs = 15 }) {
  const wasm = join(root, "npm", "wasm", "batch_router_wasm_bg.wasm");
  const packageTimes = [];
  const floorTimes = [];
  for (let run = 0; run < runs; run++) {
    packageTimes.push(importTime("batch-router", root));
    floorTimes.push(importTime("data:text/javascript,export default 1", root));
  }
  return {
    wasmBytes: statSync(wasm).size,
    wasmGzipBytes: gzipSync(readFileSync(wasm)).length,
    coldStartMs: median(packageTimes),
    floorMs: median(floorTimes),
  };
}
