/**
 * `responseFormat` for all five providers: every body is valid against the provider's official
 * spec (vLLM's against OpenAI's, the shape it takes), canaries prove each check refuses a wrong
 * structured-output field, and a schema a provider cannot take is refused before upload with the
 * request and the schema path named.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  AnthropicProvider,
  GoogleProvider,
  MistralProvider,
  OpenAIProvider,
  VLLMProvider,
  ValidationError,
  type UnifiedRequest,
} from "batch-router";

import { type Line, lines, validateAnthropic, validateGemini, validateMistral, validateOpenAI } from "../support/provider-lines.js";
import { INVOICE_SCHEMA, jsonModeRequest, structuredOutputRequests } from "../support/structured-requests.js";

test("OpenAI and vLLM bodies with response_format are valid against OpenAI's spec", () => {
  const providers = [
    new OpenAIProvider({ apiKey: "sk-unused", storage: false }),
    new VLLMProvider({ baseUrl: "http://vllm.invalid/v1", storage: false }),
  ];
  for (const provider of providers) {
    const bodies = lines(provider, [...structuredOutputRequests("gpt-4.1-mini"), jsonModeRequest("gpt-4.1-mini")]).map((line) => line.body!);
    for (const body of bodies) assert.deepEqual(validateOpenAI(body), []);
    assert.deepEqual(bodies[0]!.response_format, {
      type: "json_schema",
      json_schema: { name: "invoice", description: "An invoice", schema: INVOICE_SCHEMA, strict: true },
    });
    assert.deepEqual(bodies[2]!.response_format, { type: "json_object" });
  }
});

test("Anthropic params with output_config.format are valid against the spec", () => {
  const provider = new AnthropicProvider({ apiKey: "sk-ant-unused", storage: false });
  const sent = lines(provider, structuredOutputRequests("claude-sonnet-4-5"));
  for (const line of sent) assert.deepEqual(validateAnthropic(line), [], String(line.custom_id));
  assert.deepEqual(sent[0]!.params!.output_config, { format: { type: "json_schema", schema: INVOICE_SCHEMA } });
});

test("Gemini requests with responseMimeType and responseJsonSchema are valid against the spec", () => {
  const provider = new GoogleProvider({ apiKey: "unused", storage: false, route: "file" });
  const sent = lines(provider, [...structuredOutputRequests("gemini-2.5-flash"), jsonModeRequest("gemini-2.5-flash")]);
  for (const line of sent) assert.deepEqual(validateGemini(line.request), [], String(line.key));
  const config = sent[0]!.request!.generationConfig as Record<string, unknown>;
  assert.equal(config.responseMimeType, "application/json");
  assert.deepEqual(config.responseJsonSchema, INVOICE_SCHEMA);
  assert.deepEqual(sent[2]!.request!.generationConfig, { responseMimeType: "application/json" });
});

test("Mistral bodies with response_format are valid against the spec", () => {
  const provider = new MistralProvider({ apiKey: "unused", storage: false });
  const sent = lines(provider, [...structuredOutputRequests("mistral-small-latest"), jsonModeRequest("mistral-small-latest")]);
  for (const line of sent) assert.deepEqual(validateMistral(line.body), [], String(line.custom_id));
  assert.equal((sent[1]!.body!.response_format as { json_schema: { name: string } }).json_schema.name, "response");
});

test("canaries: each spec check refuses a wrong structured-output field", () => {
  const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };
  assert.deepEqual(validateOpenAI({ ...chat, response_format: { type: "json_schema", json_schema: { name: "x", schema: {} } } }), []);
  assert.notDeepEqual(validateOpenAI({ ...chat, response_format: { type: "json_schema", json_schema: { schema: {} } } }), []);
  assert.notDeepEqual(validateOpenAI({ ...chat, response_format: { type: "json" } }), []);
  assert.notDeepEqual(validateMistral({ ...chat, response_format: { type: "json_schema", json_schema: { name: "x", schema: {}, extra: 1 } } }), []);
  assert.notDeepEqual(validateMistral({ ...chat, response_format: { type: "json_schema", json_schema: { schema: {} } } }), []);
  const params = { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
  const anthropic = (extra: object) => validateAnthropic({ custom_id: "c", params: { ...params, ...extra } });
  assert.deepEqual(anthropic({ output_config: { format: { type: "json_schema", schema: {} } } }), []);
  assert.notDeepEqual(anthropic({ output_config: { format: { type: "json", schema: {} } } }), []);
  assert.notDeepEqual(anthropic({ output_config: { format: { type: "json_schema" } } }), []);
  assert.notDeepEqual(anthropic({ output_config: { schema: {} } }), []);
  const gemini = { model: "models/gemini-2.5-flash", contents: [{ role: "user", parts: [{ text: "hi" }] }] };
  assert.deepEqual(validateGemini({ ...gemini, generationConfig: { responseMimeType: "application/json", responseJsonSchema: {} } }), []);
  assert.notDeepEqual(validateGemini({ ...gemini, responseJsonSchema: {} }), []);
  assert.notDeepEqual(validateGemini({ ...gemini, generationConfig: { response_json_schema: {} } }), []);
});

function refusal(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail("a ValidationError was expected");
}

test("schemas a provider cannot take are refused before upload, naming request and schema path", () => {
  const open = { type: "object", properties: { code: { type: "string", minLength: 3, pattern: "^[A-Z]+$" } }, required: ["code"] };
  const request = (model: string, strict?: boolean): UnifiedRequest[] => [
    { customId: "fine", model, messages: [{ role: "user", content: "x" }] },
    { customId: "open-schema", model, messages: [{ role: "user", content: "JSON" }], responseFormat: { type: "json", schema: open, ...(strict === undefined ? {} : { strict }) } },
  ];
  const cases: [() => unknown, string][] = [
    [() => new OpenAIProvider({ apiKey: "k", storage: false }).prepareBatch(request("gpt-4.1-mini", true)), "responseFormat.schema.additionalProperties"],
    [() => new AnthropicProvider({ apiKey: "k", storage: false }).prepareBatch(request("claude-sonnet-4-5")), "responseFormat.schema.additionalProperties"],
    [() => new GoogleProvider({ apiKey: "k", storage: false }).prepareBatch(request("gemini-2.5-flash")), "responseFormat.schema.properties.code.minLength"],
  ];
  for (const [action, field] of cases) {
    const error = refusal(action);
    assert.deepEqual([error.index, error.customId, error.field], [1, "open-schema", field]);
  }
  // Without strict, OpenAI takes the schema as it is.
  new OpenAIProvider({ apiKey: "k", storage: false }).prepareBatch(request("gpt-4.1-mini"));
});

test("Anthropic has no JSON mode: refused, or left out with a warning under dropUnsupported", () => {
  const error = refusal(() => new AnthropicProvider({ apiKey: "k", storage: false }).prepareBatch([jsonModeRequest("claude-sonnet-4-5")]));
  assert.deepEqual([error.index, error.customId, error.field], [0, "json-mode", "responseFormat"]);
  const provider = new AnthropicProvider({ apiKey: "k", storage: false, dropUnsupported: true });
  const prepared = provider.prepareBatch([jsonModeRequest("claude-sonnet-4-5")]);
  assert.ok(prepared.summary.warnings.some((warning) => warning.field === "responseFormat"));
  assert.equal((JSON.parse(prepared.providerJsonl) as Line).params!.output_config, undefined);
});
