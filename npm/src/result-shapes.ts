/**
 * Object literals for the structs most results are made of, so that their objects are built with
 * V8's fast, fixed shapes (a literal's stores are monomorphic) instead of one keyed store per field
 * (megamorphic: 5–10 times slower per field), and without `eval` or `new Function`, which
 * Cloudflare Workers refuse. A builder is used only for a struct whose fields are exactly the
 * literal's keys in the literal's order (`result-tape.ts` compares them, and learns each literal's
 * keys by building it once), so a field added, renamed or moved in Rust makes the struct take the
 * general path, never a wrong object; every other struct takes the general path too.
 */

/** What a builder reads its fields with: the tape reader. */
export interface FieldReader {
  /** The next value of the tape. */
  value(): unknown;
  /** Reads the next value as `holder.raw` (lazily when it is a body), and returns `holder`. */
  withRaw<T extends object>(holder: T): T;
}

/** Builds one struct's object, reading its values in key order. */
export type Builder = (reader: FieldReader) => object;

/**
 * A response's object, as its literal would build it (same keys in the same order, a plain object
 * whose prototype is `Object.prototype`), made by a constructor so that V8 gives it room for the
 * two properties `withRaw` adds (`lazy-raw.ts`): a literal's object has exactly its own fields in
 * place, so each response had its property store grown and moved for them, while a constructor's
 * objects keep the room their first instances used. A Gemini decode runs 2.5 % fewer instructions.
 * The function is named `Object`, as debuggers and heap snapshots name an object after the
 * constructor V8 made it with.
 */
const { Object: ResponseObject } = {
  Object: function (
    this: Record<string, unknown>,
    text: unknown,
    content: unknown,
    finishReason: unknown,
    rawFinishReason: unknown,
    usage: unknown,
    model: unknown,
    id: unknown,
  ) {
    this.text = text;
    this.content = content;
    this.finishReason = finishReason;
    this.rawFinishReason = rawFinishReason;
    this.usage = usage;
    this.model = model;
    this.id = id;
  } as unknown as new (...fields: unknown[]) => object,
};
ResponseObject.prototype = Object.prototype;

/**
 * A field's value is read where the literal names it: a literal evaluates its values in source
 * order, which is the struct's field order.
 */
export const BUILDERS: readonly Builder[] = [
  // UnifiedResult
  (reader) => ({ customId: reader.value(), status: reader.value(), response: reader.value() }),
  (reader) => ({ customId: reader.value(), status: reader.value(), error: reader.value() }),
  // UnifiedResponse (arguments are evaluated in order too)
  (reader) =>
    reader.withRaw(new ResponseObject(reader.value(), reader.value(), reader.value(), reader.value(), reader.value(), reader.value(), reader.value())),
  // Usage
  (reader) => ({ inputTokens: reader.value(), outputTokens: reader.value(), totalTokens: reader.value() }),
  (reader) => ({ inputTokens: reader.value(), outputTokens: reader.value(), totalTokens: reader.value(), cacheReadTokens: reader.value() }),
  (reader) => ({
    inputTokens: reader.value(),
    outputTokens: reader.value(),
    totalTokens: reader.value(),
    cacheReadTokens: reader.value(),
    cacheWriteTokens: reader.value(),
  }),
  (reader) => ({
    inputTokens: reader.value(),
    outputTokens: reader.value(),
    totalTokens: reader.value(),
    cacheReadTokens: reader.value(),
    reasoningTokens: reader.value(),
  }),
  // Anthropic's usage with the writes split by lifetime (`cache_creation`).
  (reader) => ({
    inputTokens: reader.value(),
    outputTokens: reader.value(),
    totalTokens: reader.value(),
    cacheReadTokens: reader.value(),
    cacheWriteTokens: reader.value(),
    cacheWrite1hTokens: reader.value(),
  }),
  // OutputPart::Text
  (reader) => ({ type: reader.value(), text: reader.value() }),
  // ResultError
  (reader) => ({ code: reader.value(), message: reader.value(), retryable: reader.value() }),
  (reader) => ({ code: reader.value(), message: reader.value(), httpStatus: reader.value(), retryable: reader.value() }),
  (reader) => reader.withRaw({ code: reader.value(), message: reader.value(), httpStatus: reader.value(), retryable: reader.value() }),
];
