#!/usr/bin/env node
/**
 * Images and PDFs: content parts built from files on disk (base64) and from URLs, sent to one
 * provider. Providers differ in the sources they accept, and batch-router refuses what a provider
 * cannot take before anything is sent, so this program picks per provider:
 *
 *   | source            | OpenAI | Anthropic | Gemini | Mistral | vLLM |
 *   | image, base64     |   ✔    |     ✔     |   ✔    |    ✔    |  ✔   |
 *   | image, URL        |   ✔    |     ✔     |   ✘    |    ✔    |  ✔   |
 *   | PDF, base64       |   ✔    |     ✔     |   ✔    |    ✘    |  ✘   |
 *   | PDF, URL          |   ✘    |     ✔     |   ✘    |    ✔    |  ✘   |
 *
 * (Gemini also takes `sourceType: "file_uri"`: a file uploaded through its Files API.)
 *
 *   node examples/images-and-pdfs.mjs openai|anthropic|google|mistral
 *
 * Environment: the provider's key and optional base URL (as in switch-providers.mjs), the model
 * (OPENAI_MODEL, ANTHROPIC_MODEL, GEMINI_MODEL, MISTRAL_MODEL), IMAGE_URL and PDF_URL (public files to
 * use for the URL parts), EXAMPLE_POLL_SECONDS (default 60).
 */
import { readFile } from "node:fs/promises";
import process from "node:process";

import { AnthropicProvider, GoogleProvider, MistralProvider, OpenAIProvider } from "batch-router";

const environment = process.env;
const pollSeconds = Number(environment.EXAMPLE_POLL_SECONDS ?? 60);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

const PROVIDERS = {
  openai: { create: () => new OpenAIProvider(), model: environment.OPENAI_MODEL ?? "gpt-4o-mini", imageUrl: true, pdf: "base64" },
  anthropic: { create: () => new AnthropicProvider(), model: environment.ANTHROPIC_MODEL ?? "claude-haiku-4-5", imageUrl: true, pdf: "base64" },
  google: { create: () => new GoogleProvider(), model: environment.GEMINI_MODEL ?? "gemini-2.5-flash", imageUrl: false, pdf: "base64" },
  mistral: { create: () => new MistralProvider(), model: environment.MISTRAL_MODEL ?? "mistral-small-latest", imageUrl: true, pdf: "url" },
};

const IMAGE_URL = environment.IMAGE_URL ?? "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png";
const PDF_URL = environment.PDF_URL ?? "https://arxiv.org/pdf/1706.03762";

/** A file from disk as a base64 content part. */
async function fromFile(type, name, mediaType) {
  const bytes = await readFile(new URL(`./assets/${name}`, import.meta.url));
  return { type, sourceType: "base64", mediaType, data: bytes.toString("base64"), filename: name };
}

async function requestsFor(name) {
  const { model, imageUrl, pdf } = PROVIDERS[name];
  const ask = (customId, parts, maxTokens = 50) => ({
    customId,
    model,
    messages: [{ role: "user", content: parts }],
    generationConfig: { maxTokens, temperature: 0 },
  });
  const requests = [
    ask("square-colour", [
      { type: "text", text: "What colour is this square? Answer in one word." },
      await fromFile("image", "red-square.png", "image/png"),
    ]),
  ];
  if (imageUrl) {
    requests.push(ask("image-by-url", [{ type: "text", text: "Describe this image in one sentence." }, { type: "image", sourceType: "url", data: IMAGE_URL }]));
  }
  if (pdf === "base64") {
    requests.push(ask("invoice-total", [await fromFile("document", "invoice.pdf", "application/pdf"), { type: "text", text: "What is the invoice total?" }]));
  } else {
    requests.push(ask("pdf-by-url", [{ type: "document", sourceType: "url", data: PDF_URL }, { type: "text", text: "What is the title of this paper?" }], 100));
  }
  return requests;
}

async function main() {
  const name = process.argv[2] ?? "openai";
  if (!(name in PROVIDERS)) throw new Error(`unknown provider "${name}"; expected ${Object.keys(PROVIDERS).join(", ")}`);
  const provider = PROVIDERS[name].create();
  const requests = await requestsFor(name);

  // The dry run shows what would be sent, in the provider's own format, without sending it.
  const prepared = provider.prepareBatch(requests);
  console.log(`${name}: ${prepared.summary.requestCount} requests, ${prepared.summary.bytes} bytes, route ${prepared.summary.route}`);

  const batchId = await provider.sendBatch({ provider: name, requests });
  let status = await provider.getStatus(batchId);
  while (!status.isComplete()) {
    await sleep(pollSeconds);
    status = await provider.getStatus(batchId);
  }
  console.log(`batch ${batchId} ${status.status}`);
  for await (const result of provider.getResults(batchId)) {
    const answer = result.status === "succeeded" ? result.response.text : result.error?.message ?? "";
    console.log(`${result.customId}: ${result.status}: ${answer.replaceAll("\n", " ")}`);
  }
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
