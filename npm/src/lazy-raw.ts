/**
 * A result's `raw` (the provider's body) as the wasm core hands it over: UTF-8 bytes beside the
 * result (`crates/wasm/src/result_tape.rs`). `raw` becomes an own, enumerable property whose getter
 * decodes and parses its bytes on first read and then stays a plain value, so a body nobody reads
 * is never decoded or parsed, while reading it, `JSON.stringify`, spreading and `structuredClone`
 * see the same value as an eagerly parsed one. Until it is read, a result keeps its chunk's bodies
 * alive (one download chunk).
 */

const utf8 = new TextDecoder();

/** The value of a body's UTF-8 bytes. */
export function parseRaw(bytes: Uint8Array): unknown {
  return JSON.parse(utf8.decode(bytes));
}

/**
 * Where an unread body is: its byte range in the chunk's bodies. A plain object is allocated
 * several times faster than a `subarray` view (which looks up the species constructor), and the
 * view is made only when the body is read.
 */
class RawSpan {
  constructor(
    readonly bodies: Uint8Array,
    readonly start: number,
    readonly end: number,
  ) {}

  parse(): unknown {
    return parseRaw(this.bodies.subarray(this.start, this.end));
  }
}

/**
 * Where a result keeps its unread body: a non-enumerable symbol property, so no key listing,
 * comparison or `JSON.stringify` sees it, while copies that take every own property with its
 * descriptor (`Object.getOwnPropertyDescriptors`) and objects that inherit from a result still
 * reach the bytes. (A private class field was 4–5 % faster to stamp, but a copy of the `raw`
 * getter onto another object could not reach it and read `undefined`.)
 */
const unreadRaw = Symbol("batch-router.unreadRaw");

type Holder = { [unreadRaw]?: RawSpan | undefined };

/**
 * `raw` of results frozen or sealed before it was read: the getter cannot become a data property
 * there, so it stays and answers from here (the same value on every read).
 */
const settledInPlace = new WeakMap<object, unknown>();

// One getter and one setter shared by every result: objects keep V8's fast, shared shapes.
function readRaw(this: Holder): unknown {
  if (settledInPlace.has(this)) return settledInPlace.get(this);
  const span = this[unreadRaw];
  const value: unknown = span === undefined ? undefined : span.parse();
  settle(this, value);
  return value;
}

function writeRaw(this: Holder, value: unknown): void {
  // As assigning to a frozen object's data property does in strict code.
  if (Object.isFrozen(this)) throw new TypeError("Cannot assign to read only property 'raw' of a frozen object");
  settle(this, value);
}

/** Replaces the getter with a plain data property and lets go of the bytes. */
function settle(holder: Holder, value: unknown): void {
  if (!Reflect.defineProperty(holder, "raw", { configurable: true, enumerable: true, writable: true, value })) {
    settledInPlace.set(holder, value);
  }
  // Only the holder's own bytes (an object inheriting from a result must not gain a key), and
  // not on a frozen result, whose bytes stay.
  if (Object.prototype.hasOwnProperty.call(holder, unreadRaw)) Reflect.set(holder, unreadRaw, undefined);
}

// A new property is not enumerable unless the descriptor says so: three fields are read instead
// of four (each `defineProperty` reads every field of its descriptor).
const hidden = { value: undefined as RawSpan | undefined, writable: true, configurable: true };
const lazy = { configurable: true, enumerable: true, get: readRaw, set: writeRaw };

/**
 * Adds `holder.raw` (its next property, so the key order is the core's) as a getter over the
 * bytes `bodies[start..end]`; reading parses once and leaves a plain data property, and assigning
 * replaces it. On a result frozen or sealed before `raw` is read, `raw` stays a getter that gives
 * one parsed value.
 */
export function defineLazyRaw(holder: object, bodies: Uint8Array, start: number, end: number): void {
  hidden.value = new RawSpan(bodies, start, end);
  Object.defineProperty(holder, unreadRaw, hidden);
  hidden.value = undefined;
  Object.defineProperty(holder, "raw", lazy);
}
