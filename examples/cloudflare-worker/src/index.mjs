// batch-router jobs in a Cloudflare Worker (see ../wrangler.toml and the README's "Serverless jobs"):
//
//   POST /jobs                {"requests": [...unified requests]}  → 202 {"jobId"}  (sends nothing yet)
//   GET  /jobs/<id>           the job's manifest (state, batches, progress)
//   GET  /jobs/<id>/results   the unified results, one JSON line each (once the job has completed)
//   POST /webhooks/openai     OpenAI's batch events (Standard Webhooks), verified, then one round of the job
//   cron tick                 one bounded round of every open job
//
// Every route but the webhook (verified by its signature) asks for `authorization: Bearer <JOBS_TOKEN>`:
// starting a job changes what you pay for, and a job's manifest and results hold its prompts and answers.
// D1 holds the job state (manifests, leases, seen webhook ids) and this Worker's list of open jobs;
// R2 holds the requests, results and transparency files. A round is bounded by `budgetMs`; a job
// advanced by two invocations at once is safe (one holds its lease, the other answers `busy`).
import { BatchRouter, D1JobStore, R2Storage } from "batch-router";

const OPEN_JOBS_TABLE = "CREATE TABLE IF NOT EXISTS open_jobs (job_id TEXT PRIMARY KEY, started_at INTEGER NOT NULL)";

function routerFor(env) {
  const openai = { apiKey: env.OPENAI_API_KEY };
  // Only to point the Worker at a proxy or a local emulator; unset in production.
  if (env.OPENAI_BASE_URL) openai.baseUrl = env.OPENAI_BASE_URL;
  return new BatchRouter({
    providers: { openai },
    storage: new R2Storage(env.BUCKET),
    state: new D1JobStore(env.DB),
  });
}

function json(body, status = 200) {
  return Response.json(body, { status });
}

/** Whether the request carries `authorization: Bearer <JOBS_TOKEN>` (refused when no token is set). */
function authorized(request, env) {
  return typeof env.JOBS_TOKEN === "string" && env.JOBS_TOKEN !== "" && request.headers.get("authorization") === `Bearer ${env.JOBS_TOKEN}`;
}

async function startJob(request, env) {
  let requests;
  try {
    ({ requests } = await request.json());
  } catch {
    return json({ error: 'the body must be JSON: {"requests": [...unified requests]}' }, 400);
  }
  // Validates every request and records the job; a bad request is a ValidationError naming it.
  let jobId;
  try {
    jobId = await routerFor(env).startJob({ provider: "openai", requests });
  } catch (error) {
    if (error?.code === "validation") return json({ error: error.message, index: error.index, customId: error.customId, field: error.field }, 400);
    throw error;
  }
  await env.DB.prepare(OPEN_JOBS_TABLE).run();
  await env.DB.prepare("INSERT INTO open_jobs (job_id, started_at) VALUES (?, ?)").bind(jobId, Date.now()).run();
  return json({ jobId }, 202);
}

async function results(router, jobId) {
  const lines = [];
  for await (const result of router.getJobResults(jobId)) lines.push(JSON.stringify(result));
  return new Response(lines.map((line) => `${line}\n`).join(""), { headers: { "content-type": "application/jsonl" } });
}

/** One bounded round of every open job; a completed job leaves the list. */
async function tick(env) {
  await env.DB.prepare(OPEN_JOBS_TABLE).run();
  const { results: open } = await env.DB.prepare("SELECT job_id FROM open_jobs ORDER BY started_at").all();
  const router = routerFor(env);
  for (const { job_id: jobId } of open) {
    try {
      const step = await router.advanceJob(jobId, { budgetMs: 20_000 });
      if (step.state === "completed") await env.DB.prepare("DELETE FROM open_jobs WHERE job_id = ?").bind(jobId).run();
    } catch (error) {
      // A job stopped by lasting provider failures: the next tick tries again. Error messages name
      // the job and the provider's answer, never a key.
      console.error(`job ${jobId}: ${error?.message}`);
    }
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/webhooks/openai") {
      return routerFor(env).handleWebhook(request, { secret: env.OPENAI_WEBHOOK_SECRET, budgetMs: 10_000 });
    }
    if (!authorized(request, env)) return json({ error: "unauthorized" }, 401);
    if (request.method === "POST" && pathname === "/jobs") return startJob(request, env);
    const match = /^\/jobs\/([^/]+)(\/results)?$/.exec(pathname);
    if (request.method === "GET" && match) {
      const router = routerFor(env);
      const jobId = decodeURIComponent(match[1]);
      const manifest = await router.getJob(jobId);
      if (manifest === undefined) return json({ error: "no such job" }, 404);
      if (!match[2]) return json(manifest);
      if (manifest.state !== "completed") return json({ error: `job ${jobId} is ${manifest.state}` }, 409);
      return results(router, jobId);
    }
    return json({ error: "not found" }, 404);
  },

  async scheduled(_controller, env, context) {
    context.waitUntil(tick(env));
  },
};
