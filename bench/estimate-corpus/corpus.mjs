// The token estimator's corpora, shared by `bench/token-estimate.mjs` (which measures the error)
// and `bench/fit-token-estimate.mjs` (which fits the estimator's tables). Files are cut into
// pieces of at most PIECE characters, one request each.
//
// - tuning: what the tables are fitted on: the scripts in tuning-scripts.json, two thirds of the
//   development dependencies' READMEs and JavaScript, this repository's Rust core and fixtures,
//   and the dependencies' package.json files.
// - held out: never fitted on. held-out.json (written for the first estimator) and
//   held-out-2.json (written after the tables were changed, before their error was looked at),
//   plus the other third of the READMEs and JavaScript, the sidecar's Rust and the rest of the
//   fixtures.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const here = join(root, "bench", "estimate-corpus");
const PIECE = 1_500;
const MAX_PIECES_PER_FILE = 4;

function files(directory, accept, depth = 3) {
  if (!existsSync(directory) || depth < 0) return [];
  const found = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    const stat = statSync(path);
    if (stat.isDirectory()) found.push(...files(path, accept, depth - 1));
    else if (accept(name, stat)) found.push(path);
  }
  return found;
}

function pieces(text) {
  const cut = [];
  for (let start = 0; start < text.length && cut.length < MAX_PIECES_PER_FILE; start += PIECE) cut.push(text.slice(start, start + PIECE));
  return cut.filter((piece) => piece.trim() !== "");
}

/** Dependency files one level under node_modules (and scoped ones), without this package. */
function dependencyFiles(pick) {
  const modules = join(root, "node_modules");
  if (!existsSync(modules)) return [];
  const packages = [];
  for (const name of readdirSync(modules).sort()) {
    if (name.startsWith(".") || name === "batch-router") continue;
    if (name.startsWith("@")) for (const inner of readdirSync(join(modules, name)).sort()) packages.push(join(modules, name, inner));
    else packages.push(join(modules, name));
  }
  return packages.map(pick).filter((path) => path && existsSync(path) && statSync(path).size < 400_000);
}

const readmes = () => dependencyFiles((path) => join(path, "README.md"));
const manifests = () => dependencyFiles((path) => join(path, "package.json"));
const javascript = () =>
  dependencyFiles((path) => {
    try {
      const main = JSON.parse(readFileSync(join(path, "package.json"), "utf8")).main ?? "index.js";
      const file = join(path, main.endsWith(".js") || main.endsWith(".cjs") || main.endsWith(".mjs") ? main : `${main}.js`);
      return existsSync(file) ? file : undefined;
    } catch {
      return undefined;
    }
  });

/** Every third file is held out; the rest are for tuning. */
const split = (list, heldOut) => list.filter((_, index) => (index % 3 === 0) === heldOut);

function fromFiles(kind, paths, add) {
  for (const path of paths) for (const piece of pieces(readFileSync(path, "utf8"))) add(kind, piece);
}

function fromScripts(file, add, kindOf) {
  const path = join(here, file);
  if (!existsSync(path)) return;
  for (const [name, text] of Object.entries(JSON.parse(readFileSync(path, "utf8")))) add(kindOf(name, text), text);
}

/** A written text's kind, from its name (structured text) or its letters (which script). */
function scriptKind(name, text) {
  if (/emoji/.test(name)) return "emoji";
  if (/json|code|table|url|digit|sql|yaml|html|csv|log|math/.test(name)) return "mixed (json, code, numbers, urls)";
  const letters = Array.from(text).filter((character) => /\p{L}/u.test(character));
  const latin = letters.filter((character) => /\p{Script=Latin}/u.test(character));
  const accented = latin.filter((character) => character.codePointAt(0) >= 0x80);
  if (latin.length < letters.length / 2) return "non-latin scripts";
  return accented.length > 0 ? "latin, accented" : "english + markdown";
}

/** `{ kind: [{ text, image? }] }` */
export function corpus(heldOut) {
  const kinds = {};
  const add = (kind, text, extra = {}) => (kinds[kind] ??= []).push({ text, ...extra });
  fromFiles("english + markdown", split(readmes(), heldOut).slice(0, 30), add);
  fromFiles("code (javascript)", split(javascript(), heldOut).slice(0, 30), add);
  const fixtures = files(join(root, "tests", "fixtures"), (name) => name.endsWith(".json") || name.endsWith(".jsonl"));
  fromFiles("json", split(fixtures, heldOut), add);
  fromFiles("json", split(manifests(), heldOut).slice(0, 20), add);
  if (heldOut) {
    fromFiles("code (rust)", files(join(root, "sidecar", "src"), (name) => name.endsWith(".rs")).slice(0, 12), add);
    fromScripts("held-out.json", add, (name, text) => `held out 1: ${scriptKind(name, text)}`);
    fromScripts("held-out-2.json", add, (name, text) => `held out 2: ${scriptKind(name, text)}`);
  } else {
    fromFiles("code (rust)", files(join(root, "crates", "core", "src"), (name) => name.endsWith(".rs")).slice(0, 20), add);
    fromFiles("english + markdown", [join(root, "README.md")], add);
    fromScripts("non-latin.json", add, scriptKind);
    fromScripts("tuning-scripts.json", add, scriptKind);
  }
  // The text part of requests with an image (a tokenizer does not count image tokens).
  for (const entry of (kinds["english + markdown"] ?? []).slice(0, 8)) add("with an image (text part)", entry.text, { image: true });
  return kinds;
}
