/**
 * What the Gemini emulator answers to one `GenerateContentRequest`: a `GenerateContentResponse` or
 * a `google.rpc.Status`, chosen by magic words in the last user turn (reference §3.5, spec
 * `GenerateContentResponse`, `Candidate`, `UsageMetadata`):
 *
 * - `FAIL_INVALID_ARGUMENT`, `FAIL_RESOURCE_EXHAUSTED`, `FAIL_INTERNAL` → an error status (rpc code
 *   3, 8, 13) instead of a response;
 * - `CALL_TOOL` → a `functionCall` part naming the request's first function declaration;
 * - `THINK` → a `thought: true` part with a signature before the answer, and `thoughtsTokenCount`;
 *   a `thinkingConfig` (not a budget of 0) → `thoughtsTokenCount`, and with `includeThoughts` the
 *   thought `Thinking about: <text>` as a part;
 * - `MAX_TOKENS` → a cut answer with finish reason `MAX_TOKENS`;
 * - `SAFETY` → a candidate without content, finish reason `SAFETY`;
 * - `BLOCK_PROMPT` → no candidate, `promptFeedback.blockReason`;
 * - `generationConfig.responseJsonSchema` (or `responseSchema`) → its example as JSON text;
 *   `responseMimeType: "application/json"` alone → `{"echo": <text>}`; `functionDeclarations` (and
 *   no `NONE` mode) in a request whose last turn is not function responses → `functionCall` parts
 *   without ids, as Gemini answers; ending in function responses → `echo: <their results>`
 *   (tests/support/emulated-answers.ts decides the same way for every provider);
 * - anything else → `echo: <text>` (its first 200 characters) with finish reason `STOP`.
 */

import { afterToolsAnswer, plannedCalls, resultText, structuredAnswer, thoughtText, type Choice } from "../support/emulated-answers.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One outcome: exactly one of `response` and `error`. */
export type Outcome = { response: JsonObject } | { error: JsonObject };

const FAILURES: Record<string, { code: number; message: string }> = {
  FAIL_INVALID_ARGUMENT: { code: 3, message: "Request contains an invalid argument." },
  FAIL_RESOURCE_EXHAUSTED: { code: 8, message: "Resource has been exhausted (e.g. check quota)." },
  FAIL_INTERNAL: { code: 13, message: "An internal error has occurred." },
};

function asObject(value: Json | undefined): JsonObject | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

function textOf(content: Json | undefined): string {
  return asArray(asObject(content)?.parts)
    .map((part) => asObject(part)?.text)
    .filter((text): text is string => typeof text === "string")
    .join(" ");
}

/** The text of the last turn sent by the user (a turn without a role counts as the user's). */
export function lastUserText(request: JsonObject): string {
  const contents = asArray(request.contents);
  for (let index = contents.length - 1; index >= 0; index--) {
    const role = asObject(contents[index])?.role;
    if (role === undefined || role === "user") return textOf(contents[index]);
  }
  return "";
}

function promptTokens(request: JsonObject): number {
  const text = asArray(request.contents).map(textOf).join(" ") + " " + textOf(request.systemInstruction);
  return Math.max(1, Math.ceil(text.length / 4));
}

function words(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

function firstFunctionName(request: JsonObject): string {
  for (const tool of asArray(request.tools)) {
    const declaration = asObject(asArray(asObject(tool)?.functionDeclarations)[0]);
    if (typeof declaration?.name === "string") return declaration.name;
  }
  return "lookup";
}

export function outcomeFor(request: JsonObject, model: string, serial: number): Outcome {
  const text = lastUserText(request);
  for (const [word, failure] of Object.entries(FAILURES)) {
    if (text.includes(word)) return { error: { code: failure.code, message: failure.message } };
  }
  const modelVersion = model.replace(/^models\//, "");
  const responseId = `emulated-response-${serial}`;
  const prompt = promptTokens(request);
  if (text.includes("BLOCK_PROMPT")) {
    return { response: { promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: prompt, totalTokenCount: prompt }, modelVersion, responseId } };
  }
  if (text.includes("SAFETY")) {
    const candidate = {
      finishReason: "SAFETY",
      index: 0,
      safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }],
    };
    return { response: { candidates: [candidate], usageMetadata: { promptTokenCount: prompt, totalTokenCount: prompt }, modelVersion, responseId } };
  }
  const answer = `echo: ${text.slice(0, 200)}`;
  const parts: JsonObject[] = [];
  let finishReason = "STOP";
  let output = words(answer);
  let thoughts: number | undefined;
  const thinkingConfig = asObject(asObject(request.generationConfig)?.thinkingConfig);
  if (text.includes("THINK")) {
    const thought = `The user wrote ${words(text)} words; answer plainly.`;
    thoughts = words(thought);
    parts.push({ text: thought, thought: true, thoughtSignature: "c2lnbmF0dXJlLW9mLXRoZS10aG91Z2h0" });
  } else if (thinkingConfig && thinkingConfig.thinkingBudget !== 0) {
    // Thinking on: counted in thoughtsTokenCount, its summary returned only with includeThoughts.
    const thought = thoughtText(text);
    thoughts = words(thought);
    if (thinkingConfig.includeThoughts === true) parts.push({ text: thought, thought: true, thoughtSignature: "c2lnbmF0dXJl" });
  }
  const plan = planOf(request, text);
  if (text.includes("CALL_TOOL")) {
    parts.push({ functionCall: { name: firstFunctionName(request), args: { city: "Paris", days: 2 } } });
    output = 9;
  } else if (plan.kind === "calls") {
    for (const call of plan.calls) parts.push({ functionCall: { name: call.name, args: call.arguments as JsonObject } });
    output = words(JSON.stringify(plan.calls));
  } else if (plan.kind === "text") {
    parts.push({ text: plan.text });
    output = words(plan.text);
  } else if (text.includes("MAX_TOKENS")) {
    const cut = answer.split(" ").slice(0, 2).join(" ");
    parts.push({ text: cut });
    finishReason = "MAX_TOKENS";
    output = words(cut);
  } else {
    parts.push({ text: answer });
  }
  const usageMetadata: JsonObject = { promptTokenCount: prompt, candidatesTokenCount: output, totalTokenCount: prompt + output + (thoughts ?? 0) };
  if (thoughts !== undefined) usageMetadata.thoughtsTokenCount = thoughts;
  return {
    response: {
      candidates: [{ content: { parts, role: "model" }, finishReason, index: 0 }],
      usageMetadata,
      modelVersion,
      responseId,
    },
  };
}

type Plan = { kind: "echo" } | { kind: "text"; text: string } | { kind: "calls"; calls: ReturnType<typeof plannedCalls> };

/** What the emulated model does with `generationConfig`'s JSON output, `tools` and `toolConfig`. */
function planOf(request: JsonObject, text: string): Plan {
  const contents = asArray(request.contents);
  const lastParts = asArray(asObject(contents.at(-1))?.parts).map(asObject);
  const responses = lastParts.map((part) => asObject(part?.functionResponse));
  if (responses.length > 0 && responses.every((response) => response !== undefined)) {
    return {
      kind: "text",
      text: afterToolsAnswer(responses.map((response) => {
        const result = asObject(response?.response);
        return resultText(result?.result ?? result?.error ?? result);
      })),
    };
  }
  const tools = asArray(request.tools)
    .flatMap((tool) => asArray(asObject(tool)?.functionDeclarations))
    .map(asObject)
    .filter((declaration): declaration is JsonObject => typeof declaration?.name === "string")
    .map((declaration) => ({ name: declaration.name as string, parameters: declaration.parametersJsonSchema ?? declaration.parameters ?? { type: "object" } }));
  const config = asObject(asObject(request.toolConfig)?.functionCallingConfig);
  const allowed = asArray(config?.allowedFunctionNames).filter((name): name is string => typeof name === "string");
  const choice: Choice = config?.mode === "NONE" ? "none" : config?.mode === "ANY" && allowed.length === 1 ? { name: allowed[0]! } : config?.mode === "ANY" ? "required" : "auto";
  // Gemini has no parallel switch: every tool is called.
  const calls = plannedCalls(tools, choice, true);
  if (calls.length > 0) return { kind: "calls", calls };
  const generation = asObject(request.generationConfig);
  if (generation?.responseMimeType === "application/json") {
    return { kind: "text", text: structuredAnswer(generation.responseJsonSchema ?? generation.responseSchema, text) };
  }
  return { kind: "echo" };
}
