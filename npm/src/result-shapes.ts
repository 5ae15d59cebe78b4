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
 * A field's value is read where the literal names it: a literal evaluates its values in source
 * order, which is the struct's field order.
 */
export const BUILDERS: readonly Builder[] = [
  // UnifiedResult
  (reader) => ({ customId: reader.value(), status: reader.value(), response: reader.value() }),
  (reader) => ({ customId: reader.value(), status: reader.value(), error: reader.value() }),
  // UnifiedResponse
  (reader) =>
    reader.withRaw({
      text: reader.value(),
      content: reader.value(),
      finishReason: reader.value(),
      rawFinishReason: reader.value(),
      usage: reader.value(),
      model: reader.value(),
      id: reader.value(),
    }),
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
  // OutputPart::Text
  (reader) => ({ type: reader.value(), text: reader.value() }),
  // ResultError
  (reader) => ({ code: reader.value(), message: reader.value(), retryable: reader.value() }),
  (reader) => ({ code: reader.value(), message: reader.value(), httpStatus: reader.value(), retryable: reader.value() }),
  (reader) => reader.withRaw({ code: reader.value(), message: reader.value(), httpStatus: reader.value(), retryable: reader.value() }),
];
