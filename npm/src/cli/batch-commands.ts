/** The commands that talk to a provider: submit, status, wait, results, cancel, list. */
import { createWriteStream } from "node:fs";
import { once } from "node:events";

import { BatchStatusResponse } from "../batch-status.js";
import { dryRun } from "../dry-run.js";
import { BatchRouterError, ValidationError } from "../errors.js";
import { describeUnbounded, estimateJsonl, formatDollars, unboundedRequestsOf, type PriceTable } from "../estimate.js";
import { count as wholeNumber, readPrices } from "./estimate-command.js";
import type { Endpoint, UnifiedRequest } from "../types.js";
import { anthropicVersionOption, describeConversion, endpointOption, modelChoice, readUnifiedFile, requestLinesOf } from "./convert-command.js";
import { parseCommand } from "./arguments.js";
import { ExitCode } from "./exit-codes.js";
import { UsageError } from "./output.js";
import { ProgressReporter, describeCounts } from "./progress.js";
import { createProvider, providerFlags, providerName, sharedShapeHint, withProviderNames } from "./provider-flags.js";
import { checkWritableDirectory, checkWritableFile } from "./writable-paths.js";

const CONNECTION_HELP = `  --provider P         {{providers}}
                       (inferred from the id when its shape tells)
  --api-key KEY        instead of the provider's environment variable (never printed)
  --base-url URL       the provider's base URL (an OpenAI-compatible server, a proxy, the vLLM sidecar)
  --dir DIR            where transparency files go (default .batch_router)
  --json               print one JSON document`;

export const commandHelp: Record<string, string> = {
  submit: `Usage: batch-router submit FILE --provider P [--model M] [--metadata KEY=VALUE]... [--max-cost USD] [--prices FILE] [--wait]

Validates the unified requests in FILE (JSONL) and submits them as one batch; prints the batch id.
  --model M            use model M for every request; --model P=M for provider P only
  --anthropic-version V  Anthropic API version: 2023-06-01 (default) or 2026-10-21
  --endpoint E         chat (default), responses or embeddings
  --metadata K=V       batch metadata (repeatable)
  --drop-unsupported   leave out settings the provider cannot express, with a warning
  --max-cost USD       refuse (exit 3, nothing sent) when the batch's worst case (estimated input
                       plus every maxTokens, at batch rates) is over USD; built-in prices are
                       used, --prices is needed for models without one
  --prices FILE        model prices (see "batch-router estimate --help"); with --wait the progress
                       shows the most spent so far (the worst case of the requests done)
  --max-output-tokens N  the output bound of requests without maxTokens (for --max-cost)
  --wait               wait for the batch to end, showing progress
${CONNECTION_HELP}
`,
  status: `Usage: batch-router status ID [options]

Prints the batch's status and request counts.
${CONNECTION_HELP}
`,
  wait: `Usage: batch-router wait ID [--interval SECONDS] [--timeout SECONDS] [options]

Polls until the batch ends, with a progress bar on a terminal and plain lines otherwise.
Exits 0 when the batch has ended, 5 when --timeout passes first.
  --interval SECONDS   first poll interval, greater than 0 (default 5; grows to 60)
  --timeout SECONDS    give up after this long
${CONNECTION_HELP}
`,
  results: `Usage: batch-router results ID [--out FILE] [options]

Streams the batch's unified results as JSONL to FILE (or standard output); a summary goes to
standard error. Exits 5 while the batch is still running.
  --out FILE           write the results here
${CONNECTION_HELP}
`,
  cancel: `Usage: batch-router cancel ID [options]

Cancels a running batch; says so when it had already ended.
${CONNECTION_HELP}
`,
  list: `Usage: batch-router list --provider P [--limit N] [options]

Lists the provider's recent batches, newest first.
  --limit N            how many, a whole number ≥ 1 (default 20)
${CONNECTION_HELP}
`,
};

function statusLine(status: BatchStatusResponse): string {
  return `${status.batchId}  ${status.status} (${status.rawStatus})  ${status.requestCounts.total} request${status.requestCounts.total === 1 ? "" : "s"}: ${describeCounts(status)}`;
}

function statusJson(status: BatchStatusResponse): Record<string, unknown> {
  const { raw: _raw, ...rest } = status;
  return { ...rest, complete: status.isComplete() };
}

function print(json: boolean, value: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? JSON.stringify({ ok: true, ...value }) + "\n" : text + "\n");
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** `--max-cost`, `--prices` and `--max-output-tokens`, checked (and the prices file read) before FILE is read. */
interface BudgetOptions {
  maxCost?: number;
  prices?: PriceTable;
  maxOutputTokens?: number;
}

async function budgetOptions(values: { "max-cost"?: string; prices?: string; "max-output-tokens"?: string }): Promise<BudgetOptions> {
  const given = values["max-cost"];
  const maxCost = given === undefined ? undefined : given.trim() === "" ? NaN : Number(given);
  if (maxCost !== undefined && !(maxCost >= 0 && Number.isFinite(maxCost))) throw new UsageError(`--max-cost must be a number of US dollars ≥ 0, not "${given}"`);
  const maxOutputTokens = wholeNumber("--max-output-tokens", values["max-output-tokens"]);
  return { maxCost, maxOutputTokens, prices: await readPrices(values.prices) };
}

/**
 * `--max-cost`: the batch's worst case must be within it, or nothing is sent (a validation error,
 * exit 3). Built-in prices count, so `--prices` is needed only for models without one (named).
 * Returns the worst case when it is known and asked for, for the progress display.
 */
function checkMaxCost(provider: string, unified: string, endpoint: Endpoint | undefined, budget: BudgetOptions, dropUnsupported: boolean): { worstCaseUsd: number } | undefined {
  const { maxCost, prices, maxOutputTokens } = budget;
  if (maxCost === undefined && prices === undefined) return undefined;
  const estimate = estimateJsonl(provider, unified, { prices, defaultMaxOutputTokens: maxOutputTokens }, true, { dropUnsupported, ...(endpoint === undefined ? {} : { endpoint }) });
  if (estimate.maxCostUsd === undefined) {
    if (maxCost === undefined) return undefined;
    const why =
      estimate.unpricedModels.length > 0
        ? `no price for ${estimate.unpricedModels.join(", ")} (${prices === undefined ? "no built-in price: give --prices FILE" : "neither in --prices nor built in"})`
        : `${describeUnbounded(unboundedRequestsOf(provider, unified, { prices }))} (give --max-output-tokens)`;
    throw new ValidationError(`maxCost: the batch's worst case cannot be bounded: ${why}`, { field: "maxCost" });
  }
  if (maxCost !== undefined && estimate.maxCostUsd > maxCost) {
    throw new ValidationError(`maxCost: the batch may cost up to ${formatDollars(estimate.maxCostUsd)} (input about ${formatDollars(estimate.minCostUsd!)}), over --max-cost $${maxCost}; nothing was sent`, { field: "maxCost" });
  }
  return { worstCaseUsd: estimate.maxCostUsd };
}

async function waitFor(provider: ReturnType<typeof createProvider>, batchId: string, intervalSeconds: number, timeoutSeconds: number | undefined, json: boolean, worstCaseUsd?: number) {
  const reporter = json ? undefined : new ProgressReporter(process.stderr, process.stderr.isTTY === true, worstCaseUsd);
  const deadline = timeoutSeconds === undefined ? Infinity : Date.now() + timeoutSeconds * 1000;
  let interval = intervalSeconds * 1000;
  for (;;) {
    const status = await provider.getStatus(batchId);
    reporter?.update(status);
    if (status.isComplete()) {
      reporter?.finish();
      return { status, timedOut: false };
    }
    if (Date.now() + interval > deadline) {
      reporter?.finish();
      return { status, timedOut: true };
    }
    await sleep(interval);
    interval = Math.min(interval * 1.5, 60_000);
  }
}

export async function runBatchCommand(command: string, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    command,
    args,
    {
        ...providerFlags,
        model: { type: "string", multiple: true },
        "anthropic-version": { type: "string" },
        metadata: { type: "string", multiple: true },
        endpoint: { type: "string" },
        "drop-unsupported": { type: "boolean" },
        wait: { type: "boolean" },
        interval: { type: "string" },
        timeout: { type: "string" },
        out: { type: "string" },
        limit: { type: "string" },
        "max-cost": { type: "string" },
        prices: { type: "string" },
        "max-output-tokens": { type: "string" },
    },
    command === "list" ? [] : [command === "submit" ? "FILE" : "ID"],
  );
  if (values.help) {
    process.stdout.write(withProviderNames(commandHelp[command] ?? ""));
    return ExitCode.ok;
  }
  const json = values.json === true;
  const number = (name: string, value: string | undefined, fallback: number | undefined, rule: "≥ 0" | "> 0" | "whole ≥ 1" = "≥ 0") => {
    if (value === undefined) return fallback;
    const parsed = value.trim() === "" ? NaN : Number(value);
    const fits = Number.isFinite(parsed) && (rule === "≥ 0" ? parsed >= 0 : rule === "> 0" ? parsed > 0 : Number.isInteger(parsed) && parsed >= 1);
    const expected = rule === "≥ 0" ? "a number ≥ 0" : rule === "> 0" ? "a number of seconds greater than 0" : "a whole number ≥ 1";
    if (!fits) throw new UsageError(`--${name} must be ${expected}, not "${value}"`);
    return parsed;
  };
  // An interval of 0 would poll without a pause for ever (it grows by half at each poll).
  const interval = number("interval", values.interval, 5, "> 0")!;
  const timeout = number("timeout", values.timeout, undefined);
  // Where these commands write, checked before anything is read or downloaded.
  if (command === "submit" || command === "results") await checkWritableDirectory("--dir", values.dir ?? ".batch_router");
  if (command === "results" && values.out !== undefined) await checkWritableFile("--out", values.out);

  if (command === "list") {
    const provider = createProvider(providerName(values.provider), values);
    const batches = await provider.listBatches({ limit: number("limit", values.limit, 20, "whole ≥ 1") });
    print(json, { batches: batches.map(statusJson) }, batches.length === 0 ? "no batches" : batches.map(statusLine).join("\n"));
    return ExitCode.ok;
  }

  const target = positionals[0];
  if (target === undefined) throw new UsageError(`${command} needs ${command === "submit" ? "a FILE" : "a batch ID"}`);

  if (command === "submit") {
    const metadata: Record<string, string> = {};
    for (const pair of values.metadata ?? []) {
      const separator = pair.indexOf("=");
      if (separator <= 0) throw new UsageError(`--metadata takes KEY=VALUE, got "${pair}"`);
      metadata[pair.slice(0, separator)] = pair.slice(separator + 1);
    }
    const name = providerName(values.provider);
    const model = modelChoice(values.model)(name);
    const version = anthropicVersionOption(values["anthropic-version"]);
    const apiVersion = name === "anthropic" ? version : undefined;
    const endpoint = endpointOption(values.endpoint);
    // Every argument is checked before FILE is read (the README's promise; a new-user trial got
    // FILE's errors first): the budget's too, and its prices file is read first.
    const budget = await budgetOptions(values);
    const provider = createProvider(name, values, { dropUnsupported: values["drop-unsupported"] === true, model, apiVersion });
    const unified = await readUnifiedFile(target);
    const batchMetadata = Object.keys(metadata).length > 0 ? metadata : undefined;
    // Checked as `convert` checks it first, so that a bad request is named by its line in FILE
    // (exit 3), as the same file gets from `convert`; nothing is sent when any request is invalid.
    // Its warnings and notes (model rules) are printed before the batch is sent.
    const checked = await dryRun(name, unified, {
      name: "submit",
      dropUnsupported: values["drop-unsupported"] === true,
      metadata: batchMetadata,
      model,
      apiVersion,
      customBaseUrl: values["base-url"] !== undefined || undefined,
      endpoint,
    });
    if (!json) for (const line of describeConversion(checked, values.dir ?? ".batch_router").slice(1)) process.stderr.write(line + "\n");
    const requests = requestLinesOf(unified).map(({ text }) => JSON.parse(text) as UnifiedRequest);
    const worstCase = checkMaxCost(name, unified, endpoint, budget, values["drop-unsupported"] === true);
    const batchId = await provider.sendBatch({ provider: name, endpoint, requests, metadata: batchMetadata });
    if (!values.wait) {
      print(json, { batchId, provider: name, requests: requests.length }, batchId);
      return ExitCode.ok;
    }
    if (!json) process.stdout.write(batchId + "\n");
    const { status, timedOut } = await waitFor(provider, batchId, interval, timeout, json, worstCase?.worstCaseUsd);
    if (json) print(json, { batchId, status: statusJson(status), timedOut }, "");
    return timedOut ? ExitCode.notComplete : ExitCode.ok;
  }

  const name = providerName(values.provider, target);
  try {
    return await runOnBatch(command, createProvider(name, values), target, values, json, interval, timeout);
  } catch (error) {
    // An id another provider's ids look like: say which, and how to name it.
    const hint = values.provider === undefined ? sharedShapeHint(name) : "";
    if (hint !== "" && error instanceof Error && !(error instanceof UsageError)) error.message += hint;
    throw error;
  }
}

/** `status`, `wait`, `results` and `cancel` of batch `target`. */
async function runOnBatch(command: string, provider: ReturnType<typeof createProvider>, target: string, values: { out?: string }, json: boolean, interval: number, timeout: number | undefined): Promise<number> {
  switch (command) {
    case "status": {
      const status = await provider.getStatus(target);
      print(json, { status: statusJson(status) }, statusLine(status));
      return ExitCode.ok;
    }
    case "wait": {
      const { status, timedOut } = await waitFor(provider, target, interval, timeout, json);
      print(json, { status: statusJson(status), timedOut }, statusLine(status));
      return timedOut ? ExitCode.notComplete : ExitCode.ok;
    }
    case "results": {
      const out = values.out === undefined ? process.stdout : createWriteStream(values.out);
      // A write that fails later (a full disk) ends the command with its reason, not a crash.
      let writeFailure: Error | undefined;
      if (out !== process.stdout) out.on("error", (error) => (writeFailure ??= error));
      const failed = () => new BatchRouterError(`cannot write ${values.out}: ${writeFailure!.message}`, "output");
      const counts: Record<string, number> = { succeeded: 0, errored: 0, cancelled: 0, expired: 0 };
      try {
        for await (const result of provider.getResults(target)) {
          counts[result.status] = (counts[result.status] ?? 0) + 1;
          if (writeFailure) throw failed();
          if (!out.write(JSON.stringify(result) + "\n")) await once(out, "drain");
        }
      } finally {
        if (out !== process.stdout && !writeFailure) {
          out.end();
          await once(out, "finish");
        }
      }
      if (writeFailure) throw failed();
      const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
      const summary = `${total} ${total === 1 ? "result" : "results"}: ${counts.succeeded} succeeded, ${counts.errored} errored, ${counts.cancelled} cancelled, ${counts.expired} expired`;
      if (json && values.out !== undefined) print(json, { results: total, counts, out: values.out }, "");
      else process.stderr.write(summary + (values.out ? ` → ${values.out}` : "") + "\n");
      return ExitCode.ok;
    }
    case "cancel": {
      const cancelled = await provider.cancelBatch(target);
      print(json, { batchId: target, cancelled }, cancelled ? `cancellation requested for ${target}` : `${target} had already ended; nothing to cancel`);
      return ExitCode.ok;
    }
    default:
      throw new BatchRouterError(`unknown command ${command}`, "internal");
  }
}
