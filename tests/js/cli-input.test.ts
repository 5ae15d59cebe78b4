/**
 * The CLI on input files as people's tools write them, and on bad input (issue 21, item 3; field
 * case 16): every command that reads JSONL (`convert`, `submit`, with or without `--model`) reads
 * a byte-order mark and CRLF, and exits 3 for bad content — naming the line (from 1) and the
 * request index, with `field` left out when there is none — before anything is sent.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { serve, type RunningServer } from "../support/serve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const KEY = "fake-cli-input-0123456789abcdefghij";
const nodeBinary = process.env.NODE_BINARY ?? "node";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("the CLI reads JSONL as editors write it and names bad lines", () => {
  let directory = "";
  let emulator: OpenAIEmulator;
  let server: RunningServer;
  let connection: string[];

  function run(args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(nodeBinary, [cli, ...args], { cwd: directory }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  function file(name: string, text: string): string {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  }

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), "batch-router-cli-input-"));
    copyFileSync(join(root, "tests", "fixtures", "unified", "requests-bom-crlf.jsonl"), join(directory, "bom.jsonl"));
    emulator = new OpenAIEmulator({ apiKey: KEY });
    server = await serve(emulator.fetch);
    connection = ["--provider", "openai", "--base-url", `${server.url}/v1`, "--api-key", KEY];
  });

  after(async () => {
    await server.close();
  });

  test("a file with a byte-order mark, CRLF and an empty last line: three requests, with or without --model", async () => {
    for (const extra of [[], ["--model", "gpt-4o"]]) {
      const result = await run(["convert", "bom.jsonl", "--provider", "openai", ...extra]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^openai: 3 requests valid/m);
    }
    const submitted = await run(["submit", "bom.jsonl", ...connection, "--json"]);
    assert.equal(submitted.code, 0, submitted.stderr);
    assert.equal(JSON.parse(submitted.stdout).requests, 3);
  });

  test("a FILE that cannot be read is a usage error (exit 2)", async () => {
    for (const command of ["convert", "submit"]) {
      const result = await run([command, "no-such-file.jsonl", ...(command === "convert" ? ["--provider", "openai"] : connection)]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^usage error: cannot read no-such-file\.jsonl/);
    }
  });

  const good = '{"customId":"ok","model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}';
  const cases = [
    { name: "a line that is not JSON", text: `${good}\r\n\r\n{"customId": "b", oops}\r\n`, field: undefined, customId: undefined },
    { name: "a request without messages", text: `${good}\n\n{"customId":"b","model":"gpt-4o-mini"}\n`, field: "messages", customId: "b" },
  ];
  for (const { name, text, field, customId } of cases) {
    test(`${name}: convert and submit (with and without --model) exit 3 naming line 3 and request 1`, async () => {
      const path = file(`bad-${field ?? "json"}.jsonl`, `\ufeff${text}`);
      const filesBefore = emulator.files.size;
      for (const args of [
        ["convert", path, "--provider", "openai"],
        ["convert", path, "--provider", "all", "--model", "m"],
        ["submit", path, ...connection],
        ["submit", path, ...connection, "--model", "gpt-4o"],
      ]) {
        const result = await run(args);
        assert.equal(result.code, 3, `${args.join(" ")}: ${result.stderr}`);
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.match(result.stderr, /^error: request 1 \(line 3[,)]/, args.join(" "));
        assert.ok(!result.stderr.includes("?"), result.stderr);
        const json = await run([...args, "--json"]);
        assert.equal(json.code, 3);
        const document = JSON.parse(json.stdout) as Record<string, unknown>;
        assert.deepEqual([document.ok, document.code, document.index, document.line, document.customId], [false, "validation", 1, 3, customId]);
        if (field === undefined) assert.ok(!("field" in document), `no field: ${json.stdout}`);
        else assert.equal(document.field, field);
      }
      assert.equal(emulator.files.size, filesBefore, "nothing was uploaded");
    });
  }
});
