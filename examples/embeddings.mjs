#!/usr/bin/env node
/**
 * Embeddings through the batch APIs: a small corpus and a question are embedded in one batch
 * (`endpoint: "embeddings"`) by every provider named on the command line, then the corpus is ranked
 * by cosine similarity to the question.
 *
 *   node examples/embeddings.mjs openai google mistral
 *   node examples/embeddings.mjs vllm        # local vLLM through the sidecar (see vllm-sidecar.mjs)
 *
 * The request shape is the same everywhere: `{ customId, model, input, dimensions?, taskType? }`,
 * and so is the result: one vector per input text, in input order. OpenAI, Mistral and vLLM take
 * several texts per line; Gemini embeds one text per request, so batch-router sends the corpus
 * there as one line per text and merges the answers back into one result. `taskType` is Gemini's only.
 *
 * Environment: each provider's key and optional base URL (OPENAI_API_KEY, OPENAI_BASE_URL,
 * GOOGLE_API_KEY or GEMINI_API_KEY, GEMINI_BASE_URL, MISTRAL_API_KEY, MISTRAL_BASE_URL); the models
 * OPENAI_EMBEDDING_MODEL, GEMINI_EMBEDDING_MODEL, MISTRAL_EMBEDDING_MODEL, VLLM_MODEL (an embedding
 * model); for vLLM, BATCH_ROUTER_SIDECAR and VLLM_COMMAND; EXAMPLE_POLL_SECONDS (default 60).
 */
import process from "node:process";

import { GoogleProvider, MistralProvider, OpenAIProvider, VLLMProvider } from "batch-router";

const environment = process.env;
const pollSeconds = Number(environment.EXAMPLE_POLL_SECONDS ?? 60);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

const CORPUS = [
  "Batch APIs process large jobs asynchronously at half the price.",
  "The Eiffel Tower is in Paris.",
  "Embeddings map texts to vectors; similar texts get nearby vectors.",
  "Rust compiles to WebAssembly.",
];
const QUESTION = "Which sentence is about vectors for texts?";

const PROVIDERS = {
  openai: { create: () => new OpenAIProvider(), model: environment.OPENAI_EMBEDDING_MODEL ?? "text-embedding-3-small" },
  google: { create: () => new GoogleProvider(), model: environment.GEMINI_EMBEDDING_MODEL ?? "gemini-embedding-001" },
  mistral: { create: () => new MistralProvider(), model: environment.MISTRAL_EMBEDDING_MODEL ?? "mistral-embed" },
  vllm: {
    create: () => new VLLMProvider({ vllmCommand: environment.VLLM_COMMAND ?? "vllm" }),
    model: environment.VLLM_MODEL ?? "intfloat/e5-small-v2",
  },
};

/** The corpus as one request (one vector per text) and the question. */
function requestsFor(name, { model }) {
  const task = (taskType) => (name === "google" ? { taskType } : {});
  return [
    { customId: "corpus", model, input: CORPUS, ...task("retrieval_document") },
    { customId: "question", model, input: QUESTION, ...task("retrieval_query") },
  ];
}

function cosine(a, b) {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index] * b[index];
    normA += a[index] * a[index];
    normB += b[index] * b[index];
  }
  return dot / Math.sqrt(normA * normB);
}

async function runOn(name) {
  const settings = PROVIDERS[name];
  let provider;
  try {
    provider = settings.create();
  } catch (error) {
    return [`[${name}] skipped: ${error.message}`];
  }
  try {
    const batchId = await provider.sendBatch({ provider: name, endpoint: "embeddings", requests: requestsFor(name, settings) });
    let status = await provider.getStatus(batchId);
    while (!status.isComplete()) {
      await sleep(pollSeconds);
      status = await provider.getStatus(batchId);
    }
    const lines = [`[${name}] batch ${batchId} ${status.status} (${status.rawStatus})`];
    // `response.embeddings` holds one vector per input, in input order.
    const vectors = new Map();
    let tokens = 0;
    for await (const result of provider.getResults(batchId)) {
      if (result.status !== "succeeded") {
        lines.push(`[${name}] ${result.customId}: ${result.status}: ${result.error?.message ?? ""}`);
        continue;
      }
      tokens += result.response.usage?.inputTokens ?? 0;
      if (result.customId === "corpus") result.response.embeddings.forEach((vector, index) => vectors.set(`doc-${index}`, vector));
      else vectors.set(result.customId, result.response.embeddings[0]);
    }
    const question = vectors.get("question");
    const ranked = CORPUS.map((text, index) => ({ text, score: cosine(question, vectors.get(`doc-${index}`)) })).sort((a, b) => b.score - a.score);
    lines.push(`[${name}] ${vectors.size} vectors of ${question.length} dimensions, ${tokens} input tokens`);
    lines.push(`[${name}] closest to the question: ${ranked[0].text} (${ranked[0].score.toFixed(3)})`);
    return lines;
  } finally {
    if (provider instanceof VLLMProvider) await provider.close();
  }
}

async function main() {
  const names = process.argv.slice(2);
  if (names.length === 0) names.push("openai", "google", "mistral");
  for (const name of names) {
    if (!(name in PROVIDERS)) throw new Error(`unknown provider "${name}"; providers with embedding batches: ${Object.keys(PROVIDERS).join(", ")}`);
  }
  const outcomes = await Promise.allSettled(names.map(runOn));
  outcomes.forEach((outcome, index) => {
    if (outcome.status === "fulfilled") console.log(outcome.value.join("\n"));
    else {
      console.log(`[${names[index]}] failed: ${outcome.reason?.message ?? outcome.reason}`);
      process.exitCode = 1;
    }
  });
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
