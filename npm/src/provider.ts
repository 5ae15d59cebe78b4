/**
 * The provider interface every provider shares: send, status, results, cancel, list. The protocol
 * itself (formats, endpoints, status and result mapping) lives in the Rust core; this class gives it
 * an idiomatic surface, keeps the transparency files and turns core errors into typed errors.
 */
import { BatchStatusResponse } from "./batch-status.js";
import { Deadline, withDeadline } from "./deadline.js";
import { checkedEndpoint } from "./endpoint.js";
import { ConfigurationError, ValidationError, toBatchRouterError } from "./errors.js";
import { ResultIterator } from "./result-iterator.js";
import { currentRuntime, deniedEnvironmentNote, readEnvironment } from "./runtime.js";
import { checkBaseUrl, checkCredential } from "./connection-checks.js";
import { redactingFetch, rememberCredentials } from "./redact-key.js";
import { ProviderClient } from "./provider-client.js";
import { checkBatchKeys, checkOptionShapes, count, duration, keysOf, storageShape } from "./option-shapes.js";
import { checkRequestArray, requestsArrayJson, requestsJsonl } from "./request-json.js";
import { NoStorage, type BatchStorage } from "./storage.js";
import { TransparencyFiles, type BatchMeta } from "./transparency.js";
import { endedEarly } from "./unanswered-results.js";
import type { BatchStatusData, BatchSummary, Endpoint, ProviderName, UnifiedBatchMetadata, UnifiedRequest, UnifiedResult, WebhookConfig } from "./types.js";
import { canonicalProviderName, providerEntry } from "./provider-registry.js";
import { prepareBatchInCore, prepareJsonlInCore, type ClientConfig, type PreparedBatch, type PrepareOptions } from "./wasm.js";

/** A `fetch` replacement: takes a `Request`, resolves to a `Response`. */
export type FetchFunction = (input: Request) => Promise<Response>;

/** Options every provider takes. Keys and base URLs default to the provider's environment variables. */
export interface ProviderOptions {
  /** Defaults to the provider's environment variable (e.g. `OPENAI_API_KEY`). */
  apiKey?: string;
  /** Replaces the provider's default base URL, e.g. an OpenAI-compatible server. */
  baseUrl?: string;
  /** Replaces the global `fetch` (proxies, tests, instrumentation). */
  fetch?: FetchFunction;
  /**
   * Where transparency files go: a `BatchStorage`, or `false` for none. Defaults to the file system
   * under `storageDir` where there is one, memory otherwise.
   */
  storage?: BatchStorage | false;
  /** Directory of the default file storage. Defaults to `.batch_router`. */
  storageDir?: string;
  /** Leave out settings the provider cannot express (reported as warnings) instead of failing. */
  dropUnsupported?: boolean;
  /**
   * The model for every request sent through this provider, replacing the requests' `model` (and
   * their `models` entry for this provider), so one request file runs on every provider.
   */
  model?: string;
  /**
   * How batches are submitted where the provider offers a choice: `"file"` (upload, then create) or
   * `"inline"` (requests in the create call). Gemini picks from the size when unset; Mistral uses
   * files unless told otherwise.
   */
  route?: "file" | "inline";
  /** Hours the provider may spend on a batch, where it can be chosen (Mistral: 1–168, default 24). */
  timeoutHours?: number;
  /**
   * Gemini's per-job webhook (Developer API only): `{ uris: string[], userMetadata?: object }`,
   * sent as `batch.webhookConfig` in every create call, so Gemini notifies these URIs when a batch
   * ends. Deliveries carry an RS256 JWT: verify them with the `jwt` option of `verifyWebhook` or
   * `handleWebhook`. At least one absolute http(s) URI; other providers refuse it (a
   * `ValidationError`, field `webhookConfig`). Shape as Google's JS SDK sends it; it is not in the
   * stored 2025-12 spec (reference: endpoints-and-push.md §3.3).
   */
  webhookConfig?: WebhookConfig;
  /**
   * Milliseconds a call may wait for the provider (for a result download: for each chunk) before
   * it fails with a retryable `TimeoutError`, so that no call waits for ever. Default 600,000 (10
   * minutes); `sendBatch` has a limit only when this is set (a large upload may take longer).
   */
  requestTimeout?: number;
}

/** The keys of {@link ProviderOptions}: any other key of a provider's options is refused. */
export const providerOptionKeys = keysOf<ProviderOptions>({
  apiKey: true,
  baseUrl: true,
  fetch: true,
  storage: true,
  storageDir: true,
  dropUnsupported: true,
  model: true,
  route: true,
  timeoutHours: true,
  webhookConfig: true,
  requestTimeout: true,
});

const DEFAULT_REQUEST_TIMEOUT = 600_000;

/** Options of a single call. */
export interface CallOptions {
  /** Aborts the call: it rejects with `AbortError`. */
  signal?: AbortSignal;
}

/** Options of {@link BatchProvider.sendBatch}. */
export interface SendOptions extends CallOptions {
  /** Batch metadata stored by the provider, merged over `batch.metadata`. */
  metadata?: Record<string, string>;
}

/** Options of {@link BatchProvider.listBatches} and {@link BatchProvider.listBatchPage}. */
export interface ListBatchesOptions extends CallOptions {
  /** How many batches to return at most (default 20). Pages are followed as needed. */
  limit?: number;
  /** Start after this batch (a cursor from `listBatchPage`). */
  after?: string;
}

/** One page of batches, as the provider returned it. */
export interface BatchListPage {
  batches: BatchStatusResponse[];
  /** Whether the provider has more batches after this page. */
  hasMore: boolean;
  /** Pass as `after` to get the next page. */
  nextCursor?: string;
}

/** @internal What `BatchRouter` jobs (`router/`) use of a provider; not part of the public API. */
export interface ProviderJobAccess {
  client(): Promise<ProviderClient>;
  prepareOptions: PrepareOptions;
  /** Validates and converts with this provider's options, as `sendBatch` does. */
  prepare(unifiedJsonl: string, metadata?: Record<string, string>, endpoint?: Endpoint): PreparedBatch;
  /** Writes the transparency files of a batch a job submitted, as `sendBatch` does. */
  record(batchId: string, summary: BatchSummary, unifiedJsonl: string, providerJsonl: Uint8Array, requestIds: string[]): Promise<void>;
  /** Whether this provider's transparency files know the batch (it was sent from here). */
  knows(batchId: string): Promise<boolean>;
  /**
   * `getResults` of a batch the job sent with these custom ids, in order, and `summaryOf` giving
   * its summary again when this instance has no record of the batch (see `results`).
   */
  results(batchId: string, requestIds: string[], options: CallOptions, summaryOf: () => BatchSummary | undefined): AsyncGenerator<UnifiedResult, void, undefined>;
}

/** A converted batch that has not been sent: its provider JSONL and summary. */
export interface PreparedBatchInfo {
  /** Counts, bytes, model, route, warnings and the custom-id map. */
  summary: BatchSummary;
  /** The requests as unified JSONL, one per line. */
  unifiedJsonl: string;
  /** The provider's own JSONL: exactly what would be uploaded or sent. */
  providerJsonl: string;
}

/** How a subclass reaches its provider beyond a key and a base URL (Azure's resource and token). */
interface ConnectionExtras {
  /** The keys of the provider's own options besides {@link ProviderOptions}' (from `keysOf`). */
  optionKeys?: readonly string[];
  /** Client settings passed on to the core as they are. */
  config?: Omit<ClientConfig, "apiKey" | "baseUrl">;
  /** A credential other than the key was given (an Entra token), so no key is needed. */
  hasOtherCredential?: boolean;
}

let provisionalCounter = 0;

/** The JSONL's lines as one JSON array (what the core reads: errors name requests, not lines). */
function requestsJsonOfJsonl(unifiedJsonl: string): string {
  return "[" + unifiedJsonl.slice(0, -1).replaceAll("\n", ",") + "]";
}

/**
 * The requests of `batch` (an array, or a batch object whose `requests` is one), refusing a batch
 * object that names another provider: it would be converted for this one without a word.
 */
function requestsOfBatch(batch: unknown, provider: ProviderName, arrayAllowed: boolean): unknown[] {
  if (arrayAllowed && Array.isArray(batch)) return batch;
  checkOptionShapes(batch, { provider: "string" }, "batch", true);
  checkBatchKeys(batch as UnifiedBatchMetadata);
  const named = (batch as UnifiedBatchMetadata).provider;
  if (named !== undefined && canonicalProviderName(named) !== provider) {
    throw new ValidationError(`batch.provider: this batch is for "${named}", not ${provider}; give it to that provider, or leave provider out`, { field: "batch.provider" });
  }
  const requests = (batch as UnifiedBatchMetadata).requests;
  checkRequestArray(requests, "requests");
  return requests;
}

/**
 * Whether reading the batch's results needs what was known at submission (kept in memory too, for
 * storage that keeps nothing): an id map, the ids in order, which requests asked for JSON, an
 * embeddings batch's input counts, or a Gemini batch's endpoint (its operation may not say it).
 */
function needsResultKeys(meta: BatchMeta): boolean {
  const jsonAnswers = meta.summary.jsonAnswers;
  return meta.summary.idMap.length > 0 || meta.requestIds !== undefined || (jsonAnswers !== undefined && jsonAnswers !== "none") || meta.summary.embeddingInputs !== undefined || meta.provider === "google";
}

/**
 * What every provider does: validate and send a batch, follow its status, stream its results,
 * cancel, list and delete. {@link OpenAIProvider}, {@link AnthropicProvider},
 * {@link GoogleProvider}, {@link MistralProvider}, {@link GroqProvider},
 * {@link AzureOpenAIProvider} and {@link VLLMProvider} are this class with each provider's
 * defaults; requests, statuses and results have the same shape for all of them.
 */
export abstract class BatchProvider {
  /** The provider's name, e.g. `openai` (the registry lists them: `providerEntries()`). */
  readonly name: ProviderName;
  protected readonly options: ProviderOptions;
  protected readonly files: TransparencyFiles;
  private readonly apiKey: string;
  private readonly baseUrl: string | undefined;
  private readonly extraConfig: ConnectionExtras["config"];
  private readonly apiVersion: string | undefined;
  private readonly fetchFunction: ((request: Request) => Promise<Response>) | undefined;
  private clientPromise: Promise<ProviderClient> | undefined;
  /**
   * What reading results needs (the id map, the ids in order) for batches this instance sent, kept
   * only where there is any: without it, results of a batch sent with `storage: false` would come
   * back under the replacement ids instead of the caller's.
   */
  private readonly resultKeys = new Map<string, BatchMeta>();

  /**
   * `name` picks the provider's defaults from the registry: the environment variables of its key
   * and base URL, and whether it needs a key.
   */
  protected constructor(name: ProviderName, options: ProviderOptions = {}, extras: ConnectionExtras = {}) {
    checkOptionShapes(options, {
      apiKey: "string",
      baseUrl: "string",
      fetch: "function",
      storage: storageShape,
      storageDir: "string",
      requestTimeout: duration,
    }, "options", false, [...providerOptionKeys, ...(extras.optionKeys ?? [])]);
    /** The API version model rules are checked for (Anthropic's `anthropic-version`). */
    this.apiVersion = extras.config?.apiVersion ?? undefined;
    const defaults = providerEntry(name);
    this.name = name;
    this.options = options;
    this.extraConfig = extras.config;
    const keyVariable = options.apiKey === undefined ? defaults.keyVariables.find((variable) => (readEnvironment(variable) ?? "") !== "") : undefined;
    const apiKey = options.apiKey ?? (keyVariable === undefined ? undefined : readEnvironment(keyVariable));
    // An empty variable is an unset one, as for the key (`MISTRAL_BASE_URL=` in a shell or a .env).
    const baseUrl = options.baseUrl ?? ((defaults.baseUrlVariable ? readEnvironment(defaults.baseUrlVariable) : undefined) || undefined);
    // Refused now, not at the first call as a retryable connection error that quoted the key.
    checkCredential(apiKey, keyVariable === undefined ? { option: "options.apiKey" } : { variable: keyVariable });
    checkCredential(extras.config?.bearerToken ?? undefined, { option: "options.entraToken" });
    checkBaseUrl(baseUrl, options.baseUrl !== undefined || defaults.baseUrlVariable === undefined ? { option: "options.baseUrl" } : { variable: defaults.baseUrlVariable });
    rememberCredentials([apiKey, extras.config?.bearerToken ?? undefined]);
    if (defaults.requiresKey && !apiKey && !baseUrl && !extras.hasOtherCredential) {
      throw new ConfigurationError(
        `No API key for ${this.name}: pass { apiKey } or set ${defaults.keyVariables.join(" or ")}${deniedEnvironmentNote(defaults.keyVariables)}`,
      );
    }
    const storage =
      options.storage === false ? new NoStorage() : (options.storage ?? currentRuntime().defaultStorage(options.storageDir ?? ".batch_router"));
    this.files = new TransparencyFiles(storage, this.name);
    const userFetch = options.fetch;
    this.fetchFunction = userFetch ? (request: Request) => userFetch(request) : undefined;
    this.apiKey = apiKey ?? "";
    this.baseUrl = baseUrl;
  }

  /**
   * The requests as they will be converted. Providers that must fetch something first (Gemini's
   * `downloadUrls`) override this; conversion itself stays in the core.
   */
  protected async resolveRequests(requests: UnifiedRequest[], _signal?: AbortSignal): Promise<UnifiedRequest[]> {
    return requests;
  }

  /** The fetch this provider uses: the injected one, or the global one. */
  protected get fetchFunctionOrGlobal(): (request: Request) => Promise<Response> {
    return this.fetchFunction ?? ((request: Request) => fetch(request));
  }

  /**
   * The base URL to talk to, resolved on first use. Providers that must start something first (the
   * vLLM sidecar) override it.
   */
  protected async resolveBaseUrl(configured: string | undefined): Promise<string | undefined> {
    return configured;
  }

  /** The client, created on first use. */
  protected client(): Promise<ProviderClient> {
    this.clientPromise ??= this.resolveBaseUrl(this.baseUrl).then(
      (baseUrl) => new ProviderClient(this.name, { ...this.extraConfig, apiKey: this.apiKey, baseUrl }, redactingFetch(this.fetchFunctionOrGlobal, [this.apiKey, this.extraConfig?.bearerToken])),
      (error: unknown) => {
        // A failed start is not remembered: the next call tries again.
        this.clientPromise = undefined;
        throw toBatchRouterError(error);
      },
    );
    return this.clientPromise;
  }

  /** The time limit of one call, with the caller's signal. */
  private deadline(signal: AbortSignal | undefined): Deadline {
    return new Deadline(this.options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT, signal);
  }

  /** Runs one call under its time limit; every failure becomes a `BatchRouterError`. */
  private limited<T>(what: string, signal: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(this.options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT, signal, what, call);
  }

  /** Forgets the client, so the next call resolves the base URL again. */
  protected resetClient(): void {
    this.clientPromise = undefined;
  }

  /** Validates and converts a batch without sending anything (the dry run). */
  prepareBatch(batch: UnifiedBatchMetadata | UnifiedRequest[]): PreparedBatchInfo {
    const unifiedJsonl = requestsJsonl(requestsOfBatch(batch, this.name, true));
    const prepared = Array.isArray(batch) ? this.prepare(unifiedJsonl) : this.prepare(unifiedJsonl, batch.metadata, batch.endpoint);
    try {
      return { summary: prepared.summary, unifiedJsonl, providerJsonl: prepared.providerJsonl() };
    } finally {
      prepared.free();
    }
  }

  protected prepareOptions(metadata?: Record<string, string>, endpoint?: Endpoint): PrepareOptions {
    return {
      dropUnsupported: this.options.dropUnsupported ?? false,
      apiVersion: this.apiVersion,
      // Behind a custom base URL a proxy may route any model: another provider's model is a warning.
      customBaseUrl: this.baseUrl !== undefined,
      model: this.options.model,
      metadata,
      endpoint: checkedEndpoint(endpoint),
      route: this.options.route,
      timeoutHours: this.options.timeoutHours,
      webhookConfig: this.options.webhookConfig,
    };
  }

  /** Validates and converts requests this package wrote as JSONL (one `JSON.stringify` per line). */
  private prepare(unifiedJsonl: string, metadata?: Record<string, string>, endpoint?: Endpoint): PreparedBatch {
    // Handed over as a JSON array: the caller gave objects, so errors name requests, not lines.
    return this.prepareJson(requestsJsonOfJsonl(unifiedJsonl), metadata, endpoint);
  }

  /** Validates and converts requests given as one JSON array. */
  private prepareJson(requestsJson: string, metadata?: Record<string, string>, endpoint?: Endpoint): PreparedBatch {
    try {
      return prepareBatchInCore(this.name, requestsJson, this.prepareOptions(metadata, endpoint));
    } catch (error) {
      throw toBatchRouterError(error);
    }
  }

  /** @internal Used by `BatchRouter` jobs; not part of the public API. */
  jobAccess(): ProviderJobAccess {
    return {
      client: () => this.client(),
      prepareOptions: this.prepareOptions(),
      prepare: (unifiedJsonl, metadata, endpoint) => this.prepare(unifiedJsonl, metadata, endpoint),
      record: async (batchId, summary, unifiedJsonl, providerJsonl, requestIds) => {
        await this.files.writeRequests(batchId, unifiedJsonl, providerJsonl);
        const meta: BatchMeta = { batchId, provider: this.name, createdAt: new Date().toISOString(), summary };
        if (this.name === "google" && summary.route === "inline") meta.requestIds = requestIds;
        await this.files.recordSubmission(batchId, meta);
        if (needsResultKeys(meta)) this.resultKeys.set(batchId, meta);
      },
      knows: async (batchId) => (await this.files.readMeta(batchId)) !== undefined,
      results: (batchId, requestIds, options, summaryOf) => this.results(batchId, options, requestIds, summaryOf, false),
    };
  }

  /**
   * Validates, converts and submits a batch; resolves to the provider's batch id. Nothing is sent
   * when any request is invalid.
   */
  async sendBatch(batch: UnifiedBatchMetadata, options: SendOptions = {}): Promise<string> {
    const requests = await this.resolveRequests(requestsOfBatch(batch, this.name, false) as UnifiedRequest[], options.signal);
    const metadata = batch.metadata || options.metadata ? { ...batch.metadata, ...options.metadata } : undefined;
    // The provider's JSONL stays in wasm memory up to the upload; the files get it as bytes.
    const keepsFiles = this.files.keepsFiles;
    const unifiedJsonl = keepsFiles ? requestsJsonl(requests) : undefined;
    const prepared = this.prepareJson(unifiedJsonl === undefined ? requestsArrayJson(requests) : requestsJsonOfJsonl(unifiedJsonl), metadata, batch.endpoint);
    const summary = prepared.summary;
    const provisionalId = `pending-${Date.now()}-${randomSuffix()}-${provisionalCounter++}`;
    if (unifiedJsonl !== undefined) await this.files.writeRequests(provisionalId, unifiedJsonl, prepared.providerJsonlBytes());
    let status: BatchStatusData;
    const client = await this.client();
    if (this.options.requestTimeout === undefined) {
      try {
        status = await client.submit(prepared, options.signal);
      } catch (error) {
        throw toBatchRouterError(error, options.signal);
      }
    } else {
      status = await this.limited("sending the batch", options.signal, (signal) => client.submit(prepared, signal));
    }
    const meta: BatchMeta = { batchId: status.batchId, provider: this.name, createdAt: new Date().toISOString(), summary };
    // Gemini's inline answers may lack their keys; then they are matched by position, which
    // needs the ids in order (inline batches are small: under 20 MB).
    if (this.name === "google" && summary.route === "inline") meta.requestIds = batch.requests.map((request) => request.customId);
    await this.files.recordSubmission(provisionalId, meta);
    if (needsResultKeys(meta)) this.resultKeys.set(status.batchId, meta);
    return status.batchId;
  }

  /** The batch's unified status, request counts and the provider's own batch object (`raw`). */
  async getStatus(batchId: string, options: CallOptions = {}): Promise<BatchStatusResponse> {
    const data = await this.limited(`status of ${batchId}`, options.signal, async (signal) => (await this.client()).status(batchId, signal));
    return new BatchStatusResponse(data);
  }

  /**
   * Streams the results of a finished batch, normalized, as they are downloaded. Also writes the raw
   * output and the unified results to the transparency files. Throws `BatchNotCompleteError` while
   * the batch is running.
   */
  getResults(batchId: string, options: CallOptions = {}): AsyncGenerator<UnifiedResult, void, undefined> {
    return this.results(batchId, options);
  }

  /**
   * {@link getResults}, given the custom ids the batch was sent with, in order, and its summary
   * (`summaryOf`, called only when needed), by a caller that knows its requests (a job): used when
   * this instance has no record of the batch (another instance sent it, or `storage: false`), so
   * that replaced ids are mapped back, JSON answers parsed as asked, embedding counts checked,
   * the answers' kind checked against the endpoint, and Gemini's keyless inline answers matched by
   * position (when the counts agree) instead of coming back unattributed. Of an expired or
   * cancelled batch, each request without a line gets a result saying so (`answerUnanswered`),
   * when its custom ids are known: from the job, `_meta.json` or the batch's `_unified.jsonl`.
   */
  private results(batchId: string, options: CallOptions, knownRequestIds?: string[], summaryOf?: () => BatchSummary | undefined, answerUnanswered = true): AsyncGenerator<UnifiedResult, void, undefined> {
    // A generator's behaviour without its cost per result (result-iterator.ts); the download is
    // opened at the first `next()`.
    return new ResultIterator(async () => {
      const signal = options.signal;
      // The files are named after the id the provider reports, whichever accepted form was passed.
      const client = await this.client();
      const storedId = client.canonicalBatchId(batchId);
      const meta = this.resultKeys.get(storedId) ?? (await this.files.readMeta(storedId));
      const summary = meta?.summary ?? summaryOf?.();
      const idMap = summary && summary.idMap.length > 0 ? summary.idMap : undefined;
      // One time limit for each read, paused while the caller handles what was read.
      const deadline = this.deadline(signal);
      const what = `results of ${batchId}`;
      try {
        const requestIds = meta?.requestIds ?? (this.name === "google" ? knownRequestIds : undefined);
        const stream = await client.openResults(batchId, idMap, requestIds, deadline.signal, summary?.jsonAnswers, summary?.embeddingInputs, summary?.endpoint);
        const ended = endedEarly(stream.endedEarly);
        // A job answers for its requests without a line itself, from its own records (job-results.ts).
        if (!answerUnanswered || ended === undefined) return { stream, deadline, signal, files: this.files, storedId, what };
        const ids = requestIds ?? knownRequestIds;
        const unanswered = { ended, batchId: storedId, requestIds: async () => ids ?? (await this.files.readRequestIds(storedId)) };
        return { stream, deadline, signal, files: this.files, storedId, what, unanswered };
      } catch (error) {
        deadline.dispose();
        throw deadline.explain(error, what);
      }
    });
  }

  /** Cancels a running batch. True when cancellation was requested, false when it had already ended. */
  async cancelBatch(batchId: string, options: CallOptions = {}): Promise<boolean> {
    const outcome = await this.limited(`cancelling ${batchId}`, options.signal, async (signal) => (await this.client()).cancel(batchId, signal));
    return outcome.cancelled;
  }

  /** Deletes a finished batch where the provider allows it (Anthropic, Gemini, Mistral). */
  async deleteBatch(batchId: string, options: CallOptions = {}): Promise<void> {
    await this.limited(`deleting ${batchId}`, options.signal, async (signal) => (await this.client()).deleteBatch(batchId, signal));
  }

  /** One page of the provider's batches, newest first where the provider says so. */
  async listBatchPage(options: ListBatchesOptions = {}): Promise<BatchListPage> {
    checkOptionShapes(options, { limit: count, after: "string" });
    const page = await this.limited("listing batches", options.signal, async (signal) => (await this.client()).list({ limit: options.limit, after: options.after }, signal));
    const result: BatchListPage = { batches: page.batches.map((data) => new BatchStatusResponse(data)), hasMore: page.hasMore };
    if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
    return result;
  }

  /** Up to `limit` batches (default 20), following pages as needed. */
  async listBatches(options: ListBatchesOptions = {}): Promise<BatchStatusResponse[]> {
    checkOptionShapes(options, { limit: count, after: "string" });
    const limit = options.limit ?? 20;
    const batches: BatchStatusResponse[] = [];
    let after = options.after;
    while (batches.length < limit) {
      const page = await this.listBatchPage({ limit: limit - batches.length, after, signal: options.signal });
      batches.push(...page.batches);
      if (!page.hasMore || page.nextCursor === undefined || page.batches.length === 0) break;
      after = page.nextCursor;
    }
    return batches.slice(0, limit);
  }

  /** Every batch, page by page. */
  async *iterateBatches(options: Omit<ListBatchesOptions, "limit"> & { pageSize?: number } = {}): AsyncGenerator<BatchStatusResponse> {
    checkOptionShapes(options, { pageSize: count, after: "string" });
    let after = options.after;
    for (;;) {
      const page = await this.listBatchPage({ limit: options.pageSize, after, signal: options.signal });
      yield* page.batches;
      if (!page.hasMore || page.nextCursor === undefined || page.batches.length === 0) return;
      after = page.nextCursor;
    }
  }
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 8);
}
