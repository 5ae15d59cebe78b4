/**
 * Unified requests for Mistral suites: the portable set plus what Mistral adds (image and document
 * URLs, penalties, `response_format`, `tools`, `random_seed`), all within Mistral's ranges
 * (temperature up to 1.5, top_p above 0).
 */
import type { UnifiedRequest } from "batch-router";

import { portableRequests, textRequest } from "./requests.js";

export const MISTRAL_MODEL = "mistral-small-latest";

export function mistralText(customId: string, text: string, model = MISTRAL_MODEL): UnifiedRequest {
  return textRequest(customId, text, model);
}

/** Requests using the range of Mistral's chat completions body. */
export function mistralRequests(model = MISTRAL_MODEL): UnifiedRequest[] {
  return [
    ...portableRequests(model),
    {
      customId: "image-url",
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", sourceType: "url", data: "https://example.com/cat.jpg" },
            { type: "text", text: "Describe the cat." },
          ],
        },
      ],
    },
    {
      customId: "document-url",
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "document", sourceType: "url", data: "https://example.com/report.pdf", filename: "report.pdf" },
            { type: "text", text: "Summarise the document." },
          ],
        },
      ],
      generationConfig: { presencePenalty: 0.5, frequencyPenalty: -0.5, maxTokens: 200 },
    },
    {
      customId: "multi-turn-full-config",
      model,
      systemPrompt: "Réponds en français.",
      messages: [
        { role: "user", content: "Quel est le meilleur fromage ?" },
        { role: "assistant", content: "Le comté, sans doute." },
        { role: "user", content: "Et le meilleur vin ? Château, s'il vous plaît." },
      ],
      generationConfig: { maxTokens: 128, temperature: 1.2, topP: 0.95, stopSequences: ["FIN"], presencePenalty: 1.5, frequencyPenalty: 0.25 },
    },
    {
      customId: "structured",
      model,
      messages: [{ role: "user", content: "What's 1+1? Answer as JSON." }],
      generationConfig: { temperature: 0, maxTokens: 256 },
      providerKwargs: {
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "math",
            strict: true,
            schema: { type: "object", properties: { result: { type: "integer" } }, required: ["result"], additionalProperties: false },
          },
        },
        random_seed: 7,
      },
    },
    {
      customId: "tools",
      model,
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      providerKwargs: {
        tools: [
          {
            type: "function",
            function: {
              name: "get_weather",
              description: "Weather for a city",
              parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
            },
          },
        ],
        tool_choice: "any",
        parallel_tool_calls: false,
      },
    },
    {
      customId: "json-mode-seeded",
      model,
      messages: [{ role: "user", content: "List three colours as a JSON array." }],
      providerKwargs: { response_format: { type: "json_object" }, random_seed: 0 },
    },
  ];
}
