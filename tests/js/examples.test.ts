/**
 * The example programs in examples/ run as a user runs them: child processes of the runtime running
 * this suite (Node, Deno or Bun), with keys and base URLs in the environment, against the four
 * emulators on 127.0.0.1 — each checking every body against the provider's official spec — and
 * against the vLLM sidecar running the stand-in vllm. Asserts on what they print, their exit codes
 * and what reached the providers. Also: every unified JSONL file in examples/ converts for the
 * providers it is meant for (and is refused, with exit 3, by the ones it is not).
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { MistralEmulator } from "../emulators/mistral-emulator.js";
import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { exampleValue } from "../support/emulated-answers.js";
import { geminiValidator } from "../support/gemini-spec.js";
import { serve, type RunningServer } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const examples = join(root, "examples");
const cli = join(root, "npm", "dist", "cli.js");
const sidecar = process.env.SIDECAR_BIN ?? join(root, "target", "debug", "batch-router-sidecar");
const standIn = join(root, "tests", "stand-ins", "vllm");

const KEYS = {
  openai: "fake-examples-openai-0123456789abcdef",
  anthropic: "fake-anthropic-examples-0123456789abcdef",
  google: "fake-google-examples-0123456789abcdefXYZ",
  mistral: "mistral-examples-0123456789abcdef",
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

/** The command that runs a script in the runtime running this suite (Bun's execPath is bun). */
function runtimeCommand(): string[] {
  return deno ? [deno.execPath(), "run", "--allow-all"] : [process.execPath];
}

function childEnvironment(overrides: Record<string, string>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    // A developer's own settings must not steer the examples away from the emulators.
    if (value !== undefined && !/^((OPENAI|ANTHROPIC|GOOGLE|GEMINI|MISTRAL|VLLM|EXAMPLE|BATCH_ROUTER_SIDECAR)_|(IMAGE_URL|PDF_URL|BATCH_ROUTER_SIDECAR)$)/.test(name)) {
      environment[name] = value;
    }
  }
  return { ...environment, ...overrides };
}

function runExample(script: string, args: string[], environment: Record<string, string>, cwd: string): Promise<Run> {
  const [command, ...prefix] = runtimeCommand();
  return new Promise((resolve) => {
    execFile(command!, [...prefix, join(examples, script), ...args], { env: environment, cwd, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI (a Node program, as `node npm/dist/cli.js` in the README). */
function runCli(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.env.NODE_BINARY ?? "node", [cli, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function assertNoKeys(run: Run): void {
  for (const key of Object.values(KEYS)) assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), "a key was printed");
}

function lineFor(run: Run, pattern: RegExp): string {
  const line = run.stdout.split("\n").find((candidate) => pattern.test(candidate));
  assert.ok(line, `no line matching ${pattern} in:\n${run.stdout}\n${run.stderr}`);
  return line;
}

describe("example programs against the emulators and the sidecar", () => {
  let openai: OpenAIEmulator;
  let anthropic: AnthropicEmulator;
  let gemini: GeminiEmulator;
  let mistral: MistralEmulator;
  const servers: RunningServer[] = [];
  let environment: Record<string, string>;
  const tested = new Set<string>();

  /** A fresh working directory per run, so each run's transparency files can be checked. */
  function run(script: string, args: string[] = [], extra: Record<string, string> = {}): Promise<Run & { cwd: string }> {
    tested.add(script);
    const cwd = mkdtempSync(join(tmpdir(), "batch-router-example-"));
    return runExample(script, args, { ...environment, ...extra }, cwd).then((result) => {
      assertNoKeys(result);
      return { ...result, cwd };
    });
  }

  // What each provider received for a custom id (the last one, should several batches share it).
  const openaiBody = (customId: string) =>
    [...openai.batches.values()].flatMap((record) => record.lines).filter((line) => line.customId === customId).at(-1)?.body as Record<string, any>;
  const anthropicParams = (customId: string) =>
    [...anthropic.batches.values()].flatMap((record) => record.requests).filter((request) => request.customId === customId).at(-1)?.params as Record<string, any>;
  const geminiRequest = (customId: string) =>
    [...gemini.batches.values()]
      .flatMap((record) => record.items)
      .filter((item) => (item.key ?? (item.metadata as { key?: string } | undefined)?.key) === customId)
      .at(-1)?.request as Record<string, any>;
  const mistralBody = (customId: string) =>
    [...mistral.jobs.values()].flatMap((record) => record.requests).filter((request) => request.customId === customId).at(-1)?.body as Record<string, any>;
  // Everything each provider received for a custom id, in the order the batches were created.
  const openaiBodies = (customId: string) =>
    [...openai.batches.values()].flatMap((record) => record.lines).filter((line) => line.customId === customId).map((line) => line.body as Record<string, any>);
  const anthropicAll = (customId: string) =>
    [...anthropic.batches.values()].flatMap((record) => record.requests).filter((request) => request.customId === customId).map((request) => request.params as Record<string, any>);
  const geminiAll = (customId: string) =>
    [...gemini.batches.values()]
      .flatMap((record) => record.items)
      .filter((item) => (item.key ?? (item.metadata as { key?: string } | undefined)?.key) === customId)
      .map((item) => item.request as Record<string, any>);
  const mistralAll = (customId: string) =>
    [...mistral.jobs.values()].flatMap((record) => record.requests).filter((request) => request.customId === customId).map((request) => request.body as Record<string, any>);

  before(async () => {
    assert.ok(existsSync(sidecar), `${sidecar} is missing: run cargo build -p batch-router-sidecar`);
    const chatSpec = specValidator("openai", "CreateChatCompletionRequest");
    const embeddingsSpec = specValidator("openai", "CreateEmbeddingRequest");
    openai = new OpenAIEmulator({ apiKey: KEYS.openai, validateBody: (body, url) => (url === "/v1/embeddings" ? embeddingsSpec : chatSpec)(body) });
    anthropic = new AnthropicEmulator({ apiKey: KEYS.anthropic, validateRequest: specValidator("anthropic", "MessageBatchIndividualRequestParams") });
    gemini = new GeminiEmulator({
      apiKey: KEYS.google,
      validators: {
        inlinedRequest: geminiValidator("InlinedRequest"),
        generateContentRequest: geminiValidator("GenerateContentRequest"),
        createBody: geminiValidator("BatchGenerateContentRequest"),
        embedCreateBody: geminiValidator("AsyncBatchEmbedContentRequest"),
        inlinedEmbedRequest: geminiValidator("InlinedEmbedContentRequest"),
        embedContentRequest: geminiValidator("EmbedContentRequest"),
      },
    });
    mistral = new MistralEmulator({
      apiKey: KEYS.mistral,
      validateLine: specValidator("mistral", "BatchRequest"),
      validateBody: specValidator("mistral", "ChatCompletionRequest"),
      validateCreate: specValidator("mistral", "CreateBatchJobRequest"),
      validateEmbeddingsBody: specValidator("mistral", "EmbeddingRequest"),
    });
    const [openaiServer, anthropicServer, geminiServer, mistralServer] = await Promise.all([openai, anthropic, gemini, mistral].map((emulator) => serve(emulator.fetch)));
    servers.push(openaiServer!, anthropicServer!, geminiServer!, mistralServer!);
    environment = childEnvironment({
      OPENAI_API_KEY: KEYS.openai,
      OPENAI_BASE_URL: `${openaiServer!.url}/v1`,
      ANTHROPIC_API_KEY: KEYS.anthropic,
      ANTHROPIC_BASE_URL: anthropicServer!.url,
      GOOGLE_API_KEY: KEYS.google,
      GEMINI_API_KEY: KEYS.google,
      GEMINI_BASE_URL: geminiServer!.url,
      MISTRAL_API_KEY: KEYS.mistral,
      MISTRAL_BASE_URL: mistralServer!.url,
      BATCH_ROUTER_SIDECAR: sidecar,
      VLLM_COMMAND: standIn,
      VLLM_MODEL: "stand-in-model",
      // The sidecar keeps its state under XDG_STATE_HOME: not in the developer's home.
      XDG_STATE_HOME: mkdtempSync(join(tmpdir(), "batch-router-example-state-")),
      EXAMPLE_POLL_SECONDS: "0.02",
    });
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  test("quickstart.mjs sends quickstart.jsonl to OpenAI and prints every answer", async () => {
    const result = await run("quickstart.mjs");
    assert.equal(result.code, 0, result.stderr);
    const batchId = lineFor(result, /^submitted 5 requests as /).split(" ").at(-1)!;
    assert.match(result.stdout, /^batch completed: 5 succeeded, 0 errored of 5$/m);
    for (const customId of ["capital-france", "haiku", "follow-up", "terse-rules", "pixel-colour"]) {
      assert.match(lineFor(result, new RegExp(`^${customId}: `)), /: echo: /);
    }
    assert.equal(openaiBody("pixel-colour")?.messages[0].content[1].type, "image_url");
    for (const kind of ["unified", "provider", "output", "results"]) {
      assert.ok(existsSync(join(result.cwd, ".batch_router", "generated", "openai", `batch_${batchId}_${kind}.jsonl`)), kind);
    }
  });

  test("switch-providers.mjs sends the same requests to all five providers by name", async () => {
    const result = await run("switch-providers.mjs", ["openai", "anthropic", "google", "mistral", "vllm"]);
    assert.equal(result.code, 0, result.stderr);
    for (const provider of ["openai", "anthropic", "google", "mistral", "vllm"]) {
      assert.match(lineFor(result, new RegExp(`^\\[${provider}\\] batch `)), /completed/);
      for (const customId of ["capital", "translate", "conversation"]) {
        assert.match(lineFor(result, new RegExp(`^\\[${provider}\\] ${customId}: `)), /: succeeded: \S/);
      }
    }
    // One set of requests, each provider's own wire format.
    assert.equal(openaiBody("capital")?.messages[0].role, "system");
    assert.deepEqual(anthropicParams("capital")?.system, "Answer in one word.");
    assert.deepEqual(geminiRequest("capital")?.systemInstruction, { parts: [{ text: "Answer in one word." }] });
    assert.deepEqual(mistralBody("conversation")?.messages.map((message: { role: string }) => message.role), ["user", "assistant", "user"]);
    assert.deepEqual(geminiRequest("conversation")?.contents.map((content: { role: string }) => content.role), ["user", "model", "user"]);
  });

  test("switch-providers.mjs skips a provider without a key and says why", async () => {
    const result = await run("switch-providers.mjs", ["mistral"], { MISTRAL_API_KEY: "", MISTRAL_BASE_URL: "" });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\[mistral\] skipped: No API key for mistral: .*MISTRAL_API_KEY/m);
    const unknown = await run("switch-providers.mjs", ["cohere"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown provider "cohere"/);
  });

  test("images-and-pdfs.mjs sends files and URLs in each provider's own shape", async () => {
    const expected: Record<string, string[]> = {
      openai: ["square-colour", "image-by-url", "invoice-total"],
      anthropic: ["square-colour", "image-by-url", "invoice-total"],
      google: ["square-colour", "invoice-total"],
      mistral: ["square-colour", "image-by-url", "pdf-by-url"],
    };
    for (const [provider, customIds] of Object.entries(expected)) {
      const result = await run("images-and-pdfs.mjs", [provider]);
      assert.equal(result.code, 0, `${provider}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^${provider}: ${customIds.length} requests, \\d+ bytes, route (file|inline)$`, "m"));
      for (const customId of customIds) assert.match(lineFor(result, new RegExp(`^${customId}: `)), /: succeeded: /, `${provider} ${customId}`);
    }
    const openaiParts = openaiBody("invoice-total")?.messages[0].content;
    assert.equal(openaiParts[0].type, "file");
    assert.match(openaiParts[0].file.file_data, /^data:application\/pdf;base64,JVBERi0/);
    assert.equal(openaiParts[0].file.filename, "invoice.pdf");
    assert.equal(openaiBody("image-by-url")?.messages[0].content[1].image_url.url, "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png");
    assert.deepEqual(anthropicParams("invoice-total")?.messages[0].content[0].source.type, "base64");
    assert.equal(anthropicParams("image-by-url")?.messages[0].content[1].source.type, "url");
    assert.equal(geminiRequest("square-colour")?.contents[0].parts[1].inlineData.mimeType, "image/png");
    assert.equal(geminiRequest("invoice-total")?.contents[0].parts[0].inlineData.mimeType, "application/pdf");
    assert.equal(mistralBody("pdf-by-url")?.messages[0].content[0].type, "document_url");
    assert.deepEqual(gemini.violations, []);
    assert.deepEqual(mistral.violations, []);
  });

  /** The bodies the sidecar handed to the stand-in vllm in a run: its transparency files, in batch order. */
  function vllmBodies(cwd: string): { custom_id: string; body: Record<string, any> }[] {
    const folder = join(cwd, ".batch_router", "generated", "vllm");
    return readdirSync(folder)
      .filter((name) => name.endsWith("_provider.jsonl"))
      .map((name) => join(folder, name))
      .sort((left, right) => statSync(left).mtimeMs - statSync(right).mtimeMs)
      .flatMap((path) => readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line)));
  }

  const FIVE = ["openai", "anthropic", "google", "mistral", "vllm"];

  test("structured-output.mjs sends one responseFormat request unchanged to all five and prints the same parsed JSON", async () => {
    const result = await run("structured-output.mjs", FIVE);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    // Each provider's own spelling of the one unified field.
    const openaiFormat = openaiBody("paris")?.response_format;
    assert.equal(openaiFormat.type, "json_schema");
    assert.equal(openaiFormat.json_schema.name, "city_facts");
    assert.equal(openaiFormat.json_schema.strict, true);
    const schema = openaiFormat.json_schema.schema;
    assert.deepEqual(schema.required, ["city", "country", "continent", "population", "landmarks"]);
    assert.deepEqual(mistralBody("tokyo")?.response_format, openaiFormat);
    assert.deepEqual(anthropicParams("paris")?.output_config, { format: { type: "json_schema", schema } });
    assert.equal(anthropicParams("paris")?.tools, undefined, "no forced tool: output_config.format");
    const generationConfig = geminiRequest("tokyo")?.generationConfig;
    assert.equal(generationConfig.responseMimeType, "application/json");
    assert.deepEqual(generationConfig.responseJsonSchema, schema);
    assert.equal(generationConfig.responseSchema, undefined);
    assert.equal(generationConfig.maxOutputTokens, 300);
    const vllm = vllmBodies(result.cwd);
    assert.deepEqual(vllm.map((line) => line.custom_id), ["paris", "tokyo"]);
    const openaiSpec = specValidator("openai", "CreateChatCompletionRequest");
    for (const line of vllm) {
      assert.deepEqual(line.body.response_format, openaiFormat);
      assert.deepEqual(openaiSpec(line.body), [], "vLLM takes OpenAI's chat body");
    }
    // Every provider's answer parses to the same value: the emulators answer the schema's example.
    const expected = JSON.stringify(exampleValue(schema));
    // In the schema's order: the schema reached the provider as written.
    assert.equal(expected, '{"city":"example","country":"example","continent":"Africa","population":1,"landmarks":["example"]}');
    for (const provider of FIVE) {
      for (const customId of ["paris", "tokyo"]) assert.equal(lineFor(result, new RegExp(`^\\[${provider}\\] ${customId}: `)), `[${provider}] ${customId}: ${expected}`);
    }
    assert.deepEqual(gemini.violations, []);
    assert.deepEqual(mistral.violations, []);
  });

  test("tool-use.mjs runs two rounds of one tools request on all five: the same tool calls and final text everywhere", async () => {
    const result = await run("tool-use.mjs", FIVE);
    // structured-output.mjs sends "paris" too: only the requests with tools are this example's.
    const hasTools = (body: Record<string, any>) => Array.isArray(body.tools);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const firstOpenAI = openaiBodies("paris").filter(hasTools)[0]!;
    const [weatherTool, timeTool] = firstOpenAI.tools;
    assert.deepEqual(firstOpenAI.tools.map((tool: { type: string; function: { name: string } }) => [tool.type, tool.function.name]), [["function", "get_weather"], ["function", "get_local_time"]]);
    const weather = exampleValue(weatherTool.function.parameters) as { city: string; unit: string };
    const time = exampleValue(timeTool.function.parameters) as { city: string };
    for (const provider of FIVE) {
      for (const customId of ["paris", "lisbon"]) {
        const lines = result.stdout.split("\n").filter((line) => line.startsWith(`[${provider}] ${customId}: `));
        assert.deepEqual(
          lines,
          [
            `[${provider}] ${customId}: tool call get_weather ${JSON.stringify(weather)}`,
            `[${provider}] ${customId}: tool call get_local_time ${JSON.stringify(time)}`,
            `[${provider}] ${customId}: final: echo: 18 degrees ${weather.unit} and sunny in ${weather.city} 14:05 in ${time.city}`,
          ],
          result.stdout,
        );
      }
    }

    // Round 1: the tools in each provider's shape.
    assert.equal(firstOpenAI.tool_choice, "auto");
    const firstAnthropic = anthropicAll("paris").filter(hasTools)[0]!;
    assert.deepEqual(firstAnthropic.tools.map((tool: { name: string; input_schema: unknown }) => [tool.name, tool.input_schema]), [["get_weather", weatherTool.function.parameters], ["get_local_time", timeTool.function.parameters]]);
    assert.deepEqual(firstAnthropic.tool_choice, { type: "auto" });
    const firstGemini = geminiAll("paris").filter(hasTools)[0]!;
    assert.deepEqual(firstGemini.tools[0].functionDeclarations.map((declaration: { name: string; parametersJsonSchema: unknown }) => [declaration.name, declaration.parametersJsonSchema]), [["get_weather", weatherTool.function.parameters], ["get_local_time", timeTool.function.parameters]]);
    assert.equal(firstGemini.toolConfig.functionCallingConfig.mode, "AUTO");
    const toolShape = (tools: { type: string; function: { name: string; parameters: unknown } }[]) => tools.map((tool) => [tool.type, tool.function.name, tool.function.parameters]);
    assert.deepEqual(toolShape(mistralAll("paris").filter(hasTools)[0]!.tools), toolShape(firstOpenAI.tools), "Mistral: OpenAI's tool shape");
    assert.equal(mistralAll("paris").filter(hasTools)[0]!.tool_choice, "auto");

    // Round 2: the answer's content appended as the assistant's turn, the results in each provider's shape.
    const secondOpenAI = openaiBodies("paris").filter(hasTools).at(-1)!;
    assert.deepEqual(secondOpenAI.messages.map((message: { role: string }) => message.role), ["system", "user", "assistant", "tool", "tool"]);
    assert.deepEqual(secondOpenAI.messages[2].tool_calls.map((call: { function: { name: string } }) => call.function.name), ["get_weather", "get_local_time"]);
    assert.deepEqual(secondOpenAI.messages.slice(3).map((message: { tool_call_id: string }) => message.tool_call_id), secondOpenAI.messages[2].tool_calls.map((call: { id: string }) => call.id));
    const secondAnthropic = anthropicAll("paris").filter(hasTools).at(-1)!;
    assert.deepEqual(secondAnthropic.messages.map((message: { role: string }) => message.role), ["user", "assistant", "user"]);
    const toolUses = secondAnthropic.messages[1].content.filter((block: { type: string }) => block.type === "tool_use");
    assert.deepEqual(toolUses.map((block: { name: string; input: unknown }) => [block.name, block.input]), [["get_weather", weather], ["get_local_time", time]]);
    assert.deepEqual(secondAnthropic.messages[2].content.map((block: { type: string; tool_use_id: string }) => [block.type, block.tool_use_id]), toolUses.map((block: { id: string }) => ["tool_result", block.id]));
    const secondGemini = geminiAll("paris").filter(hasTools).at(-1)!;
    assert.deepEqual(secondGemini.contents.map((content: { role: string }) => content.role), ["user", "model", "user"]);
    const calls = secondGemini.contents[1].parts.map((part: { functionCall: { id: string; name: string } }) => part.functionCall);
    assert.deepEqual(calls.map((call: { name: string }) => call.name), ["get_weather", "get_local_time"]);
    assert.ok(calls.every((call: { id?: string }) => typeof call.id === "string" && call.id.length > 0), "ids made up for Gemini's id-less calls");
    assert.deepEqual(
      secondGemini.contents[2].parts.map((part: { functionResponse: { id: string; name: string; response: unknown } }) => [part.functionResponse.id, part.functionResponse.name, part.functionResponse.response]),
      [[calls[0].id, "get_weather", { result: `18 degrees ${weather.unit} and sunny in ${weather.city}` }], [calls[1].id, "get_local_time", { result: `14:05 in ${time.city}` }]],
    );
    const secondMistral = mistralAll("paris").filter(hasTools).at(-1)!;
    const mistralCalls = secondMistral.messages[2].tool_calls as { id: string }[];
    assert.ok(mistralCalls.every((call) => /^[a-zA-Z0-9]{9}$/.test(call.id)), JSON.stringify(mistralCalls));
    assert.deepEqual(secondMistral.messages.slice(3).map((message: { role: string; tool_call_id: string; name: string }) => [message.role, message.tool_call_id, message.name]), [["tool", mistralCalls[0]!.id, "get_weather"], ["tool", mistralCalls[1]!.id, "get_local_time"]]);
    const vllm = vllmBodies(result.cwd).filter((line) => line.custom_id === "paris");
    assert.equal(vllm.length, 2);
    assert.deepEqual(vllm[1]!.body.messages.map((message: { role: string }) => message.role), ["system", "user", "assistant", "tool", "tool"]);
    assert.match(vllm[1]!.body.messages[2].tool_calls[0].id, /^chatcmpl-tool-/);
    const openaiSpec = specValidator("openai", "CreateChatCompletionRequest");
    for (const line of vllm) assert.deepEqual(openaiSpec(line.body), []);
    assert.deepEqual(gemini.violations, []);
    assert.deepEqual(mistral.violations, []);
  });

  test("provider-options.mjs passes thinking, reasoning_effort and thinkingConfig through, and drops topK with a warning", async () => {
    const result = await run("provider-options.mjs", ["anthropic", "openai", "google"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\[anthropic\] reasoning: Thinking about: A bat and a ball/m);
    assert.match(result.stdout, /^\[anthropic\] answer: echo: A bat and a ball/m);
    assert.match(result.stdout, /^\[openai\] warning: generationConfig\.topK: /m);
    // JSON mode: the emulator answers a JSON object.
    assert.match(result.stdout, /^\[openai\] answer: \{"echo":"A bat and a ball/m);
    assert.match(result.stdout, /^\[google\] answer: echo: /m);
    assert.deepEqual(anthropicParams("thinking")?.thinking, { type: "enabled", budget_tokens: 2048 });
    assert.equal(anthropicParams("thinking")?.max_tokens, 4096);
    const openaiRequest = openaiBody("reasoning");
    assert.equal(openaiRequest?.reasoning_effort, "low");
    assert.deepEqual(openaiRequest?.response_format, { type: "json_object" });
    assert.equal(openaiRequest?.max_completion_tokens, 2000);
    assert.equal(openaiRequest?.top_k, undefined);
    assert.deepEqual(geminiRequest("thinking-budget")?.generationConfig, { maxOutputTokens: 2000, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    assert.deepEqual(gemini.violations, []);
  });

  test("vllm-sidecar.mjs runs a batch through the sidecar and the stand-in vllm, then stops the sidecar", async () => {
    const result = await run("vllm-sidecar.mjs");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^submitted batch_\S+ to http:\/\/127\.0\.0\.1:\d+\/v1$/m);
    assert.match(result.stdout, /^batch completed: 3 succeeded, 0 errored$/m);
    for (const customId of ["haiku-1", "haiku-2", "haiku-3"]) assert.match(lineFor(result, new RegExp(`^${customId}: `)), /: succeeded: \S/);
    const batchId = lineFor(result, /^submitted /).split(" ")[1]!;
    const provider = join(result.cwd, ".batch_router", "generated", "vllm", `batch_${batchId}_provider.jsonl`);
    assert.ok(existsSync(provider));
    // The example exited: it can only once close() has stopped the sidecar it started, since the
    // running child would keep it alive until run() timed out.
  });

  test("embeddings.mjs embeds a corpus and a question on every provider with embedding batches", async () => {
    const result = await run("embeddings.mjs", ["openai", "google", "mistral", "vllm"]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    for (const provider of ["openai", "google", "mistral", "vllm"]) {
      assert.match(lineFor(result, new RegExp(`^\\[${provider}\\] batch `)), /completed/);
      assert.match(lineFor(result, new RegExp(`^\\[${provider}\\] \\d+ vectors`)), /^\[\w+\] 5 vectors of \d+ dimensions/);
      assert.match(lineFor(result, new RegExp(`^\\[${provider}\\] closest to the question: `)), /\(-?\d\.\d{3}\)$/);
    }
    // Each provider's own embeddings shape: OpenAI several texts per line, Gemini one per line
    // (the corpus request sent as one line per text, merged back into one result).
    assert.deepEqual(openaiBody("corpus")?.input.length, 4);
    assert.deepEqual(geminiRequest("corpus#1/4")?.content, { parts: [{ text: "The Eiffel Tower is in Paris." }] });
    assert.equal(geminiRequest("corpus#3/4")?.taskType, "RETRIEVAL_DOCUMENT");
    assert.equal(geminiRequest("question")?.taskType, "RETRIEVAL_QUERY");
    assert.equal(mistralBody("corpus")?.model, "mistral-embed");
    assert.deepEqual(gemini.violations, []);
    assert.deepEqual(mistral.violations, []);
  });

  test("long-job-progress.mjs reports progress until the batch ends, then counts the results", async () => {
    const result = await run("long-job-progress.mjs", ["openai"], { EXAMPLE_REQUESTS: "120" });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^submitted 120 requests as batch_\d+$/m);
    const progress = result.stdout.split("\n").filter((line) => /^\[\d\d:\d\d:\d\d\] /.test(line));
    assert.ok(progress.length >= 3, result.stdout);
    assert.match(progress[0]!, /: 0\/120 done \(0%\), 0 succeeded, 0 errored$/);
    assert.match(result.stdout, /^\[00:00:\d\d\] completed \(completed\): 120\/120 done \(100%\), 120 succeeded, 0 errored$/m);
    assert.match(result.stdout, /^results: 120 succeeded, 0 errored, 0 cancelled, 0 expired$/m);
    assert.match(result.stdout, /^for example fact-\d+: echo: State one interesting fact/m);
  });

  test("long-job-progress.mjs stops waiting on Ctrl-C and resumes from the batch id", async () => {
    tested.add("long-job-progress.mjs");
    // A batch that stays in `validating` until the test ends it.
    const slow = new OpenAIEmulator({ apiKey: KEYS.openai, readsPerState: 1_000_000 });
    const server = await serve(slow.fetch);
    try {
      const slowEnvironment = { ...environment, OPENAI_BASE_URL: `${server.url}/v1`, EXAMPLE_REQUESTS: "7" };
      const cwd = mkdtempSync(join(tmpdir(), "batch-router-example-"));
      const [command, ...prefix] = runtimeCommand();
      const interrupted = await new Promise<Run & { signal: NodeJS.Signals | null }>((resolve, reject) => {
        const child = spawn(command!, [...prefix, join(examples, "long-job-progress.mjs"), "openai"], { env: slowEnvironment, cwd });
        let stdout = "";
        let stderr = "";
        let signalled = false;
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString("utf8");
          if (!signalled && /\] validating/.test(stdout)) {
            signalled = true;
            child.kill("SIGINT");
          }
        });
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
      });
      // Deno's child_process reports a child it sent a signal to as killed by it, even when the
      // child handled the signal and exited 130 (as it does under Node and Bun); the printed line
      // below shows the handler ran.
      if (deno) assert.ok(interrupted.code === 130 || interrupted.signal === "SIGINT", interrupted.stderr);
      else assert.equal(interrupted.code, 130, interrupted.stderr);
      const batchId = lineFor(interrupted, /^submitted 7 requests as /).split(" ").at(-1)!;
      assert.match(interrupted.stdout, new RegExp(`Resume with: node examples/long-job-progress\\.mjs openai ${batchId}$`, "m"));
      assert.equal(slow.batches.get(batchId)?.object.status, "validating", "the batch kept running at the provider");

      slow.complete(batchId);
      const resumed = await runExample("long-job-progress.mjs", ["openai", batchId], slowEnvironment, cwd);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, new RegExp(`^resuming ${batchId}$`, "m"));
      assert.match(resumed.stdout, /completed \(completed\): 7\/7 done \(100%\)/);
      assert.match(resumed.stdout, /^results: 7 succeeded/m);
      assert.equal(slow.batches.size, 1, "resuming submits nothing");
    } finally {
      await server.close();
    }
  });

  test("every example program is run by this suite (or, needing a real service, by the suite named here)", () => {
    // Runs against a real PostgreSQL server, which only the Node leg of scripts/test.sh starts.
    const elsewhere: Record<string, string> = { "node-postgres-handler.mjs": "tests/stores/node-postgres-example.test.ts" };
    for (const suite of Object.values(elsewhere)) assert.ok(existsSync(join(root, suite)), suite);
    const programs = readdirSync(examples).filter((name) => name.endsWith(".mjs") && !(name in elsewhere));
    assert.deepEqual(programs.sort(), [...tested].sort());
  });
});

describe("unified JSONL files in examples/ convert for their providers", () => {
  // Each file and the providers it is meant for; the others must refuse it before anything is sent.
  const MEANT_FOR: Record<string, string[]> = {
    "quickstart.jsonl": ["openai", "anthropic", "google", "mistral", "vllm"],
    // Base64 PDFs: Mistral takes documents only by URL, vLLM none at all.
    "multimodal.jsonl": ["openai", "anthropic", "google"],
    // The unified responseFormat: every provider.
    "structured-output.jsonl": ["openai", "anthropic", "google", "mistral", "vllm"],
  };
  const REFUSED: Record<string, string[]> = { "multimodal.jsonl": ["mistral", "vllm"] };

  test("every .jsonl in examples/ is listed here", () => {
    const files = readdirSync(examples).filter((name) => name.endsWith(".jsonl"));
    assert.deepEqual(files.sort(), Object.keys(MEANT_FOR).sort());
  });

  test("each converts for every provider it is meant for, and is refused with exit 3 where it cannot be", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "batch-router-example-convert-"));
    const checks = Object.entries(MEANT_FOR).flatMap(([file, providers]) => [
      ...providers.map(async (provider) => {
        const result = await runCli(["convert", join(examples, file), "--provider", provider, "--json"], cwd);
        assert.equal(result.code, 0, `${file} for ${provider}: ${result.stdout}${result.stderr}`);
        const conversion = JSON.parse(result.stdout).conversions[0];
        assert.equal(conversion.provider, provider);
        // The one warning allowed: Anthropic requires max_tokens, and a request without one gets 4096.
        const warnings = conversion.summary.warnings.filter((warning: { field: string }) => !(provider === "anthropic" && warning.field === "generationConfig.maxTokens"));
        assert.deepEqual(warnings, [], `${file} for ${provider}`);
      }),
      ...(REFUSED[file] ?? []).map(async (provider) => {
        const result = await runCli(["convert", join(examples, file), "--provider", provider], cwd);
        assert.equal(result.code, 3, `${file} for ${provider}: ${result.stderr}`);
        assert.match(result.stderr, /customId "invoice-total"\): messages\[0\]\.content\[0\]\.sourceType/);
      }),
    ]);
    await Promise.all(checks);
  });
});
