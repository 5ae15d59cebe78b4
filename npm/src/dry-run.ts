/**
 * The dry run: validate and convert unified requests for a provider and write the transparency
 * files, without an account or a network call.
 */
import { checkedEndpoint } from "./endpoint.js";
import { toBatchRouterError } from "./errors.js";
import { checkOptionShapes, keysOf, storageShape } from "./option-shapes.js";
import { checkJsonlText } from "./request-json.js";
import type { BatchStorage } from "./storage.js";
import { TransparencyFiles } from "./transparency.js";
import type { BatchSummary, Endpoint, ProviderName } from "./types.js";
import { prepareJsonlInCore } from "./wasm.js";

/** Options of {@link dryRun}. */
export interface DryRunOptions {
  /** Name used in the file names: `batch_dryrun-<name>_*.jsonl`. */
  name: string;
  /** Where to write the unified and provider JSONL; nothing is written without one. */
  storage?: BatchStorage;
  /** Leave out settings the provider cannot express (reported as warnings) instead of failing. */
  dropUnsupported?: boolean;
  /** Batch metadata, as `sendBatch` would send it. */
  metadata?: Record<string, string>;
  /** Force the file or the inline route where the provider has both. */
  route?: "file" | "inline";
  /** The model for every request, replacing their `model` and `models` (the CLI's `--model`). */
  model?: string;
  /** The provider API version whose model rules are checked (Anthropic: `2023-06-01` or `2026-10-21`). */
  apiVersion?: string;
  /** The batch goes to a custom base URL: a model of another provider is a warning, not an error. */
  customBaseUrl?: boolean;
  /** The API the batch calls: `chat` (default), `responses` or `embeddings`. */
  endpoint?: Endpoint;
}

/** The keys of {@link DryRunOptions}. */
const dryRunOptionKeys = keysOf<DryRunOptions>({
  name: true,
  storage: true,
  dropUnsupported: true,
  metadata: true,
  route: true,
  model: true,
  apiVersion: true,
  customBaseUrl: true,
  endpoint: true,
});

/** What {@link dryRun} produced. */
export interface DryRunResult {
  provider: ProviderName;
  /** Counts, bytes, model, route, warnings and the custom-id map. */
  summary: BatchSummary;
  /** The provider's own JSONL: exactly what would be uploaded or sent. */
  providerJsonl: string;
  /** Paths (relative to the storage) of the files written. */
  files: string[];
}

/** Converts unified JSONL text (one request per line) for `provider`. Throws `ValidationError`. */
export async function dryRun(provider: ProviderName, unifiedJsonl: string, options: DryRunOptions): Promise<DryRunResult> {
  checkOptionShapes(options, { name: "string", storage: storageShape }, "options", true, dryRunOptionKeys);
  checkJsonlText(unifiedJsonl, "unifiedJsonl");
  let prepared;
  try {
    prepared = prepareJsonlInCore(provider, unifiedJsonl, {
      dropUnsupported: options.dropUnsupported ?? false,
      metadata: options.metadata,
      route: options.route,
      model: options.model,
      apiVersion: options.apiVersion,
      customBaseUrl: options.customBaseUrl ?? false,
      endpoint: checkedEndpoint(options.endpoint, "options.endpoint"),
    });
  } catch (error) {
    throw toBatchRouterError(error);
  }
  try {
    const summary = prepared.summary;
    const providerJsonl = prepared.providerJsonl();
    const files: string[] = [];
    if (options.storage) {
      const transparency = new TransparencyFiles(options.storage, summary.provider);
      const id = `dryrun-${options.name}`;
      await transparency.writeRequests(id, unifiedJsonl, providerJsonl);
      files.push(transparency.path(id, "unified"), transparency.path(id, "provider"));
    }
    return { provider: summary.provider, summary, providerJsonl, files };
  } finally {
    prepared.free();
  }
}
