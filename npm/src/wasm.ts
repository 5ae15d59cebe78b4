/**
 * The compiled Rust core. Entry points initialise it once (each runtime loads the `.wasm` its own
 * way); everything else imports it from here.
 */
export {
  BatchClient,
  PreparedBatch,
  ResultStream,
  SubmissionRun,
  budgetDecision,
  costOfUsage,
  estimateBatch as estimateBatchInCore,
  estimateRequests as estimateRequestsInCore,
  inputParts as inputPartsInCore,
  importOpenAIJsonl,
  initSync,
  admitUnderQuota as admitUnderQuotaInCore,
  requeueAfterFailure,
  waitAfterRefusal,
  quotaLimits,
  splitByTokens,
  isTransientFailure,
  jobTagNeedsWatermark,
  mayHaveTakenEffect,
  providerOfBatchId as providerOfBatchIdInCore,
  providerRegistry as providerRegistryInCore,
  retryDelay,
  taggedMetadata,
  unifiedRequestLines,
  version as coreVersion,
} from "../wasm/batch_router_wasm.js";
export type * from "../wasm/batch_router_wasm.js";

import { planJob, prepareBatch, prepareJsonl, type JobPlan, type PlanOptions, type PreparedBatch, type PrepareOptions } from "../wasm/batch_router_wasm.js";

const encoder = new TextEncoder();

/**
 * Validates and converts a JSON array of unified requests (its text) for `provider`. The text
 * crosses into wasm as UTF-8 bytes: `TextEncoder` is native, where the bindings' string copy walks
 * the string one character at a time in JS.
 */
export function prepareBatchInCore(provider: string, requestsJson: string, options: PrepareOptions): PreparedBatch {
  return prepareBatch(provider, encoder.encode(requestsJson), options);
}

/**
 * Validates and converts unified JSONL text (one request per line) for `provider`; the text
 * crosses as UTF-8 bytes, as in {@link prepareBatchInCore}. Errors name the line and the request.
 */
export function prepareJsonlInCore(provider: string, unifiedJsonl: string, options: PrepareOptions): PreparedBatch {
  return prepareJsonl(provider, encoder.encode(unifiedJsonl), options);
}

/** Validates unified JSONL for `provider` and cuts it into provider batches (the text crosses as bytes). */
export function planJobInCore(provider: string, unifiedJsonl: string, prepareOptions: PrepareOptions, planOptions: PlanOptions): JobPlan {
  return planJob(provider, encoder.encode(unifiedJsonl), prepareOptions, planOptions);
}
