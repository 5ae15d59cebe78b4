#!/usr/bin/env node
/**
 * Structured output: answers that follow a JSON schema, asked once in the unified request and sent
 * unchanged to every provider named on the command line. `responseFormat` becomes each provider's
 * own field (see the README's "Structured output, tools, reasoning" table):
 *
 *   OpenAI, Mistral, vLLM  response_format: { type: "json_schema", json_schema: { name, schema, strict } }
 *   Anthropic              output_config: { format: { type: "json_schema", schema } }
 *   Gemini                 generationConfig: { responseMimeType: "application/json", responseJsonSchema }
 *
 * A schema a provider cannot take is refused before anything is uploaded (a ValidationError naming
 * the request and the schema path). Each answer comes back parsed in `response.parsed`; one that is
 * not JSON (cut off by the token limit, refused) sets `response.parseError` instead of throwing.
 *
 *   node examples/structured-output.mjs openai anthropic google mistral vllm
 *
 * Environment: as switch-providers.mjs (keys, base URLs, models, BATCH_ROUTER_SIDECAR, VLLM_COMMAND,
 * EXAMPLE_POLL_SECONDS). A provider without a key is reported and skipped.
 */
import process from "node:process";

import { AnthropicProvider, GoogleProvider, MistralProvider, OpenAIProvider, VLLMProvider } from "batch-router";

const environment = process.env;
const pollSeconds = Number(environment.EXAMPLE_POLL_SECONDS ?? 60);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

const PROVIDERS = {
  openai: { create: () => new OpenAIProvider(), model: environment.OPENAI_MODEL ?? "gpt-4o-mini" },
  anthropic: { create: () => new AnthropicProvider(), model: environment.ANTHROPIC_MODEL ?? "claude-haiku-4-5" },
  google: { create: () => new GoogleProvider(), model: environment.GEMINI_MODEL ?? "gemini-2.5-flash" },
  mistral: { create: () => new MistralProvider(), model: environment.MISTRAL_MODEL ?? "mistral-small-latest" },
  vllm: {
    create: () => new VLLMProvider({ vllmCommand: environment.VLLM_COMMAND ?? "vllm" }),
    model: environment.VLLM_MODEL ?? "Qwen/Qwen2.5-1.5B-Instruct",
  },
};

/**
 * What we want back, as JSON Schema. Closed objects with every property required (optional ones
 * would be a union with null) is the form every provider takes, OpenAI's strict mode included.
 */
const CITY_SCHEMA = {
  type: "object",
  properties: {
    city: { type: "string" },
    country: { type: "string" },
    continent: { type: "string", enum: ["Africa", "Asia", "Europe", "North America", "Oceania", "South America"] },
    population: { type: "integer", description: "Inhabitants of the city proper" },
    landmarks: { type: "array", items: { type: "string" }, description: "Up to three famous sights" },
  },
  required: ["city", "country", "continent", "population", "landmarks"],
  additionalProperties: false,
};

/** The same requests for every provider; only `model` differs. */
function requestsFor(model) {
  return ["Paris", "Tokyo"].map((city) => ({
    customId: city.toLowerCase(),
    model,
    systemPrompt: "Reply with facts about the city the user names, as JSON.",
    messages: [{ role: "user", content: city }],
    generationConfig: { maxTokens: 300, temperature: 0 },
    responseFormat: { type: "json", name: "city_facts", schema: CITY_SCHEMA, strict: true },
  }));
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
    const lines = [];
    for await (const result of provider.getResults(batchId)) {
      if (result.status !== "succeeded") {
        lines.push(`[${name}] ${result.customId}: ${result.status}: ${result.error?.message ?? ""}`);
      } else if (result.response.parseError !== undefined) {
        lines.push(`[${name}] ${result.customId}: not JSON: ${result.response.parseError}`);
      } else {
        lines.push(`[${name}] ${result.customId}: ${JSON.stringify(result.response.parsed)}`);
      }
    }
    return lines;
  } finally {
    // VLLMProvider started a sidecar process: stop it.
    if (provider instanceof VLLMProvider) await provider.close();
  }
}

async function main() {
  const names = process.argv.slice(2);
  if (names.length === 0) names.push("openai");
  for (const name of names) {
    if (!(name in PROVIDERS)) throw new Error(`unknown provider "${name}"; expected ${Object.keys(PROVIDERS).join(", ")}`);
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
