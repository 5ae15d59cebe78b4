/**
 * Checks what we send against the providers' official OpenAPI specs in `../shared/specs` (or
 * `BATCH_ROUTER_SPECS_DIR`), compiled with ajv. The specs are read from there, never copied.
 *
 * ajv needs two fix-ups that do not change what the schemas accept: OpenAPI 3.0's `nullable: true`
 * becomes a `null` type member, and the annotation-only keywords `discriminator`, `example` and
 * `examples` are dropped.
 *
 * One addition, because the local Anthropic spec (v195) predates a generally available field:
 * `output_config` on `CreateMessageParams` (reference unified-features §1.2: GA
 * `output_config.format`, from the TS SDK's `OutputConfig`; the local copy has it only as the beta
 * `BetaOutputConfig` with `effort`). It is built from the spec's own `BetaOutputConfig` and
 * `BetaJsonOutputFormat`, closed like them, so a wrong `output_config` is still refused (canary in
 * structured-output-spec.test.ts). Likewise `strict` on `Tool` (reference §2.1, TS SDK `Tool`),
 * taken from the spec's `BetaTool.strict`. And adaptive thinking with `display` (reference §3.2,
 * TS SDK `ThinkingConfigAdaptive`: `{type: "adaptive", display?: "summarized" | "omitted"}`, and
 * `display` on `ThinkingConfigEnabled`), closed like the spec's other thinking configs. And the
 * top-level `cache_control` (reference §4.2, TS SDK `MessageCreateParamsBase.cache_control`), the
 * spec's own `CacheControlEphemeral`.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import AjvModule, { type Ajv as AjvInstance, type ValidateFunction } from "ajv";
import yaml from "js-yaml";

// ajv is CommonJS: seen from ESM, its class is the default export's `default`.
type AjvConstructor = new (options: object) => AjvInstance;
const Ajv = ((AjvModule as unknown as { default?: AjvConstructor }).default ?? AjvModule) as unknown as AjvConstructor;

export type SpecProvider = "openai" | "anthropic" | "gemini" | "mistral";

const SPEC_FILES: Record<SpecProvider, string> = {
  openai: "openai.yaml",
  anthropic: "anthropic.json",
  gemini: "gemini.json",
  mistral: "mistral.yaml",
};

export function specsDirectory(): string {
  const fromEnvironment = process.env.BATCH_ROUTER_SPECS_DIR;
  if (fromEnvironment) return resolve(fromEnvironment);
  // tests/js/dist/support → repository root is four levels up; ../shared sits beside the repository.
  const here = dirname(fileURLToPath(import.meta.url));
  let directory = here;
  for (let level = 0; level < 6; level++) {
    directory = dirname(directory);
    try {
      readFileSync(join(directory, "Cargo.toml"));
      return join(directory, "..", "shared", "specs");
    } catch {
      // keep walking up to the repository root
    }
  }
  throw new Error(`cannot find the repository root above ${here}`);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function fixUp(node: Json): Json {
  if (Array.isArray(node)) return node.map(fixUp);
  if (node === null || typeof node !== "object") return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "discriminator" || key === "example" || key === "examples" || key === "nullable") continue;
    out[key] = fixUp(value);
  }
  if (node.nullable === true) {
    const type = out.type;
    if (typeof type === "string") out.type = [type, "null"];
    else if (Array.isArray(type)) out.type = type.includes("null") ? type : [...type, "null"];
    else return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

const cache = new Map<SpecProvider, AjvInstance>();

function compiledSpec(provider: SpecProvider): AjvInstance {
  const existing = cache.get(provider);
  if (existing) return existing;
  const text = readFileSync(join(specsDirectory(), SPEC_FILES[provider]), "utf8");
  const document = (SPEC_FILES[provider].endsWith(".yaml") ? yaml.load(text) : JSON.parse(text)) as {
    components: Json;
  };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const components = fixUp(document.components) as { [key: string]: Json };
  if (provider === "anthropic") addGenerallyAvailableOutputConfig(components);
  ajv.addSchema({ $id: "spec", components } as object);
  cache.set(provider, ajv);
  return ajv;
}

function addGenerallyAvailableOutputConfig(components: { [key: string]: Json }): void {
  const schemas = components.schemas as { [key: string]: { [key: string]: Json } };
  const beta = schemas.BetaOutputConfig!;
  schemas.OutputConfig = {
    ...beta,
    properties: {
      ...(beta.properties as { [key: string]: Json }),
      format: { anyOf: [{ $ref: "#/components/schemas/BetaJsonOutputFormat" }, { type: "null" }] },
    },
  };
  const tool = schemas.Tool!;
  const betaTool = schemas.BetaTool!.properties as { [key: string]: Json };
  tool.properties = { ...(tool.properties as { [key: string]: Json }), strict: betaTool.strict! };
  const display = { type: "string", enum: ["summarized", "omitted"] };
  const enabled = schemas.ThinkingConfigEnabled!;
  enabled.properties = { ...(enabled.properties as { [key: string]: Json }), display };
  schemas.ThinkingConfigAdaptive = {
    type: "object",
    additionalProperties: false,
    required: ["type"],
    properties: { type: { type: "string", const: "adaptive" }, display },
  };
  const thinking = schemas.ThinkingConfigParam!;
  thinking.oneOf = [...(thinking.oneOf as Json[]), { $ref: "#/components/schemas/ThinkingConfigAdaptive" }];
  const params = schemas.CreateMessageParams!;
  params.properties = {
    ...(params.properties as { [key: string]: Json }),
    output_config: { $ref: "#/components/schemas/OutputConfig" },
    cache_control: { anyOf: [{ $ref: "#/components/schemas/CacheControlEphemeral" }, { type: "null" }] },
  };
}

/** A validator for one schema of a provider's spec, e.g. `("openai", "CreateChatCompletionRequest")`. */
export function specValidator(provider: SpecProvider, schema: string): (value: unknown) => string[] {
  const ajv = compiledSpec(provider);
  const validate = ajv.getSchema(`spec#/components/schemas/${schema}`) as ValidateFunction | undefined;
  if (!validate) throw new Error(`${schema} is not a schema of the ${provider} spec`);
  return (value: unknown) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`);
  };
}
