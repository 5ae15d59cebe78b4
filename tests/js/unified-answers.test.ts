/**
 * Issue 13's "done means", checked end to end: the same unified requests — a nested schema with
 * arrays, enums and `$ref`, a tool transcript with parallel calls, reasoning with an effort or a
 * budget on a reasoning model — go to all five providers through the emulators (each checking every
 * line against the provider's official spec) and the vLLM sidecar with the stand-in vllm, and their
 * answers normalize to the same shapes: `parsed` JSON, `tool_call` parts, `reasoning` parts and
 * `reasoningTokens`.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  AnthropicProvider,
  GoogleProvider,
  MemoryStorage,
  MistralProvider,
  OpenAIProvider,
  VLLMProvider,
  type BatchProvider,
  type UnifiedRequest,
  type UnifiedResult,
} from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { MistralEmulator } from "../emulators/mistral-emulator.js";
import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { collect } from "../support/batches.js";
import { exampleValue } from "../support/emulated-answers.js";
import { geminiValidator } from "../support/gemini-spec.js";
import { serve, type RunningServer } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const sidecar = process.env.SIDECAR_BIN ?? join(root, "target", "debug", "batch-router-sidecar");
const standIn = join(root, "tests", "stand-ins", "vllm");
const KEY = "fake-unified-answers-0123456789abcdef";

const ORDER_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    orderId: { type: "string" },
    status: { type: "string", enum: ["open", "shipped", "cancelled"] },
    items: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        properties: { sku: { type: "string" }, quantity: { type: "integer" }, tags: { type: "array", items: { type: "string", enum: ["fragile", "cold"] } }, size: { $ref: "#/$defs/size" } },
        required: ["sku", "quantity", "tags", "size"],
      },
    },
    note: { anyOf: [{ type: "string" }, { type: "null" }] },
  },
  required: ["orderId", "status", "items", "note"],
  $defs: { size: { type: "object", additionalProperties: false, properties: { width: { type: "number" }, height: { type: "number" } }, required: ["width", "height"] } },
};

const TOOLS = [
  { name: "lookup_order", parameters: { type: "object", additionalProperties: false, properties: { orderId: { type: "string" } }, required: ["orderId"] } },
  { name: "lookup_stock", parameters: { type: "object", additionalProperties: false, properties: { sku: { type: "string" }, warehouse: { type: "string", enum: ["north", "south"] } }, required: ["sku", "warehouse"] } },
];

/** Each provider's models: a chat model, and a reasoning model with the reasoning setting it takes. */
const PROVIDERS = {
  // One model per OpenAI batch: the reasoning model answers every request.
  openai: { model: "o4-mini", reasoning: { model: "o4-mini", reasoning: { effort: "low" } } },
  anthropic: { model: "claude-sonnet-4-5", reasoning: { model: "claude-sonnet-4-5", reasoning: { budgetTokens: 2048 }, generationConfig: { maxTokens: 4096 } } },
  google: { model: "gemini-2.5-flash", reasoning: { model: "gemini-2.5-flash", reasoning: { budgetTokens: 1024, includeThoughts: true } } },
  mistral: { model: "mistral-small-latest", reasoning: { model: "mistral-small-latest", reasoning: { effort: "high" } } },
  vllm: { model: "stand-in-model", reasoning: { model: "stand-in-model", reasoning: { effort: "medium", includeThoughts: true } } },
} as const;
type Name = keyof typeof PROVIDERS;

function requestsFor(name: Name): UnifiedRequest[] {
  const { model, reasoning } = PROVIDERS[name];
  const ask = "Where is order A17, and is SKU-9 in stock in the north?";
  return [
    { customId: "nested-schema", model, messages: [{ role: "user", content: "Extract the order as JSON: A17, shipped, 2 x SKU-9." }], responseFormat: { type: "json", name: "order", schema: ORDER_SCHEMA, strict: true }, generationConfig: { maxTokens: 500 } },
    { customId: "parallel-calls", model, tools: TOOLS, toolChoice: "auto", messages: [{ role: "user", content: ask }], generationConfig: { maxTokens: 500 } },
    {
      customId: "transcript",
      model,
      tools: TOOLS,
      generationConfig: { maxTokens: 500 },
      messages: [
        { role: "user", content: ask },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking both." },
            { type: "tool_call", id: "call_Xy12ab", name: "lookup_order", arguments: { orderId: "A17" } },
            { type: "tool_call", id: "toolu_01Hq.7", name: "lookup_stock", arguments: { sku: "SKU-9", warehouse: "north" } },
          ],
        },
        {
          role: "tool",
          content: [
            { type: "tool_result", toolCallId: "toolu_01Hq.7", content: [{ type: "text", text: "12 units" }] },
            { type: "tool_result", toolCallId: "call_Xy12ab", content: "shipped" },
          ],
        },
      ],
    },
    { customId: "reasoning", messages: [{ role: "user", content: "Is 1001 prime?" }], ...reasoning } as UnifiedRequest,
  ];
}

async function run(provider: BatchProvider, name: Name): Promise<Map<string, UnifiedResult>> {
  const batchId = await provider.sendBatch({ provider: name, requests: requestsFor(name) });
  for (let attempt = 0; ; attempt++) {
    if ((await provider.getStatus(batchId)).isComplete()) break;
    assert.ok(attempt < 400, `${name}: the batch did not end`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return new Map((await collect(provider.getResults(batchId))).map((result) => [result.customId, result]));
}

describe("one set of unified requests, five providers, the same normalized answers", () => {
  const servers: RunningServer[] = [];
  const results = new Map<Name, Map<string, UnifiedResult>>();
  let gemini: GeminiEmulator;
  let mistral: MistralEmulator;
  let openai: OpenAIEmulator;
  let anthropic: AnthropicEmulator;
  let vllm: VLLMProvider;

  before(async () => {
    assert.ok(existsSync(sidecar), `${sidecar} is missing: run cargo build -p batch-router-sidecar`);
    openai = new OpenAIEmulator({ apiKey: KEY, validateBody: specValidator("openai", "CreateChatCompletionRequest") });
    anthropic = new AnthropicEmulator({ apiKey: KEY, validateRequest: specValidator("anthropic", "MessageBatchIndividualRequestParams") });
    gemini = new GeminiEmulator({
      apiKey: KEY,
      validators: { inlinedRequest: geminiValidator("InlinedRequest"), generateContentRequest: geminiValidator("GenerateContentRequest"), createBody: geminiValidator("BatchGenerateContentRequest") },
    });
    mistral = new MistralEmulator({
      apiKey: KEY,
      validateLine: specValidator("mistral", "BatchRequest"),
      validateBody: specValidator("mistral", "ChatCompletionRequest"),
      validateCreate: specValidator("mistral", "CreateBatchJobRequest"),
    });
    const [openaiServer, anthropicServer, geminiServer, mistralServer] = await Promise.all([openai, anthropic, gemini, mistral].map((emulator) => serve(emulator.fetch)));
    servers.push(openaiServer!, anthropicServer!, geminiServer!, mistralServer!);
    vllm = new VLLMProvider({ sidecarPath: sidecar, vllmCommand: standIn, stateDirectory: mkdtempSync(join(tmpdir(), "batch-router-unified-")), storage: new MemoryStorage(), sidecarLog: "ignore" });
    const providers: [Name, BatchProvider][] = [
      ["openai", new OpenAIProvider({ apiKey: KEY, baseUrl: `${openaiServer!.url}/v1`, storage: new MemoryStorage() })],
      ["anthropic", new AnthropicProvider({ apiKey: KEY, baseUrl: anthropicServer!.url, storage: new MemoryStorage() })],
      ["google", new GoogleProvider({ apiKey: KEY, baseUrl: geminiServer!.url, storage: new MemoryStorage() })],
      ["mistral", new MistralProvider({ apiKey: KEY, baseUrl: mistralServer!.url, storage: new MemoryStorage() })],
      ["vllm", vllm],
    ];
    for (const [name, provider] of providers) results.set(name, await run(provider, name));
  });

  after(async () => {
    await vllm?.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  const each = (customId: string) =>
    [...results].map(([name, byId]) => {
      const result = byId.get(customId);
      assert.equal(result?.status, "succeeded", `${name} ${customId}: ${JSON.stringify(result?.error)}`);
      return [name, result!.response!] as const;
    });

  test("every line was valid against the provider's spec", () => {
    assert.deepEqual(gemini.violations, []);
    assert.deepEqual(mistral.violations, []);
    // The OpenAI and Anthropic emulators fail a batch with a line that breaks the spec: all succeeded.
    assert.equal(results.size, 5);
  });

  test("a nested schema: the same parsed value everywhere, in the schema's key order", () => {
    const expected = exampleValue(ORDER_SCHEMA);
    for (const [name, response] of each("nested-schema")) {
      assert.deepEqual(response.parsed, expected, name);
      assert.equal(response.parseError, undefined, name);
      assert.deepEqual(Object.keys(response.parsed as object), ["orderId", "status", "items", "note"], name);
    }
  });

  test("parallel tool calls: the same tool_call parts everywhere, each with an id to answer", () => {
    const expected = TOOLS.map((tool) => ({ name: tool.name, arguments: exampleValue(tool.parameters) }));
    for (const [name, response] of each("parallel-calls")) {
      assert.equal(response.finishReason, "tool_calls", name);
      const calls = response.content.filter((part) => part.type === "tool_call");
      assert.deepEqual(calls.map((call) => ({ name: call.name, arguments: call.arguments })), expected, name);
      const ids = calls.map((call) => call.id);
      assert.ok(ids.every((id) => typeof id === "string" && id.length > 0), `${name}: ${JSON.stringify(ids)}`);
      assert.equal(new Set(ids).size, ids.length, name);
    }
  });

  test("a transcript ending in both results: the same final text everywhere", () => {
    for (const [name, response] of each("transcript")) {
      assert.equal(response.text, "echo: 12 units shipped", name);
      assert.equal(response.finishReason, "stop", name);
    }
  });

  test("reasoning: a reasoning part before the text wherever the provider returns it, reasoningTokens where it counts them", () => {
    for (const [name, response] of each("reasoning")) {
      assert.equal(response.text, "echo: Is 1001 prime?", name);
      const kinds = response.content.map((part) => part.type);
      if (name === "openai") {
        // Chat completions return no reasoning text, only the count (reference §3.1).
        assert.deepEqual(kinds, ["text"]);
        assert.ok((response.usage?.reasoningTokens ?? 0) > 0, JSON.stringify(response.usage));
        continue;
      }
      assert.deepEqual(kinds, ["reasoning", "text"], name);
      assert.deepEqual((response.content[0] as { text: string }).text, "Thinking about: Is 1001 prime?", name);
      if (name === "google") assert.ok((response.usage?.reasoningTokens ?? 0) > 0, JSON.stringify(response.usage));
    }
  });
});
