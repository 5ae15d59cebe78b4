/**
 * Validators for Gemini request bodies from the official spec (`gemini.json` in the specs
 * directory), read as the proto messages it was generated from.
 *
 * The OpenAPI conversion of Google's discovery document leaves every object open and states
 * `Content.role` ("must be either 'user' or 'model'") in prose only, so a plain schema check
 * accepts `role: "assistant"` and unknown fields. The API itself parses proto-JSON, which refuses
 * unknown field names and roles. So, as the compiled schemas are built:
 * - an object schema with `properties` and no `additionalProperties` becomes closed (proto messages
 *   are closed; maps and `Struct` fields carry `additionalProperties` and stay open);
 * - `Content.role` gets the enum its description states;
 * - OpenAPI 3.0's `nullable: true` becomes a `null` type member, and the annotations
 *   `discriminator`, `example` and `examples` are dropped — as keywords only: `Schema` has
 *   properties named `nullable` and `example`, which stay.
 * `plainGeminiValidator` is the same spec with only the last fix-up, to show what closing adds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import AjvModule, { type Ajv as AjvInstance, type ValidateFunction } from "ajv";

import { specsDirectory } from "./spec-validator.js";

type AjvConstructor = new (options: object) => AjvInstance;
const Ajv = ((AjvModule as unknown as { default?: AjvConstructor }).default ?? AjvModule) as unknown as AjvConstructor;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ANNOTATIONS = new Set(["discriminator", "example", "examples", "nullable"]);
/** Keywords whose value is a map from names to schemas (not a schema itself). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions", "$defs"]);

function fixSchema(node: Json, closeObjects: boolean): Json {
  if (Array.isArray(node)) return node.map((item) => fixSchema(item, closeObjects));
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (ANNOTATIONS.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === "object" && !Array.isArray(value)) {
      const map: JsonObject = {};
      for (const [name, schema] of Object.entries(value)) map[name] = fixSchema(schema, closeObjects);
      out[key] = map;
    } else {
      out[key] = fixSchema(value, closeObjects);
    }
  }
  const composed = "allOf" in node || "anyOf" in node || "oneOf" in node;
  if (closeObjects && "properties" in node && !("additionalProperties" in node) && !composed) out.additionalProperties = false;
  if (node.nullable === true) {
    const type = out.type;
    if (typeof type === "string") out.type = [type, "null"];
    else if (Array.isArray(type)) out.type = type.includes("null") ? type : [...type, "null"];
    else return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

function compile(closeObjects: boolean): AjvInstance {
  const text = readFileSync(join(specsDirectory(), "gemini.json"), "utf8");
  const document = JSON.parse(text) as { components: { schemas: JsonObject } };
  const schemas: JsonObject = {};
  for (const [name, schema] of Object.entries(document.components.schemas)) schemas[name] = fixSchema(schema, closeObjects);
  if (closeObjects) {
    const content = schemas.Content as { properties: { role: JsonObject } };
    content.properties.role = { ...content.properties.role, enum: ["user", "model"] };
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: "spec", components: { schemas } } as object);
  return ajv;
}

const compiled = new Map<boolean, AjvInstance>();

function validator(schema: string, closeObjects: boolean): (value: unknown) => string[] {
  let ajv = compiled.get(closeObjects);
  if (!ajv) {
    ajv = compile(closeObjects);
    compiled.set(closeObjects, ajv);
  }
  const validate = ajv.getSchema(`spec#/components/schemas/${schema}`) as ValidateFunction | undefined;
  if (!validate) throw new Error(`${schema} is not a schema of the Gemini spec`);
  return (value: unknown) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => {
      const extra = error.keyword === "additionalProperties" ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})` : "";
      return `${error.instancePath || "/"} ${error.message ?? "is invalid"}${extra}`;
    });
  };
}

export type GeminiSchema =
  | "GenerateContentRequest"
  | "InlinedRequest"
  | "BatchGenerateContentRequest"
  | "EmbedContentRequest"
  | "InlinedEmbedContentRequest"
  | "AsyncBatchEmbedContentRequest";

/** A validator that reads the spec as proto messages (closed objects, roles). */
export function geminiValidator(schema: GeminiSchema): (value: unknown) => string[] {
  return validator(schema, true);
}

/** The same schema as the OpenAPI conversion states it (open objects). */
export function plainGeminiValidator(schema: GeminiSchema): (value: unknown) => string[] {
  return validator(schema, false);
}
