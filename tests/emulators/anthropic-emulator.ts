/**
 * An Anthropic Message Batches emulator (reference §2), as a fetch handler: create with every
 * request inline, retrieve, list pages (newest first, `before_id`/`after_id`/`limit`), cancel
 * (`in_progress` → `canceling` → `ended` with partial results), delete (ended batches only) and the
 * results file at the batch's `results_url`.
 *
 * The results are served at `/files/results/{id}.jsonl`, deliberately not at the usual
 * `/v1/messages/batches/{id}/results`, so a client that guesses the path instead of following
 * `results_url` fails. They come in reverse request order (the API promises no order) and are
 * streamed in small chunks. Per-request outcomes come from magic words (see `anthropic-outcomes.ts`).
 */
import { anthropicErrorBody, canceledOutcome, outcomeOf, type BatchRequestLine, type Outcome } from "./anthropic-outcomes.js";

export { anthropicErrorBody } from "./anthropic-outcomes.js";

export interface AnthropicEmulatorOptions {
  apiKey?: string;
  /** Status reads a batch spends in `in_progress`, and in `canceling`, before moving on (default 1). */
  readsPerState?: number;
  /** Checks one `{custom_id, params}` request; returns error messages (empty when valid). */
  validateRequest?: (request: unknown) => string[];
  /** Size of the chunks the results file is streamed in (default 64 KiB). */
  chunkSize?: number;
  /**
   * Most requests per batch (default 100,000, the guide's figure; the spec's `maxItems` says
   * 10,000, reference §2.5).
   */
  maxRequests?: number;
  /**
   * A prompt cache: a succeeded request's system prompt is read from the cache (usage
   * `cache_read_input_tokens`) when a batch that ended earlier wrote it, and written otherwise
   * (`cache_creation_input_tokens`, and `cache_creation` by lifetime); requests of one batch do
   * not read each other's writes (unified-features §4.2).
   */
  promptCache?: boolean;
}

export const ANTHROPIC_VERSION = "2023-06-01";
const SAFE_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export type ProcessingStatus = "in_progress" | "canceling" | "ended";

export interface MessageBatchObject {
  id: string;
  type: "message_batch";
  processing_status: ProcessingStatus;
  request_counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number };
  ended_at: string | null;
  created_at: string;
  expires_at: string;
  archived_at: string | null;
  cancel_initiated_at: string | null;
  results_url: string | null;
}

interface BatchRecord {
  object: MessageBatchObject;
  requests: BatchRequestLine[];
  /** Where the batch was created, so `results_url` points back at this emulator. */
  origin: string;
  reads: number;
  resultLines: string[];
}

interface Fault {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface Hold {
  method: string;
  path: RegExp;
  released: Promise<void>;
}

export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/v1/messages/batches?limit=2`. */
  path: string;
  headers: Record<string, string>;
  bodyText: string;
}

export class AnthropicEmulator {
  readonly batches = new Map<string, BatchRecord>();
  readonly received: ReceivedRequest[] = [];
  private readonly faults: Fault[] = [];
  private readonly holds: Hold[] = [];
  private counter = 0;
  private clock = Date.UTC(2025, 0, 1);

  constructor(private readonly options: AnthropicEmulatorOptions = {}) {}

  /** The next request matching `method` and `path` (the URL's pathname) gets this answer instead. */
  failNext(method: string, path: RegExp, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.faults.push({ method, path, status, body, headers });
  }

  /** The next matching request waits until the returned function is called, then is answered. */
  holdNext(method: string, path: RegExp): () => void {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ method, path, released });
    return release;
  }

  /** Ends a running batch now, as if every request had been processed. */
  end(batchId: string): void {
    const record = this.batches.get(batchId);
    if (record && record.object.processing_status !== "ended") this.finish(record);
  }

  /** The lines of an ended batch's results file, in the order they are served. */
  resultLines(batchId: string): string[] {
    return [...(this.batches.get(batchId)?.resultLines ?? [])];
  }

  /** Replaces an ended batch's results file (e.g. to plant a malformed line). */
  setResultLines(batchId: string, lines: string[]): void {
    const record = this.batches.get(batchId);
    if (record) record.resultLines = [...lines];
  }

  /** The `custom_id`s of every request of every batch created so far. */
  receivedCustomIds(): string[] {
    return [...this.batches.values()].flatMap((record) => record.requests.map((request) => request.customId));
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname;
    const bodyText = request.method === "GET" || request.method === "DELETE" ? "" : await request.clone().text();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.received.push({ method: request.method, path: path + url.search, headers, bodyText });

    const holdIndex = this.holds.findIndex((hold) => hold.method === request.method && hold.path.test(path));
    if (holdIndex >= 0) {
      const [hold] = this.holds.splice(holdIndex, 1);
      await hold!.released;
    }
    const faultIndex = this.faults.findIndex((fault) => fault.method === request.method && fault.path.test(path));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return this.json(fault!.status, fault!.body, fault!.headers);
    }
    if (this.options.apiKey !== undefined && request.headers.get("x-api-key") !== this.options.apiKey) {
      return this.error(401, "authentication_error", "invalid x-api-key");
    }
    if (request.headers.get("anthropic-version") !== ANTHROPIC_VERSION) {
      return this.error(400, "invalid_request_error", `anthropic-version: header is required and must be ${ANTHROPIC_VERSION}`);
    }
    let match: RegExpMatchArray | null;
    if (request.method === "GET" && (match = path.match(/^\/files\/results\/([^/]+)\.jsonl$/))) return this.results(match[1]!);
    if (request.method === "POST" && path === "/v1/messages/batches") return this.create(request, bodyText);
    if (request.method === "GET" && path === "/v1/messages/batches") return this.list(url);
    if ((match = path.match(/^\/v1\/messages\/batches\/([^/]+)$/))) {
      if (request.method === "GET") return this.retrieve(decodeURIComponent(match[1]!));
      if (request.method === "DELETE") return this.delete(decodeURIComponent(match[1]!));
    }
    if (request.method === "POST" && (match = path.match(/^\/v1\/messages\/batches\/([^/]+)\/cancel$/))) {
      return this.cancel(decodeURIComponent(match[1]!));
    }
    return this.error(404, "not_found_error", `Not found: ${request.method} ${path}`);
  };

  private requestId(): string {
    this.counter += 1;
    return `req_emulated${this.counter.toString().padStart(8, "0")}`;
  }

  private json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "request-id": this.requestId(), ...headers },
    });
  }

  private error(status: number, type: string, message: string): Response {
    const requestId = this.requestId();
    return new Response(JSON.stringify(anthropicErrorBody(type, message, requestId)), {
      status,
      headers: { "content-type": "application/json", "request-id": requestId },
    });
  }

  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private notFound(batchId: string): Response {
    return this.error(404, "not_found_error", `No message batch found with id '${batchId}'.`);
  }

  private create(request: Request, bodyText: string): Response {
    if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
      return this.error(400, "invalid_request_error", "content-type must be application/json");
    }
    let body: { requests?: unknown };
    try {
      body = JSON.parse(bodyText) as { requests?: unknown };
    } catch {
      return this.error(400, "invalid_request_error", "The request body is not valid JSON.");
    }
    const maxRequests = this.options.maxRequests ?? 100_000;
    if (!Array.isArray(body.requests) || body.requests.length === 0) {
      return this.error(400, "invalid_request_error", "requests: must be a non-empty list");
    }
    if (body.requests.length > maxRequests) {
      return this.error(400, "invalid_request_error", `requests: at most ${maxRequests} requests per batch`);
    }
    const requests: BatchRequestLine[] = [];
    const seen = new Set<string>();
    for (const [index, item] of (body.requests as unknown[]).entries()) {
      const errors = this.options.validateRequest?.(item) ?? [];
      const { custom_id: customId, params } = (item ?? {}) as { custom_id?: unknown; params?: unknown };
      if (typeof customId !== "string" || !SAFE_ID.test(customId)) errors.push("/custom_id must match ^[a-zA-Z0-9_-]{1,64}$");
      if (params === null || typeof params !== "object") errors.push("/params must be an object");
      if (errors.length > 0) return this.error(400, "invalid_request_error", `requests.${index}: ${errors.join("; ")}`);
      if (seen.has(customId as string)) {
        return this.error(400, "invalid_request_error", `requests.${index}.custom_id: duplicate custom_id '${String(customId)}'`);
      }
      seen.add(customId as string);
      requests.push({ customId: customId as string, params: params as Record<string, unknown> });
    }
    this.counter += 1;
    const id = `msgbatch_01emulated${this.counter.toString().padStart(12, "0")}`;
    const createdAt = this.now();
    const object: MessageBatchObject = {
      id,
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: createdAt,
      expires_at: new Date(Date.parse(createdAt) + 24 * 3600 * 1000).toISOString(),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    };
    this.batches.set(id, { object, requests, origin: new URL(request.url).origin, reads: 0, resultLines: [] });
    return this.json(200, object);
  }

  private retrieve(batchId: string): Response {
    const record = this.batches.get(batchId);
    if (!record) return this.notFound(batchId);
    this.advance(record);
    return this.json(200, record.object);
  }

  /** One status read: after `readsPerState` reads in `in_progress` or `canceling`, the batch ends. */
  private advance(record: BatchRecord): void {
    if (record.object.processing_status === "ended") return;
    if (record.reads < (this.options.readsPerState ?? 1)) {
      record.reads += 1;
      return;
    }
    this.finish(record);
  }

  private readonly cachedPrefixes = new Set<string>();

  private applyCache(request: BatchRequestLine, outcome: Outcome, written: Set<string>): void {
    const system = request.params.system;
    const message = (outcome.result as { message?: { usage: Record<string, unknown> } }).message;
    if (system === undefined || message === undefined) return;
    const prefix = JSON.stringify(system);
    const prefixTokens = prefix.split(/\s+/).length;
    if (this.cachedPrefixes.has(prefix)) message.usage.cache_read_input_tokens = prefixTokens;
    else {
      // Split by lifetime as the API does (unified-features §4.2): a 1-hour breakpoint anywhere in
      // the request makes the write a 1-hour one.
      const oneHour = JSON.stringify(request.params).includes('"ttl":"1h"');
      message.usage.cache_creation_input_tokens = prefixTokens;
      message.usage.cache_creation = { ephemeral_5m_input_tokens: oneHour ? 0 : prefixTokens, ephemeral_1h_input_tokens: oneHour ? prefixTokens : 0 };
      written.add(prefix);
    }
  }

  /** Ends the batch: every request gets its outcome; after a cancel only the first half ran. */
  private finish(record: BatchRecord): void {
    const object = record.object;
    const canceled = object.cancel_initiated_at !== null;
    const ran = canceled ? Math.floor(record.requests.length / 2) : record.requests.length;
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    const lines: string[] = [];
    const written = new Set<string>();
    record.requests.forEach((request, index) => {
      this.counter += 1;
      const outcome: Outcome = index < ran ? outcomeOf(request, this.counter) : canceledOutcome();
      if (this.options.promptCache) this.applyCache(request, outcome, written);
      counts[outcome.type] += 1;
      lines.push(JSON.stringify({ custom_id: request.customId, result: outcome.result }));
    });
    for (const prefix of written) this.cachedPrefixes.add(prefix);
    record.resultLines = lines.reverse();
    object.request_counts = counts;
    object.processing_status = "ended";
    object.ended_at = this.now();
    object.results_url = `${record.origin}/files/results/${object.id}.jsonl`;
  }

  private cancel(batchId: string): Response {
    const record = this.batches.get(batchId);
    if (!record) return this.notFound(batchId);
    const object = record.object;
    if (object.processing_status === "ended") {
      return this.error(400, "invalid_request_error", `Message batch ${batchId} has ended and cannot be canceled.`);
    }
    if (object.processing_status === "in_progress") {
      object.processing_status = "canceling";
      object.cancel_initiated_at = this.now();
      record.reads = 0;
    }
    return this.json(200, object);
  }

  private delete(batchId: string): Response {
    const record = this.batches.get(batchId);
    if (!record) return this.notFound(batchId);
    if (record.object.processing_status !== "ended") {
      return this.error(400, "invalid_request_error", `Message batch ${batchId} is still processing; cancel it and wait for it to end before deleting it.`);
    }
    this.batches.delete(batchId);
    return this.json(200, { id: batchId, type: "message_batch_deleted" });
  }

  /** `limit` 1–1000 (default 20), newest first; `after_id` pages towards older, `before_id` newer. */
  private list(url: URL): Response {
    const limitText = url.searchParams.get("limit");
    const limit = limitText === null ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return this.error(400, "invalid_request_error", "limit: must be an integer from 1 to 1000");
    }
    const afterId = url.searchParams.get("after_id");
    const beforeId = url.searchParams.get("before_id");
    if (afterId !== null && beforeId !== null) {
      return this.error(400, "invalid_request_error", "give at most one of before_id and after_id");
    }
    const all = [...this.batches.values()].map((record) => record.object).reverse();
    let page: MessageBatchObject[];
    let hasMore: boolean;
    if (beforeId !== null) {
      const end = Math.max(all.findIndex((batch) => batch.id === beforeId), 0);
      const start = Math.max(end - limit, 0);
      page = all.slice(start, end);
      hasMore = start > 0;
    } else {
      const start = afterId === null ? 0 : all.findIndex((batch) => batch.id === afterId) + 1;
      page = start === 0 && afterId !== null ? [] : all.slice(start, start + limit);
      hasMore = page.length > 0 && start + limit < all.length;
    }
    return this.json(200, { data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null });
  }

  private results(batchId: string): Response {
    const record = this.batches.get(batchId);
    if (!record || record.object.processing_status !== "ended") return this.notFound(batchId);
    const bytes = new TextEncoder().encode(record.resultLines.join("\n") + "\n");
    const chunkSize = this.options.chunkSize ?? 65536;
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "application/x-jsonl", "request-id": this.requestId() } });
  }
}
