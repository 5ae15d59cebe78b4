// Generates the benchmarks' inputs: unified JSONL requests, and an OpenAI output file of a given size.
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

/** Writes an OpenAI batch output file of about `megabytes` MB; returns its line count. */
export async function writeOpenAIOutput(path, megabytes) {
  const out = createWriteStream(path);
  const target = megabytes * 1_000_000;
  let written = 0;
  let index = 0;
  const answer = "The paragraph argues that batching requests lowers cost. It also notes the latency trade-off. ".repeat(3);
  while (written < target) {
    const line =
      JSON.stringify({
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
            choices: [{ index: 0, message: { role: "assistant", content: answer, refusal: null }, logprobs: null, finish_reason: "stop" }],
            usage: { prompt_tokens: 42, completion_tokens: 61, total_tokens: 103, prompt_tokens_details: { cached_tokens: 0 } },
            system_fingerprint: "fp_44709d6fcb",
          },
        },
        error: null,
      }) + "\n";
    if (!out.write(line)) await once(out, "drain");
    written += Buffer.byteLength(line);
    index++;
  }
  out.end();
  await once(out, "finish");
  return { lines: index, bytes: written };
}
