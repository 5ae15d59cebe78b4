/**
 * Building a provider from the command line: `--provider` (or inferred from the batch id's shape),
 * the key from the environment or `--api-key` (never printed), `--base-url`, `--dir`.
 */
import { VLLMProvider } from "../providers/vllm-provider.js";
import { canonicalProviderName, providerEntries, providerNames, providerOfBatchId } from "../provider-registry.js";
import { createProvider as createProviderByName } from "../router/providers-by-name.js";
import type { BatchProvider, ProviderOptions } from "../provider.js";
import type { AnthropicProviderOptions } from "../providers/anthropic-provider.js";
import type { ProviderName } from "../types.js";
import { ValidationError } from "../errors.js";
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

/**
 * Help text with the registry's lists filled in: `{{providers}}` becomes the provider names (with
 * aliases), `{{keys}}` the environment variables holding their keys.
 */
export function withProviderNames(help: string): string {
  const entries = providerEntries();
  const names = entries.map((entry) => (entry.aliases.length > 0 ? `${entry.name} (${entry.aliases.join(", ")})` : entry.name));
  const keys = entries.filter((entry) => entry.requiresKey).map((entry) => entry.keyVariables.join(" or "));
  return help.replaceAll("{{providers}}", names.join(", ")).replaceAll("{{keys}}", keys.join(", "));
}

/** The provider a batch id belongs to, from the id's documented shape (the core's registry). */
export function inferProvider(batchId: string): ProviderName | undefined {
  return providerOfBatchId(batchId);
}

/**
 * What to add to a failure of a command whose provider was inferred from the batch id's shape, when
 * other providers' ids have that shape too ("mistral batch … was not found" for a Together id
 * said nothing of `--provider`, a new-user trial); empty otherwise.
 */
export function sharedShapeHint(inferred: ProviderName): string {
  const alike = providerEntries().filter((entry) => entry.batchIdsLike === inferred);
  const shape = providerEntries().find((entry) => entry.name === inferred)?.batchIdShape;
  if (alike.length === 0 || shape === undefined) return "";
  const names = alike.map((entry) => entry.name);
  const others = alike.map((entry) => entry.displayName).join(" and ");
  return ` (the provider was taken to be ${inferred} from the id's shape, ${shape}; ${others} batch ids have the same shape: for one of those, pass ${names.map((name) => `--provider ${name}`).join(" or ")})`;
}

export function providerName(value: string | undefined, batchId?: string): ProviderName {
  if (value === undefined) {
    const inferred = batchId === undefined ? undefined : inferProvider(batchId);
    if (inferred) return inferred;
    throw new UsageError(batchId === undefined ? "--provider is required" : `cannot tell the provider of "${batchId}"; pass --provider`);
  }
  const name = canonicalProviderName(value);
  if (name === undefined) throw new UsageError(`unknown provider "${value}"; expected one of ${providerNames().join(", ")}`);
  return name;
}

export function createProvider(name: ProviderName, values: ProviderFlagValues, extra: ProviderOptions & Pick<AnthropicProviderOptions, "apiVersion"> = {}): BatchProvider {
  const options: ProviderOptions & Pick<AnthropicProviderOptions, "apiVersion"> = { storageDir: values.dir ?? ".batch_router", ...extra };
  if (values["api-key"] !== undefined) options.apiKey = values["api-key"];
  if (values["base-url"] !== undefined) options.baseUrl = values["base-url"];
  if (name === "vllm") {
    // A batch lives as long as its sidecar: the CLI talks to one started with `batch-router sidecar`.
    if (options.baseUrl === undefined) {
      throw new UsageError('--provider vllm needs --base-url of a running sidecar (start one with "batch-router sidecar")');
    }
    return flagErrors(() => new VLLMProvider(options));
  }
  return flagErrors(() => createProviderByName(name, options));
}

/** The flag a provider option comes from, for the options a provider checks when it is made. */
const flagOfOption: Record<string, string> = { "options.apiKey": "--api-key", "options.baseUrl": "--base-url" };

/** A refused `--api-key` or `--base-url` as a usage error (exit 2) that names the flag, not the option. */
function flagErrors(make: () => BatchProvider): BatchProvider {
  try {
    return make();
  } catch (error) {
    const field = error instanceof ValidationError ? error.field : undefined;
    if (field === undefined || !(field in flagOfOption)) throw error;
    throw new UsageError(flagOfOption[field] + (error as ValidationError).message.slice(field.length));
  }
}
