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
  planJob as planJobInCore,
  providerOfBatchId as providerOfBatchIdInCore,
  providerRegistry as providerRegistryInCore,
  prepareBatch as prepareBatchInCore,
  prepareJsonl as prepareJsonlInCore,
  retryDelay,
  taggedMetadata,
  unifiedRequestLines,
  version as coreVersion,
} from "../wasm/batch_router_wasm.js";
export type * from "../wasm/batch_router_wasm.js";
