/**
 * The error hierarchy. The Rust core reports errors as data with a stable `code`; this module turns
 * them into classes a caller can `instanceof`. No message ever contains an API key: the core never
 * puts request headers into errors, and a message taken from the runtime (fetch, `Headers`) has
 * every configured credential replaced by `[redacted]` where it is wrapped (`redact-key.ts`).
 */
import { redactCredentials } from "./redact-key.js";

export class BatchRouterError extends Error {
  /** A stable, machine-readable code, e.g. `validation` or `provider`. */
  readonly code: string;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input, found before anything was sent. */
export class ValidationError extends BatchRouterError {
  /** The request's position in the batch, when one request is at fault. */
  readonly index: number | undefined;
  readonly customId: string | undefined;
  /**
   * The path of the field inside the request, e.g. `generationConfig.topK`; undefined when the
   * error is about no field (a line that is not JSON).
   */
  readonly field: string | undefined;
  /** The line (from 1, as editors count) of the unified JSONL text the request came from. */
  readonly line: number | undefined;
  /**
   * How many requests were found invalid. Every request of a batch is checked before the error is
   * raised, so one run names them all; this error's own fields are the first's.
   */
  readonly invalidCount: number;
  #errors: readonly ValidationError[] | undefined;

  constructor(
    message: string,
    details: { index?: number | null; customId?: string | null; field?: string | null; line?: number | null },
    several?: { errors: readonly ValidationError[]; invalidCount: number },
  ) {
    super(message, "validation");
    this.index = details.index ?? undefined;
    this.customId = details.customId ?? undefined;
    this.field = details.field || undefined;
    this.line = details.line ?? undefined;
    this.invalidCount = several?.invalidCount ?? 1;
    this.#errors = several?.errors;
  }

  /**
   * One error per invalid request, in request order: the first 100 when `invalidCount` is more
   * (this error alone when it is the only one). A getter, so that `JSON.stringify` and loggers do
   * not walk it.
   */
  get errors(): readonly ValidationError[] {
    return this.#errors ?? [this];
  }
}

/** The provider answered with an HTTP error. */
export class ProviderError extends BatchRouterError {
  readonly provider: string;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly retryable: boolean;
  /** The provider's error type, e.g. `invalid_request_error`. */
  readonly errorType: string | undefined;
  /** The provider's error body, as sent. */
  readonly body: unknown;
  /** The `retry-after` header (seconds or an HTTP date), when the answer had one. */
  readonly retryAfter: string | undefined;
  /** The `retry-after-ms` header, when the answer had one. */
  readonly retryAfterMs: string | undefined;

  constructor(
    message: string,
    details: {
      provider: string;
      status: number;
      requestId?: string | null;
      retryable: boolean;
      errorType?: string | null;
      body?: unknown;
      retryAfter?: string;
      retryAfterMs?: string;
    },
    code = "provider",
  ) {
    super(message, code);
    this.provider = details.provider;
    this.status = details.status;
    this.requestId = details.requestId ?? undefined;
    this.retryable = details.retryable;
    this.errorType = details.errorType ?? undefined;
    this.body = details.body;
    this.retryAfter = details.retryAfter;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The batch id is unknown to the provider (HTTP 404). */
export class BatchNotFoundError extends ProviderError {
  readonly batchId: string;

  constructor(message: string, details: { provider: string; batchId: string; requestId?: string | null }) {
    super(message, { provider: details.provider, status: 404, requestId: details.requestId, retryable: false }, "batch_not_found");
    this.batchId = details.batchId;
  }
}

/** Results were asked for before the batch ended. */
export class BatchNotCompleteError extends BatchRouterError {
  readonly provider: string;
  readonly batchId: string;
  /** The provider's status at the time. */
  readonly status: string;

  constructor(message: string, details: { provider: string; batchId: string; status: string }) {
    super(message, "batch_not_complete");
    this.provider = details.provider;
    this.batchId = details.batchId;
    this.status = details.status;
  }
}

/** No HTTP answer at all (refused connection, DNS, reset). Worth retrying. */
export class ConnectionError extends BatchRouterError {
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "connection", options);
  }
}

/** The provider's answer did not have the documented shape. */
export class InvalidResponseError extends BatchRouterError {
  readonly provider: string;
  /**
   * True when a finished batch's status counts answers but its output holds none of them (not
   * written yet, or lost; the message names the batch and its counts). Reading again later may
   * find them; jobs do so, and send the requests again only when the output stays missing for
   * `lostBatchGracePeriod`.
   */
  readonly outputMissing: boolean;

  constructor(message: string, provider: string, outputMissing = false) {
    super(message, "invalid_response");
    this.provider = provider;
    this.outputMissing = outputMissing;
  }
}

/** A call got no answer within its time limit, or a wait passed its `timeout`. */
export class TimeoutError extends BatchRouterError {
  readonly retryable = true;

  constructor(message: string) {
    super(message, "timeout");
  }
}

/**
 * A job stopped before its end (`cause` says why: retries spent, a timeout, an abort). Everything
 * done is in its manifest: `router.resumeJob(jobId)` continues it.
 */
export class JobInterruptedError extends BatchRouterError {
  readonly jobId: string;

  constructor(jobId: string, cause: unknown) {
    const reason = redactCredentials(cause instanceof Error ? cause.message : String(cause));
    super(`job ${jobId} stopped: ${reason}; resume it with resumeJob("${jobId}")`, "job_interrupted", { cause });
    this.jobId = jobId;
  }
}

/**
 * Someone else changed the job while this call worked on it (the manifest's version moved on, or
 * another invocation holds the job's lease): this call stopped without writing. Nothing is lost;
 * the other invocation carries on.
 */
export class JobConflictError extends BatchRouterError {
  readonly jobId: string;

  constructor(jobId: string, message: string) {
    super(`job ${jobId}: ${message}`, "job_conflict");
    this.jobId = jobId;
  }
}

/** A webhook delivery that failed verification: `reason` says which check refused it. */
export class WebhookVerificationError extends BatchRouterError {
  readonly reason: "missing_header" | "malformed_header" | "bad_signature" | "stale" | "replayed" | "bad_payload" | "unknown_key" | "expired" | "bad_claims";

  constructor(reason: WebhookVerificationError["reason"], message: string) {
    super(message, "webhook_verification");
    this.reason = reason;
  }
}

/** The caller's AbortSignal fired. */
export class AbortError extends BatchRouterError {
  constructor(message = "The operation was aborted") {
    super(message, "aborted");
  }
}

/** The client is not set up to run (for example no API key). */
export class ConfigurationError extends BatchRouterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "configuration", options);
  }
}

interface CoreErrorData {
  code: string;
  [key: string]: unknown;
}

function isCoreError(error: unknown): error is Error & { data: CoreErrorData } {
  return error instanceof Error && error.name === "BatchRouterCoreError" && typeof (error as { data?: unknown }).data === "object";
}

/**
 * The error of a call its caller's `signal` ended: `TimeoutError` (retryable) when the signal came
 * from `AbortSignal.timeout()`, `AbortError` otherwise.
 */
export function abortedBy(signal: AbortSignal | undefined): AbortError | TimeoutError {
  const reason = signal?.reason as { name?: unknown; message?: unknown } | undefined;
  // `AbortSignal.timeout()` fired: the call ran out of time, which is worth retrying.
  if (reason?.name === "TimeoutError") return new TimeoutError(`no answer in time: ${String(reason.message)}`);
  return new AbortError();
}

function validationDetails(data: CoreErrorData): { index?: number; customId?: string; field?: string; line?: number } {
  const text = (key: string) => (typeof data[key] === "string" ? (data[key] as string) : undefined);
  return {
    index: typeof data.index === "number" ? data.index : undefined,
    customId: text("customId"),
    field: text("field"),
    line: typeof data.line === "number" ? data.line : undefined,
  };
}

function validationError(message: string, data: CoreErrorData): ValidationError {
  return new ValidationError(message, validationDetails(data));
}

/** Turns anything thrown by the core (or by fetch) into a `BatchRouterError`. */
export function toBatchRouterError(error: unknown, signal?: AbortSignal): BatchRouterError {
  if (error instanceof BatchRouterError) return error;
  if (signal?.aborted) return abortedBy(signal);
  if (!isCoreError(error)) {
    const original = error instanceof Error ? error.message : String(error);
    const message = redactCredentials(original);
    // A cause that quotes a credential is not kept: printing the error prints its cause.
    return new BatchRouterError(message, "internal", message === original ? { cause: error } : undefined);
  }
  const data = error.data;
  // The core's messages may quote the runtime's (a connection failure: `Headers.append: …`).
  const message = redactCredentials(error.message);
  const text = (key: string) => (typeof data[key] === "string" ? (data[key] as string) : undefined);
  switch (data.code) {
    case "validation":
      return validationError(message, data);
    case "validations": {
      // Several invalid requests: the first one's fields, every one's error (each with its own
      // text, which the core's glue adds as `text`).
      const list = Array.isArray(data.errors) ? (data.errors as CoreErrorData[]) : [];
      const errors = list.map((each) => validationError(redactCredentials(String(each.text ?? each.message)), each));
      const first = list[0] ?? { code: "validation" };
      return new ValidationError(message, validationDetails(first), {
        errors,
        invalidCount: typeof data.total === "number" ? data.total : errors.length,
      });
    }
    case "provider": {
      const retryHeaders = (data.retryHeaders ?? {}) as { retryAfter?: string; retryAfterMs?: string };
      return new ProviderError(message, {
        provider: text("provider") ?? "",
        status: Number(data.status),
        requestId: text("requestId"),
        retryable: Boolean(data.retryable),
        errorType: text("errorType"),
        body: data.body,
        retryAfter: retryHeaders.retryAfter,
        retryAfterMs: retryHeaders.retryAfterMs,
      });
    }
    case "batch_not_found":
      return new BatchNotFoundError(message, {
        provider: text("provider") ?? "",
        batchId: text("batchId") ?? "",
        requestId: text("requestId"),
      });
    case "batch_not_complete":
      return new BatchNotCompleteError(message, {
        provider: text("provider") ?? "",
        batchId: text("batchId") ?? "",
        status: text("status") ?? "",
      });
    case "invalid_response":
      return new InvalidResponseError(message, text("provider") ?? "", data.outputMissing === true);
    case "connection":
      return new ConnectionError(message);
    case "aborted":
      return new AbortError();
    default:
      return new BatchRouterError(message, data.code);
  }
}
