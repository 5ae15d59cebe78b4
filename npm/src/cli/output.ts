/** How the CLI speaks: plain lines for people, one JSON document with `--json` for scripts. */
import { BatchNotCompleteError, BatchRouterError, ConnectionError, ProviderError, TimeoutError, ValidationError } from "../errors.js";
import { redactCredentials } from "../redact-key.js";
import { ExitCode } from "./exit-codes.js";

export class UsageError extends Error {}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return ExitCode.usage;
  if (error instanceof ValidationError) return ExitCode.validation;
  if (error instanceof BatchNotCompleteError) return ExitCode.notComplete;
  if (error instanceof ProviderError || error instanceof ConnectionError || error instanceof TimeoutError) return ExitCode.provider;
  return ExitCode.failure;
}

/** One readable line for an error; the core's messages already name request and field. */
export function describeError(error: unknown): string {
  // Every configured credential is `[redacted]`, whatever the error quotes (`redact-key.ts`).
  if (error instanceof UsageError) return redactCredentials(`usage error: ${error.message} (see --help)`);
  if (error instanceof ValidationError && error.invalidCount > 1) {
    // Several invalid requests: each on a line of its own.
    const each = error.errors.map((one) => `\n  ${flagWords(one.message)}`).join("");
    const unlisted = error.invalidCount - error.errors.length;
    return redactCredentials(`error: ${error.invalidCount} invalid requests:${each}${unlisted > 0 ? `\n  … and ${unlisted} more` : ""}`);
  }
  if (error instanceof BatchRouterError) return redactCredentials(`error: ${flagWords(error.message)}`);
  return redactCredentials(`error: ${error instanceof Error ? error.message : String(error)}`);
}

/** The library's option is a flag here (a new-user trial followed "set dropUnsupported"). */
function flagWords(message: string): string {
  return message.replaceAll("(set dropUnsupported to", "(pass --drop-unsupported to");
}

export function errorAsJson(error: unknown): Record<string, unknown> {
  const base: Record<string, unknown> = { ok: false, error: describeError(error).replace(/^(usage )?error: /, "") };
  if (error instanceof BatchRouterError) base.code = error.code;
  // Absent values are left out of the document (JSON.stringify drops undefined).
  if (error instanceof ValidationError) {
    Object.assign(base, { index: error.index, customId: error.customId, field: error.field, line: error.line });
    // Several invalid requests: each one, and how many there were.
    if (error.invalidCount > 1) {
      base.invalidCount = error.invalidCount;
      base.errors = error.errors.map((each) => ({ error: redactCredentials(each.message), index: each.index, customId: each.customId, field: each.field, line: each.line }));
    }
  }
  if (error instanceof ProviderError) Object.assign(base, { provider: error.provider, status: error.status, requestId: error.requestId, retryable: error.retryable });
  return base;
}
