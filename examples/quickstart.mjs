#!/usr/bin/env node
/**
 * Quick start: send the requests of examples/quickstart.jsonl through OpenAI's Batch API, wait until
 * the batch has ended, and print each answer.
 *
 *   OPENAI_API_KEY=sk-... node examples/quickstart.mjs
 *
 * Environment:
 *   OPENAI_API_KEY         your key (required)
 *   OPENAI_BASE_URL        another OpenAI-compatible server (optional; includes /v1)
 *   EXAMPLE_POLL_SECONDS   seconds between status checks (default 60; batches take minutes to hours)
 *
 * Every request and answer is also kept under .batch_router/generated/openai/.
 */
import { readFile } from "node:fs/promises";
import process from "node:process";

import { OpenAIProvider } from "batch-router";

const pollSeconds = Number(process.env.EXAMPLE_POLL_SECONDS ?? 60);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function main() {
  // Unified JSONL: one request per line (see the README's "The unified request").
  const text = await readFile(new URL("./quickstart.jsonl", import.meta.url), "utf8");
  const requests = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));

  const provider = new OpenAIProvider(); // reads OPENAI_API_KEY and OPENAI_BASE_URL
  const batchId = await provider.sendBatch({ provider: "openai", requests });
  console.log(`submitted ${requests.length} requests as ${batchId}`);

  let status = await provider.getStatus(batchId);
  while (!status.isComplete()) {
    console.log(`status: ${status.status} (${status.rawStatus})`);
    await sleep(pollSeconds);
    status = await provider.getStatus(batchId);
  }
  const counts = status.requestCounts;
  console.log(`batch ${status.status}: ${counts.succeeded} succeeded, ${counts.errored} errored of ${counts.total}`);
  if (status.status === "failed") {
    for (const error of status.errors ?? []) console.log(`batch error: ${error.message}`);
    process.exitCode = 1;
    return;
  }

  // Results stream in as they are downloaded; they come in no particular order.
  for await (const result of provider.getResults(batchId)) {
    if (result.status === "succeeded") console.log(`${result.customId}: ${result.response.text}`);
    else console.log(`${result.customId}: ${result.status}: ${result.error?.message ?? ""}`);
  }
  console.log(`files: .batch_router/generated/openai/batch_${batchId}_*`);
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
