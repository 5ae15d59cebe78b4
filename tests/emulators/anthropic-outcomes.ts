/**
 * What the Anthropic emulator answers for each request of an ended batch: one result line
 * (`MessageBatchIndividualResponse`), chosen by magic words in the request's last user message.
 *
 * - `FAIL_INVALID` → errored, `invalid_request_error` (must be fixed before a retry);
 * - `FAIL_OVERLOADED` → errored, `overloaded_error` (may pass on a retry);
 * - `MAKE_CANCELED` → canceled; `MAKE_EXPIRED` → expired;
 * - `USE_TOOL` → succeeded with a `tool_use` block and `stop_reason: "tool_use"`;
 * - `HIT_MAX_TOKENS` → succeeded, cut off with `stop_reason: "max_tokens"`;
 * - a request with `output_config.format` → its schema's example as JSON text; with `tools` (and no
 *   `tool_choice` of `none`) whose last user message is not only `tool_result` blocks → `tool_use`
 *   blocks and `stop_reason: "tool_use"`; ending in tool results → `echo: <the results' texts>`
 *   (tests/support/emulated-answers.ts decides the same way for every provider);
 * - anything else → succeeded, the text echoed back with `stop_reason: "end_turn"`; a request with
 *   `thinking` enabled gets a thinking block first.
 */

import { afterToolsAnswer, plannedCalls, resultText, structuredAnswer, thoughtText, type Choice } from "../support/emulated-answers.js";

export type OutcomeType = "succeeded" | "errored" | "canceled" | "expired";

export interface BatchRequestLine {
  customId: string;
  params: Record<string, unknown>;
}

export interface Outcome {
  type: OutcomeType;
  /** The `result` object of the line. */
  result: Record<string, unknown>;
}

/** The body of every Anthropic error answer (spec `ErrorResponse`). */
export function anthropicErrorBody(type: string, message: string, requestId: string | null = null): Record<string, unknown> {
  return { type: "error", error: { type, message }, request_id: requestId };
}

/** The text of the last user message: a string, or its text blocks joined by spaces. */
export function lastUserText(params: Record<string, unknown>): string {
  const messages = Array.isArray(params.messages) ? (params.messages as { role?: unknown; content?: unknown }[]) : [];
  const last = [...messages].reverse().find((message) => message.role === "user");
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  if (!Array.isArray(last.content)) return "";
  return (last.content as { type?: unknown; text?: unknown }[])
    .filter((block) => block.type === "text" && typeof block.text === "string")
    .map((block) => block.text as string)
    .join(" ");
}

/** A rough token count: words, at least one. */
function tokens(text: string): number {
  return Math.max(1, text.split(/\s+/).filter((word) => word.length > 0).length);
}

/** What a processed request ends as. `sequence` makes message and request ids unique. */
export function outcomeOf(request: BatchRequestLine, sequence: number): Outcome {
  const text = lastUserText(request.params);
  const requestId = `req_emulated${sequence.toString().padStart(8, "0")}`;
  if (text.includes("FAIL_INVALID")) {
    const error = anthropicErrorBody("invalid_request_error", "messages: emulated invalid request", requestId);
    return { type: "errored", result: { type: "errored", error } };
  }
  if (text.includes("FAIL_OVERLOADED")) {
    const error = anthropicErrorBody("overloaded_error", "Overloaded", requestId);
    return { type: "errored", result: { type: "errored", error } };
  }
  if (text.includes("MAKE_CANCELED")) return { type: "canceled", result: { type: "canceled" } };
  if (text.includes("MAKE_EXPIRED")) return { type: "expired", result: { type: "expired" } };
  return { type: "succeeded", result: { type: "succeeded", message: message(request, text, sequence) } };
}

/** The `canceled` result of a request that a cancellation reached before it ran. */
export function canceledOutcome(): Outcome {
  return { type: "canceled", result: { type: "canceled" } };
}

/** A Messages API response (spec `Message`) for a request that succeeded. */
function message(request: BatchRequestLine, text: string, sequence: number): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  const thinking = request.params.thinking as { type?: unknown } | undefined;
  if (thinking?.type === "enabled") {
    content.push({ type: "thinking", thinking: thoughtText(text), signature: `signature${sequence}` });
  }
  let stopReason = "end_turn";
  let output = `echo: ${text}`;
  const plan = planOf(request.params, text);
  if (text.includes("USE_TOOL")) {
    stopReason = "tool_use";
    content.push({ type: "text", text: "Let me look that up.", citations: null });
    content.push({ type: "tool_use", id: `toolu_emulated${sequence}`, name: "get_weather", input: { city: "Paris" } });
    output = "Let me look that up.";
  } else if (plan.kind === "tool_use") {
    stopReason = "tool_use";
    plan.calls.forEach((call, index) => content.push({ type: "tool_use", id: `toolu_emulated${sequence}_${index}`, name: call.name, input: call.arguments }));
    output = JSON.stringify(plan.calls);
  } else {
    if (plan.kind === "text") output = plan.text;
    if (text.includes("HIT_MAX_TOKENS")) {
      stopReason = "max_tokens";
      output = output.slice(0, 12);
    }
    content.push({ type: "text", text: output, citations: null });
  }
  return {
    id: `msg_emulated${sequence.toString().padStart(8, "0")}`,
    type: "message",
    role: "assistant",
    content,
    model: String(request.params.model),
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: tokens(text),
      output_tokens: tokens(output),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: null,
      server_tool_use: null,
      service_tier: "batch",
    },
  };
}

type Plan = { kind: "echo" } | { kind: "text"; text: string } | { kind: "tool_use"; calls: ReturnType<typeof plannedCalls> };

/** What the emulated model does with `output_config.format`, `tools` and `tool_choice` (spec `ToolChoice`). */
function planOf(params: Record<string, unknown>, text: string): Plan {
  const messages = Array.isArray(params.messages) ? (params.messages as { role?: unknown; content?: unknown }[]) : [];
  const last = messages.at(-1);
  const blocks = last?.role === "user" && Array.isArray(last.content) ? (last.content as { type?: unknown; content?: unknown }[]) : [];
  if (blocks.length > 0 && blocks.every((block) => block.type === "tool_result")) {
    return { kind: "text", text: afterToolsAnswer(blocks.map((block) => resultText(block.content))) };
  }
  const tools = (Array.isArray(params.tools) ? (params.tools as { name?: unknown; input_schema?: unknown }[]) : [])
    .filter((tool) => typeof tool.name === "string")
    .map((tool) => ({ name: tool.name as string, parameters: tool.input_schema }));
  const choice = (params.tool_choice ?? { type: "auto" }) as { type?: string; name?: string; disable_parallel_tool_use?: boolean };
  const unified: Choice = choice.type === "none" ? "none" : choice.type === "any" ? "required" : choice.type === "tool" ? { name: String(choice.name) } : "auto";
  const calls = plannedCalls(tools, unified, choice.disable_parallel_tool_use !== true);
  if (calls.length > 0) return { kind: "tool_use", calls };
  const format = (params.output_config as { format?: { type?: string; schema?: unknown } } | undefined)?.format;
  if (format?.type === "json_schema") return { kind: "text", text: structuredAnswer(format.schema ?? {}, text) };
  return { kind: "echo" };
}
