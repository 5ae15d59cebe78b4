/**
 * Options checked for their JavaScript type where they are given, so that a mistake is a
 * `ValidationError` naming the option at once, not a `TypeError` or a retried `ConnectionError`
 * at the first call (found by a new-user trial: `fetch: "x"` failed later as a retryable
 * connection error, `storage: 5` as a raw `TypeError`). The options the core reads (`model`,
 * `route`, `dropUnsupported`…) are checked there, in the same words.
 */
import { ValidationError } from "./errors.js";

/** What an option must be: a JavaScript type, or a check with the words for what it expects. */
export type OptionShape = "string" | "function" | "boolean" | "object" | { expected: string; fits(value: unknown): boolean };

/** A count: a whole number ≥ 1 (`listBatches`' `limit`, `iterateBatches`' `pageSize`). */
export const count: OptionShape = { expected: "a whole number ≥ 1", fits: (value) => typeof value === "number" && Number.isInteger(value) && value >= 1 };

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
 * object at all are refused the same way, and missing ones when `required`.
 */
export function checkOptionShapes(options: unknown, shapes: Record<string, OptionShape>, name = "options", required = false): void {
  if (options === undefined && !required) return;
  if (options === undefined) throw new ValidationError(`${name}: is required`, { field: name });
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ValidationError(`${name}: must be an object, not ${described(options)}`, { field: name });
  }
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
