/** xAI's Batch API. The key comes from `XAI_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

/**
 * xAI's Batch API (endpoints-and-push.md §5.2): OpenAI-style chat completion lines uploaded to
 * `POST /files`, then `POST /batches {input_file_id, name}`, under `https://api.x.ai/v1`. The key
 * comes from `XAI_API_KEY` and the base URL from `XAI_BASE_URL` unless given.
 *
 * xAI's batch has no status string: `status` is derived from its request counters (`rawStatus`
 * names the derived state), and results are read page by page from `/batches/{id}/results`.
 * The batch name is `metadata.name` (default `batch-router`); other metadata stays in the
 * transparency files only. Each batch is kept to 100,000 requests and 25 MB.
 *
 * @example
 * ```ts
 * const provider = new XAIProvider();
 * const batchId = await provider.sendBatch({ provider: "xai", requests });
 * ```
 */
export class XAIProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super("xai", options);
  }
}
