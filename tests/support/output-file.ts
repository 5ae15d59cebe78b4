/**
 * A provider whose finished batch's results download is a given output file, served by an injected
 * `fetch` (no server): the status call answers each provider's finished batch object (the shapes
 * the emulators answer), the download answers the file as one byte array (so one read).
 */
import { AnthropicProvider, GoogleProvider, OpenAIProvider, type BatchProvider, type BatchStorage } from "batch-router";

/** OpenAI's finished batch object of id `id` (the shape the emulator answers). */
export function openaiBatch(id: string): object {
  return {
    id,
    object: "batch",
    endpoint: "/v1/chat/completions",
    input_file_id: "file-in",
    completion_window: "24h",
    status: "completed",
    output_file_id: "file-out",
    error_file_id: null,
    created_at: 1711471533,
    request_counts: { total: 0, completed: 0, failed: 0 },
  };
}

/** An OpenAI output line (as an object) of a succeeded chat completion whose choice is `message`. */
export function openaiCompletionLine(index: number, message: object, finishReason: string): object {
  return {
    id: `batch_req_${index}`,
    custom_id: `request-${index}`,
    response: {
      status_code: 200,
      request_id: `req_${index}`,
      body: {
        id: `chatcmpl-${index}`,
        object: "chat.completion",
        created: 1711652795,
        model: "gpt-4o-mini",
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
        usage: { prompt_tokens: index, completion_tokens: 1, total_tokens: index + 1 },
      },
    },
    error: null,
  };
}

/** An OpenAI output line (as an object) of a succeeded chat completion answering `content`. */
export function openaiAnswerLine(index: number, content: string): object {
  return openaiCompletionLine(index, { role: "assistant", content, refusal: null }, "stop");
}

const OPENAI_BATCH = openaiBatch("batch_large");
const ANTHROPIC_BATCH = {
  id: "msgbatch_large",
  type: "message_batch",
  processing_status: "ended",
  request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
  created_at: "2024-08-20T18:37:24.100435Z",
  ended_at: "2024-08-20T18:37:24.100435Z",
  expires_at: "2024-08-21T18:37:24.100435Z",
  cancel_initiated_at: null,
  archived_at: null,
  results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_large/results",
};
const GOOGLE_BATCH = {
  name: "batches/large",
  metadata: { model: "models/gemini-2.5-flash", state: "BATCH_STATE_SUCCEEDED", name: "batches/large" },
  done: true,
  response: { responsesFile: "files/out" },
};

/** The batch id of each provider's finished batch. */
export const BATCH_IDS: Record<string, string> = { openai: "batch_large", anthropic: "msgbatch_large", google: "batches/large" };

/** `name`'s provider (openai, anthropic or google) whose results download is `body`. */
export function providerServing(name: string, body: Uint8Array<ArrayBuffer>, storage: BatchStorage | false = false): BatchProvider {
  const fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (/\/content$|\/results$|:download$/.test(path)) return new Response(body, { status: 200 });
    const batch = name === "openai" ? OPENAI_BATCH : name === "anthropic" ? ANTHROPIC_BATCH : GOOGLE_BATCH;
    return new Response(JSON.stringify(batch), { status: 200, headers: { "content-type": "application/json" } });
  };
  const options = { apiKey: "fake-output-file-key-0123456789abcdef", storage, fetch };
  if (name === "openai") return new OpenAIProvider(options);
  if (name === "anthropic") return new AnthropicProvider(options);
  return new GoogleProvider(options);
}
