/**
 * Numbers inside answers come back as `JSON.parse` reads them (the nearest double), for every
 * result format: tool-call arguments (OpenAI's argument string, Anthropic's `tool_use.input`,
 * Gemini's `functionCall.args`) and an answer read as JSON (`parsed`). A new-user trial found
 * ~7 % of 15-digit and 20 % of 17-digit decimals one unit off in the last place (serde_json's
 * default float reader); the core now reads them exactly (`crates/core/src/providers/exact_json.rs`,
 * on core's correctly rounded `str::parse::<f64>`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import type { UnifiedResult } from "batch-router";

import { BATCH_IDS, openaiCompletionLine, providerServing } from "../support/output-file.js";

/** A deterministic generator (xorshift), so a failure can be replayed. */
function numbers(count: number): string[] {
  let state = 0x9e3779b97f4a7c15n;
  const next = () => {
    state ^= (state << 13n) & 0xffffffffffffffffn;
    state ^= state >> 7n;
    state ^= (state << 17n) & 0xffffffffffffffffn;
    return state;
  };
  const out: string[] = [];
  for (let index = 0; index < count; index++) {
    // Random doubles of every magnitude, written with 15, 16 and 17 significant digits.
    const bits = new BigUint64Array([next()]);
    const value = new Float64Array(bits.buffer)[0]!;
    if (!Number.isFinite(value) || value === 0) continue;
    out.push(value.toPrecision(15 + (index % 3)));
    out.push((Number(next() % 100000000000n) / 1e9).toString());
  }
  return out;
}

const NUMBERS = numbers(700);

function argumentsText(index: number): string {
  const values = NUMBERS.slice(index * 20, index * 20 + 20);
  return `{"values":[${values.join(",")}],"x":${values[0] ?? 0}}`;
}

const LINES: Record<string, (index: number) => string> = {
  openai: (index) =>
    JSON.stringify(
      openaiCompletionLine(
        index,
        { role: "assistant", content: null, tool_calls: [{ id: `call_${index}`, type: "function", function: { name: "f", arguments: argumentsText(index) } }] },
        "tool_calls",
      ),
    ),
  anthropic: (index) =>
    `{"custom_id":"request-${index}","result":{"type":"succeeded","message":{"id":"msg_${index}","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[{"type":"tool_use","id":"tu_${index}","name":"f","input":${argumentsText(index)}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}}`,
  google: (index) =>
    `{"key":"request-${index}","response":{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":${argumentsText(index)}}}],"role":"model"},"finishReason":"STOP","index":0}]}}`,
};

const COUNT = Math.floor(NUMBERS.length / 20);

async function read(name: string, text: string): Promise<UnifiedResult[]> {
  const results: UnifiedResult[] = [];
  for await (const result of providerServing(name, new TextEncoder().encode(text)).getResults(BATCH_IDS[name]!)) results.push(result);
  return results;
}

for (const name of ["openai", "anthropic", "google"]) {
  test(`${name}: numbers in tool-call arguments are JSON.parse's`, async () => {
    const text = Array.from({ length: COUNT }, (_, index) => LINES[name]!(index)).join("\n") + "\n";
    const results = await read(name, text);
    assert.equal(results.length, COUNT);
    results.forEach((result, index) => {
      const call = result.response?.content.find((part) => part.type === "tool_call");
      assert.ok(call && call.type === "tool_call", `${result.customId}: ${JSON.stringify(result.response?.content)}`);
      assert.deepEqual(call.arguments, JSON.parse(argumentsText(index)), result.customId);
    });
  });
}

test("an answer read as JSON keeps JSON.parse's numbers", async () => {
  const lines = Array.from({ length: COUNT }, (_, index) =>
    JSON.stringify({ key: `request-${index}`, response: { candidates: [{ content: { parts: [{ text: argumentsText(index) }], role: "model" }, finishReason: "STOP", index: 0 }] } }),
  );
  const results = await read("google", lines.join("\n") + "\n");
  results.forEach((result, index) => {
    assert.deepEqual(result.response?.parsed, JSON.parse(argumentsText(index)), result.customId);
  });
});

/**
 * Numbers a request gives reach the provider line as `JSON.parse` + `JSON.stringify` would give
 * them: each number the request text holds with 16–17 digits (serde_json's default reader is one
 * unit off in the last place for each of these) in `generationConfig`, `providerKwargs`, a response
 * schema, a tool's parameters and a tool call's arguments is found in the line as the same double.
 */
const REQUEST_NUMBERS = {
  temperature: 0.9856906946328695,
  topP: 0.21291890726713458,
  presencePenalty: -1.4773355656342497,
  frequencyPenalty: 0.39320876168096763,
  schemaMaximum: 459.41893608499356,
  parameterMaximum: 952.7748876091051,
  kwarg: 0.9259338926496359,
};

function numbersIn(value: unknown, found: number[] = []): number[] {
  if (typeof value === "number") found.push(value);
  else if (typeof value === "string" && value.startsWith("{")) numbersIn(JSON.parse(value), found);
  else if (Array.isArray(value)) for (const item of value) numbersIn(item, found);
  else if (value && typeof value === "object") for (const item of Object.values(value)) numbersIn(item, found);
  return found;
}

const GENERATION_CONFIGS: Record<string, Record<string, number>> = {
  openai: { temperature: REQUEST_NUMBERS.temperature, topP: REQUEST_NUMBERS.topP, presencePenalty: REQUEST_NUMBERS.presencePenalty, frequencyPenalty: REQUEST_NUMBERS.frequencyPenalty },
  google: { topP: REQUEST_NUMBERS.topP, presencePenalty: REQUEST_NUMBERS.presencePenalty, frequencyPenalty: REQUEST_NUMBERS.frequencyPenalty },
  anthropic: { temperature: REQUEST_NUMBERS.temperature },
};

const KWARGS: Record<string, Record<string, unknown>> = {
  openai: { logit_bias: { "50256": REQUEST_NUMBERS.kwarg } },
  // Gemini's temperature comes from here (deep-merged into generationConfig).
  google: { generationConfig: { temperature: REQUEST_NUMBERS.kwarg } },
  anthropic: { top_p: REQUEST_NUMBERS.kwarg },
};

/** A number in a response schema: Anthropic's structured output refuses `maximum`. */
const SCHEMA_NUMBER: Record<string, unknown> = {
  openai: { type: "number", maximum: REQUEST_NUMBERS.schemaMaximum },
  google: { type: "number", maximum: REQUEST_NUMBERS.schemaMaximum },
  anthropic: { type: "number", enum: [REQUEST_NUMBERS.schemaMaximum] },
};

const MODELS: Record<string, string> = { openai: "gpt-4o-mini", google: "gemini-2.5-flash", anthropic: "claude-3-5-haiku-20241022" };

for (const name of ["openai", "anthropic", "google"]) {
  test(`${name}: numbers a request gives reach the provider line as JSON.parse reads them`, () => {
    const callArguments = JSON.parse(argumentsText(3)) as Record<string, unknown>;
    const request = {
      customId: "numbers",
      model: MODELS[name]!,
      messages: [
        { role: "user" as const, content: "weather?" },
        { role: "assistant" as const, content: [{ type: "tool_call" as const, id: "call_1", name: "f", arguments: callArguments }] },
        { role: "tool" as const, content: [{ type: "tool_result" as const, toolCallId: "call_1", content: "sunny" }] },
      ],
      generationConfig: { maxTokens: 16, ...GENERATION_CONFIGS[name] },
      tools: [{ name: "f", parameters: { type: "object", properties: { x: { type: "number", maximum: REQUEST_NUMBERS.parameterMaximum } } } }],
      providerKwargs: KWARGS[name]!,
    };
    // Anthropic's structured output needs a model of its lists (Claude 3.5 Haiku is refused by its
    // model rule), and Claude 4.x takes temperature and top_p only one at a time: the kwarg stays
    // with the first request.
    const schemaModel = name === "anthropic" ? { model: "claude-haiku-4-5", providerKwargs: {} } : {};
    const withSchema = { ...request, ...schemaModel, customId: "schema", messages: [{ role: "user" as const, content: "json" }], tools: undefined, responseFormat: { type: "json" as const, schema: { type: "object", properties: { x: SCHEMA_NUMBER[name] }, additionalProperties: false } } };
    const lines = providerServing(name, new Uint8Array()).prepareBatch([request, withSchema]).providerJsonl.trim().split("\n");
    const found = lines.flatMap((line) => numbersIn(JSON.parse(line)));
    const expected = [
      ...Object.values(GENERATION_CONFIGS[name]!),
      REQUEST_NUMBERS.kwarg,
      REQUEST_NUMBERS.parameterMaximum,
      REQUEST_NUMBERS.schemaMaximum,
      ...numbersIn(callArguments),
    ];
    for (const number of expected) assert.ok(found.some((value) => Object.is(value, number)), `${number} not in ${lines.join("\n")}`);
  });
}
