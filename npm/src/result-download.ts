/**
 * A batch's results, read: the wasm `ResultStream` decodes, this sends the requests it names and
 * feeds it the answers. A result file is downloaded and its body handed over read by read (the
 * stream decodes each read piece by piece, so no file sits in memory whole); a paged source (xAI)
 * is fetched page by page; an inline one (Gemini) needs nothing. Every wait ends when the signal
 * aborts (`http-exchange.ts`).
 */
import { cancelReader, exchange, readAnswer, readChunk, send, type Fetch } from "./http-exchange.js";
import type { ResultChunk, TapeViews } from "./result-tape.js";
import type { ResultStream } from "./wasm.js";

/** A chunk of decoded results, with what the transparency files keep when asked. */
export interface DownloadChunk extends ResultChunk {
  /** The index of the result file. */
  source: number;
  /** The provider bytes the results came from (with `keepFiles(true)`). */
  raw?: Uint8Array;
  /** The results' whole JSONL (with `keepFiles(true)`). */
  resultsText?: string;
}

export class ResultDownload {
  /** The reader of the download under way. */
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;

  constructor(
    private readonly stream: ResultStream,
    private readonly fetch: Fetch,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** 1 when the batch expired, 2 when it was cancelled (requests of it may have no line), else 0. */
  get endedEarly(): number {
    return this.stream.endedEarly;
  }

  /** Whether chunks carry the provider bytes and the results' whole JSONL; off by default. */
  keepFiles(keep: boolean): void {
    this.stream.keepFiles(keep);
  }

  /** The next chunk with results or without, `null` at the end. */
  async next(): Promise<DownloadChunk | null> {
    for (;;) {
      const chunk = this.stream.decode();
      if (chunk !== undefined) return chunk;
      const reader = this.#reader;
      if (reader !== undefined) {
        const { value, done } = await readChunk(reader, this.signal);
        if (done) this.#reader = undefined;
        this.stream.push(value, done);
        continue;
      }
      const request = this.stream.request();
      if (request === undefined) throw new Error("the result stream asked for a read but named no request");
      if (!this.stream.downloads) {
        const answer = await exchange(request, this.fetch, this.signal);
        this.stream.answerPage(answer.status, answer.headers, answer.body);
        continue;
      }
      const response = await send(request, this.fetch, this.signal);
      if (!response.ok) {
        const answer = await readAnswer(response, this.signal);
        throw this.stream.refuse(answer.status, answer.headers, answer.body);
      }
      if (response.body === null) this.stream.push(undefined, true);
      else this.#reader = response.body.getReader();
    }
  }

  /**
   * The last chunk's tape as views of the module's memory, valid only until the next call into
   * the module: read at once.
   */
  tapeViews(): TapeViews {
    return this.stream.tapeViews();
  }

  /** Stops reading and releases the download. */
  cancel(): void {
    if (this.#reader !== undefined) cancelReader(this.#reader);
    this.#reader = undefined;
    this.stream.cancel();
  }

  free(): void {
    this.stream.free();
  }
}
