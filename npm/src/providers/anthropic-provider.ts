/** Anthropic's Message Batches API. The key comes from `ANTHROPIC_API_KEY` unless given. */
import { keysOf } from "../option-shapes.js";
import { BatchProvider, type ProviderOptions } from "../provider.js";

/** Options of {@link AnthropicProvider}. */
export interface AnthropicProviderOptions extends ProviderOptions {
  /**
   * The `anthropic-version` header of every call: `"2023-06-01"` (the default, pinned) or
   * `"2026-10-21"`, whose rules (no `temperature`, `topP` or `topK` on any model) then apply to
   * every request of a batch before it is sent (provider-changes C.2).
   */
  apiVersion?: "2023-06-01" | "2026-10-21";
}

/**
 * Anthropic's Message Batches API (requests sent inline, results read from `results_url`). The key
 * comes from `ANTHROPIC_API_KEY` and the base URL from `ANTHROPIC_BASE_URL` unless given. Custom
 * ids Anthropic refuses are mapped to safe ones and mapped back in the results; a request without
 * `maxTokens` is sent with 4096 (with a warning in the summary).
 */
export class AnthropicProvider extends BatchProvider {
  constructor(options: AnthropicProviderOptions = {}) {
    const optionKeys = keysOf<Omit<AnthropicProviderOptions, keyof ProviderOptions>>({ apiVersion: true });
    super("anthropic", options, options?.apiVersion === undefined ? { optionKeys } : { optionKeys, config: { apiVersion: options.apiVersion } });
  }
}
