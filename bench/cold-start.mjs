// The wasm module's size (raw and gzip) and the package's cold start in Node (import + wasm init),
// against the floor: a fresh Node process importing an empty module.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function importTime(specifier, cwd) {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8" }));
}

// Two floors: an empty module given as a data: URL (the floor), and an empty module in a
// file, which also pays for Node's file loader and so is what any installed package starts from.
export function benchColdStart({ root, runs = 15 }) {
  const wasm = join(root, "npm", "wasm", "batch_router_wasm_bg.wasm");
  const directory = mkdtempSync(join(tmpdir(), "batch-router-cold-"));
  const emptyFile = join(directory, "empty.mjs");
  writeFileSync(emptyFile, "export default 1;\n");
  const packageTimes = [];
  const floorTimes = [];
  const fileFloorTimes = [];
  try {
    for (let run = 0; run < runs; run++) {
      packageTimes.push(importTime("batch-router", root));
      floorTimes.push(importTime("data:text/javascript,export default 1", root));
      fileFloorTimes.push(importTime(pathToFileURL(emptyFile).href, root));
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return {
    wasmBytes: statSync(wasm).size,
    wasmGzipBytes: gzipSync(readFileSync(wasm)).length,
    coldStartMs: median(packageTimes),
    floorMs: median(floorTimes),
    fileFloorMs: median(fileFloorTimes),
  };
}
