/** Azure OpenAI's Global Batch API, addressed by resource endpoint and deployment name. */
import { checkBaseUrl } from "../connection-checks.js";
import { ConfigurationError } from "../errors.js";
import { keysOf } from "../option-shapes.js";
import { BatchProvider, type ProviderOptions } from "../provider.js";
import { providerEntry } from "../provider-registry.js";
import { readEnvironment } from "../runtime.js";

/** Options of {@link AzureOpenAIProvider}. */
export interface AzureOpenAIProviderOptions extends ProviderOptions {
  /**
   * The resource endpoint, `https://{resource}.openai.azure.com` (the portal's `…/openai/v1` URL is
   * read as the same resource). Defaults to
   * `AZURE_OPENAI_ENDPOINT`. Not needed when `baseUrl` is given (the full `…/openai/v1` URL).
   */
  endpoint?: string;
  /**
   * `v1` (the default: the v1 API, no version parameter) or a dated version such as `2024-10-21`,
   * sent as `?api-version=` on every call. Defaults to `OPENAI_API_VERSION`.
   */
  apiVersion?: string;
  /** A Microsoft Entra ID token (scope `https://cognitiveservices.azure.com/.default`), sent instead of the key. */
  entraToken?: string;
}

/**
 * Azure OpenAI's Global Batch API: OpenAI's files + batches protocol on your resource, with the
 * `api-key` header (from `AZURE_OPENAI_API_KEY`) or an Entra token. Each request's `model` is the
 * name of a Global-Batch deployment, the same on every request of a batch. Lines are chat
 * completions, or Responses lines with `endpoint: "responses"`; embeddings are refused.
 *
 * @example
 * ```ts
 * const provider = new AzureOpenAIProvider({ endpoint: "https://my-resource.openai.azure.com" });
 * const batchId = await provider.sendBatch({ provider: "azure", requests });
 * ```
 */
export class AzureOpenAIProvider extends BatchProvider {
  constructor(options: AzureOpenAIProviderOptions = {}) {
    const entry = providerEntry("azure");
    const fromEnvironment = (variable: string | undefined) => (variable === undefined ? undefined : readEnvironment(variable) || undefined);
    const endpoint = options.endpoint ?? fromEnvironment(entry.endpointVariable);
    const apiVersion = options.apiVersion ?? fromEnvironment(entry.apiVersionVariable);
    if (endpoint === undefined && options.baseUrl === undefined) {
      throw new ConfigurationError(`No endpoint for azure: pass { endpoint } (https://<resource>.openai.azure.com) or set ${entry.endpointVariable}`);
    }
    checkBaseUrl(endpoint, options.endpoint !== undefined || entry.endpointVariable === undefined ? { option: "options.endpoint" } : { variable: entry.endpointVariable });
    const config: { endpoint?: string; apiVersion?: string; bearerToken?: string } = {};
    if (endpoint !== undefined) config.endpoint = endpoint;
    if (apiVersion !== undefined) config.apiVersion = apiVersion;
    if (options.entraToken) config.bearerToken = options.entraToken;
    const optionKeys = keysOf<Omit<AzureOpenAIProviderOptions, keyof ProviderOptions>>({ endpoint: true, apiVersion: true, entraToken: true });
    super("azure", options, { optionKeys, config, hasOtherCredential: Boolean(options.entraToken) });
  }
}
