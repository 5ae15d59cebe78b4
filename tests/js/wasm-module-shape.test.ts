/**
 * The shipped module's function signatures (issue 18, cold start). V8 in Node 20 compiles a
 * TurboFan wrapper for every distinct exported signature that returns more than one value, while
 * it compiles the module (~0.1–0.3 ms each); single-value signatures use its generic wrapper. The
 * build (scripts/build.mjs, `withoutMultivalue`) keeps wasm-bindgen from turning return pointers
 * into multi-value returns; this checks the result in `npm/wasm`, the file users load.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const modulePath = join(root, "npm", "wasm", "batch_router_wasm_bg.wasm");

function readLeb(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, offset];
  }
}

/** Each function type of the module as [parameter count, result count]. */
function functionTypes(bytes: Uint8Array): Array<[number, number]> {
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset]!;
    const [size, start] = readLeb(bytes, offset + 1);
    if (id === 1) {
      const types: Array<[number, number]> = [];
      let [count, at] = readLeb(bytes, start);
      for (; count > 0; count--) {
        assert.equal(bytes[at], 0x60, "a function type");
        const [params, afterParams] = readLeb(bytes, at + 1);
        const [results, afterResults] = readLeb(bytes, afterParams + params);
        types.push([params, results]);
        at = afterResults + results;
      }
      return types;
    }
    offset = start + size;
  }
  throw new Error(`${modulePath} has no type section`);
}

test("no function of the shipped module returns more than one value", () => {
  const bytes = readFileSync(modulePath);
  assert.ok(WebAssembly.validate(bytes), "the module is valid");
  const types = functionTypes(bytes);
  assert.ok(types.length > 10, `found ${types.length} function types`);
  const multi = types.filter(([, results]) => results > 1);
  assert.deepEqual(multi, [], `${multi.length} function types return several values`);
});
