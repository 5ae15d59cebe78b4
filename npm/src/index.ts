/**
 * Entry point for Node, Deno and Bun: loads the wasm core from the package's own file and keeps
 * transparency files on the file system.
 */
import { readFileSync } from "node:fs";

import { FileStorage } from "./file-storage.js";
import { setRuntime } from "./runtime.js";
import { initSync } from "./wasm.js";

initSync({ module: readFileSync(new URL("../wasm/batch_router_wasm_bg.wasm", import.meta.url)) });
setRuntime({ defaultStorage: (directory) => new FileStorage(directory) });

export * from "./api.js";
export { FileStorage } from "./file-storage.js";
export { VLLMProvider } from "./providers/vllm-provider.js";
export type { VLLMProviderOptions } from "./providers/vllm-provider.js";
