/** The router's providers: given as instances, or built by name from their options. */
import { ConfigurationError } from "../errors.js";
import { BatchProvider, type ProviderOptions } from "../provider.js";
import { AnthropicProvider } from "../providers/anthropic-provider.js";
import { GoogleProvider } from "../providers/google-provider.js";
import { MistralProvider } from "../providers/mistral-provider.js";
import { OpenAIProvider } from "../providers/openai-provider.js";
import type { ProviderName } from "../types.js";

/**
 * A local vLLM behind the batch-router sidecar (an OpenAI-compatible files-and-batches API). No key
 * is needed; the base URL defaults to the sidecar's `http://127.0.0.1:8765/v1`.
 */
class VllmProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super({ name: "vllm", keyVariables: ["VLLM_API_KEY"], baseUrlVariable: "VLLM_BASE_URL", requiresKey: false }, options);
  }
}

const NAMES: readonly ProviderName[] = ["openai", "anthropic", "google", "mistral", "vllm"];

/** The canonical name of a provider as written in a batch (`gemini` is Google's). */
export function providerName(name: string | undefined): ProviderName {
  const lower = (name ?? "").toLowerCase();
  const canonical = lower === "gemini" ? "google" : lower;
  if (!(NAMES as readonly string[]).includes(canonical)) {
    throw new ConfigurationError(`unknown provider "${name ?? ""}"; expected one of ${NAMES.join(", ")}`);
  }
  return canonical as ProviderName;
}

export function createProvider(name: ProviderName, options: ProviderOptions): BatchProvider {
  switch (name) {
    case "openai":
      return new OpenAIProvider(options);
    case "anthropic":
      return new AnthropicProvider(options);
    case "google":
      return new GoogleProvider(options);
    case "mistral":
      return new MistralProvider(options);
    case "vllm":
      return new VllmProvider(options);
  }
}
