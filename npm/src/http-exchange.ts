/**
 * Sends the core's requests with fetch (the provider's, which redacts its credentials) and reads
 * the answers back for the core to parse. Every wait on the network (the fetch, each read of a
 * body) ends when the signal aborts, whatever the runtime does with the request: a fetch's signal
 * reaches the response body only through the runtime's own bookkeeping, and undici (Node) holds
 * the request weakly once `fetch` has resolved, so after a garbage collection an abort no longer
 * errors a stalled body and a read would wait for ever (issue 21). Here the wait itself listens to
 * the signal (`abortable.ts`). Failures are the core's errors (`connection`, `aborted`), which `toBatchRouterError`
 * turns into the package's.
 */
import { untilAborted } from "./abortable.js";
import { concatBytes } from "./bytes.js";
import type { HttpExchangeRequest } from "./wasm.js";

/** A fetch: takes a `Request`, resolves to a `Response`. */
export type Fetch = (request: Request) => Promise<Response>;

/** An answer as the core reads it: its headers as names and values in turn, its body's bytes. */
export interface HttpAnswer {
  status: number;
  headers: string[];
  body: Uint8Array;
}

/** An error shaped as the core's (`BatchRouterCoreError` with its data), so it is turned into the package's errors the same way. */
function coreError(message: string, data: { code: string; message?: string }): Error {
  const error = new Error(message);
  error.name = "BatchRouterCoreError";
  (error as Error & { data: unknown }).data = data;
  return error;
}

/** A connection failure: no answer was had. */
export function connectionError(message: string): Error {
  return coreError(`connection error: ${message}`, { code: "connection", message });
}

/** The call was aborted (also: its answer came after a newer step began). */
export function abortedError(): Error {
  return coreError("the operation was aborted", { code: "aborted" });
}

/** A rejected fetch or read: aborted when the signal fired, otherwise a connection failure. */
function failure(error: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return abortedError();
  if (error instanceof Error) {
    // Node's fetch says "fetch failed" and keeps the reason in `cause`.
    const cause = (error as { cause?: unknown }).cause;
    return connectionError(cause instanceof Error ? `${error.message}: ${cause.message}` : error.message);
  }
  return connectionError(typeof error === "string" ? error : "fetch failed");
}

/** Sends `request` with `fetch`. Any HTTP status is a response; only a failure to get one is an error. */
export async function send(request: HttpExchangeRequest, fetch: Fetch, signal: AbortSignal | undefined): Promise<Response> {
  let jsRequest: Request;
  try {
    const init: RequestInit = { method: request.method, headers: new Headers(request.headers) };
    if (request.body !== undefined) init.body = request.body;
    if (signal !== undefined) init.signal = signal;
    if (request.manualRedirect === true) init.redirect = "manual";
    jsRequest = new Request(request.url, init);
  } catch (error) {
    // The runtime refused the request (a header value it cannot send): never an abort.
    throw connectionError(error instanceof Error ? error.message : String(error));
  }
  let response: unknown;
  try {
    // A fetch function that ignores the request's signal still ends when it aborts.
    response = await untilAborted(Promise.resolve(fetch(jsRequest)), signal);
  } catch (error) {
    throw failure(error, signal);
  }
  if (!(response instanceof Response)) throw connectionError("the fetch function did not return a Response");
  return response;
}

/** Sends `request` and reads its whole answer. */
export async function exchange(request: HttpExchangeRequest, fetch: Fetch, signal: AbortSignal | undefined): Promise<HttpAnswer> {
  return readAnswer(await send(request, fetch, signal), signal);
}

/** Reads a whole response (status, headers, body), ending when the signal aborts. */
export async function readAnswer(response: Response, signal: AbortSignal | undefined): Promise<HttpAnswer> {
  const headers: string[] = [];
  response.headers.forEach((value, name) => headers.push(name, value));
  const chunks: Uint8Array[] = [];
  const stream = response.body;
  if (stream !== null) {
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await readChunk(reader, signal);
      if (value !== undefined) chunks.push(value);
      if (done) break;
    }
  }
  const body = chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
  return { status: response.status, headers, body };
}

/**
 * Reads the next chunk of a body: its bytes (as the stream handed them over), and whether the body
 * has ended. When the signal aborts first, the reader is cancelled (the connection is released)
 * and the read fails.
 */
export async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal | undefined): Promise<{ value: Uint8Array | undefined; done: boolean }> {
  let result: ReadableStreamReadResult<Uint8Array>;
  try {
    result = await untilAborted(reader.read(), signal);
  } catch (error) {
    cancelReader(reader);
    throw failure(error, signal);
  }
  return { value: result.value ?? undefined, done: result.done !== false };
}

/** Cancels a body's reader, without waiting. */
export function cancelReader(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  // `cancel()` rejects when the download already failed (an abort errors the body stream);
  // catching it consumes that rejection instead of leaving it unhandled, which would crash Node.
  reader.cancel().catch(() => {});
}
