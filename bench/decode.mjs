// Streaming decode of large provider output files into unified results: throughput and peak memory.
// OpenAI's file at two sizes, to show memory stays flat; Anthropic's and Gemini's at the smaller
// size. The floor: reading the same file with JSON.parse per line in the same kind of process.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { writeOutput } from "./generate.mjs";

const here = dirname(fileURLToPath(import.meta.url));

function runWorker(script, ...args) {
  return JSON.parse(execFileSync(process.execPath, [join(here, script), ...args], { encoding: "utf8", maxBuffer: 1 << 20 }));
}

export async function benchDecode({ megabytes = 1024 }) {
  const directory = mkdtempSync(join(tmpdir(), "batch-router-decode-"));
  const small = Math.max(16, Math.round(megabytes / 8));
  const files = [
    ["openai", small],
    ["openai", megabytes],
    ["anthropic", small],
    ["google", small],
  ];
  const rows = [];
  try {
    for (const [provider, size] of files) {
      const file = join(directory, `${provider}-${size}.jsonl`);
      const { lines } = await writeOutput(provider, file, size);
      const floor = runWorker("decode-floor-worker.mjs", file);
      const measured = runWorker("decode-worker.mjs", file, provider);
      if (measured.succeeded !== lines) throw new Error(`${provider}: ${measured.succeeded} of ${lines} results succeeded`);
      rows.push({ provider, megabytes: size, lines, ...measured, floorMegabytesPerSecond: floor.megabytesPerSecond, floorPeakRssMegabytes: floor.peakRssMegabytes });
      rmSync(file);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return rows;
}
