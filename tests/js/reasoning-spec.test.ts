/**
 * `reasoning` for all five providers: every body is valid against the provider's official spec
 * (vLLM's against OpenAI's), canaries prove each check refuses a wrong reasoning field, and what a
 * provider cannot express is refused naming request and field, or left out with a warning.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  AnthropicProvider,
  GoogleProvider,
  MistralProvider,
  OpenAIProvider,
  VLLMProvider,
  ValidationError,
  type UnifiedRequest,
} from "batch-router";

import { type Line, lines, validateAnthropic, validateGemini, validateMistral, validateOpenAI } from "../support/provider-lines.js";

function reasoningRequest(customId: string, model: string, reasoning: UnifiedRequest["reasoning"]): UnifiedRequest {
  return { customId, model, messages: [{ role: "user", content: "Why is the sky blue?" }], generationConfig: { maxTokens: 8000 }, reasoning };
}

test("chat providers send reasoning_effort, valid against their specs", () => {
  const openai = lines(new OpenAIProvider({ apiKey: "k", storage: false }), [reasoningRequest("r", "gpt-5-mini", { effort: "minimal" })]);
  assert.deepEqual(validateOpenAI(openai[0]!.body), []);
  assert.equal(openai[0]!.body!.reasoning_effort, "minimal");
  const vllm = lines(new VLLMProvider({ baseUrl: "http://vllm.invalid/v1", storage: false }), [reasoningRequest("r", "Qwen/Qwen3-0.6B", { effort: "high", includeThoughts: true })]);
  assert.deepEqual(validateOpenAI(vllm[0]!.body), []);
  assert.deepEqual([vllm[0]!.body!.reasoning_effort, vllm[0]!.body!.include_reasoning], ["high", true]);
  const mistral = lines(new MistralProvider({ apiKey: "k", storage: false }), [reasoningRequest("r", "mistral-small-latest", { effort: "high" })]);
  assert.deepEqual(validateMistral(mistral[0]!.body), []);
  assert.equal(mistral[0]!.body!.reasoning_effort, "high");
});

test("Anthropic sends thinking and output_config.effort, valid against the spec", () => {
  const sent = lines(new AnthropicProvider({ apiKey: "k", storage: false }), [
    reasoningRequest("budget", "claude-opus-4-6", { budgetTokens: 2048, effort: "medium" }),
    reasoningRequest("off", "claude-opus-4-6", { effort: "none" }),
  ]);
  for (const line of sent) assert.deepEqual(validateAnthropic(line), [], String(line.custom_id));
  assert.deepEqual(sent[0]!.params!.thinking, { type: "enabled", budget_tokens: 2048 });
  assert.deepEqual(sent[0]!.params!.output_config, { effort: "medium" });
  assert.deepEqual(sent[1]!.params!.thinking, { type: "disabled" });
});

test("Anthropic adaptive models send thinking type adaptive with display, valid against the spec", () => {
  const sent = lines(new AnthropicProvider({ apiKey: "k", storage: false }), [
    reasoningRequest("shown", "claude-opus-4-7", { effort: "high", includeThoughts: true }),
    reasoningRequest("hidden", "claude-sonnet-5", { effort: "low", includeThoughts: false }),
  ]);
  for (const line of sent) assert.deepEqual(validateAnthropic(line), [], String(line.custom_id));
  assert.deepEqual(sent[0]!.params!.thinking, { type: "adaptive", display: "summarized" });
  assert.deepEqual(sent[0]!.params!.output_config, { effort: "high" });
  assert.deepEqual(sent[1]!.params!.thinking, { type: "adaptive", display: "omitted" });
});

test("Gemini sends thinkingConfig under generationConfig, valid against the spec", () => {
  const flash = lines(new GoogleProvider({ apiKey: "k", storage: false, route: "file" }), [reasoningRequest("b", "gemini-2.5-flash", { budgetTokens: 1024, includeThoughts: true })]);
  assert.deepEqual(validateGemini(flash[0]!.request), []);
  assert.deepEqual((flash[0]!.request!.generationConfig as Record<string, unknown>).thinkingConfig, { thinkingBudget: 1024, includeThoughts: true });
  const three = lines(new GoogleProvider({ apiKey: "k", storage: false, route: "file" }), [reasoningRequest("l", "gemini-3-pro-preview", { effort: "high" })]);
  assert.deepEqual(validateGemini(three[0]!.request), []);
  assert.deepEqual((three[0]!.request!.generationConfig as Record<string, unknown>).thinkingConfig, { thinkingLevel: "HIGH" });
});

test("canaries: each spec check refuses a wrong reasoning field", () => {
  const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };
  assert.notDeepEqual(validateOpenAI({ ...chat, reasoning_effort: "extreme" }), []);
  assert.notDeepEqual(validateMistral({ ...chat, reasoning_effort: "max" }), []);
  const params = { model: "c", max_tokens: 4000, messages: [{ role: "user", content: "hi" }] };
  const anthropic = (extra: object) => validateAnthropic({ custom_id: "c", params: { ...params, ...extra } });
  assert.notDeepEqual(anthropic({ thinking: { type: "enabled" } }), []);
  assert.notDeepEqual(anthropic({ thinking: { type: "adaptive", display: "full" } }), []);
  assert.notDeepEqual(anthropic({ output_config: { effort: "extreme" } }), []);
  const gemini = { model: "models/g", contents: [{ role: "user", parts: [{ text: "hi" }] }] };
  assert.notDeepEqual(validateGemini({ ...gemini, thinkingConfig: { thinkingBudget: 10 } }), []);
  assert.notDeepEqual(validateGemini({ ...gemini, generationConfig: { thinkingConfig: { thinkingLevel: "EXTREME" } } }), []);
});

test("what a provider cannot express is refused naming request and field, or left out with a warning", () => {
  const cases: [() => { prepareBatch(requests: UnifiedRequest[]): unknown }, UnifiedRequest, string][] = [
    [() => new OpenAIProvider({ apiKey: "k", storage: false }), reasoningRequest("budget", "gpt-5-mini", { budgetTokens: 2048 }), "reasoning.budgetTokens"],
    [() => new AnthropicProvider({ apiKey: "k", storage: false }), reasoningRequest("low-budget", "claude-opus-4-6", { budgetTokens: 100 }), "reasoning.budgetTokens"],
    [() => new GoogleProvider({ apiKey: "k", storage: false }), reasoningRequest("effort-on-2.5", "gemini-2.5-flash", { effort: "high" }), "reasoning.effort"],
    [() => new MistralProvider({ apiKey: "k", storage: false }), reasoningRequest("max", "mistral-small-latest", { effort: "max" }), "reasoning.effort"],
    [() => new VLLMProvider({ baseUrl: "http://vllm.invalid/v1", storage: false }), reasoningRequest("minimal", "Qwen/Qwen3-0.6B", { effort: "minimal" }), "reasoning.effort"],
  ];
  for (const [make, request, field] of cases) {
    assert.throws(() => make().prepareBatch([request]), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.index, error.customId, error.field], [0, request.customId, field]);
      return true;
    });
  }
  const dropping = new GoogleProvider({ apiKey: "k", storage: false, dropUnsupported: true });
  const prepared = dropping.prepareBatch([reasoningRequest("effort-on-2.5", "gemini-2.5-flash", { effort: "high" })]);
  assert.ok(prepared.summary.warnings.some((warning) => warning.field === "reasoning.effort"));
  const request = (JSON.parse(prepared.providerJsonl) as Line).request!;
  assert.equal((request.generationConfig as Record<string, unknown> | undefined)?.thinkingConfig, undefined);
});
