/**
 * `generationConfig.seed` and `endUserId` for all five providers: bodies valid against the official
 * specs (vLLM's against OpenAI's), canaries for each field, and where a provider has no such field a
 * refusal naming request and field, or a warning under dropUnsupported.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { AnthropicProvider, GoogleProvider, MistralProvider, OpenAIProvider, VLLMProvider, ValidationError, type UnifiedRequest } from "batch-router";

import { type Line, validateAnthropic, validateGemini, validateMistral, validateOpenAI } from "../support/provider-lines.js";

function request(model: string, extra: Partial<UnifiedRequest> = {}): UnifiedRequest {
  return { customId: "extras", model, messages: [{ role: "user", content: "Pick a number." }], generationConfig: { seed: 7 }, endUserId: "5f0c-hash", ...extra };
}

function line(provider: { prepareBatch(requests: UnifiedRequest[]): { providerJsonl: string } }, unified: UnifiedRequest): Line {
  return JSON.parse(provider.prepareBatch([unified]).providerJsonl) as Line;
}

test("seed and end-user id go where each provider has them, valid against the specs", () => {
  const openai = line(new OpenAIProvider({ apiKey: "k", storage: false }), request("gpt-4.1-mini")).body!;
  assert.deepEqual(validateOpenAI(openai), []);
  assert.deepEqual([openai.seed, openai.safety_identifier], [7, "5f0c-hash"]);
  const vllm = line(new VLLMProvider({ baseUrl: "http://vllm.invalid/v1", storage: false, dropUnsupported: true }), request("Qwen/Qwen3-0.6B")).body!;
  assert.deepEqual(validateOpenAI(vllm), []);
  assert.deepEqual([vllm.seed, vllm.safety_identifier], [7, undefined]);
  const mistral = line(new MistralProvider({ apiKey: "k", storage: false }), request("mistral-small-latest", { endUserId: undefined })).body!;
  assert.deepEqual(validateMistral(mistral), []);
  assert.equal(mistral.random_seed, 7);
  const gemini = line(new GoogleProvider({ apiKey: "k", storage: false, route: "file" }), request("gemini-2.5-flash", { endUserId: undefined })).request!;
  assert.deepEqual(validateGemini(gemini), []);
  assert.equal((gemini.generationConfig as Record<string, unknown>).seed, 7);
  const anthropic = line(new AnthropicProvider({ apiKey: "k", storage: false }), request("claude-sonnet-4-5", { generationConfig: { maxTokens: 100 } }));
  assert.deepEqual(validateAnthropic(anthropic), []);
  assert.deepEqual(anthropic.params!.metadata, { user_id: "5f0c-hash" });
});

test("canaries: the spec checks refuse wrong seed and user fields", () => {
  const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };
  assert.notDeepEqual(validateOpenAI({ ...chat, safety_identifier: 5 }), []);
  assert.notDeepEqual(validateMistral({ ...chat, seed: 7 }), []);
  assert.notDeepEqual(validateMistral({ ...chat, random_seed: -1 }), []);
  const params = { model: "c", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
  assert.notDeepEqual(validateAnthropic({ custom_id: "c", params: { ...params, seed: 7 } }), []);
  assert.notDeepEqual(validateAnthropic({ custom_id: "c", params: { ...params, metadata: { user: "x" } } }), []);
  assert.notDeepEqual(validateGemini({ model: "models/g", contents: [{ role: "user", parts: [{ text: "hi" }] }], seed: 7 }), []);
});

test("providers without the field refuse it naming request and field", () => {
  const cases: [{ prepareBatch(requests: UnifiedRequest[]): unknown }, UnifiedRequest, string][] = [
    [new AnthropicProvider({ apiKey: "k", storage: false }), request("claude-sonnet-4-5", { endUserId: undefined }), "generationConfig.seed"],
    [new MistralProvider({ apiKey: "k", storage: false }), request("mistral-small-latest"), "endUserId"],
    [new GoogleProvider({ apiKey: "k", storage: false }), request("gemini-2.5-flash", { generationConfig: { seed: 2 ** 31 } }), "generationConfig.seed"],
  ];
  for (const [provider, unified, field] of cases) {
    assert.throws(() => provider.prepareBatch([unified]), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.index, error.customId, error.field], [0, "extras", field]);
      return true;
    });
  }
});
