/**
 * Tools and tool transcripts for all five providers: every body is valid against the provider's
 * official spec (vLLM's against OpenAI's), canaries prove each check refuses a wrong tool field,
 * and refusals name request and field.
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
import { WEATHER_TOOL, toolRequests } from "../support/tool-requests.js";

type Message = Record<string, unknown>;

test("OpenAI and vLLM bodies with tools and transcripts are valid against OpenAI's spec", () => {
  for (const provider of [new OpenAIProvider({ apiKey: "k", storage: false }), new VLLMProvider({ baseUrl: "http://vllm.invalid/v1", storage: false })]) {
    const bodies = lines(provider, toolRequests("gpt-4.1-mini")).map((line) => line.body!);
    for (const body of bodies) assert.deepEqual(validateOpenAI(body), []);
    const messages = bodies[4]!.messages as Message[];
    assert.deepEqual(messages.map((message) => message.role), ["system", "user", "assistant", "tool", "tool", "user"]);
    assert.equal((messages[2]!.tool_calls as { function: { arguments: string } }[])[0]!.function.arguments, '{"city":"Paris","unit":null}');
  }
});

test("Anthropic params with tools and transcripts are valid against the spec", () => {
  const sent = lines(new AnthropicProvider({ apiKey: "k", storage: false }), toolRequests("claude-sonnet-4-5"));
  for (const line of sent) assert.deepEqual(validateAnthropic(line), [], String(line.custom_id));
  const messages = sent[4]!.params!.messages as { role: string; content: { type: string }[] }[];
  assert.deepEqual(messages.map((message) => message.role), ["user", "assistant", "user"]);
  assert.deepEqual(messages[1]!.content.map((block) => block.type), ["thinking", "text", "tool_use", "tool_use"]);
  assert.deepEqual(messages[2]!.content.map((block) => block.type), ["tool_result", "tool_result", "text"]);
});

test("Gemini requests with tools and transcripts are valid against the spec", () => {
  const provider = new GoogleProvider({ apiKey: "k", storage: false, route: "file", dropUnsupported: true });
  const sent = lines(provider, toolRequests("gemini-2.5-flash", { parallelSwitch: false }));
  for (const line of sent) assert.deepEqual(validateGemini(line.request), [], String(line.key));
  const contents = sent[4]!.request!.contents as { role: string; parts: Record<string, unknown>[] }[];
  assert.deepEqual(contents.map((content) => content.role), ["user", "model", "user"]);
  assert.deepEqual(contents[2]!.parts[1], { functionResponse: { id: "call_02-b", name: "get_time", response: { error: "timeout" } } });
});

test("Mistral bodies with tools and transcripts are valid against the spec", () => {
  const sent = lines(new MistralProvider({ apiKey: "k", storage: false }), toolRequests("mistral-small-latest"));
  for (const line of sent) assert.deepEqual(validateMistral(line.body), [], String(line.custom_id));
  const messages = sent[4]!.body!.messages as Message[];
  const ids = (messages[2]!.tool_calls as { id: string }[]).map((call) => call.id);
  for (const id of ids) assert.match(id, /^[a-zA-Z0-9]{9}$/);
  assert.deepEqual([messages[3]!.tool_call_id, messages[4]!.tool_call_id], ids);
});

test("canaries: each spec check refuses a wrong tool field", () => {
  const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };
  const chatTool = { type: "function", function: { name: "f", parameters: { type: "object" } } };
  assert.deepEqual(validateOpenAI({ ...chat, tools: [chatTool] }), []);
  assert.notDeepEqual(validateOpenAI({ ...chat, tools: [{ name: "f", parameters: {} }] }), []);
  assert.notDeepEqual(validateOpenAI({ ...chat, messages: [{ role: "tool", content: "x" }] }), []);
  assert.notDeepEqual(validateMistral({ ...chat, tools: [{ type: "function", function: { name: "f" } }] }), []);
  assert.notDeepEqual(validateMistral({ ...chat, tool_choice: "sometimes" }), []);
  const params = { model: "c", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
  const anthropic = (extra: object) => validateAnthropic({ custom_id: "c", params: { ...params, ...extra } });
  assert.deepEqual(anthropic({ tools: [{ name: "f", input_schema: { type: "object" }, strict: true }] }), []);
  assert.notDeepEqual(anthropic({ tools: [{ name: "f", parameters: { type: "object" } }] }), []);
  assert.notDeepEqual(anthropic({ tools: [{ name: "f", input_schema: { type: "object" }, strict: "yes" }] }), []);
  assert.notDeepEqual(anthropic({ tool_choice: { type: "required" } }), []);
  assert.notDeepEqual(anthropic({ messages: [{ role: "user", content: [{ type: "tool_result", content: "x" }] }] }), []);
  const gemini = { model: "models/g", contents: [{ role: "user", parts: [{ text: "hi" }] }] };
  assert.deepEqual(validateGemini({ ...gemini, tools: [{ functionDeclarations: [{ name: "f", description: "", parametersJsonSchema: {} }] }] }), []);
  assert.notDeepEqual(validateGemini({ ...gemini, tools: [{ functionDeclarations: [{ name: "f", parametersJsonSchema: {} }] }] }), []);
  assert.notDeepEqual(validateGemini({ ...gemini, tools: [{ function_declarations: [] }] }), []);
  assert.notDeepEqual(validateGemini({ ...gemini, contents: [{ role: "user", parts: [{ functionResponse: { name: "f" } }] }] }), []);
});

test("an unanswered tool call is refused before upload, naming request and message", () => {
  for (const [provider, model] of [
    [new OpenAIProvider({ apiKey: "k", storage: false }), "gpt-4.1-mini"],
    [new AnthropicProvider({ apiKey: "k", storage: false }), "claude-haiku-4-5"],
    [new MistralProvider({ apiKey: "k", storage: false }), "mistral-small-latest"],
  ] as const) {
    const [, , , , transcript] = toolRequests(model);
    const unanswered: UnifiedRequest = { ...transcript!, messages: transcript!.messages!.filter((message) => message.role !== "tool") };
    assert.throws(() => provider.prepareBatch([toolRequests(model)[0]!, unanswered]), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual([error.index, error.customId, error.field], [1, "transcript", "messages[2]"]);
      return true;
    });
  }
  const badChoice: UnifiedRequest = { customId: "bad-choice", model: "m", messages: [{ role: "user", content: "x" }], tools: [WEATHER_TOOL], toolChoice: { name: "nope" } };
  assert.throws(() => new OpenAIProvider({ apiKey: "k", storage: false }).prepareBatch([badChoice]), (error: unknown) => error instanceof ValidationError && error.field === "toolChoice.name");
});
