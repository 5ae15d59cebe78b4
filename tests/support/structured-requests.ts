/** Requests with `responseFormat`, the same for every provider (only the model changes). */
import type { UnifiedRequest } from "batch-router";

/** A schema every provider takes: closed objects, every property required, null for optional. */
export const INVOICE_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    total: { type: "number", description: "The amount due" },
    currency: { type: "string", enum: ["EUR", "USD"] },
    note: { type: ["string", "null"] },
    lines: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        properties: { item: { type: "string" }, amount: { type: "number" } },
        required: ["item", "amount"],
      },
    },
  },
  required: ["total", "currency", "note", "lines"],
};

export function structuredOutputRequests(model: string): UnifiedRequest[] {
  const ask = [{ role: "user" as const, content: "Extract the invoice as JSON: 2 apples, 3 EUR." }];
  return [
    { customId: "schema-strict", model, messages: ask, responseFormat: { type: "json", schema: INVOICE_SCHEMA, name: "invoice", description: "An invoice", strict: true } },
    { customId: "schema-plain", model, systemPrompt: "You extract data.", messages: ask, responseFormat: { type: "json", schema: INVOICE_SCHEMA }, generationConfig: { maxTokens: 256 } },
  ];
}

/** JSON mode (no schema): every provider but Anthropic. */
export function jsonModeRequest(model: string): UnifiedRequest {
  return { customId: "json-mode", model, messages: [{ role: "user", content: "Reply with a JSON object {\"ok\": true}." }], responseFormat: { type: "json" } };
}
