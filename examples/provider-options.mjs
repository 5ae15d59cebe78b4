#!/usr/bin/env node
/**
 * Provider-specific options: settings only one provider has go in `providerKwargs`, in the
 * provider's own spelling, and are deep-merged into its request last:
 *
 *   Anthropic  thinking: { type: "enabled", budget_tokens }   (extended thinking; the reasoning comes
 *              back as `reasoning` content parts, kept out of `text`)
 *   OpenAI     reasoning_effort: "low" | "medium" | "high"    (reasoning models such as o4-mini)
 *              response_format: { type: "json_object" }       (JSON mode)
 *   Gemini     generationConfig: { thinkingConfig: { thinkingBudget, includeThoughts } }
 *              (Gemini's settings nest under generationConfig; batch-router refuses them at the top)
 *
 * It also shows `dropUnsupported`: a unified setting the provider cannot express (here `topK` for
 * OpenAI) is left out with a warning instead of failing the batch.
 *
 *   node examples/provider-options.mjs anthropic openai google
 *
 * Environment: keys and base URLs as in switch-providers.mjs; ANTHROPIC_THINKING_MODEL (default
 * claude-sonnet-4-5), OPENAI_REASONING_MODEL (default o4-mini), GEMINI_MODEL (default
 * gemini-2.5-flash); EXAMPLE_POLL_SECONDS (default 60).
 */
import process from "node:process";

import { AnthropicProvider, GoogleProvider, OpenAIProvider } from "batch-router";

const environment = process.env;
const pollSeconds = Number(environment.EXAMPLE_POLL_SECONDS ?? 60);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

const QUESTION = "A bat and a ball cost 1.10 in total. The bat costs 1.00 more than the ball. How much is the ball?";

const PROVIDERS = {
  anthropic: {
    create: () => new AnthropicProvider(),
    request: {
      customId: "thinking",
      model: environment.ANTHROPIC_THINKING_MODEL ?? "claude-sonnet-4-5",
      messages: [{ role: "user", content: QUESTION }],
      // max_tokens must exceed the thinking budget; Anthropic refuses temperature with thinking.
      generationConfig: { maxTokens: 4096 },
      providerKwargs: { thinking: { type: "enabled", budget_tokens: 2048 } },
    },
  },
  openai: {
    // topK has no OpenAI field: with dropUnsupported it is left out, with a warning.
    create: () => new OpenAIProvider({ dropUnsupported: true }),
    request: {
      customId: "reasoning",
      model: environment.OPENAI_REASONING_MODEL ?? "o4-mini",
      messages: [{ role: "user", content: `${QUESTION} Reply as JSON: {"ball": number}.` }],
      generationConfig: { maxTokens: 2000, topK: 40 },
      providerKwargs: { reasoning_effort: "low", response_format: { type: "json_object" } },
    },
  },
  google: {
    create: () => new GoogleProvider(),
    request: {
      customId: "thinking-budget",
      model: environment.GEMINI_MODEL ?? "gemini-2.5-flash",
      messages: [{ role: "user", content: QUESTION }],
      generationConfig: { maxTokens: 2000 },
      providerKwargs: { generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } } },
    },
  },
};

async function runOn(name) {
  const { create, request } = PROVIDERS[name];
  const provider = create();
  const lines = [];
  // prepareBatch is the dry run: the provider's own JSONL, and any warnings, without sending.
  const prepared = provider.prepareBatch([request]);
  for (const warning of prepared.summary.warnings) lines.push(`[${name}] warning: ${warning.field}: ${warning.message}`);
  lines.push(`[${name}] sends: ${prepared.providerJsonl.trim()}`);

  const batchId = await provider.sendBatch({ provider: name, requests: [request] });
  let status = await provider.getStatus(batchId);
  while (!status.isComplete()) {
    await sleep(pollSeconds);
    status = await provider.getStatus(batchId);
  }
  for await (const result of provider.getResults(batchId)) {
    if (result.status !== "succeeded") {
      lines.push(`[${name}] ${result.customId}: ${result.status}: ${result.error?.message ?? ""}`);
      continue;
    }
    const response = result.response;
    for (const part of response.content) {
      if (part.type === "reasoning") lines.push(`[${name}] reasoning: ${part.text.replaceAll("\n", " ")}`);
    }
    lines.push(`[${name}] answer: ${response.text.replaceAll("\n", " ")}`);
    const usage = response.usage;
    if (usage) lines.push(`[${name}] tokens: ${usage.inputTokens} in, ${usage.outputTokens} out, ${usage.reasoningTokens ?? 0} reasoning`);
  }
  return lines;
}

async function main() {
  const names = process.argv.slice(2);
  if (names.length === 0) names.push("anthropic", "openai");
  for (const name of names) {
    if (!(name in PROVIDERS)) throw new Error(`unknown provider "${name}"; expected ${Object.keys(PROVIDERS).join(", ")}`);
  }
  for (const name of names) console.log((await runOn(name)).join("\n"));
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
