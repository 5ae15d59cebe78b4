/** `batch-router convert FILE --provider P`: the dry run. Validates, converts and writes the files. */
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";

import { dryRun, type DryRunResult } from "../dry-run.js";
import { FileStorage } from "../file-storage.js";
import { canonicalProviderName, providerNames } from "../provider-registry.js";
import type { ProviderName } from "../types.js";
import { UsageError } from "./output.js";

/** Every provider, from the core's registry. */
export function allProviders(): ProviderName[] {
  return providerNames();
}

export const convertHelp = `Usage: batch-router convert FILE --provider P [options]

Validates unified requests (JSONL, one request per line) and converts them to a provider's batch
format, without an account or any network call. Writes the transparency files:
  <dir>/generated/<provider>/batch_dryrun-<name>_unified.jsonl
  <dir>/generated/<provider>/batch_dryrun-<name>_provider.jsonl

Options:
  --provider P         {{providers}}, or all
  --model M            use model M for every request
  --dir DIR            where files go (default .batch_router)
  --drop-unsupported   leave out settings the provider cannot express, with a warning
  --json               print one JSON document
`;

export interface ConvertOptions {
  file: string;
  provider: string;
  model?: string;
  dir: string;
  dropUnsupported: boolean;
}

export function providersOf(name: string): ProviderName[] {
  if (name === "all") return allProviders();
  const canonical = canonicalProviderName(name);
  if (canonical !== undefined) return [canonical];
  throw new UsageError(`unknown provider "${name}"; expected ${allProviders().join(", ")} or all`);
}

/** Reads a unified JSONL file, applying `--model` to every line. */
export async function readUnifiedFile(file: string, model?: string): Promise<string> {
  const text = await readFile(file, "utf8");
  if (model === undefined) return text;
  return (
    text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line, index) => {
        try {
          return JSON.stringify({ ...JSON.parse(line), model });
        } catch (error) {
          throw new UsageError(`${file}: line ${index + 1} is not JSON (${(error as Error).message})`);
        }
      })
      .join("\n") + "\n"
  );
}

export async function convert(options: ConvertOptions): Promise<DryRunResult[]> {
  const unifiedJsonl = await readUnifiedFile(options.file, options.model);
  const name = basename(options.file).replace(/\.[^.]*$/, "");
  const storage = new FileStorage(options.dir);
  const results: DryRunResult[] = [];
  for (const provider of providersOf(options.provider)) {
    results.push(await dryRun(provider, unifiedJsonl, { name, storage, dropUnsupported: options.dropUnsupported }));
  }
  return results;
}

export function describeConversion(result: DryRunResult, dir: string): string[] {
  const { summary } = result;
  const lines = [
    `${result.provider}: ${summary.requestCount} requests valid, ${summary.bytes} bytes, model ${summary.model ?? "(several)"}, route ${summary.route}`,
  ];
  for (const file of result.files) lines.push(`  wrote ${join(dir, file)}`);
  for (const warning of summary.warnings) lines.push(`  warning: request ${warning.index} (customId "${warning.customId}"): ${warning.field}: ${warning.message}`);
  if (summary.idMap.length > 0) lines.push(`  ${summary.idMap.length} custom ids were mapped to ids the provider accepts`);
  return lines;
}
