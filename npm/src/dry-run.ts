/**
 * The dry run: validate and convert unified requests for a provider and write the transparency
 * files, without an account or a network call.
 */
import { toBatchRouterError } from "./errors.js";
import type { BatchStorage } from "./storage.js";
import { TransparencyFiles } from "./transparency.js";
import type { BatchSummary, ProviderName } from "./types.js";
import { prepareJsonlInCore } from "./wasm.js";

export interface DryRunOptions {
  /** Name used in the file names: `batch_dryrun-<name>_*.jsonl`. */
  name: string;
  storage?: BatchStorage;
  dropUnsupported?: boolean;
  metadata?: Record<string, string>;
  route?: "file" | "inline";
}

export interface DryRunResult {
  provider: ProviderName;
  summary: BatchSummary;
  providerJsonl: string;
  /** Paths (relative to the storage) of the files written. */
  files: string[];
}

/** Converts unified JSONL text (one request per line) for `provider`. Throws `ValidationError`. */
export async function dryRun(provider: ProviderName, unifiedJsonl: string, options: DryRunOptions): Promise<DryRunResult> {
  let prepared;
  try {
    prepared = prepareJsonlInCore(provider, unifiedJsonl, {
      dropUnsupported: options.dropUnsupported ?? false,
      metadata: options.metadata,
      route: options.route,
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
