/** OpenAI's Batch API. The key comes from `OPENAI_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

export class OpenAIProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super({ name: "openai", keyVariables: ["OPENAI_API_KEY"], baseUrlVariable: "OPENAI_BASE_URL", requiresKey: true }, options);
  }
}
