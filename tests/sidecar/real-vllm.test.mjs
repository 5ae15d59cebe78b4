// Where a real vLLM is installed (a GPU machine), checks that `vllm run-batch --help` accepts every
// flag the sidecar passes (sidecar/src/runner/process.rs: `run-batch -i IN -o OUT --model M`), plus
// the extra arguments named in BATCH_ROUTER_VLLM_EXTRA_ARGS. Without `vllm` on PATH the test is
// reported as skipped, with the reason: the stand-in covers behaviour everywhere else.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const vllm = process.env.BATCH_ROUTER_VLLM ?? "vllm";
const probe = spawnSync(vllm, ["--version"], { encoding: "utf8" });
const installed = !probe.error && probe.status === 0;

test("vllm run-batch --help lists every flag the sidecar passes", { skip: installed ? false : `no ${vllm} on PATH` }, () => {
  const help = spawnSync(vllm, ["run-batch", "--help"], { encoding: "utf8", maxBuffer: 16 << 20 });
  assert.equal(help.status, 0, help.stderr);
  const text = help.stdout + help.stderr;
  const extra = (process.env.BATCH_ROUTER_VLLM_EXTRA_ARGS ?? "").split(/\s+/).filter((flag) => flag.startsWith("--"));
  for (const flag of ["-i", "-o", "--input-file", "--output-file", "--model", ...extra]) {
    assert.match(text, new RegExp(`(^|[\\s,\\[])${flag.replace(/[-]/g, "\\-")}([\\s,=\\]]|$)`, "m"), `run-batch --help does not mention ${flag}`);
  }
});
