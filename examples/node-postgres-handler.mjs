// batch-router jobs behind a plain Node HTTP server (node:http), with the job state in PostgreSQL
// through your own `pg` pool — the same shape a serverless function takes:
//
//   POST /jobs               {"requests": [...unified requests]}  → 202 {"jobId"}  (sends nothing yet)
//   POST /tick               one bounded round of every open job (call it from cron; also run every
//                            TICK_SECONDS here)
//   POST /webhooks/openai    OpenAI's batch events (Standard Webhooks), verified, then one round of the job
//   GET  /jobs/<id>          the job's manifest;  GET /jobs/<id>/results  its unified results (JSONL)
//
// Every route but the webhook (verified by its signature) asks for `Authorization: Bearer $JOBS_TOKEN`:
// a job's manifest and results hold its prompts and answers.
// Run:  DATABASE_URL=postgres://… OPENAI_API_KEY=… OPENAI_WEBHOOK_SECRET=whsec_… JOBS_TOKEN=… \
//       node examples/node-postgres-handler.mjs
// (or the PG* variables instead of DATABASE_URL; PORT, default 8787; TICK_SECONDS, default 60, 0 = no
// timer). `pg` is your dependency: batch-router has none. Several copies of this server may run at
// once against one database: a job is advanced by one of them at a time (a lease in PostgreSQL).
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

import { BatchRouter, PostgresJobStore } from "batch-router";
import pg from "pg";

/**
 * The fetch-style handler (`Request` → `Response`) and the tick, over a `pg` pool. `openai` is the
 * provider's configuration (`apiKey`, optional `baseUrl`); `webhookSecret` the whsec_… secret;
 * `jobsToken` the bearer token every route but the webhook asks for.
 */
export function jobsHandler({ pool, openai, webhookSecret, jobsToken }) {
  const store = new PostgresJobStore((text, params) => pool.query(text, params));
  const router = new BatchRouter({ providers: { openai }, storage: store, state: store });
  let openJobsTable;
  const openJobs = () =>
    (openJobsTable ??= pool.query("CREATE TABLE IF NOT EXISTS open_jobs (job_id text PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now())").catch((error) => {
      openJobsTable = undefined;
      throw error;
    }));
  const json = (body, status = 200) => Response.json(body, { status });
  const authorized = (request) => typeof jobsToken === "string" && jobsToken !== "" && request.headers.get("authorization") === `Bearer ${jobsToken}`;

  /** One bounded round of every open job; a completed job leaves the list. */
  async function tick() {
    await openJobs();
    const { rows } = await pool.query("SELECT job_id FROM open_jobs ORDER BY started_at");
    const states = {};
    for (const { job_id: jobId } of rows) {
      try {
        const step = await router.advanceJob(jobId, { budgetMs: 20_000 });
        states[jobId] = step.state;
        if (step.state === "completed") await pool.query("DELETE FROM open_jobs WHERE job_id = $1", [jobId]);
      } catch (error) {
        // Stopped by lasting provider failures: the next tick tries again (messages hold no key).
        states[jobId] = "interrupted";
        console.error(`job ${jobId}: ${error?.message}`);
      }
    }
    return states;
  }

  async function handle(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/webhooks/openai") {
      return router.handleWebhook(request, { secret: webhookSecret, budgetMs: 10_000 });
    }
    if (!authorized(request)) return json({ error: "unauthorized" }, 401);
    if (request.method === "POST" && pathname === "/tick") return json(await tick());
    if (request.method === "POST" && pathname === "/jobs") {
      let requests;
      try {
        ({ requests } = await request.json());
      } catch {
        return json({ error: 'the body must be JSON: {"requests": [...unified requests]}' }, 400);
      }
      let jobId;
      try {
        jobId = await router.startJob({ provider: "openai", requests });
      } catch (error) {
        // A bad request is refused before anything is sent, naming its index, custom id and field.
        if (error?.code === "validation") return json({ error: error.message, index: error.index, customId: error.customId, field: error.field }, 400);
        throw error;
      }
      await openJobs();
      await pool.query("INSERT INTO open_jobs (job_id) VALUES ($1)", [jobId]);
      return json({ jobId }, 202);
    }
    const match = /^\/jobs\/([^/]+)(\/results)?$/.exec(pathname);
    if (request.method === "GET" && match) {
      const jobId = decodeURIComponent(match[1]);
      const manifest = await router.getJob(jobId);
      if (manifest === undefined) return json({ error: "no such job" }, 404);
      if (!match[2]) return json(manifest);
      if (manifest.state !== "completed") return json({ error: `job ${jobId} is ${manifest.state}` }, 409);
      let text = "";
      for await (const result of router.getJobResults(jobId)) text += `${JSON.stringify(result)}\n`;
      return new Response(text, { headers: { "content-type": "application/jsonl" } });
    }
    return json({ error: "not found" }, 404);
  }

  return { handle, tick };
}

/** node:http in front of a fetch-style handler: the raw body reaches it untouched (webhooks need it). */
export function nodeListener(handle) {
  return async (incoming, outgoing) => {
    try {
      const chunks = [];
      for await (const chunk of incoming) chunks.push(chunk);
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined) headers.append(name, item);
      }
      const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
      const request = new Request(new URL(incoming.url, "http://localhost"), { method: incoming.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
      const response = await handle(request);
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      console.error(error?.message);
      outgoing.writeHead(500, { "content-type": "application/json" });
      outgoing.end(JSON.stringify({ error: "internal error" }));
    }
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const pool = new pg.Pool(process.env.DATABASE_URL ? { connectionString: process.env.DATABASE_URL } : {});
  const openai = { apiKey: process.env.OPENAI_API_KEY };
  if (process.env.OPENAI_BASE_URL) openai.baseUrl = process.env.OPENAI_BASE_URL;
  const { handle, tick } = jobsHandler({ pool, openai, webhookSecret: process.env.OPENAI_WEBHOOK_SECRET, jobsToken: process.env.JOBS_TOKEN });
  const server = createServer(nodeListener(handle));
  const tickSeconds = Number(process.env.TICK_SECONDS ?? 60);
  const timer = tickSeconds > 0 ? setInterval(() => tick().catch((error) => console.error(error?.message)), tickSeconds * 1000) : undefined;
  server.listen(Number(process.env.PORT ?? 8787), "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
  const stop = () => {
    clearInterval(timer);
    server.close(() => pool.end());
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
