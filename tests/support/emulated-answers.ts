/**
 * What the emulators (and the stand-in vllm) answer to a request that asks for structured output or
 * offers tools, decided the same way for every provider so that the unified results can be compared:
 *
 * - structured output asked with a schema → the JSON text of {@link exampleValue} of that schema;
 *   JSON mode (no schema) → `{"echo": <last user text>}`;
 * - tools offered, a choice other than `none`, and a conversation that does not end in tool results →
 *   tool calls ({@link plannedCalls}): the named tool, or every tool when parallel calls are allowed,
 *   else the first; arguments are {@link exampleValue} of the tool's parameters;
 * - a conversation that ends in tool results → the text `echo: ` followed by the results' texts;
 * - reasoning asked for (and returned by the provider) → a thought `Thinking about: <last user text>`
 *   before the answer ({@link thoughtText}), and reasoning tokens in usage where the provider counts them.
 *
 * Each emulator reads these settings from its own wire fields and writes the answer in its own shape.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Schema = Record<string, unknown>;

function asSchema(value: unknown): Schema | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Schema) : undefined;
}

/** `#/$defs/name`, `#/definitions/name` or `#` inside `root`. */
function resolveReference(reference: string, root: Schema): Schema | undefined {
  if (reference === "#") return root;
  const path = reference.replace(/^#\//, "").split("/");
  let node: unknown = root;
  for (const key of path) node = asSchema(node)?.[key.replaceAll("~1", "/").replaceAll("~0", "~")];
  return asSchema(node);
}

/**
 * A value valid against `schema`, derived from it alone (no randomness): the first `enum` value or
 * the `const`; objects with every property; arrays of one item (or `minItems` items); strings
 * `"example"` (or a value of the `format`); integers and numbers at `minimum` or 1; booleans true.
 * A type list or `anyOf`/`oneOf` takes its first non-null member; `$ref` is followed within the
 * schema (depth-limited, so recursive schemas end). Gemini's OpenAPI-style upper-case types work too.
 */
export function exampleValue(schema: unknown, root: unknown = schema, depth = 0): Json {
  const node = asSchema(schema);
  const top = asSchema(root) ?? {};
  if (!node || depth > 8) return null;
  if (typeof node.$ref === "string") return exampleValue(resolveReference(node.$ref, top), top, depth + 1);
  if ("const" in node) return node.const as Json;
  if (Array.isArray(node.enum) && node.enum.length > 0) return (node.enum.find((value) => value !== null) ?? node.enum[0]) as Json;
  for (const key of ["anyOf", "oneOf"]) {
    const members = node[key];
    if (Array.isArray(members) && members.length > 0) {
      const member = members.find((candidate) => asSchema(candidate)?.type !== "null") ?? members[0];
      return exampleValue(member, top, depth + 1);
    }
  }
  if (Array.isArray(node.allOf) && node.allOf.length > 0) return exampleValue(node.allOf[0], top, depth + 1);
  const types = Array.isArray(node.type) ? (node.type as string[]) : typeof node.type === "string" ? [node.type] : [];
  const type = (types.find((candidate) => candidate.toLowerCase() !== "null") ?? types[0] ?? (node.properties ? "object" : "string")).toLowerCase();
  switch (type) {
    case "object": {
      const value: Record<string, Json> = {};
      for (const [name, property] of Object.entries(asSchema(node.properties) ?? {})) value[name] = exampleValue(property, top, depth + 1);
      return value;
    }
    case "array": {
      const count = typeof node.minItems === "number" && node.minItems > 1 ? node.minItems : 1;
      return Array.from({ length: count }, () => exampleValue(node.items, top, depth + 1));
    }
    case "integer":
      return typeof node.minimum === "number" ? Math.ceil(node.minimum) : 1;
    case "number":
      return typeof node.minimum === "number" ? node.minimum : 1.5;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return FORMATS[String(node.format)] ?? "example";
  }
}

const FORMATS: Record<string, string> = {
  "date-time": "2026-01-01T00:00:00Z",
  date: "2026-01-01",
  time: "00:00:00",
  email: "someone@example.com",
  uri: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
};

/** A tool as the emulators need it, whatever the provider's spelling. */
export interface OfferedTool {
  name: string;
  parameters: unknown;
}

/** The tool choice in provider-neutral words. */
export type Choice = "auto" | "none" | "required" | { name: string };

export interface PlannedCall {
  name: string;
  arguments: Json;
}

/** The calls the emulated model makes: none for `none`, the named tool, else every tool (parallel) or the first. */
export function plannedCalls(tools: OfferedTool[], choice: Choice, parallel: boolean): PlannedCall[] {
  if (tools.length === 0 || choice === "none") return [];
  const chosen = typeof choice === "object" ? tools.filter((tool) => tool.name === choice.name) : parallel ? tools : tools.slice(0, 1);
  return chosen.map((tool) => ({ name: tool.name, arguments: exampleValue(tool.parameters) }));
}

/** The JSON text answering a structured-output request: the schema's example, or `{"echo": text}` in JSON mode. */
export function structuredAnswer(schema: unknown, lastUserText: string): string {
  return JSON.stringify(schema === undefined ? { echo: lastUserText } : exampleValue(schema));
}

/** The answer after tool results: `echo: ` and the results' texts. */
export function afterToolsAnswer(resultTexts: string[]): string {
  return `echo: ${resultTexts.join(" ")}`;
}

/** The text of a tool result given as a string or as text parts/blocks. */
export function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (asSchema(part) && typeof (part as Schema).text === "string" ? ((part as Schema).text as string) : ""))
      .filter(Boolean)
      .join(" ");
  }
  return content === undefined || content === null ? "" : JSON.stringify(content);
}

/** What an OpenAI-shaped chat body (OpenAI, Mistral, vLLM) asks the emulated model for. */
export type ChatPlan = { kind: "text" } | { kind: "json"; text: string } | { kind: "tool_calls"; calls: PlannedCall[] } | { kind: "after_tools"; text: string };

/**
 * Reads `response_format`, `tools`, `tool_choice` and `parallel_tool_calls` of a chat body
 * (OpenAI's spelling, which Mistral and vLLM share; Mistral's `any` is `required`).
 */
export function chatPlan(body: Record<string, unknown>, lastUserText: string): ChatPlan {
  const messages = Array.isArray(body.messages) ? (body.messages as Schema[]) : [];
  const trailingResults: string[] = [];
  for (let index = messages.length - 1; index >= 0 && messages[index]!.role === "tool"; index--) trailingResults.unshift(resultText(messages[index]!.content));
  if (trailingResults.length > 0) return { kind: "after_tools", text: afterToolsAnswer(trailingResults) };
  const tools = (Array.isArray(body.tools) ? (body.tools as Schema[]) : [])
    .map((tool) => asSchema(tool.function))
    .filter((tool): tool is Schema => tool !== undefined && typeof tool.name === "string")
    .map((tool) => ({ name: tool.name as string, parameters: tool.parameters ?? { type: "object", properties: {} } }));
  const rawChoice = body.tool_choice;
  const named = asSchema(asSchema(rawChoice)?.function)?.name;
  const choice: Choice =
    typeof named === "string" ? { name: named } : rawChoice === "none" ? "none" : rawChoice === "required" || rawChoice === "any" ? "required" : "auto";
  const calls = plannedCalls(tools, choice, body.parallel_tool_calls !== false);
  if (calls.length > 0) return { kind: "tool_calls", calls };
  const format = asSchema(body.response_format);
  if (format?.type === "json_schema") return { kind: "json", text: structuredAnswer(asSchema(format.json_schema)?.schema ?? {}, lastUserText) };
  if (format?.type === "json_object") return { kind: "json", text: structuredAnswer(undefined, lastUserText) };
  return { kind: "text" };
}

/** The emulated model's reasoning, the same on every provider that returns it. */
export function thoughtText(lastUserText: string): string {
  return `Thinking about: ${lastUserText}`;
}
