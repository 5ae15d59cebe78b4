/** The public API, shared by every entry point. */
export { BatchStatusResponse } from "./batch-status.js";
export { dryRun, type DryRunOptions, type DryRunResult } from "./dry-run.js";
export { estimateBatch, estimateRequests, type CostOptions, type CostReport, type ModelCost, type PriceTable, type TokenCounter, type TokenEstimateOptions } from "./estimate.js";
export { unifiedFromOpenAIBatch } from "./import-openai.js";
export {
  AbortError,
  BatchNotCompleteError,
  BatchNotFoundError,
  BatchRouterError,
  ConfigurationError,
  ConnectionError,
  InvalidResponseError,
  JobConflictError,
  JobInterruptedError,
  ProviderError,
  TimeoutError,
  ValidationError,
  WebhookVerificationError,
} from "./errors.js";
export {
  BatchProvider,
  type BatchListPage,
  type CallOptions,
  type FetchFunction,
  type ListBatchesOptions,
  type PreparedBatchInfo,
  type ProviderOptions,
  type SendOptions,
} from "./provider.js";
export { providerEntries } from "./provider-registry.js";
export { AnthropicProvider, type AnthropicProviderOptions } from "./providers/anthropic-provider.js";
export { AzureOpenAIProvider, type AzureOpenAIProviderOptions } from "./providers/azure-openai-provider.js";
export { GroqProvider } from "./providers/groq-provider.js";
export { GoogleProvider, type GoogleProviderOptions } from "./providers/google-provider.js";
export { MistralProvider } from "./providers/mistral-provider.js";
export { OpenAIProvider } from "./providers/openai-provider.js";
export { TogetherProvider } from "./providers/together-provider.js";
export { XAIProvider } from "./providers/xai-provider.js";
export {
  BatchRouter,
  type BatchRouterOptions,
  type CompletionResult,
  type JobOptions,
  type RouterCallOptions,
} from "./router/batch-router.js";
export type { AdvanceOptions, AdvanceResult } from "./router/job-advance.js";
export type { WebhookOptions } from "./router/job-webhook.js";
export { StorageJobState, type JobStateStore, type VersionedRecord } from "./job-state.js";
export { PostgresJobStore, type PostgresJobStoreOptions, type PostgresQuery } from "./stores/postgres-store.js";
export { D1JobStore, R2Storage, type D1DatabaseLike, type D1JobStoreOptions, type D1StatementLike, type R2BucketLike } from "./stores/cloudflare-store.js";
export { verifyWebhook, type VerifyWebhookOptions, type WebhookEvent } from "./webhooks.js";
export { GOOGLE_WEBHOOK_JWKS_URL, verifyWebhookJwt, type WebhookJsonWebKey, type WebhookJwtClaims, type WebhookJwtOptions } from "./webhook-jwt.js";
export type { JobManifest, OutcomeCounts, Ranges, SubmissionPhase, SubmissionRecord } from "./router/job-manifest.js";
export type { JobSummary, UnsuccessfulRequest } from "./router/job-results.js";
export type { BatchProgress, ProgressEvent, WaitOptions } from "./router/wait.js";
export { MemoryStorage, NoStorage, type BatchStorage } from "./storage.js";
export { TransparencyFiles, type BatchMeta, type ResultFilesWriting } from "./transparency.js";
export type * from "./types.js";
export type { BatchEstimate, EstimateOptions, ModelEstimate, ModelPrice, QuotaLimits, RequestEstimate } from "./wasm.js";
export type { ModelQuotas } from "./router/job-quota.js";
export type { ChunkLimits, ProviderEntry, JobPlan, PlannedChunk, PlanOptions, RetryPolicy, SubmissionCheckpoint, Watermark } from "./wasm.js";
export { coreVersion } from "./wasm.js";
