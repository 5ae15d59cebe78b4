// A Cloudflare Worker that exercises the package's workerd entry (npm/dist/index.workerd.js, the
// file the `workerd` export condition selects): conversion, then a whole OpenAI batch lifecycle
// against the runtime-neutral emulator through an injected fetch, with the default storage (memory);
// the credential search in downloads where there is no `Buffer`; then the same lifecycle on Groq,
// Azure OpenAI, Together AI and xAI against their emulators (xAI's results paginated: the emulator
// pages by 2).
// It answers with a report that tests/workerd/workerd.test.mjs checks.
import { AzureOpenAIProvider, GroqProvider, OpenAIProvider, TogetherProvider, ValidationError, XAIProvider, dryRun } from "../../npm/dist/index.workerd.js";
import { azureOpenAIEmulator } from "../dist/emulators/azure-openai-emulator.js";
import { groqEmulator } from "../dist/emulators/groq-emulator.js";
import { OpenAIEmulator } from "../dist/emulators/openai-emulator.js";
import { togetherEmulator } from "../dist/emulators/together-emulator.js";
import { XAIEmulator } from "../dist/emulators/xai-emulator.js";

async function run() {
  const checks = [];
  const check = (name, condition, detail = "") => checks.push({ name, ok: Boolean(condition), detail: String(detail) });

  const unified = '{"customId":"w1","model":"claude-haiku-4-5","messages":[{"role":"user","content":"hello from workerd"}]}\n';
  const converted = await dryRun("anthropic", unified, { name: "worker" });
  check("dry run converts for Anthropic", JSON.parse(converted.providerJsonl).params.max_tokens === 4096, converted.providerJsonl);

  const emulator = new OpenAIEmulator({ apiKey: "sk-worker" });
  const provider = new OpenAIProvider({ apiKey: "sk-worker", baseUrl: "http://emulator.invalid/v1", fetch: emulator.fetch });
  try {
    provider.prepareBatch([{ customId: "k", model: "m", messages: [{ role: "user", content: "x" }], generationConfig: { topK: 1 } }]);
    check("validation errors are typed", false, "no error");
  } catch (error) {
    check("validation errors are typed", error instanceof ValidationError && error.field === "generationConfig.topK", error);
  }
  const requests = Array.from({ length: 5 }, (_, index) => ({ customId: `r${index}`, model: "gpt-4o-mini", messages: [{ role: "user", content: `item ${index}` }] }));
  const batchId = await provider.sendBatch({ provider: "openai", requests });
  let status = await provider.getStatus(batchId);
  for (let attempt = 0; attempt < 10 && !status.isComplete(); attempt++) status = await provider.getStatus(batchId);
  check("the batch completes", status.status === "completed", status.rawStatus);
  const results = [];
  for await (const result of provider.getResults(batchId)) results.push(result);
  check("every result comes back", results.length === 5 && results.every((result) => result.status === "succeeded"), results.length);
  check("results are normalized", results.find((result) => result.customId === "r3")?.response?.text === "echo: item 3");
  const listed = await provider.listBatches({ limit: 5 });
  check("listing works", listed.length === 1 && listed[0].batchId === batchId);
  check("cancelling a finished batch is false", (await provider.cancelBatch(batchId)) === false);

  // No `Buffer` here (no Node compatibility): the credential search in downloads takes its portable
  // path (`Uint8Array.indexOf`). A lower-case key the answers echo, the download cut into 7-byte chunks.
  const lowerCaseKey = "worker-lowercase-secret";
  const echoing = new OpenAIEmulator({ apiKey: lowerCaseKey });
  const rechunked = async (request) => {
    const response = await echoing.fetch(request);
    if (!new URL(request.url).pathname.endsWith("/content")) return response;
    const bytes = new Uint8Array(await response.arrayBuffer());
    let at = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(at, at + 7));
        at += 7;
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const redacting = new OpenAIProvider({ apiKey: lowerCaseKey, baseUrl: "http://emulator.invalid/v1", fetch: rechunked });
  const leaking = Array.from({ length: 3 }, (_, index) => ({ customId: `s${index}`, model: "gpt-4o-mini", messages: [{ role: "user", content: `item ${index} ${lowerCaseKey}${lowerCaseKey}` }] }));
  const leakingId = await redacting.sendBatch({ provider: "openai", requests: leaking });
  for (let attempt = 0; attempt < 10 && !(await redacting.getStatus(leakingId)).isComplete(); attempt++);
  const echoed = [];
  for await (const result of redacting.getResults(leakingId)) echoed.push(result);
  check(
    "without Buffer, a lower-case key echoed in a download cut into 7-byte chunks is redacted",
    typeof globalThis.Buffer === "undefined" && echoed.length === 3 && echoed.every((result) => result.response?.text === `echo: item ${result.customId.slice(1)} [redacted][redacted]`) && !JSON.stringify(echoed).includes(lowerCaseKey),
    `${typeof globalThis.Buffer} ${JSON.stringify(echoed.map((result) => result.response?.text))}`,
  );

  const others = [
    ["groq", (fetch) => new GroqProvider({ apiKey: "gsk-worker", baseUrl: "http://groq.invalid/openai/v1", fetch }), groqEmulator({ apiKey: "gsk-worker" })],
    ["azure", (fetch) => new AzureOpenAIProvider({ apiKey: "az-worker", endpoint: "http://azure.invalid", fetch }), azureOpenAIEmulator({ apiKey: "az-worker" })],
    ["together", (fetch) => new TogetherProvider({ apiKey: "tg-worker", baseUrl: "http://together.invalid/v1", fetch }), togetherEmulator({ apiKey: "tg-worker" })],
    ["xai", (fetch) => new XAIProvider({ apiKey: "xai-worker", baseUrl: "http://xai.invalid/v1", fetch }), new XAIEmulator({ apiKey: "xai-worker", maxPageSize: 2 })],
  ];
  for (const [name, create, other] of others) {
    const client = create(other.fetch);
    const id = await client.sendBatch({ provider: name, requests });
    let state = await client.getStatus(id);
    for (let attempt = 0; attempt < 10 && !state.isComplete(); attempt++) state = await client.getStatus(id);
    const answers = [];
    for await (const result of client.getResults(id)) answers.push(result);
    check(`${name}: a whole batch lifecycle`, state.status === "completed" && answers.length === 5 && answers.every((result) => result.status === "succeeded"), state.rawStatus);
  }
  return checks;
}

export default {
  async fetch() {
    try {
      return Response.json({ checks: await run() });
    } catch (error) {
      return Response.json({ error: `${error?.name}: ${error?.message}\n${error?.stack}` }, { status: 500 });
    }
  },
};
