// The token estimator's error: the core's estimate (`estimateRequests`, no tokenizer) against the
// real count of OpenAI's `o200k_base` encoding (js-tiktoken, a dev dependency that ships its
// ranks), per kind of text, on the tuning corpus the estimator's table was fitted on
// (`bench/fit-token-estimate.mjs`) and, separately, on held-out text it was not fitted on
// (bench/estimate-corpus/corpus.mjs says which is which). Requests with an image are measured on
// their text only: a tokenizer does not count image tokens.
//
// A real request's count follows OpenAI's chat format: 3 tokens per message and 3 for the reply.
//   node bench/token-estimate.mjs
import { estimateRequests } from "batch-router";
import { getEncoding } from "js-tiktoken";

import { corpus } from "./estimate-corpus/corpus.mjs";

const encoding = getEncoding("o200k_base");

function requestOf(entry, index) {
  const content = entry.image
    ? [{ type: "text", text: entry.text }, { type: "image", sourceType: "url", data: "https://example.com/image.png" }]
    : entry.text;
  return { customId: `r${index}`, model: "gpt-4o-mini", systemPrompt: "You are a careful assistant.", messages: [{ role: "user", content }] };
}

function realTokens(request) {
  const text = (content) => (typeof content === "string" ? content : content.filter((part) => part.type === "text").map((part) => part.text).join(""));
  return 3 + (3 + encoding.encode(request.systemPrompt).length) + request.messages.reduce((sum, message) => sum + 3 + encoding.encode(text(message.content)).length, 0);
}

const percent = (value) => `${value >= 0 ? "+" : ""}${(value * 100).toFixed(1)} %`;

function measure(kinds) {
  const rows = [];
  let allEstimated = 0;
  let allReal = 0;
  let allWorst = 0;
  for (const [kind, entries] of Object.entries(kinds)) {
    const requests = entries.map(requestOf);
    // Image requests: the image's fixed figure is left out, so only the text is compared.
    const estimates = estimateRequests("openai", requests, { mediaTokens: 0 });
    const errors = [];
    let estimatedSum = 0;
    let realSum = 0;
    requests.forEach((request, index) => {
      const real = realTokens(request);
      const estimated = estimates[index].inputTokens;
      errors.push((estimated - real) / real);
      estimatedSum += estimated;
      realSum += real;
    });
    allEstimated += estimatedSum;
    allReal += realSum;
    const absolute = errors.map(Math.abs).sort((a, b) => a - b);
    const p90 = absolute[Math.min(absolute.length - 1, Math.floor(absolute.length * 0.9))];
    const worst = errors.reduce((most, error) => (Math.abs(error) > Math.abs(most) ? error : most), 0);
    if (Math.abs(worst) > Math.abs(allWorst)) allWorst = worst;
    rows.push([kind, requests.length, realSum, percent((estimatedSum - realSum) / realSum), `${((absolute.reduce((a, b) => a + b, 0) / absolute.length) * 100).toFixed(1)} %`, `${(p90 * 100).toFixed(1)} %`, percent(worst)]);
  }
  rows.push(["all", rows.reduce((sum, row) => sum + row[1], 0), allReal, percent((allEstimated - allReal) / allReal), "", "", percent(allWorst)]);
  return rows;
}

const headers = ["corpus", "requests", "real tokens", "total error", "mean |error|", "p90 |error|", "worst"];
function print(title, rows) {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join("  ");
  console.log(title);
  console.log(line(headers));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of rows) console.log(line(row));
  console.log();
}

print("Token estimate vs o200k_base (OpenAI), input tokens per request: tuning corpus (fitted on)", measure(corpus(false)));
print("Held out (never fitted on)", measure(corpus(true)));
