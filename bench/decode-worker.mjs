// Runs in its own process: streams an OpenAI output file through OpenAIProvider.getResults (the
// Rust decoder in wasm) and reports throughput and peak memory. The file is served by an injected
// fetch straight from disk, so the network is not what is measured.
import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";

import { OpenAIProvider } from "batch-router";

const [file] = process.argv.slice(2);
const bytes = statSync(file).size;
const batch = {
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
};
const provider = new OpenAIProvider({
  apiKey: "sk-bench",
  storage: false,
  fetch: async (request) => {
    if (new URL(request.url).pathname.endsWith("/content")) {
      return new Response(Readable.toWeb(createReadStream(file, { highWaterMark: 1 << 20 })), { status: 200 });
    }
    return new Response(JSON.stringify(batch), { status: 200, headers: { "content-type": "application/json" } });
  },
});

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const started = performance.now();
let results = 0;
let succeeded = 0;
for await (const result of provider.getResults("batch_bench")) {
  results++;
  if (result.status === "succeeded") succeeded++;
}
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(JSON.stringify({ bytes, results, succeeded, seconds, megabytesPerSecond: bytes / 1e6 / seconds, peakRssMegabytes: peakRss / 1e6 }) + "\n");
