/** Mistral's batch inference API. The key comes from `MISTRAL_API_KEY` unless given. */
import { BatchProvider, type ProviderOptions } from "../provider.js";

/**
 * Mistral's batch inference API (`/v1/files` + `/v1/batch/jobs`). The key comes from
 * `MISTRAL_API_KEY` and the base URL from `MISTRAL_BASE_URL` unless given. Files by default,
 * `route: "inline"` for small jobs; `timeoutHours` sets the job's window (1–168, default 24).
 */
export class MistralProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super("mistral", options);
  }
}
