#!/usr/bin/env node
/**
 * Tool use in two rounds, the same unified requests for every provider named on the command line.
 *
 * Round 1 offers two tools (`tools`, `toolChoice`); each answer's tool calls come back as
 * `tool_call` parts `{ id, name, arguments }` whatever the provider (OpenAI `tool_calls`, Anthropic
 * `tool_use` blocks, Gemini `functionCall` parts, Mistral `tool_calls`, vLLM's OpenAI shape).
 * This program runs the tools itself, then round 2 sends each conversation on: the answer's
 * `content` appended as it is as the assistant's turn, and a `tool` message of `tool_result` parts,
 * one per call. batch-router writes that transcript in each provider's shape (tool results in one
 * user turn for Anthropic and Gemini, Mistral's nine-character ids, …) and the final text is printed.
 *
 *   node examples/tool-use.mjs openai anthropic google mistral vllm
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

/** The tools, as JSON Schema; the same definitions go to every provider. */
const TOOLS = [
  {
    name: "get_weather",
    description: "The current weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city", "unit"],
      additionalProperties: false,
    },
  },
  {
    name: "get_local_time",
    description: "The local time in a city, as HH:MM",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
];

/** The tools' implementations (this program's own; a real one would call a service). */
const IMPLEMENTATIONS = {
  get_weather: ({ city, unit }) => `${unit === "fahrenheit" ? 64 : 18} degrees ${unit ?? "celsius"} and sunny in ${city}`,
  get_local_time: ({ city }) => `14:05 in ${city}`,
};

function runTool(call) {
  const implementation = IMPLEMENTATIONS[call.name];
  if (!implementation) return { content: `no tool named ${call.name}`, isError: true };
  return { content: implementation(call.arguments ?? {}) };
}

/** Round 1: the same requests for every provider; only `model` differs. */
function firstRound(model) {
  return ["Paris", "Lisbon"].map((city) => ({
    customId: city.toLowerCase(),
    model,
    systemPrompt: "Use the tools to answer; report weather in celsius.",
    messages: [{ role: "user", content: `What is the weather and the local time in ${city}?` }],
    tools: TOOLS,
    toolChoice: "auto",
    generationConfig: { maxTokens: 400, temperature: 0 },
  }));
}

async function runBatch(provider, name, requests) {
  const batchId = await provider.sendBatch({ provider: name, requests });
  let status = await provider.getStatus(batchId);
  while (!status.isComplete()) {
    await sleep(pollSeconds);
    status = await provider.getStatus(batchId);
  }
  const results = [];
  for await (const result of provider.getResults(batchId)) results.push(result);
  return results;
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
    const lines = [];
    const requests = firstRound(model);
    const secondRound = [];
    for (const result of await runBatch(provider, name, requests)) {
      if (result.status !== "succeeded") {
        lines.push(`[${name}] ${result.customId}: ${result.status}: ${result.error?.message ?? ""}`);
        continue;
      }
      const calls = result.response.content.filter((part) => part.type === "tool_call");
      if (calls.length === 0) {
        lines.push(`[${name}] ${result.customId}: answered without tools: ${result.response.text}`);
        continue;
      }
      for (const call of calls) lines.push(`[${name}] ${result.customId}: tool call ${call.name} ${JSON.stringify(call.arguments)}`);
      const request = requests.find((candidate) => candidate.customId === result.customId);
      secondRound.push({
        ...request,
        messages: [
          ...request.messages,
          // The answer's content as it is: text, reasoning (with signatures) and the tool calls.
          { role: "assistant", content: result.response.content },
          { role: "tool", content: calls.map((call) => ({ type: "tool_result", toolCallId: call.id, ...runTool(call) })) },
        ],
      });
    }
    if (secondRound.length > 0) {
      for (const result of await runBatch(provider, name, secondRound)) {
        const answer = result.status === "succeeded" ? result.response.text : `${result.status}: ${result.error?.message ?? ""}`;
        lines.push(`[${name}] ${result.customId}: final: ${answer.replaceAll("\n", " ")}`);
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
