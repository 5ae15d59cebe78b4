// A Cloudflare Worker for issue 16's stores: D1 (`D1JobStore`, manifests and leases) and R2
// (`R2Storage`, the bulk files) as workerd runs them through Miniflare: real implementations, not
// mocks. `/contract` checks the conditional writes and the bulk files; `/job-files` runs a job on
// R2; `/overlap?seed=N` runs the overlap property (tests/support/advancers.ts) with four
// invocations at once, some killed mid-step.
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
  // Renamed onto itself a file stays (R2's rename is copy, then delete); delete removes, a missing file too.
  await files.rename("g", "g");
  if ((await files.read("g")) !== "a\nb\n") failures.push("R2 rename onto itself deleted the file");
  await files.delete("g");
  await files.delete("g");
  if ((await files.read("g")) !== undefined) failures.push("R2 delete");
  await records.write("d", "kept\n");
  await records.rename("d", "d");
  if ((await records.read("d")) !== "kept\n") failures.push("D1 rename onto itself deleted the file");
  await records.write("e", "old\n");
  await records.rename("d", "e");
  if ((await records.read("e")) !== "kept\n" || (await records.read("d")) !== undefined) failures.push("D1 rename");
  await records.delete("e");
  await records.delete("e");
  if ((await records.read("e")) !== undefined) failures.push("D1 delete");
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

// A job on R2 keeps each batch's request files (trial 6: it renamed them onto themselves, and
// R2's copy-then-delete rename deleted them).
async function jobFiles(env) {
  const emulator = new OpenAIEmulator({ apiKey: "fake-test-jobs-0123456789abcdef", startClock: Math.floor(Date.now() / 1000) });
  const router = new BatchRouter({
    providers: { openai: { apiKey: "fake-test-jobs-0123456789abcdef", baseUrl: "http://emulated.invalid/v1", fetch: emulator.fetch } },
    storage: new R2Storage(env.BUCKET, "job-files/"),
    pollInterval: 0,
    maxPollInterval: 1,
  });
  const requests = ["one", "two"].map((text) => ({ customId: text, model: "gpt-4o-mini", messages: [{ role: "user", content: text }] }));
  const summary = await router.runJob({ provider: "openai", requests }, { timeout: 20_000 });
  const listed = await env.BUCKET.list({ prefix: "job-files/generated/" });
  return { succeeded: summary.succeeded, batches: [...emulator.batches.keys()], files: listed.objects.map((object) => object.key.slice("job-files/".length)) };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/contract") return Response.json(await contract(env));
      if (url.pathname === "/job-files") return Response.json(await jobFiles(env));
      if (url.pathname === "/overlap") return Response.json(await overlap(env, Number(url.searchParams.get("seed"))));
      return new Response("not found", { status: 404 });
    } catch (error) {
      return Response.json({ error: `${error?.name}: ${error?.message}\n${error?.stack}` }, { status: 500 });
    }
  },
};
