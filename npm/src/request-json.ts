/**
 * Requests given as JavaScript objects, turned into the JSON text the core reads, refusing what
 * `JSON.stringify` would silently change or throw on (new-user trial, items 7 and 17): `NaN` and
 * `±Infinity` become `null`, so the setting was dropped without a word (a `NaN` from
 * `parseFloat(process.env.X)` ran at the default temperature, an `Infinity` with no output limit);
 * a `BigInt` or a cycle threw a bare `TypeError` naming no field.
 *
 * Conversion speed is a measured target, so the text is still one `JSON.stringify` pass with no
 * replacer, and a request is walked for the number only when its text holds a `null` value
 * (`mayHoldNonFinite`): a non-finite number anywhere (a tool schema, a message, `providerKwargs`,
 * `metadata`) is found, and a request without `null` costs one search of its text. A `BigInt` or a
 * cycle anywhere is found by a walk over the request only once `JSON.stringify` has refused it.
 */
import { ValidationError } from "./errors.js";
import { described } from "./option-shapes.js";

/** The error of request `index` at `field`, named as the core names requests given as objects. */
function refusal(index: number, request: object, field: string, message: string): ValidationError {
  const customId = (request as { customId?: unknown }).customId;
  const named = typeof customId === "string" ? customId : undefined;
  const where = named === undefined ? `request ${index}` : `request ${index} (customId "${named}")`;
  return new ValidationError(`${where}: ${field === "" ? "" : `${field}: `}${message}`, { index, customId: named, field: field === "" ? undefined : field });
}

/** Why `value` cannot stand where a JSON number belongs, or `undefined` when it can (or is no number). */
function badNumber(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `must be a finite number, not ${String(value)}`;
  if (typeof value === "bigint") return `must be a number, not the BigInt ${String(value)}n (JSON has no BigInt)`;
  return undefined;
}

/** `path` and `key` joined as the core names fields (`providerKwargs.logit_bias.50256`). */
function below(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** The path (below `path`) of the first value that is no finite number, with why. */
function scanFree(value: unknown, path: string, depth = 0): [string, string] | undefined {
  const bad = badNumber(value);
  if (bad !== undefined) return [path, bad];
  // Deeper nesting is refused by the core in its own words; a cycle is found by `unserializable`.
  if (typeof value !== "object" || value === null || depth > 128) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = scanFree(value[index], `${path}[${index}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key in value) {
    const found = scanFree((value as Record<string, unknown>)[key], below(path, key), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A `null` value in JSON text: after `:`, `,` or `[`. */
const NULL_VALUE = /[:,[]null/;

/**
 * Whether JSON text written by `JSON.stringify` may hold a `null` it wrote for `NaN` or
 * `±Infinity`. Most requests have none, so the walk that names the field (`checkNumbers`) runs
 * only for the few that do, at any depth (tool schemas, messages, `providerKwargs`, `metadata`):
 * a native substring search of the text (1.6 ms for 6 MB), the pattern only when it finds "null".
 */
function mayHoldNonFinite(text: string): boolean {
  return text.includes("null") && NULL_VALUE.test(text);
}

/** Refuses a number `JSON.stringify` turned into `null`, anywhere in the request. */
function checkNumbers(request: object, index: number): void {
  const found = scanFree(request, "");
  if (found !== undefined) throw refusal(index, request, found[0], found[1]);
}

/**
 * Why `JSON.stringify` refused request `index`: the path of its first `BigInt` or cycle (a walk
 * done only after the refusal), or the runtime's words when neither is found (a `toJSON` that threw).
 */
function unserializable(request: unknown, index: number, error: unknown): unknown {
  if (typeof request !== "object" || request === null) return error;
  const open = new Set<object>();
  const walk = (value: unknown, path: string): [string, string] | undefined => {
    if (typeof value === "bigint") return [path, `must be a number, not the BigInt ${String(value)}n (JSON has no BigInt)`];
    if (typeof value !== "object" || value === null) return undefined;
    if (open.has(value)) return [path, "refers back to an object that contains it (a cycle), which JSON cannot hold"];
    open.add(value);
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, position) => [`${path}[${position}]`, item]) : Object.entries(value).map(([key, item]) => [path === "" ? key : `${path}.${key}`, item]);
    for (const [below, item] of entries) {
      const found = walk(item, below);
      if (found !== undefined) return found;
    }
    open.delete(value);
    return undefined;
  };
  const found = walk(request, "");
  if (found !== undefined) return refusal(index, request, found[0], found[1]);
  return refusal(index, request, "", `cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}`);
}

/** One request as a line of JSON (without its line break), its numbers checked. */
export function requestJson(request: unknown, index: number): string {
  let text: string;
  try {
    text = JSON.stringify(request);
  } catch (error) {
    throw unserializable(request, index, error);
  }
  if (typeof request === "object" && request !== null && mayHoldNonFinite(text)) checkNumbers(request, index);
  return text;
}

/** Refuses `requests` unless it is an array (`field` names it: `requests`, `batch.requests`). */
export function checkRequestArray(requests: unknown, field = "requests"): asserts requests is unknown[] {
  if (!Array.isArray(requests)) {
    throw new ValidationError(`${field}: must be an array of unified requests, not ${described(requests)}`, { field });
  }
}

/** The requests as JSONL lines, each with its line break. */
export function requestLines(requests: unknown, field = "requests"): string[] {
  checkRequestArray(requests, field);
  const lines = new Array<string>(requests.length);
  for (let index = 0; index < requests.length; index++) lines[index] = requestJson(requests[index], index) + "\n";
  return lines;
}

/** The requests as JSONL text, one per line. */
export function requestsJsonl(requests: unknown, field = "requests"): string {
  checkRequestArray(requests, field);
  let text = "";
  for (let index = 0; index < requests.length; index++) text += requestJson(requests[index], index) + "\n";
  return text;
}

/**
 * The requests as one JSON array, in one `JSON.stringify` of the array when every request is a
 * plain object (the numbers checked after, when the text may hide one); otherwise line by line, so that each request's error
 * is the same as it would be alone.
 */
export function requestsArrayJson(requests: unknown, field = "requests"): string {
  checkRequestArray(requests, field);
  for (let index = 0; index < requests.length; index++) {
    const request = requests[index];
    if (typeof request !== "object" || request === null || typeof (request as { toJSON?: unknown }).toJSON === "function") {
      return "[" + requests.map((each, position) => requestJson(each, position)).join(",") + "]";
    }
  }
  if (requests.length === 0) return "[]";
  let text: string;
  try {
    text = JSON.stringify(requests);
  } catch {
    // Found again request by request, to name the one at fault.
    return "[" + requests.map((each, position) => requestJson(each, position)).join(",") + "]";
  }
  if (mayHoldNonFinite(text)) requests.forEach((request, index) => checkNumbers(request as object, index));
  return text;
}

/** Refuses JSONL text that is not a string (`field` names it: `unifiedJsonl`, `openaiJsonl`). */
export function checkJsonlText(text: unknown, field: string): asserts text is string {
  if (typeof text !== "string") {
    throw new ValidationError(`${field}: must be JSONL text (a string, one request per line), not ${described(text)}`, { field });
  }
}
