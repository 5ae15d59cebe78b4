// The decode floor: stream the same file and JSON.parse each line, nothing else.
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";

const [file] = process.argv.slice(2);
const bytes = statSync(file).size;
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const started = performance.now();
let lines = 0;
for await (const line of createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity })) {
  if (line) {
    JSON.parse(line);
    lines++;
  }
}
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(JSON.stringify({ bytes, lines, seconds, megabytesPerSecond: bytes / 1e6 / seconds, peakRssMegabytes: peakRss / 1e6 }) + "\n");
