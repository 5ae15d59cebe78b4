/**
 * Runs a job in a process of its own, for the uncertain-create suite, which kills this process
 * while the provider holds its create call and finishes the job itself. Arguments: the emulator's
 * base URL, the storage directory, the job id, the router's options as JSON (quotas, prices, lease).
 */
import process from "node:process";

import { BatchRouter, FileStorage, type BatchRouterOptions } from "batch-router";

import { API_KEY } from "./jobs.js";

const [baseUrl, directory, jobId, options] = process.argv.slice(-4);
const router = new BatchRouter({
  providers: { openai: { apiKey: API_KEY, baseUrl: baseUrl! } },
  storage: new FileStorage(directory!),
  ...(JSON.parse(options!) as Partial<BatchRouterOptions>),
});
await router.resumeJob(jobId!);
process.stdout.write("finished\n");
