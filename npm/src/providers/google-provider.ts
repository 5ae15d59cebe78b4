/**
 * Google's Gemini Developer API batch mode. The key comes from `GOOGLE_API_KEY` or `GEMINI_API_KEY`
 * unless given. Small batches go inline, large ones through the Files API (chosen from the size,
 * overridable with `route`).
 */
import { BatchProvider, type ProviderOptions } from "../provider.js";

/**
 * The Gemini Developer API's batch mode. The key comes from `GOOGLE_API_KEY` or `GEMINI_API_KEY`
 * and the base URL from `GEMINI_BASE_URL` unless given. Batches under 20 MB go inline, larger ones
 * through the Files API (`route` overrides the choice). Batch ids are `batches/…`.
 */
export class GoogleProvider extends BatchProvider {
  constructor(options: ProviderOptions = {}) {
    super({ name: "google", keyVariables: ["GOOGLE_API_KEY", "GEMINI_API_KEY"], baseUrlVariable: "GEMINI_BASE_URL", requiresKey: true }, options);
  }
}
