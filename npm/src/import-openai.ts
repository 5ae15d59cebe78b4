/** Existing OpenAI batch input files as unified requests (the conversion is the core's). */
import { toBatchRouterError } from "./errors.js";
import { checkJsonlText } from "./request-json.js";
import type { UnifiedRequest } from "./types.js";
import { importOpenAIJsonl } from "./wasm.js";

/**
 * Reads an OpenAI batch input file (JSONL of `{custom_id, method, url, body}` Chat Completions
 * lines) as unified requests, ready for any provider. Fields with a unified form (messages, tools,
 * `response_format`, `reasoning_effort`, sampling settings, `safety_identifier`) are mapped; other
 * body fields are kept in `providerKwargs`; what cannot be kept (custom tools, audio parts, file
 * ids, a system message mid-conversation, an image `detail` of `low`/`high`, two different token
 * limits, the legacy `function` role, a line without `custom_id` or with a method other than POST)
 * is a `ValidationError` naming the request and field.
 */
export function unifiedFromOpenAIBatch(openaiJsonl: string): UnifiedRequest[] {
  checkJsonlText(openaiJsonl, "openaiJsonl");
  let unifiedJsonl: string;
  try {
    unifiedJsonl = importOpenAIJsonl(openaiJsonl);
  } catch (error) {
    throw toBatchRouterError(error);
  }
  return unifiedJsonl
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as UnifiedRequest);
}
