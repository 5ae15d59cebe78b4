/** Anthropic's Message Batches API. The key comes from `ANTHROPIC_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

/**
 * Anthropic's Message Batches API (requests sent inline, results read from `results_url`). The key
 * comes from `ANTHROPIC_API_KEY` and the base URL from `ANTHROPIC_BASE_URL` unless given. Custom
 * ids Anthropic refuses are mapped to safe ones and mapped back in the results; a request without
 * `maxTokens` is sent with 4096 (with a warning in the summary).
 */
export class AnthropicProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super("anthropic", options);
  }
}
