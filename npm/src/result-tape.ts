/**
 * Builds the unified results of a chunk from the tape the wasm core writes them to
 * (`crates/wasm/src/result_tape.rs`), instead of the core writing JSON and JavaScript parsing it
 * again: the tape's tags and operands say which value comes next, numbers come from `numbers`,
 * every string is a slice of the chunk's `strings` decoded once, and each `raw` body stays bytes
 * until it is read (`lazy-raw.ts`): bytes of the chunk's `raws`, or of the download's `read` they
 * were decoded from, which is not copied. A struct comes as its shape (its field names, known before
 * its values) and its values: the common ones are built by object literals (`result-shapes.ts`).
 * The objects are the ones `JSON.parse` of serde_json's text would give: same keys, same order,
 * same values.
 */
import { defineLazyRaw, parseRaw } from "./lazy-raw.js";
import { BUILDERS, type Builder, type FieldReader } from "./result-shapes.js";
import type { UnifiedResult } from "./types.js";

/** A chunk of results from the core's `ResultStream`. */
export interface ResultChunk {
  /** How many results the tape holds. */
  count: number;
  /** Every `raw` body not in `read`, as UTF-8; the tape gives byte offsets. */
  raws: Uint8Array;
  /** The download's read the chunk was decoded from, when bodies are ranges of it. */
  read?: Uint8Array;
  /** Field names first used in this chunk; the tape names fields by their index in the stream. */
  keys: string[];
  /** Struct shapes first used in this chunk: pairs of the parent shape and the added field's name index. */
  shapes: Uint32Array;
}

/**
 * The chunk's tape as `ResultStream.tapeViews()` shows it: views of the wasm module's memory,
 * valid only until the next call into the module, so they are read at once and not kept.
 */
export interface TapeViews {
  /** Tags and their operands (see `Tag` in `result_tape.rs`). */
  tape: Uint32Array;
  /** The numbers, in tape order. */
  numbers: Float64Array;
  /** Every string, as UTF-8, in segments; the tape gives UTF-16 offsets into a segment's decoded text. */
  strings: Uint8Array;
  /** Pairs: the index of a segment's first result, and the segment's byte start in `strings`. */
  segments: Uint32Array;
}

// The tags of `result_tape.rs`.
const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const NUMBER = 3;
const STRING = 4;
const ARRAY = 5;
const OBJECT = 6;
const END = 7;
const KEY = 8;
const KEY_STRING = 9;
const RAW = 10;
const STRUCT = 11;
const NAME = 12;
const READ_RAW = 13;

/** A struct's field names, and the literal that builds its objects if it has one. */
interface Shape {
  readonly keys: readonly string[];
  readonly build: Builder | undefined;
}

// `ignoreBOM` keeps a leading U+FEFF of the first string, which the offsets count.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Reads the chunks of one result stream (field names and shapes are sent once per stream). */
export class ResultTapeReader implements FieldReader {
  private readonly keys: string[] = [];
  /** Shape 0 is the struct without fields; the stream sends the others. */
  private readonly shapes: Shape[] = [{ keys: [], build: undefined }];
  private tape: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private numbers: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private text = "";
  private raws: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private read: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private at = 0;
  private numberAt = 0;

  /**
   * The chunk's results, each `raw` parsed only when it is read. `views` must be taken right
   * before (nothing may call into the wasm module in between); they are not kept.
   */
  results(chunk: ResultChunk, views: TapeViews): UnifiedResult[] {
    for (const key of chunk.keys) this.keys.push(key);
    const shapes = chunk.shapes;
    for (let pair = 0; pair < shapes.length; pair += 2) {
      const keys = [...this.shapes[shapes[pair]!]!.keys, this.keys[shapes[pair + 1]!]!];
      this.shapes.push({ keys, build: builders().get(JSON.stringify(keys)) });
    }
    this.tape = views.tape;
    this.numbers = views.numbers;
    this.raws = chunk.raws;
    this.read = chunk.read ?? new Uint8Array(0);
    this.at = 0;
    this.numberAt = 0;
    const { strings, segments } = views;
    let segment = 0;
    const results = new Array<UnifiedResult>(chunk.count);
    for (let index = 0; index < chunk.count; index++) {
      // Small segments: the text their strings are slices of is freed with their results.
      if (segments[segment] === index) {
        const end = segment + 3 < segments.length ? segments[segment + 3] : strings.length;
        this.text = utf8.decode(strings.subarray(segments[segment + 1], end));
        segment += 2;
      }
      results[index] = this.value() as UnifiedResult;
    }
    // Let go of the chunk: results keep only their own slices and bodies.
    this.tape = new Uint32Array(0);
    this.numbers = new Float64Array(0);
    this.raws = new Uint8Array(0);
    this.read = new Uint8Array(0);
    this.text = "";
    return results;
  }

  /** The next value of the tape. */
  value(): unknown {
    const tape = this.tape;
    const tag = tape[this.at++];
    switch (tag) {
      case STRING: {
        const value = this.text.slice(tape[this.at], tape[this.at + 1]);
        this.at += 2;
        return value;
      }
      case NUMBER:
        return this.numbers[this.numberAt++];
      case STRUCT: {
        const shape = this.shapes[tape[this.at++]!]!;
        return shape.build === undefined ? this.struct(shape.keys) : shape.build(this);
      }
      case NAME:
        return this.keys[tape[this.at++]!];
      case OBJECT:
        return this.object();
      case ARRAY: {
        const array: unknown[] = [];
        while (tape[this.at] !== END) array.push(this.value());
        this.at++;
        return array;
      }
      case NULL:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case RAW:
      case READ_RAW: {
        // A body that is not an object's property: nothing to be lazy on.
        const value = parseRaw((tag === RAW ? this.raws : this.read).subarray(tape[this.at], tape[this.at + 1]));
        this.at += 2;
        return value;
      }
      default:
        throw new Error(`batch-router: unknown result tape tag ${String(tag)}`);
    }
  }

  /** Reads the next value as `holder.raw`: a body stays bytes until it is read. */
  withRaw<T extends object>(holder: T): T {
    const tape = this.tape;
    const tag = tape[this.at];
    if (tag === RAW || tag === READ_RAW) {
      defineLazyRaw(holder, tag === RAW ? this.raws : this.read, tape[this.at + 1]!, tape[this.at + 2]!);
      this.at += 3;
    } else {
      (holder as Record<string, unknown>).raw = this.value();
    }
    return holder;
  }

  /** A struct without a builder: its keys come from its shape. */
  private struct(keys: readonly string[]): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    for (const key of keys) {
      if (key === "raw" && (this.tape[this.at] === RAW || this.tape[this.at] === READ_RAW)) {
        this.withRaw(object);
      } else if (key === "__proto__") {
        // As JSON.parse makes it: an own property, not the prototype.
        Object.defineProperty(object, key, { configurable: true, enumerable: true, writable: true, value: this.value() });
      } else {
        object[key] = this.value();
      }
    }
    return object;
  }

  /** Each builder by the keys of the object it builds, learnt by building one from a tape of nulls. */
  static builders(): Map<string, Builder> {
    const table = new Map<string, Builder>();
    const reader = new ResultTapeReader();
    reader.tape = new Uint32Array(64).fill(NULL);
    for (const build of BUILDERS) {
      reader.at = 0;
      table.set(JSON.stringify(Object.keys(build(reader))), build);
    }
    reader.tape = new Uint32Array(0);
    return table;
  }

  private object(): Record<string, unknown> {
    const tape = this.tape;
    const keys = this.keys;
    const object: Record<string, unknown> = {};
    // The position stays local while the value is a string, a number or a body (most are); it is
    // handed back to `value` for the others.
    let at = this.at;
    for (;;) {
      const tag = tape[at++];
      if (tag === END) {
        this.at = at;
        return object;
      }
      let key: string;
      if (tag === KEY) {
        key = keys[tape[at++]!]!;
      } else if (tag === KEY_STRING) {
        key = this.text.slice(tape[at], tape[at + 1]);
        at += 2;
      } else {
        throw new Error(`batch-router: unknown result tape tag ${String(tag)}`);
      }
      const valueTag = tape[at];
      let value: unknown;
      if (valueTag === STRING) {
        value = this.text.slice(tape[at + 1], tape[at + 2]);
        at += 3;
      } else if (valueTag === NUMBER) {
        value = this.numbers[this.numberAt++];
        at++;
      } else if ((valueTag === RAW || valueTag === READ_RAW) && key === "raw") {
        defineLazyRaw(object, valueTag === RAW ? this.raws : this.read, tape[at + 1]!, tape[at + 2]!);
        at += 3;
        continue;
      } else {
        this.at = at;
        value = this.value();
        at = this.at;
      }
      if (key === "__proto__") {
        // As JSON.parse makes it: an own property, not the prototype.
        Object.defineProperty(object, key, { configurable: true, enumerable: true, writable: true, value });
      } else {
        object[key] = value;
      }
    }
  }
}

let builderTable: Map<string, Builder> | undefined;

function builders(): Map<string, Builder> {
  builderTable ??= ResultTapeReader.builders();
  return builderTable;
}
