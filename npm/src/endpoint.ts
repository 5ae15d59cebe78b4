/**
 * The batch's endpoint, checked where a caller's value enters the package (the core would refuse
 * an unknown one with a deserialisation message that names no field).
 */
import { ValidationError } from "./errors.js";
import { described } from "./option-shapes.js";
import type { Endpoint } from "./types.js";

/** Every endpoint a batch may call: `chat` (the default), `responses` and `embeddings`. */
export const ENDPOINTS: readonly Endpoint[] = ["chat", "responses", "embeddings"];

/**
 * `endpoint` when it is one of {@link ENDPOINTS} (or absent).
 *
 * @param field where the value was given: `endpoint` (a batch's), `options.endpoint` (`dryRun`'s).
 * @throws {ValidationError} at `field`, for any other value.
 */
export function checkedEndpoint(endpoint: unknown, field = "endpoint"): Endpoint | undefined {
  if (endpoint === undefined || endpoint === null) return undefined;
  const known = ENDPOINTS.find((name) => name === endpoint);
  if (known === undefined) {
    const message =
      typeof endpoint === "string"
        ? `unknown endpoint "${endpoint}"; expected one of ${ENDPOINTS.join(", ")}`
        : `must be one of ${ENDPOINTS.join(", ")}, not ${described(endpoint)}`;
    throw new ValidationError(`${field}: ${message}`, { field });
  }
  return known;
}
