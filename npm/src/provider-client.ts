/**
 * A provider client: runs the core's steps (`BatchClient`, `SubmissionRun`, `BatchFinder`,
 * `ResultsOpening` in the wasm module, each of which builds requests and reads answers without
 * waiting) with fetch (`http-exchange.ts`). The loops are here: a submission's steps, a cancel that
 * checks the status first, the pages of a search, the reads of results (`result-download.ts`).
 * Every call takes an optional `AbortSignal`.
 */
import { TERMINAL } from "./batch-status.js";
import { abortedError, exchange, type Fetch, type HttpAnswer } from "./http-exchange.js";
import { ResultDownload } from "./result-download.js";
import type { BatchStatusData } from "./types.js";
import type { BatchClient, BatchListPage, BatchSearch, ClientConfig, HttpExchangeRequest, ListOptions, PreparedBatch, SearchOutcome, SubmissionCheckpoint, SubmissionRun, Watermark } from "./wasm.js";
import { BatchClient as CoreClient } from "./wasm.js";

/** The arguments of the core's parsers: status, headers, body. */
function parts(answer: HttpAnswer): [number, string[], Uint8Array] {
  return [answer.status, answer.headers, answer.body];
}

export class ProviderClient {
  private readonly core: BatchClient;

  /** `provider` is a provider name; `fetch` sends every request. */
  constructor(
    provider: string,
    config: ClientConfig,
    private readonly fetch: Fetch,
  ) {
    this.core = new CoreClient(provider, config);
  }

  private send(request: HttpExchangeRequest, signal: AbortSignal | undefined): Promise<HttpAnswer> {
    return exchange(request, this.fetch, signal);
  }

  /** The batch id as the provider's statuses spell it (Gemini: `batches/{id}` for a bare id). */
  canonicalBatchId(batchId: string): string {
    return this.core.canonicalBatchId(batchId);
  }

  /** Submits a prepared batch (consumed) and resolves to its first status. */
  async submit(prepared: PreparedBatch, signal?: AbortSignal): Promise<BatchStatusData> {
    const run = new SubmissionSteps(this.core.startSubmission(prepared, undefined), this.fetch);
    try {
      for (;;) {
        const status = await run.step(signal);
        if (status !== undefined) return status;
      }
    } finally {
      run.free();
    }
  }

  async status(batchId: string, signal?: AbortSignal): Promise<BatchStatusData> {
    const answer = await this.send(this.core.statusRequest(batchId), signal);
    return this.core.parseStatus(batchId, ...parts(answer)) as BatchStatusData;
  }

  /**
   * Cancels a batch that is still running. Resolves to `{ cancelled, status }`: `cancelled` is
   * false when the batch had already ended.
   */
  async cancel(batchId: string, signal?: AbortSignal): Promise<{ cancelled: boolean; status: BatchStatusData }> {
    const status = await this.status(batchId, signal);
    if (TERMINAL.has(status.status)) return { cancelled: false, status };
    const answer = await this.send(this.core.cancelRequest(batchId), signal);
    try {
      return { cancelled: true, status: this.core.parseCancel(batchId, ...parts(answer)) as BatchStatusData };
    } catch (error) {
      // The batch may have ended between the two calls: then there was nothing to cancel.
      const now = await this.status(batchId, signal);
      if (TERMINAL.has(now.status)) return { cancelled: false, status: now };
      throw error;
    }
  }

  async list(options: ListOptions, signal?: AbortSignal): Promise<BatchListPage> {
    const answer = await this.send(this.core.listRequest(options), signal);
    return this.core.parseList(options, ...parts(answer));
  }

  /** Deletes a batch where the provider allows it (Anthropic, Gemini, Mistral). */
  async deleteBatch(batchId: string, signal?: AbortSignal): Promise<void> {
    const answer = await this.send(this.core.deleteRequest(batchId), signal);
    this.core.parseDelete(batchId, ...parts(answer));
  }

  /**
   * Opens the results of a finished batch as a stream (the arguments are `BatchClient.openResults`'s).
   * Rejects with `batch_not_complete` while the batch runs.
   */
  async openResults(
    batchId: string,
    idMap: unknown,
    requestIds: string[] | undefined,
    signal: AbortSignal | undefined,
    jsonAnswers: unknown,
    embeddingInputs: Record<string, number> | undefined,
    endpoint: unknown,
  ): Promise<ResultDownload> {
    const opening = this.core.openResults(batchId, idMap as never, requestIds, jsonAnswers as never, embeddingInputs, endpoint as never);
    try {
      let request: HttpExchangeRequest | undefined = opening.request();
      while (request !== undefined) request = opening.answer(...parts(await this.send(request, signal)));
    } catch (error) {
      opening.free();
      throw error;
    }
    return new ResultDownload(opening.stream(), this.fetch, signal);
  }

  /** Starts (or, from a checkpoint, resumes) submitting a prepared batch (consumed) step by step. */
  startSubmission(prepared: PreparedBatch, checkpoint: SubmissionCheckpoint): SubmissionSteps {
    return new SubmissionSteps(this.core.startSubmission(prepared, checkpoint), this.fetch);
  }

  /**
   * The newest batch in the provider's list, noted before a create call for providers that keep no
   * job tag (see `jobTagNeedsWatermark`).
   */
  async listWatermark(signal?: AbortSignal): Promise<Watermark> {
    const answer = await this.send(this.core.watermarkRequest(), signal);
    return this.core.parseWatermark(...parts(answer));
  }

  /** Looks through the provider's batch list, page by page, for the batch a job submission created. */
  async findBatch(search: BatchSearch, signal?: AbortSignal): Promise<SearchOutcome> {
    const finder = this.core.batchFinder(search);
    try {
      for (;;) {
        const outcome = finder.answer(...parts(await this.send(finder.request(), signal)));
        if (outcome !== undefined) return outcome;
      }
    } finally {
      finder.free();
    }
  }
}

/**
 * A submission sent one HTTP step per `step()` call. A failed step is started again from the
 * checkpoint by the next `step()`; so is one still in flight when `step()` is called again (its
 * answer, should it come, is discarded: it rejects with `aborted`).
 */
export class SubmissionSteps {
  /** Counts `step()` calls: an answer that arrives after a newer step began is not read. */
  private generation = 0;

  constructor(
    private readonly run: SubmissionRun,
    private readonly fetch: Fetch,
  ) {}

  /** What is done so far: keep it, and pass it to `startSubmission` to resume after a restart. */
  get checkpoint(): SubmissionCheckpoint {
    return this.run.checkpoint;
  }

  /** Whether the next `step()` sends the call that creates the batch. */
  nextStepCreates(): boolean {
    return this.run.nextStepCreates();
  }

  /** Sends the next step. Resolves to the batch's first status once it is created, to `undefined` while steps remain. */
  async step(signal?: AbortSignal): Promise<BatchStatusData | undefined> {
    const generation = ++this.generation;
    const answer = await exchange(this.run.request(), this.fetch, signal);
    if (this.generation !== generation) throw abortedError();
    return this.run.answer(...parts(answer)) as BatchStatusData | undefined;
  }

  free(): void {
    this.run.free();
  }
}
