/**
 * `batch-router estimate FILE --provider P`: tokens and a cost range from a prices file, the same
 * figures as the library's `estimateBatch`, bad input named by line (exit 3), bad options exit 2.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { estimateBatch, type BatchEstimate } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { textRequest } from "../support/requests.js";
import { serve, type RunningServer } from "../support/serve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const nodeBinary = process.env.NODE_BINARY ?? "node";
const directory = mkdtempSync(join(tmpdir(), "batch-router-cli-estimate-"));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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

describe("batch-router estimate", () => {
  const requests = [
    { ...textRequest("a", "Summarise the batch pricing rules in one line.", "gpt-4o-mini"), generationConfig: { maxTokens: 200 } },
    { ...textRequest("b", "Translate: 東京は大きい", "gpt-4o-mini"), generationConfig: { maxTokens: 50 } },
  ];
  const requestsFile = file("requests.jsonl", requests.map((request) => JSON.stringify(request)).join("\r\n") + "\r\n");
  const prices = { "gpt-4o-mini": { input: 0.2, output: 0.8 } };
  const pricesFile = file("prices.json", JSON.stringify(prices));

  test("prints tokens and a cost range, the library's figures", async () => {
    const expected = estimateBatch({ provider: "openai", requests }, { prices });
    const json = await run(["estimate", requestsFile, "--provider", "openai", "--prices", pricesFile, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const [estimate] = (JSON.parse(json.stdout) as { estimates: BatchEstimate[] }).estimates;
    assert.deepEqual(estimate, expected);
    assert.equal(estimate!.maxOutputTokens, 250);
    const text = await run(["estimate", requestsFile, "--provider", "openai", "--prices", pricesFile]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`about ${expected.inputTokens} input tokens, at most 250 output tokens`));
    assert.match(text.stdout, new RegExp(`cost: \\$${expected.minCostUsd!.toFixed(6)} to \\$${expected.maxCostUsd!.toFixed(6)}`));
  });

  test("without prices the cost is unknown and the model is named", async () => {
    // The file names an OpenAI model: Anthropic's is chosen with --model (a model rule refuses the other).
    const result = await run(["estimate", requestsFile, "--provider", "anthropic", "--model", "anthropic=claude-unpriced-9", "--max-output-tokens", "10"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /cost: unknown to unknown/);
    assert.match(result.stdout, /no price for claude-unpriced-9/);
  });

  test("requests without maxTokens are named with their custom id and model, in correct plural", async () => {
    const bounded = JSON.stringify(requests[0]);
    const unbounded = (id: string) => JSON.stringify(textRequest(id, "no bound", "gpt-4o-mini"));
    const one = await run(["estimate", file("one-unbounded.jsonl", `${bounded}\n${unbounded("u-1")}\n`), "--provider", "openai", "--prices", pricesFile]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^openai: 2 requests, .* \(unbounded: 1 request has no maxTokens: request 1 \(customId "u-1", model gpt-4o-mini\)\)$/m);
    assert.match(one.stdout, /^ {2}gpt-4o-mini: 2 requests,/m);
    // The output bound is said to be the bounded requests' only; with none bounded, no figure.
    assert.match(one.stdout, /input tokens, at most \d+ output tokens from the 1 request with maxTokens \(unbounded/);
    const none = await run(["estimate", file("none-bounded.jsonl", `${unbounded("u-0")}\n${unbounded("u-1")}\n`), "--provider", "openai"]);
    assert.match(none.stdout, /^openai: 2 requests, about \d+ input tokens, output tokens unbounded \(unbounded: 2 requests/m);
    assert.doesNotMatch(none.stdout, /at most 0 output tokens/);
    const many = file("many-unbounded.jsonl", [unbounded("u-0"), bounded, ...Array.from({ length: 6 }, (_, index) => unbounded(`v-${index}`))].join("\n") + "\n");
    const text = await run(["estimate", many, "--provider", "openai"]);
    assert.match(text.stdout, /7 requests have no maxTokens: request 0 \(customId "u-0", model gpt-4o-mini\), request 2 \(customId "v-0", model gpt-4o-mini\), .*request 5 \(customId "v-3", model gpt-4o-mini\) and 2 more\)/);
  });

  test("every line says unbounded the same way: a model's requests without maxTokens are no \"0 output at most\"", async () => {
    const mixed = file(
      "per-model-unbounded.jsonl",
      [
        textRequest("a", "List three prime numbers.", "gemini-2.5-flash"),
        { ...textRequest("b", "Hello", "gemini-2.5-pro"), generationConfig: { maxTokens: 200 } },
        textRequest("c", "Hello again", "gemini-2.5-pro"),
      ]
        .map((request) => JSON.stringify(request))
        .join("\n") + "\n",
    );
    const prices = file("gemini-prices.json", JSON.stringify({ "gemini-2.5-flash": { input: 0.3, output: 2.5 }, "gemini-2.5-pro": { input: 1.25, output: 10 } }));
    const result = await run(["estimate", mixed, "--provider", "google", "--prices", prices]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}gemini-2\.5-flash: 1 request, \d+ input tokens, output tokens unbounded, cost \$[\d.]+ to unbounded$/m);
    assert.match(result.stdout, /^ {2}gemini-2\.5-pro: 2 requests, \d+ input tokens, at most 200 output tokens from the 1 request with maxTokens \(unbounded: 1 request without maxTokens\), cost \$[\d.]+ to unbounded$/m);
    assert.match(result.stdout, /^ {2}cost: \$[\d.]+ to unbounded at batch rates$/m);
    assert.doesNotMatch(result.stdout, /0 output at most|output at most/);
  });

  test("--anthropic-version checks that version's rules, as a submission would", async () => {
    const sampled = file("sampled.jsonl", JSON.stringify({ ...textRequest("t-0", "hi", "claude-sonnet-4-5"), generationConfig: { maxTokens: 50, temperature: 0.2 } }) + "\n");
    assert.equal((await run(["estimate", sampled, "--provider", "anthropic"])).code, 0);
    const refused = await run(["estimate", sampled, "--provider", "anthropic", "--anthropic-version", "2026-10-21"]);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /request 0 \(line 1, customId "t-0"\): generationConfig\.temperature: claude-sonnet-4-5 refuses .*2026-10-21/);
    // The fix the error names is a flag estimate takes: the file is estimated as it would be sent.
    assert.match(refused.stderr, /pass --drop-unsupported/);
    const dropped = await run(["estimate", sampled, "--provider", "anthropic", "--anthropic-version", "2026-10-21", "--drop-unsupported", "--json"]);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(JSON.parse(dropped.stdout).estimates[0].requests, 1);
  });

  test("a bad line exits 3 naming it; bad options exit 2", async () => {
    const bad = file("bad.jsonl", JSON.stringify(requests[0]) + "\n{not json\n");
    const result = await run(["estimate", bad, "--provider", "openai"]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /line 2/);
    // A request a submission would refuse is refused here too, naming its line.
    const invalid = file("invalid.jsonl", JSON.stringify(requests[0]) + "\n" + JSON.stringify({ ...requests[0], customId: "k", generationConfig: { topK: 3 } }) + "\n");
    const refused = await run(["estimate", invalid, "--provider", "openai"]);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /line 2/);
    assert.match(refused.stderr, /topK/);
    assert.equal((await run(["estimate", requestsFile])).code, 2);
    assert.equal((await run(["estimate", requestsFile, "--provider", "openai", "--max-output-tokens", "many"])).code, 2);
    assert.equal((await run(["estimate", requestsFile, "--provider", "openai", "--prices", join(directory, "missing.json")])).code, 2);
  });

  test("--provider all estimates for each provider that takes the file and reports the others, exit 3 as convert", async () => {
    // An OpenAI model: Anthropic, Gemini and Mistral refuse it, the OpenAI-compatible ones take it.
    const mixed = file("mixed.jsonl", JSON.stringify({ ...textRequest("a", "hi", "gpt-4o-mini"), generationConfig: { temperature: 1.8, maxTokens: 10 } }) + "\n");
    const text = await run(["estimate", mixed, "--provider", "all"]);
    assert.equal(text.code, 3, text.stderr);
    assert.match(text.stdout, /^openai: 1 request,/m);
    assert.match(text.stdout, /^groq: 1 request,/m);
    assert.match(text.stderr, /^anthropic: refused: request 0 \(line 1, customId "a"\): model: /m);
    const json = await run(["estimate", mixed, "--provider", "all", "--json"]);
    assert.equal(json.code, 3, json.stderr);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; estimates: BatchEstimate[]; refused: { provider: string; field?: string }[] };
    assert.equal(parsed.ok, false);
    const converted = await run(["convert", mixed, "--provider", "all", "--json", "--dir", join(directory, "mixed")]);
    const conversions = JSON.parse(converted.stdout) as { conversions: { provider: string }[]; refused: { provider: string }[] };
    assert.deepEqual(parsed.estimates.map((estimate) => estimate.provider), conversions.conversions.map((conversion) => conversion.provider));
    assert.deepEqual(parsed.refused.map((refusal) => refusal.provider), conversions.refused.map((refusal) => refusal.provider));
    assert.ok(parsed.refused.some((refusal) => refusal.provider === "anthropic" && refusal.field === "model"));
    // The same refusal from every provider is one error, as for convert.
    const broken = await run(["estimate", file("broken.jsonl", "{not json\n"), "--provider", "all"]);
    assert.equal(broken.code, 3);
    assert.doesNotMatch(broken.stderr, /refused/);
  });

  test("a prices file with a wrong price or an unknown key is refused at its key, exit 3", async () => {
    const cases: [object, RegExp][] = [
      [{ "gpt-4o-mini": { input: 0.15, output: 0.6, batchDiscount: 50 } }, /prices\.gpt-4o-mini\.batchDiscount: must be a number from 0 to 1, not the number 50 \(a share: 0\.5 is 50 %\)/],
      [{ "gpt-4o-mini": { input: -1, output: 0.6 } }, /prices\.gpt-4o-mini\.input: must be a number ≥ 0/],
      [{ "gpt-4o-mini": { input: 0.15, output: 0.6, cached_input: 0.1 } }, /prices\.gpt-4o-mini\.cached_input: unknown field; did you mean cachedInput\?/],
      [{ "gpt-4o-mini": { input: 0.15, output: 0.6, extra: 1 } }, /prices\.gpt-4o-mini\.extra: unknown field; known fields: input, output, cachedInput, cacheWrite, batchDiscount/],
    ];
    for (const [prices, message] of cases) {
      const result = await run(["estimate", requestsFile, "--provider", "openai", "--prices", file("bad-prices.json", JSON.stringify(prices))]);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /options\./);
    }
  });

  describe("submit --max-cost", () => {
    const KEY = "fake-cli-estimate-0123456789abcdef";
    let emulator: OpenAIEmulator;
    let server: RunningServer;
    let connection: string[];
    before(async () => {
      emulator = new OpenAIEmulator({ apiKey: KEY });
      server = await serve(emulator.fetch);
      connection = ["--provider", "openai", "--base-url", `${server.url}/v1`, "--api-key", KEY];
    });
    after(async () => {
      await server.close();
    });

    test("a worst case over the budget is refused with exit 3 and nothing is sent", async () => {
      const worst = estimateBatch({ provider: "openai", requests }, { prices }).maxCostUsd!;
      const result = await run(["submit", requestsFile, ...connection, "--prices", pricesFile, "--max-cost", String(worst / 2)]);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /over --max-cost/);
      assert.equal(emulator.batches.size, 0);
    });

    test("--max-cost without --prices uses the built-in prices, and names the models that have none", async () => {
      // gpt-4o-mini has a built-in price: --prices was required all the same (a new-user trial).
      const builtIn = estimateBatch({ provider: "openai", requests }).maxCostUsd!;
      const over = await run(["submit", requestsFile, ...connection, "--max-cost", String(builtIn / 2)]);
      assert.equal(over.code, 3, over.stderr);
      assert.match(over.stderr, new RegExp(`may cost up to \\$${builtIn.toFixed(6)} .*over --max-cost`));
      const unpriced = file("unpriced.jsonl", JSON.stringify({ ...textRequest("u", "hi", "gpt-4.1-nano"), generationConfig: { maxTokens: 5 } }) + "\n");
      const before = emulator.received.length;
      const refused = await run(["submit", unpriced, ...connection, "--max-cost", "1"]);
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /worst case cannot be bounded: no price for gpt-4\.1-nano \(no built-in price: give --prices FILE\)/);
      assert.equal(emulator.received.length, before, "nothing sent");
    });

    test("a budget that cannot be bounded names the requests without maxTokens and their model", async () => {
      const before = emulator.received.length;
      const unbounded = file("unbounded.jsonl", [textRequest("u-0", "a", "gpt-4o-mini"), requests[0], textRequest("u-2", "b", "gpt-4o-mini")].map((request) => JSON.stringify(request)).join("\n") + "\n");
      const result = await run(["submit", unbounded, ...connection, "--prices", pricesFile, "--max-cost", "1"]);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /worst case cannot be bounded: 2 requests have no maxTokens: request 0 \(customId "u-0", model gpt-4o-mini\), request 2 \(customId "u-2", model gpt-4o-mini\) \(give --max-output-tokens\)/);
      const one = file("one-unbounded-submit.jsonl", JSON.stringify(textRequest("u-0", "a", "gpt-4o-mini")) + "\n");
      assert.match((await run(["submit", one, ...connection, "--prices", pricesFile, "--max-cost", "1"])).stderr, /: 1 request has no maxTokens: request 0 \(customId "u-0", model gpt-4o-mini\)/);
      assert.equal(emulator.received.length, before, "nothing sent");
    });

    test("a prices file with a discount of 50 is refused before anything is sent", async () => {
      const before = emulator.received.length;
      const dear = file("discount-50.json", JSON.stringify({ "gpt-4o-mini": { input: 0.15, output: 0.6, batchDiscount: 50 } }));
      const result = await run(["submit", requestsFile, ...connection, "--prices", dear, "--max-cost", "0.000001"]);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /prices\.gpt-4o-mini\.batchDiscount: must be a number from 0 to 1/);
      assert.equal(emulator.received.length, before, "nothing sent");
    });

    test("within the budget it is sent, and the progress shows the spend", async () => {
      const worst = estimateBatch({ provider: "openai", requests }, { prices }).maxCostUsd!;
      const result = await run(["submit", requestsFile, ...connection, "--prices", pricesFile, "--max-cost", String(worst * 2), "--wait", "--interval", "0.01"]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(emulator.batches.size, 1);
      // Six decimals: four showed a small batch's spend as $0.0000 (a new-user trial).
      assert.match(result.stderr, new RegExp(`2/2 done.*worst-case spend \\$${worst.toFixed(6)} of \\$${worst.toFixed(6)}`));
      assert.doesNotMatch(result.stderr, /\$0\.0000\b/);
    });

    test("an embeddings file: --endpoint embeddings counts its texts as input only, for estimate and --max-cost", async () => {
      const embeddings = [{ customId: "corpus", model: "text-embedding-3-small", input: ["The cat sat on the mat.", "Batch APIs cost half as much."] }];
      const embeddingsFile = file("embeddings.jsonl", embeddings.map((request) => JSON.stringify(request)).join("\n") + "\n");
      const embeddingPrices = file("embedding-prices.json", JSON.stringify({ "text-embedding-3-small": { input: 0.02, output: 0 } }));
      const expected = estimateBatch({ provider: "openai", endpoint: "embeddings", requests: embeddings }, { prices: { "text-embedding-3-small": { input: 0.02, output: 0 } } });
      assert.ok(expected.inputTokens > 10 && expected.maxOutputTokens === 0 && expected.unboundedRequests === 0, JSON.stringify(expected));
      const estimated = await run(["estimate", embeddingsFile, "--provider", "openai", "--endpoint", "embeddings", "--prices", embeddingPrices, "--json"]);
      assert.equal(estimated.code, 0, estimated.stderr);
      assert.deepEqual((JSON.parse(estimated.stdout) as { estimates: BatchEstimate[] }).estimates[0], expected);
      const over = await run(["submit", embeddingsFile, ...connection, "--endpoint", "embeddings", "--prices", embeddingPrices, "--max-cost", String(expected.maxCostUsd! / 2)]);
      assert.equal(over.code, 3, over.stderr);
      assert.match(over.stderr, /over --max-cost/);
      const sent = await run(["submit", embeddingsFile, ...connection, "--endpoint", "embeddings", "--prices", embeddingPrices, "--max-cost", "1"]);
      assert.equal(sent.code, 0, sent.stderr);

      // Costs under a millionth of a dollar keep two significant digits, not "$0.000000".
      const text = await run(["estimate", embeddingsFile, "--provider", "openai", "--endpoint", "embeddings", "--prices", embeddingPrices]);
      assert.equal(text.code, 0, text.stderr);
      assert.ok(expected.maxCostUsd! < 0.000_001, String(expected.maxCostUsd));
      const shown = /cost: \$(\S+) to \$(\S+) at batch rates/.exec(text.stdout);
      assert.ok(shown, text.stdout);
      assert.ok(Math.abs(Number(shown[2]) - expected.maxCostUsd!) / expected.maxCostUsd! < 0.05, `${shown[2]} vs ${expected.maxCostUsd}`);
      const tiny = await run(["submit", embeddingsFile, ...connection, "--endpoint", "embeddings", "--prices", embeddingPrices, "--max-cost", "0.0000000001"]);
      assert.equal(tiny.code, 3, tiny.stderr);
      assert.doesNotMatch(tiny.stderr, /\$0\.000000 /);
      assert.match(tiny.stderr, /may cost up to \$0\.0000000?[1-9]/);
    });

    test("--provider all means every provider with the endpoint", async () => {
      const embeddings = [{ customId: "corpus", model: "m", input: ["one text", "another text"] }];
      const embeddingsFile = file("embeddings-all.jsonl", embeddings.map((request) => JSON.stringify(request)).join("\n") + "\n");
      const models = ["openai=text-embedding-3-small", "google=gemini-embedding-001", "mistral=mistral-embed", "vllm=e5"].flatMap((model) => ["--model", model]);
      const providersOf = async (endpoint: string, extra: string[] = []) => {
        const result = await run(["estimate", embeddingsFile, "--provider", "all", "--endpoint", endpoint, ...extra, "--json"]);
        assert.equal(result.code, 0, result.stderr);
        return (JSON.parse(result.stdout) as { estimates: BatchEstimate[] }).estimates.map((estimate) => estimate.provider);
      };
      assert.deepEqual(await providersOf("embeddings", models), ["openai", "google", "mistral", "vllm"]);
      const chatFile = file("chat-all.jsonl", JSON.stringify(textRequest("c", "hello", "m")) + "\n");
      const chat = await run(["estimate", chatFile, "--provider", "all", "--json"]);
      assert.equal(chat.code, 0, chat.stderr);
      assert.equal((JSON.parse(chat.stdout) as { estimates: BatchEstimate[] }).estimates.length, 9, "chat: every provider");
      const responses = await run(["estimate", chatFile, "--provider", "all", "--endpoint", "responses", "--json"]);
      assert.equal(responses.code, 0, responses.stderr);
      assert.deepEqual((JSON.parse(responses.stdout) as { estimates: BatchEstimate[] }).estimates.map((estimate) => estimate.provider), ["openai", "azure"]);
      // convert writes each of them, and says nothing of the others.
      const converted = await run(["convert", embeddingsFile, "--provider", "all", "--endpoint", "embeddings", ...models, "--dir", join(directory, "all")]);
      assert.equal(converted.code, 0, converted.stderr);
      for (const provider of ["openai", "google", "mistral", "vllm"]) assert.match(converted.stdout, new RegExp(`\\b${provider}\\b`));
      assert.doesNotMatch(converted.stdout + converted.stderr, /anthropic/i);
    });
  });
});
