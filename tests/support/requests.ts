/** Unified requests used across suites: varied enough to exercise every conversion rule. */
import type { UnifiedRequest } from "batch-router";

const PNG_PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PDF_BYTES = "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK";

export function textRequest(customId: string, text: string, model = "gpt-4o-mini"): UnifiedRequest {
  return { customId, model, messages: [{ role: "user", content: text }] };
}

/** Requests that every provider can take (no topK, no penalties, no file URIs). */
export function portableRequests(model = "gpt-4o-mini"): UnifiedRequest[] {
  return [
    {
      customId: "plain",
      model,
      messages: [{ role: "user", content: "What is the capital of France?" }],
    },
    {
      customId: "with-system-and-config",
      model,
      systemPrompt: "You answer in one sentence.",
      messages: [
        { role: "user", content: "Name a prime number." },
        { role: "assistant", content: "Seven." },
        { role: "user", content: [{ type: "text", text: "Another one?" }] },
      ],
      generationConfig: { maxTokens: 64, temperature: 0.3, topP: 0.9, stopSequences: ["\n\n"] },
    },
    {
      customId: "system-list",
      model,
      systemPrompt: ["You are terse.", "You never apologise."],
      messages: [{ role: "user", content: "Say hello." }],
    },
    {
      customId: "image-base64",
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What colour is this pixel?" },
            { type: "image", sourceType: "base64", mediaType: "image/png", data: PNG_PIXEL },
          ],
        },
      ],
    },
  ];
}

/** Requests using OpenAI's full range: URLs, PDFs, penalties, provider kwargs. */
export function openAIRequests(model = "gpt-4o-mini"): UnifiedRequest[] {
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
      customId: "pdf",
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "document", sourceType: "base64", mediaType: "application/pdf", data: PDF_BYTES, filename: "tiny.pdf" },
            { type: "text", text: "Summarise the document." },
          ],
        },
      ],
      generationConfig: { presencePenalty: 0.5, frequencyPenalty: -0.5, maxTokens: 200 },
    },
    {
      customId: "structured",
      model,
      messages: [{ role: "user", content: "Give me a JSON object with a field answer." }],
      providerKwargs: {
        response_format: {
          type: "json_schema",
          json_schema: { name: "answer", strict: true, schema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false } },
        },
        seed: 7,
      },
    },
    {
      customId: "tools",
      model,
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      providerKwargs: {
        tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }],
        tool_choice: "auto",
      },
    },
  ];
}
