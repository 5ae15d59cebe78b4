/**
 * `batch-router sidecar [ARGS]`: runs the vLLM sidecar (`batch-router-sidecar`) in the foreground,
 * passing every argument through. The binary is found through `BATCH_ROUTER_SIDECAR` or on PATH.
 */
import { spawn } from "node:child_process";

import { readEnvironment } from "../runtime.js";
import { ExitCode } from "./exit-codes.js";

export const sidecarHelp = `Usage: batch-router sidecar [SIDECAR OPTIONS]

Starts batch-router-sidecar, which runs "vllm run-batch" locally behind an OpenAI-compatible
files-and-batches API on 127.0.0.1, so that "--provider vllm --base-url <printed address>/v1" works
with every other command. All options go to the sidecar (see "batch-router-sidecar --help").
The binary is taken from BATCH_ROUTER_SIDECAR, or found on PATH.
`;

export async function runSidecar(args: string[]): Promise<number> {
  if (args.includes("--help") && args.length === 1) {
    process.stdout.write(sidecarHelp);
    return ExitCode.ok;
  }
  const binary = readEnvironment("BATCH_ROUTER_SIDECAR") ?? "batch-router-sidecar";
  return await new Promise<number>((resolve) => {
    const child = spawn(binary, args, { stdio: "inherit" });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", (error) => {
      process.stderr.write(`error: cannot start ${binary}: ${error.message} (build it with "cargo build --release -p batch-router-sidecar", or set BATCH_ROUTER_SIDECAR)\n`);
      resolve(ExitCode.failure);
    });
    child.on("exit", (code) => resolve(code ?? ExitCode.failure));
  });
}
