/**
 * Results as the wasm core hands them over: the unified results as one JSON array without their
 * provider bodies, and the bodies (`raw`) as UTF-8 bytes beside them (`crates/wasm/src/result_handover.rs`).
 * Each `raw` becomes an own, enumerable property whose getter decodes and parses its bytes on first
 * read and then stays a plain value, so a body nobody reads is never decoded or parsed, while
 * reading it, `JSON.stringify`, spreading and `structuredClone` see the same value as an eagerly
 * parsed one. Until it is read, a result keeps its chunk's bodies alive (one download chunk).
 */
import type { OutputPart, UnifiedResult } from "./types.js";

const utf8 = new TextDecoder();

/** The length the core gives for a result without a `raw` in that place. */
const NO_RAW = 0xffff_ffff;

/** A chunk of results from the core's `ResultStream`. */
export interface ResultChunk {
  /** A JSON array of the results, each `raw` written as the placeholder `0`. */
  results: string;
  /** Every `raw` of the chunk as UTF-8, one after the other. */
  raws: Uint8Array;
  /** Two per result: the byte length of `response.raw`, then of `error.raw`. */
  rawLengths: Uint32Array;
  /** One per result: 1 when its `response.text` crossed as `""` and is its text parts joined. */
  textFromContent: Uint8Array;
}

/** The chunk's results, each `raw` parsed only when it is read. */
export function resultsOfChunk(chunk: ResultChunk): UnifiedResult[] {
  // One JSON.parse of the whole chunk is faster than one per line.
  const results = JSON.parse(chunk.results) as UnifiedResult[];
  const { raws, rawLengths, textFromContent } = chunk;
  let cursor = 0;
  for (let index = 0; index < results.length; index++) {
    const result = results[index]!;
    if (textFromContent[index] === 1 && result.response !== undefined) {
      result.response.text = joinedText(result.response.content);
    }
    const responseLength = rawLengths[2 * index]!;
    if (responseLength !== NO_RAW) {
      if (result.response !== undefined) defineLazyRaw(result.response, raws.subarray(cursor, cursor + responseLength));
      cursor += responseLength;
    }
    const errorLength = rawLengths[2 * index + 1]!;
    if (errorLength !== NO_RAW) {
      if (result.error !== undefined) defineLazyRaw(result.error, raws.subarray(cursor, cursor + errorLength));
      cursor += errorLength;
    }
  }
  return results;
}

/** The texts of the text parts, joined: what the core's `text` is when it crossed as `""`. */
function joinedText(content: readonly OutputPart[]): string {
  let text = "";
  for (const part of content) if (part.type === "text") text += part.text;
  return text;
}

/** Where a result keeps its unread body (not enumerable, so no copy or comparison sees it). */
const unreadRaw = Symbol("batch-router.unreadRaw");

type Holder = { [unreadRaw]?: Uint8Array | undefined };

// One getter and one setter shared by every result: objects keep V8's fast, shared shapes.
function readRaw(this: Holder): unknown {
  const bytes = this[unreadRaw];
  const value: unknown = bytes === undefined ? undefined : JSON.parse(utf8.decode(bytes));
  settle(this, value);
  return value;
}

function writeRaw(this: Holder, value: unknown): void {
  settle(this, value);
}

/**
 * Replaces `holder.raw` (the placeholder, the holder's last property) by a getter over `bytes`.
 * Deleting the last property and adding it back keeps the key order and the object's fast shape;
 * reading parses once and leaves a plain data property, and assigning replaces it.
 */
function defineLazyRaw(holder: Holder & { raw?: unknown }, bytes: Uint8Array): void {
  delete holder.raw;
  Object.defineProperty(holder, unreadRaw, { configurable: true, enumerable: false, writable: true, value: bytes });
  Object.defineProperty(holder, "raw", { configurable: true, enumerable: true, get: readRaw, set: writeRaw });
}

function settle(holder: Holder, value: unknown): void {
  holder[unreadRaw] = undefined;
  Object.defineProperty(holder, "raw", { configurable: true, enumerable: true, writable: true, value });
}
