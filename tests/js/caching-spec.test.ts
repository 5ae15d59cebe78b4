/**
 * Prompt caching: `cacheControl` breakpoints (system prompt, tools, text, image and document parts) and `promptCacheKey`.
 * Anthropic params carry `cache_control` and OpenAI/Mistral bodies `prompt_cache_key`, each valid
 * against the provider's official spec; canaries prove the checks refuse a wrong caching field;
 * providers without breakpoints or keys refuse them naming request and field.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  AnthropicProvider,
  AzureOpenAIProvider,
  GoogleProvider,
  MistralProvider,
  OpenAIProvider,
  VLLMProvider,
  ValidationError,
  type UnifiedRequest,
} from "batch-router";

import { type Line, lines, validateAnthropic, validateMistral, validateOpenAI } from "../support/provider-lines.js";

function cachedRequests(model: string): UnifiedRequest[] {
  return [
    {
      customId: "shared-prefix",
      model,
      systemPrompt: ["You answer questions about the handbook.", "<long handbook text>"],
      systemPromptCacheControl: { ttl: "1h" },
      tools: [{ name: "lookup", description: "Find a section", parameters: { type: "object", properties: { q: { type: "string" } } }, cacheControl: { ttl: "1h" } }],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "<long attached document>", cacheControl: { ttl: "5m" } },
            { type: "text", text: "What does section 4 say?" },
          ],
        },
      ],
    },
    { customId: "plain", model, messages: [{ role: "user", content: "No breakpoints here." }] },
  ];
}

function documentRequest(model: string): UnifiedRequest {
  return {
    customId: "cached-document",
    model,
    messages: [
      {
        role: "user",
        content: [
          { type: "document", sourceType: "url", data: "https://example.com/handbook.pdf", cacheControl: { ttl: "1h" } },
          { type: "text", text: "Summarize it." },
        ],
      },
    ],
  };
}

function keyed(model: string): UnifiedRequest[] {
  return cachedRequests(model).map((request) => ({ ...request, promptCacheKey: "handbook-v1" }));
}

test("Anthropic params with cache_control on system, tools, text and document blocks are valid against the spec", () => {
  const provider = new AnthropicProvider({ apiKey: "sk-ant-unused", storage: false });
  const sent = lines(provider, [...cachedRequests("claude-sonnet-4-5"), documentRequest("claude-sonnet-4-5")]);
  for (const line of sent) assert.deepEqual(validateAnthropic(line), [], String(line.custom_id));
  const params = sent[0]!.params!;
  const system = params.system as Record<string, unknown>[];
  assert.equal(system[0]!.cache_control, undefined);
  assert.deepEqual(system[1]!.cache_control, { type: "ephemeral", ttl: "1h" });
  assert.deepEqual((params.tools as Record<string, unknown>[])[0]!.cache_control, { type: "ephemeral", ttl: "1h" });
  const content = (params.messages as { content: Record<string, unknown>[] }[])[0]!.content;
  assert.deepEqual(content[0]!.cache_control, { type: "ephemeral", ttl: "5m" });
  assert.equal(content[1]!.cache_control, undefined);
  const document = (sent[2]!.params!.messages as { content: Record<string, unknown>[] }[])[0]!.content[0]!;
  assert.deepEqual(document.cache_control, { type: "ephemeral", ttl: "1h" });
});

test("OpenAI, Azure OpenAI and Mistral bodies carry prompt_cache_key, valid against the specs; breakpoints are warned, not sent", () => {
  const chat: [string, { prepareBatch(requests: UnifiedRequest[]): { providerJsonl: string; summary: { warnings: { field: string }[] } } }, (body: unknown) => unknown[]][] = [
    ["gpt-4.1-mini", new OpenAIProvider({ apiKey: "sk-unused", storage: false }), validateOpenAI],
    ["gpt-4o-mini-batch", new AzureOpenAIProvider({ apiKey: "k", endpoint: "https://example.openai.azure.com", storage: false }), validateOpenAI],
    ["mistral-small-latest", new MistralProvider({ apiKey: "unused", storage: false }), validateMistral],
  ];
  for (const [model, provider, validate] of chat) {
    const prepared = provider.prepareBatch(keyed(model));
    const bodies = prepared.providerJsonl.trim().split("\n").map((line) => (JSON.parse(line) as Line).body!);
    for (const body of bodies) {
      assert.deepEqual(validate(body), [], model);
      assert.equal(body.prompt_cache_key, "handbook-v1");
      assert.ok(!JSON.stringify(body).includes("cache_control"), model);
    }
    const fields = prepared.summary.warnings.map((warning) => warning.field);
    for (const field of ["systemPromptCacheControl", "tools[0].cacheControl", "messages[0].content[0].cacheControl"]) {
      assert.ok(fields.includes(field), `${model}: ${field} in ${fields.join(", ")}`);
    }
  }
});

test("the request's own cacheControl is Anthropic's top-level cache_control, valid against the spec; warned or refused elsewhere", () => {
  const whole = (model: string): UnifiedRequest[] => [
    { customId: "whole", model, cacheControl: { ttl: "1h" }, messages: [{ role: "user", content: "<long document> and a question" }] },
  ];
  const [line] = lines(new AnthropicProvider({ apiKey: "sk-ant-unused", storage: false }), whole("claude-sonnet-4-5"));
  assert.deepEqual(validateAnthropic(line!), []);
  assert.deepEqual(line!.params!.cache_control, { type: "ephemeral", ttl: "1h" });
  const openai = new OpenAIProvider({ apiKey: "sk-unused", storage: false }).prepareBatch(whole("gpt-4.1-mini"));
  assert.doesNotMatch(openai.providerJsonl, /cache_control/);
  assert.ok(openai.summary.warnings.some((warning) => warning.field === "cacheControl"));
  const error = refusal(() => new GoogleProvider({ apiKey: "k", storage: false }).prepareBatch(whole("gemini-2.5-flash")));
  assert.deepEqual([error.index, error.customId, error.field], [0, "whole", "cacheControl"]);
  // Canaries: the top-level field is checked like a block's.
  const params = { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
  assert.notDeepEqual(validateAnthropic({ custom_id: "c", params: { ...params, cache_control: { type: "ephemeral", ttl: "10m" } } }), []);
  assert.notDeepEqual(validateAnthropic({ custom_id: "c", params: { ...params, cache_control: { ttl: "5m" } } }), []);
});

test("canaries: each spec check refuses a wrong caching field", () => {
  const params = { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
  const anthropic = (extra: object) => validateAnthropic({ custom_id: "c", params: { ...params, ...extra } });
  const system = (cacheControl: unknown) => anthropic({ system: [{ type: "text", text: "s", cache_control: cacheControl }] });
  assert.deepEqual(system({ type: "ephemeral", ttl: "1h" }), []);
  assert.notDeepEqual(system({ type: "ephemeral", ttl: 3600 }), []);
  assert.notDeepEqual(system({ type: "ephemeral", ttl: "10m" }), []);
  assert.notDeepEqual(system({ ttl: "5m" }), []);
  assert.notDeepEqual(system({ type: "persistent" }), []);
  const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };
  assert.deepEqual(validateOpenAI({ ...chat, prompt_cache_key: "k" }), []);
  assert.notDeepEqual(validateOpenAI({ ...chat, prompt_cache_key: 42 }), []);
  assert.notDeepEqual(validateMistral({ ...chat, prompt_cache_key: { key: "k" } }), []);
});

function refusal(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail("a ValidationError was expected");
}

test("breakpoints and keys a provider cannot take are refused naming request and field, or left out under dropUnsupported", () => {
  const [cached] = cachedRequests("m");
  const batch = (model: string, request: UnifiedRequest): UnifiedRequest[] => [
    { customId: "fine", model, messages: [{ role: "user", content: "x" }] },
    { ...request, customId: "cached", model },
  ];
  const fiveBreakpoints: UnifiedRequest = {
    ...cached!,
    messages: [{ role: "user", content: ["a", "b", "c"].map((text) => ({ type: "text" as const, text, cacheControl: {} })) }],
  };
  const cases: [() => unknown, string][] = [
    [() => new AnthropicProvider({ apiKey: "k", storage: false }).prepareBatch(batch("claude-sonnet-4-5", fiveBreakpoints)), "messages[0].content[2].cacheControl"],
    [() => new AnthropicProvider({ apiKey: "k", storage: false }).prepareBatch(batch("claude-sonnet-4-5", { ...cached!, promptCacheKey: "k" })), "promptCacheKey"],
    [() => new GoogleProvider({ apiKey: "k", storage: false }).prepareBatch(batch("gemini-2.5-flash", cached!)), "tools[0].cacheControl"],
    [() => new VLLMProvider({ baseUrl: "http://vllm.invalid/v1", storage: false }).prepareBatch(batch("qwen", cached!)), "tools[0].cacheControl"],
  ];
  for (const [action, field] of cases) {
    const error = refusal(action);
    assert.deepEqual([error.index, error.customId, error.field], [1, "cached", field]);
  }
  const lenient = new GoogleProvider({ apiKey: "k", storage: false, dropUnsupported: true, route: "file" });
  const prepared = lenient.prepareBatch(batch("gemini-2.5-flash", cached!));
  assert.ok(prepared.summary.warnings.some((warning) => warning.field === "systemPromptCacheControl"));
  assert.doesNotMatch(prepared.providerJsonl, /cache_control|cacheControl|prompt_cache/);
});
