/**
 * Caller prices checked where they enter (`estimateBatch`, `estimateRequests`, `BatchRouter`, the
 * CLI's `--prices` file), before the core prices anything with them. A new-user trial found
 * negative prices and `batchDiscount: 50` (meant as 50 %) accepted: estimates came out negative and
 * a `maxCostUsd` / `--max-cost` budget let the batch through.
 */
import { ValidationError } from "./errors.js";
import { checkKnownKeys, described, keysOf } from "./option-shapes.js";
import type { ModelPrice } from "./wasm.js";

/** The fields of a model's price. */
export const modelPriceKeys = keysOf<ModelPrice>({ input: true, output: true, cachedInput: true, cacheWrite: true, batchDiscount: true });

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Refuses a price table that is not `{ model: { input, output, … } }` with every price a finite
 * number ≥ 0 (US dollars per million tokens) and `batchDiscount` a share from 0 to 1. `name` is
 * the table's field (`options.prices`, `prices` for a file): a `ValidationError` names
 * `<name>.<model>.<field>`.
 */
export function checkPrices(prices: unknown, name: string): void {
  if (prices === undefined) return;
  if (!isPlainObject(prices)) throw new ValidationError(`${name}: must be an object of prices by model name, not ${described(prices)}`, { field: name });
  for (const [model, price] of Object.entries(prices)) {
    const at = `${name}.${model}`;
    if (!isPlainObject(price)) {
      throw new ValidationError(`${at}: must be an object with the model's input and output prices, not ${described(price)}`, { field: at });
    }
    checkKnownKeys(price, modelPriceKeys, at, "field");
    for (const key of ["input", "output", "cachedInput", "cacheWrite"] as const) {
      const value = price[key];
      if (value === undefined && (key === "input" || key === "output")) {
        throw new ValidationError(`${at}.${key}: is required (US dollars per million tokens)`, { field: `${at}.${key}` });
      }
      if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
        throw new ValidationError(`${at}.${key}: must be a number ≥ 0 (US dollars per million tokens), not ${described(value)}`, { field: `${at}.${key}` });
      }
    }
    const discount = price.batchDiscount;
    if (discount !== undefined && !(typeof discount === "number" && discount >= 0 && discount <= 1)) {
      throw new ValidationError(`${at}.batchDiscount: must be a number from 0 to 1, not ${described(discount)} (a share: 0.5 is 50 %)`, { field: `${at}.batchDiscount` });
    }
  }
}
