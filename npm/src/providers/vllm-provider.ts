/**
 * Local vLLM through `batch-router-sidecar`, which runs `vllm run-batch` behind an OpenAI-compatible
 * files-and-batches API on 127.0.0.1. With no `baseUrl`, the provider starts the sidecar as a child
 * process on first use (the binary from `sidecarPath`, `BATCH_ROUTER_SIDECAR`, or PATH) and stops it
 * on `close()`; with a `baseUrl` it talks to a sidecar that is already running. Node, Deno and Bun
 * only (workers cannot start processes).
 */
import type { ChildProcess } from "node:child_process";

import { ConfigurationError } from "../errors.js";
import { keysOf } from "../option-shapes.js";
import type { Endpoint } from "../types.js";
import { BatchProvider, type ProviderOptions } from "../provider.js";
import { readEnvironment } from "../runtime.js";
import type { PrepareOptions } from "../wasm.js";

/** The keys {@link VLLMProviderOptions} adds to the provider options. */
const vllmOptionKeys = keysOf<Omit<VLLMProviderOptions, keyof ProviderOptions>>({
  vllmCommand: true,
  additionalArgs: true,
  toolCallParser: true,
  reasoningParser: true,
  sidecarPath: true,
  stateDirectory: true,
  concurrency: true,
  startTimeoutMs: true,
  sidecarLog: true,
});

/** Options of {@link VLLMProvider}: the provider options plus how to start the sidecar. */
export interface VLLMProviderOptions extends ProviderOptions {
  /** The vLLM executable the sidecar runs (default `vllm`). */
  vllmCommand?: string;
  /** Extra arguments for `vllm run-batch`, e.g. `["--tensor-parallel-size", "2"]`. */
  additionalArgs?: string[];
  /**
   * vLLM's tool-call parser for the model (`hermes`, `llama3_json`, `mistral`…): passed as
   * `--enable-auto-tool-choice --tool-call-parser NAME`, which tools need (tool choice `auto`
   * needs both). Without it a batch with tools gets a warning.
   */
  toolCallParser?: string;
  /**
   * vLLM's reasoning parser for the model (`deepseek_r1`, `qwen3`…): passed as
   * `--reasoning-parser NAME`, without which reasoning stays inside the answer's text. Without it
   * a batch with `reasoning` gets a warning.
   */
  reasoningParser?: string;
  /** The sidecar binary (default: `BATCH_ROUTER_SIDECAR`, else `batch-router-sidecar` on PATH). */
  sidecarPath?: string;
  /** The sidecar's state directory (files, batches, logs); the sidecar's default otherwise. */
  stateDirectory?: string;
  /** Batches run at once (default 1: one GPU). */
  concurrency?: number;
  /** How long to wait for the sidecar to start, in milliseconds (default 30 s). */
  startTimeoutMs?: number;
  /** Where the sidecar's own log lines go: this process's stderr (default) or nowhere. */
  sidecarLog?: "inherit" | "ignore";
}

/**
 * Local vLLM through `batch-router-sidecar` (an OpenAI-compatible files-and-batches API in front of
 * `vllm run-batch`). Without `baseUrl` the sidecar is started on first use and stopped by
 * {@link VLLMProvider.close}; with one, a running sidecar is used. Node, Deno and Bun only.
 */
export class VLLMProvider extends BatchProvider {
  private readonly vllmOptions: VLLMProviderOptions;
  private child: ChildProcess | undefined;
  private startedUrl: string | undefined;

  constructor(options: VLLMProviderOptions = {}) {
    // The sidecar takes an optional bearer token: the API key, when given, is sent as one.
    super("vllm", options, { optionKeys: vllmOptionKeys });
    this.vllmOptions = options;
  }

  /** The words `vllm run-batch` gets from these options: the parsers' flags, then `additionalArgs`. */
  private runBatchArgs(): string[] {
    const { toolCallParser, reasoningParser, additionalArgs } = this.vllmOptions;
    const args: string[] = [];
    if (toolCallParser !== undefined) args.push("--enable-auto-tool-choice", `--tool-call-parser=${toolCallParser}`);
    if (reasoningParser !== undefined) args.push(`--reasoning-parser=${reasoningParser}`);
    return [...args, ...(additionalArgs ?? [])];
  }

  /**
   * The run-batch arguments go to the core when this provider starts the sidecar (no `baseUrl`):
   * a batch with tools or reasoning is warned about the flags they lack. Without `--vllm-arg`s the
   * sidecar takes them from `BATCH_ROUTER_SIDECAR_VLLM_ARGS` (command-line values replace the
   * variable's). A running sidecar's arguments are unknown.
   */
  protected override prepareOptions(metadata?: Record<string, string>, endpoint?: Endpoint): PrepareOptions {
    const options = super.prepareOptions(metadata, endpoint);
    if (this.vllmOptions.baseUrl !== undefined) return options;
    const given = this.runBatchArgs();
    const vllmArgs = given.length > 0 ? given.join(" ") : readEnvironment("BATCH_ROUTER_SIDECAR_VLLM_ARGS") ?? "";
    return { ...options, vllmArgs };
  }

  protected override async resolveBaseUrl(configured: string | undefined): Promise<string | undefined> {
    if (configured !== undefined) return configured;
    this.startedUrl = `${await this.startSidecar()}/v1`;
    return this.startedUrl;
  }

  /**
   * Starts the sidecar and resolves to its address (`http://127.0.0.1:PORT`). `node:child_process`
   * and `node:readline` load here, on first use, not at the package's import (about 1 ms of its
   * cold start in Node 20, for a provider most programs never start).
   */
  private async startSidecar(): Promise<string> {
    const [{ spawn }, { createInterface }] = await Promise.all([import("node:child_process"), import("node:readline")]);
    const options = this.vllmOptions;
    const binary = options.sidecarPath ?? readEnvironment("BATCH_ROUTER_SIDECAR") ?? "batch-router-sidecar";
    const args = ["--address", "127.0.0.1:0", "--vllm-command", options.vllmCommand ?? "vllm"];
    for (const argument of this.runBatchArgs()) args.push(`--vllm-arg=${argument}`);
    if (options.stateDirectory !== undefined) args.push("--state-dir", options.stateDirectory);
    if (options.concurrency !== undefined) args.push("--concurrency", String(options.concurrency));
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", options.sidecarLog ?? "inherit"] });
    this.child = child;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new ConfigurationError(`${binary} did not report its address within ${options.startTimeoutMs ?? 30_000} ms`));
      }, options.startTimeoutMs ?? 30_000);
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        const match = line.match(/^listening on (http:\/\/\S+)$/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on("error", (error) => {
        clearTimeout(timer);
        // A spawn that failed has no process (no pid), and Deno and Bun emit no `exit` after it:
        // forget it here, so `close()` has nothing to wait for. An error of a running process (a
        // kill that failed) keeps it, to be stopped by `close()`.
        if (this.child === child && child.pid === undefined) {
          this.child = undefined;
          this.resetClient();
        }
        reject(new ConfigurationError(`cannot start ${binary}: ${error.message} (build it with "cargo build --release -p batch-router-sidecar", or set BATCH_ROUTER_SIDECAR or sidecarPath)`));
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) {
          this.child = undefined;
          this.resetClient();
        }
        reject(new ConfigurationError(`${binary} exited before it was ready (${signal ?? `exit code ${code}`})`));
      });
    });
  }

  /** The base URL of the sidecar this provider started, once it runs. */
  get sidecarUrl(): string | undefined {
    return this.child ? this.startedUrl : undefined;
  }

  /** The sidecar this provider started, if any (its process id). */
  get sidecarProcessId(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the sidecar this provider started (a sidecar at a given `baseUrl` is left alone). */
  async close(): Promise<void> {
    const child = this.child;
    // Never started (no pid) or already ended: by an exit code, or by a signal (`exitCode` stays null).
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
