/**
 * An OpenAI Batch API emulator (files and batches), as a fetch handler. It plays the whole lifecycle
 * (upload, create, validating → in_progress → finalizing → completed, output and error files,
 * cancel, list pages) and the documented error bodies. Every uploaded line can be checked against
 * the official spec: a line that violates it fails the batch the way OpenAI does (`errors.data`).
 *
 * Per-request outcomes come from magic words in the last user message: `FAIL_400` → a 400 line in
 * the error file, `FAIL_500` → a 500 line, `FLAKY_500` → a 500 line the first time that custom id
 * is run, a success after. `NO_ANSWER_ONCE` → the first time, an error line with status 0, an empty
 * body and no error (field case 03); `CUT_ONCE` → the first time, an output line cut short after its
 * custom id (field case 28); `NO_LINE_ONCE` → the first time, no line in either file (a result
 * missing). `endWith` can make a batch expire instead of completing. A success
 * answers `echo: <text>`, or JSON text for `response_format` and tool calls for `tools` (chat
 * `tool_calls`, Responses `function_call` items), as tests/support/emulated-answers.ts decides.
 *
 * Servers that speak the same protocol with small differences (Groq, Azure OpenAI, Together AI) are
 * this emulator with a {@link Dialect}: see groq-emulator.ts, azure-openai-emulator.ts and
 * together-emulator.ts.
 */

/** Where an OpenAI-protocol server differs from OpenAI (defaults: OpenAI's). */
import { chatPlan, thoughtText, type ChatPlan } from "../support/emulated-answers.js";

export interface Dialect {
  /** The path prefix of every route (OpenAI: `/v1`). */
  pathPrefix: string;
  /** Whether the request carries the right credential for `apiKey`. */
  authorized(request: Request, apiKey: string): boolean;
  /** The create body's `endpoint` value it accepts. */
  createEndpoint: string;
  /** Query parameters every call must carry (Azure's dated `api-version`). */
  requiredQuery: Record<string, string>;
  /** The batch object as this server writes it (Azure's samples: capitalised status, ISO times). */
  present(batch: Record<string, unknown>): Record<string, unknown>;
  /** The upload route (Together: `/files/upload`). */
  uploadPath: string;
  /** Checks the upload form's fields besides the file; returns the error message, if any. */
  checkUpload(form: FormData): string | undefined;
  /** The create body's allowed fields (undefined: any). */
  createFields?: string[];
  /** The create answer's status and body around the presented batch (Together: 201, `{job}`). */
  created(batch: Record<string, unknown>): { status: number; body: unknown };
  /** The list answer for all batches, newest first (Together: a bare array, no paging). */
  listBody?(batches: Record<string, unknown>[]): unknown;
  /** An error body (Together's batch routes: `{error: "<message>"}`). */
  errorBody?(message: string, type: string, code: string | null): unknown;
}

export const OPENAI_DIALECT: Dialect = {
  pathPrefix: "/v1",
  authorized: (request, apiKey) => request.headers.get("authorization") === `Bearer ${apiKey}`,
  createEndpoint: "/v1/chat/completions",
  requiredQuery: {},
  present: (batch) => batch,
  uploadPath: "/files",
  checkUpload: (form) => (form.get("purpose") === "batch" ? undefined : "'purpose' must be 'batch'."),
  created: (batch) => ({ status: 200, body: batch }),
};

export interface OpenAIEmulatorOptions {
  apiKey?: string;
  /** Status reads spent in each state before moving on (default 1). */
  readsPerState?: number;
  /** Checks a line's `body` (its line's `url` given); returns error messages (empty when valid). */
  validateBody?: (body: unknown, url: string) => string[];
  /** Size of the chunks file contents are streamed in (default 64 KiB). */
  chunkSize?: number;
  /**
   * How a batch ends when it would complete: `expired` runs the first half of its requests and
   * reports the rest as `batch_expired` in the error file (default: always `completed`).
   */
  endWith?: (batch: { id: string; metadata: unknown; requestCount: number }) => "completed" | "expired" | "cancelled";
  /**
   * Whether the requests an expired or cancelled batch did not run get `batch_expired` /
   * `batch_cancelled` lines in its error file (default true; OpenAI has been seen to leave them out).
   */
  unfinishedLines?: boolean;
  /** The emulator's clock at start, in Unix seconds (default 1,760,000,000); it ticks per event. */
  startClock?: number;
  /**
   * OpenAI's enqueued-token quota per model: a batch that would take the input tokens of the
   * model's unfinished batches over it fails after its create call, with `token_limit_exceeded`.
   */
  enqueuedTokenLimit?: number;
  /** Input tokens of one line's body, for the quota (default: its messages' text length). */
  countTokens?: (body: Record<string, unknown>) => number;
  /** The server's differences from OpenAI (default: none). */
  dialect?: Partial<Dialect>;
  /** Batch ids from the emulator's `batch_000001` counter ids (Together: UUIDs). */
  batchId?: (counterId: string) => string;
}

export interface StoredFile {
  id: string;
  purpose: string;
  filename: string;
  content: string;
  createdAt: number;
}

interface BatchRecord {
  object: Record<string, unknown> & { id: string; status: string };
  lines: { customId: string; body: Record<string, unknown> }[];
  reads: number;
  /** Input tokens counted against the quota while the batch has not ended. */
  tokens: number;
}

interface Fault {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  bodyText: string;
}

const FLOW = ["validating", "in_progress", "finalizing", "completed"];
const UNFINISHED = ["validating", "in_progress", "finalizing", "cancelling"];

function messageLength(body: Record<string, unknown>): number {
  const messages = (body.messages ?? []) as { content?: unknown }[];
  return messages.reduce((sum, message) => sum + (typeof message.content === "string" ? message.content.length : JSON.stringify(message.content ?? "").length), 0);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": `req_${Math.random().toString(36).slice(2, 10)}`, ...headers },
  });
}

function openAIError(status: number, message: string, type: string, code: string | null = null): Response {
  return json(status, { error: { message, type, param: null, code } });
}

export class OpenAIEmulator {
  readonly files = new Map<string, StoredFile>();
  readonly batches = new Map<string, BatchRecord>();
  /** The most input tokens one model had enqueued at once (batches accepted and not ended). */
  mostEnqueuedTokens = 0;
  readonly received: ReceivedRequest[] = [];
  private readonly faults: Fault[] = [];
  /** How many times each custom id has been run (for `FLAKY_500`). */
  private readonly runs = new Map<string, number>();
  private counter = 0;
  private clock: number;
  private readonly dialect: Dialect;

  constructor(private readonly options: OpenAIEmulatorOptions = {}) {
    this.clock = options.startClock ?? 1_760_000_000;
    this.dialect = { ...OPENAI_DIALECT, ...options.dialect };
  }

  /** The next request matching `method` and `path` gets this answer instead. */
  failNext(method: string, path: RegExp, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.faults.push({ method, path, status, body, headers });
  }

  /** Moves a batch straight to `completed` (writing its files). */
  complete(batchId: string): void {
    const record = this.batches.get(batchId);
    if (record) this.finish(record, "completed");
  }

  /** Replaces a stored file's content (e.g. to plant a malformed line). */
  setFileContent(fileId: string, content: string): void {
    const file = this.files.get(fileId);
    if (file) file.content = content;
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(this.dialect.pathPrefix + "/")) {
      return openAIError(404, `Unknown route ${request.method} ${url.pathname}`, "invalid_request_error");
    }
    const path = url.pathname.slice(this.dialect.pathPrefix.length);
    const bodyText = request.method === "GET" ? "" : await request.clone().text();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.received.push({ method: request.method, path: url.pathname + url.search, headers, bodyText });

    const faultIndex = this.faults.findIndex((fault) => fault.method === request.method && fault.path.test(path));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return json(fault!.status, fault!.body, fault!.headers);
    }
    if (this.options.apiKey && !this.dialect.authorized(request, this.options.apiKey)) {
      return openAIError(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
    }
    for (const [name, value] of Object.entries(this.dialect.requiredQuery)) {
      if (url.searchParams.get(name) !== value) return openAIError(400, `Query parameter '${name}' must be '${value}'.`, "invalid_request_error");
    }
    let match: RegExpMatchArray | null;
    if (request.method === "POST" && path === this.dialect.uploadPath) return this.upload(request);
    if (request.method === "GET" && (match = path.match(/^\/files\/([^/]+)\/content$/))) return this.content(match[1]!);
    if (request.method === "POST" && path === "/batches") return this.create(request);
    if (request.method === "GET" && path === "/batches") return this.list(url);
    if (request.method === "GET" && (match = path.match(/^\/batches\/([^/]+)$/))) return this.retrieve(match[1]!);
    if (request.method === "POST" && (match = path.match(/^\/batches\/([^/]+)\/cancel$/))) return this.cancel(match[1]!);
    return openAIError(404, `Unknown route ${request.method} ${url.pathname}`, "invalid_request_error");
  };

  private nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter.toString().padStart(6, "0")}`;
  }

  private async upload(request: Request): Promise<Response> {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return openAIError(400, "The request body must be multipart/form-data.", "invalid_request_error");
    }
    const file = form.get("file");
    const problem = this.dialect.checkUpload(form);
    if (problem !== undefined) return this.error(400, problem, "invalid_request_error");
    if (!(file instanceof Blob)) return openAIError(400, "'file' is required.", "invalid_request_error");
    const stored: StoredFile = {
      id: this.nextId("file-"),
      purpose: String(form.get("purpose") ?? ""),
      filename: (file as File).name ?? "upload.jsonl",
      content: await file.text(),
      createdAt: this.clock++,
    };
    this.files.set(stored.id, stored);
    return json(200, this.fileObject(stored));
  }

  private fileObject(file: StoredFile): Record<string, unknown> {
    return {
      id: file.id,
      object: "file",
      bytes: new TextEncoder().encode(file.content).length,
      created_at: file.createdAt,
      filename: file.filename,
      purpose: file.purpose,
    };
  }

  private content(fileId: string): Response {
    const file = this.files.get(fileId);
    if (!file) return openAIError(404, `No such File object: ${fileId}`, "invalid_request_error");
    const bytes = new TextEncoder().encode(file.content);
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
    return new Response(body, { status: 200, headers: { "content-type": "application/octet-stream" } });
  }

  private async create(request: Request): Promise<Response> {
    let body: Record<string, unknown>;
    try {
      body = (await request.json()) as Record<string, unknown>;
    } catch {
      return openAIError(400, "The body must be JSON.", "invalid_request_error");
    }
    const unknown = Object.keys(body).filter((key) => this.dialect.createFields !== undefined && !this.dialect.createFields.includes(key));
    if (unknown.length > 0) return this.error(400, `Unknown fields in the create body: ${unknown.join(", ")}`, "invalid_request_error");
    const file = this.files.get(String(body.input_file_id));
    if (!file) return this.error(400, `Invalid 'input_file_id': ${String(body.input_file_id)}`, "invalid_request_error");
    // The chat endpoint as the dialect spells it, and the same spelling of `/v1/responses` and
    // `/v1/embeddings`; lines name `/v1/...` whatever the create body's spelling (Azure: §5.1).
    const prefix = this.dialect.createEndpoint.startsWith("/v1/") ? "/v1" : "";
    const lineUrl = ["/chat/completions", "/responses", "/embeddings"].find((path) => body.endpoint === prefix + path);
    if (lineUrl === undefined) return this.error(400, "Unsupported endpoint.", "invalid_request_error");
    if (body.completion_window !== "24h") return this.error(400, "completion_window must be 24h.", "invalid_request_error");
    const counterId = this.nextId("batch_");
    const id = this.options.batchId?.(counterId) ?? counterId;
    const { lines, errors } = this.readLines(file.content, "/v1" + lineUrl);
    const object: BatchRecord["object"] = {
      id,
      object: "batch",
      endpoint: body.endpoint,
      errors: null,
      input_file_id: file.id,
      completion_window: "24h",
      status: "validating",
      output_file_id: null,
      error_file_id: null,
      created_at: this.clock++,
      in_progress_at: null,
      expires_at: this.clock + 86400,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: body.metadata ?? null,
    };
    // Not part of OpenAI's object (not enumerable, so never written): a dialect that names the
    // batch's model (Together's `model_id`) reads it.
    Object.defineProperty(object, "model", { value: lines[0]?.body.model, enumerable: false });
    const tokens = lines.reduce((sum, line) => sum + (this.options.countTokens ?? messageLength)(line.body), 0);
    const record: BatchRecord = { object, lines, reads: 0, tokens };
    const limit = this.options.enqueuedTokenLimit;
    const model = String(lines[0]?.body.model);
    const enqueued = [...this.batches.values()]
      .filter((other) => UNFINISHED.includes(other.object.status) && String(other.lines[0]?.body.model) === model)
      .reduce((sum, other) => sum + other.tokens, 0);
    if (errors.length === 0 && limit !== undefined && enqueued + tokens > limit) {
      errors.push({
        code: "token_limit_exceeded",
        message: `Enqueued token limit reached for ${model} in organization org-emulated. Limit: ${limit} enqueued tokens. Please try again once some in_progress batches have been completed.`,
        param: null,
        line: null,
      });
    } else if (errors.length === 0) {
      this.mostEnqueuedTokens = Math.max(this.mostEnqueuedTokens, enqueued + tokens);
    }
    if (errors.length > 0) {
      object.status = "failed";
      object.failed_at = this.clock++;
      object.errors = { object: "list", data: errors };
    } else {
      object.request_counts = { total: lines.length, completed: 0, failed: 0 };
    }
    this.batches.set(id, record);
    const created = this.dialect.created(this.dialect.present(object));
    return json(created.status, created.body);
  }

  private error(status: number, message: string, type: string, code: string | null = null): Response {
    return this.dialect.errorBody ? json(status, this.dialect.errorBody(message, type, code)) : openAIError(status, message, type, code);
  }

  /** Validates the uploaded file the way OpenAI reports problems: one error per bad line. */
  private readLines(content: string, endpoint: string) {
    const lines: BatchRecord["lines"] = [];
    const errors: { code: string; message: string; param: string | null; line: number | null }[] = [];
    const seen = new Set<string>();
    const models = new Set<string>();
    content.split("\n").forEach((text, index) => {
      if (text.trim() === "") return;
      const line = index + 1;
      let parsed: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
      try {
        parsed = JSON.parse(text);
      } catch {
        errors.push({ code: "invalid_json_line", message: "This line is not parseable as valid JSON.", param: null, line });
        return;
      }
      if (typeof parsed.custom_id !== "string" || parsed.method !== "POST" || parsed.url !== endpoint) {
        errors.push({ code: "invalid_request", message: "custom_id, method POST and a matching url are required.", param: null, line });
        return;
      }
      if (seen.has(parsed.custom_id)) {
        errors.push({ code: "duplicate_custom_id", message: `The custom_id ${parsed.custom_id} is duplicated.`, param: null, line });
        return;
      }
      seen.add(parsed.custom_id);
      const specErrors = this.options.validateBody?.(parsed.body, endpoint) ?? [];
      if (specErrors.length > 0) {
        errors.push({ code: "invalid_request", message: `The body violates the spec: ${specErrors.join("; ")}`, param: "body", line });
        return;
      }
      const body = parsed.body as Record<string, unknown>;
      models.add(String(body.model));
      lines.push({ customId: parsed.custom_id, body });
    });
    if (models.size > 1) errors.push({ code: "model_mismatch", message: "All requests must use the same model.", param: null, line: 1 });
    if (lines.length === 0 && errors.length === 0) errors.push({ code: "empty_file", message: "The file is empty.", param: null, line: 1 });
    return { lines, errors };
  }

  private retrieve(batchId: string): Response {
    const record = this.batches.get(batchId);
    if (!record) return this.error(404, `No batch found with id '${batchId}'.`, "invalid_request_error");
    this.advance(record);
    return json(200, this.dialect.present(record.object));
  }

  private advance(record: BatchRecord): void {
    const object = record.object;
    if (object.status === "cancelling") {
      this.finish(record, "cancelled");
      return;
    }
    const position = FLOW.indexOf(object.status);
    if (position < 0 || position === FLOW.length - 1) return;
    record.reads += 1;
    if (record.reads < (this.options.readsPerState ?? 1)) return;
    record.reads = 0;
    const next = FLOW[position + 1]!;
    if (next === "completed") {
      const end = this.options.endWith?.({ id: object.id, metadata: object.metadata, requestCount: record.lines.length });
      this.finish(record, end ?? "completed");
      return;
    }
    object.status = next;
    object[`${next}_at`] = this.clock++;
    if (next === "finalizing") {
      const total = record.lines.length;
      object.request_counts = { total, completed: total - this.failures(record).length, failed: this.failures(record).length };
    }
  }

  /** The failure code a line would get if run now, if any. */
  private failureOf(line: BatchRecord["lines"][number]): number | undefined {
    const text = lastUserText(line.body);
    const failure = text.match(/FAIL_(400|500)/);
    if (failure) return Number(failure[1]);
    if (text.includes("FLAKY_500") && (this.runs.get(line.customId) ?? 0) === 0) return 500;
    return undefined;
  }

  private failures(record: BatchRecord) {
    return record.lines.filter((line) => this.failureOf(line) !== undefined);
  }

  /** Writes the output and error files. A cancelled or expired batch keeps the first half as done. */
  private finish(record: BatchRecord, status: "completed" | "cancelled" | "expired"): void {
    const object = record.object;
    const done = status === "completed" ? record.lines : record.lines.slice(0, Math.floor(record.lines.length / 2));
    const output: string[] = [];
    const errors: string[] = [];
    for (const line of done) {
      const text = lastUserText(line.body);
      const code = this.failureOf(line);
      const firstRun = (this.runs.get(line.customId) ?? 0) === 0;
      this.runs.set(line.customId, (this.runs.get(line.customId) ?? 0) + 1);
      const id = this.nextId("batch_req_");
      // A line the provider leaves out of both files (a result missing).
      if (firstRun && text.includes("NO_LINE_ONCE")) continue;
      if (firstRun && text.includes("NO_ANSWER_ONCE")) {
        errors.push(JSON.stringify({ id, custom_id: line.customId, response: { status_code: 0, request_id: "", body: {} }, error: null }));
        continue;
      }
      if (code !== undefined) {
        errors.push(
          JSON.stringify({
            id,
            custom_id: line.customId,
            response: {
              status_code: code,
              request_id: `req_${id}`,
              body: { error: { message: `Emulated failure ${code}`, type: code === 400 ? "invalid_request_error" : "server_error", param: null, code: null } },
            },
            error: null,
          }),
        );
        continue;
      }
      const cut = firstRun && text.includes("CUT_ONCE");
      const write = (outputLine: string) => output.push(cut ? outputLine.slice(0, outputLine.indexOf('"body"') + 20) : outputLine);
      const answer = answerBody(String(record.object.endpoint), line.customId, line.body, text, id, this.clock);
      write(
        JSON.stringify({
          id,
          custom_id: line.customId,
          response: {
            status_code: 200,
            request_id: `req_${id}`,
            body: answer ?? {
              id: `chatcmpl-${id}`,
              object: "chat.completion",
              created: this.clock,
              model: String(line.body.model),
              choices: [chatChoice(line.customId, line.body, text)],
              usage: chatUsage(line.body, text),
            },
          },
          error: null,
        }),
      );
    }
    const unfinished =
      status === "expired"
        ? { code: "batch_expired", message: "This request could not be executed before the completion window expired." }
        : { code: "batch_cancelled", message: "This request was cancelled before it was executed." };
    for (const line of this.options.unfinishedLines === false ? [] : record.lines.slice(done.length)) {
      errors.push(JSON.stringify({ id: this.nextId("batch_req_"), custom_id: line.customId, response: null, error: unfinished }));
    }
    const store = (lines: string[]) => {
      if (lines.length === 0) return null;
      const file: StoredFile = { id: this.nextId("file-"), purpose: "batch_output", filename: "output.jsonl", content: lines.join("\n") + "\n", createdAt: this.clock++ };
      this.files.set(file.id, file);
      return file.id;
    };
    object.output_file_id = store(output);
    object.error_file_id = store(errors);
    const failed = done.length - output.length;
    object.request_counts = { total: record.lines.length, completed: output.length, failed };
    object.status = status;
    object[`${status}_at`] = this.clock++;
  }

  private cancel(batchId: string): Response {
    const record = this.batches.get(batchId);
    if (!record) return openAIError(404, `No batch found with id '${batchId}'.`, "invalid_request_error");
    const status = record.object.status;
    if (["completed", "failed", "expired", "cancelled"].includes(status)) {
      return openAIError(400, `Cannot cancel a batch with status '${status}'.`, "invalid_request_error");
    }
    record.object.status = "cancelling";
    record.object.cancelling_at = this.clock++;
    return json(200, this.dialect.present(record.object));
  }

  private list(url: URL): Response {
    const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 20), 1), 100);
    const after = url.searchParams.get("after");
    const all = [...this.batches.values()].map((record) => record.object).reverse();
    if (this.dialect.listBody) return json(200, this.dialect.listBody(all.map((batch) => this.dialect.present(batch))));
    const start = after ? all.findIndex((batch) => batch.id === after) + 1 : 0;
    const page = all.slice(start, start + limit);
    return json(200, {
      object: "list",
      data: page.map((batch) => this.dialect.present(batch)),
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: start + limit < all.length,
    });
  }
}

/**
 * The answer of a Responses or embeddings line (`undefined` for chat lines, answered by the caller):
 * a Responses object whose message says `echo: <text>` with the chat answer's token counts
 * (endpoints-and-push.md §2.2), or an embeddings list with one vector per input, derived from its
 * text, listed in reverse order so that readers must map by `index` (§1.1).
 */
function answerBody(endpoint: string, customId: string, body: Record<string, unknown>, text: string, id: string, clock: number): Record<string, unknown> | undefined {
  const model = String(body.model);
  if (endpoint.endsWith("/responses")) {
    const plan = chatPlan(chatShapeOfResponses(body), text);
    const output =
      plan.kind === "tool_calls"
        ? plan.calls.map((call, index) => ({
            id: `fc_${id}_${index}`,
            type: "function_call",
            call_id: callId(customId, index),
            name: call.name,
            arguments: JSON.stringify(call.arguments),
            status: "completed",
          }))
        : [{ id: `msg_${id}`, type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: plannedText(plan, text), annotations: [] }] }];
    return {
      id: `resp_${id}`,
      object: "response",
      created_at: clock,
      completed_at: clock,
      status: "completed",
      error: null,
      incomplete_details: null,
      model,
      output,
      usage: {
        input_tokens: text.length,
        input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        output_tokens: text.length + 6,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 2 * text.length + 6,
      },
    };
  }
  if (endpoint.endsWith("/embeddings")) {
    const inputs = (Array.isArray(body.input) ? body.input : [body.input]).map(String);
    const dimensions = typeof body.dimensions === "number" ? body.dimensions : 4;
    const data = inputs.map((input, index) => ({ object: "embedding", index, embedding: emulatedVector(input, dimensions) })).reverse();
    const tokens = inputs.reduce((sum, input) => sum + input.length, 0);
    return { object: "list", model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }
  return undefined;
}

/** A tool call's id, derived from the custom id so that a chat and a Responses batch agree. */
function callId(customId: string, index: number): string {
  return `call_${customId.replace(/[^a-zA-Z0-9_-]/g, "_")}_${index}`;
}

/** The message text of a plan that is not tool calls. */
function plannedText(plan: ChatPlan, text: string): string {
  return plan.kind === "json" || plan.kind === "after_tools" ? plan.text : `echo: ${text}`;
}

/**
 * The chat choice for a chat line: JSON text for `response_format`, `tool_calls` when tools are
 * offered and the conversation does not end in tool results, else the echo (see emulated-answers.ts).
 */
function chatChoice(customId: string, body: Record<string, unknown>, text: string): Record<string, unknown> {
  const plan = chatPlan(body, text);
  if (plan.kind === "tool_calls") {
    const toolCalls = plan.calls.map((call, index) => ({ id: callId(customId, index), type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } }));
    return { index: 0, message: { role: "assistant", content: null, refusal: null, tool_calls: toolCalls }, logprobs: null, finish_reason: "tool_calls" };
  }
  return { index: 0, message: { role: "assistant", content: plannedText(plan, text), refusal: null }, logprobs: null, finish_reason: "stop" };
}

/**
 * Chat usage; a request with `reasoning_effort` (other than `none`) spent reasoning tokens, which
 * chat completions count inside `completion_tokens` and return no text of (reference §3.1).
 */
function chatUsage(body: Record<string, unknown>, text: string): Record<string, unknown> {
  const usage: Record<string, unknown> = { prompt_tokens: text.length, completion_tokens: text.length + 6, total_tokens: 2 * text.length + 6 };
  if (typeof body.reasoning_effort === "string" && body.reasoning_effort !== "none") {
    const reasoning = thoughtText(text).length;
    usage.completion_tokens = text.length + 6 + reasoning;
    usage.total_tokens = 2 * text.length + 6 + reasoning;
    usage.completion_tokens_details = { reasoning_tokens: reasoning };
  }
  return usage;
}

/** A Responses body's structured output, tools and input in chat's spelling, for {@link chatPlan}. */
function chatShapeOfResponses(body: Record<string, unknown>): Record<string, unknown> {
  const format = (body.text as { format?: Record<string, unknown> } | undefined)?.format;
  const items = Array.isArray(body.input) ? (body.input as Record<string, unknown>[]) : [];
  const choice = body.tool_choice as { type?: string; name?: string } | string | undefined;
  return {
    response_format: format?.type === "json_schema" ? { type: "json_schema", json_schema: { schema: format.schema } } : format,
    tools: (Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : []).filter((tool) => tool.type === "function").map((tool) => ({ type: "function", function: tool })),
    tool_choice: typeof choice === "object" && choice?.type === "function" ? { type: "function", function: { name: choice.name } } : choice,
    parallel_tool_calls: body.parallel_tool_calls,
    messages: items.map((item) => (item.type === "function_call_output" ? { role: "tool", content: item.output } : { role: item.role ?? item.type, content: item.content })),
  };
}

/** A vector that depends only on the text: its length first, then character codes scaled to [0, 1). */
export function emulatedVector(text: string, dimensions: number): number[] {
  return Array.from({ length: dimensions }, (_, index) => (index === 0 ? text.length : (text.charCodeAt(index - 1) || 0) / 256));
}

function lastUserText(body: Record<string, unknown>): string {
  if (body.input !== undefined && body.messages === undefined) {
    // Embeddings: every input; Responses: the last user item.
    if (typeof body.input === "string") return body.input;
    const items = body.input as { role?: string; content?: unknown }[];
    if (items.every((item) => typeof item === "string")) return (items as unknown as string[]).join(" ");
    const user = [...items].reverse().find((item) => item.role === "user");
    if (!user) return "";
    if (typeof user.content === "string") return user.content;
    return (user.content as { type?: string; text?: string }[])
      .filter((part) => part.type === "input_text")
      .map((part) => part.text ?? "")
      .join(" ");
  }
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
