// The vLLM sidecar: peak memory while uploading a large file (at two sizes, to show it is flat in the
// file size), and batch-status latency under concurrent clients on loopback, against the floor — the
// same load on the sidecar's cheapest endpoint, /health.
import { spawn, execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, openAsBlob, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

async function writeInput(path, lines) {
  const out = createWriteStream(path);
  for (let index = 0; index < lines; index++) {
    const line = `{"custom_id":"request-${index}","method":"POST","url":"/v1/chat/completions","body":{"model":"stand-in-model","messages":[{"role":"user","content":"Question ${index}: what is batching?"}],"max_completion_tokens":64}}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

async function startSidecar(binary, standIn, stateDirectory) {
  const child = spawn(binary, ["--address", "127.0.0.1:0", "--state-dir", stateDirectory, "--vllm-command", standIn], {
    stdio: ["ignore", "pipe", "ignore"],
    env: { ...process.env, STAND_IN_DELAY_MS: "100000" },
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const match = line.match(/^listening on (http:\/\/\S+)$/);
    if (match) return { child, url: match[1] };
  }
  throw new Error("the sidecar did not start");
}

function peakMemoryMegabytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kilobytes = Number(status.match(/VmHWM:\s+(\d+) kB/)[1]);
  return kilobytes / 1000;
}

async function upload(url, path) {
  const form = new FormData();
  form.append("purpose", "batch");
  form.append("file", await openAsBlob(path), "input.jsonl");
  const response = await fetch(`${url}/v1/files`, { method: "POST", body: form });
  if (!response.ok) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return (await response.json()).id;
}

async function load(url, clients, seconds) {
  const latencies = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const response = await fetch(url);
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (fraction) => latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))];
  return { requests: latencies.length, perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

export async function benchSidecar({ root, lines = 1_000_000, clients = 32, seconds = 3 }) {
  execFileSync("cargo", ["build", "--release", "-q", "-p", "batch-router-sidecar"], { cwd: root, stdio: "inherit" });
  const binary = join(root, "target", "release", "batch-router-sidecar");
  const standIn = join(root, "tests", "stand-ins", "vllm");
  const directory = mkdtempSync(join(tmpdir(), "batch-router-sidecar-bench-"));
  const uploads = [];
  try {
    for (const count of [Math.max(1000, Math.round(lines / 10)), lines]) {
      const path = join(directory, `input-${count}.jsonl`);
      await writeInput(path, count);
      const { child, url } = await startSidecar(binary, standIn, join(directory, `state-${count}`));
      try {
        const before = peakMemoryMegabytes(child.pid);
        const started = performance.now();
        await upload(url, path);
        const elapsed = (performance.now() - started) / 1000;
        uploads.push({ lines: count, megabytes: Number(execFileSync("stat", ["-c", "%s", path], { encoding: "utf8" })) / 1e6, seconds: elapsed, idleMegabytes: before, peakMegabytes: peakMemoryMegabytes(child.pid) });
      } finally {
        child.kill("SIGKILL");
      }
      rmSync(path);
    }
    const small = join(directory, "small.jsonl");
    await writeInput(small, 10);
    const { child, url } = await startSidecar(binary, standIn, join(directory, "state-load"));
    try {
      const fileId = await upload(url, small);
      const created = await fetch(`${url}/v1/batches`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input_file_id: fileId, endpoint: "/v1/chat/completions", completion_window: "24h" }),
      });
      const batchId = (await created.json()).id;
      await load(`${url}/health`, clients, 1); // warm up
      const floor = await load(`${url}/health`, clients, seconds);
      const status = await load(`${url}/v1/batches/${batchId}`, clients, seconds);
      return { uploads, load: { clients, floor, status } };
    } finally {
      child.kill("SIGKILL");
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
