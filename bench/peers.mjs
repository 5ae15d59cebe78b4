// Peers side by side: what a user would pick instead of batch-router, each preparing and uploading
// the same requests to OpenAI, its upload stopped at an injected fetch (the time is from the call
// to the moment the upload's body has been read). Floor: JSON.stringify of the OpenAI lines a
// hand-written script would build.
//   - batch-router: OpenAIProvider.sendBatch (storage off), chat lines.
//   - Vercel AI SDK (`ai` + `@ai-sdk/openai`, development dependencies of the bench):
//     experimental_startBatch with the OpenAI provider's experimental batch API, which sends
//     Responses lines (the only endpoint it batches).
//   - batchwork: not installable from the npm registry (404 on 2026-11-30), so it has no column.
//   - The seed (Python `batch-router` 0.2.9 from PyPI, in .venv-seed made by scripts/setup.sh where
//     Python 3.12+ exists): bench/peers_seed.py, in its own process; absent venv, no column.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { OpenAIProvider } from "batch-router";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const seedPython = join(root, ".venv-seed", "bin", "python");

const UPLOAD_STOPPED = "upload stopped by the benchmark";

/** A fetch that reads the upload's body, records when it was read, then stops the run. */
function stoppingFetch(seen) {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    if (new URL(request.url).pathname.endsWith("/files") && request.method === "POST") {
      seen.bytes = (await request.arrayBuffer()).byteLength;
      seen.at = performance.now();
      throw new Error(UPLOAD_STOPPED);
    }
    throw new Error(`unexpected request before the upload: ${request.method} ${request.url}`);
  };
}

// OpenAI takes 50,000 requests per batch: every tool sends the same slices, one batch each.
const SLICE = 50_000;

function slices(items) {
  const parts = [];
  for (let start = 0; start < items.length; start += SLICE) parts.push(items.slice(start, start + SLICE));
  return parts;
}

/** Runs `work(fetch, slice)` for every slice; the time and bytes of all the uploads together. */
async function timed(items, work) {
  let ms = 0;
  let bytes = 0;
  for (const slice of slices(items)) {
    const seen = { bytes: 0, at: 0 };
    const started = performance.now();
    try {
      await work(stoppingFetch(seen), slice);
    } catch (error) {
      if (seen.at === 0) throw error;
    }
    if (seen.at === 0) throw new Error("the upload was never reached");
    ms += seen.at - started;
    bytes += seen.bytes;
  }
  return { ms, bytes };
}

/** The same `count` text requests in each tool's own shape. */
function requests(count) {
  const unified = [];
  const aiSdk = [];
  for (let index = 0; index < count; index++) {
    const question = `Question ${index}: summarise the main idea of paragraph ${index % 97} in two sentences, please.`;
    const system = "You are a careful assistant. Answer briefly and precisely.";
    unified.push({ customId: `request-${index}`, model: "gpt-4o-mini", systemPrompt: system, messages: [{ role: "user", content: question }], generationConfig: { maxTokens: 256, temperature: 0.2 } });
    aiSdk.push({ id: `request-${index}`, type: "text", model: "gpt-4o-mini", system, prompt: question, maxOutputTokens: 256, temperature: 0.2 });
  }
  return { unified, aiSdk };
}

function floor(unified) {
  const started = performance.now();
  let bytes = 0;
  for (const request of unified) {
    const line = JSON.stringify({
      custom_id: request.customId,
      method: "POST",
      url: "/v1/chat/completions",
      body: { model: request.model, messages: [{ role: "system", content: request.systemPrompt }, ...request.messages], max_tokens: 256, temperature: 0.2 },
    });
    bytes += line.length + 1;
  }
  return { ms: performance.now() - started, bytes };
}

export async function benchPeers({ count }) {
  const { unified, aiSdk } = requests(count);
  const rows = [];
  rows.push({ tool: "floor (JSON.stringify of OpenAI lines)", ...floor(unified) });
  rows.push({
    tool: "batch-router (OpenAIProvider.sendBatch)",
    ...(await timed(unified, (fetch, slice) => new OpenAIProvider({ apiKey: "sk-bench", storage: false, fetch }).sendBatch({ provider: "openai", requests: slice }))),
  });
  let ai;
  try {
    ai = { ...(await import("ai")), ...(await import("@ai-sdk/openai")) };
  } catch {
    rows.push({ tool: "Vercel AI SDK: not installed (npm ci installs it)", ms: NaN, bytes: NaN });
  }
  if (ai) {
    rows.push({
      tool: "Vercel AI SDK (experimental_startBatch, @ai-sdk/openai)",
      ...(await timed(aiSdk, (fetch, slice) => ai.experimental_startBatch({ provider: ai.createOpenAI({ apiKey: "sk-bench", fetch }), requests: slice }))),
    });
  }
  if (existsSync(seedPython)) {
    const seed = JSON.parse(execFileSync(seedPython, [join(root, "bench", "peers_seed.py"), String(count)], { encoding: "utf8" }));
    rows.push({ tool: "the seed (Python batch-router 0.2.9, send_batch)", ...seed });
  } else {
    rows.push({ tool: "the seed: no .venv-seed (needs Python 3.12+)", ms: NaN, bytes: NaN });
  }
  return rows;
}
