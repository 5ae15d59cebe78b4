/**
 * `BatchRouter`: one object for every configured provider. A batch goes to the provider its
 * `provider` field names, so switching providers is changing that one word. Besides the provider
 * methods it runs **jobs**: a batch of any size, planned into provider batches that fit the limits
 * (`plan`), submitted with safe retries, resumable in another process from its manifest
 * (`resumeJob`), with retryable and expired requests sent again, and results merged so that every
 * request ends with exactly one result.
 */
import { requestLines } from "../request-json.js";
import type { BatchStatusResponse } from "../batch-status.js";
import { checkedEndpoint } from "../endpoint.js";
import { BatchNotCompleteError, ConfigurationError, JobInterruptedError, TimeoutError, toBatchRouterError, ValidationError } from "../errors.js";
import type { BatchListPage, BatchProvider, CallOptions, ListBatchesOptions, PreparedBatchInfo, ProviderOptions, SendOptions } from "../provider.js";
import { checkBatchKeys, checkOptionShapes, duration, storageShape } from "../option-shapes.js";
import { currentRuntime } from "../runtime.js";
import type { BatchStorage } from "../storage.js";
import type { Endpoint, ProviderName, UnifiedBatchMetadata, UnifiedRequest, UnifiedResult } from "../types.js";
import { checkCostOptions, estimateJsonl, estimatePrepared, tokenEstimateOptionKeys, type CostOptions, type PriceTable, type TokenEstimateOptions } from "../estimate.js";
import { checkPrices } from "../price-check.js";
import { checkAdvanceOptions, checkJobOptions, checkNestedRouterOptions, batchRouterOptionKeys, jobOptionKeys, jobOptionKeysWithoutSignal, waitOptionKeys } from "./router-option-keys.js";
import { checkBudget, lazySentModels, worstCaseCosts } from "./job-budget.js";
import { batchGroups, checkFitsQuota, inputEstimatesFor, inputTokensOf, type ModelQuotas } from "./job-quota.js";
import { planJobInCore, taggedMetadata, type BatchEstimate, type JobPlan, type PlannedChunk, type PlanOptions, type RequestEstimate, type RetryPolicy } from "../wasm.js";
import { checkJobId, JobStore, MANIFEST_VERSION, newJobId, newRecord, toRanges, type JobManifest } from "./job-manifest.js";
import { mergedResults, summarize, type JobSummary } from "./job-results.js";
import { advanceOnce, type AdvanceEnvironment, type AdvanceOptions, type AdvanceResult } from "./job-advance.js";
import { JobLease, newHolderId } from "./job-lease.js";
import { submitPending } from "./job-runner.js";
import { checkedStateStore, StorageJobState, type JobStateStore } from "../job-state.js";
import { handleJobWebhook, type WebhookOptions } from "./job-webhook.js";
import type { JobContext } from "./job-submission.js";
import { createProvider, providerName } from "./providers-by-name.js";
import { sleep, type RetrySettings } from "./retrying.js";
import { waitForBatch, type WaitOptions } from "./wait.js";

export interface BatchRouterOptions {
  /**
   * The providers to route to, by name (`gemini` is accepted for `google`): instances or options
   * (vLLM: a `VLLMProvider` instance).
   */
  providers: Partial<Record<ProviderName | "gemini", BatchProvider | ProviderOptions>>;
  /**
   * Where job manifests and results go, and the transparency files of providers built from
   * options. Defaults to the file system under `storageDir` where there is one, memory otherwise.
   * Jobs need one: `false` is refused.
   */
  storage?: BatchStorage | false;
  /**
   * Where job manifests and leases go: versioned records with conditional writes (see
   * `JobStateStore`). Defaults to files of `storage` (`jobs/<jobId>.json`), whose conditional
   * writes hold among the invocations of one process; for invocations in several processes or
   * machines (serverless functions), give a store that is conditional by itself:
   * `PostgresJobStore`, `D1JobStore`.
   */
  state?: JobStateStore;
  /**
   * Milliseconds a job's lease lasts from its last renewal (default 60,000). An invocation renews
   * it while it works; one that died frees the job after this long. A create call is given at most
   * this time less 5 s, so the lease outlives it.
   */
  leaseMs?: number;
  /** Directory of the default file storage. Defaults to `.batch_router`. */
  storageDir?: string;
  /** Retries of transient failures (the core's policy: 6 retries, 0.5 s doubling to 30 s, jitter). */
  retry?: RetryPolicy;
  /** Milliseconds one HTTP call may take (for a result download: between chunks). Default 600,000. */
  requestTimeout?: number;
  /**
   * Milliseconds a batch a job created may answer 404 or 5xx (on its status or its results, once
   * the call's own retries are spent) before the job counts it lost (a lasting 404) or stops with
   * `JobInterruptedError` (anything else; the batch is kept for `resumeJob`). Providers sometimes
   * do not know a batch for a while after creating it or after it ended (read-after-write lag);
   * within this period the job keeps the batch and asks again. So is a finished batch whose output
   * holds none of the answers its counts promise (`InvalidResponseError.outputMissing`); after it,
   * its requests are `missing_result` and sent again. Default 600,000 (10 minutes).
   */
  lostBatchGracePeriod?: number;
  /** Submissions per request at most, resubmissions included. Default 3. */
  maxAttempts?: number;
  /** Provider batches smaller than the providers' limits (`maxRequestsPerBatch`, `maxBytesPerBatch`). */
  plan?: PlanOptions;
  /** Defaults for waiting: first poll interval and the longest (ms). */
  pollInterval?: number;
  maxPollInterval?: number;
  /**
   * Model prices (US dollars per million tokens, the provider's published prices; the batch
   * discount is applied) for `estimate` and each job summary's `cost`. They come before the
   * built-in table (each provider's batch discount and cache multipliers, and a few dated model
   * prices: see the README's "Cost" section). A name prices its dated snapshots too.
   */
  prices?: PriceTable;
  /**
   * How requests are estimated: tokens per image, the output bound of requests without
   * `maxTokens`, and a token counter of your own (`countTokens`) for budgets and quotas.
   */
  estimate?: TokenEstimateOptions;
  /**
   * Queue quotas per provider and model (`"*"`: every model without its own entry): estimated
   * input tokens (`maxEnqueuedTokens`) and batches (`maxConcurrentBatches`) a job keeps in flight
   * at once. Batches are cut to fit, created in waves, and one failed with `token_limit_exceeded`
   * is queued again without spending an attempt. Default: Gemini 100 concurrent batches.
   */
  quotas?: Partial<Record<ProviderName, ModelQuotas>>;
}

export interface JobOptions {
  /** The job's id (letters, digits, `_`, `-`); generated when absent. */
  jobId?: string;
  /** Batch metadata, merged over `batch.metadata`. */
  metadata?: Record<string, string>;
  maxAttempts?: number;
  plan?: PlanOptions;
  /**
   * The most the job may cost, in US dollars at batch rates (needs `prices`, and an output bound
   * for every request). A job whose input alone is estimated over it is refused before anything is
   * sent; once running, no batch is created while spent + the worst case of the batches in flight
   * and of the next would pass it: a batch that does not fit whole is sent with the requests that
   * fit, the rest wait for room, and requests that cannot fit once nothing is in flight are held
   * back (`summary.heldBack`, code `budget_exceeded`).
   */
  maxCostUsd?: number;
  /**
   * Prompt caching: send the first request of each model alone, and the rest of that model once
   * its batch has ended — its response wrote the shared prefix to the model's cache, which
   * requests running in parallel cannot read from each other (Anthropic), and which another model
   * cannot read at all. `summary.cost.cacheHitRate` says how well it worked.
   */
  primeCache?: boolean;
  signal?: AbortSignal;
}

export type RouterCallOptions = CallOptions & {
  /** The provider of the batch; needed only when it cannot be told (see `providerFor`). */
  provider?: ProviderName | "gemini";
};

export type CompletionResult = { kind: "batch"; status: BatchStatusResponse } | { kind: "job"; summary: JobSummary };

export class BatchRouter {
  private readonly providers = new Map<ProviderName, BatchProvider>();
  private readonly store: JobStore;
  private readonly running = new Map<string, Promise<JobSummary>>();

  constructor(private readonly options: BatchRouterOptions) {
    checkOptionShapes(options, {
      providers: "object",
      storage: storageShape,
      state: "object",
      leaseMs: duration,
      storageDir: "string",
      retry: "object",
      requestTimeout: duration,
      lostBatchGracePeriod: duration,
      maxAttempts: { expected: "a whole number ≥ 1", fits: (value) => Number.isInteger(value) && (value as number) >= 1 },
      plan: "object",
      pollInterval: duration,
      maxPollInterval: duration,
      prices: "object",
      estimate: "object",
      quotas: "object",
    }, "options", true, batchRouterOptionKeys);
    checkNestedRouterOptions(options, tokenEstimateOptionKeys);
    checkPrices(options.prices, "options.prices");
    if (options.storage === false) {
      throw new ConfigurationError("a BatchRouter keeps its jobs in a storage: give it one (not `false`)");
    }
    const storage = options.storage ?? currentRuntime().defaultStorage(options.storageDir ?? ".batch_router");
    this.store = new JobStore(storage, options.state === undefined ? new StorageJobState(storage) : checkedStateStore(options.state, "options.state"));
    for (const [name, given] of Object.entries(options.providers)) {
      if (given === undefined) continue;
      const canonical = providerName(name);
      const provider = isProvider(given) ? given : withinRouterOptions(name, () => createProvider(canonical, { storage, ...given }));
      if (provider.name !== canonical) {
        throw new ConfigurationError(`providers.${name} is a provider for ${provider.name}, not for ${canonical}`);
      }
      this.providers.set(canonical, provider);
    }
    if (this.providers.size === 0) throw new ConfigurationError("BatchRouter needs at least one provider");
  }

  /** The configured provider of that name. */
  provider(name: ProviderName | "gemini" | string): BatchProvider {
    const provider = this.providers.get(providerName(name));
    if (!provider) {
      throw new ConfigurationError(`provider ${name} is not configured; configured: ${[...this.providers.keys()].join(", ")}`);
    }
    return provider;
  }

  /**
   * The provider a batch id belongs to: the one named in `options`, the only one configured, or the
   * one whose transparency files know the id (it was sent through this router's storage).
   */
  async providerFor(batchId: string, options: RouterCallOptions = {}): Promise<BatchProvider> {
    if (options.provider !== undefined) return this.provider(options.provider);
    if (this.providers.size === 1) return [...this.providers.values()][0]!;
    for (const provider of this.providers.values()) {
      if (await provider.jobAccess().knows(batchId)) return provider;
    }
    throw new ConfigurationError(`cannot tell which provider batch ${batchId} belongs to: pass { provider }`);
  }

  // The provider methods, routed.

  prepareBatch(batch: UnifiedBatchMetadata): PreparedBatchInfo {
    return this.provider(batch.provider).prepareBatch(batch);
  }

  sendBatch(batch: UnifiedBatchMetadata, options: SendOptions = {}): Promise<string> {
    return this.provider(batch.provider).sendBatch(batch, options);
  }

  async getStatus(batchId: string, options: RouterCallOptions = {}): Promise<BatchStatusResponse> {
    return (await this.providerFor(batchId, options)).getStatus(batchId, options);
  }

  async *getResults(batchId: string, options: RouterCallOptions = {}): AsyncGenerator<UnifiedResult, void, undefined> {
    yield* (await this.providerFor(batchId, options)).getResults(batchId, options);
  }

  async cancelBatch(batchId: string, options: RouterCallOptions = {}): Promise<boolean> {
    return (await this.providerFor(batchId, options)).cancelBatch(batchId, options);
  }

  async deleteBatch(batchId: string, options: RouterCallOptions = {}): Promise<void> {
    return (await this.providerFor(batchId, options)).deleteBatch(batchId, options);
  }

  listBatchPage(options: ListBatchesOptions & { provider: ProviderName | "gemini" }): Promise<BatchListPage> {
    return this.provider(options.provider).listBatchPage(options);
  }

  listBatches(options: ListBatchesOptions & { provider: ProviderName | "gemini" }): Promise<BatchStatusResponse[]> {
    return this.provider(options.provider).listBatches(options);
  }

  // Jobs.

  /**
   * A batch's tokens and cost range (input alone; input plus every request's output bound), with
   * the router's prices unless `options.prices` is given. Sends nothing.
   */
  estimate(batch: UnifiedBatchMetadata, options: CostOptions = {}): BatchEstimate {
    checkCostOptions(options);
    const name = providerName(batchProvider(batch));
    const estimateOptions = { ...this.options.estimate, ...options, prices: options.prices ?? this.options.prices };
    // The same checks as a job's: every request validated, and none alone over its model's quota.
    const estimate = estimatePrepared({ ...batch, provider: name }, estimateOptions, this.provider(name).jobAccess().prepareOptions);
    const stored = requestLines(batch.requests).map((line) => line.slice(0, -1));
    const quotas = this.options.quotas?.[name];
    checkFitsQuota(name, stored, quotas, this.inputEstimates(name, stored, quotas, estimateOptions));
    return estimate;
  }

  /**
   * The provider batches `submitJob` would create for `batch` with these options: one chunk per
   * batch, in order — split by the provider's limits and `options.plan`, by model where the
   * provider takes one model per batch, each model's cache primer alone first (`primeCache`), and cut to
   * the router's `quotas` (`maxEnqueuedTokens` of estimated input per model). Validates every
   * request, and refuses one over its model's token quota, as `submitJob` does; sends nothing.
   */
  plan(batch: UnifiedBatchMetadata, options: Omit<JobOptions, "signal"> = {}): JobPlan {
    checkJobOptions(options, jobOptionKeysWithoutSignal);
    const name = providerName(batchProvider(batch));
    const lines = requestLines(batch.requests);
    const metadata = { ...batch.metadata, ...options.metadata };
    const jobId = options.jobId ?? "job";
    const plan = this.planFor(name, lines.join(""), metadata, jobId, options, batch.endpoint);
    const stored = lines.map((line) => line.slice(0, -1));
    const quotas = this.options.quotas?.[name];
    const inputEstimates = this.inputEstimates(name, stored, quotas, this.options.estimate ?? {});
    checkFitsQuota(name, stored, quotas, inputEstimates);
    const groups = batchGroups(name, plan, quotas, inputTokensOf(inputEstimates), options.primeCache === true);
    if (groups.length === plan.chunks.length) return plan;
    // A chunk cut in parts: each part's bytes are those of its own requests, planned alone.
    const chunks = groups.map((group) => {
      const part = this.planFor(name, group.positions.map((position) => lines[position]).join(""), metadata, jobId, options, batch.endpoint);
      const bytes = part.chunks.reduce((total, chunk) => total + chunk.bytes, 0);
      const chunk: PlannedChunk = { requestRanges: toRanges(group.positions), requestCount: group.positions.length, bytes };
      if (group.model !== undefined) chunk.model = group.model;
      return chunk;
    });
    return { ...plan, chunks };
  }

  private planFor(
    name: ProviderName,
    unifiedJsonl: string,
    metadata: Record<string, string>,
    jobId: string,
    options: Omit<JobOptions, "signal">,
    endpoint: Endpoint | undefined,
  ): JobPlan {
    endpoint = checkedEndpoint(endpoint);
    const access = this.provider(name).jobAccess();
    // Planned with the metadata a first batch will carry, so a tag that does not fit shows now.
    const tagged = taggedMetadata(name, Object.keys(metadata).length > 0 ? metadata : undefined, `${jobId}.0.1`);
    try {
      return planJobInCore(name, unifiedJsonl, { ...access.prepareOptions, metadata: tagged, endpoint }, { ...this.options.plan, ...options.plan });
    } catch (error) {
      throw toBatchRouterError(error);
    }
  }

  /**
   * Plans a job, saves its manifest, and creates every provider batch that its quotas, budget and
   * cache priming allow now (the rest are created by `resumeJob` or `waitForCompletion` as earlier
   * batches end); resolves to the job id. An error after the manifest is saved is a
   * `JobInterruptedError` naming the job to resume.
   */
  async submitJob(batch: UnifiedBatchMetadata, options: JobOptions = {}): Promise<string> {
    checkJobOptions(options, jobOptionKeys);
    const context = await this.createJob(batch, options);
    const id = context.manifest.jobId;
    const lease = new JobLease(this.state, id, newHolderId(), this.leaseMs());
    try {
      // Nobody else knows the job yet: the lease is free.
      if (!(await lease.acquire())) return id;
      context.lease = lease;
      await submitPending(context);
    } catch (error) {
      throw new JobInterruptedError(id, toBatchRouterError(error));
    } finally {
      await lease.release();
    }
    return id;
  }

  /**
   * Plans a job and records it (its requests and manifest) without sending anything or waiting:
   * for a serverless function, which then calls `advanceJob` from later invocations (a cron tick,
   * a webhook). Validates every request first; resolves to the job id. Starting a job id that
   * exists already with the same provider, endpoint and requests resolves to it (a retried start is
   * safe); with different ones it is a `ValidationError`.
   */
  async startJob(batch: UnifiedBatchMetadata, options: Omit<JobOptions, "signal"> = {}): Promise<string> {
    checkJobOptions(options, jobOptionKeysWithoutSignal);
    try {
      return (await this.createJob(batch, options)).manifest.jobId;
    } catch (error) {
      return this.sameJobAgain(error, batch, options.jobId);
    }
  }

  /**
   * The job id of a start refused because `jobId` exists, when the stored job has the same
   * provider, endpoint and requests (a start tried again, by a retried request or a process run
   * again after a crash); any other error, or another job under that id, is thrown.
   */
  private async sameJobAgain(error: unknown, batch: UnifiedBatchMetadata, jobId: string | undefined): Promise<string> {
    if (!(error instanceof ValidationError) || error.field !== "jobId" || jobId === undefined) throw error;
    const existing = await this.store.load(jobId);
    if (existing === undefined) throw error;
    if (await this.sameJob(existing, batch)) return jobId;
    throw new ValidationError(`jobId: job ${jobId} already exists with other requests; choose another jobId`, { field: "jobId" });
  }

  /** Whether a stored job was started with this provider, endpoint and these requests. */
  private async sameJob(manifest: JobManifest, batch: UnifiedBatchMetadata): Promise<boolean> {
    if (manifest.provider !== providerName(batch.provider)) return false;
    if ((manifest.endpoint ?? "chat") !== (batch.endpoint ?? "chat")) return false;
    const stored = await this.store.readRequests(manifest);
    const given = requestLines(batch.requests);
    return stored.length === given.length && stored.every((line, index) => line === given[index]!.slice(0, -1));
  }

  /**
   * One bounded round of work on a job: creates the batches that are due, reads the running ones'
   * statuses, collects the results that are ready and plans follow-ups for what should be sent
   * again; resolves to the job's state and when to call again (`nextAdvanceInMs`). Safe to call
   * from several invocations at once: one holds the job's lease, the others answer `busy`; a
   * round that loses the lease or finds the manifest written by another stops without writing.
   * `budgetMs` bounds the round (calls then on their way are abandoned and found again next time).
   * A stop for lasting provider failures or the signal is a `JobInterruptedError`; no such job is
   * a `ValidationError`.
   */
  async advanceJob(jobId: string, options: AdvanceOptions = {}): Promise<AdvanceResult> {
    checkAdvanceOptions(options);
    return this.advanceWith(jobId, newHolderId(), options);
  }

  /**
   * Reads a provider's webhook delivery (OpenAI's or Gemini's batch events, Standard Webhooks),
   * verifies it with `options.secret` (see `verifyWebhook`), refuses replays, and advances the job
   * that owns the batch by one round (`options.budgetMs`). Resolves to the HTTP response to send:
   * 200 (acted on, or a replay / an event for a batch of no job here, ignored), 400 or 401 (refused:
   * bad payload, bad signature, stale timestamp). A 200's JSON body names what happened in `state`:
   * the round's `state` (as `advanceJob` gives it), `duplicate`, `ignored` or `interrupted`. The
   * secret never appears in a response or error.
   */
  handleWebhook(request: Request, options: WebhookOptions): Promise<Response> {
    return handleJobWebhook(request, options, {
      state: this.state,
      jobOfBatch: (provider, batchId) => this.store.jobOfBatch(provider, batchId),
      advance: (jobId, advanceOptions) => this.advanceJob(jobId, advanceOptions),
    });
  }

  /**
   * `submitJob`, then waits for the job's end: resolves to its summary. Once the job exists, any
   * stop is a `JobInterruptedError` naming it. Run again with the same `jobId` and the same
   * provider, endpoint and requests (a script run again after a crash), it goes on with the job
   * that exists, as `resumeJob` does; another job under that id is a `ValidationError`.
   */
  async runJob(batch: UnifiedBatchMetadata, options: JobOptions & WaitOptions = {}): Promise<JobSummary> {
    checkJobOptions(options, [...jobOptionKeys, ...waitOptionKeys]);
    let jobId: string;
    try {
      jobId = (await this.createJob(batch, options)).manifest.jobId;
    } catch (error) {
      jobId = await this.sameJobAgain(error, batch, options.jobId);
    }
    return this.drive(jobId, options);
  }

  /**
   * Continues a job from its manifest (in this process or any other) until it ends: nothing done
   * is done again. Resolves to the job's summary. A stop (retries spent, a time-out, the signal) is
   * a `JobInterruptedError` naming the job, with the reason as `cause`; a job that does not exist
   * is a `ValidationError`.
   */
  async resumeJob(jobId: string, options: WaitOptions = {}): Promise<JobSummary> {
    checkJobOptions(options, waitOptionKeys);
    return this.drive(jobId, options);
  }

  /**
   * Waits for a batch or a job to end. A job is driven to its end (as `resumeJob`, and stops as it
   * does); a batch is polled (`provider` may be needed, see `providerFor`).
   */
  async waitForCompletion(batchOrJobId: string, options: WaitOptions & { provider?: ProviderName | "gemini" } = {}): Promise<CompletionResult> {
    checkJobOptions(options, [...waitOptionKeys, "provider"]);
    if (await this.isJob(batchOrJobId)) return { kind: "job", summary: await this.drive(batchOrJobId, options) };
    const provider = await this.providerFor(batchOrJobId, options);
    const status = await waitForBatch(provider, batchOrJobId, this.waitOptions(options), this.retrySettings());
    return { kind: "batch", status };
  }

  /** The job's manifest (a copy), or undefined when there is no such job. */
  getJob(jobId: string): Promise<JobManifest | undefined> {
    return this.store.load(jobId);
  }

  /** Every request's final result, exactly once. Throws `BatchNotCompleteError` before the job ends. */
  async *getJobResults(jobId: string): AsyncGenerator<UnifiedResult, void, undefined> {
    const manifest = await this.loadJob(jobId);
    if (manifest.state !== "completed") {
      throw new BatchNotCompleteError(`job ${jobId} has not ended`, { provider: manifest.provider, batchId: jobId, status: manifest.state });
    }
    const lines = await this.store.readRequests(manifest);
    yield* mergedResults(manifest, this.store, customIdsOf(lines));
  }

  /** What the job came to so far: counts, and why each request without success has none. */
  async getJobSummary(jobId: string): Promise<JobSummary> {
    const manifest = await this.loadJob(jobId);
    const lines = await this.store.readRequests(manifest);
    return summarize(manifest, this.store, customIdsOf(lines), this.options.prices, this.sentModels(manifest.provider, lines)());
  }

  private async isJob(id: string): Promise<boolean> {
    try {
      checkJobId(id);
    } catch {
      return false;
    }
    return (await this.store.load(id)) !== undefined;
  }

  private async loadJob(jobId: string): Promise<JobManifest> {
    const manifest = await this.store.load(jobId);
    if (!manifest) throw new ValidationError(`jobId: there is no job ${jobId} in this storage`, { field: "jobId" });
    return manifest;
  }

  /** The model the provider's own `model` option sends every request with, if it has one. */
  private modelOption(provider: ProviderName): string | undefined {
    return this.provider(provider).jobAccess().prepareOptions.model;
  }

  /** Each request's model as sent (see `lazySentModels`), worked out on first use. */
  private sentModels(provider: ProviderName, lines: string[]): () => string[] {
    // A summary needs no configured provider: without one, no `model` option applies.
    const models = lazySentModels(provider, lines, this.providers.get(provider)?.jobAccess().prepareOptions.model);
    return () => {
      try {
        return models();
      } catch (error) {
        throw toBatchRouterError(error);
      }
    };
  }

  private worstCaseCosts(provider: ProviderName, lines: string[]): Float64Array {
    try {
      return worstCaseCosts(provider, lines, this.options.prices, this.options.estimate ?? {}, this.modelOption(provider));
    } catch (error) {
      throw toBatchRouterError(error);
    }
  }

  private inputEstimates(provider: ProviderName, lines: string[], quotas: ModelQuotas | undefined, estimate: TokenEstimateOptions): RequestEstimate[] | undefined {
    try {
      return inputEstimatesFor(provider, lines, quotas, estimate, this.modelOption(provider));
    } catch (error) {
      throw toBatchRouterError(error);
    }
  }

  private retrySettings(signal?: AbortSignal): RetrySettings {
    return { policy: this.options.retry ?? {}, requestTimeout: this.options.requestTimeout ?? 600_000, signal };
  }

  private lostBatchGracePeriod(): number {
    return Math.max(0, this.options.lostBatchGracePeriod ?? 600_000);
  }

  private waitOptions(options: WaitOptions): WaitOptions {
    return {
      ...options,
      pollInterval: options.pollInterval ?? this.options.pollInterval,
      maxPollInterval: options.maxPollInterval ?? this.options.maxPollInterval,
    };
  }

  private async createJob(batch: UnifiedBatchMetadata, options: JobOptions): Promise<JobContext> {
    const name = providerName(batchProvider(batch));
    const provider = this.provider(name);
    const jobId = options.jobId ?? newJobId();
    checkJobId(jobId);
    if (await this.store.load(jobId)) {
      throw new ValidationError(`jobId: job ${jobId} already exists; continue it with advanceJob or resumeJob`, { field: "jobId" });
    }
    const lines = requestLines(batch.requests);
    const metadata = { ...batch.metadata, ...options.metadata };
    const plan = this.planFor(name, lines.join(""), metadata, jobId, options, batch.endpoint);
    const stored = lines.map((line) => line.slice(0, -1));
    let worstCaseCosts: Float64Array | undefined;
    if (options.maxCostUsd !== undefined) {
      worstCaseCosts = this.worstCaseCosts(name, stored);
      // Validated as the batch's endpoint, as the plan above was (an embeddings batch is no chat batch).
      const prepareOptions = batch.endpoint === undefined ? provider.jobAccess().prepareOptions : { ...provider.jobAccess().prepareOptions, endpoint: batch.endpoint };
      const estimate = estimateJsonl(name, lines.join(""), { ...this.options.estimate, prices: this.options.prices }, false, prepareOptions);
      checkBudget(options.maxCostUsd, worstCaseCosts, estimate.minCostUsd ?? 0);
    }
    const now = new Date().toISOString();
    const manifest: JobManifest = {
      version: MANIFEST_VERSION,
      jobId,
      provider: name,
      createdAt: now,
      updatedAt: now,
      state: "running",
      requestCount: lines.length,
      requestsPath: this.store.requestsPath(jobId),
      maxAttempts: Math.max(1, options.maxAttempts ?? this.options.maxAttempts ?? 3),
      planOptions: { ...this.options.plan, ...options.plan },
      submissions: [],
    };
    if (Object.keys(metadata).length > 0) manifest.metadata = metadata;
    if (batch.endpoint !== undefined && batch.endpoint !== "chat") manifest.endpoint = batch.endpoint;
    if (options.maxCostUsd !== undefined) manifest.maxCostUsd = options.maxCostUsd;
    const quotas = this.options.quotas?.[name];
    const inputEstimates = this.inputEstimates(name, stored, quotas, this.options.estimate ?? {});
    checkFitsQuota(name, stored, quotas, inputEstimates);
    const inputTokens = inputTokensOf(inputEstimates);
    for (const group of batchGroups(name, plan, quotas, inputTokens, options.primeCache === true)) {
      const record = newRecord(jobId, manifest.submissions.length, 1, group.positions, group.model);
      if (group.primer) (manifest.primerKeys ??= []).push(record.key);
      manifest.submissions.push(record);
    }
    // The requests go to a file of their own name first: a racing start of the same job id writes
    // another file, and only the manifest written first (a conditional create) names one.
    await this.store.storage.write(manifest.requestsPath, lines.join(""));
    await this.store.save(manifest);
    return {
      manifest,
      store: this.store,
      provider,
      access: provider.jobAccess(),
      retry: this.retrySettings(options.signal),
      lines: stored,
      customIds: customIdsOf(stored),
      lostBatchGracePeriod: this.lostBatchGracePeriod(),
      prices: this.options.prices,
      sentModels: this.sentModels(name, stored),
      worstCaseCosts,
      quotas,
      inputTokens,
    };
  }

  private leaseMs(): number {
    return Math.max(1, this.options.leaseMs ?? 60_000);
  }

  private get state(): JobStateStore {
    return this.store.state;
  }

  private async advanceWith(jobId: string, holder: string, options: AdvanceOptions, cache?: Map<string, RequestLines>, wait: WaitOptions = {}): Promise<AdvanceResult> {
    const environment: AdvanceEnvironment = {
      store: this.store,
      state: this.state,
      leaseMs: this.leaseMs(),
      pollInterval: Math.max(0, wait.pollInterval ?? this.options.pollInterval ?? 5_000),
      maxPollInterval: Math.max(0, wait.maxPollInterval ?? this.options.maxPollInterval ?? 60_000),
      contextOf: (manifest, signal) => this.contextOf(manifest, signal, cache),
    };
    try {
      return await advanceOnce(environment, jobId, holder, options);
    } catch (error) {
      if (error instanceof ValidationError || error instanceof JobInterruptedError) throw error;
      throw new JobInterruptedError(jobId, toBatchRouterError(error));
    }
  }

  /**
   * Runs rounds of `advanceJob` until the job ends; one run per job at a time in this process.
   * Every way of stopping is the same `JobInterruptedError`, whichever entry point drove the job.
   */
  private drive(jobId: string, options: WaitOptions): Promise<JobSummary> {
    const existing = this.running.get(jobId);
    if (existing) return existing;
    const run = (async () => {
      // No such job is bad input, not a stop.
      await this.loadJob(jobId);
      const holder = newHolderId();
      const cache = new Map<string, RequestLines>();
      const wait = this.waitOptions(options);
      const startedAt = Date.now();
      const checkTimeout = () => {
        if (wait.timeout !== undefined && Date.now() - startedAt >= wait.timeout) {
          throw new JobInterruptedError(jobId, new TimeoutError(`job ${jobId} did not end within ${wait.timeout} ms`));
        }
      };
      for (;;) {
        const outcome = await this.advanceWith(jobId, holder, { signal: options.signal }, cache, wait);
        try {
          options.onProgress?.(outcome.progress);
        } catch (error) {
          // The caller's callback failed: the job stays resumable, and the stop names it.
          throw new JobInterruptedError(jobId, toBatchRouterError(error));
        }
        if (outcome.state === "completed") {
          const manifest = await this.loadJob(jobId);
          const lines = await this.requestLines(manifest, cache);
          return summarize(manifest, this.store, lines.customIds, this.options.prices, lines.sentModels());
        }
        checkTimeout();
        if (outcome.nextAdvanceInMs === 0) continue;
        const remaining = wait.timeout === undefined ? Infinity : wait.timeout - (Date.now() - startedAt);
        try {
          await sleep(Math.min(outcome.nextAdvanceInMs, remaining), options.signal);
        } catch (error) {
          throw new JobInterruptedError(jobId, toBatchRouterError(error));
        }
        checkTimeout();
      }
    })();
    this.running.set(jobId, run);
    const forget = () => this.running.delete(jobId);
    run.then(forget, forget);
    return run;
  }

  /** The job's requests, read once per requests file (a job's file never changes). */
  private async requestLines(manifest: JobManifest, cache?: Map<string, RequestLines>): Promise<RequestLines> {
    const cached = cache?.get(manifest.requestsPath);
    if (cached) return cached;
    const lines = await this.store.readRequests(manifest);
    const entry: RequestLines = {
      lines,
      customIds: customIdsOf(lines),
      sentModels: this.sentModels(manifest.provider, lines),
      worstCaseCosts: manifest.maxCostUsd === undefined ? undefined : this.worstCaseCosts(manifest.provider, lines),
      inputTokens: inputTokensOf(this.inputEstimates(manifest.provider, lines, this.options.quotas?.[manifest.provider], this.options.estimate ?? {})),
    };
    cache?.set(manifest.requestsPath, entry);
    return entry;
  }

  private async contextOf(manifest: JobManifest, signal?: AbortSignal, cache?: Map<string, RequestLines>): Promise<JobContext> {
    const provider = this.provider(manifest.provider);
    const { lines, customIds, sentModels, worstCaseCosts, inputTokens } = await this.requestLines(manifest, cache);
    return {
      manifest,
      store: this.store,
      provider,
      access: provider.jobAccess(),
      retry: this.retrySettings(signal),
      lines,
      customIds,
      lostBatchGracePeriod: this.lostBatchGracePeriod(),
      prices: this.options.prices,
      sentModels,
      worstCaseCosts,
      quotas: this.options.quotas?.[manifest.provider],
      inputTokens,
    };
  }
}

interface RequestLines {
  lines: string[];
  customIds: string[];
  sentModels: () => string[];
  worstCaseCosts: Float64Array | undefined;
  inputTokens: Float64Array | undefined;
}

/**
 * A provider built from the router's options; a `ValidationError` at one of its options (`options.
 * <key>` as the provider's constructor names it) is placed at `options.providers.<name>.<key>`.
 */
function withinRouterOptions(name: string, create: () => BatchProvider): BatchProvider {
  try {
    return create();
  } catch (error) {
    if (!(error instanceof ValidationError) || !error.field?.startsWith("options.")) throw error;
    const field = `options.providers.${name}.${error.field.slice("options.".length)}`;
    throw new ValidationError(error.message.replace(error.field, field), { field });
  }
}

function isProvider(value: BatchProvider | ProviderOptions): value is BatchProvider {
  return typeof (value as BatchProvider).jobAccess === "function";
}

/** The provider a batch names: a batch that is not an object, or names none, is refused at its field. */
function batchProvider(batch: UnifiedBatchMetadata): string {
  checkOptionShapes(batch, { provider: "string" }, "batch", true);
  checkBatchKeys(batch);
  if (batch.provider === undefined) throw new ValidationError(`batch.provider: is required (the provider to send the batch to, e.g. "openai")`, { field: "batch.provider" });
  return batch.provider;
}

function customIdsOf(lines: string[]): string[] {
  return lines.map((line) => String((JSON.parse(line) as UnifiedRequest).customId));
}
