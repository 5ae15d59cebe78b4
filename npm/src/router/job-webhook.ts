/**
 * `BatchRouter.handleWebhook`: a verified batch event wakes the job that created the batch (found
 * through `jobs/by-batch/<provider>/<batchId>`, written when the job recorded the batch) for one
 * round of `advanceJob`. The event is only a hint: the round reads the batch's status itself.
 */
import { WebhookVerificationError } from "../errors.js";
import type { JobStateStore } from "../job-state.js";
import type { ProviderName } from "../types.js";
import { verifyWebhook } from "../webhooks.js";
import type { AdvanceOptions, AdvanceResult } from "./job-advance.js";

export interface WebhookOptions {
  /** The endpoint's signing secret (`whsec_…`), or several during a rotation. */
  secret: string | string[];
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

export async function handleJobWebhook(request: Request, options: WebhookOptions, dependencies: WebhookDependencies): Promise<Response> {
  let event;
  try {
    const verifyOptions: Parameters<typeof verifyWebhook>[2] = { replayGuard: dependencies.state };
    if (options.toleranceSeconds !== undefined) verifyOptions.toleranceSeconds = options.toleranceSeconds;
    event = await verifyWebhook(request, options.secret, verifyOptions);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    // A replay is answered 2xx so that an honest sender's retries stop; nothing is done for it.
    if (error.reason === "replayed") return answer(200, { status: "duplicate" });
    const status = error.reason === "bad_payload" || error.reason === "missing_header" ? 400 : 401;
    return answer(status, { error: error.reason });
  }
  if (!event.type.startsWith("batch.") || event.batchId === undefined) return answer(200, { status: "ignored" });
  const jobId = await dependencies.jobOfBatch(event.provider, event.batchId);
  if (jobId === undefined) return answer(200, { status: "ignored" });
  const advanceOptions: AdvanceOptions = {};
  if (options.budgetMs !== undefined) advanceOptions.budgetMs = options.budgetMs;
  try {
    const result = await dependencies.advance(jobId, advanceOptions);
    return answer(200, { status: result.state, jobId, nextAdvanceInMs: result.nextAdvanceInMs });
  } catch (error) {
    // Received; the job stopped for its own reasons (a provider failing), and the next tick goes on.
    return answer(200, { status: "interrupted", jobId, error: (error as { code?: string }).code ?? "internal" });
  }
}
