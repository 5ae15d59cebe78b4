/** The public API, shared by every entry point. */
export { BatchStatusResponse } from "./batch-status.js";
export { dryRun, type DryRunOptions, type DryRunResult } from "./dry-run.js";
export {
  AbortError,
  BatchNotCompleteError,
  BatchNotFoundError,
  BatchRouterError,
  ConfigurationError,
  ConnectionError,
  InvalidResponseError,
  ProviderError,
  ValidationError,
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
export { AnthropicProvider } from "./providers/anthropic-provider.js";
export { GoogleProvider } from "./providers/google-provider.js";
export { MistralProvider } from "./providers/mistral-provider.js";
export { OpenAIProvider } from "./providers/openai-provider.js";
export { MemoryStorage, NoStorage, type BatchStorage } from "./storage.js";
export { TransparencyFiles, type BatchMeta } from "./transparency.js";
export type * from "./types.js";
export { coreVersion } from "./wasm.js";
