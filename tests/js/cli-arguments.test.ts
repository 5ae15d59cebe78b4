/**
 * The command line's arguments, in the package's own words (new-user trial, items 15 and 18): an
 * output path that cannot be written is a usage error before anything is read or downloaded (it
 * was a Node stack trace after the download); counts and intervals that would do nothing or spin
 * are refused; arguments beyond a command's own, and the same provider's `--model` twice, are
 * refused, not ignored; a negative number after an option gets the option's own message, not
 * parseArgs' "argument is ambiguous". All exit 2 with `usage error:`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const directory = mkdtempSync(join(tmpdir(), "batch-router-arguments-"));
const requests = join(directory, "requests.jsonl");
writeFileSync(requests, JSON.stringify({ customId: "a", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) + "\n");
const aFile = join(directory, "a-file");
writeFileSync(aFile, "");
mkdirSync(join(directory, "a-directory"));

/** Every call is refused before the network: the base URL is a closed port, the fetch never made. */
const connection = ["--provider", "openai", "--api-key", "fake-arguments-key-0123", "--base-url", "http://127.0.0.1:9/v1", "--dir", directory];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.env.NODE_BINARY ?? "node", [cli, ...args], { cwd: directory }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function assertUsage(args: string[], message: RegExp): Promise<void> {
  const result = await run(args);
  assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
  assert.match(result.stderr, /^usage error: /);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /node:|    at |ambiguous/);
}

test("an output file or directory that cannot be written: a usage error before anything is downloaded", async () => {
  const missing = join(directory, "missing", "x.jsonl");
  await assertUsage(["results", "batch_abc", ...connection, "--out", missing], /--out .*missing\/x\.jsonl: cannot write it: its directory .*missing does not exist/);
  await assertUsage(["results", "batch_abc", ...connection, "--out", join(directory, "a-directory")], /--out .*: cannot write it: it is a directory/);
  await assertUsage(["results", "batch_abc", ...connection, "--out", join(aFile, "x.jsonl")], /--out .*: cannot write it: .*a-file is not a directory/);
  const underFile = ["--dir", join(aFile, "store")];
  await assertUsage(["convert", requests, "--provider", "openai", ...underFile], /--dir .*: cannot write there: .*a-file is not a directory/);
  await assertUsage(["submit", requests, ...connection, ...underFile], /--dir .*: cannot write there/);
  await assertUsage(["results", "batch_abc", ...connection, ...underFile], /--dir .*: cannot write there/);
});

test("--limit 0, --interval 0 and negative values are refused", async () => {
  await assertUsage(["list", ...connection, "--limit", "0"], /--limit must be a whole number ≥ 1, not "0"/);
  await assertUsage(["list", ...connection, "--limit", "2.5"], /--limit must be a whole number ≥ 1/);
  await assertUsage(["wait", "batch_abc", ...connection, "--interval", "0"], /--interval must be a number of seconds greater than 0, not "0"/);
  await assertUsage(["wait", "batch_abc", ...connection, "--timeout", "-5"], /--timeout must be a number ≥ 0, not "-5"/);
});

test("a negative number after an option gets the option's own message", async () => {
  await assertUsage(["estimate", requests, "--provider", "openai", "--max-output-tokens", "-5"], /--max-output-tokens must be a whole number ≥ 0, not "-5"/);
  await assertUsage(["estimate", requests, "--provider", "openai", "--media-tokens", "-1"], /--media-tokens must be a whole number ≥ 0, not "-1"/);
  await assertUsage(["submit", requests, ...connection, "--prices", aFile, "--max-cost", "1", "--max-output-tokens", "-5"], /--max-output-tokens must be a whole number ≥ 0, not "-5"/);
  await assertUsage(["list", ...connection, "--limit", "-1"], /--limit must be a whole number ≥ 1, not "-1"/);
});

test("arguments beyond a command's own are refused, without quoting them", async () => {
  await assertUsage(["status", "batch_abc", "extra-arg", ...connection], /status takes one ID besides options, but 2 were given/);
  await assertUsage(["list", "extra-arg", ...connection], /list takes no arguments besides options, but 1 was given/);
  await assertUsage(["convert", requests, requests, "--provider", "openai"], /convert takes one FILE besides options, but 2 were given/);
  const result = await run(["cancel", "batch_abc", "fake-stray-key-0123", ...connection]);
  assert.doesNotMatch(result.stderr, /fake-stray-key-0123/);
});

test("the same provider's --model twice is refused (the last one won silently)", async () => {
  await assertUsage(["convert", requests, "--provider", "openai", "--model", "openai=gpt-4o", "--model", "openai=gpt-4o-mini"], /--model openai=gpt-4o-mini: openai was given a model twice/);
  // An alias names the same provider.
  await assertUsage(["convert", requests, "--provider", "google", "--model", "google=gemini-2.5-flash", "--model", "gemini=gemini-2.5-pro"], /google was given a model twice/);
});

test("every option is checked before FILE is read, whatever FILE holds (a usage error, not FILE's exit 3)", async () => {
  // The README: "Arguments are checked before anything is read". --max-cost was checked after the
  // file was read, converted and its warnings printed (a new-user trial).
  const bad = join(directory, "bad.jsonl");
  writeFileSync(bad, JSON.stringify({ customId: "a", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) + "\nnot json\n");
  await assertUsage(["submit", bad, ...connection, "--max-cost", "abc"], /--max-cost must be a number of US dollars ≥ 0, not "abc"/);
  await assertUsage(["submit", bad, ...connection, "--max-cost", "1", "--max-output-tokens", "x"], /--max-output-tokens must be a whole number ≥ 0/);
  await assertUsage(["submit", bad, ...connection, "--endpoint", "chats"], /unknown --endpoint "chats"/);
  await assertUsage(["submit", bad, ...connection, "--anthropic-version", "2024-01-01"], /--anthropic-version 2024-01-01: expected 2023-06-01 or 2026-10-21/);
  await assertUsage(["submit", bad, ...connection, "--max-cost", "1", "--prices", join(directory, "no-prices.json")], /cannot read .*no-prices\.json/);
  await assertUsage(["estimate", bad, "--provider", "anthropic", "--anthropic-version", "2024-01-01"], /--anthropic-version 2024-01-01: expected/);
  await assertUsage(["convert", bad, "--provider", "anthropic", "--anthropic-version", "2024-01-01"], /--anthropic-version 2024-01-01: expected/);
  await assertUsage(["convert", bad, "--provider", "openai", "--from", "anthropic"], /unknown --from "anthropic"; expected openai/);
  // Nothing of FILE was read: no conversion warning came first.
  const result = await run(["submit", bad, ...connection, "--max-cost", "abc"]);
  assert.doesNotMatch(result.stderr, /warning|line 2/);
});
