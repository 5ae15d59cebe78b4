/**
 * Every Gemini request we produce is checked against the official spec: file lines' `request` as
 * `GenerateContentRequest`, inline lines as `InlinedRequest`, the create bodies as
 * `BatchGenerateContentRequest` — read as proto messages (closed objects, roles; see
 * support/gemini-spec.ts). Canaries prove the check rejects wrong bodies.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { GoogleProvider, type ProviderOptions } from "batch-router";

import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { geminiValidator, plainGeminiValidator } from "../support/gemini-spec.js";
import { GEMINI_MODEL, WEATHER_TOOL, geminiRequests } from "../support/gemini-requests.js";

const validateRequest = geminiValidator("GenerateContentRequest");
const validateInlined = geminiValidator("InlinedRequest");
const validateCreate = geminiValidator("BatchGenerateContentRequest");

function lines(options: ProviderOptions): Record<string, unknown>[] {
  const provider = new GoogleProvider({ apiKey: "unused", storage: false, ...options });
  return provider.prepareBatch(geminiRequests()).providerJsonl.trim().split("\n").map((line) => JSON.parse(line));
}

test("every file line is {key, request} with a valid GenerateContentRequest", () => {
  const fileLines = lines({ route: "file" });
  const ids = geminiRequests().map((request) => request.customId);
  assert.equal(fileLines.length, ids.length);
  fileLines.forEach((line, index) => {
    assert.deepEqual(Object.keys(line).sort(), ["key", "request"]);
    assert.equal(line.key, ids[index]);
    assert.deepEqual(validateRequest(line.request), [], `line ${String(line.key)}`);
  });
});

test("every inline line is a valid InlinedRequest keyed in its metadata", () => {
  const inlineLines = lines({ route: "inline" });
  const ids = geminiRequests().map((request) => request.customId);
  inlineLines.forEach((line, index) => {
    assert.deepEqual(Object.keys(line).sort(), ["metadata", "request"]);
    assert.deepEqual(line.metadata, { key: ids[index] });
    assert.deepEqual(validateInlined(line), [], `line ${ids[index]}`);
  });
});

test("the create bodies of both routes are valid BatchGenerateContentRequests", async () => {
  for (const route of ["inline", "file"] as const) {
    const emulator = new GeminiEmulator({ apiKey: "key-for-spec", validators: { createBody: validateCreate, inlinedRequest: validateInlined, generateContentRequest: validateRequest } });
    const provider = new GoogleProvider({ apiKey: "key-for-spec", baseUrl: "http://emulated.invalid", storage: false, route, fetch: emulator.fetch });
    await provider.sendBatch({ provider: "google", requests: geminiRequests(), metadata: { displayName: `spec ${route}` } });
    const create = emulator.received.find((request) => request.url.endsWith(":batchGenerateContent"))!;
    const body = JSON.parse(create.bodyText);
    assert.deepEqual(validateCreate(body), [], route);
    assert.equal(body.batch.model, `models/${GEMINI_MODEL}`);
    assert.equal(body.batch.displayName, `spec ${route}`);
    if (route === "inline") assert.equal(body.batch.inputConfig.requests.requests.length, geminiRequests().length);
    else assert.match(body.batch.inputConfig.fileName, /^files\//);
    assert.deepEqual(emulator.violations, []);
  }
});

test("the conversion uses Gemini's own shapes for each kind of content and setting", () => {
  const byKey = new Map(lines({ route: "file" }).map((line) => [line.key as string, line.request as Record<string, any>]));
  assert.deepEqual(byKey.get("system-list")!.systemInstruction, { parts: [{ text: "You are terse." }, { text: "You never apologise." }] });
  const everySetting = byKey.get("every-setting")!;
  assert.deepEqual(everySetting.contents.map((content: { role: string }) => content.role), ["user", "model", "user"]);
  assert.deepEqual(everySetting.generationConfig, {
    maxOutputTokens: 128,
    temperature: 1.5,
    topP: 0.95,
    topK: 40,
    stopSequences: ["END", "STOP", "\n\n", "###", "--"],
    presencePenalty: 0.4,
    frequencyPenalty: -0.2,
  });
  assert.deepEqual(byKey.get("image-file-uri")!.contents[0].parts[0], {
    fileData: { mimeType: "image/png", fileUri: "https://generativelanguage.googleapis.com/v1beta/files/emulated-picture" },
  });
  assert.equal(byKey.get("pdf-base64")!.contents[0].parts[0].inlineData.mimeType, "application/pdf");
  assert.equal(byKey.get("model-turn-with-image")!.contents[1].parts[1].inlineData.mimeType, "image/png");
  const structured = byKey.get("structured-output")!.generationConfig;
  assert.equal(structured.temperature, 0);
  assert.equal(structured.responseMimeType, "application/json");
  assert.equal(structured.responseSchema.type, "OBJECT");
  assert.deepEqual(byKey.get("tools")!.tools, [WEATHER_TOOL]);
  assert.deepEqual(byKey.get("thinking")!.generationConfig, { maxOutputTokens: 1024, thinkingConfig: { thinkingBudget: 512, includeThoughts: true } });
  for (const request of byKey.values()) assert.equal(request.model, `models/${GEMINI_MODEL}`);
});

test("canary: the spec check rejects wrong requests", () => {
  const valid = { model: `models/${GEMINI_MODEL}`, contents: [{ role: "user", parts: [{ text: "hi" }] }] };
  assert.deepEqual(validateRequest(valid), []);
  // The OpenAPI text alone leaves roles and field names open; read as proto messages they are not.
  const assistant = { ...valid, contents: [{ role: "assistant", parts: [{ text: "hi" }] }] };
  assert.deepEqual(plainGeminiValidator("GenerateContentRequest")(assistant), []);
  assert.match(validateRequest(assistant).join("\n"), /\/contents\/0\/role must be equal to one of the allowed values/);
  const unknownSetting = { ...valid, generationConfig: { maxTokens: 5 } };
  assert.match(validateRequest(unknownSetting).join("\n"), /\/generationConfig must NOT have additional properties \(maxTokens\)/);
  assert.match(validateRequest({ ...valid, max_output_tokens: 5 }).join("\n"), /additional properties \(max_output_tokens\)/);
  assert.notDeepEqual(validateRequest({ model: valid.model }), []);
  assert.notDeepEqual(validateRequest({ ...valid, generationConfig: { temperature: "hot" } }), []);
  assert.notDeepEqual(validateRequest({ ...valid, contents: [{ role: "user", parts: [{ image_url: "https://x" }] }] }), []);
  assert.notDeepEqual(validateRequest({ ...valid, contents: [{ role: "user", parts: [{ fileData: { mimeType: "image/png" } }] }] }), []);

  assert.deepEqual(validateInlined({ request: valid, metadata: { key: "k" } }), []);
  assert.notDeepEqual(validateInlined({ metadata: { key: "k" } }), []);
  assert.notDeepEqual(validateInlined({ request: valid, key: "k" }), []);

  const create = { batch: { model: valid.model, displayName: "x", inputConfig: { requests: { requests: [{ request: valid }] } } } };
  assert.deepEqual(validateCreate(create), []);
  assert.notDeepEqual(validateCreate({ batch: { ...create.batch, inputConfig: { requests: [{ request: valid }] } } }), []);
  assert.notDeepEqual(validateCreate({ batch: { ...create.batch, display_name: "x", displayName: undefined } }), []);
  assert.notDeepEqual(validateCreate({ ...create, requests: [] }), []);
});
