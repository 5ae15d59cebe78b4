// Runs in its own process: streams a provider's output file through `getResults` (the Rust decoder
// in wasm) and reports throughput and peak memory. The file is served by an injected fetch straight
// from disk, so the network is not what is measured.
//   node bench/decode-worker.mjs <file> [openai|anthropic|google]
import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";

import { AnthropicProvider, GoogleProvider, OpenAIProvider } from "batch-router";

const [file, providerName = "openai"] = process.argv.slice(2);
const bytes = statSync(file).size;

// Each provider's finished batch, as its status call answers (the shapes the emulators answer).
const BATCHES = {
  openai: {
    id: "batch_bench",
    object: "batch",
    endpoint: "/v1/chat/completions",
    input_file_id: "file-in",
    completion_window: "24h",
    status: "completed",
    output_file_id: "file-out",
    error_file_id: null,
    created_at: 1711471533,
    request_counts: { total: 0, completed: 0, failed: 0 },
  },
  anthropic: {
    id: "msgbatch_bench",
    type: "message_batch",
    processing_status: "ended",
    request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    created_at: "2024-08-20T18:37:24.100435Z",
    ended_at: "2024-08-20T18:37:24.100435Z",
    expires_at: "2024-08-21T18:37:24.100435Z",
    cancel_initiated_at: null,
    archived_at: null,
    results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_bench/results",
  },
  google: {
    name: "batches/bench",
    metadata: {
      "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
      model: "models/gemini-2.5-flash",
      displayName: "bench",
      createTime: "2025-01-01T00:00:00Z",
      updateTime: "2025-01-01T01:00:00Z",
      endTime: "2025-01-01T01:00:00Z",
      state: "BATCH_STATE_SUCCEEDED",
      name: "batches/bench",
    },
    done: true,
    response: { "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput", responsesFile: "files/out" },
  },
};
// The path of each provider's results download.
const DOWNLOAD = { openai: /\/content$/, anthropic: /\/results$/, google: /:download$/ };
const PROVIDERS = { openai: OpenAIProvider, anthropic: AnthropicProvider, google: GoogleProvider };
const IDS = { openai: "batch_bench", anthropic: "msgbatch_bench", google: "batches/bench" };

const Provider = PROVIDERS[providerName];
if (!Provider) throw new Error(`unknown provider ${providerName}`);
const provider = new Provider({
  apiKey: "bench-key",
  storage: false,
  fetch: async (request) => {
    if (DOWNLOAD[providerName].test(new URL(request.url).pathname)) {
      return new Response(Readable.toWeb(createReadStream(file, { highWaterMark: 1 << 20 })), { status: 200 });
    }
    return new Response(JSON.stringify(BATCHES[providerName]), { status: 200, headers: { "content-type": "application/json" } });
  },
});

// The harness's own fetch machinery, loaded before the timer as the floor imports its readline before
// its timer: Node builds `Response` and web streams (undici) on first use, 20–26 ms once per process
// (measured 2026-11-30), which a user pays on the first fetch of any kind and the floor, reading the
// file directly, never does. The package itself is already imported above; what it does from here on
// (its status call, the download through a web stream, the decode) is timed.
await new Response(JSON.stringify({}), { headers: { "content-type": "application/json" } }).json();
await new Response(Readable.toWeb(Readable.from([Buffer.from("{}")]))).text();

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const started = performance.now();
let results = 0;
let succeeded = 0;
for await (const result of provider.getResults(IDS[providerName])) {
  results++;
  if (result.status === "succeeded") succeeded++;
}
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(JSON.stringify({ bytes, results, succeeded, seconds, megabytesPerSecond: bytes / 1e6 / seconds, peakRssMegabytes: peakRss / 1e6 }) + "\n");
