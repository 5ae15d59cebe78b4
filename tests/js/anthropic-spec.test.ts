/**
 * Every Anthropic request we produce is checked against the official spec
 * (`MessageBatchIndividualRequestParams` for each request, `CreateMessageBatchParams` for the whole
 * create body), with canaries proving the check rejects wrong requests. The emulator's own answers
 * are checked against the spec's response schemas, so the provider suite talks to a faithful fake.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { AnthropicProvider } from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { anthropicRequests, unsafeIdRequests } from "../support/anthropic-requests.js";
import { specValidator } from "../support/spec-validator.js";

const validateRequest = specValidator("anthropic", "MessageBatchIndividualRequestParams");
const validateCreateBody = specValidator("anthropic", "CreateMessageBatchParams");

interface Line {
  custom_id: string;
  params: Record<string, unknown>;
}

function linesOf(requests = anthropicRequests()): Line[] {
  const provider = new AnthropicProvider({ apiKey: "sk-ant-unused", storage: false });
  return provider
    .prepareBatch(requests)
    .providerJsonl.trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Line);
}

test("every converted Anthropic request is valid against the official spec", () => {
  const requests = anthropicRequests();
  const lines = linesOf(requests);
  assert.equal(lines.length, requests.length);
  for (const line of lines) {
    assert.deepEqual(Object.keys(line).sort(), ["custom_id", "params"]);
    assert.deepEqual(validateRequest(line), [], `request ${line.custom_id}`);
  }
  const byId = new Map(lines.map((line) => [line.custom_id, line.params]));
  // The shapes the spec allows several of: make sure each kind was really produced and checked.
  assert.equal(byId.get("with-system-and-config")!.system, "You answer in one sentence.");
  assert.deepEqual(byId.get("system-list")!.system, [
    { type: "text", text: "You are terse." },
    { type: "text", text: "You never apologise." },
  ]);
  const imageUrl = (byId.get("image-url")!.messages as { content: { type: string; source: unknown }[] }[])[0]!.content[0]!;
  assert.deepEqual(imageUrl, { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } });
  const pdf = (byId.get("pdf-base64")!.messages as { content: { source: { type: string; media_type: string } }[] }[])[0]!.content[0]!;
  assert.deepEqual([pdf.source.type, pdf.source.media_type], ["base64", "application/pdf"]);
  const pdfUrl = (byId.get("pdf-url")!.messages as { content: { type: string; source: unknown }[] }[])[0]!.content[0]!;
  assert.deepEqual(pdfUrl, { type: "document", source: { type: "url", url: "https://example.com/report.pdf" } });
  assert.deepEqual(
    (byId.get("multi-turn-with-media")!.messages as { role: string }[]).map((message) => message.role),
    ["user", "assistant", "user"],
  );
  const every = byId.get("every-setting")!;
  assert.deepEqual(
    [every.max_tokens, every.temperature, every.top_p, every.top_k, every.stop_sequences],
    [128, 1, 0.95, 40, ["END", "\n\nHuman:"]],
  );
  assert.deepEqual(byId.get("thinking")!.thinking, { type: "enabled", budget_tokens: 2048 });
  assert.deepEqual(byId.get("tools")!.tool_choice, { type: "tool", name: "get_weather", disable_parallel_tool_use: true });
  assert.equal((byId.get("tools")!.tools as unknown[]).length, 1);
  assert.deepEqual(byId.get("metadata-and-tier")!.metadata, { user_id: "13803d75-b4b5-4c3e-b2a2-6f21399b021b" });
  assert.equal(byId.get("plain")!.max_tokens, 4096, "the default max_tokens");
  assert.equal(byId.get("max-tokens-in-kwargs")!.max_tokens, 64, "providerKwargs.max_tokens wins over the default");
});

test("requests whose ids Anthropic refuses are sent under ids the spec accepts", () => {
  const lines = linesOf(unsafeIdRequests());
  for (const line of lines) assert.deepEqual(validateRequest(line), [], `request ${line.custom_id}`);
  assert.equal(lines[0]!.custom_id, "safe_id-1");
});

test("the whole create body is valid against CreateMessageBatchParams", async () => {
  const emulator = new AnthropicEmulator({ apiKey: "sk-ant-spec", validateRequest });
  const provider = new AnthropicProvider({
    apiKey: "sk-ant-spec",
    baseUrl: "http://emulated.invalid",
    storage: false,
    fetch: emulator.fetch,
  });
  const requests = [...anthropicRequests(), ...unsafeIdRequests()];
  const batchId = await provider.sendBatch({ provider: "anthropic", requests });
  const create = emulator.received.find((request) => request.method === "POST" && request.path === "/v1/messages/batches")!;
  const body = JSON.parse(create.bodyText) as { requests: Line[] };
  assert.deepEqual(validateCreateBody(body), []);
  assert.deepEqual(Object.keys(body), ["requests"]);
  assert.equal(body.requests.length, requests.length);
  assert.deepEqual(body.requests, linesOf(requests), "the body carries exactly the prepared lines");
  assert.match(batchId, /^msgbatch_/);
});

test("canary: the spec check rejects wrong requests", () => {
  const valid: Line = { custom_id: "ok", params: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] } };
  assert.deepEqual(validateRequest(valid), []);
  for (const customId of ["has space", "dot.ted", "ünï", "x".repeat(65), ""]) {
    assert.notDeepEqual(validateRequest({ ...valid, custom_id: customId }), [], `custom_id ${JSON.stringify(customId)}`);
  }
  assert.notDeepEqual(validateRequest({ ...valid, params: { ...valid.params, messages: [{ role: "system", content: "be nice" }] } }), []);
  const { max_tokens: _dropped, ...withoutMaxTokens } = valid.params;
  assert.notDeepEqual(validateRequest({ ...valid, params: withoutMaxTokens }), []);
  assert.notDeepEqual(validateRequest({ ...valid, params: { ...valid.params, max_tokens: 0 } }), []);
  assert.notDeepEqual(validateRequest({ ...valid, params: { ...valid.params, temperature: 1.5 } }), []);
  assert.notDeepEqual(validateRequest({ ...valid, params: { ...valid.params, presence_penalty: 0.5 } }), []);
  assert.notDeepEqual(
    validateRequest({ ...valid, params: { ...valid.params, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/bmp", data: "AA==" } }] }] } }),
    [],
  );
  assert.notDeepEqual(validateRequest({ ...valid, extra: true }), []);
  assert.deepEqual(validateCreateBody({ requests: [valid] }), []);
  assert.notDeepEqual(validateCreateBody({ requests: [] }), []);
  assert.notDeepEqual(validateCreateBody({ requests: [{ ...valid, custom_id: "not ok" }] }), []);
});

test("the emulator answers in the spec's shapes", async () => {
  const emulator = new AnthropicEmulator({ apiKey: "sk-ant-spec" });
  const headers = { "x-api-key": "sk-ant-spec", "anthropic-version": "2023-06-01", "content-type": "application/json" };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await emulator.fetch(
      new Request(`http://emulated.invalid${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    return { status: response.status, text: await response.text() };
  };
  const lines = [
    { custom_id: "a", params: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hello" }] } },
    { custom_id: "b", params: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "FAIL_INVALID" }] } },
    { custom_id: "c", params: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "FAIL_OVERLOADED" }] } },
    { custom_id: "d", params: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "MAKE_CANCELED" }] } },
    { custom_id: "e", params: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "MAKE_EXPIRED" }] } },
    { custom_id: "f", params: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "USE_TOOL" }], thinking: { type: "enabled", budget_tokens: 1024 } } },
  ];
  const validateBatch = specValidator("anthropic", "MessageBatch");
  const created = await call("POST", "/v1/messages/batches", { requests: lines });
  assert.equal(created.status, 200);
  const batch = JSON.parse(created.text) as { id: string };
  assert.deepEqual(validateBatch(batch), []);
  const ended = JSON.parse((await call("GET", `/v1/messages/batches/${batch.id}`)).text);
  const ended2 = JSON.parse((await call("GET", `/v1/messages/batches/${batch.id}`)).text);
  assert.deepEqual([ended.processing_status, ended2.processing_status], ["in_progress", "ended"]);
  assert.deepEqual(validateBatch(ended2), []);
  assert.deepEqual(specValidator("anthropic", "ListResponse_MessageBatch_")(JSON.parse((await call("GET", "/v1/messages/batches?limit=1")).text)), []);
  const results = (await call("GET", new URL(ended2.results_url).pathname)).text.trim().split("\n").map((line) => JSON.parse(line));
  const validateLine = specValidator("anthropic", "MessageBatchIndividualResponse");
  assert.deepEqual(results.map((line) => line.result.type).sort(), ["canceled", "errored", "errored", "expired", "succeeded", "succeeded"]);
  for (const line of results) assert.deepEqual(validateLine(line), [], line.custom_id);
  const missing = await call("GET", "/v1/messages/batches/msgbatch_missing");
  assert.equal(missing.status, 404);
  assert.deepEqual(specValidator("anthropic", "ErrorResponse")(JSON.parse(missing.text)), []);
  const deleted = await call("DELETE", `/v1/messages/batches/${batch.id}`);
  assert.deepEqual(specValidator("anthropic", "DeleteMessageBatchResponse")(JSON.parse(deleted.text)), []);
});

test("the emulator pages its list both ways, newest first, like the API", async () => {
  const emulator = new AnthropicEmulator();
  const headers = { "anthropic-version": "2023-06-01", "content-type": "application/json" };
  const ids: string[] = [];
  for (let index = 0; index < 5; index++) {
    const body = { requests: [{ custom_id: "a", params: { model: "m", max_tokens: 1, messages: [{ role: "user", content: "x" }] } }] };
    const response = await emulator.fetch(new Request("http://emulated.invalid/v1/messages/batches", { method: "POST", headers, body: JSON.stringify(body) }));
    ids.push(((await response.json()) as { id: string }).id);
  }
  const page = async (query: string) => {
    const response = await emulator.fetch(new Request(`http://emulated.invalid/v1/messages/batches${query}`, { headers }));
    const body = (await response.json()) as { data: { id: string }[]; has_more: boolean; first_id: string | null; last_id: string | null };
    return [body.data.map((batch) => ids.indexOf(batch.id)), body.has_more, body.first_id, body.last_id];
  };
  assert.deepEqual(await page(""), [[4, 3, 2, 1, 0], false, ids[4], ids[0]]);
  assert.deepEqual(await page("?limit=2"), [[4, 3], true, ids[4], ids[3]]);
  assert.deepEqual(await page(`?limit=2&after_id=${ids[3]}`), [[2, 1], true, ids[2], ids[1]]);
  assert.deepEqual(await page(`?limit=2&after_id=${ids[1]}`), [[0], false, ids[0], ids[0]]);
  assert.deepEqual(await page(`?limit=2&before_id=${ids[1]}`), [[3, 2], true, ids[3], ids[2]]);
  assert.deepEqual(await page(`?limit=2&before_id=${ids[3]}`), [[4], false, ids[4], ids[4]]);
  const tooMany = await emulator.fetch(new Request("http://emulated.invalid/v1/messages/batches?limit=1001", { headers }));
  assert.equal(tooMany.status, 400);
});

test("canary: the emulator refuses a request the spec refuses", async () => {
  const emulator = new AnthropicEmulator({ validateRequest });
  const response = await emulator.fetch(
    new Request("http://emulated.invalid/v1/messages/batches", {
      method: "POST",
      headers: { "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ requests: [{ custom_id: "a", params: { model: "m", messages: [{ role: "user", content: "x" }] } }] }),
    }),
  );
  assert.equal(response.status, 400);
  const body = (await response.json()) as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "invalid_request_error");
  assert.match(body.error.message, /^requests\.0: .*max_tokens/);
});
