// Streaming decode of a large OpenAI output file into unified results: throughput and peak memory,
// at two file sizes to show memory stays flat. The floor: reading the same file with JSON.parse per
// line in the same kind of process.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { writeOpenAIOutput } from "./generate.mjs";

const here = dirname(fileURLToPath(import.meta.url));

function runWorker(script, file) {
  return JSON.parse(execFileSync(process.execPath, [join(here, script), file], { encoding: "utf8", maxBuffer: 1 << 20 }));
}

export async function benchDecode({ megabytes = 1024 }) {
  const directory = mkdtempSync(join(tmpdir(), "batch-router-decode-"));
  const rows = [];
  try {
    for (const size of [Math.max(16, Math.round(megabytes / 8)), megabytes]) {
      const file = join(directory, `output-${size}.jsonl`);
      const { lines } = await writeOpenAIOutput(file, size);
      const floor = runWorker("decode-floor-worker.mjs", file);
      const measured = runWorker("decode-worker.mjs", file);
      rows.push({ megabytes: size, lines, ...measured, floorMegabytesPerSecond: floor.megabytesPerSecond, floorPeakRssMegabytes: floor.peakRssMegabytes });
      rmSync(file);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return rows;
}
