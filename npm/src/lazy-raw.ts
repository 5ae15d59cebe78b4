/**
 * A result's `raw` (the provider's body) as the wasm core hands it over: UTF-8 bytes beside the
 * result (`crates/wasm/src/result_tape.rs`). `raw` becomes an own, enumerable property whose getter
 * decodes and parses its bytes on first read and then stays a plain value, so a body nobody reads
 * is never decoded or parsed, while reading it, `JSON.stringify`, spreading and `structuredClone`
 * see the same value as an eagerly parsed one. Until it is read, a result keeps its chunk's bodies
 * alive (one download chunk).
 */

const utf8 = new TextDecoder();

/** Where a result keeps its unread body (not enumerable, so no copy or comparison sees it). */
const unreadRaw = Symbol("batch-router.unreadRaw");

type Holder = { [unreadRaw]?: Uint8Array | undefined };

/** The value of a body's UTF-8 bytes. */
export function parseRaw(bytes: Uint8Array): unknown {
  return JSON.parse(utf8.decode(bytes));
}

// One getter and one setter shared by every result: objects keep V8's fast, shared shapes.
function readRaw(this: Holder): unknown {
  const bytes = this[unreadRaw];
  const value: unknown = bytes === undefined ? undefined : parseRaw(bytes);
  settle(this, value);
  return value;
}

function writeRaw(this: Holder, value: unknown): void {
  settle(this, value);
}

const hidden = { configurable: true, enumerable: false, writable: true, value: undefined as Uint8Array | undefined };
const lazy = { configurable: true, enumerable: true, get: readRaw, set: writeRaw };

/**
 * Adds `holder.raw` (its next property, so the key order is the core's) as a getter over `bytes`;
 * reading parses once and leaves a plain data property, and assigning replaces it.
 */
export function defineLazyRaw(holder: object, bytes: Uint8Array): void {
  hidden.value = bytes;
  Object.defineProperty(holder, unreadRaw, hidden);
  hidden.value = undefined;
  Object.defineProperty(holder, "raw", lazy);
}

function settle(holder: Holder, value: unknown): void {
  holder[unreadRaw] = undefined;
  Object.defineProperty(holder, "raw", { configurable: true, enumerable: true, writable: true, value });
}
