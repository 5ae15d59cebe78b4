#!/usr/bin/env node
/**
 * A long job with progress: submit many requests, then poll `getStatus` with a growing interval and
 * report progress through a callback. The batch id is all the state there is: stop waiting with
 * Ctrl-C (the batch keeps running at the provider) and resume later by passing the id.
 *
 *   node examples/long-job-progress.mjs openai               # submit, then wait
 *   node examples/long-job-progress.mjs openai batch_abc123  # resume waiting for a batch
 *
 * Environment: the provider's key and optional base URL (as in switch-providers.mjs), its model
 * (OPENAI_MODEL, ANTHROPIC_MODEL, GEMINI_MODEL, MISTRAL_MODEL), EXAMPLE_REQUESTS (default 500),
 * EXAMPLE_POLL_SECONDS (first interval, default 30; it grows to 10 minutes).
 */
import process from "node:process";

import { AbortError, AnthropicProvider, GoogleProvider, MistralProvider, OpenAIProvider } from "batch-router";

const environment = process.env;

const PROVIDERS = {
  openai: { create: () => new OpenAIProvider(), model: environment.OPENAI_MODEL ?? "gpt-4o-mini" },
  anthropic: { create: () => new AnthropicProvider(), model: environment.ANTHROPIC_MODEL ?? "claude-haiku-4-5" },
  google: { create: () => new GoogleProvider(), model: environment.GEMINI_MODEL ?? "gemini-2.5-flash" },
  mistral: { create: () => new MistralProvider(), model: environment.MISTRAL_MODEL ?? "mistral-small-latest" },
};

/** Resolves after `milliseconds`, or rejects with AbortError as soon as `signal` fires. */
function sleep(milliseconds, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Polls until the batch has ended and resolves to its final status. `onProgress` sees every status
 * read; the interval grows by half each time, up to `maxIntervalMs`, since long batches take hours.
 */
async function waitForBatch(provider, batchId, { onProgress, signal, intervalMs = 30_000, maxIntervalMs = 600_000 } = {}) {
  let interval = intervalMs;
  for (;;) {
    const status = await provider.getStatus(batchId, { signal });
    onProgress?.(status);
    if (status.isComplete()) return status;
    await sleep(interval, signal);
    interval = Math.min(interval * 1.5, maxIntervalMs);
  }
}

function elapsedSince(start) {
  const seconds = Math.floor((Date.now() - start) / 1000);
  const pad = (value) => String(value).padStart(2, "0");
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

async function main() {
  const [name = "openai", resumeId] = process.argv.slice(2);
  if (!(name in PROVIDERS)) throw new Error(`unknown provider "${name}"; expected ${Object.keys(PROVIDERS).join(", ")}`);
  const { create, model } = PROVIDERS[name];
  const provider = create();

  let batchId = resumeId;
  if (batchId === undefined) {
    const count = Number(environment.EXAMPLE_REQUESTS ?? 500);
    const requests = Array.from({ length: count }, (_, index) => ({
      customId: `fact-${index + 1}`,
      model,
      messages: [{ role: "user", content: `State one interesting fact about the number ${index + 1}.` }],
      generationConfig: { maxTokens: 60 },
    }));
    batchId = await provider.sendBatch({ provider: name, requests, metadata: { job: "long-job-example" } });
    console.log(`submitted ${count} requests as ${batchId}`);
  } else {
    console.log(`resuming ${batchId}`);
  }

  // Ctrl-C stops waiting, not the batch: say how to resume.
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.on("SIGINT", onInterrupt);

  const started = Date.now();
  let lastLine = "";
  const onProgress = (status) => {
    const counts = status.requestCounts;
    const done = counts.succeeded + counts.errored + counts.cancelled + counts.expired;
    const percent = counts.total > 0 ? Math.floor((100 * done) / counts.total) : 0;
    const line = `${status.status} (${status.rawStatus}): ${done}/${counts.total} done (${percent}%), ${counts.succeeded} succeeded, ${counts.errored} errored`;
    if (line !== lastLine) console.log(`[${elapsedSince(started)}] ${line}`);
    lastLine = line;
  };

  let status;
  try {
    status = await waitForBatch(provider, batchId, {
      onProgress,
      signal: controller.signal,
      intervalMs: Number(environment.EXAMPLE_POLL_SECONDS ?? 30) * 1000,
    });
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    console.log(`stopped waiting; the batch keeps running. Resume with: node examples/long-job-progress.mjs ${name} ${batchId}`);
    process.exit(130);
  } finally {
    process.off("SIGINT", onInterrupt);
  }

  if (status.status === "failed") {
    for (const error of status.errors ?? []) console.log(`batch error: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  // Count the results as they stream in; they are also written to the transparency files.
  const tally = { succeeded: 0, errored: 0, cancelled: 0, expired: 0 };
  let first;
  for await (const result of provider.getResults(batchId)) {
    tally[result.status] += 1;
    first ??= result;
  }
  console.log(`results: ${tally.succeeded} succeeded, ${tally.errored} errored, ${tally.cancelled} cancelled, ${tally.expired} expired`);
  if (first?.response) console.log(`for example ${first.customId}: ${first.response.text.replaceAll("\n", " ")}`);
  console.log(`all results: .batch_router/generated/${name}/batch_${batchId.replaceAll("/", "_")}_results.jsonl`);
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
