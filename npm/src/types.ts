/**
 * The unified types, generated from the Rust core by tsify (see `crates/core/src/model`), re-exported
 * under their public names.
 */
export type {
  AttributedBy,
  Attribution,
  BatchError,
  BatchListPage as BatchListPageData,
  BatchStatus,
  BatchStatusResponse as BatchStatusData,
  BatchSummary,
  CacheControl,
  CacheTtl,
  Candidate,
  ContentPart,
  EmbeddingInput,
  EmbeddingTaskType,
  Endpoint,
  FinishReason,
  GenerationConfig,
  IdMapping,
  JsonAnswers,
  ListOptions,
  MediaContent,
  MessageContent,
  OutputPart,
  Provider as ProviderName,
  Reasoning,
  ReasoningContent,
  ReasoningEffort,
  RedactedReasoningContent,
  RequestCounts,
  ResultError,
  ResponseFormat,
  ResponseFormatKind,
  ResultStatus,
  Role,
  SourceType,
  SystemPrompt,
  WebhookConfig,
  TextContent,
  Tool,
  ToolCallContent,
  ToolChoice,
  ToolChoiceMode,
  ToolResultContent,
  UnifiedBatchMetadata,
  UnifiedMessage,
  UnifiedRequest,
  UnifiedResponse,
  UnifiedResult,
  Usage,
  Warning,
} from "../wasm/batch_router_wasm.js";

import type { MediaContent } from "../wasm/batch_router_wasm.js";
/** An image: base64 data (with `mediaType`), an http(s) URL, or a provider file URI. */
export type ImageContent = MediaContent;
/** A document such as a PDF, in the same shape as an image. */
export type DocumentContent = MediaContent;
