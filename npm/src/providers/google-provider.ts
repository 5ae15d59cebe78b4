/**
 * Google's Gemini Developer API batch mode. The key comes from `GOOGLE_API_KEY` or `GEMINI_API_KEY`
 * unless given. Small batches go inline, large ones through the Files API (chosen from the size,
 * overridable with `route`).
 */
import { keysOf } from "../option-shapes.js";
import { BatchProvider, type ProviderOptions } from "../provider.js";
import type { UnifiedRequest } from "../types.js";
import { inlineUrlMedia } from "./download-media.js";

export interface GoogleProviderOptions extends ProviderOptions {
  /**
   * Gemini batches do not take plain http(s) URLs for images and documents: by default such a part
   * is a validation error. With `downloadUrls`, `sendBatch` downloads them (with this provider's
   * fetch) and sends them inline as base64. `prepareBatch` and jobs do not download.
   */
  downloadUrls?: boolean;
}

/**
 * The Gemini Developer API's batch mode. The key comes from `GOOGLE_API_KEY` or `GEMINI_API_KEY`
 * and the base URL from `GEMINI_BASE_URL` unless given. Batches under 20 MB go inline, larger ones
 * through the Files API (`route` overrides the choice). Batch ids are `batches/…`.
 */
export class GoogleProvider extends BatchProvider {
  private readonly downloadUrls: boolean;

  constructor(options: GoogleProviderOptions = {}) {
    super("google", options, { optionKeys: keysOf<Omit<GoogleProviderOptions, keyof ProviderOptions>>({ downloadUrls: true }) });
    this.downloadUrls = options.downloadUrls ?? false;
  }

  protected override async resolveRequests(requests: UnifiedRequest[], signal?: AbortSignal): Promise<UnifiedRequest[]> {
    return this.downloadUrls ? inlineUrlMedia(requests, this.fetchFunctionOrGlobal, signal) : requests;
  }
}
