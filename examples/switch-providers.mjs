#!/usr/bin/env node
/**
 * Switching providers: the same unified requests go to every provider named on the command line.
 * Only the provider's name changes (and the model, since each provider has its own); the results
 * come back in the same shape from all of them.
 *
 *   node examples/switch-providers.mjs openai anthropic google mistral groq azure together xai
 *   node examples/switch-providers.mjs vllm        # local vLLM through the sidecar (see vllm-sidecar.mjs)
 *
 * Environment: each provider's key and optional base URL (OPENAI_API_KEY, OPENAI_BASE_URL,
 * ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, GOOGLE_API_KEY or GEMINI_API_KEY, GEMINI_BASE_URL,
 * MISTRAL_API_KEY, MISTRAL_BASE_URL, GROQ_API_KEY, GROQ_BASE_URL, AZURE_OPENAI_API_KEY,
 * AZURE_OPENAI_ENDPOINT, TOGETHER_API_KEY, TOGETHER_BASE_URL, XAI_API_KEY, XAI_BASE_URL); the models
 * OPENAI_MODEL, ANTHROPIC_MODEL, GEMINI_MODEL, MISTRAL_MODEL, GROQ_MODEL, AZURE_OPENAI_DEPLOYMENT
 * (a Global-Batch deployment's name), TOGETHER_MODEL, XAI_MODEL, VLLM_MODEL; for vLLM, BATCH_ROUTER_SIDECAR and VLLM_COMMAND; EXAMPLE_POLL_SECONDS
 * (default 60). A provider without a key is reported and skipped.
 */
import process from "node:process";

import {
  AnthropicProvider,
  AzureOpenAIProvider,
  GoogleProvider,
  GroqProvider,
  MistralProvider,
  OpenAIProvider,
  TogetherProvider,
  VLLMProvider,
  XAIProvider,
} from "batch-router";

const environment = process.env;
const pollSeconds = Number(environment.EXAMPLE_POLL_SECONDS ?? 60);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

// The one word that changes: the provider's name picks its class and its model.
const PROVIDERS = {
  openai: { create: () => new OpenAIProvider(), model: environment.OPENAI_MODEL ?? "gpt-4o-mini" },
  anthropic: { create: () => new AnthropicProvider(), model: environment.ANTHROPIC_MODEL ?? "claude-haiku-4-5" },
  google: { create: () => new GoogleProvider(), model: environment.GEMINI_MODEL ?? "gemini-2.5-flash" },
  mistral: { create: () => new MistralProvider(), model: environment.MISTRAL_MODEL ?? "mistral-small-latest" },
  groq: { create: () => new GroqProvider(), model: environment.GROQ_MODEL ?? "llama-3.1-8b-instant" },
  // On Azure the model is the name of your Global-Batch deployment.
  azure: { create: () => new AzureOpenAIProvider(), model: environment.AZURE_OPENAI_DEPLOYMENT ?? "gpt-4o-mini-batch" },
  together: { create: () => new TogetherProvider(), model: environment.TOGETHER_MODEL ?? "meta-llama/Llama-3.3-70B-Instruct-Turbo" },
  xai: { create: () => new XAIProvider(), model: environment.XAI_MODEL ?? "grok-3-mini" },
  vllm: {
    create: () => new VLLMProvider({ vllmCommand: environment.VLLM_COMMAND ?? "vllm" }),
    model: environment.VLLM_MODEL ?? "Qwen/Qwen2.5-1.5B-Instruct",
  },
};

/** The same three requests for every provider; only `model` differs. */
function requestsFor(model) {
  return [
    {
      customId: "capital",
      model,
      systemPrompt: "Answer in one word.",
      messages: [{ role: "user", content: "What is the capital of Italy?" }],
      generationConfig: { maxTokens: 10, temperature: 0 },
    },
    {
      customId: "translate",
      model,
      messages: [{ role: "user", content: "Translate 'good morning' into French." }],
      generationConfig: { maxTokens: 30, temperature: 0.2, stopSequences: ["\n\n"] },
    },
    {
      customId: "conversation",
      model,
      messages: [
        { role: "user", content: "Pick a number between 1 and 10." },
        { role: "assistant", content: "7" },
        { role: "user", content: "Double it." },
      ],
      generationConfig: { maxTokens: 10 },
    },
  ];
}

async function runOn(name) {
  const { create, model } = PROVIDERS[name];
  let provider;
  try {
    provider = create();
  } catch (error) {
    // ConfigurationError: no key in the environment.
    return [`[${name}] skipped: ${error.message}`];
  }
  try {
    const batchId = await provider.sendBatch({ provider: name, requests: requestsFor(model) });
    let status = await provider.getStatus(batchId);
    while (!status.isComplete()) {
      await sleep(pollSeconds);
      status = await provider.getStatus(batchId);
    }
    const lines = [`[${name}] batch ${batchId} ${status.status} (${status.rawStatus})`];
    for await (const result of provider.getResults(batchId)) {
      const answer = result.status === "succeeded" ? result.response.text : result.error?.message ?? "";
      lines.push(`[${name}] ${result.customId}: ${result.status}: ${answer.replaceAll("\n", " ")}`);
    }
    return lines;
  } finally {
    // VLLMProvider started a sidecar process: stop it. The cloud providers hold nothing open.
    if (provider instanceof VLLMProvider) await provider.close();
  }
}

async function main() {
  const names = process.argv.slice(2);
  if (names.length === 0) names.push("openai", "anthropic", "google", "mistral");
  for (const name of names) {
    if (!(name in PROVIDERS)) throw new Error(`unknown provider "${name}"; expected ${Object.keys(PROVIDERS).join(", ")}`);
  }
  // The batches run side by side; each provider's lines are printed together.
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
