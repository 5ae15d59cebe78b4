// The token estimator's error: the core's estimate (`estimateRequests`, no tokenizer) against the
// real count of OpenAI's `o200k_base` encoding (js-tiktoken, a dev dependency that ships its
// ranks), on a corpus of varied requests: English prose and Markdown (the README), source code
// (Rust and TypeScript of this repository), JSON (the provider fixtures), non-Latin scripts and
// emoji (bench/estimate-corpus/non-latin.json, written for this benchmark), and requests with
// images (their text only is measured: a tokenizer does not count image tokens).
//
// A real request's count follows OpenAI's chat format: 3 tokens per message and 3 for the reply.
//   node bench/token-estimate.mjs
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { estimateRequests } from "batch-router";
import { getEncoding } from "js-tiktoken";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const encoding = getEncoding("o200k_base");
const PIECE = 1_500; // characters of text per request

function files(directory, suffixes) {
  const found = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) found.push(...files(path, suffixes));
    else if (suffixes.some((suffix) => name.endsWith(suffix))) found.push(path);
  }
  return found.sort();
}

function pieces(text) {
  const cut = [];
  for (let start = 0; start < text.length; start += PIECE) cut.push(text.slice(start, start + PIECE));
  return cut.filter((piece) => piece.trim() !== "");
}

function corpus() {
  const kinds = {};
  const add = (kind, text, extra = {}) => (kinds[kind] ??= []).push({ text, ...extra });
  for (const piece of pieces(readFileSync(join(root, "README.md"), "utf8"))) add("english + markdown", piece);
  for (const path of files(join(root, "crates", "core", "src"), [".rs"]).slice(0, 12)) for (const piece of pieces(readFileSync(path, "utf8"))) add("code (rust)", piece);
  for (const path of files(join(root, "npm", "src"), [".ts"]).slice(0, 12)) for (const piece of pieces(readFileSync(path, "utf8"))) add("code (typescript)", piece);
  for (const path of files(join(root, "tests", "fixtures"), [".json", ".jsonl"]).slice(0, 40)) for (const piece of pieces(readFileSync(path, "utf8"))) add("json", piece);
  const scripts = JSON.parse(readFileSync(join(root, "bench", "estimate-corpus", "non-latin.json"), "utf8"));
  for (const [language, text] of Object.entries(scripts)) {
    const kind = ["german", "french"].includes(language) ? "latin, accented" : language === "emoji" ? "emoji" : "non-latin scripts";
    add(kind, text);
    add(kind, `${text}\n\n${text.slice(0, Math.floor(text.length / 2))}`);
  }
  // Written after the estimator was fitted and never used to fit it: how it does on text it has
  // not seen (other sentences, other alphabets, URLs, digit lists).
  const heldOut = JSON.parse(readFileSync(join(root, "bench", "estimate-corpus", "held-out.json"), "utf8"));
  for (const text of Object.values(heldOut)) add("held out (not fitted)", text);
  for (const piece of pieces(readFileSync(join(root, "README.md"), "utf8")).slice(0, 10)) add("with an image (text part)", piece, { image: true });
  return kinds;
}

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
const rows = [];
let allEstimated = 0;
let allReal = 0;
for (const [kind, entries] of Object.entries(corpus())) {
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
  rows.push([kind, requests.length, realSum, percent((estimatedSum - realSum) / realSum), `${(absolute.reduce((a, b) => a + b, 0) / absolute.length * 100).toFixed(1)} %`, `${(p90 * 100).toFixed(1)} %`, percent(errors.reduce((worst, error) => (Math.abs(error) > Math.abs(worst) ? error : worst), 0))]);
}
rows.push(["all", rows.reduce((sum, row) => sum + row[1], 0), allReal, percent((allEstimated - allReal) / allReal), "", "", ""]);

const headers = ["corpus", "requests", "real tokens", "total error", "mean |error|", "p90 |error|", "worst"];
const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => String(row[column]).length)));
const line = (cells) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join("  ");
console.log("Token estimate vs o200k_base (OpenAI), input tokens per request");
console.log(line(headers));
console.log(line(widths.map((width) => "-".repeat(width))));
for (const row of rows) console.log(line(row));
