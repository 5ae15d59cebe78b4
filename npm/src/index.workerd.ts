/**
 * Entry point for Cloudflare Workers (workerd), chosen by the `workerd` export condition. workerd
 * refuses to compile wasm from bytes, so the module is imported as a `.wasm` module; there is no
 * file system, so transparency files stay in memory unless a storage is given.
 */
import wasmModule from "../wasm/batch_router_wasm_bg.wasm";

import { MemoryStorage } from "./storage.js";
import { setRuntime } from "./runtime.js";
import { initSync } from "./wasm.js";

initSync({ module: wasmModule });
setRuntime({ defaultStorage: () => new MemoryStorage() });

export * from "./api.js";
