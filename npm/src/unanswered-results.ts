/**
 * The results of requests an expired or cancelled batch never ran and gave no line for: OpenAI
 * writes a `batch_expired` / `batch_cancelled` line per such request, Anthropic an `expired` /
 * `canceled` one; Mistral, Together AI and Gemini write none. These make the same result for them,
 * so `getResults` and jobs give one result per request however the provider ended the batch.
 */
import type { UnifiedResult } from "./types.js";

/** How a batch ended when requests of it may have no result line. */
export type EndedEarly = "expired" | "cancelled";

/** How a batch ended early, from `ResultStream.endedEarly` (1 expired, 2 cancelled, 0 otherwise). */
export function endedEarly(code: number): EndedEarly | undefined {
  return code === 1 ? "expired" : code === 2 ? "cancelled" : undefined;
}

/**
 * The result of a request of batch `batchId`, which ended this way without a line for it: it did
 * not run, or (a Gemini batch, which keeps no partial output) its answer was not kept. Retryable,
 * as the providers' own lines are (retry.rs).
 */
export function unansweredResult(customId: string, ended: EndedEarly, batchId: string): UnifiedResult {
  return ended === "expired"
    ? { customId, status: "expired", error: { code: "batch_expired", message: `batch ${batchId} expired and gave no result for this request`, retryable: true } }
    : { customId, status: "cancelled", error: { code: "batch_cancelled", message: `batch ${batchId} was cancelled and gave no result for this request`, retryable: true } };
}
