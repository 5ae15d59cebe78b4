/**
 * Secrets taken out of a body read in chunks (a results download): a byte search per chunk; a
 * chunk that ends with the start of a secret (at most `longest secret - 1` bytes) has that end held
 * back until the next chunk, so that a secret cut in two by a chunk boundary is still found. Every
 * occurrence becomes `[redacted]`; a body without any is passed on with only the search's cost: one
 * native search per chunk for a short window of the secret that begins with its rarest byte.
 */

import { concatBytes } from "./bytes.js";

const encoder = new TextEncoder();

/**
 * Printable ASCII from the most to the least frequent in result files (JSON syntax, the providers'
 * field names, English answers), as counted in the providers' result fixtures and the bench's
 * output files. A byte not listed (most capitals, rare punctuation, a control or non-ASCII byte)
 * is rarer still.
 */
const FREQUENT_FIRST = ' e"taoinsr:hldcu,m0p1f2g_y-bw.{}v34k5q6789x\nT/\\[]SICANERO\'jMDPLBHFGUWzKVYJXQZ';

/** Each byte's rarity in result files: its place in `FREQUENT_FIRST`, 255 when not listed. */
const RARITY = new Uint8Array(256).fill(255);
for (let index = 0; index < FREQUENT_FIRST.length; index++) RARITY[FREQUENT_FIRST.charCodeAt(index)] = index;

/**
 * The longest window searched for natively: Node's `Buffer.indexOf` finds a pattern of under 8
 * bytes with `memchr` on its first byte (tens of GB/s when that byte is rare) and a longer one with
 * a Boyer-Moore-Horspool search whose skips are bounded by the pattern's length (about 2 GB/s for a
 * 9-byte key, measured): a short window that begins with a rare byte is the faster search.
 */
const WINDOW = 7;
/** A window starts at least this far from the secret's end, so that it is rarely found by chance. */
const SHORTEST_WINDOW = 4;

/**
 * A secret's UTF-8 bytes, and where its search begins: `anchor`, the offset of its rarest byte in
 * result files (the earliest of equals, among those a window of `SHORTEST_WINDOW` bytes can start
 * at), and `window`, up to `WINDOW` bytes from there.
 */
interface Needle {
  bytes: Uint8Array;
  anchor: number;
  window: Uint8Array;
}

function needleOf(secret: string): Needle {
  const bytes = encoder.encode(secret);
  let anchor = 0;
  for (let index = 1; index <= bytes.length - SHORTEST_WINDOW; index++) if (RARITY[bytes[index]!]! > RARITY[bytes[anchor]!]!) anchor = index;
  return { bytes, anchor, window: bytes.subarray(anchor, anchor + WINDOW) };
}

/** What the search needs of Node's and Bun's `Buffer`: a view of the same bytes whose `indexOf` takes a byte pattern. */
interface NativeBuffer {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { indexOf(value: Uint8Array, byteOffset: number): number };
}

/**
 * The runtime's `Buffer` where its `indexOf` is native code (Node, Bun, workerd's Node
 * compatibility); `undefined` elsewhere: in workerd without it, and in Deno, whose `Buffer.indexOf`
 * is a script (0.4 GB/s measured, against 2 GB/s for `Uint8Array.indexOf` on one byte).
 */
function nativeBuffer(): NativeBuffer | undefined {
  const globals = globalThis as { Buffer?: NativeBuffer; Deno?: unknown };
  return globals.Deno === undefined ? globals.Buffer : undefined;
}

/**
 * Where `needle` starts in `haystack` at `from` or later, or -1: the window found by the native
 * search where there is one, otherwise the anchor byte by `Uint8Array.indexOf`, then the whole
 * secret compared there.
 */
function indexOfBytes(haystack: Uint8Array, { bytes, anchor, window }: Needle, from: number, native: NativeBuffer | undefined): number {
  const last = haystack.length - bytes.length;
  if (from > last) return -1;
  const view = native?.from(haystack.buffer, haystack.byteOffset, haystack.length);
  const key = bytes[anchor]!;
  const next = (position: number): number => (view === undefined ? haystack.indexOf(key, position) : view.indexOf(window, position));
  for (let at = next(from + anchor); at !== -1 && at - anchor <= last; at = next(at + 1)) {
    const start = at - anchor;
    let matched = 0;
    while (matched < bytes.length && haystack[start + matched] === bytes[matched]) matched++;
    if (matched === bytes.length) return start;
  }
  return -1;
}

const REPLACEMENT = encoder.encode("[redacted]");
const EMPTY = new Uint8Array(0);

/**
 * Redacts a stream of chunks: `chunk()` for each chunk read, `end()` once at the end; each returns
 * the bytes to pass on (a chunk without a secret is passed on as it is, less the bytes held back).
 */
export class ChunkRedactor {
  private readonly needles: Needle[];
  /** The runtime's native `Buffer` search, looked up when the redactor is made. */
  private readonly native = nativeBuffer();
  /** Bytes held back from the previous chunk: the start of a secret may lie among them. */
  private carry: Uint8Array = EMPTY;

  /** `secrets`: the strings to hide, longest first (a secret that contains another is replaced whole). */
  constructor(secrets: readonly string[]) {
    this.needles = secrets.map(needleOf);
  }

  chunk(chunk: Uint8Array): Uint8Array {
    if (chunk.length === 0) return EMPTY;
    let buffer = chunk;
    if (this.carry.length > 0) {
      buffer = new Uint8Array(this.carry.length + chunk.length);
      buffer.set(this.carry);
      buffer.set(chunk, this.carry.length);
    }
    return this.pass(buffer, false);
  }

  end(): Uint8Array {
    const rest = this.carry;
    this.carry = EMPTY;
    return rest.length === 0 ? EMPTY : this.pass(rest, true);
  }

  /**
   * `buffer` with its secrets replaced, less its last bytes when they are the start of a secret
   * that only the next chunk would complete, with any match reaching into them (kept for the next
   * call; nothing kept at the end).
   */
  private pass(buffer: Uint8Array, last: boolean): Uint8Array {
    const matches: [number, number][] = [];
    for (const needle of this.needles) {
      for (let start = indexOfBytes(buffer, needle, 0, this.native); start !== -1; start = indexOfBytes(buffer, needle, start + needle.bytes.length, this.native)) {
        const end = start + needle.bytes.length;
        // A longer secret found first keeps its place.
        if (!matches.some(([from, to]) => start < to && from < end)) matches.push([start, end]);
      }
    }
    matches.sort((left, right) => left[0] - right[0]);
    let keptFrom = buffer.length;
    if (!last) {
      keptFrom -= this.secretStartAtEnd(buffer);
      // A match that reaches into that end may lie inside a longer secret the next chunk completes
      // (Azure's key and token, one within the other): it is decided with the next chunk.
      while (matches.length > 0 && matches[matches.length - 1]![1] > keptFrom) keptFrom = Math.min(keptFrom, matches.pop()![0]);
    }
    this.carry = keptFrom === buffer.length ? EMPTY : buffer.slice(keptFrom);
    if (matches.length === 0) return keptFrom === buffer.length ? buffer : buffer.subarray(0, keptFrom);
    const parts: Uint8Array[] = [];
    let at = 0;
    for (const [start, end] of matches) {
      parts.push(buffer.subarray(at, start), REPLACEMENT);
      at = end;
    }
    parts.push(buffer.subarray(at, keptFrom));
    return concatBytes(parts);
  }

  /**
   * The length of the longest end of `buffer` that is the start of a secret: 0 for almost every
   * chunk (a line break ends most), so a chunk is passed on whole, not one read late.
   */
  private secretStartAtEnd(buffer: Uint8Array): number {
    let longest = 0;
    for (const { bytes } of this.needles) {
      for (let length = Math.min(bytes.length - 1, buffer.length); length > longest; length--) {
        const start = buffer.length - length;
        let matched = 0;
        while (matched < length && buffer[start + matched] === bytes[matched]) matched++;
        if (matched === length) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}

/**
 * `body` with every secret replaced, read as it is pulled (nothing read ahead), and cancelled with
 * it: breaking off a download still releases the connection.
 */
export function redactedBody(body: ReadableStream<Uint8Array>, secrets: readonly string[]): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const redactor = new ChunkRedactor(secrets);
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          // Cancelled while the read waited (an abort): the stream takes nothing more.
          if (cancelled) return;
          if (done) {
            const rest = redactor.end();
            if (rest.length > 0) controller.enqueue(rest);
            controller.close();
            return;
          }
          const passed = redactor.chunk(value);
          if (passed.length > 0) {
            controller.enqueue(passed);
            return;
          }
        }
      },
      cancel(reason) {
        cancelled = true;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
