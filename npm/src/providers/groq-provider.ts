/** Groq's Batch API. The key comes from `GROQ_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

/**
 * Groq's Batch API: OpenAI's files + batches protocol under `https://api.groq.com/openai/v1`, chat
 * completion lines. The key comes from `GROQ_API_KEY` and the base URL from `GROQ_BASE_URL` unless
 * given. Input files up to 100 MB; documents (PDF parts) are not accepted.
 *
 * @example
 * ```ts
 * const provider = new GroqProvider();
 * const batchId = await provider.sendBatch({ provider: "groq", requests });
 * ```
 */
export class GroqProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super("groq", options);
  }
}
