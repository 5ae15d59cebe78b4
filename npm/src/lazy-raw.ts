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

/** A base class whose constructor hands back the object it is given, so a subclass stamps its fields on that object. */
class Stamp {
  constructor(holder: object) {
    return holder as Stamp;
  }
}

/**
 * Keeps a result's unread body in a private field stamped on the result: invisible to every copy,
 * comparison and key listing, and added by an inline store instead of the runtime call
 * `Object.defineProperty` makes for a hidden symbol property (decode at 128 MB about 5% faster).
 */
class UnreadRaw extends Stamp {
  #bytes: Uint8Array | undefined;

  constructor(holder: object, bytes: Uint8Array) {
    super(holder);
    this.#bytes = bytes;
  }

  // One getter and one setter shared by every result: objects keep V8's fast, shared shapes.
  static read(this: object): unknown {
    const bytes = #bytes in this ? (this as UnreadRaw).#bytes : undefined;
    const value: unknown = bytes === undefined ? undefined : parseRaw(bytes);
    UnreadRaw.settle(this, value);
    return value;
  }

  static write(this: object, value: unknown): void {
    UnreadRaw.settle(this, value);
  }

  /** Replaces the getter with a plain data property and lets go of the bytes. */
  static settle(holder: object, value: unknown): void {
    if (#bytes in holder) (holder as UnreadRaw).#bytes = undefined;
    Object.defineProperty(holder, "raw", { configurable: true, enumerable: true, writable: true, value });
  }
}

const lazy = { configurable: true, enumerable: true, get: UnreadRaw.read, set: UnreadRaw.write };

/**
 * Adds `holder.raw` (its next property, so the key order is the core's) as a getter over `bytes`;
 * reading parses once and leaves a plain data property, and assigning replaces it.
 */
export function defineLazyRaw(holder: object, bytes: Uint8Array): void {
  new UnreadRaw(holder, bytes);
  Object.defineProperty(holder, "raw", lazy);
}
