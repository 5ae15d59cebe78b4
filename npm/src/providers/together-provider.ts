/** Together AI's Batch API. The key comes from `TOGETHER_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

/**
 * Together AI's Batch API (endpoints-and-push.md §5.4; Together's OpenAPI document): OpenAI-style
 * chat completion lines uploaded to `POST /files/upload` with `purpose=batch-api` (or, where that
 * route answers 404/405, by the SDK's signed-URL route: `POST /files` → 302, `PUT` to the signed
 * URL without the key, `POST /files/{id}/preprocess`), then `POST /batches`, under
 * `https://api.together.ai/v1`. The key comes from `TOGETHER_API_KEY` and
 * the base URL from `TOGETHER_BASE_URL` unless given.
 *
 * Limits: 50,000 requests and 100 MB per file, one model per batch. Statuses are Together's
 * uppercase ones (`rawStatus`, e.g. `IN_PROGRESS`); Together reports no request counts, so
 * `requestCounts` stays at zero until results are read (its `progress`, 0–100, is in `raw`).
 * Batches carry no metadata: `metadata` stays in the transparency files only.
 *
 * @example
 * ```ts
 * const provider = new TogetherProvider();
 * const batchId = await provider.sendBatch({ provider: "together", requests });
 * ```
 */
export class TogetherProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super("together", options);
  }
}
