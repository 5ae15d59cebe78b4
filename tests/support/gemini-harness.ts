/**
 * What the Gemini suites share: an emulator served on 127.0.0.1 with the spec validators plugged
 * in, a `GoogleProvider` pointed at it, and the checks of normalized results.
 */
import assert from "node:assert/strict";

import { GoogleProvider, MemoryStorage, type ProviderOptions, type UnifiedResult } from "batch-router";

import { GeminiEmulator, type GeminiEmulatorOptions } from "../emulators/gemini-emulator.js";
import type { JsonObject } from "../emulators/gemini-responses.js";
import { geminiValidator } from "./gemini-spec.js";
import { serve, type RunningServer } from "./serve.js";
export { collect, waitUntilComplete } from "./batches.js";

export const GEMINI_KEY = "fake-google-emulator-key-0123456789abcdefXYZ";

export interface GeminiSetup {
  emulator: GeminiEmulator;
  server: RunningServer;
  storage: MemoryStorage;
  provider: GoogleProvider;
  /** Another provider on the same emulator, with other options. */
  providerWith(options: ProviderOptions): GoogleProvider;
}

export async function startGemini(options: GeminiEmulatorOptions = {}, providerOptions: ProviderOptions = {}): Promise<GeminiSetup> {
  const emulator = new GeminiEmulator({
    apiKey: GEMINI_KEY,
    validators: {
      inlinedRequest: geminiValidator("InlinedRequest"),
      generateContentRequest: geminiValidator("GenerateContentRequest"),
      createBody: geminiValidator("BatchGenerateContentRequest"),
    },
    chunkSize: 97,
    ...options,
  });
  const server = await serve(emulator.fetch);
  const storage = new MemoryStorage();
  const providerWith = (extra: ProviderOptions) => new GoogleProvider({ apiKey: GEMINI_KEY, baseUrl: server.url, storage, ...providerOptions, ...extra });
  return { emulator, server, storage, provider: providerWith({}), providerWith };
}

/** The inline responses of a finished operation (output under `response`). */
export function inlinedResponsesOf(operation: JsonObject): JsonObject[] {
  const response = operation.response as { inlinedResponses: { inlinedResponses: JsonObject[] } };
  return response.inlinedResponses.inlinedResponses;
}

/** Checks the results of `outcomeRequests()`: every kind of answer, normalized. */
export function assertOutcomes(results: UnifiedResult[]): void {
  const byId = new Map(results.map((result) => [result.customId, result]));
  assert.deepEqual([...byId.keys()].sort(), ["blocked", "cut", "invalid", "plain", "quota", "thought", "tool", "unsafe"]);
  assert.equal(results.length, 8);

  const plain = byId.get("plain")!;
  assert.equal(plain.status, "succeeded");
  assert.equal(plain.response?.text, "echo: Why is the sky blue?");
  assert.deepEqual(plain.response?.content, [{ type: "text", text: "echo: Why is the sky blue?" }]);
  assert.equal(plain.response?.finishReason, "stop");
  assert.equal(plain.response?.rawFinishReason, "STOP");
  assert.equal(plain.response?.model, "gemini-2.5-flash");
  assert.match(plain.response?.id ?? "", /^emulated-response-\d+$/);
  const usage = plain.response?.usage;
  assert.ok(usage && usage.inputTokens > 0);
  assert.equal(usage?.outputTokens, 6);
  assert.equal(usage?.totalTokens, usage!.inputTokens + 6);

  const tool = byId.get("tool")!.response!;
  assert.equal(tool.finishReason, "tool_calls");
  assert.equal(tool.rawFinishReason, "STOP");
  assert.equal(tool.text, "");
  // Gemini sends no call id; one is made from the response id, the candidate and the position.
  assert.deepEqual(tool.content, [{ type: "tool_call", id: `gemini_${tool.id}_0_0`, name: "get_weather", arguments: { city: "Paris", days: 2 } }]);

  const thought = byId.get("thought")!.response!;
  assert.equal(thought.content.length, 2);
  assert.deepEqual(thought.content[0], { type: "reasoning", text: "The user wrote 3 words; answer plainly.", signature: "c2lnbmF0dXJlLW9mLXRoZS10aG91Z2h0", provider: "google" });
  assert.equal(thought.text, "echo: Think first. THINK", "reasoning stays out of the text");
  assert.equal(thought.usage?.reasoningTokens, 7);

  const cut = byId.get("cut")!.response!;
  assert.equal(cut.finishReason, "length");
  assert.equal(cut.rawFinishReason, "MAX_TOKENS");
  assert.equal(cut.text, "echo: Tell");

  const unsafe = byId.get("unsafe")!;
  assert.equal(unsafe.status, "succeeded");
  assert.equal(unsafe.response?.finishReason, "content_filter");
  assert.equal(unsafe.response?.rawFinishReason, "SAFETY");
  assert.equal(unsafe.response?.text, "");
  // Gemini's safety stop is its refusal: a refusal part, the reason as its category.
  assert.deepEqual(unsafe.response?.content, [{ type: "refusal", text: "", category: "SAFETY" }]);

  const blocked = byId.get("blocked")!.response!;
  assert.equal(blocked.finishReason, "content_filter");
  assert.equal(blocked.rawFinishReason, "PROHIBITED_CONTENT");
  assert.deepEqual(blocked.content, [{ type: "refusal", text: "", category: "PROHIBITED_CONTENT" }]);

  const quota = byId.get("quota")!;
  assert.equal(quota.status, "errored");
  assert.equal(quota.response, undefined);
  assert.equal(quota.error?.code, "RESOURCE_EXHAUSTED");
  assert.equal(quota.error?.retryable, true);
  assert.match(quota.error?.message ?? "", /Resource has been exhausted/);
  const invalid = byId.get("invalid")!;
  assert.equal(invalid.status, "errored");
  assert.equal(invalid.error?.code, "INVALID_ARGUMENT");
  assert.equal(invalid.error?.retryable, false);
}
