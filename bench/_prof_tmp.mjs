import { readFileSync } from "node:fs";
import { initSync, prepareJsonl as prepareJsonlInCore } from "../npm/wasm/batch_router_wasm.js";
initSync({ module: readFileSync(new URL("../npm/wasm/batch_router_wasm_bg.wasm", import.meta.url)) });
const dryRun = (p, t) => prepareJsonlInCore(p, t, {}).free();
import { unifiedRequests } from "./generate.mjs";
const variant = process.argv[2], provider = process.argv[3];
const text = unifiedRequests(100000, { multimodal: variant === "multimodal" });
const lines = text.split("\n").filter(Boolean);
const parts = [lines.slice(0, 50000).join("\n") + "\n", lines.slice(50000).join("\n") + "\n"];
await dryRun(provider, parts[0], { name: "x" });
const t = { core: 0, summary: 0, decode: 0, free: 0, total: 0 };
for (let r = 0; r < 3; r++) for (const part of parts) {
  const a = performance.now();
  const p = prepareJsonlInCore(provider, part, { dropUnsupported: false, customBaseUrl: false });
  const b = performance.now(); const s = p.summary; const c = performance.now();
  const j = p.providerJsonl(); const d = performance.now(); p.free(); const e = performance.now();
  t.core += b - a; t.summary += c - b; t.decode += d - c; t.free += e - d; t.total += e - a;
}
for (const k in t) t[k] = (t[k] / 3).toFixed(1);
console.log(variant, provider, JSON.stringify(t));
