/**
 * Building a provider from the command line: `--provider` (or inferred from the batch id's shape),
 * the key from the environment or `--api-key` (never printed), `--base-url`, `--dir`.
 */
import { VLLMProvider } from "../providers/vllm-provider.js";
import { createProvider as createProviderByName } from "../router/providers-by-name.js";
import type { BatchProvider, ProviderOptions } from "../provider.js";
import type { ProviderName } from "../types.js";
import { UsageError } from "./output.js";

export const providerFlags = {
  provider: { type: "string" },
  "api-key": { type: "string" },
  "base-url": { type: "string" },
  dir: { type: "string" },
  help: { type: "boolean" },
  json: { type: "boolean" },
} as const;

export interface ProviderFlagValues {
  provider?: string;
  "api-key"?: string;
  "base-url"?: string;
  dir?: string;
}

/** The provider a batch id belongs to, from the id's documented shape. */
export function inferProvider(batchId: string): ProviderName | undefined {
  if (batchId.startsWith("msgbatch_")) return "anthropic";
  if (batchId.startsWith("batches/")) return "google";
  if (batchId.startsWith("batch_")) return "openai";
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(batchId)) return "mistral";
  return undefined;
}

export function providerName(value: string | undefined, batchId?: string): ProviderName {
  const name = value === "gemini" ? "google" : value;
  if (name === undefined) {
    const inferred = batchId === undefined ? undefined : inferProvider(batchId);
    if (inferred) return inferred;
    throw new UsageError(batchId === undefined ? "--provider is required" : `cannot tell the provider of "${batchId}"; pass --provider`);
  }
  if (!["openai", "anthropic", "google", "mistral", "vllm"].includes(name)) {
    throw new UsageError(`unknown provider "${value}"; expected openai, anthropic, google, mistral or vllm`);
  }
  return name as ProviderName;
}

export function createProvider(name: ProviderName, values: ProviderFlagValues, extra: ProviderOptions = {}): BatchProvider {
  const options: ProviderOptions = { storageDir: values.dir ?? ".batch_router", ...extra };
  if (values["api-key"] !== undefined) options.apiKey = values["api-key"];
  if (values["base-url"] !== undefined) options.baseUrl = values["base-url"];
  if (name === "vllm") {
    // A batch lives as long as its sidecar: the CLI talks to one started with `batch-router sidecar`.
    if (options.baseUrl === undefined) {
      throw new UsageError('--provider vllm needs --base-url of a running sidecar (start one with "batch-router sidecar")');
    }
    return new VLLMProvider(options);
  }
  return createProviderByName(name, options);
}
