/**
 * Issue 16: jobs in a real PostgreSQL server (a throwaway cluster on a Unix socket, started here and
 * always stopped) through `PostgresJobStore` and the `pg` client's query function. The store keeps
 * the contract (conditional writes: of racing writers with one version exactly one wins), and the
 * overlap property holds: many invocations advancing one job at once, some killed mid-step, faults
 * injected — no duplicate batch, no lost request, every custom id once. Node only (the Node leg of
 * scripts/test.sh), as the cluster is started with child processes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { BatchRouter, PostgresJobStore, verifyWebhook, WebhookVerificationError } from "batch-router";
import pg from "pg";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { overlappingAdvancers } from "../support/advancers.js";
import { API_KEY } from "../support/jobs.js";
import { startCluster, type Cluster } from "../support/postgres-cluster.js";
import { openaiBatchEvent } from "../support/webhook-signing.js";

let cluster: Cluster;
let pool: pg.Pool;

before(() => {
  cluster = startCluster();
  pool = new pg.Pool({ host: cluster.socketDir, user: cluster.user, database: "postgres", max: 12 });
});

after(async () => {
  await pool?.end();
  cluster?.stop();
});

function store(prefix = "batch_router_"): PostgresJobStore {
  return new PostgresJobStore((text, params) => pool.query(text, params), { tablePrefix: prefix });
}

describe("PostgresJobStore keeps the storage contract", () => {
  test("conditional writes: create once, update only from the current version; racing writers, one winner", async () => {
    const records = store("contract_");
    assert.equal(await records.get("jobs/a"), undefined);
    const first = await records.put("jobs/a", "one", undefined);
    assert.ok(first);
    assert.equal(await records.put("jobs/a", "again", undefined), undefined, "a second create is refused");
    assert.deepEqual(await records.get("jobs/a"), { value: "one", version: first });
    const second = await records.put("jobs/a", "two", first);
    assert.ok(second && second !== first);
    assert.equal(await records.put("jobs/a", "stale", first), undefined, "an old version is refused");
    const racers = await Promise.all(Array.from({ length: 12 }, (_, index) => records.put("jobs/a", `racer ${index}`, second)));
    assert.equal(racers.filter((version) => version !== undefined).length, 1, "exactly one racer wins");
    const creators = await Promise.all(Array.from({ length: 12 }, (_, index) => records.put("jobs/new", `creator ${index}`, undefined)));
    assert.equal(creators.filter((version) => version !== undefined).length, 1, "exactly one creator wins");
  });

  test("bulk files: write, append, read, rename, missing", async () => {
    const files = store("contract_");
    assert.equal(await files.read("jobs/x/requests.jsonl"), undefined);
    await files.write("jobs/x/requests.jsonl", "a\n");
    await files.append("jobs/x/requests.jsonl", new TextEncoder().encode("b\n"));
    await files.append("jobs/x/requests.jsonl", "c\n");
    assert.equal(await files.read("jobs/x/requests.jsonl"), "a\nb\nc\n");
    await files.write("jobs/x/requests.jsonl", "");
    assert.equal(await files.read("jobs/x/requests.jsonl"), "", "an empty file exists");
    await files.write("t.tmp", "new");
    await files.write("t", "old");
    await files.rename("t.tmp", "t");
    assert.equal(await files.read("t"), "new");
    assert.equal(await files.read("t.tmp"), undefined);
    // Onto itself a file stays (the statement's DELETE and UPDATE would meet the same rows).
    await files.append("t", " and more");
    await files.rename("t", "t");
    assert.equal(await files.read("t"), "new and more");
    await files.delete("t");
    assert.equal(await files.read("t"), undefined);
    await files.delete("t");
  });

  test("a table prefix that is not a plain name is refused", () => {
    assert.throws(() => new PostgresJobStore(async () => [], { tablePrefix: "x; DROP TABLE y" }), /tablePrefix/);
  });
});

describe("seen webhook ids on PostgreSQL", () => {
  const KEY = "UG9zdGdyZXNSZXBsYXlHdWFyZEtleTAxMjM0NTY3ODk=";

  async function outcome(replayGuard: PostgresJobStore, id: string, now = Date.now()): Promise<string> {
    const { headers, body } = await openaiBatchEvent(KEY, "batch_1", { id, timestamp: Math.floor(now / 1000) });
    try {
      await verifyWebhook(new Request("http://127.0.0.1/hook", { method: "POST", headers, body }), `whsec_${KEY}`, { replayGuard, now });
      return "accepted";
    } catch (error) {
      assert.ok(error instanceof WebhookVerificationError, String(error));
      return error.reason;
    }
  }

  test("copies of one delivery at once: exactly one passes; distinct deliveries at once: all pass; old ids pruned", async () => {
    const replayGuard = store("replay_");
    const copies = await Promise.all(Array.from({ length: 8 }, () => outcome(replayGuard, "msg_same")));
    assert.deepEqual(copies.sort(), ["accepted", ...Array(7).fill("replayed")]);
    const distinct = await Promise.all(Array.from({ length: 8 }, (_, index) => outcome(replayGuard, `msg_${index}`)));
    assert.deepEqual(distinct, Array(8).fill("accepted"));
    const kept = async () => Object.keys(JSON.parse((await replayGuard.get("webhooks/seen"))!.value) as object).length;
    assert.equal(await kept(), 9);
    // Seven minutes later, a delivery's write drops every id recorded before: only its own is kept.
    assert.equal(await outcome(replayGuard, "msg_later", Date.now() + 420_000), "accepted");
    assert.equal(await kept(), 1);
  });
});

describe("overlapping, killed invocations on PostgreSQL", () => {
  test("4 seeds × 4 invocations at once, some killed mid-step: no duplicate batch, no lost request, every custom id once", async () => {
    let killed = 0;
    let busy = 0;
    for (let seed = 101; seed <= 104; seed++) {
      const shared = store();
      const report = await overlappingAdvancers({
        BatchRouter,
        emulator: new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) }),
        storage: shared,
        state: shared,
        seed,
      });
      killed += report.killed;
      busy += report.busy;
    }
    assert.ok(killed >= 4, `only ${killed} invocations were killed`);
    assert.ok(busy >= 4, `only ${busy} invocations found the job busy`);
  });
});
