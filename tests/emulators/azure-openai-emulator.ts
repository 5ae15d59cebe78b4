/**
 * An Azure OpenAI Global Batch emulator, written from endpoints-and-push.md §5.1: OpenAI's object
 * model on `{endpoint}/openai/v1` (or `/openai` with `?api-version=` on every call for a dated
 * version), the `api-key` header or an Entra bearer token, create `endpoint: "/chat/completions"`
 * while lines keep `/v1/chat/completions`, and batch objects as Azure's samples write them:
 * capitalised statuses and ISO-8601 timestamps.
 */
import { OpenAIEmulator, type OpenAIEmulatorOptions } from "./openai-emulator.js";

export interface AzureEmulatorOptions extends OpenAIEmulatorOptions {
  /** A dated API version the emulator then requires on every call (default: the v1 API). */
  apiVersion?: string;
  /** An Entra token accepted as `authorization: Bearer …` besides the key. */
  entraToken?: string;
}

const TIMESTAMPS = ["created_at", "in_progress_at", "expires_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at"];

/** Azure's sample spelling of a batch: `"Validating"`, `"2024-07-19T14:11:26Z"`. */
function presentAsAzure(batch: Record<string, unknown>): Record<string, unknown> {
  const presented: Record<string, unknown> = { ...batch };
  const status = String(batch.status);
  presented.status = status.charAt(0).toUpperCase() + status.slice(1);
  for (const name of TIMESTAMPS) {
    if (typeof batch[name] === "number") presented[name] = new Date((batch[name] as number) * 1000).toISOString();
  }
  return presented;
}

export function azureOpenAIEmulator(options: AzureEmulatorOptions = {}): OpenAIEmulator {
  return new OpenAIEmulator({
    ...options,
    dialect: {
      pathPrefix: options.apiVersion ? "/openai" : "/openai/v1",
      requiredQuery: options.apiVersion ? { "api-version": options.apiVersion } : {},
      authorized: (request, apiKey) =>
        request.headers.get("api-key") === apiKey ||
        (options.entraToken !== undefined && request.headers.get("authorization") === `Bearer ${options.entraToken}`),
      createEndpoint: "/chat/completions",
      present: presentAsAzure,
    },
  });
}
