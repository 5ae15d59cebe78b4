/**
 * A Groq Batch API emulator, written from endpoints-and-push.md §5.3: OpenAI's files + batches
 * shapes under `/openai/v1`, a bearer key, create `endpoint: "/v1/chat/completions"`, lines with
 * `url: "/v1/chat/completions"`. Everything else (lifecycle, faults, files) is the OpenAI emulator's.
 */
import { OpenAIEmulator, type OpenAIEmulatorOptions } from "./openai-emulator.js";

export function groqEmulator(options: OpenAIEmulatorOptions = {}): OpenAIEmulator {
  return new OpenAIEmulator({ ...options, dialect: { pathPrefix: "/openai/v1" } });
}
