#!/usr/bin/env node
/**
 * Local vLLM: `VLLMProvider` starts `batch-router-sidecar`, which runs `vllm run-batch` behind the
 * same files-and-batches API as OpenAI, so the calls are the ones you would make to a cloud provider
 * — and vLLM takes settings OpenAI does not, such as `topK`. `close()` stops the sidecar.
 *
 *   cargo build --release -p batch-router-sidecar
 *   BATCH_ROUTER_SIDECAR=target/release/batch-router-sidecar node examples/vllm-sidecar.mjs
 *
 * Environment:
 *   BATCH_ROUTER_SIDECAR   the sidecar binary (default: batch-router-sidecar on PATH)
 *   VLLM_COMMAND           the vllm executable the sidecar runs (default: vllm)
 *   VLLM_MODEL             a model vLLM can load (default Qwen/Qwen2.5-1.5B-Instruct)
 *   VLLM_BASE_URL          a sidecar that is already running (e.g. http://127.0.0.1:8800/v1); then none
 *                          is started
 *   EXAMPLE_POLL_SECONDS   seconds between status checks (default 10)
 */
import process from "node:process";

import { VLLMProvider } from "batch-router";

const environment = process.env;
const pollSeconds = Number(environment.EXAMPLE_POLL_SECONDS ?? 10);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const model = environment.VLLM_MODEL ?? "Qwen/Qwen2.5-1.5B-Instruct";

async function main() {
  const provider = new VLLMProvider({
    baseUrl: environment.VLLM_BASE_URL,
    vllmCommand: environment.VLLM_COMMAND ?? "vllm",
    // Passed to `vllm run-batch`, e.g. ["--tensor-parallel-size", "2"] on two GPUs.
    additionalArgs: ["--max-model-len", "4096"],
  });
  try {
    const requests = ["a lighthouse", "a library", "a volcano"].map((subject, index) => ({
      customId: `haiku-${index + 1}`,
      model,
      systemPrompt: "You write haiku.",
      messages: [{ role: "user", content: `Write a haiku about ${subject}.` }],
      generationConfig: { maxTokens: 60, temperature: 0.7, topK: 50 },
    }));
    const batchId = await provider.sendBatch({ provider: "vllm", requests });
    console.log(`submitted ${batchId} to ${provider.sidecarUrl ?? environment.VLLM_BASE_URL}`);

    let status = await provider.getStatus(batchId);
    while (!status.isComplete()) {
      console.log(`status: ${status.status} (${status.rawStatus})`);
      await sleep(pollSeconds);
      status = await provider.getStatus(batchId);
    }
    console.log(`batch ${status.status}: ${status.requestCounts.succeeded} succeeded, ${status.requestCounts.errored} errored`);
    for await (const result of provider.getResults(batchId)) {
      const answer = result.status === "succeeded" ? result.response.text : result.error?.message ?? "";
      console.log(`${result.customId}: ${result.status}: ${answer.replaceAll("\n", " / ")}`);
    }
  } finally {
    await provider.close();
  }
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
