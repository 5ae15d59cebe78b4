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
