/**
 * The compiled Rust core. Entry points initialise it once (each runtime loads the `.wasm` its own
 * way); everything else imports it from here.
 */
export {
  BatchClient,
  BatchFinder,
  PreparedBatch,
  ResultStream,
  ResultsOpening,
  SubmissionRun,
  budgetAdmission,
  cachePriceUnknown,
  costOfUsage,
  estimateBatch as estimateBatchInCore,
  estimateRequests as estimateRequestsInCore,
  inputParts as inputPartsInCore,
  importOpenAIJsonl,
  initSync,
  admitUnderQuota as admitUnderQuotaInCore,
  requeueAfterFailure,
  isQuotaFailure,
  waitAfterRefusal,
  quotaLimits,
  splitByTokens,
  isTransientFailure,
  jobTagNeedsWatermark,
  mayHaveTakenEffect,
  providerOfBatchId as providerOfBatchIdInCore,
  providerRegistry as providerRegistryInCore,
  retryDelay,
  sentModels as sentModelsInCore,
  taggedMetadata,
  unifiedRequestLines,
  version as coreVersion,
} from "../wasm/batch_router_wasm.js";
export type * from "../wasm/batch_router_wasm.js";

import { planJob, prepareBatch, prepareJsonl, RequestText, type JobPlan, type PlanOptions, type PreparedBatch, type PrepareOptions } from "../wasm/batch_router_wasm.js";

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
  const text = requestText(unifiedJsonl);
  try {
    return prepareJsonl(provider, text, options);
  } finally {
    text.free();
  }
}

/**
 * `text` as UTF-8 written straight into the module's memory (`encodeInto`): no intermediate
 * `Uint8Array` to allocate and copy again. ASCII text fits in `text.length` bytes at the first
 * try; otherwise the rest gets room for its worst case, three bytes per UTF-16 unit.
 */
function requestText(text: string): RequestText {
  const buffer = new RequestText(text.length);
  let rest = text;
  let room = text.length;
  for (;;) {
    const { read, written } = encoder.encodeInto(rest, buffer.spare(room));
    buffer.commit(written);
    if (read >= rest.length) return buffer;
    rest = rest.slice(read);
    room = rest.length * 3;
  }
}

/** Validates unified JSONL for `provider` and cuts it into provider batches (the text crosses as bytes). */
export function planJobInCore(provider: string, unifiedJsonl: string, prepareOptions: PrepareOptions, planOptions: PlanOptions): JobPlan {
  return planJob(provider, encoder.encode(unifiedJsonl), prepareOptions, planOptions);
}
