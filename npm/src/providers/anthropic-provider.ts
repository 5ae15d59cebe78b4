/** Anthropic's Message Batches API. The key comes from `ANTHROPIC_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

export class AnthropicProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super({ name: "anthropic", keyVariables: ["ANTHROPIC_API_KEY"], baseUrlVariable: "ANTHROPIC_BASE_URL", requiresKey: true }, options);
  }
}
