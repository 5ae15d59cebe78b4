/**
 * The answers the Mistral emulator writes: HTTP error bodies, and the result lines of a job's
 * output and error files (or of its inline `outputs`).
 *
 * Error bodies (reference §4, spec): 422 is the spec's `HTTPValidationError`
 * (`{detail: [{type, loc, msg, input}]}`); 401 is the gateway's `{message: "Unauthorized",
 * request_id}`; the other statuses use Mistral's error object `{object: "error", message, type,
 * param, code}`, the shape the reference's result-file fixtures carry.
 *
 * Output lines are exactly the documented shape, `{"id", "custom_id", "response": {"status_code",
 * "body"}, "error": null}` (no `request_id`, unlike OpenAI). The error file's shape is
 * undocumented (reference §10): failed requests are written in the same envelope with an error
 * status and an error object body, and `FAIL_ERROR` requests as `{id, custom_id, response: null,
 * error: {message, code}}`, the other shape seen.
 *
 * A success answers `echo: <text>`, or JSON text for `response_format` and `tool_calls` (ids of
 * nine characters, as Mistral's) for `tools`, as tests/support/emulated-answers.ts decides; with
 * `reasoning_effort` the content is a list of a `thinking` chunk and the text.
 */

import { chatPlan, thoughtText } from "../support/emulated-answers.js";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: "invalid_request_error", code: null },
  404: { type: "invalid_request_error", code: "1404" },
  429: { type: "rate_limited", code: "1300" },
  500: { type: "internal_server_error", code: null },
};

/** Mistral's error object for a status other than 401 and 422. */
export function errorObject(status: number, message: string): Record<string, unknown> {
  const kind = ERROR_TYPES[status] ?? { type: "api_error", code: null };
  return { object: "error", message, type: kind.type, param: null, code: kind.code };
}

export function mistralError(status: number, message: string, headers: Record<string, string> = {}): Response {
  if (status === 401) return unauthorized(headers);
  return json(status, errorObject(status, message), headers);
}

export function unauthorized(headers: Record<string, string> = {}): Response {
  return json(401, { message: "Unauthorized", request_id: randomHex(32) }, headers);
}

/** A FastAPI validation answer, as the spec's `HTTPValidationError`. */
export function validationError(problems: { loc: (string | number)[]; msg: string; input?: unknown }[]): Response {
  return json(422, {
    detail: problems.map((problem) => ({ type: "value_error", loc: problem.loc, msg: problem.msg, input: problem.input ?? null })),
  });
}

export function randomHex(length: number): string {
  let text = "";
  while (text.length < length) text += Math.floor(Math.random() * 16).toString(16);
  return text;
}

/** What happens to one request, from a spec violation, a model mismatch or a magic word. */
export type Outcome =
  | { kind: "success" }
  | { kind: "http"; status: number; body: Record<string, unknown> }
  | { kind: "error-field"; message: string; code: string };

export interface RequestRecord {
  customId: string | null;
  body: Record<string, unknown>;
  /** Where the body breaks the spec's `ChatCompletionRequest`. */
  violations: string[];
}

export function outcomeOf(request: RequestRecord, jobModel: string | null): Outcome {
  if (request.violations.length > 0) {
    return {
      kind: "http",
      status: 422,
      body: {
        object: "error",
        message: { detail: request.violations.map((violation) => ({ type: "value_error", loc: ["body"], msg: violation })) },
        type: "invalid_request_message_error",
        param: null,
        code: null,
      },
    };
  }
  const model = request.body.model;
  if (jobModel !== null && typeof model === "string" && model !== jobModel) {
    return { kind: "http", status: 400, body: errorObject(400, `The request's model ${model} is not the job's model ${jobModel}`) };
  }
  const text = lastUserText(request.body);
  const magic = text.match(/FAIL_(400|422|429|500|ERROR)/);
  if (!magic) return { kind: "success" };
  if (magic[1] === "ERROR") return { kind: "error-field", message: "The request could not be processed", code: "internal_error" };
  const status = Number(magic[1]);
  if (status === 422) {
    return {
      kind: "http",
      status,
      body: { object: "error", message: { detail: [{ type: "value_error", loc: ["body"], msg: "Emulated validation failure" }] }, type: "invalid_request_message_error", param: null, code: null },
    };
  }
  return { kind: "http", status, body: errorObject(status, `Emulated failure ${status}`) };
}

/** One result line, with its keys in the documented order. */
export function resultLine(lineId: string, request: RequestRecord, outcome: Outcome, model: string, created: number): Record<string, unknown> {
  if (outcome.kind === "error-field") {
    return { id: lineId, custom_id: request.customId, response: null, error: { message: outcome.message, code: outcome.code } };
  }
  if (outcome.kind === "http") {
    return { id: lineId, custom_id: request.customId, response: { status_code: outcome.status, body: outcome.body }, error: null };
  }
  const text = lastUserText(request.body);
  if (request.body.input !== undefined) {
    // An embeddings line: one vector per input (spec `EmbeddingResponse`), derived from its text.
    const inputs = (Array.isArray(request.body.input) ? request.body.input : [request.body.input]).map(String);
    const dimensions = typeof request.body.output_dimension === "number" ? request.body.output_dimension : 4;
    const tokens = inputs.reduce((sum, input) => sum + input.length, 0);
    const data = inputs.map((input, index) => ({
      object: "embedding",
      index,
      embedding: Array.from({ length: dimensions }, (_, position) => (position === 0 ? input.length : (input.charCodeAt(position - 1) || 0) / 256)),
    }));
    return {
      id: lineId,
      custom_id: request.customId,
      response: {
        status_code: 200,
        body: { id: randomHex(32), object: "list", model, data, usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens, prompt_audio_seconds: null } },
      },
      error: null,
    };
  }
  const plan = chatPlan(request.body, text);
  const answer = plan.kind === "json" || plan.kind === "after_tools" ? plan.text : `echo: ${text}`;
  // With reasoning_effort (not none) the content is a list: a thinking chunk, then the text (reference §3.4).
  const reasons = typeof request.body.reasoning_effort === "string" && request.body.reasoning_effort !== "none";
  const toolCalls =
    plan.kind === "tool_calls"
      ? plan.calls.map((call, index) => ({ id: `${randomHex(8)}${index}`.slice(-9).padStart(9, "a"), type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) }, index }))
      : null;
  return {
    id: lineId,
    custom_id: request.customId,
    response: {
      status_code: 200,
      body: {
        id: randomHex(32),
        object: "chat.completion",
        model,
        usage: { prompt_tokens: text.length, completion_tokens: answer.length, total_tokens: text.length + answer.length },
        created,
        choices: [
          toolCalls
            ? { index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: "", tool_calls: toolCalls } }
            : { index: 0, finish_reason: "stop", message: { role: "assistant", content: reasons ? [{ type: "thinking", thinking: [{ type: "text", text: thoughtText(text) }] }, { type: "text", text: answer }] : answer, tool_calls: null } },
        ],
      },
    },
    error: null,
  };
}

export function lastUserText(body: Record<string, unknown>): string {
  if (typeof body.input === "string") return body.input;
  if (Array.isArray(body.input)) return body.input.map(String).join(" ");
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
  const last = [...messages].reverse().find((message) => message.role === "user");
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  if (Array.isArray(last.content)) {
    return (last.content as { type?: unknown; text?: unknown }[])
      .filter((part) => part.type === "text" && typeof part.text === "string")
      .map((part) => part.text as string)
      .join(" ");
  }
  return "";
}

/** A body streamed in chunks of `size` bytes (which may split a UTF-8 character). */
export function chunked(text: string, size: number): Response {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/octet-stream" } });
}
