/**
 * A download read of any size is decoded a piece at a time (`PIECE`, 256 KiB, in
 * `crates/wasm/src/result_stream.rs`), so that a large read's results are not all built at once.
 * Here a whole output file arrives as one read (a response made from one byte array): pieces end
 * on lines, a line longer than a piece and lines of multibyte text are carried across, a last line
 * without its newline is still read, and every result comes back once, in order, with its own
 * answer; the output transparency file holds exactly the bytes received.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { MemoryStorage, type UnifiedResult } from "batch-router";

import { BATCH_IDS, openaiAnswerLine, providerServing } from "../support/output-file.js";

/** The answer of line `index`: some lines long (one past 256 KiB), some with 2-, 3- and 4-byte characters. */
function answer(index: number): string {
  if (index === 700) return `long ${index} ` + "x".repeat(300 * 1024);
  if (index % 5 === 0) return `héllo ✓ 😀 ${index} ` + "é".repeat(index % 997);
  return `answer ${index} ` + "a".repeat((index * 37) % 1500);
}

const LINES: Record<string, (index: number) => unknown> = {
  openai: (index) => openaiAnswerLine(index, answer(index)),
  anthropic: (index) => ({
    custom_id: `request-${index}`,
    result: {
      type: "succeeded",
      message: {
        id: `msg_${index}`,
        type: "message",
        role: "assistant",
        model: "claude-3-5-haiku-20241022",
        content: [{ type: "text", text: answer(index) }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: index, output_tokens: 1 },
      },
    },
  }),
  google: (index) => ({
    key: `request-${index}`,
    response: {
      candidates: [{ content: { parts: [{ text: answer(index) }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: index, candidatesTokenCount: 1, totalTokenCount: index + 1 },
    },
  }),
};

const COUNT = 2500;

describe("a large read is decoded in pieces", () => {
  for (const name of ["openai", "anthropic", "google"]) {
    test(`${name}: ${COUNT} lines in one read of several MB`, async () => {
      // The last line has no newline.
      const text = Array.from({ length: COUNT }, (_, index) => JSON.stringify(LINES[name]!(index))).join("\n");
      const body = new TextEncoder().encode(text);
      assert.ok(body.length > 4 * 256 * 1024, `the read spans several pieces (${body.length} bytes)`);
      const storage = new MemoryStorage();
      const provider = providerServing(name, body, storage);
      const results: UnifiedResult[] = [];
      for await (const result of provider.getResults(BATCH_IDS[name]!)) results.push(result);
      assert.equal(results.length, COUNT);
      results.forEach((result, index) => {
        assert.equal(result.customId, `request-${index}`);
        assert.equal(result.status, "succeeded", `${result.customId}: ${JSON.stringify(result.error)}`);
        assert.equal(result.response?.text, answer(index), result.customId);
        assert.equal(result.response?.usage?.inputTokens, index, result.customId);
      });
      const stored = await storage.read(`generated/${name}/batch_${BATCH_IDS[name]!.replace(/[^A-Za-z0-9_.-]/g, "_")}_output.jsonl`);
      assert.equal(stored, text, "the output file holds the bytes received, once each");
    });
  }
});
