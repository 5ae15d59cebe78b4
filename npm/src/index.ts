/**
 * Entry point for Node, Deno and Bun: loads the wasm core from the package's own file and keeps
 * transparency files on the file system.
 */
import { createRequire } from "node:module";

import { FileStorage } from "./file-storage.js";
import { setRuntime } from "./runtime.js";
import { initSync } from "./wasm.js";

// node:fs through `process.getBuiltinModule` (Node ≥ 20.16, Deno, Bun), not `import … from
// "node:fs"`: Node builds an ES module's view of node:fs by reading every export, and its lazy
// getters (ReadStream and the like) load Node's whole streams library, ~1.5 ms of a cold start.
// createRequire serves older Node 20 releases.
const fs: typeof import("node:fs") = globalThis.process?.getBuiltinModule?.("node:fs") ?? createRequire(import.meta.url)("node:fs");
initSync({ module: fs.readFileSync(new URL("../wasm/batch_router_wasm_bg.wasm", import.meta.url)) });
setRuntime({ defaultStorage: (directory) => new FileStorage(directory) });

export * from "./api.js";
export { FileStorage } from "./file-storage.js";
export { VLLMProvider } from "./providers/vllm-provider.js";
export type { VLLMProviderOptions } from "./providers/vllm-provider.js";
