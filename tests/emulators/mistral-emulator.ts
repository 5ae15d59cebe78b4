/**
 * A Mistral Batch API emulator (files and batch jobs, reference §4), as a fetch handler. It plays
 * the whole lifecycle: upload (`purpose=batch`), create on files or with inline `requests`,
 * QUEUED → RUNNING → SUCCESS over status reads (with `total_requests` 0 while QUEUED, as the
 * reference notes), output and error files streamed in small chunks, cancel
 * (CANCELLATION_REQUESTED, then CANCELLED with the results done so far), TIMEOUT_EXCEEDED on
 * demand, list pages, delete, Mistral's error bodies and injected faults.
 *
 * Injected validators check what arrives against the official spec: every line against
 * `BatchRequest`, every body against `ChatCompletionRequest`, the create call against
 * `CreateBatchJobRequest`. What they reject is kept in `violations`; an invalid create call is
 * refused with 422, an invalid file line fails the job, and an invalid body fails its request with
 * 422 (as Mistral validates bodies when it runs them).
 *
 * Per-request outcomes come from magic words in the last user message: `FAIL_400`, `FAIL_422`,
 * `FAIL_429`, `FAIL_500` (an error-file line with that status) and `FAIL_ERROR` (a line whose
 * `error` field is set).
 */
import {
  chunked,
  json,
  mistralError,
  outcomeOf,
  resultLine,
  unauthorized,
  validationError,
  type RequestRecord,
} from "./mistral-responses.js";

export type Validator = (value: unknown) => string[];

/**
 * Where an inline job's results appear. The guide only shows output files; Mistral's own Python
 * example reads an inline job's `outputs` from a plain GET; the spec says `?inline=true` returns
 * results inline. `"outputs"` (the default) follows the example, `"files"` writes files as for a
 * file job, `"outputs-on-request"` gives `outputs` only with `?inline=true`.
 */
export type InlineJobResults = "outputs" | "files" | "outputs-on-request";

export interface MistralEmulatorOptions {
  apiKey?: string;
  /** Status reads that show QUEUED, RUNNING and CANCELLATION_REQUESTED before the job moves on (default 1). */
  readsPerState?: number;
  /** Checks one line (`BatchRequest`). */
  validateLine?: Validator;
  /** Checks one line's body (`ChatCompletionRequest`). */
  validateBody?: Validator;
  /** Checks an embeddings line's `body` (spec `EmbeddingRequest`); `validateBody` when absent. */
  validateEmbeddingsBody?: Validator;
  /** Checks the create call (`CreateBatchJobRequest`). */
  validateCreate?: Validator;
  /** Size of the chunks file contents are streamed in (default 61 bytes). */
  chunkSize?: number;
  inlineJobResults?: InlineJobResults;
}

export type JobStatus = "QUEUED" | "RUNNING" | "SUCCESS" | "FAILED" | "TIMEOUT_EXCEEDED" | "CANCELLATION_REQUESTED" | "CANCELLED";

export interface StoredFile {
  id: string;
  purpose: string;
  sampleType: string;
  filename: string;
  content: string;
  createdAt: number;
}

export interface JobRecord {
  job: Record<string, unknown> & { id: string; status: JobStatus };
  route: "file" | "inline";
  requests: RequestRecord[];
  /** Problems with the input file that fail the whole job. */
  inputErrors: string[];
  /** Whether the input files have been read (file jobs read them when they start). */
  loaded: boolean;
  /** `timeout_hours` as asked (the job object does not echo it). */
  timeoutHours: number;
  reads: number;
  /** Every result line once the job has ended (output and error lines). */
  results: Record<string, unknown>[] | null;
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
  response: () => Response;
}

type BatchLine = { custom_id?: string | null; body: Record<string, unknown> };

const TERMINAL: ReadonlySet<JobStatus> = new Set(["SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"]);

export class MistralEmulator {
  readonly files = new Map<string, StoredFile>();
  readonly jobs = new Map<string, JobRecord>();
  readonly received: ReceivedRequest[] = [];
  /** Every spec violation seen, as `what: message`. */
  readonly violations: string[] = [];
  private readonly faults: Fault[] = [];
  private clock = 1_761_577_900;

  constructor(private readonly options: MistralEmulatorOptions = {}) {}

  /**
   * The next request matching `method` and `path` (without `/v1`) gets this answer instead: a
   * Mistral-style body for `status` unless `body` is given.
   */
  failNext(method: string, path: RegExp, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const response = () => (body === undefined ? mistralError(status, `Emulated ${status}`, headers) : json(status, body, headers));
    this.faults.push({ method, path, response });
  }

  /** Ends a running job with TIMEOUT_EXCEEDED, keeping the results done so far. */
  timeOut(jobId: string): void {
    const record = this.jobs.get(jobId);
    if (!record || TERMINAL.has(record.job.status)) return;
    this.finish(record, "TIMEOUT_EXCEEDED", "half");
  }

  /** Replaces a stored file's content (e.g. to plant a malformed line). */
  setFileContent(fileId: string, content: string): void {
    const file = this.files.get(fileId);
    if (file) file.content = content;
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/v1/, "");
    const bodyText = request.method === "GET" || request.method === "DELETE" ? "" : await request.clone().text();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.received.push({ method: request.method, path: url.pathname + url.search, headers, bodyText });

    const faultIndex = this.faults.findIndex((fault) => fault.method === request.method && fault.path.test(path));
    if (faultIndex >= 0) return this.faults.splice(faultIndex, 1)[0]!.response();
    if (this.options.apiKey && request.headers.get("authorization") !== `Bearer ${this.options.apiKey}`) return unauthorized();
    if (!url.pathname.startsWith("/v1/")) return mistralError(404, `Unknown route ${request.method} ${url.pathname}`);

    let match: RegExpMatchArray | null;
    if (request.method === "POST" && path === "/files") return this.upload(request);
    if (request.method === "GET" && (match = path.match(/^\/files\/([^/]+)\/content$/))) return this.content(decodeURIComponent(match[1]!));
    if (request.method === "POST" && path === "/batch/jobs") return this.create(bodyText);
    if (request.method === "GET" && path === "/batch/jobs") return this.list(url);
    if ((match = path.match(/^\/batch\/jobs\/([^/]+)$/))) {
      const jobId = decodeURIComponent(match[1]!);
      if (request.method === "GET") return this.retrieve(jobId, url.searchParams.get("inline") === "true");
      if (request.method === "DELETE") return this.remove(jobId);
    }
    if (request.method === "POST" && (match = path.match(/^\/batch\/jobs\/([^/]+)\/cancel$/))) return this.cancel(decodeURIComponent(match[1]!));
    return mistralError(404, `Unknown route ${request.method} ${url.pathname}`);
  };

  private async upload(request: Request): Promise<Response> {
    if (!(request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
      return validationError([{ loc: ["body"], msg: "The body must be multipart/form-data" }]);
    }
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return validationError([{ loc: ["body"], msg: "The multipart body could not be read" }]);
    }
    const purpose = form.get("purpose");
    const file = form.get("file");
    if (purpose !== "batch") return validationError([{ loc: ["body", "purpose"], msg: "The emulator takes purpose 'batch' only", input: purpose }]);
    if (!(file instanceof Blob)) return validationError([{ loc: ["body", "file"], msg: "Field required" }]);
    const stored = this.store("batch", "batch_request", (file as File).name || "upload.jsonl", await file.text());
    return json(200, this.fileObject(stored));
  }

  private store(purpose: string, sampleType: string, filename: string, content: string): StoredFile {
    const stored: StoredFile = { id: crypto.randomUUID(), purpose, sampleType, filename, content, createdAt: this.clock++ };
    this.files.set(stored.id, stored);
    return stored;
  }

  private fileObject(file: StoredFile): Record<string, unknown> {
    return {
      id: file.id,
      object: "file",
      bytes: new TextEncoder().encode(file.content).length,
      created_at: file.createdAt,
      filename: file.filename,
      purpose: file.purpose,
      sample_type: file.sampleType,
      num_lines: file.content.split("\n").filter((line) => line.trim() !== "").length,
      mimetype: "application/jsonl",
      source: "upload",
    };
  }

  private content(fileId: string): Response {
    const file = this.files.get(fileId);
    if (!file) return mistralError(404, `File ${fileId} not found`);
    return chunked(file.content, this.options.chunkSize ?? 61);
  }

  private create(bodyText: string): Response {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(bodyText) as Record<string, unknown>;
    } catch {
      return validationError([{ loc: ["body"], msg: "JSON decode error" }]);
    }
    const specErrors = this.options.validateCreate?.(body) ?? [];
    if (specErrors.length > 0) {
      this.violations.push(...specErrors.map((error) => `create: ${error}`));
      return validationError(specErrors.map((error) => ({ loc: ["body"], msg: error })));
    }
    if (body.endpoint !== "/v1/chat/completions" && body.endpoint !== "/v1/embeddings") {
      return mistralError(400, `The emulator runs /v1/chat/completions and /v1/embeddings only, not ${String(body.endpoint)}`);
    }
    const timeoutHours = body.timeout_hours ?? 24;
    if (typeof timeoutHours !== "number" || !Number.isInteger(timeoutHours) || timeoutHours < 1 || timeoutHours > 168) {
      return validationError([{ loc: ["body", "timeout_hours"], msg: "Input should be between 1 and 168", input: timeoutHours }]);
    }
    const inputFiles = Array.isArray(body.input_files) ? (body.input_files as unknown[]) : [];
    const inline = Array.isArray(body.requests) ? (body.requests as unknown[]) : [];
    if ((inputFiles.length > 0) === (inline.length > 0)) {
      return validationError([{ loc: ["body"], msg: "Give either input_files or requests" }]);
    }
    const requests: RequestRecord[] = [];
    for (const fileId of inputFiles) {
      const file = this.files.get(String(fileId));
      if (!file || file.purpose !== "batch") return mistralError(404, `File ${String(fileId)} not found`);
    }
    for (const [index, line] of inline.entries()) {
      const lineErrors = this.options.validateLine?.(line) ?? [];
      if (lineErrors.length > 0) {
        this.violations.push(...lineErrors.map((error) => `requests[${index}]: ${error}`));
        return validationError(lineErrors.map((error) => ({ loc: ["body", "requests", index], msg: error })));
      }
      requests.push(this.requestRecord(line as BatchLine));
    }
    const job: JobRecord["job"] = {
      id: crypto.randomUUID(),
      object: "batch",
      input_files: inputFiles.map(String),
      metadata: body.metadata ?? null,
      endpoint: body.endpoint,
      model: body.model ?? null,
      agent_id: null,
      output_file: null,
      error_file: null,
      errors: [],
      outputs: null,
      status: "QUEUED",
      created_at: this.clock++,
      total_requests: 0,
      completed_requests: 0,
      succeeded_requests: 0,
      failed_requests: 0,
      started_at: null,
      completed_at: null,
    };
    const record: JobRecord = { job, route: inputFiles.length > 0 ? "file" : "inline", requests, inputErrors: [], loaded: false, timeoutHours, reads: 0, results: null };
    this.jobs.set(job.id, record);
    return json(200, job);
  }

  /**
   * Reads a file job's input files when the job starts, as Mistral validates them after the job
   * was created: a line that is not JSON or not a `BatchRequest` fails the job.
   */
  private load(record: JobRecord): void {
    if (record.route !== "file" || record.loaded) return;
    record.loaded = true;
    for (const fileId of record.job.input_files as string[]) {
      const content = this.files.get(fileId)?.content ?? "";
      content.split("\n").forEach((text, index) => {
        if (text.trim() === "") return;
        let line: unknown;
        try {
          line = JSON.parse(text);
        } catch {
          record.inputErrors.push(`Line ${index + 1} of the input file is not valid JSON`);
          return;
        }
        const lineErrors = this.options.validateLine?.(line) ?? [];
        if (lineErrors.length > 0) {
          this.violations.push(...lineErrors.map((error) => `line ${index + 1}: ${error}`));
          record.inputErrors.push(`Line ${index + 1} of the input file is not a batch request: ${lineErrors.join("; ")}`);
          return;
        }
        record.requests.push(this.requestRecord(line as BatchLine));
      });
    }
    if (record.requests.length === 0 && record.inputErrors.length === 0) record.inputErrors.push("The input files hold no requests");
  }

  private requestRecord(line: BatchLine): RequestRecord {
    const embeddings = line.body !== null && typeof line.body === "object" && "input" in line.body;
    const validate = embeddings ? (this.options.validateEmbeddingsBody ?? this.options.validateBody) : this.options.validateBody;
    const violations = validate?.(line.body) ?? [];
    this.violations.push(...violations.map((error) => `body of ${String(line.custom_id)}: ${error}`));
    return { customId: line.custom_id ?? null, body: line.body, violations };
  }

  private retrieve(jobId: string, inline: boolean): Response {
    const record = this.jobs.get(jobId);
    if (!record) return mistralError(404, `Batch job ${jobId} not found`);
    this.advance(record);
    return json(200, this.view(record, inline));
  }

  /** The job as Mistral shows it: `outputs` only where this emulator's mode puts them. */
  private view(record: JobRecord, inline: boolean): Record<string, unknown> {
    const mode = this.options.inlineJobResults ?? "outputs";
    const carriesOutputs = record.results !== null && (inline || (record.route === "inline" && mode === "outputs"));
    return { ...record.job, outputs: carriesOutputs ? record.results : null };
  }

  /** Each state is shown for `readsPerState` reads, then the next read moves the job on. */
  private advance(record: JobRecord): void {
    const job = record.job;
    if (TERMINAL.has(job.status)) return;
    if (record.reads < (this.options.readsPerState ?? 1)) {
      record.reads += 1;
      return;
    }
    record.reads = 1;
    if (job.status === "QUEUED") {
      this.load(record);
      if (record.inputErrors.length > 0) {
        job.errors = record.inputErrors.map((message) => ({ message, count: 1 }));
        job.status = "FAILED";
        job.started_at = this.clock++;
        job.completed_at = this.clock++;
        return;
      }
      job.status = "RUNNING";
      job.started_at = this.clock++;
      this.count(record, this.halfway(record));
    } else if (job.status === "RUNNING") {
      this.finish(record, "SUCCESS", "all");
    } else if (job.status === "CANCELLATION_REQUESTED") {
      this.finish(record, "CANCELLED", "half");
    }
  }

  /** How many requests are done midway: the first half. */
  private halfway(record: JobRecord): number {
    return Math.floor(record.requests.length / 2);
  }

  /** Sets the counts for the first `done` requests. */
  private count(record: JobRecord, done: number): void {
    const model = (record.job.model as string | null) ?? null;
    const succeeded = record.requests.slice(0, done).filter((request) => outcomeOf(request, model).kind === "success").length;
    Object.assign(record.job, {
      total_requests: record.requests.length,
      completed_requests: done,
      succeeded_requests: succeeded,
      failed_requests: done - succeeded,
    });
  }

  /** Ends the job, writing the results of all its requests or of the first half. */
  private finish(record: JobRecord, status: JobStatus, portion: "all" | "half"): void {
    this.load(record);
    const done = portion === "all" ? record.requests.length : this.halfway(record);
    const job = record.job;
    const model = (job.model as string | null) ?? null;
    const output: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    const prefix = `batch-${job.id.slice(0, 8)}`;
    record.requests.slice(0, done).forEach((request, index) => {
      const outcome = outcomeOf(request, model);
      const line = resultLine(`${prefix}-${index + 1}-${crypto.randomUUID()}`, request, outcome, model ?? String(request.body.model), this.clock);
      (outcome.kind === "success" ? output : errors).push(line);
    });
    this.count(record, done);
    record.results = [...output, ...errors];
    const inFiles = record.route === "file" || this.options.inlineJobResults === "files";
    if (inFiles) {
      const write = (lines: Record<string, unknown>[], sampleType: string, name: string) =>
        lines.length === 0 ? null : this.store("batch", sampleType, name, lines.map((line) => JSON.stringify(line)).join("\n") + "\n").id;
      job.output_file = write(output, "batch_result", `${job.id}.jsonl`);
      job.error_file = write(errors, "batch_error", `${job.id}_error.jsonl`);
    }
    if (job.started_at === null) job.started_at = this.clock++;
    job.status = status;
    job.completed_at = this.clock++;
  }

  private cancel(jobId: string): Response {
    const record = this.jobs.get(jobId);
    if (!record) return mistralError(404, `Batch job ${jobId} not found`);
    if (TERMINAL.has(record.job.status)) return mistralError(400, `Batch job ${jobId} has already ended (${record.job.status})`);
    record.job.status = "CANCELLATION_REQUESTED";
    record.reads = 0;
    return json(200, this.view(record, false));
  }

  private remove(jobId: string): Response {
    if (!this.jobs.delete(jobId)) return mistralError(404, `Batch job ${jobId} not found`);
    return json(200, { id: jobId, object: "batch", deleted: true });
  }

  private list(url: URL): Response {
    const number = (name: string, fallback: number) => {
      const text = url.searchParams.get(name);
      return text === null ? fallback : Number(text);
    };
    const page = number("page", 0);
    const pageSize = number("page_size", 100);
    if (!Number.isInteger(page) || page < 0 || !Number.isInteger(pageSize) || pageSize < 1) {
      return validationError([{ loc: ["query", "page"], msg: "page and page_size must be whole numbers", input: url.search }]);
    }
    const all = [...this.jobs.values()];
    if (url.searchParams.get("order_by") !== "created") all.reverse();
    const data = all.slice(page * pageSize, (page + 1) * pageSize).map((record) => this.view(record, false));
    return json(200, { data, object: "list", total: all.length });
  }
}
