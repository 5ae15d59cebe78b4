/**
 * Every Mistral line we produce is checked against the official spec: the line against
 * `BatchRequest`, its body against `ChatCompletionRequest` (which forbids unknown keys), and the
 * create-job call of both routes against `CreateBatchJobRequest`. Canaries prove each check can fail.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { MistralProvider } from "batch-router";

import { MistralEmulator } from "../emulators/mistral-emulator.js";
import { MISTRAL_MODEL, mistralRequests } from "../support/mistral-requests.js";
import { specValidator } from "../support/spec-validator.js";

const validateLine = specValidator("mistral", "BatchRequest");
const validateBody = specValidator("mistral", "ChatCompletionRequest");
const validateCreate = specValidator("mistral", "CreateBatchJobRequest");

test("every converted Mistral line is valid against the official spec", () => {
  const provider = new MistralProvider({ apiKey: "unused", storage: false });
  const requests = mistralRequests();
  const { providerJsonl } = provider.prepareBatch(requests);
  const lines = providerJsonl.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.length, requests.length);
  for (const [index, line] of lines.entries()) {
    assert.deepEqual(Object.keys(line).sort(), ["body", "custom_id"]);
    assert.equal(line.custom_id, requests[index]!.customId);
    assert.deepEqual(validateLine(line), [], `line ${line.custom_id}`);
    assert.deepEqual(validateBody(line.body), [], `body of ${line.custom_id}`);
    assert.equal(line.body.model, MISTRAL_MODEL);
  }
});

test("the lines carry what was asked, under Mistral's names", () => {
  const provider = new MistralProvider({ apiKey: "unused", storage: false });
  const { providerJsonl } = provider.prepareBatch(mistralRequests());
  const byId = new Map(providerJsonl.trim().split("\n").map((text) => {
    const line = JSON.parse(text);
    return [line.custom_id as string, line.body as Record<string, unknown>];
  }));
  const full = byId.get("multi-turn-full-config")!;
  assert.deepEqual(
    (full.messages as { role: string }[]).map((message) => message.role),
    ["system", "user", "assistant", "user"],
  );
  assert.deepEqual([full.max_tokens, full.temperature, full.top_p, full.stop, full.presence_penalty, full.frequency_penalty], [128, 1.2, 0.95, ["FIN"], 1.5, 0.25]);
  const systemList = byId.get("system-list")!;
  assert.deepEqual((systemList.messages as unknown[])[0], {
    role: "system",
    content: [{ type: "text", text: "You are terse." }, { type: "text", text: "You never apologise." }],
  });
  const image = (byId.get("image-base64")!.messages as { content: { type: string; image_url?: string }[] }[])[0]!.content[1]!;
  assert.equal(image.type, "image_url");
  assert.match(image.image_url!, /^data:image\/png;base64,/);
  const url = (byId.get("image-url")!.messages as { content: unknown[] }[])[0]!.content[0];
  assert.deepEqual(url, { type: "image_url", image_url: "https://example.com/cat.jpg" });
  const documentPart = (byId.get("document-url")!.messages as { content: unknown[] }[])[0]!.content[0];
  assert.deepEqual(documentPart, { type: "document_url", document_url: "https://example.com/report.pdf", document_name: "report.pdf" });
  assert.equal(byId.get("structured")!.random_seed, 7);
  assert.equal((byId.get("structured")!.response_format as { type: string }).type, "json_schema");
  assert.equal(byId.get("tools")!.tool_choice, "any");
});

for (const route of ["file", "inline"] as const) {
  test(`the create-job call of the ${route} route is valid against CreateBatchJobRequest`, async () => {
    const emulator = new MistralEmulator({ validateLine, validateBody, validateCreate });
    const provider = new MistralProvider({
      apiKey: "unused",
      baseUrl: "http://emulated.invalid",
      storage: false,
      route,
      timeoutHours: 48,
      fetch: emulator.fetch,
    });
    const batchId = await provider.sendBatch({ provider: "mistral", requests: mistralRequests(), metadata: { job_type: "spec" } });
    assert.equal(emulator.jobs.get(batchId)?.timeoutHours, 48);
    const create = emulator.received.find((request) => request.method === "POST" && request.path === "/v1/batch/jobs");
    assert.ok(create, "a create call was made");
    assert.equal(create.headers["content-type"], "application/json");
    const body = JSON.parse(create.bodyText) as Record<string, unknown>;
    assert.deepEqual(validateCreate(body), []);
    assert.equal(body.endpoint, "/v1/chat/completions");
    assert.equal(body.model, MISTRAL_MODEL);
    assert.equal(body.timeout_hours, 48);
    assert.deepEqual(body.metadata, { job_type: "spec" });
    if (route === "file") {
      assert.deepEqual(body.input_files, [[...emulator.files.keys()][0]]);
      assert.equal(body.requests, undefined);
    } else {
      assert.equal(body.input_files, undefined);
      const lines = body.requests as { custom_id: string; body: unknown }[];
      assert.equal(lines.length, mistralRequests().length);
      for (const line of lines) assert.deepEqual(validateBody(line.body), [], line.custom_id);
    }
    assert.deepEqual(emulator.violations, []);
  });
}

test("canary: the spec checks reject wrong lines, bodies and create calls", () => {
  const body = { model: MISTRAL_MODEL, messages: [{ role: "user", content: "hi" }] };
  assert.deepEqual(validateBody(body), []);
  const topK = validateBody({ ...body, top_k: 40 });
  assert.ok(topK.some((error) => /additional properties/.test(error)), topK.join("; "));
  assert.notDeepEqual(validateBody({ ...body, messages: [{ role: "robot", content: "hi" }] }), []);
  assert.notDeepEqual(validateBody({ messages: body.messages }), []);
  assert.notDeepEqual(validateBody({ ...body, temperature: 1.6 }), []);
  assert.notDeepEqual(validateBody({ ...body, top_p: 0 }), []);
  assert.notDeepEqual(validateBody({ ...body, messages: [{ role: "user", content: [{ type: "image", data: "x" }] }] }), []);

  assert.deepEqual(validateLine({ custom_id: "a", body }), []);
  assert.deepEqual(validateLine({ custom_id: null, body }), []);
  assert.notDeepEqual(validateLine({ custom_id: "a" }), []);
  assert.notDeepEqual(validateLine({ custom_id: 7, body }), []);

  const create = { endpoint: "/v1/chat/completions", model: MISTRAL_MODEL, input_files: ["e85980c9-409e-4a46-9304-36588f6292b0"] };
  assert.deepEqual(validateCreate(create), []);
  assert.notDeepEqual(validateCreate({ ...create, endpoint: "/v1/batches" }), []);
  assert.notDeepEqual(validateCreate({ model: MISTRAL_MODEL, input_files: create.input_files }), []);
  assert.notDeepEqual(validateCreate({ ...create, timeout_hours: 169 }), []);
  assert.notDeepEqual(validateCreate({ ...create, metadata: { "": "empty key" } }), []);
  assert.notDeepEqual(validateCreate({ ...create, requests: [{ custom_id: "a" }] }), []);
});
