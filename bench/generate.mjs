// Generates the benchmarks' inputs: unified JSONL requests, and provider output files of a given size.
import { createWriteStream } from "node:fs";
import { once } from "node:events";

const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

// One model per provider (the request's `models`), so the same file converts for every provider:
// a provider refuses another provider's model.
const MODELS = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
  google: "gemini-2.5-flash",
  mistral: "mistral-small-latest",
  vllm: "meta-llama/Llama-3.1-8B-Instruct",
};

/** `count` unified requests as JSONL text: text with a system prompt and settings, or multimodal. */
export function unifiedRequests(count, { multimodal = false, model = "gpt-4o-mini" } = {}) {
  const lines = new Array(count);
  for (let index = 0; index < count; index++) {
    const question = `Question ${index}: summarise the main idea of paragraph ${index % 97} in two sentences, please.`;
    const content = multimodal
      ? [
          { type: "text", text: question },
          { type: "image", sourceType: "base64", mediaType: "image/png", data: PIXEL },
          { type: "image", sourceType: "base64", mediaType: "image/png", data: PIXEL },
        ]
      : question;
    lines[index] = JSON.stringify({
      customId: `request-${index}`,
      model,
      models: MODELS,
      systemPrompt: "You are a careful assistant. Answer briefly and precisely.",
      messages: [{ role: "user", content }],
      generationConfig: { maxTokens: 256, temperature: 0.2, topP: 0.95, stopSequences: ["END"] },
    });
  }
  return lines.join("\n") + "\n";
}

const ANSWER = "The paragraph argues that batching requests lowers cost. It also notes the latency trade-off. ".repeat(3);

// One succeeded result line per provider, each the shape of that provider's batch output file
// (providers.md: OpenAI's output file, Anthropic's results stream, Gemini's responses file).
const OUTPUT_LINES = {
  openai: (index) => ({
    id: `batch_req_${index}`,
    custom_id: `request-${index}`,
    response: {
      status_code: 200,
      request_id: `req_${index}`,
      body: {
        id: `chatcmpl-${index}`,
        object: "chat.completion",
        created: 1711652795,
        model: "gpt-4o-mini-2024-07-18",
        choices: [{ index: 0, message: { role: "assistant", content: ANSWER, refusal: null }, logprobs: null, finish_reason: "stop" }],
        usage: { prompt_tokens: 42, completion_tokens: 61, total_tokens: 103, prompt_tokens_details: { cached_tokens: 0 } },
        system_fingerprint: "fp_44709d6fcb",
      },
    },
    error: null,
  }),
  anthropic: (index) => ({
    custom_id: `request-${index}`,
    result: {
      type: "succeeded",
      message: {
        id: `msg_${index}`,
        type: "message",
        role: "assistant",
        model: "claude-3-5-haiku-20241022",
        content: [{ type: "text", text: ANSWER }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 42, output_tokens: 61, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    },
  }),
  google: (index) => ({
    key: `request-${index}`,
    response: {
      candidates: [{ content: { parts: [{ text: ANSWER }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 42, candidatesTokenCount: 61, totalTokenCount: 103 },
      modelVersion: "gemini-2.5-flash",
      responseId: `response-${index}`,
    },
  }),
};

/** The providers `writeOutput` writes output files for. */
export const OUTPUT_PROVIDERS = Object.keys(OUTPUT_LINES);

/** Writes `provider`'s batch output file of about `megabytes` MB, every line a succeeded answer. */
export async function writeOutput(provider, path, megabytes) {
  const lineOf = OUTPUT_LINES[provider];
  if (!lineOf) throw new Error(`no output file shape for ${provider}`);
  const out = createWriteStream(path);
  const target = megabytes * 1_000_000;
  let written = 0;
  let index = 0;
  while (written < target) {
    const line = JSON.stringify(lineOf(index)) + "\n";
    if (!out.write(line)) await once(out, "drain");
    written += Buffer.byteLength(line);
    index++;
  }
  out.end();
  await once(out, "finish");
  return { lines: index, bytes: written };
}
