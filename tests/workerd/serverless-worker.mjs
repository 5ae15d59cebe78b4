// A Cloudflare Worker for issue 16's stores: D1 (`D1JobStore`, manifests and leases) and R2
// (`R2Storage`, the bulk files) as workerd runs them through Miniflare: real implementations, not
// mocks. `/contract` checks the conditional writes; `/overlap?seed=N` runs the overlap property
// (tests/support/advancers.ts) with four invocations at once, some killed mid-step.
import { BatchRouter, D1JobStore, R2Storage } from "../../npm/dist/index.workerd.js";
import { OpenAIEmulator } from "../dist/emulators/openai-emulator.js";
import { overlappingAdvancers } from "../dist/support/advancers.js";

async function contract(env) {
  const records = new D1JobStore(env.DB, { tablePrefix: "contract_" });
  const failures = [];
  const first = await records.put("jobs/a", "one", undefined);
  if (!first) failures.push("create refused");
  if ((await records.put("jobs/a", "again", undefined)) !== undefined) failures.push("a second create was accepted");
  const second = await records.put("jobs/a", "two", first);
  if ((await records.put("jobs/a", "stale", first)) !== undefined) failures.push("an old version was accepted");
  const racers = await Promise.all(Array.from({ length: 8 }, (_, index) => records.put("jobs/a", `racer ${index}`, second)));
  const winners = racers.filter((version) => version !== undefined).length;
  if (winners !== 1) failures.push(`${winners} racers won`);
  const files = new R2Storage(env.BUCKET, "contract/");
  await files.write("f", "a\n");
  await files.append("f", "b\n");
  await files.rename("f", "g");
  if ((await files.read("g")) !== "a\nb\n" || (await files.read("f")) !== undefined) failures.push("R2 files");
  const big = "x".repeat(1_200_000);
  await records.write("big", big);
  await records.append("big", "y");
  if ((await records.read("big")) !== big + "y") failures.push("D1 files in pieces");
  return { failures };
}

async function overlap(env, seed) {
  const report = await overlappingAdvancers({
    BatchRouter,
    emulator: new OpenAIEmulator({ apiKey: "fake-test-jobs-0123456789abcdef", startClock: Math.floor(Date.now() / 1000) }),
    storage: new R2Storage(env.BUCKET, `seed-${seed}/`),
    state: new D1JobStore(env.DB),
    seed,
  });
  return { report };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/contract") return Response.json(await contract(env));
      if (url.pathname === "/overlap") return Response.json(await overlap(env, Number(url.searchParams.get("seed"))));
      return new Response("not found", { status: 404 });
    } catch (error) {
      return Response.json({ error: `${error?.name}: ${error?.message}\n${error?.stack}` }, { status: 500 });
    }
  },
};
