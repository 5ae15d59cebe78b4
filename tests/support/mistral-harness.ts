/** The Mistral emulator on 127.0.0.1 with the spec validators, and a provider pointed at it. */
import { MemoryStorage, MistralProvider, type ProviderOptions } from "batch-router";

import { MistralEmulator, type MistralEmulatorOptions } from "../emulators/mistral-emulator.js";
import { mistralText } from "./mistral-requests.js";
import { serve, type RunningServer } from "./serve.js";
import { specValidator } from "./spec-validator.js";
export { collect, waitUntilComplete } from "./batches.js";

export const API_KEY = "mistral-test-key-5f0c2a9e81d4b7c3";

export interface Harness {
  emulator: MistralEmulator;
  server: RunningServer;
  storage: MemoryStorage;
  provider: MistralProvider;
}

export async function startMistral(emulatorOptions: MistralEmulatorOptions = {}, providerOptions: ProviderOptions = {}): Promise<Harness> {
  const emulator = new MistralEmulator({
    apiKey: API_KEY,
    validateLine: specValidator("mistral", "BatchRequest"),
    validateBody: specValidator("mistral", "ChatCompletionRequest"),
    validateCreate: specValidator("mistral", "CreateBatchJobRequest"),
    ...emulatorOptions,
  });
  const server = await serve(emulator.fetch);
  const storage = new MemoryStorage();
  const provider = new MistralProvider({ apiKey: API_KEY, baseUrl: server.url, storage, ...providerOptions });
  return { emulator, server, storage, provider };
}

/** One request per failure word of the emulator. */
export const FAILING = [
  mistralText("bad-request", "please FAIL_400"),
  mistralText("unprocessable", "FAIL_422 again"),
  mistralText("rate-limited", "FAIL_429 now"),
  mistralText("server-error", "FAIL_500 now"),
  mistralText("error-field", "FAIL_ERROR here"),
];
