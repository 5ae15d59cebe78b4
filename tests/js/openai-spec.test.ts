/**
 * Every OpenAI line we produce is checked against the official spec's CreateChatCompletionRequest,
 * and canaries prove the check can fail (the spec's chat schema is one that Prism silently skips).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { OpenAIProvider } from "batch-router";

import { openAIRequests } from "../support/requests.js";
import { specValidator } from "../support/spec-validator.js";

const validateBody = specValidator("openai", "CreateChatCompletionRequest");

test("every converted OpenAI line is valid against the official spec", () => {
  const provider = new OpenAIProvider({ apiKey: "sk-unused", storage: false });
  const { providerJsonl } = provider.prepareBatch(openAIRequests());
  const lines = providerJsonl.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.length, openAIRequests().length);
  for (const line of lines) {
    assert.deepEqual(Object.keys(line).sort(), ["body", "custom_id", "method", "url"]);
    assert.equal(line.method, "POST");
    assert.equal(line.url, "/v1/chat/completions");
    assert.deepEqual(validateBody(line.body), [], `line ${line.custom_id}`);
  }
});

test("canary: the spec check rejects wrong bodies", () => {
  const valid = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
  assert.deepEqual(validateBody(valid), []);
  assert.notDeepEqual(validateBody({ ...valid, messages: [{ role: "robot", content: "hi" }] }), []);
  assert.notDeepEqual(validateBody({ model: "gpt-4o-mini" }), []);
  assert.notDeepEqual(validateBody({ ...valid, messages: [{ role: "user", content: [{ type: "image_url", image_url: "not-an-object" }] }] }), []);
  assert.notDeepEqual(validateBody({ ...valid, temperature: "hot" }), []);
});
