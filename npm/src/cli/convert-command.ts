/** `batch-router convert FILE --provider P`: the dry run. Validates, converts and writes the files. */
import { basename, join } from "node:path";

import { dryRun, type DryRunResult } from "../dry-run.js";
import { ENDPOINTS } from "../endpoint.js";
import { toBatchRouterError, ValidationError } from "../errors.js";
import { FileStorage } from "../file-storage.js";
import { canonicalProviderName, providerEntries, providerNames } from "../provider-registry.js";
import type { Endpoint, ProviderName } from "../types.js";
import { importOpenAIJsonl, unifiedRequestLines } from "../wasm.js";
import { UsageError } from "./output.js";
import { readUtf8File } from "./utf8-file.js";

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
  --provider P         {{providers}}, or all (every provider with the endpoint: see --endpoint;
                       a provider that refuses the file is reported and the others still written)
  --from openai        FILE is an OpenAI batch input file (Chat Completions lines), read as
                       unified requests first
  --model M            use model M for every request; --model P=M (repeatable) for provider P
                       only, so one file runs on every provider (see "Model rules" in the README)
  --anthropic-version V  Anthropic API version: 2023-06-01 (default) or 2026-10-21, whose
                       rules are then checked
  --endpoint E         chat (default), responses (OpenAI, Azure OpenAI) or embeddings (OpenAI,
                       Gemini, Mistral, vLLM); a provider without E refuses it
  --dir DIR            where files go (default .batch_router)
  --drop-unsupported   leave out settings the provider cannot express, with a warning
  --json               print one JSON document
`;

const endpoints = ENDPOINTS;

/** The value of `--anthropic-version`, checked whichever provider is named (a bad value is a bad argument). */
export function anthropicVersionOption(value: string | undefined): "2023-06-01" | "2026-10-21" | undefined {
  if (value === undefined || value === "2023-06-01" || value === "2026-10-21") return value;
  throw new UsageError(`--anthropic-version ${value}: expected 2023-06-01 or 2026-10-21`);
}

/** The value of `--from` (absent: FILE holds unified requests). */
export function fromOption(value: string | undefined): "openai" | undefined {
  if (value === undefined || value === "openai") return value;
  throw new UsageError(`unknown --from "${value}"; expected openai`);
}

/** The value of `--endpoint` (absent: chat). */
export function endpointOption(value: string | undefined): Endpoint | undefined {
  if (value === undefined) return undefined;
  const endpoint = endpoints.find((name) => name === value);
  if (endpoint === undefined) throw new UsageError(`unknown --endpoint "${value}"; expected ${endpoints.join(", ")}`);
  return endpoint;
}

export interface ConvertOptions {
  file: string;
  provider: string;
  /** `--model` values: `M` for every provider, `P=M` for provider P. */
  model?: string | string[];
  /** Anthropic's API version. */
  anthropicVersion?: string;
  dir: string;
  dropUnsupported: boolean;
  endpoint?: Endpoint;
  /** `openai`: FILE is an OpenAI batch input file. */
  from?: string;
}

/**
 * The model each provider gets from `--model` values: `M` for every provider, `P=M` (P a provider
 * name or alias) for that one, which wins over `M`. Undefined: the requests' own `model`/`models`.
 */
export function modelChoice(values: string | string[] | undefined): (provider: ProviderName) => string | undefined {
  const all: string[] = [];
  const byProvider = new Map<ProviderName, string>();
  for (const value of typeof values === "string" ? [values] : (values ?? [])) {
    const separator = value.indexOf("=");
    if (separator < 0) {
      all.push(value);
      continue;
    }
    const name = value.slice(0, separator);
    const provider = canonicalProviderName(name);
    if (provider === undefined) throw new UsageError(`--model ${value}: unknown provider "${name}"; expected ${allProviders().join(", ")}`);
    if (separator === value.length - 1) throw new UsageError(`--model ${value}: the model is missing`);
    // The last one would win silently.
    if (byProvider.has(provider)) throw new UsageError(`--model ${value}: ${provider} was given a model twice (--model ${provider}=${byProvider.get(provider)} before); give one --model per provider`);
    byProvider.set(provider, value.slice(separator + 1));
  }
  if (all.length > 1) throw new UsageError(`--model without a provider was given ${all.length} times; use --model PROVIDER=MODEL for each provider`);
  return (provider) => byProvider.get(provider) ?? all[0];
}

/**
 * The providers `--provider` names; `all` is every provider whose batch API offers the batch's
 * endpoint (all of them for chat), so `all` with embeddings skips Anthropic rather than failing.
 */
export function providersOf(name: string, endpoint: Endpoint = "chat"): ProviderName[] {
  if (name === "all") return providerEntries().filter((entry) => entry.endpoints.includes(endpoint)).map((entry) => entry.name);
  const canonical = canonicalProviderName(name);
  if (canonical !== undefined) return [canonical];
  throw new UsageError(`unknown provider "${name}"; expected ${allProviders().join(", ")} or all`);
}

/**
 * The request lines of unified JSONL text, read by the core (a byte-order mark, CRLF and blank
 * lines allowed); a line that is not JSON is a `ValidationError` naming it.
 */
export function requestLinesOf(text: string): { line: number; text: string }[] {
  try {
    return unifiedRequestLines(text);
  } catch (error) {
    throw toBatchRouterError(error);
  }
}

/**
 * Reads a unified JSONL file, applying `--model` to every request. Each request stays on its line,
 * so that errors found later name the line of the file.
 */
export async function readUnifiedFile(file: string, model?: string, from?: string): Promise<string> {
  // Arguments are checked before anything is read.
  fromOption(from);
  let text = await readUtf8File(file, (message, line) => new ValidationError(message, { line }));
  if (from !== undefined) {
    try {
      text = importOpenAIJsonl(text);
    } catch (error) {
      throw toBatchRouterError(error);
    }
  }
  if (model === undefined) return text;
  const lines: string[] = [];
  for (const { line, text: request } of requestLinesOf(text)) {
    while (lines.length < line - 1) lines.push("");
    const value: unknown = JSON.parse(request);
    // A line that is not an object is left as it is, for the core to name what is wrong with it.
    const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
    lines.push(isObject ? JSON.stringify({ ...value, model }) : request);
  }
  return lines.join("\n") + "\n";
}

/** A provider that `--provider all` tried and that refused the batch (nothing was written for it). */
export interface RefusedConversion {
  provider: ProviderName;
  error: ValidationError;
}

/**
 * Converts the file for each provider `--provider` names. With `all`, a provider that refuses the
 * batch (a `ValidationError`) does not stop the others: it is returned beside their conversions,
 * so one run shows which providers take the file; when every provider refuses it the same way,
 * that one error is thrown. With one provider, its refusal is thrown.
 */
export async function convert(options: ConvertOptions): Promise<(DryRunResult | RefusedConversion)[]> {
  const providers = providersOf(options.provider, options.endpoint);
  const keepGoing = options.provider === "all";
  const modelFor = modelChoice(options.model);
  anthropicVersionOption(options.anthropicVersion);
  // The model is chosen by the core for each provider (so its rules and family are checked).
  const unifiedJsonl = await readUnifiedFile(options.file, undefined, options.from);
  const name = basename(options.file).replace(/\.[^.]*$/, "");
  const storage = new FileStorage(options.dir);
  const results: (DryRunResult | RefusedConversion)[] = [];
  for (const provider of providers) {
    try {
      results.push(
        await dryRun(provider, unifiedJsonl, {
          name,
          storage,
          dropUnsupported: options.dropUnsupported,
          model: modelFor(provider),
          apiVersion: provider === "anthropic" ? options.anthropicVersion : undefined,
          endpoint: options.endpoint,
        }),
      );
    } catch (error) {
      if (!keepGoing || !(error instanceof ValidationError)) throw error;
      results.push({ provider, error });
    }
  }
  // The same refusal from every provider is about the file itself (a line that is not JSON, a
  // request without messages): one error, as with one provider.
  const first = results[0];
  if (first !== undefined && isRefused(first) && results.every((result) => isRefused(result) && sameRefusal(result.error, first.error))) {
    throw first.error;
  }
  return results;
}

export function sameRefusal(left: ValidationError, right: ValidationError): boolean {
  return left.message === right.message && left.index === right.index && left.field === right.field;
}

export function isRefused(result: DryRunResult | RefusedConversion): result is RefusedConversion {
  return "error" in result;
}

export function describeConversion(result: DryRunResult, dir: string): string[] {
  const { summary } = result;
  const lines = [
    `${result.provider}: ${summary.requestCount} request${summary.requestCount === 1 ? "" : "s"} valid, ${summary.bytes} bytes, model ${summary.model ?? "(several)"}, route ${summary.route}`,
  ];
  for (const file of result.files) lines.push(`  wrote ${join(dir, file)}`);
  for (const warning of summary.warnings) lines.push(`  warning: request ${warning.index} (customId "${warning.customId}"): ${warning.field}: ${warning.message}`);
  for (const note of summary.notes ?? []) lines.push(`  note: ${note}`);
  if (summary.idMap.length > 0) lines.push(`  ${summary.idMap.length} custom ids were mapped to ids the provider accepts`);
  return lines;
}
