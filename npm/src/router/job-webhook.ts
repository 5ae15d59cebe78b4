/**
 * `BatchRouter.handleWebhook`: a verified batch event wakes the job that created the batch (found
 * through `jobs/by-batch/<provider>/<batchId>`, written when the job recorded the batch) for one
 * round of `advanceJob`. The event is only a hint: the round reads the batch's status itself.
 */
import { BatchRouterError, ConfigurationError, WebhookVerificationError } from "../errors.js";
import type { JobStateStore } from "../job-state.js";
import type { ProviderName } from "../types.js";
import type { WebhookJwtOptions } from "../webhook-jwt.js";
import { verifyWebhook } from "../webhooks.js";
import { checkWebhookOptions } from "./router-option-keys.js";
import type { AdvanceOptions, AdvanceResult } from "./job-advance.js";

export interface WebhookOptions {
  /**
   * The endpoint's signing secret (`whsec_…`), or several during a rotation: OpenAI's webhooks and
   * Gemini's static (project-level) ones. At least one of `secret` and `jwt` is needed.
   */
  secret?: string | string[];
  /** Gemini's per-job webhooks (RS256 JWT): the expected audience and the keys (see `WebhookJwtOptions`). */
  jwt?: WebhookJwtOptions;
  /** Seconds a delivery's timestamp may differ from now (default 300). */
  toleranceSeconds?: number;
  /** Milliseconds the job's round may take (default: until its work is done). */
  budgetMs?: number;
}

export interface WebhookDependencies {
  state: JobStateStore;
  jobOfBatch(provider: ProviderName, batchId: string): Promise<string | undefined>;
  advance(jobId: string, options: AdvanceOptions): Promise<AdvanceResult>;
}

function answer(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Codes of failures on the receiver's side: answered 503 so that the sender delivers again later. */
const RETRY_LATER = new Set(["webhook_keys_unavailable", "webhook_replay_busy"]);

export async function handleJobWebhook(request: Request, options: WebhookOptions, dependencies: WebhookDependencies): Promise<Response> {
  checkWebhookOptions(options);
  if (options.secret === undefined && options.jwt === undefined) {
    throw new ConfigurationError("handleWebhook needs `secret` (OpenAI, Gemini static webhooks) or `jwt` (Gemini per-job webhooks)");
  }
  let event;
  try {
    const verifyOptions: Parameters<typeof verifyWebhook>[2] = { replayGuard: dependencies.state };
    if (options.toleranceSeconds !== undefined) verifyOptions.toleranceSeconds = options.toleranceSeconds;
    if (options.jwt !== undefined) verifyOptions.jwt = options.jwt;
    event = await verifyWebhook(request, options.secret, verifyOptions);
  } catch (error) {
    if (error instanceof BatchRouterError && RETRY_LATER.has(error.code)) return answer(503, { error: error.code });
    if (!(error instanceof WebhookVerificationError)) throw error;
    // A replay is answered 2xx so that an honest sender's retries stop; nothing is done for it.
    if (error.reason === "replayed") return answer(200, { state: "duplicate" });
    const status = error.reason === "bad_payload" || error.reason === "missing_header" || error.reason === "malformed_header" ? 400 : 401;
    return answer(status, { error: error.reason });
  }
  if (!event.type.startsWith("batch.") || event.batchId === undefined) return answer(200, { state: "ignored" });
  const jobId = await jobOfEvent(dependencies, event.provider, event.batchId);
  if (jobId === undefined) return answer(200, { state: "ignored" });
  const advanceOptions: AdvanceOptions = {};
  if (options.budgetMs !== undefined) advanceOptions.budgetMs = options.budgetMs;
  try {
    const result = await dependencies.advance(jobId, advanceOptions);
    return answer(200, { state: result.state, jobId, nextAdvanceInMs: result.nextAdvanceInMs });
  } catch (error) {
    // Received; the job stopped for its own reasons (a provider failing), and the next tick goes on.
    return answer(200, { state: "interrupted", jobId, error: (error as { code?: string }).code ?? "internal" });
  }
}

/**
 * The job owning the event's batch. Gemini's webhook guide shows `data.id` as `batch_123456` while
 * its batches are named `batches/{id}` (reference endpoints-and-push.md, open point 6): a Google id
 * `batches/batch_<rest>` that no job owns is also looked up as `batches/<rest>`.
 */
async function jobOfEvent(dependencies: WebhookDependencies, provider: ProviderName, batchId: string): Promise<string | undefined> {
  const jobId = await dependencies.jobOfBatch(provider, batchId);
  const guideForm = /^batches\/batch_(.+)$/.exec(batchId);
  if (jobId !== undefined || provider !== "google" || guideForm === null) return jobId;
  return dependencies.jobOfBatch(provider, `batches/${guideForm[1]}`);
}
