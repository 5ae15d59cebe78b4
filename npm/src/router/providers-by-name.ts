/** The router's providers: given as instances, or built by name from their options. */
import { ConfigurationError } from "../errors.js";
import type { BatchProvider, ProviderOptions } from "../provider.js";
import { canonicalProviderName, providerNames } from "../provider-registry.js";
import { AnthropicProvider, type AnthropicProviderOptions } from "../providers/anthropic-provider.js";
import { AzureOpenAIProvider } from "../providers/azure-openai-provider.js";
import { GoogleProvider } from "../providers/google-provider.js";
import { GroqProvider } from "../providers/groq-provider.js";
import { MistralProvider } from "../providers/mistral-provider.js";
import { OpenAIProvider } from "../providers/openai-provider.js";
import { TogetherProvider } from "../providers/together-provider.js";
import { XAIProvider } from "../providers/xai-provider.js";
import type { ProviderName } from "../types.js";

/** The canonical name of a provider as written in a batch (`gemini` is Google's). */
export function providerName(name: string | undefined): ProviderName {
  const canonical = canonicalProviderName(name ?? "");
  if (canonical === undefined) {
    throw new ConfigurationError(`unknown provider "${name ?? ""}"; expected one of ${providerNames().join(", ")}`);
  }
  return canonical;
}

/** A provider built from its options (vLLM excepted: see below). */
export function createProvider(name: ProviderName, options: ProviderOptions & Pick<AnthropicProviderOptions, "apiVersion">): BatchProvider {
  switch (name) {
    case "openai":
      return new OpenAIProvider(options);
    case "anthropic":
      return new AnthropicProvider(options);
    case "google":
      return new GoogleProvider(options);
    case "mistral":
      return new MistralProvider(options);
    case "groq":
      return new GroqProvider(options);
    case "azure":
      return new AzureOpenAIProvider(options);
    case "together":
      return new TogetherProvider(options);
    case "xai":
      return new XAIProvider(options);
    case "vllm":
      // VLLMProvider starts a local process, so only the Node, Deno and Bun entry exports it; the
      // router (shared with the workers entry) takes it as an instance.
      throw new ConfigurationError("providers.vllm: pass a VLLMProvider instance (new VLLMProvider({ baseUrl }))");
  }
}
