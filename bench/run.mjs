#!/usr/bin/env node
// Runs every benchmark and prints ratios against baselines measured in the same run.
//   node bench/run.mjs            (BENCH_COUNT=100000 requests, BENCH_DECODE_MB=1024)
// Targets (issue "Every runtime…"): conversion ≤ 1.0× the floor; decode ≥ 200 MB/s with peak memory
// under 150 MB whatever the file size; cold start under 30 ms; sidecar memory flat in the file size.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { benchColdStart } from "./cold-start.mjs";
import { benchConversion } from "./conversion.mjs";
import { benchDecode } from "./decode.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const count = Number(process.env.BENCH_COUNT ?? 100_000);
const decodeMegabytes = Number(process.env.BENCH_DECODE_MB ?? 1024);
const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);
const fixed = (value, digits = 1) => value.toFixed(digits);

function table(headers, rows) {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join("  ");
  console.log(line(headers));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of rows) console.log(line(row));
  console.log();
}

if (wanted("conversion")) {
  execFileSync("cargo", ["build", "--release", "-q", "-p", "batch-router-core", "--example", "convert_file"], { cwd: root, stdio: "inherit" });
  const { rows } = await benchConversion({ count, root });
  console.log(`Conversion of ${count} unified requests (JSONL text → provider JSONL text); floor = JSON.parse + JSON.stringify per line`);
  table(
    ["variant", "provider", "floor ms", "package ms", "package/floor", "native ms", "native/floor", "target ≤1.0×"],
    rows.map((row) => [row.variant, row.provider, fixed(row.floorMs), fixed(row.packageMs), fixed(row.packageRatio, 2) + "×", fixed(row.nativeMs), fixed(row.nativeRatio, 2) + "×", row.packageRatio <= 1 ? "met" : "missed"]),
  );
}

if (wanted("decode")) {
  const rows = await benchDecode({ megabytes: decodeMegabytes });
  console.log("Streaming decode of an OpenAI output file into unified results (OpenAIProvider.getResults, storage off); floor = JSON.parse per line");
  table(
    ["file MB", "results", "MB/s", "floor MB/s", "peak RSS MB", "floor peak MB", "target ≥200 MB/s, <150 MB"],
    rows.map((row) => [row.megabytes, row.results, fixed(row.megabytesPerSecond), fixed(row.floorMegabytesPerSecond), fixed(row.peakRssMegabytes), fixed(row.floorPeakRssMegabytes), row.megabytesPerSecond >= 200 && row.peakRssMegabytes < 150 ? "met" : "missed"]),
  );
}

if (wanted("cold-start")) {
  const result = benchColdStart({ root });
  console.log("Wasm size and cold start in Node (import + init, median of 15 fresh processes); floor = importing an empty module");
  table(
    ["wasm bytes", "gzip bytes", "cold start ms", "floor ms", "start minus floor", "target <30 ms"],
    [[result.wasmBytes, result.wasmGzipBytes, fixed(result.coldStartMs), fixed(result.floorMs), fixed(result.coldStartMs - result.floorMs), result.coldStartMs < 30 ? "met" : "missed"]],
  );
}
