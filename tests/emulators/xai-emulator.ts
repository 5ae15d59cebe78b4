/**
 * An xAI Batch API emulator, written from endpoints-and-push.md §5.2 (third-party readings of xAI's
 * REST API: batchwork, tryAGI's .NET SDK; xAI publishes no OpenAPI document in ../shared/specs):
 *
 * - `POST /v1/files` (multipart, OpenAI-style lines, no `purpose` needed) → `{id}`.
 * - `POST /v1/batches {input_file_id, name}` → the batch with all counters at 0; requests are
 *   counted in on the first read (the file is read asynchronously on xAI's side).
 * - `GET /v1/batches/{id}`: `{batch_id, name, create_time, expire_time, cancel_time?, state:
 *   {num_requests, num_pending, num_success, num_error, num_cancelled}}`; no status string. Each
 *   read moves the batch on: counted in, half done, all done.
 * - `GET /v1/batches/{id}/results?limit=&pagination_token=` → `{results: [{batch_request_id,
 *   batch_result: {response: {chat_get_completion}} | {error}}], pagination_token?}`.
 * - `POST /v1/batches/{id}:cancel`: pending requests end cancelled.
 * - `GET /v1/batches?limit=&pagination_token=` → `{batches, pagination_token?}`, newest first.
 *
 * Lines must be `{custom_id, method: "POST", url: "/v1/chat/completions", body}`; a body that
 * fails `validateBody` (OpenAI's chat schema) makes the create fail with 400. Magic words as in the
 * OpenAI emulator: `FAIL_400`, `FAIL_500` → an error result.
 */

export interface XAIEmulatorOptions {
  apiKey?: string;
  validateBody?: (body: unknown) => string[];
  /** Results per page at most (default: the `limit` asked for, capped at this; default 2). */
  maxPageSize?: number;
}

interface Line {
  customId: string;
  body: Record<string, unknown>;
}

interface BatchRecord {
  object: Record<string, unknown> & { batch_id: string };
  lines: Line[];
  /** How far the batch got: 0 created, 1 counted in, 2 half done, 3 done. */
  stage: number;
  cancelled: boolean;
  results: Record<string, unknown>[];
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  bodyText: string;
}

interface Fault {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "x-request-id": `req_${Math.random().toString(36).slice(2, 10)}` } });
}

function error(status: number, message: string, code = "invalid_argument"): Response {
  return json(status, { code, error: message });
}

export class XAIEmulator {
  readonly files = new Map<string, string>();
  readonly batches = new Map<string, BatchRecord>();
  readonly received: ReceivedRequest[] = [];
  private readonly faults: Fault[] = [];
  private counter = 0;
  private clock = Date.UTC(2025, 6, 1, 10, 0, 0);

  constructor(private readonly options: XAIEmulatorOptions = {}) {}

  /** The next request matching `method` and `path` (after `/v1`) gets this answer instead. */
  failNext(method: string, path: RegExp, status: number, body: unknown): void {
    this.faults.push({ method, path, status, body });
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/v1/")) return error(404, `Unknown route ${url.pathname}`, "not_found");
    const path = url.pathname.slice(3);
    const bodyText = request.method === "GET" ? "" : await request.clone().text();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.received.push({ method: request.method, path: url.pathname + url.search, headers, bodyText });
    const faultIndex = this.faults.findIndex((fault) => fault.method === request.method && fault.path.test(path));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return json(fault!.status, fault!.body);
    }
    if (this.options.apiKey && request.headers.get("authorization") !== `Bearer ${this.options.apiKey}`) {
      return error(401, "Incorrect API key provided.", "unauthenticated");
    }
    let match: RegExpMatchArray | null;
    if (request.method === "POST" && path === "/files") return this.upload(request);
    if (request.method === "POST" && path === "/batches") return this.create(request);
    if (request.method === "GET" && path === "/batches") return this.list(url);
    if (request.method === "GET" && (match = path.match(/^\/batches\/([^/:]+)$/))) return this.retrieve(match[1]!);
    if (request.method === "GET" && (match = path.match(/^\/batches\/([^/:]+)\/results$/))) return this.results(match[1]!, url);
    if (request.method === "POST" && (match = path.match(/^\/batches\/([^/:]+):cancel$/))) return this.cancel(match[1]!);
    return error(404, `Unknown route ${request.method} ${url.pathname}`, "not_found");
  };

  private nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter.toString().padStart(6, "0")}`;
  }

  private time(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private async upload(request: Request): Promise<Response> {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return error(400, "The request body must be multipart/form-data.");
    }
    const file = form.get("file");
    if (!(file instanceof Blob)) return error(400, "'file' is required.");
    const id = this.nextId("file_");
    this.files.set(id, await file.text());
    return json(200, { id, object: "file", bytes: file.size, filename: (file as File).name ?? "upload.jsonl" });
  }

  private async create(request: Request): Promise<Response> {
    let body: Record<string, unknown>;
    try {
      body = (await request.json()) as Record<string, unknown>;
    } catch {
      return error(400, "The body must be JSON.");
    }
    const unknown = Object.keys(body).filter((key) => !["input_file_id", "name"].includes(key));
    if (unknown.length > 0) return error(400, `Unknown fields: ${unknown.join(", ")}`);
    if (typeof body.name !== "string" || body.name === "") return error(400, "'name' is required.");
    const content = this.files.get(String(body.input_file_id));
    if (content === undefined) return error(400, `No file ${String(body.input_file_id)}`);
    const lines: Line[] = [];
    const seen = new Set<string>();
    for (const [index, text] of content.split("\n").entries()) {
      if (text.trim() === "") continue;
      let parsed: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
      try {
        parsed = JSON.parse(text);
      } catch {
        return error(400, `line ${index + 1} is not JSON`);
      }
      if (typeof parsed.custom_id !== "string" || parsed.method !== "POST" || parsed.url !== "/v1/chat/completions") {
        return error(400, `line ${index + 1}: custom_id, method POST and url /v1/chat/completions are required`);
      }
      if (seen.has(parsed.custom_id)) return error(400, `line ${index + 1}: duplicate custom_id ${parsed.custom_id}`);
      seen.add(parsed.custom_id);
      const problems = this.options.validateBody?.(parsed.body) ?? [];
      if (problems.length > 0) return error(400, `line ${index + 1}: the body violates the spec: ${problems.join("; ")}`);
      lines.push({ customId: parsed.custom_id, body: parsed.body as Record<string, unknown> });
    }
    if (lines.length === 0) return error(400, "The file has no requests.");
    const batchId = this.nextId("batch_");
    const create = this.time();
    const object = {
      batch_id: batchId,
      name: body.name,
      create_time: create,
      expire_time: new Date(this.clock + 86_400_000).toISOString(),
      create_api_key_id: "key_emulated",
      state: { num_requests: 0, num_pending: 0, num_success: 0, num_error: 0, num_cancelled: 0 },
    };
    this.batches.set(batchId, { object, lines, stage: 0, cancelled: false, results: [] });
    return json(200, object);
  }

  private retrieve(batchId: string): Response {
    const record = this.batches.get(batchId);
    if (!record) return error(404, `Batch ${batchId} not found`, "not_found");
    this.advance(record);
    return json(200, record.object);
  }

  /** Moves the batch one stage on and recomputes its counters. */
  private advance(record: BatchRecord): void {
    if (record.stage < 3 && !record.cancelled) record.stage += 1;
    const total = record.lines.length;
    const done = record.cancelled ? record.results.length : record.stage >= 3 ? total : record.stage === 2 ? Math.floor(total / 2) : 0;
    while (record.results.length < done) record.results.push(this.resultOf(record.lines[record.results.length]!));
    const errors = record.results.filter((result) => "error" in (result.batch_result as object)).length;
    const cancelled = record.cancelled ? total - record.results.length : 0;
    const counted = record.stage >= 1 || record.cancelled;
    record.object.state = {
      num_requests: counted ? total : 0,
      num_pending: counted ? total - record.results.length - cancelled : 0,
      num_success: record.results.length - errors,
      num_error: errors,
      num_cancelled: cancelled,
    };
  }

  private resultOf(line: Line): Record<string, unknown> {
    const text = lastUserText(line.body);
    const failure = text.match(/FAIL_(400|500)/);
    if (failure) {
      return { batch_request_id: line.customId, batch_result: { error: { code: failure[1] === "400" ? "INVALID_ARGUMENT" : "INTERNAL", message: `Emulated failure ${failure[1]}` } } };
    }
    const completion = {
      id: this.nextId("chatcmpl-"),
      object: "chat.completion",
      created: Math.floor(this.clock / 1000),
      model: String(line.body.model),
      choices: [{ index: 0, message: { role: "assistant", content: `echo: ${text}` }, finish_reason: "stop" }],
      usage: { prompt_tokens: text.length, completion_tokens: text.length + 6, total_tokens: 2 * text.length + 6 },
    };
    return { batch_request_id: line.customId, batch_result: { response: { chat_get_completion: completion } } };
  }

  private results(batchId: string, url: URL): Response {
    const record = this.batches.get(batchId);
    if (!record) return error(404, `Batch ${batchId} not found`, "not_found");
    const limit = Math.min(Number(url.searchParams.get("limit") ?? 100), this.options.maxPageSize ?? 2);
    const token = url.searchParams.get("pagination_token");
    const start = token === null ? 0 : Number(token.replace("page-", ""));
    const page = record.results.slice(start, start + limit);
    const body: Record<string, unknown> = { results: page };
    if (start + limit < record.results.length) body.pagination_token = `page-${start + limit}`;
    return json(200, body);
  }

  private cancel(batchId: string): Response {
    const record = this.batches.get(batchId);
    if (!record) return error(404, `Batch ${batchId} not found`, "not_found");
    if (!record.cancelled) {
      record.cancelled = true;
      record.object.cancel_time = this.time();
    }
    this.advance(record);
    return json(200, record.object);
  }

  private list(url: URL): Response {
    const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 20), 1), 100);
    const token = url.searchParams.get("pagination_token");
    const all = [...this.batches.values()].map((record) => record.object).reverse();
    const start = token === null ? 0 : Number(token.replace("page-", ""));
    const body: Record<string, unknown> = { batches: all.slice(start, start + limit) };
    if (start + limit < all.length) body.pagination_token = `page-${start + limit}`;
    return json(200, body);
  }
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages as { role: string; content: unknown }[]) ?? [];
  const last = [...messages].reverse().find((message) => message.role === "user");
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  if (Array.isArray(last.content)) {
    return last.content
      .filter((part: { type?: string }) => part.type === "text")
      .map((part: { text?: string }) => part.text ?? "")
      .join(" ");
  }
  return "";
}
