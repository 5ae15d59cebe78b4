/**
 * A Gemini Developer API batch emulator (reference §3), as a fetch handler: batch creation with
 * inline requests or an uploaded file, the Files API's resumable upload, the batch operation moving
 * PENDING → RUNNING → SUCCEEDED, results inline in the operation or in a downloadable responses
 * file, cancel, list pages, delete, and Google's error bodies `{"error": {code, message, status}}`.
 *
 * Every request is checked by the injected validators (the official spec's `InlinedRequest`,
 * `GenerateContentRequest` and `BatchGenerateContentRequest`): a bad inline request fails the create
 * call with 400, a bad file line becomes an INVALID_ARGUMENT result line; both are also recorded in
 * `violations`, so a suite can assert that nothing we sent was wrong.
 *
 * Answers follow proto-JSON: lowerCamelCase, int64 counts as strings, zero counts and `done: false`
 * left out. What each request gets back is decided in `gemini-responses.ts` (magic words); the
 * Files API is `gemini-files.ts`.
 */
import { GeminiFiles } from "./gemini-files.js";
import { outcomeFor, type Json, type JsonObject, type Outcome } from "./gemini-responses.js";
import { EmulatorClock, asObject, failure, googleError, json } from "./google-http.js";

export type StateSpelling = "BATCH_STATE" | "JOB_STATE";
/** Where a finished operation keeps its output (reference §3.5, §8.6). */
export type OutputPlacement = "response" | "response.output" | "metadata.output";

export interface GeminiValidators {
  /** Checks one `InlinedRequest` of an inline batch; returns error messages (empty when valid). */
  inlinedRequest?: (value: unknown) => string[];
  /** Checks the `request` of one line of an input file. */
  generateContentRequest?: (value: unknown) => string[];
  /** Checks the whole create body (`BatchGenerateContentRequest`). */
  createBody?: (value: unknown) => string[];
  /** Embedding batches (`asyncBatchEmbedContent`): the create body (`AsyncBatchEmbedContentRequest`), */
  embedCreateBody?: (value: unknown) => string[];
  /** … one inline `InlinedEmbedContentRequest`, */
  inlinedEmbedRequest?: (value: unknown) => string[];
  /** … and the `request` of one file line (`EmbedContentRequest`). */
  embedContentRequest?: (value: unknown) => string[];
}

export interface GeminiEmulatorOptions {
  apiKey?: string;
  validators?: GeminiValidators;
  /** Status reads spent in each state before moving on (default 1). */
  readsPerState?: number;
  /** `BATCH_STATE_*` as the REST API sends (default) or the SDKs' `JOB_STATE_*`. */
  stateSpelling?: StateSpelling;
  outputPlacement?: OutputPlacement;
  /** Writes responses (file lines and inline responses) in a shuffled order. */
  shuffleResponses?: boolean;
  /** Inline create bodies must stay below this many bytes (default 20,000,000, reference §3.7). */
  inlineLimitBytes?: number;
  /** Size of the chunks a download is streamed in (default 64 KiB). */
  chunkSize?: number;
  /** Inline responses without their `metadata` (so without the request's key), as has been seen. */
  omitInlineKeys?: boolean;
  /** Leave `metadata.batchStats` out of every operation. */
  omitBatchStats?: boolean;
  /** Concurrent batch jobs allowed: a create beyond answers 429 `RESOURCE_EXHAUSTED` (reference §4.2). */
  maxConcurrentBatches?: number;
}

export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/v1beta/batches/abc`. */
  url: string;
  headers: Record<string, string>;
  bodyBytes: number;
  /** The body as text when it is under 1 MB, else empty. */
  bodyText: string;
}

type State = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "EXPIRED";

interface Item {
  key: string | undefined;
  metadata: Json | undefined;
  request: JsonObject;
  /** Set when the emulator refused the line (file route); the line then answers with this status. */
  refusal?: JsonObject;
}

interface BatchRecord {
  name: string;
  model: string;
  displayName: string;
  route: "inline" | "file";
  /** An `asyncBatchEmbedContent` batch: each request is answered with an embedding. */
  embed: boolean;
  fileName?: string;
  items: Item[];
  state: State;
  reads: number;
  createTime: string;
  updateTime: string;
  endTime?: string;
  error?: JsonObject;
  outcomes: Outcome[];
  responsesFile?: string;
  edits: ((operation: JsonObject) => void)[];
}

interface Fault {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** An `EmbedContentResponse` (endpoints-and-push.md §1.2): a vector that depends only on the text. */
function embedOutcome(request: JsonObject): Outcome {
  const parts = (asObject(request.content)?.parts ?? []) as Json[];
  const text = parts.map((part) => String(asObject(part)?.text ?? "")).join(" ");
  if (text.includes("FAIL_INVALID_ARGUMENT")) return { error: { code: 3, message: "Request contains an invalid argument." } };
  const dimensions = typeof request.outputDimensionality === "number" ? request.outputDimensionality : 4;
  const values = Array.from({ length: dimensions }, (_, index) => (index === 0 ? text.length : (text.charCodeAt(index - 1) || 0) / 256));
  return { response: { embedding: { values } } };
}

const TERMINAL: ReadonlySet<State> = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"]);
const BODY_TEXT_LIMIT = 1_000_000;

/** Proto-JSON int64: a string, left out when zero. */
function setCount(target: JsonObject, name: string, count: number): void {
  if (count !== 0) target[name] = String(count);
}

/** A deterministic shuffle (a fixed-seed linear congruential generator), so runs repeat. */
function shuffled<T>(values: T[]): T[] {
  const copy = [...values];
  let seed = 42;
  for (let index = copy.length - 1; index > 0; index--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const other = seed % (index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  if (copy.length > 1 && copy.every((value, index) => value === values[index])) copy.reverse();
  return copy;
}

export class GeminiEmulator {
  readonly batches = new Map<string, BatchRecord>();
  readonly received: ReceivedRequest[] = [];
  /** Every spec violation found in what was sent, with where it was found. */
  readonly violations: string[] = [];
  private readonly clock = new EmulatorClock();
  /** The Files API: uploaded inputs and generated responses files. */
  readonly files = new GeminiFiles(this.clock);
  private readonly faults: Fault[] = [];

  constructor(private readonly options: GeminiEmulatorOptions = {}) {}

  /** The next request matching `method` and `path` (the URL's path) gets this answer instead. */
  failNext(method: string, path: RegExp, status: number, message = `Emulated ${status}`, headers: Record<string, string> = {}): void {
    this.faults.push({ method, path, status, body: googleError(status, message), headers });
  }

  /** Moves a batch straight to SUCCEEDED (computing its output). */
  finish(batchName: string): void {
    const record = this.record(batchName);
    if (record && !TERMINAL.has(record.state)) this.succeed(record);
  }

  /** Ends a batch as EXPIRED (no output, reference §3.5) or FAILED with a status. */
  end(batchName: string, state: "EXPIRED" | "FAILED"): void {
    const record = this.record(batchName);
    if (!record || TERMINAL.has(record.state)) return;
    record.state = state;
    record.error = state === "FAILED" ? { code: 13, message: "The batch failed." } : { code: 4, message: "The batch expired after 48 hours." };
    record.endTime = this.clock.now();
    record.updateTime = record.endTime;
  }

  /** Changes every later answer about this batch, e.g. to remove keys or responses. */
  editOperation(batchName: string, edit: (operation: JsonObject) => void): void {
    this.record(batchName)?.edits.push(edit);
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const body = request.method === "GET" || request.method === "DELETE" ? new Uint8Array() : new Uint8Array(await request.arrayBuffer());
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const bodyText = body.length <= BODY_TEXT_LIMIT ? new TextDecoder().decode(body) : "";
    this.received.push({ method: request.method, url: url.pathname + url.search, headers, bodyBytes: body.length, bodyText });

    const faultIndex = this.faults.findIndex((fault) => fault.method === request.method && fault.path.test(url.pathname));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return json(fault!.status, fault!.body, fault!.headers);
    }
    const path = url.pathname;
    // The session URL is authorized by its upload id, as Google's is.
    if ((request.method === "POST" || request.method === "PUT") && path === "/upload/v1beta/files" && url.searchParams.has("upload_id")) {
      return this.files.finishUpload(url, request.headers, body);
    }
    const keyProblem = this.checkKey(request.headers, url);
    if (keyProblem) return keyProblem;
    let match: RegExpMatchArray | null;
    if (request.method === "POST" && path === "/upload/v1beta/files") return this.files.startUpload(url, request.headers, body);
    if (request.method === "GET" && (match = path.match(/^\/download\/v1beta\/files\/([^/:]+):download$/))) {
      return this.files.download(`files/${decodeURIComponent(match[1]!)}`, url, this.options.chunkSize ?? 65536);
    }
    if (request.method === "GET" && (match = path.match(/^\/v1beta\/files\/([^/:]+)$/))) {
      return this.files.describe(`files/${decodeURIComponent(match[1]!)}`);
    }
    if (request.method === "POST" && (match = path.match(/^\/v1beta\/((?:models|tunedModels)\/[^/:]+):batchGenerateContent$/))) {
      return this.create(decodeURIComponent(match[1]!), body);
    }
    if (request.method === "POST" && (match = path.match(/^\/v1beta\/((?:models|tunedModels)\/[^/:]+):asyncBatchEmbedContent$/))) {
      return this.create(decodeURIComponent(match[1]!), body, true);
    }
    if (request.method === "GET" && path === "/v1beta/batches") return this.list(url);
    if ((match = path.match(/^\/v1beta\/batches\/([^/:]+)(:cancel)?$/))) {
      const name = `batches/${decodeURIComponent(match[1]!)}`;
      if (request.method === "POST" && match[2]) return this.cancel(name);
      if (request.method === "GET" && !match[2]) return this.get(name);
      if (request.method === "DELETE" && !match[2]) return this.remove(name);
    }
    return failure(404, `Unknown route ${request.method} ${path}`);
  };

  private checkKey(headers: Headers, url: URL): Response | undefined {
    const expected = this.options.apiKey;
    if (!expected) return undefined;
    // Google also takes `?key=`; the suites assert that our client never uses it.
    const given = headers.get("x-goog-api-key") ?? url.searchParams.get("key");
    if (given === null) return failure(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
    if (given !== expected) return failure(400, "API key not valid. Please pass a valid API key.");
    return undefined;
  }

  private record(batchName: string): BatchRecord | undefined {
    return this.batches.get(batchName.startsWith("batches/") ? batchName : `batches/${batchName}`);
  }

  // ---- Batches ---------------------------------------------------------------------------------

  private violation(where: string, problems: string[]): void {
    for (const problem of problems) this.violations.push(`${where}: ${problem}`);
  }

  /** The most batches that were running (not ended) at once. */
  mostConcurrentBatches = 0;

  private create(model: string, body: Uint8Array, embed = false): Response {
    const running = [...this.batches.values()].filter((record) => !TERMINAL.has(record.state)).length;
    if (this.options.maxConcurrentBatches !== undefined && running >= this.options.maxConcurrentBatches) {
      return failure(429, "You exceeded your current quota, please check your plan and billing details.");
    }
    this.mostConcurrentBatches = Math.max(this.mostConcurrentBatches, running + 1);
    const limit = this.options.inlineLimitBytes ?? 20_000_000;
    let parsed: JsonObject | undefined;
    try {
      parsed = asObject(JSON.parse(new TextDecoder().decode(body)));
    } catch {
      return failure(400, "Invalid JSON payload received.");
    }
    const batch = asObject(parsed?.batch);
    if (!parsed || !batch) return failure(400, "Invalid JSON payload received: `batch` is required.");
    // Per-job webhooks (May 2026) are newer than the stored 2025-12 spec: `webhookConfig` is checked
    // here against the shape Google's JS SDK sends (endpoints-and-push.md §3.3), the rest against the spec.
    const { webhookConfig, ...specBatch } = batch;
    if (webhookConfig !== undefined) {
      const config = asObject(webhookConfig);
      const uris = config?.uris;
      const known = config !== undefined && Object.keys(config).every((key) => key === "uris" || key === "userMetadata");
      const urisOk = Array.isArray(uris) && uris.length > 0 && uris.every((uri) => typeof uri === "string" && /^https?:\/\//.test(uri));
      if (!known || !urisOk || (config.userMetadata !== undefined && asObject(config.userMetadata) === undefined)) {
        this.violation("create body", ["batch.webhookConfig is not {uris: [url, ...], userMetadata?: {...}}"]);
        return failure(400, "Invalid value at 'batch.webhook_config'.");
      }
    }
    const bodyProblems = (embed ? this.options.validators?.embedCreateBody : this.options.validators?.createBody)?.({ ...parsed, batch: specBatch }) ?? [];
    if (bodyProblems.length > 0) {
      this.violation("create body", bodyProblems);
      return failure(400, `Invalid batch: ${bodyProblems.join("; ")}`);
    }
    if (typeof batch.displayName !== "string" || batch.displayName === "") return failure(400, "batch.display_name is required.");
    if (batch.model !== undefined && batch.model !== model) {
      return failure(400, `batch.model ${String(batch.model)} does not match the model of the URL, ${model}.`);
    }
    const input = asObject(batch.inputConfig);
    const inline = asObject(input?.requests);
    const fileName = input?.fileName;
    if (!input || (inline === undefined) === (fileName === undefined)) {
      return failure(400, "batch.input_config needs exactly one of requests and file_name.");
    }
    let items: Item[];
    if (inline) {
      if (body.length >= limit) return failure(400, `Request payload size exceeds the limit: ${limit} bytes.`);
      const requests = Array.isArray(inline.requests) ? inline.requests : [];
      if (requests.length === 0) return failure(400, "batch.input_config.requests.requests must not be empty.");
      const problems: string[] = [];
      requests.forEach((entry, index) => {
        const found = (embed ? this.options.validators?.inlinedEmbedRequest : this.options.validators?.inlinedRequest)?.(entry) ?? [];
        for (const problem of found) problems.push(`requests[${index}]${problem.startsWith("/") ? "" : " "}${problem}`);
        const request = asObject(asObject(entry)?.request);
        if (request?.model !== undefined && request.model !== model) problems.push(`requests[${index}].request.model ${String(request.model)} is not the batch model ${model}`);
      });
      if (problems.length > 0) {
        this.violation("inline requests", problems);
        return failure(400, `Invalid inlined requests: ${problems.join("; ")}`);
      }
      items = requests.map((entry) => {
        const object = asObject(entry)!;
        const metadata = asObject(object.metadata);
        return { key: typeof metadata?.key === "string" ? metadata.key : undefined, metadata: object.metadata, request: asObject(object.request)! };
      });
    } else {
      const file = typeof fileName === "string" ? this.files.get(fileName) : undefined;
      if (!file) return failure(404, `File ${String(fileName)} not found.`);
      items = this.readFile(new TextDecoder().decode(file.bytes), model, embed);
      if (items.length === 0) return failure(400, `File ${String(fileName)} holds no requests.`);
    }
    const created = this.clock.now();
    const record: BatchRecord = {
      name: `batches/${this.clock.nextId()}`,
      model,
      displayName: batch.displayName,
      route: inline ? "inline" : "file",
      embed,
      items,
      state: "PENDING",
      reads: 0,
      createTime: created,
      updateTime: created,
      outcomes: [],
      edits: [],
    };
    if (typeof fileName === "string") record.fileName = fileName;
    this.batches.set(record.name, record);
    return json(200, this.operation(record));
  }

  /** Reads the `{key, request}` lines of an input file; a bad line is answered with an error. */
  private readFile(text: string, model: string, embed: boolean): Item[] {
    const items: Item[] = [];
    const keys = new Set<string>();
    text.split("\n").forEach((line, index) => {
      if (line.trim() === "") return;
      const where = `file line ${index + 1}`;
      let parsed: JsonObject | undefined;
      try {
        parsed = asObject(JSON.parse(line));
      } catch {
        parsed = undefined;
      }
      const key = typeof parsed?.key === "string" ? parsed.key : undefined;
      const request = asObject(parsed?.request);
      const problems: string[] = [];
      if (!parsed || !request) problems.push("a line must be a JSON object with a `request` object");
      if (key === undefined) problems.push("a line must carry a string `key`");
      else if (keys.has(key)) problems.push(`the key ${key} is used twice`);
      if (key !== undefined) keys.add(key);
      if (request) {
        const validate = embed ? this.options.validators?.embedContentRequest : this.options.validators?.generateContentRequest;
        problems.push(...(validate?.(request) ?? []));
        if (request.model !== undefined && request.model !== model) problems.push(`request.model ${String(request.model)} is not the batch model ${model}`);
      }
      const item: Item = { key, metadata: undefined, request: request ?? {} };
      if (problems.length > 0) {
        this.violation(where, problems);
        item.refusal = { code: 3, message: `Invalid request: ${problems.join("; ")}` };
      }
      items.push(item);
    });
    return items;
  }

  private get(name: string): Response {
    const record = this.batches.get(name);
    if (!record) return failure(404, `Batch ${name} not found.`);
    this.advance(record);
    return json(200, this.operation(record));
  }

  private advance(record: BatchRecord): void {
    if (TERMINAL.has(record.state)) return;
    record.reads += 1;
    if (record.reads < (this.options.readsPerState ?? 1)) return;
    record.reads = 0;
    if (record.state === "PENDING") {
      record.state = "RUNNING";
      record.updateTime = this.clock.now();
      // Half of the requests are done while the batch runs.
      record.outcomes = this.outcomes(record, Math.floor(record.items.length / 2));
    } else {
      this.succeed(record);
    }
  }

  private outcomes(record: BatchRecord, count: number): Outcome[] {
    const outcomes = record.outcomes.slice(0, count);
    for (let index = outcomes.length; index < count; index++) {
      const item = record.items[index]!;
      outcomes.push(item.refusal ? { error: item.refusal } : record.embed ? embedOutcome(item.request) : outcomeFor(item.request, record.model, index));
    }
    return outcomes;
  }

  private succeed(record: BatchRecord): void {
    record.outcomes = this.outcomes(record, record.items.length);
    record.state = "SUCCEEDED";
    record.endTime = this.clock.now();
    record.updateTime = record.endTime;
    if (record.route === "file") {
      let lines = record.items.map((item, index) => JSON.stringify({ key: item.key, ...record.outcomes[index] }));
      if (this.options.shuffleResponses) lines = shuffled(lines);
      record.responsesFile = this.files.storeGenerated(lines.join("\n") + "\n");
    }
  }

  private stateName(state: State): string {
    return `${this.options.stateSpelling ?? "BATCH_STATE"}_${state}`;
  }

  private output(record: BatchRecord): JsonObject | undefined {
    if (record.state !== "SUCCEEDED") return undefined;
    if (record.responsesFile) return { responsesFile: record.responsesFile };
    let responses: JsonObject[] = record.items.map((item, index) => {
      const response: JsonObject = { ...record.outcomes[index]! };
      if (item.metadata !== undefined && !this.options.omitInlineKeys) response.metadata = item.metadata;
      return response;
    });
    if (this.options.shuffleResponses) responses = shuffled(responses);
    return { inlinedResponses: { inlinedResponses: responses } };
  }

  /** The batch as Google's long-running operation. */
  private operation(record: BatchRecord): JsonObject {
    const metadata: JsonObject = {
      "@type": `type.googleapis.com/google.ai.generativelanguage.v1beta.${record.embed ? "EmbedContentBatch" : "GenerateContentBatch"}`,
      model: record.model,
      displayName: record.displayName,
    };
    if (record.fileName) metadata.inputConfig = { fileName: record.fileName };
    metadata.createTime = record.createTime;
    metadata.updateTime = record.updateTime;
    if (record.endTime) metadata.endTime = record.endTime;
    if (!this.options.omitBatchStats) {
      const stats: JsonObject = {};
      const succeeded = record.outcomes.filter((outcome) => "response" in outcome).length;
      const failed = record.outcomes.length - succeeded;
      setCount(stats, "requestCount", record.items.length);
      setCount(stats, "successfulRequestCount", succeeded);
      setCount(stats, "failedRequestCount", failed);
      setCount(stats, "pendingRequestCount", record.items.length - succeeded - failed);
      metadata.batchStats = stats;
    }
    metadata.state = this.stateName(record.state);
    metadata.name = record.name;
    const operation: JsonObject = { name: record.name, metadata };
    if (TERMINAL.has(record.state)) operation.done = true;
    if (record.error) operation.error = record.error;
    const output = this.output(record);
    if (output) {
      switch (this.options.outputPlacement ?? "response") {
        case "response":
          operation.response = { "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput", ...output };
          break;
        case "response.output":
          operation.response = { "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.BatchGenerateContentResponse", output };
          break;
        case "metadata.output":
          metadata.output = output;
          break;
      }
    }
    for (const edit of record.edits) edit(operation);
    return operation;
  }

  private cancel(name: string): Response {
    const record = this.batches.get(name);
    if (!record) return failure(404, `Batch ${name} not found.`);
    if (TERMINAL.has(record.state)) return failure(400, `Batch ${name} has already ended (${this.stateName(record.state)}).`);
    // Cancelling keeps what was done; no output is written (whether Google keeps partial output
    // is not documented, reference §10).
    record.state = "CANCELLED";
    record.error = { code: 1, message: "The batch was cancelled." };
    record.endTime = this.clock.now();
    record.updateTime = record.endTime;
    return json(200, {});
  }

  private remove(name: string): Response {
    if (!this.batches.delete(name)) return failure(404, `Batch ${name} not found.`);
    return json(200, {});
  }

  private list(url: URL): Response {
    const pageSize = Math.min(Math.max(Number(url.searchParams.get("pageSize") ?? 10) || 10, 1), 100);
    const token = url.searchParams.get("pageToken");
    let start = 0;
    if (token) {
      const decoded = /^offset:(\d+)$/.exec(atob(token));
      if (!decoded) return failure(400, "Invalid page token.");
      start = Number(decoded[1]);
    }
    const all = [...this.batches.values()].reverse();
    const page = all.slice(start, start + pageSize).map((record) => this.operation(record));
    const body: JsonObject = {};
    if (page.length > 0) body.operations = page;
    if (start + pageSize < all.length) body.nextPageToken = btoa(`offset:${start + pageSize}`);
    return json(200, body);
  }
}
