/** Unified requests for the Anthropic suites: everything Anthropic's request format can carry. */
import type { UnifiedRequest } from "batch-router";

import { portableRequests, textRequest } from "./requests.js";

export const ANTHROPIC_MODEL = "claude-sonnet-4-5";

const PNG_PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PDF_BYTES = "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK";

export function anthropicTextRequest(customId: string, text: string): UnifiedRequest {
  return textRequest(customId, text, ANTHROPIC_MODEL);
}

/** A varied set: system prompts, media by base64 and URL, multi-turn, every setting, provider kwargs. */
export function anthropicRequests(model = ANTHROPIC_MODEL): UnifiedRequest[] {
  return [
    // Claude 4.x refuses temperature together with topP (a model rule): the portable request keeps
    // temperature only here, and "every-setting" runs on Claude 3.7, which takes both.
    ...portableRequests(model).map((request) =>
      request.customId === "with-system-and-config" ? { ...request, generationConfig: { ...request.generationConfig, topP: undefined } } : request,
    ),
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
      customId: "pdf-base64",
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
      generationConfig: { maxTokens: 300 },
    },
    {
      customId: "pdf-url",
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "document", sourceType: "url", data: "https://example.com/report.pdf" },
            { type: "text", text: "What is the report about?" },
          ],
        },
      ],
      generationConfig: { maxTokens: 300 },
    },
    {
      customId: "multi-turn-with-media",
      model,
      systemPrompt: "You compare pictures.",
      messages: [
        { role: "user", content: [{ type: "image", sourceType: "base64", mediaType: "image/png", data: PNG_PIXEL }, { type: "text", text: "Remember this pixel." }] },
        { role: "assistant", content: [{ type: "text", text: "Noted: one pixel." }, { type: "image", sourceType: "base64", mediaType: "image/png", data: PNG_PIXEL }] },
        { role: "user", content: "Is it the same one as yours?" },
      ],
      generationConfig: { maxTokens: 50 },
    },
    {
      customId: "every-setting",
      model: "claude-3-7-sonnet-20250219",
      systemPrompt: ["Be precise.", "Answer in French."],
      messages: [{ role: "user", content: "Count to three." }],
      generationConfig: { maxTokens: 128, temperature: 1, topP: 0.95, topK: 40, stopSequences: ["END", "\n\nHuman:"] },
    },
    {
      customId: "thinking",
      model,
      messages: [{ role: "user", content: "Prove that there are infinitely many primes." }],
      generationConfig: { maxTokens: 8000 },
      providerKwargs: { thinking: { type: "enabled", budget_tokens: 2048 } },
    },
    {
      customId: "tools",
      model,
      messages: [{ role: "user", content: "What is the weather in Paris? USE_TOOL" }],
      generationConfig: { maxTokens: 512 },
      providerKwargs: {
        tools: [
          {
            name: "get_weather",
            description: "Weather for a city",
            input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        ],
        tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
      },
    },
    {
      customId: "metadata-and-tier",
      model,
      messages: [{ role: "user", content: "Hello." }],
      generationConfig: { maxTokens: 16, temperature: 0 },
      providerKwargs: { metadata: { user_id: "13803d75-b4b5-4c3e-b2a2-6f21399b021b" }, service_tier: "standard_only" },
    },
    {
      customId: "max-tokens-in-kwargs",
      model,
      messages: [{ role: "user", content: "Short answer please." }],
      providerKwargs: { max_tokens: 64 },
    },
  ];
}

/**
 * Custom ids Anthropic refuses (`^[a-zA-Z0-9_-]{1,64}$`), beside one it takes. The unicode one asks
 * for an echo of multi-byte text, so that small result chunks split characters.
 */
export function unsafeIdRequests(): UnifiedRequest[] {
  return [
    anthropicTextRequest("safe_id-1", "kept as it is"),
    anthropicTextRequest("x".repeat(80), "a long id"),
    anthropicTextRequest("has spaces in it", "spaces"),
    anthropicTextRequest("report.v2.final", "dots"),
    anthropicTextRequest("ünïcödé-🚀", "héllo wörld 世界 🌍 ✓"),
    anthropicTextRequest("user@example.com/42", "FAIL_INVALID here"),
  ];
}
