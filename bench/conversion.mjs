// Conversion of unified JSONL text into each provider's JSONL text: through the package (wasm) in
// Node, and through the native core, each as a ratio of the floor — a bare JSON.parse +
// JSON.stringify pass over the same lines in the same process.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { dryRun } from "batch-router";

import { unifiedRequests } from "./generate.mjs";

const PROVIDERS = ["openai", "anthropic", "google", "mistral", "vllm"];
// OpenAI takes 50,000 requests per batch: every provider converts the same slices of this size, as
// one job would be split into batches.
const SLICE = 50_000;

function slices(text) {
  const lines = text.split("\n").filter((line) => line !== "");
  const parts = [];
  for (let start = 0; start < lines.length; start += SLICE) parts.push(lines.slice(start, start + SLICE).join("\n") + "\n");
  return parts;
}

function best(repeats, work) {
  let fastest = Infinity;
  for (let run = 0; run < repeats; run++) {
    const started = performance.now();
    work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

async function bestAsync(repeats, work) {
  let fastest = Infinity;
  for (let run = 0; run < repeats; run++) {
    const started = performance.now();
    await work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

function floor(text) {
  const lines = text.split("\n");
  const out = new Array(lines.length);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    out[index] = line === "" ? "" : JSON.stringify(JSON.parse(line));
  }
  return out.join("\n");
}

export async function benchConversion({ count = 100_000, repeats = 5, root }) {
  const rows = [];
  const directory = mkdtempSync(join(tmpdir(), "batch-router-bench-"));
  for (const variant of ["text", "multimodal"]) {
    const text = unifiedRequests(count, { multimodal: variant === "multimodal" });
    const parts = slices(text);
    const file = join(directory, `${variant}.jsonl`);
    writeFileSync(file, text);
    floor(text); // warm up
    const floorMs = best(repeats, () => floor(text));
    for (const provider of PROVIDERS) {
      const options = { name: "bench" };
      const convertAll = async () => {
        for (const part of parts) await dryRun(provider, part, options);
      };
      await convertAll(); // warm up
      const packageMs = await bestAsync(repeats, convertAll);
      const native = JSON.parse(
        execFileSync(join(root, "target", "release", "examples", "convert_file"), [file, provider, String(repeats)], {
          encoding: "utf8",
        }),
      );
      rows.push({
        variant,
        provider,
        floorMs,
        packageMs,
        nativeMs: native.milliseconds,
        packageRatio: packageMs / floorMs,
        nativeRatio: native.milliseconds / floorMs,
      });
    }
  }
  return { count, megabytes: unifiedRequests(1).length * count / 1e6, rows };
}
