#!/usr/bin/env node
/**
 * The `batch-router` command line. Each command lives in `cli/<name>-command.ts`; this file parses
 * the command line, dispatches, prints and sets the exit code.
 */
import "./index.js";
import { parseCommand } from "./cli/arguments.js";
import { commandHelp, runBatchCommand } from "./cli/batch-commands.js";
import type { DryRunResult } from "./dry-run.js";
import type { BatchEstimate } from "./wasm.js";
import { convert, convertHelp, describeConversion, endpointOption, isRefused } from "./cli/convert-command.js";
import { describeEstimate, estimateFile, estimateHelp, isRefusedEstimate, unboundedOf } from "./cli/estimate-command.js";
import { ExitCode } from "./cli/exit-codes.js";
import { UsageError, describeError, errorAsJson, exitCodeOf } from "./cli/output.js";
import { withProviderNames } from "./cli/provider-flags.js";
import { runSidecar } from "./cli/sidecar-command.js";
import { checkWritableDirectory } from "./cli/writable-paths.js";

const mainHelp = `Usage: batch-router <command> [options]

Commands:
  convert FILE --provider P   validate and convert unified JSONL (dry run, no account needed);
                              --from openai reads an OpenAI batch input file instead
  estimate FILE --provider P  input and output tokens and a cost range (sends nothing)
  submit FILE --provider P    validate and submit a batch; prints its id
  status ID                   the batch's status and request counts
  wait ID                     poll until the batch ends, with progress
  results ID [--out FILE]     stream the unified results as JSONL
  cancel ID                   cancel a running batch
  list --provider P           recent batches
  sidecar [OPTIONS]           run the local vLLM sidecar

Providers: {{providers}}.
Keys come from the environment ({{keys}})
or --api-key, and are never printed.

Run "batch-router <command> --help" for a command's options.
Exit codes: 0 ok, 1 failure, 2 usage, 3 validation, 4 provider, 5 not complete.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(withProviderNames(mainHelp));
    return command === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const json = rest.includes("--json");
  try {
    switch (command) {
      case "convert":
        return await runConvert(rest, json);
      case "estimate":
        return await runEstimate(rest, json);
      case "submit":
      case "status":
      case "wait":
      case "results":
      case "cancel":
      case "list":
        return await runBatchCommand(command, rest);
      case "sidecar":
        return await runSidecar(rest);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (json) process.stdout.write(JSON.stringify(errorAsJson(error)) + "\n");
    else process.stderr.write(describeError(error) + "\n");
    return exitCodeOf(error);
  }
}


async function runConvert(args: string[], json: boolean): Promise<number> {
  const { values, positionals } = parseCommand(
    "convert",
    args,
    {
        provider: { type: "string" },
        model: { type: "string", multiple: true },
        "anthropic-version": { type: "string" },
        from: { type: "string" },
        dir: { type: "string" },
        "drop-unsupported": { type: "boolean" },
        endpoint: { type: "string" },
        help: { type: "boolean" },
        json: { type: "boolean" },
    },
    ["FILE"],
  );
  if (values.help) {
    process.stdout.write(withProviderNames(convertHelp));
    return ExitCode.ok;
  }
  const file = positionals[0];
  if (!file) throw new UsageError("convert needs a FILE of unified requests");
  if (values.provider === undefined) throw new UsageError("convert needs --provider");
  const dir = values.dir ?? ".batch_router";
  await checkWritableDirectory("--dir", dir);
  const results = await convert({
    file,
    provider: values.provider,
    model: values.model,
    anthropicVersion: values["anthropic-version"],
    dir,
    dropUnsupported: values["drop-unsupported"] === true,
    from: values.from,
    endpoint: endpointOption(values.endpoint),
  });
  const refused = results.filter(isRefused);
  if (json) {
    const conversions = results.filter((result): result is DryRunResult => !isRefused(result)).map(({ provider, summary, files }) => ({ provider, summary, files }));
    const refusals = refused.map(({ provider, error }) => {
      const { ok: _ok, ...described } = errorAsJson(error);
      return { provider, ...described };
    });
    process.stdout.write(JSON.stringify({ ok: refused.length === 0, conversions, refused: refusals }) + "\n");
  } else {
    for (const result of results) {
      if (isRefused(result)) process.stderr.write(`${result.provider}: refused, nothing written: ${describeError(result.error).replace(/^error: /, "")}\n`);
      else process.stdout.write(describeConversion(result, dir).join("\n") + "\n");
    }
  }
  // Any refusal fails the run as a single provider's would (scripts check the exit code).
  return refused.length === 0 ? ExitCode.ok : ExitCode.validation;
}

async function runEstimate(args: string[], json: boolean): Promise<number> {
  const { values, positionals } = parseCommand(
    "estimate",
    args,
    {
        provider: { type: "string" },
        model: { type: "string", multiple: true },
        prices: { type: "string" },
        "max-output-tokens": { type: "string" },
        "media-tokens": { type: "string" },
        endpoint: { type: "string" },
        "anthropic-version": { type: "string" },
        "drop-unsupported": { type: "boolean" },
        help: { type: "boolean" },
        json: { type: "boolean" },
    },
    ["FILE"],
  );
  if (values.help) {
    process.stdout.write(withProviderNames(estimateHelp));
    return ExitCode.ok;
  }
  const file = positionals[0];
  if (!file) throw new UsageError("estimate needs a FILE of unified requests");
  if (values.provider === undefined) throw new UsageError("estimate needs --provider");
  const results = await estimateFile({
    file,
    provider: values.provider,
    model: values.model,
    pricesFile: values.prices,
    maxOutputTokens: values["max-output-tokens"],
    mediaTokens: values["media-tokens"],
    endpoint: endpointOption(values.endpoint),
    anthropicVersion: values["anthropic-version"],
    dropUnsupported: values["drop-unsupported"] === true,
  });
  const refused = results.filter(isRefusedEstimate);
  if (json) {
    const estimates = results.filter((result): result is BatchEstimate => !isRefusedEstimate(result));
    const refusals = refused.map(({ provider, error }) => {
      const { ok: _ok, ...described } = errorAsJson(error);
      return { provider, ...described };
    });
    process.stdout.write(JSON.stringify({ ok: refused.length === 0, estimates, refused: refusals }) + "\n");
  } else {
    for (const result of results) {
      if (isRefusedEstimate(result)) process.stderr.write(`${result.provider}: refused: ${describeError(result.error).replace(/^error: /, "")}\n`);
      else process.stdout.write(describeEstimate(result, unboundedOf(result)).join("\n") + "\n");
    }
  }
  // Any refusal fails the run, as convert's does.
  return refused.length === 0 ? ExitCode.ok : ExitCode.validation;
}

// A reader that stops early (`batch-router list | head`) closes the pipe: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(ExitCode.ok);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(describeError(error) + "\n");
    process.exitCode = ExitCode.failure;
  },
);
