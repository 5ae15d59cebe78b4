/**
 * What every consumer project does with the installed package: convert one batch for every
 * provider with `dryRun`, check that invalid input fails with a typed error, and follow a finished
 * OpenAI batch through an injected fetch (no network). Copied into each consumer next to its
 * entry file by tests/packaging/run.sh; throws on the first wrong answer.
 */
import {
  BatchStatusResponse,
  OpenAIProvider,
  ValidationError,
  coreVersion,
  dryRun,
  type DryRunResult,
  type FetchFunction,
  type ProviderName,
  type UnifiedRequest,
  type UnifiedResult,
} from "batch-router";

const PROVIDERS: readonly ProviderName[] = ["openai", "anthropic", "google", "mistral", "vllm", "groq", "azure", "together", "xai"];

const REQUEST: UnifiedRequest = {
  customId: "greeting",
  model: "model-x",
  systemPrompt: "Answer briefly.",
  messages: [{ role: "user", content: "Say hello" }],
  generationConfig: { maxTokens: 32, temperature: 0.2 },
};

type JsonObject = Record<string, unknown>;

/** Where each provider's line keeps the caller's id and the token limit. */
const EXPECTED_SHAPE: Record<ProviderName, { id: (line: JsonObject) => unknown; maxTokens: (line: JsonObject) => unknown }> = {
  openai: { id: (line) => line.custom_id, maxTokens: (line) => field(line, "body", "max_completion_tokens") },
  anthropic: { id: (line) => line.custom_id, maxTokens: (line) => field(line, "params", "max_tokens") },
  google: { id: (line) => line.key, maxTokens: (line) => field(field(line, "request"), "generationConfig", "maxOutputTokens") },
  mistral: { id: (line) => line.custom_id, maxTokens: (line) => field(line, "body", "max_tokens") },
  vllm: { id: (line) => line.custom_id, maxTokens: (line) => field(line, "body", "max_completion_tokens") },
  groq: { id: (line) => line.custom_id, maxTokens: (line) => field(line, "body", "max_completion_tokens") },
  azure: { id: (line) => line.custom_id, maxTokens: (line) => field(line, "body", "max_completion_tokens") },
  together: { id: (line) => line.custom_id, maxTokens: (line) => field(line, "body", "max_tokens") },
  xai: { id: (line) => line.custom_id, maxTokens: (line) => field(line, "body", "max_completion_tokens") },
};

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = typeof current === "object" && current !== null ? (current as JsonObject)[key] : undefined;
  return current;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`packaging check failed: ${message}`);
}

async function convertForEveryProvider(): Promise<void> {
  const unifiedJsonl = JSON.stringify(REQUEST) + "\n";
  for (const provider of PROVIDERS) {
    const result: DryRunResult = await dryRun(provider, unifiedJsonl, { name: "consumer" });
    check(result.provider === provider && result.summary.requestCount === 1, `${provider}: summary ${JSON.stringify(result.summary)}`);
    check(result.summary.bytes === new TextEncoder().encode(result.providerJsonl).length, `${provider}: summary.bytes`);
    const line = JSON.parse(result.providerJsonl) as JsonObject;
    const shape = EXPECTED_SHAPE[provider];
    check(shape.id(line) === "greeting", `${provider}: the custom id in ${result.providerJsonl}`);
    check(shape.maxTokens(line) === 32, `${provider}: the token limit in ${result.providerJsonl}`);
  }
}

function invalidInputIsTyped(): void {
  const provider = new OpenAIProvider({ apiKey: "sk-consumer", storage: false });
  try {
    provider.prepareBatch([{ ...REQUEST, generationConfig: { topK: 1 } }]);
  } catch (error) {
    check(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    check(error.field === "generationConfig.topK", `ValidationError.field is ${error.field}`);
    return;
  }
  throw new Error("packaging check failed: topK for OpenAI was accepted");
}

const BASE_URL = "https://openai.example.invalid/v1";

/** A finished OpenAI batch of two requests, answered without a network. */
const fakeOpenAI: FetchFunction = async (request) => {
  if (request.headers.get("authorization") !== "Bearer sk-consumer") return new Response("{}", { status: 401 });
  const path = request.url.slice(BASE_URL.length);
  if (request.method === "GET" && path === "/batches/batch_consumer") {
    return Response.json({
      id: "batch_consumer",
      object: "batch",
      endpoint: "/v1/chat/completions",
      status: "completed",
      input_file_id: "file-in",
      output_file_id: "file-out",
      error_file_id: null,
      completion_window: "24h",
      created_at: 1711471533,
      completed_at: 1711493163,
      request_counts: { total: 2, completed: 2, failed: 0 },
    });
  }
  if (request.method === "GET" && path === "/files/file-out/content") {
    const lines = ["first", "second"].map((customId) =>
      JSON.stringify({
        id: `batch_req_${customId}`,
        custom_id: customId,
        response: {
          status_code: 200,
          body: {
            id: `chatcmpl-${customId}`,
            object: "chat.completion",
            model: "model-x",
            choices: [{ index: 0, message: { role: "assistant", content: `hello ${customId}` }, finish_reason: "stop" }],
            usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
          },
        },
        error: null,
      }),
    );
    return new Response(lines.join("\n") + "\n", { headers: { "content-type": "application/jsonl" } });
  }
  return Response.json({ error: { message: `no route ${request.method} ${path}` } }, { status: 404 });
};

async function followABatchThroughInjectedFetch(): Promise<number> {
  const provider = new OpenAIProvider({ apiKey: "sk-consumer", baseUrl: BASE_URL, fetch: fakeOpenAI, storage: false });
  const status: BatchStatusResponse = await provider.getStatus("batch_consumer");
  check(status instanceof BatchStatusResponse && status.isComplete(), `status ${status.rawStatus}`);
  check(status.status === "completed" && status.requestCounts.total === 2, `status ${JSON.stringify(status.requestCounts)}`);
  const results: UnifiedResult[] = [];
  for await (const result of provider.getResults("batch_consumer")) results.push(result);
  const texts = results.map((result) => `${result.customId}:${result.status}:${result.response?.text ?? ""}`);
  check(texts.join(",") === "first:succeeded:hello first,second:succeeded:hello second", `results ${texts.join(",")}`);
  check(results[0]?.response?.usage?.outputTokens === 2, "usage is normalized");
  return results.length;
}

/** Runs every check; resolves to a one-line summary for the consumer to print. */
export async function exercisePackage(): Promise<string> {
  const version: string = coreVersion();
  check(/^\d+\.\d+\.\d+/.test(version), `coreVersion() is ${version}`);
  await convertForEveryProvider();
  invalidInputIsTyped();
  const resultCount = await followABatchThroughInjectedFetch();
  return `core ${version}, ${PROVIDERS.length} providers converted, typed validation error, ${resultCount} results through an injected fetch`;
}

/**
 * Type canaries, never called: each `@ts-expect-error` below is itself an error unless the checker
 * read the package's declarations, so a consumer whose types silently fell back to `any` fails.
 */
export function typeCanaries(): void {
  // @ts-expect-error "bedrock" is not a ProviderName
  const notAProvider: ProviderName = "bedrock";
  // @ts-expect-error dryRun needs its options
  void dryRun("openai", "");
  // @ts-expect-error a request needs a model
  const incomplete: UnifiedRequest = { customId: "a", messages: [] };
  void notAProvider;
  void incomplete;
}
