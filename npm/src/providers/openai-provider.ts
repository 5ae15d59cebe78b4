/** OpenAI's Batch API. The key comes from `OPENAI_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

/**
 * OpenAI's Batch API (`/v1/files` + `/v1/batches`, chat completions). The key comes from
 * `OPENAI_API_KEY` and the base URL from `OPENAI_BASE_URL` unless given; a base URL includes `/v1`.
 *
 * @example
 * ```ts
 * const provider = new OpenAIProvider();
 * const batchId = await provider.sendBatch({ provider: "openai", requests });
 * ```
 */
export class OpenAIProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super("openai", options);
  }
}
