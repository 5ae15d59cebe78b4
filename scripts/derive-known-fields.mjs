#!/usr/bin/env node
// Derives, from the providers' official specs in ../shared/specs, the body fields each provider's
// request schema has at the levels `providerKwargs` is merged into, and writes them as a Rust table:
// crates/core/src/known_fields.rs. `providerKwargs` keys outside these lists are refused before
// upload (crates/core/src/provider_kwargs.rs).
//
//   node scripts/derive-known-fields.mjs           write the table
//   node scripts/derive-known-fields.mjs --check   fail when the committed table differs from the specs
//
// Without ../shared/specs (a fresh clone elsewhere) --check says so and passes: the committed table
// is then the source. js-yaml is a dev dependency already (the emulators' spec validator reads the
// YAML specs with it).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const specsDirectory = process.env.BATCH_ROUTER_SPECS ?? join(root, "..", "shared", "specs");
const output = join(root, "crates", "core", "src", "known_fields.rs");
const check = process.argv.includes("--check");

if (!existsSync(specsDirectory)) {
  const message = `derive-known-fields: ${specsDirectory} is absent; the committed crates/core/src/known_fields.rs is not re-derived`;
  if (check) {
    console.log(`${message} (check skipped)`);
    process.exit(0);
  }
  console.error(message);
  process.exit(1);
}

function load(file) {
  const text = readFileSync(join(specsDirectory, file), "utf8");
  const document = file.endsWith(".yaml") ? yaml.load(text) : JSON.parse(text);
  const sha256 = createHash("sha256").update(text).digest("hex");
  return { file, document, sha256, version: String(document.info?.version ?? "?"), revision: document.info?.["x-google-revision"] };
}

/** The schema a `$ref` points at. */
function resolveReference(document, schema) {
  let current = schema;
  while (current && current.$ref) {
    const path = current.$ref.replace(/^#\//, "").split("/");
    current = path.reduce((node, key) => node?.[key], document);
    if (!current) throw new Error(`unresolved $ref ${schema.$ref}`);
  }
  return current;
}

/** The property names of an object schema, through `$ref` and `allOf`. */
function propertyNames(document, schema) {
  const resolved = resolveReference(document, schema);
  const names = new Set(Object.keys(resolved.properties ?? {}));
  for (const part of resolved.allOf ?? []) for (const name of propertyNames(document, part)) names.add(name);
  return names;
}

function schema(spec, name) {
  const found = spec.document.components?.schemas?.[name];
  if (!found) throw new Error(`${spec.file}: no schema ${name}`);
  return found;
}

/** The schema of property `property` of `schemaValue` (through `$ref`/`allOf`). */
function propertySchema(spec, schemaValue, property) {
  const resolved = resolveReference(spec.document, schemaValue);
  if (resolved.properties?.[property]) return resolved.properties[property];
  for (const part of resolved.allOf ?? []) {
    const found = propertySchema(spec, part, property);
    if (found) return found;
  }
  return undefined;
}

const openai = load("openai.yaml");
const anthropic = load("anthropic.json");
const gemini = load("gemini.json");
const mistral = load("mistral.yaml");

const sorted = (names) => [...names].sort();

// Anthropic: a batch request's `params`. The beta variant is included because fields that start
// there become generally available (e.g. `output_config`, reference unified-features §1.2) and the
// spec copy predates that.
const anthropicParams = new Set([
  ...propertyNames(anthropic.document, propertySchema(anthropic, schema(anthropic, "MessageBatchIndividualRequestParams"), "params")),
  ...propertyNames(anthropic.document, propertySchema(anthropic, schema(anthropic, "BetaMessageBatchIndividualRequestParams"), "params")),
]);

const tables = [
  {
    name: "OPENAI_CHAT_COMPLETION",
    doc: "OpenAI: the Chat Completions body of a batch line (`CreateChatCompletionRequest`).",
    fields: sorted(propertyNames(openai.document, schema(openai, "CreateChatCompletionRequest"))),
  },
  {
    name: "ANTHROPIC_MESSAGE_PARAMS",
    doc: "Anthropic: a batch request's `params` (`MessageBatchIndividualRequestParams.params`, with its beta variant).",
    fields: sorted(anthropicParams),
  },
  {
    name: "GEMINI_GENERATE_CONTENT_REQUEST",
    doc: "Gemini: the request of a batch line (`GenerateContentRequest`).",
    fields: sorted(propertyNames(gemini.document, schema(gemini, "GenerateContentRequest"))),
  },
  {
    name: "GEMINI_GENERATION_CONFIG",
    doc: "Gemini: `generationConfig` (`GenerationConfig`).",
    fields: sorted(propertyNames(gemini.document, schema(gemini, "GenerationConfig"))),
  },
  {
    name: "GEMINI_THINKING_CONFIG",
    doc: "Gemini: `generationConfig.thinkingConfig` (`ThinkingConfig`).",
    fields: sorted(propertyNames(gemini.document, schema(gemini, "ThinkingConfig"))),
  },
  {
    name: "MISTRAL_CHAT_COMPLETION",
    doc: "Mistral: the body of a batch line (`ChatCompletionRequest`).",
    fields: sorted(propertyNames(mistral.document, schema(mistral, "ChatCompletionRequest"))),
  },
  {
    name: "OPENAI_CREATE_RESPONSE",
    doc: "OpenAI: the Responses body of a batch line (`CreateResponse`, with its `allOf` parts).",
    fields: sorted(propertyNames(openai.document, schema(openai, "CreateResponse"))),
  },
  {
    name: "OPENAI_CREATE_EMBEDDING",
    doc: "OpenAI: the embeddings body of a batch line (`CreateEmbeddingRequest`).",
    fields: sorted(propertyNames(openai.document, schema(openai, "CreateEmbeddingRequest"))),
  },
  {
    name: "MISTRAL_EMBEDDING_REQUEST",
    doc: "Mistral: the body of an embeddings batch line (`EmbeddingRequest`, `additionalProperties: false`).",
    fields: sorted(propertyNames(mistral.document, schema(mistral, "EmbeddingRequest"))),
  },
  {
    name: "GEMINI_EMBED_CONTENT_REQUEST",
    doc: "Gemini: the request of an embeddings batch line (`EmbedContentRequest`).",
    fields: sorted(propertyNames(gemini.document, schema(gemini, "EmbedContentRequest"))),
  },
];

function describe(spec) {
  const revision = spec.revision ? `, revision ${spec.revision}` : "";
  return `//   ${spec.file}: info.version ${spec.version}${revision}, sha256 ${spec.sha256}`;
}

const lines = [
  "// @generated by scripts/derive-known-fields.mjs from the official specs in ../shared/specs:",
  ...[openai, anthropic, gemini, mistral].map(describe),
  "// Do not edit: run `node scripts/derive-known-fields.mjs`; scripts/lint.sh checks it is current.",
  "",
  "//! The body fields each provider's request schema has, at the levels `providerKwargs` merge into.",
  "",
];
for (const table of tables) {
  lines.push(`/// ${table.doc}`);
  // One field a line keeps the diff of a new spec readable; rustfmt would pack them.
  lines.push("#[rustfmt::skip]");
  lines.push(`pub const ${table.name}: &[&str] = &[`);
  for (const field of table.fields) lines.push(`    ${JSON.stringify(field)},`);
  lines.push("];", "");
}
const text = lines.join("\n").replace(/\n+$/, "\n");

if (check) {
  const committed = existsSync(output) ? readFileSync(output, "utf8") : "";
  if (committed !== text) {
    console.error("crates/core/src/known_fields.rs is not what the specs give now: run `node scripts/derive-known-fields.mjs`");
    process.exit(1);
  }
  console.log("known_fields.rs matches the specs");
} else {
  writeFileSync(output, text);
  console.log(`wrote ${output}`);
}
