/**
 * A credential never reaches an error message, whatever the path (new-user trial, item 5): a key
 * that cannot travel in an HTTP header, and a base URL that does not parse, are refused when the
 * provider is made, without quoting them (they failed at the first call as a *retryable*
 * `ConnectionError`: `Headers.append: "Bearer <key>" is an invalid header value`); and a message the
 * runtime gives (fetch, `Headers`) has every configured credential `[redacted]` where it is wrapped,
 * in a provider's errors, a job's `JobInterruptedError` and the CLI's output. The secrets match no
 * real key pattern.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  AnthropicProvider,
  AzureOpenAIProvider,
  BatchRouter,
  BatchRouterError,
  ConfigurationError,
  ConnectionError,
  GoogleProvider,
  GroqProvider,
  JobInterruptedError,
  MemoryStorage,
  MistralProvider,
  OpenAIProvider,
  TogetherProvider,
  VLLMProvider,
  ValidationError,
  XAIProvider,
} from "batch-router";

const SECRET = "test-secret-123";

const makers: [string, (options: Record<string, unknown>) => unknown][] = [
  ["openai", (options) => new OpenAIProvider(options)],
  ["anthropic", (options) => new AnthropicProvider(options)],
  ["google", (options) => new GoogleProvider(options)],
  ["mistral", (options) => new MistralProvider(options)],
  ["groq", (options) => new GroqProvider(options)],
  ["together", (options) => new TogetherProvider(options)],
  ["xai", (options) => new XAIProvider(options)],
  ["azure", (options) => new AzureOpenAIProvider({ endpoint: "https://example.openai.azure.com", ...options })],
  ["vllm", (options) => new VLLMProvider({ baseUrl: "http://127.0.0.1:9/v1", ...options })],
];

function refusedAt(make: () => unknown, field: string, secret: string): ValidationError {
  let thrown: unknown;
  try {
    make();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof ValidationError, `a ValidationError expected, got ${String(thrown)}`);
  assert.equal(thrown.field, field);
  assert.ok(!thrown.message.includes(secret), thrown.message);
  return thrown;
}

describe("a credential that cannot be sent in a header is refused when the provider is made", () => {
  const unsendable: [string, string][] = [
    ["a line break", `${SECRET}\nX`],
    ["a line break", `${SECRET}\rX`],
    ["a NUL character", `${SECRET}\u0000X`],
    ["a control character", `${SECRET}\u0007X`],
    ["a character outside Latin-1", `${SECRET}\u20acX`],
  ];
  for (const [provider, make] of makers) {
    test(provider, () => {
      for (const [what, key] of unsendable) {
        const error = refusedAt(() => make({ apiKey: key, storage: false }), "options.apiKey", SECRET);
        assert.match(error.message, new RegExp(`^options\\.apiKey: cannot be sent in an HTTP header: it holds ${what}( \\(U\\+[0-9A-F]{4}\\))? at character 16`));
      }
    });
  }

  test("a key with Latin-1 letters or inner spaces is still accepted (fetch sends them)", () => {
    new OpenAIProvider({ apiKey: `${SECRET} é`, storage: false });
  });

  test("azure: an Entra token of the same kind, at options.entraToken", () => {
    refusedAt(() => new AzureOpenAIProvider({ endpoint: "https://example.openai.azure.com", entraToken: `${SECRET}\nX`, storage: false }), "options.entraToken", SECRET);
  });

  test("from the environment: a ConfigurationError naming the variable, not the key", () => {
    const saved = process.env.MISTRAL_API_KEY;
    process.env.MISTRAL_API_KEY = `${SECRET}\nX`;
    try {
      assert.throws(
        () => new MistralProvider({ storage: false }),
        (error: unknown) => error instanceof ConfigurationError && /^MISTRAL_API_KEY: cannot be sent in an HTTP header/.test(error.message) && !error.message.includes(SECRET),
      );
    } finally {
      if (saved === undefined) delete process.env.MISTRAL_API_KEY;
      else process.env.MISTRAL_API_KEY = saved;
    }
  });
});

describe("a key variable Deno refuses to read", () => {
  test("the missing-key error says Deno refused it and names --allow-env (a set key was reported unset)", () => {
    const saved = process.env.MISTRAL_API_KEY;
    const deno = Object.getOwnPropertyDescriptor(globalThis, "Deno");
    delete process.env.MISTRAL_API_KEY;
    // Deno without --allow-env: `Deno.env.get` throws (Deno's global is configurable: swapped for
    // this synchronous check only, in every runtime the suite runs in).
    Object.defineProperty(globalThis, "Deno", {
      value: { env: { get: () => { throw new Error('NotCapable: Requires env access to "MISTRAL_API_KEY", run again with the --allow-env flag'); } } },
      configurable: true,
      writable: true,
    });
    try {
      assert.throws(
        () => new MistralProvider({ storage: false }),
        (error: unknown) =>
          error instanceof ConfigurationError &&
          error.message === "No API key for mistral: pass { apiKey } or set MISTRAL_API_KEY (Deno refused to read MISTRAL_API_KEY: run with --allow-env, or --allow-env=MISTRAL_API_KEY)",
      );
    } finally {
      if (deno) Object.defineProperty(globalThis, "Deno", deno);
      else delete (globalThis as { Deno?: unknown }).Deno;
      if (saved !== undefined) process.env.MISTRAL_API_KEY = saved;
    }
  });
});

describe("a base URL that is not an http(s) URL is refused when the provider is made", () => {
  for (const [provider, make] of makers) {
    test(provider, () => {
      for (const baseUrl of ["not a url", "127.0.0.1:8000/v1", `ftp://${SECRET}.example/v1`, `${SECRET}:x`]) {
        const error = refusedAt(() => make({ apiKey: "k", baseUrl, storage: false }), "options.baseUrl", SECRET);
        assert.match(error.message, /^options\.baseUrl: must be an absolute http:\/\/ or https:\/\/ URL/);
      }
    });
  }

  test("azure's endpoint likewise", () => {
    refusedAt(() => new AzureOpenAIProvider({ endpoint: "my-resource", apiKey: "k", storage: false }), "options.endpoint", "my-resource");
  });

  test("from the environment: a ConfigurationError naming the variable", () => {
    const saved = process.env.OPENAI_BASE_URL;
    process.env.OPENAI_BASE_URL = "localhost:8000";
    try {
      assert.throws(() => new OpenAIProvider({ apiKey: "k", storage: false }), (error: unknown) => error instanceof ConfigurationError && /^OPENAI_BASE_URL: must be an absolute/.test(error.message));
      // An empty variable is an unset one (`OPENAI_BASE_URL=` in a .env file): the provider's own URL.
      process.env.OPENAI_BASE_URL = "";
      new OpenAIProvider({ apiKey: "k", storage: false });
    } finally {
      if (saved === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved;
    }
  });
});

describe("a runtime's message that quotes a credential is redacted where it is wrapped", () => {
  const key = "test-secret-key-for-runtime-0001";
  /** A fetch that fails as a runtime may, quoting what it was handed. */
  const quotingFetch = async (request: Request): Promise<Response> => {
    throw new TypeError(`Headers.append: "${request.headers.get("authorization")}" is an invalid header value`);
  };

  test("a provider's ConnectionError", async () => {
    const provider = new OpenAIProvider({ apiKey: key, baseUrl: "http://emulated.invalid/v1", storage: false, fetch: quotingFetch });
    const error = await provider.getStatus("batch_abc").then(
      () => assert.fail("should fail"),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof ConnectionError, String(error));
    assert.ok(!error.message.includes(key), error.message);
    assert.match(error.message, /Bearer \[redacted\]/);
  });

  test("a fetch that throws something other than an Error, and a JobInterruptedError that wraps it", async () => {
    const router = new BatchRouter({
      providers: {
        openai: {
          apiKey: key,
          baseUrl: "http://emulated.invalid/v1",
          fetch: async () => {
            throw `no route for key ${key}`;
          },
        },
      },
      storage: new MemoryStorage(),
      retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 2 },
      lostBatchGracePeriod: 0,
    });
    const error = await router.runJob({ provider: "openai", requests: [{ customId: "a", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }] }, { jobId: "redacted" }).then(
      () => assert.fail("should fail"),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof JobInterruptedError, String(error));
    for (const text of [error.message, (error.cause as Error).message]) {
      assert.ok(!text.includes(key), text);
      assert.match(text, /\[redacted\]/);
    }
    assert.ok(error.cause instanceof BatchRouterError);
  });
});

describe("the CLI", () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const cli = join(root, "npm", "dist", "cli.js");
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.env.NODE_BINARY ?? "node", [cli, ...args], { env: { ...process.env, OPENAI_API_KEY: "" } }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      });
    });

  test("--api-key that cannot be sent, and --base-url that does not parse: usage errors that do not echo them", async () => {
    const directory = mkdtempSync(join(tmpdir(), "batch-router-secrets-"));
    const file = join(directory, "ok.jsonl");
    writeFileSync(file, JSON.stringify({ customId: "a", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) + "\n");
    for (const args of [
      ["submit", file, "--provider", "openai", "--api-key", `${SECRET}\nX`, "--base-url", "http://127.0.0.1:9/v1", "--dir", directory],
      ["status", "batch_abc", "--api-key", `${SECRET}\nX`, "--base-url", "http://127.0.0.1:9/v1", "--dir", directory],
      ["status", "batch_abc", "--api-key", SECRET, "--base-url", `${SECRET} not a url`, "--dir", directory],
    ]) {
      const result = await run(args);
      assert.equal(result.code, 2, result.stderr);
      assert.ok(!(result.stdout + result.stderr).includes(SECRET), result.stderr);
      assert.match(result.stderr, /^usage error: --(api-key|base-url): /);
    }
  });
});
