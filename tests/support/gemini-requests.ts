/**
 * Unified requests for Gemini: everything Gemini's request format can express from the unified
 * model (system instruction as string and list, images and PDFs as base64 and Files API URIs,
 * multi-turn with model turns carrying media, every generation setting), plus `providerKwargs`
 * using Gemini's own fields (structured output, tools, thinking, safety settings).
 */
import type { UnifiedRequest } from "batch-router";

import { portableRequests } from "./requests.js";

export const GEMINI_MODEL = "gemini-2.5-flash";

const PNG_PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PDF_BYTES = "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK";
const FILE_URI = "https://generativelanguage.googleapis.com/v1beta/files/emulated-picture";
const PDF_URI = "https://generativelanguage.googleapis.com/v1beta/files/emulated-report";

export function geminiText(customId: string, text: string, model = GEMINI_MODEL): UnifiedRequest {
  return { customId, model, messages: [{ role: "user", content: text }] };
}

/** A function declaration in the spec's `Schema` dialect (upper-case types). */
export const WEATHER_TOOL = {
  functionDeclarations: [
    {
      name: "get_weather",
      description: "The weather forecast for a city.",
      parameters: {
        type: "OBJECT",
        properties: { city: { type: "STRING", description: "City name" }, days: { type: "INTEGER", nullable: true } },
        required: ["city"],
      },
    },
  ],
};

export function geminiRequests(model = GEMINI_MODEL): UnifiedRequest[] {
  return [
    ...portableRequests(model),
    {
      customId: "every-setting",
      model,
      systemPrompt: "You are a careful assistant.",
      messages: [
        { role: "user", content: "Count to three." },
        { role: "assistant", content: "One, two, three." },
        { role: "user", content: [{ type: "text", text: "Now backwards." }] },
      ],
      generationConfig: {
        maxTokens: 128,
        temperature: 1.5,
        topP: 0.95,
        topK: 40,
        stopSequences: ["END", "STOP", "\n\n", "###", "--"],
        presencePenalty: 0.4,
        frequencyPenalty: -0.2,
      },
    },
    {
      customId: "image-file-uri",
      model,
      systemPrompt: ["Describe images briefly.", "Use plain words."],
      messages: [
        {
          role: "user",
          content: [
            { type: "image", sourceType: "file_uri", mediaType: "image/png", data: FILE_URI },
            { type: "text", text: "What is in this picture?" },
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
    },
    {
      customId: "pdf-file-uri",
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "document", sourceType: "file_uri", mediaType: "application/pdf", data: PDF_URI },
            { type: "text", text: "List the headings." },
          ],
        },
      ],
    },
    {
      customId: "model-turn-with-image",
      model,
      messages: [
        { role: "user", content: "Draw a pixel." },
        { role: "assistant", content: [{ type: "text", text: "Here it is." }, { type: "image", sourceType: "base64", mediaType: "image/png", data: PNG_PIXEL }] },
        { role: "user", content: "What colour did you draw?" },
      ],
    },
    {
      customId: "structured-output",
      model,
      messages: [{ role: "user", content: "Give me a recipe as JSON." }],
      generationConfig: { temperature: 0 },
      providerKwargs: {
        generationConfig: {
          responseMimeType: "application/json",
          responseSchema: {
            type: "OBJECT",
            properties: {
              name: { type: "STRING" },
              minutes: { type: "INTEGER", nullable: true },
              steps: { type: "ARRAY", items: { type: "STRING" } },
            },
            required: ["name", "steps"],
            propertyOrdering: ["name", "minutes", "steps"],
          },
        },
      },
    },
    {
      customId: "tools",
      model,
      messages: [{ role: "user", content: "What is the weather in Paris? CALL_TOOL" }],
      providerKwargs: {
        tools: [WEATHER_TOOL],
        toolConfig: { functionCallingConfig: { mode: "AUTO" } },
      },
    },
    {
      customId: "thinking",
      model,
      messages: [{ role: "user", content: "Is 1009 prime? THINK" }],
      generationConfig: { maxTokens: 1024 },
      providerKwargs: {
        generationConfig: { thinkingConfig: { thinkingBudget: 512, includeThoughts: true } },
        safetySettings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", threshold: "BLOCK_ONLY_HIGH" }],
      },
    },
  ];
}

/** Requests whose answers exercise every kind of result the emulator can give. */
export function outcomeRequests(model = GEMINI_MODEL): UnifiedRequest[] {
  return [
    geminiText("plain", "Why is the sky blue?", model),
    { ...geminiText("tool", "Weather in Paris, please. CALL_TOOL", model), providerKwargs: { tools: [WEATHER_TOOL] } },
    { ...geminiText("thought", "Think first. THINK", model), providerKwargs: { generationConfig: { thinkingConfig: { includeThoughts: true } } } },
    geminiText("cut", "Tell a long story MAX_TOKENS", model),
    geminiText("unsafe", "Something SAFETY related", model),
    geminiText("blocked", "BLOCK_PROMPT please", model),
    geminiText("quota", "FAIL_RESOURCE_EXHAUSTED", model),
    geminiText("invalid", "FAIL_INVALID_ARGUMENT", model),
  ];
}
