/**
 * Options checked for their JavaScript type where they are given, so that a mistake is a
 * `ValidationError` naming the option at once, not a `TypeError` or a retried `ConnectionError`
 * at the first call (found by a new-user trial: `fetch: "x"` failed later as a retryable
 * connection error, `storage: 5` as a raw `TypeError`). The options the core reads (`model`,
 * `route`, `dropUnsupported`…) are checked there, in the same words.
 */
import { ValidationError } from "./errors.js";
import type { UnifiedBatchMetadata } from "./types.js";

/** What an option must be: a JavaScript type, or a check with the words for what it expects. */
export type OptionShape = "string" | "function" | "boolean" | "object" | { expected: string; fits(value: unknown): boolean };

/** A count: a whole number ≥ 1 (`listBatches`' `limit`, `iterateBatches`' `pageSize`). */
/** A whole number of 0 or more (a count of tokens, milliseconds): never NaN, Infinity or a fraction. */
export const wholeNumber: OptionShape = { expected: "a whole number ≥ 0", fits: (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0 };

/** The token estimate's options (`TokenEstimateOptions`), checked where they are given. */
export const tokenEstimateShapes = { countTokens: "function", mediaTokens: wholeNumber, defaultMaxOutputTokens: wholeNumber } as const;

export const count: OptionShape = { expected: "a whole number ≥ 1", fits: (value) => typeof value === "number" && Number.isInteger(value) && value >= 1 };

/** One string or several (a webhook secret during a rotation, a JWT's audiences). */
export const stringOrStrings: OptionShape = {
  expected: "a string or an array of strings",
  fits: (value) => typeof value === "string" || (Array.isArray(value) && value.every((entry) => typeof entry === "string")),
};

/** A number of milliseconds or hours: finite and not negative. */
export const duration: OptionShape = { expected: "a number ≥ 0", fits: (value) => typeof value === "number" && Number.isFinite(value) && value >= 0 };

/**
 * `value` as an error names it: `a string`, `the number 5`, `an array`, `null`. A string is not
 * quoted: one put in the wrong option may be a key, and keys never reach an error message.
 */
export function described(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return "a string";
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value === "number" ? "the number " : ""}${String(value)}`;
  return `${typeof value === "object" ? "an" : "a"} ${typeof value}`;
}

/**
 * Checks each given (not undefined) key of `options` against `shapes`; `name` prefixes the field
 * (`options`). Throws `ValidationError` with `field` = `options.<key>`. Options that are not an
 * object at all are refused the same way, and missing ones when `required`. With `known` (the
 * options type's keys, from {@link keysOf}), a key not in it is refused too (see
 * {@link checkKnownKeys}).
 */
export function checkOptionShapes(options: unknown, shapes: Record<string, OptionShape>, name = "options", required = false, known?: readonly string[]): void {
  if (options === undefined && !required) return;
  if (options === undefined) throw new ValidationError(`${name}: is required`, { field: name });
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ValidationError(`${name}: must be an object, not ${described(options)}`, { field: name });
  }
  if (known !== undefined) checkKnownKeys(options, known, name);
  for (const [key, shape] of Object.entries(shapes)) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const fits = typeof shape === "string" ? (shape === "object" ? typeof value === "object" && value !== null && !Array.isArray(value) : typeof value === shape) : shape.fits(value);
    if (!fits) {
      const expected = typeof shape === "string" ? (shape === "object" ? "an object" : `a ${shape}`) : shape.expected;
      throw new ValidationError(`${name}.${key}: must be ${expected}, not ${described(value)}`, { field: `${name}.${key}` });
    }
  }
}

/** A storage: `false`, or an object with the four methods of `BatchStorage`. */
export const storageShape: OptionShape = {
  expected: "false or a storage (an object with write, append, read and rename methods)",
  fits: (value) =>
    value === false ||
    (typeof value === "object" && value !== null && ["write", "append", "read", "rename"].every((method) => typeof (value as Record<string, unknown>)[method] === "function")),
};

/**
 * Every key of `T`, each once: the argument is an object literal `{ key: true, … }` typed
 * `Record<keyof T, true>`, so a key missing from it or not in `T` is a compile error and the list
 * cannot drift from the interface it checks.
 */
export function keysOf<T>(keys: { [K in keyof T]-?: true }): readonly string[] {
  return Object.keys(keys);
}

/**
 * Refuses a key of `value` that is not in `known`, at `<name>.<key>` (a new-user trial found
 * `maxCostUSD` for `maxCostUsd` silently ignored: the budget was off). The message suggests the
 * one known key that is close (the same but for case, `_` or `-`, or one or two letters off),
 * else lists the known keys. A key whose value is `undefined` counts as absent. `noun`: what a key is called in the message (`option`, `field`).
 */
export function checkKnownKeys(value: object, known: readonly string[], name: string, noun = "option"): void {
  for (const [key, given] of Object.entries(value)) {
    // A key set to undefined is absent, as in the shape checks (spread options carry such keys).
    if (known.includes(key) || given === undefined) continue;
    const near = nearestKey(key, known);
    const hint = near === undefined ? `known ${noun}s: ${known.join(", ")}` : `did you mean ${near}?`;
    throw new ValidationError(`${name}.${key}: unknown ${noun}; ${hint}`, { field: `${name}.${key}` });
  }
}

/** The one key of `known` close to `key`, if exactly one is closest. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const folded = (text: string) => text.toLowerCase().replace(/[_-]/g, "");
  const same = known.filter((candidate) => folded(candidate) === folded(key));
  if (same.length > 0) return same.length === 1 ? same[0] : undefined;
  const most = folded(key).length <= 4 ? 1 : 2;
  let nearest: string[] = [];
  let nearestDistance = most + 1;
  for (const candidate of known) {
    const distance = editDistance(folded(key), folded(candidate));
    if (distance > most) continue;
    if (distance < nearestDistance) [nearest, nearestDistance] = [[candidate], distance];
    else if (distance === nearestDistance) nearest.push(candidate);
  }
  return nearest.length === 1 ? nearest[0] : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(from: string, to: string): number {
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index);
  for (let row = 1; row <= from.length; row++) {
    const current = [row];
    for (let column = 1; column <= to.length; column++) {
      const substitution = previous[column - 1]! + (from[row - 1] === to[column - 1] ? 0 : 1);
      current.push(Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[to.length]!;
}

/** The keys of a batch (`UnifiedBatchMetadata`), as `estimateBatch`, `prepareBatch` and `sendBatch` take it. */
export const batchKeys = keysOf<UnifiedBatchMetadata>({ provider: true, requests: true, metadata: true, endpoint: true });

/** A batch object's keys (`endpont` for `endpoint` was once taken for a chat batch). */
export function checkBatchKeys(batch: UnifiedBatchMetadata): void {
  if (typeof batch === "object" && batch !== null) checkKnownKeys(batch, batchKeys, "batch", "field");
}
