#!/usr/bin/env node
/**
 * Structured output: answers that follow a JSON schema. The unified request has no field for it,
 * because every provider spells it differently; `providerKwargs` carries each provider's own field
 * and is deep-merged into the provider's request last:
 *
 *   OpenAI, Mistral, vLLM  response_format: { type: "json_schema", json_schema: { name, schema, strict } }
 *   Anthropic              a tool whose input_schema is the schema, forced with tool_choice; the answer
 *                          is the tool call's arguments (newer models also take output_config.format)
 *   Gemini                 generationConfig: { responseMimeType: "application/json", responseSchema }
 *                          (an OpenAPI-style schema: upper-case types)
 *
 *   node examples/structured-output.mjs openai anthropic google mistral
 *
 * Environment: as switch-providers.mjs (keys, base URLs, models, EXAMPLE_POLL_SECONDS).
 */
import process from "node:process";

import { AnthropicProvider, GoogleProvider, MistralProvider, OpenAIProvider } from "batch-router";

const environment = process.env;
const pollSeconds = Number(environment.EXAMPLE_POLL_SECONDS ?? 60);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

const PROVIDERS = {
  openai: { create: () => new OpenAIProvider(), model: environment.OPENAI_MODEL ?? "gpt-4o-mini" },
  anthropic: { create: () => new AnthropicProvider(), model: environment.ANTHROPIC_MODEL ?? "claude-haiku-4-5" },
  google: { create: () => new GoogleProvider(), model: environment.GEMINI_MODEL ?? "gemini-2.5-flash" },
  mistral: { create: () => new MistralProvider(), model: environment.MISTRAL_MODEL ?? "mistral-small-latest" },
};

/** What we want back, as JSON Schema. */
const CITY_SCHEMA = {
  type: "object",
  properties: {
    city: { type: "string" },
    country: { type: "string" },
    population: { type: "integer", description: "Inhabitants of the city proper" },
  },
  required: ["city", "country", "population"],
  additionalProperties: false,
};

/** The same schema in Gemini's OpenAPI-style `Schema` (upper-case types, no additionalProperties). */
const CITY_SCHEMA_FOR_GEMINI = {
  type: "OBJECT",
  properties: {
    city: { type: "STRING" },
    country: { type: "STRING" },
    population: { type: "INTEGER", description: "Inhabitants of the city proper" },
  },
  required: ["city", "country", "population"],
  propertyOrdering: ["city", "country", "population"],
};

/** Each provider's own way of asking for that schema. */
function structuredOutput(name) {
  switch (name) {
    case "openai":
    case "mistral":
      return { response_format: { type: "json_schema", json_schema: { name: "city_facts", strict: true, schema: CITY_SCHEMA } } };
    case "anthropic":
      return {
        tools: [{ name: "record_city", description: "Record facts about a city.", input_schema: CITY_SCHEMA }],
        tool_choice: { type: "tool", name: "record_city" },
      };
    case "google":
      return { generationConfig: { responseMimeType: "application/json", responseSchema: CITY_SCHEMA_FOR_GEMINI } };
  }
}

/** The structured answer: a forced tool call's arguments (Anthropic), else the JSON text. */
function structuredValue(response) {
  const toolCall = response.content.find((part) => part.type === "tool_call");
  if (toolCall) return toolCall.arguments;
  try {
    return JSON.parse(response.text);
  } catch {
    return undefined;
  }
}

async function runOn(name) {
  const { create, model } = PROVIDERS[name];
  const provider = create();
  const requests = ["Paris", "Tokyo"].map((city) => ({
    customId: city.toLowerCase(),
    model,
    systemPrompt: "Reply with facts about the city the user names.",
    messages: [{ role: "user", content: city }],
    generationConfig: { maxTokens: 200, temperature: 0 },
    providerKwargs: structuredOutput(name),
  }));
  const batchId = await provider.sendBatch({ provider: name, requests });
  let status = await provider.getStatus(batchId);
  while (!status.isComplete()) {
    await sleep(pollSeconds);
    status = await provider.getStatus(batchId);
  }
  const lines = [];
  for await (const result of provider.getResults(batchId)) {
    if (result.status !== "succeeded") {
      lines.push(`[${name}] ${result.customId}: ${result.status}: ${result.error?.message ?? ""}`);
      continue;
    }
    const value = structuredValue(result.response);
    lines.push(
      value === undefined
        ? `[${name}] ${result.customId}: answer is not JSON: ${result.response.text}`
        : `[${name}] ${result.customId}: ${JSON.stringify(value)}`,
    );
  }
  return lines;
}

async function main() {
  const names = process.argv.slice(2);
  if (names.length === 0) names.push("openai");
  for (const name of names) {
    if (!(name in PROVIDERS)) throw new Error(`unknown provider "${name}"; expected ${Object.keys(PROVIDERS).join(", ")}`);
  }
  for (const name of names) console.log((await runOn(name)).join("\n"));
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
