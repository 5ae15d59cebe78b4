/**
 * What the spec suites share: the provider lines a batch is prepared into, and one validator per
 * provider body against its official spec (vLLM's and the OpenAI dialects' against OpenAI's).
 */
import type { UnifiedRequest } from "batch-router";

import { geminiValidator } from "./gemini-spec.js";
import { specValidator } from "./spec-validator.js";

/** One provider line, parsed: `{custom_id, body}`, `{custom_id, params}` or `{key, request}`. */
export type Line = Record<string, Record<string, unknown>>;

interface Preparing {
  prepareBatch(requests: UnifiedRequest[]): { providerJsonl: string };
}

/** The provider lines `requests` are prepared into, nothing sent. */
export function lines(provider: Preparing, requests: UnifiedRequest[]): Line[] {
  return provider.prepareBatch(requests).providerJsonl.trim().split("\n").map((line) => JSON.parse(line) as Line);
}

export const validateOpenAI = specValidator("openai", "CreateChatCompletionRequest");
export const validateAnthropic = specValidator("anthropic", "MessageBatchIndividualRequestParams");
export const validateGemini = geminiValidator("GenerateContentRequest");
export const validateMistral = specValidator("mistral", "ChatCompletionRequest");
