#!/usr/bin/env node
// Runs every benchmark and prints ratios against baselines measured in the same run.
//   node bench/run.mjs [conversion|decode|cold-start|peers|sidecar ...]
//   (BENCH_COUNT=100000 requests, BENCH_DECODE_MB=1024, BENCH_SIDECAR_LINES=1000000, BENCH_RUNS=3)
// Conversion, decode and cold start run BENCH_RUNS times; each figure is the median of the runs,
// and each ratio is printed as "median (lowest–highest)": the spread says how far to trust it.
// Targets (issue 18): conversion ≤ 1.0× the floor; decode ≥ 1.0× the floor's MB/s with peak memory
// at most the floor's + 10 MB whatever the file size; cold start ≤ 10 ms over the floor and the
// module ≤ 220 KB gzipped; the fastest of the peers; sidecar memory flat in the file size.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { benchColdStart } from "./cold-start.mjs";
import { benchConversion } from "./conversion.mjs";
import { benchDecode } from "./decode.mjs";
import { benchPeers } from "./peers.mjs";
import { benchSidecar } from "./sidecar.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const count = Number(process.env.BENCH_COUNT ?? 100_000);
const decodeMegabytes = Number(process.env.BENCH_DECODE_MB ?? 1024);
const sidecarLines = Number(process.env.BENCH_SIDECAR_LINES ?? 1_000_000);
const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const fixed = (value, digits = 1) => value.toFixed(digits);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Runs `work` `runs` times; returns its rows with every number the median over the runs, and `spread[key]` = [lowest, highest]. */
async function repeated(work) {
  const all = [];
  for (let run = 0; run < runs; run++) all.push(await work());
  return all[0].map((row, index) => {
    const merged = { ...row, spread: {} };
    for (const [key, value] of Object.entries(row)) {
      if (typeof value !== "number") continue;
      const values = all.map((rows) => rows[index][key]);
      merged[key] = median(values);
      merged.spread[key] = [Math.min(...values), Math.max(...values)];
    }
    return merged;
  });
}

/** "median (lowest–highest)" of a ratio or a figure. */
const withSpread = (row, key, digits = 2, unit = "") =>
  runs === 1 ? `${fixed(row[key], digits)}${unit}` : `${fixed(row[key], digits)}${unit} (${fixed(row.spread[key][0], digits)}–${fixed(row.spread[key][1], digits)})`;

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
  const rows = await repeated(async () => (await benchConversion({ count, root })).rows);
  console.log(`Conversion of ${count} unified requests (JSONL text → provider JSONL text); floor = JSON.parse + JSON.stringify per line; median (spread) of ${runs} runs`);
  table(
    ["variant", "provider", "floor ms", "package ms", "package/floor", "native ms", "native/floor", "target ≤1.0×"],
    rows.map((row) => [row.variant, row.provider, fixed(row.floorMs), fixed(row.packageMs), withSpread(row, "packageRatio", 2, "×"), fixed(row.nativeMs), withSpread(row, "nativeRatio", 2, "×"), row.packageRatio <= 1 ? "met" : "missed"]),
  );
}

if (wanted("decode")) {
  const rows = await repeated(() => benchDecode({ megabytes: decodeMegabytes }));
  console.log(`Streaming decode of provider output files into unified results (getResults, storage off); floor = JSON.parse per line; median (spread) of ${runs} runs`);
  // Targets (issue 18): at least the floor's throughput, peak memory at most the floor's + 10 MB.
  table(
    ["provider", "file MB", "results", "MB/s", "floor MB/s", "MB/s / floor", "peak RSS MB", "floor peak MB", "target ≥1.0×, ≤ floor + 10 MB"],
    rows.map((row) => [row.provider, row.megabytes, row.results, withSpread(row, "megabytesPerSecond", 1), withSpread(row, "floorMegabytesPerSecond", 1), fixed(row.megabytesPerSecond / row.floorMegabytesPerSecond, 2) + "×", fixed(row.peakRssMegabytes), fixed(row.floorPeakRssMegabytes), row.megabytesPerSecond >= row.floorMegabytesPerSecond && row.peakRssMegabytes <= row.floorPeakRssMegabytes + 10 ? "met" : "missed"]),
  );
}

if (wanted("cold-start")) {
  const [result] = await repeated(() => {
    const one = benchColdStart({ root });
    return [{ ...one, overFloorMs: one.coldStartMs - one.floorMs, overFileFloorMs: one.coldStartMs - one.fileFloorMs }];
  });
  console.log(`Wasm size and cold start in Node (import + init, median of 15 fresh processes); floor = importing an empty module (data: URL; and an empty file, which also loads Node's file loader); median (spread) of ${runs} runs`);
  table(
    ["wasm bytes", "gzip bytes", "target ≤220 KB gzip", "cold start ms", "floor ms", "start minus floor", "target ≤10 ms", "empty-file floor ms", "start minus file floor"],
    [[result.wasmBytes, result.wasmGzipBytes, result.wasmGzipBytes <= 220_000 ? "met" : "missed", withSpread(result, "coldStartMs", 1), withSpread(result, "floorMs", 1), withSpread(result, "overFloorMs", 1), result.overFloorMs <= 10 ? "met" : "missed", withSpread(result, "fileFloorMs", 1), withSpread(result, "overFileFloorMs", 1)]],
  );
}

if (wanted("peers")) {
  const rows = await repeated(() => benchPeers({ count }));
  const ours = rows.find((row) => row.tool.startsWith("batch-router"));
  console.log(`Peers: preparing and uploading ${count} requests to OpenAI, the upload stopped at an injected fetch; median (spread) of ${runs} runs`);
  table(
    ["tool", "ms", "upload bytes", "ms / batch-router"],
    rows.map((row) => [row.tool, withSpread(row, "ms", 0), Number.isNaN(row.bytes) ? "-" : row.bytes, Number.isNaN(row.ms) ? "-" : fixed(row.ms / ours.ms, 2) + "×"]),
  );
  const fastest = rows.filter((row) => !row.tool.startsWith("floor") && !Number.isNaN(row.ms)).every((row) => row.ms >= ours.ms);
  console.log(`batch-router the fastest of the peers measured (target): ${fastest ? "met" : "missed"}; batchwork: not installable from the npm registry\n`);
}

if (wanted("sidecar")) {
  const { uploads, load } = await benchSidecar({ root, lines: sidecarLines });
  console.log("Sidecar upload (multipart, streamed to disk): peak memory of the sidecar process (VmHWM)");
  table(
    ["lines", "file MB", "seconds", "idle MB", "peak MB"],
    uploads.map((row) => [row.lines, fixed(row.megabytes), fixed(row.seconds, 2), fixed(row.idleMegabytes), fixed(row.peakMegabytes)]),
  );
  const flat = uploads.length === 2 && uploads[1].peakMegabytes < uploads[0].peakMegabytes * 1.5;
  console.log(`memory flat in the file size (target): ${flat ? "met" : "missed"}\n`);
  console.log(`Sidecar status latency, ${load.clients} concurrent clients on loopback; floor = the same load on /health`);
  table(
    ["endpoint", "requests/s", "p50 ms", "p99 ms"],
    [
      ["/health (floor)", fixed(load.floor.perSecond, 0), fixed(load.floor.p50, 2), fixed(load.floor.p99, 2)],
      ["GET /v1/batches/{id}", fixed(load.status.perSecond, 0), fixed(load.status.p50, 2), fixed(load.status.p99, 2)],
    ],
  );
  console.log(`status p50 / floor p50: ${fixed(load.status.p50 / load.floor.p50, 2)}×\n`);
}
