/**
 * Files the CLI reads (unified requests, OpenAI batch input to import, prices) that are not UTF-8
 * are refused naming the file, the line and the byte offset (a new-user trial: a Latin-1 file was
 * decoded with U+FFFD in place of its accents, and the changed requests were uploaded).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { serve, type RunningServer } from "../support/serve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const KEY = "fake-cli-utf8-0123456789abcdefghij";
const nodeBinary = process.env.NODE_BINARY ?? "node";

function run(directory: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(nodeBinary, [cli, ...args], { cwd: directory }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("files that are not UTF-8 are refused with the file, the line and the byte offset", () => {
  let directory = "";
  let emulator: OpenAIEmulator;
  let server: RunningServer;
  const good = '{"customId":"ok","model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}\n';
  // Line 2 is Latin-1: "café" with é as the single byte 0xE9, at byte 79 of the line.
  const latin1 = Buffer.concat([
    Buffer.from(good),
    Buffer.from('{"customId":"b","model":"gpt-4o-mini","messages":[{"role":"user","content":"caf'),
    Buffer.from([0xe9]),
    Buffer.from('"}]}\n'),
  ]);
  const offset = good.length + 79;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), "batch-router-cli-utf8-"));
    writeFileSync(join(directory, "latin1.jsonl"), latin1);
    writeFileSync(join(directory, "prices.json"), Buffer.concat([Buffer.from('{\n  "gpt-4o-mini": {"input": 0.15, "output": 0.6, "note": "'), Buffer.from([0xc0, 0x80]), Buffer.from('"}\n}\n')]));
    writeFileSync(join(directory, "good.jsonl"), good);
    const openaiLine = '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}}\n';
    writeFileSync(join(directory, "openai.jsonl"), Buffer.concat([Buffer.from(openaiLine), Buffer.from(openaiLine), Buffer.from([0xed, 0xa0, 0x80, 0x0a])]));
    emulator = new OpenAIEmulator({ apiKey: KEY });
    server = await serve(emulator.fetch);
  });

  after(async () => {
    await server.close();
  });

  test("a requests file: convert, estimate and submit exit 3 naming line 2 and the byte, nothing uploaded", async () => {
    const connection = ["--provider", "openai", "--base-url", `${server.url}/v1`, "--api-key", KEY];
    for (const args of [
      ["convert", "latin1.jsonl", "--provider", "openai"],
      ["convert", "latin1.jsonl", "--provider", "openai", "--model", "gpt-4o"],
      ["estimate", "latin1.jsonl", "--provider", "openai"],
      ["submit", "latin1.jsonl", ...connection],
    ]) {
      const result = await run(directory, args);
      assert.equal(result.code, 3, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`latin1\\.jsonl: line 2 is not valid UTF-8 \\(byte 0xE9 at byte offset ${offset} of the file, 79 of the line\\)`), args.join(" "));
      const json = await run(directory, [...args, "--json"]);
      assert.equal((JSON.parse(json.stdout) as { line?: number }).line, 2, json.stdout);
    }
    assert.equal(emulator.files.size, 0, "nothing was uploaded");
  });

  test("an OpenAI batch file to import (--from openai): a surrogate's bytes on line 3", async () => {
    const result = await run(directory, ["convert", "openai.jsonl", "--from", "openai", "--provider", "anthropic"]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /openai\.jsonl: line 3 is not valid UTF-8 \(byte 0xED at byte offset \d+ of the file, 0 of the line\)/);
  });

  test("a UTF-16 requests file (either byte order) is named as UTF-16, exit 3, nothing uploaded", async () => {
    const text = "\uFEFF" + good;
    const little = Buffer.from(text, "utf16le");
    const big = Buffer.from(little).swap16();
    writeFileSync(join(directory, "utf16le.jsonl"), little);
    writeFileSync(join(directory, "utf16be.jsonl"), big);
    for (const [file, order] of [["utf16le.jsonl", "FF FE, little-endian"], ["utf16be.jsonl", "FE FF, big-endian"]] as const) {
      const result = await run(directory, ["submit", file, "--provider", "openai", "--base-url", `${server.url}/v1`, "--api-key", KEY]);
      assert.equal(result.code, 3, result.stderr);
      assert.ok(result.stderr.includes(`${file} is UTF-16 text (its byte-order mark is ${order}), not UTF-8: save the file as UTF-8`), result.stderr);
    }
    assert.equal(emulator.files.size, 0, "nothing was uploaded");
  });

  test("two BOM-prefixed CRLF files joined with cat convert as one file of two requests", async () => {
    const second = good.replace('"ok"', '"ok2"');
    writeFileSync(join(directory, "joined.jsonl"), Buffer.from("\uFEFF" + good.replace("\n", "\r\n") + "\uFEFF" + second.replace("\n", "\r\n")));
    const result = await run(directory, ["convert", "joined.jsonl", "--provider", "openai", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { conversions: { summary: { requestCount: number } }[] }).conversions[0]!.summary.requestCount, 2, result.stdout);
  });

  test("a prices file: a usage error (exit 2) naming line 2", async () => {
    const result = await run(directory, ["estimate", "good.jsonl", "--provider", "openai", "--prices", "prices.json"]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /prices\.json: line 2 is not valid UTF-8 \(byte 0xC0 at byte offset \d+ of the file, \d+ of the line\)/);
  });

  test("the scan agrees with a strict decoder on valid, overlong, surrogate, too-large and cut sequences", async () => {
    const { firstInvalidUtf8 } = (await import(pathToFileURL(join(root, "npm", "dist", "cli", "utf8-file.js")).href)) as { firstInvalidUtf8: (bytes: Uint8Array) => number };
    const strict = new TextDecoder("utf-8", { fatal: true });
    const valid = (bytes: Uint8Array): boolean => {
      try {
        strict.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    const samples = [[0x41], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xff]];
    for (const sample of samples) {
      const bytes = Uint8Array.from([0x61, ...sample, 0x62]);
      assert.equal(firstInvalidUtf8(bytes) === -1, valid(bytes), sample.map((byte) => byte.toString(16)).join(" "));
      if (!valid(bytes)) assert.equal(firstInvalidUtf8(bytes), 1);
    }
    // Random bytes: the scan says "valid" exactly when the decoder does.
    let seed = 7;
    for (let round = 0; round < 2000; round++) {
      const bytes = new Uint8Array(6);
      for (let at = 0; at < bytes.length; at++) bytes[at] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
      assert.equal(firstInvalidUtf8(bytes) === -1, valid(bytes), Array.from(bytes).join(","));
    }
  });
});
