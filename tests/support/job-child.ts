/**
 * Runs one job in a process of its own, for the resume suite, which kills this process at a
 * chosen point and finishes the job itself. Arguments: the emulator's base URL, the storage
 * directory, the job id. Prints `finished` when the job ended here.
 */
import process from "node:process";

import { BatchRouter, FileStorage } from "batch-router";

import { API_KEY, fastRouterOptions, jobRequests } from "./jobs.js";

const [baseUrl, directory, jobId] = process.argv.slice(-3);
const router = new BatchRouter({
  providers: { openai: { apiKey: API_KEY, baseUrl: baseUrl! } },
  storage: new FileStorage(directory!),
  ...fastRouterOptions(),
  // Real sockets on a busy machine: leave room before calling a slow answer lost.
  requestTimeout: 2_000,
});
await router.runJob({ provider: "openai", requests: jobRequests() }, { jobId: jobId! });
process.stdout.write("finished\n");
