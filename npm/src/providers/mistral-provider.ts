/** Mistral's batch inference API. The key comes from `MISTRAL_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

export class MistralProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super({ name: "mistral", keyVariables: ["MISTRAL_API_KEY"], baseUrlVariable: "MISTRAL_BASE_URL", requiresKey: true }, options);
  }
}
