//! The JSON Schema subsets each provider compiles, checked sub-schema by sub-schema so that a refusal
//! names the schema path (`.properties.note.type`).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::sort_by_text::sort_by_text;

/// One thing a provider would refuse, at `path` inside the schema (empty for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    pub path: String,
    pub message: String,
}

/// A sub-schema and where it sits. `object_depth` counts the objects it is nested in.
struct Node<'a> {
    schema: &'a Map<String, Value>,
    path: String,
    object_depth: usize,
}

/// Every sub-schema (objects only; `true`/`false` schemas have no keywords), root first: under
/// every keyword whose [`Shape`] holds schemas.
fn nodes(root: &Value) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    let mut pending = vec![(root, String::new(), 0usize)];
    while let Some((value, path, depth)) = pending.pop() {
        let Value::Object(schema) = value else { continue };
        let depth = depth + usize::from(is_object(schema));
        for (keyword, child) in schema {
            match (shape(keyword), child) {
                (Some(Shape::SchemaMap | Shape::Dependencies), Value::Object(map)) => {
                    for (name, sub) in map {
                        pending.push((sub, format!("{path}.{keyword}.{name}"), depth));
                    }
                }
                (Some(Shape::SchemaList | Shape::SchemaOrList), Value::Array(list)) => {
                    for (index, sub) in list.iter().enumerate() {
                        pending.push((sub, format!("{path}.{keyword}[{index}]"), depth));
                    }
                }
                (Some(Shape::Schema | Shape::SchemaOrList), Value::Object(_)) => {
                    pending.push((child, format!("{path}.{keyword}"), depth));
                }
                _ => {}
            }
        }
        found.push(Node { schema, path, object_depth: depth });
    }
    sort_by_text(&mut found, |node| node.path.as_str());
    found
}

fn is_object(schema: &Map<String, Value>) -> bool {
    has_type(schema, "object") || schema.contains_key("properties")
}

fn has_type(schema: &Map<String, Value>, name: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(type_name)) => type_name == name,
        Some(Value::Array(types)) => types.iter().any(|type_name| type_name == name),
        _ => false,
    }
}

/// A problem at `path` (and `keyword` under it, when not empty). The message is text or owned
/// text, built into the problem out of line ([`schema_problem`]) so that call sites stay small.
#[inline]
fn problem<'m>(path: &str, keyword: &str, message: impl Into<Cow<'m, str>>) -> SchemaProblem {
    schema_problem(path, keyword, message.into())
}

#[inline(never)]
fn schema_problem(path: &str, keyword: &str, message: Cow<'_, str>) -> SchemaProblem {
    let path = if keyword.is_empty() { path.to_owned() } else { format!("{path}.{keyword}") };
    SchemaProblem { path, message: message.into_owned() }
}

/// What a keyword's value must be in JSON Schema (the 2020-12 meta-schema's core, applicator,
/// validation, meta-data and content vocabularies, json-schema.org/draft/2020-12), with what earlier
/// drafts still in use allow: `items` as an array of schemas, `exclusiveMinimum` as a boolean
/// (draft 4), `definitions` and `dependencies` (draft 7).
#[derive(Clone, Copy)]
enum Shape {
    /// An object of schemas (`properties`, `$defs`…).
    SchemaMap,
    /// A non-empty array of schemas (`anyOf`, `prefixItems`…).
    SchemaList,
    /// A schema: an object, or `true`/`false`.
    Schema,
    /// `items`: a schema, or (before 2020-12) an array of schemas.
    SchemaOrList,
    /// `required`: an array of property names.
    Names,
    /// `dependentRequired`: an object of arrays of property names.
    NamesMap,
    /// `dependencies` (draft 7): an object of schemas or arrays of property names.
    Dependencies,
    /// `enum`, `examples`: an array.
    List,
    /// `type`: a type name or a non-empty array of them.
    TypeNames,
    Text,
    Boolean,
    /// A non-negative integer (`minItems`, `maxLength`…).
    Count,
    Number,
    /// `exclusiveMinimum`, `exclusiveMaximum`: a number (a boolean in draft 4).
    NumberOrBoolean,
    /// `multipleOf`: a number above 0.
    Positive,
}

fn shape(keyword: &str) -> Option<Shape> {
    Some(match keyword {
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => Shape::SchemaMap,
        "anyOf" | "oneOf" | "allOf" | "prefixItems" => Shape::SchemaList,
        "additionalProperties"
        | "not"
        | "if"
        | "then"
        | "else"
        | "contains"
        | "propertyNames"
        | "unevaluatedProperties"
        | "unevaluatedItems"
        | "additionalItems"
        | "contentSchema" => Shape::Schema,
        "items" => Shape::SchemaOrList,
        "required" => Shape::Names,
        "dependentRequired" => Shape::NamesMap,
        "dependencies" => Shape::Dependencies,
        "enum" | "examples" => Shape::List,
        "type" => Shape::TypeNames,
        "$schema" | "$ref" | "$id" | "$anchor" | "$comment" | "pattern" | "format" | "title" | "description"
        | "contentEncoding" | "contentMediaType" => Shape::Text,
        "uniqueItems" | "deprecated" | "readOnly" | "writeOnly" => Shape::Boolean,
        "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" | "maxProperties" | "minContains"
        | "maxContains" => Shape::Count,
        "minimum" | "maximum" => Shape::Number,
        "exclusiveMinimum" | "exclusiveMaximum" => Shape::NumberOrBoolean,
        "multipleOf" => Shape::Positive,
        _ => return None,
    })
}

impl Shape {
    /// What a value of this shape is, as a message says it.
    fn expected(self) -> &'static str {
        match self {
            Shape::SchemaMap => "an object of schemas",
            Shape::SchemaList => "a non-empty array of schemas",
            Shape::Schema => "a schema (an object, or `true`/`false`)",
            Shape::SchemaOrList => "a schema (an object, or `true`/`false`) or an array of schemas",
            Shape::Names => "an array of property names (strings)",
            Shape::NamesMap => "an object of arrays of property names",
            Shape::Dependencies => "an object of schemas or arrays of property names",
            Shape::List => "an array",
            Shape::TypeNames => {
                "one of \"null\", \"boolean\", \"object\", \"array\", \"number\", \"string\", \"integer\", or a non-empty array of them"
            }
            Shape::Text => "a string",
            Shape::Boolean => "`true` or `false`",
            Shape::Count => "a non-negative integer",
            Shape::Number => "a number",
            Shape::NumberOrBoolean => "a number (a boolean in draft 4)",
            Shape::Positive => "a number above 0",
        }
    }
}

/// JSON Schema's type names (`type`).
const TYPE_NAMES: [&str; 7] = ["null", "boolean", "object", "array", "number", "string", "integer"];

fn is_schema(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Bool(_))
}

fn is_names(value: &Value) -> bool {
    value.as_array().is_some_and(|names| names.iter().all(Value::is_string))
}

fn is_type_name(value: &Value) -> bool {
    value.as_str().is_some_and(|name| TYPE_NAMES.contains(&name))
}

/// `value` as a message names it: "the string \"x\"", "the number -1", "true", "null", "an array",
/// "an empty array".
fn described(value: &Value) -> String {
    match value {
        Value::String(text) if text.chars().count() <= 40 => format!("the string {value}"),
        Value::String(_) => "a string".to_owned(),
        Value::Number(_) => format!("the number {value}"),
        Value::Bool(_) | Value::Null => value.to_string(),
        Value::Array(list) if list.is_empty() => "an empty array".to_owned(),
        Value::Array(_) | Value::Object(_) => format!("an {}", crate::results::json_kind(value)),
    }
}

/// The first item of `list` that does not fit, with its index.
fn first_misfit(list: &[Value], fits: fn(&Value) -> bool) -> Option<(usize, &Value)> {
    list.iter().enumerate().find(|(_, item)| !fits(item))
}

/// What is wrong with `value` for `shape`: `None` when it has the shape; otherwise the place inside
/// it that is wrong (empty for the value itself, `.name` or `[i]` for a member) and what it is.
fn wrong(shape: Shape, value: &Value) -> Option<(String, String)> {
    let itself = || Some((String::new(), format!("must be {}, not {}", shape.expected(), described(value))));
    let member =
        |place: String, what: &str, member: &Value| Some((place, format!("must be {what}, not {}", described(member))));
    let schema = "a schema (an object such as {\"type\": \"string\"})";
    match (shape, value) {
        (Shape::SchemaMap, Value::Object(map)) => {
            let (name, sub) = map.iter().find(|(_, sub)| !is_schema(sub))?;
            member(format!(".{name}"), schema, sub)
        }
        (Shape::SchemaList, Value::Array(list)) if !list.is_empty() => {
            let (index, sub) = first_misfit(list, is_schema)?;
            member(format!("[{index}]"), schema, sub)
        }
        (Shape::SchemaOrList, Value::Array(list)) => {
            let (index, sub) = first_misfit(list, is_schema)?;
            member(format!("[{index}]"), schema, sub)
        }
        (Shape::Schema | Shape::SchemaOrList, value) if is_schema(value) => None,
        (Shape::Names, Value::Array(names)) => {
            let (index, name) = first_misfit(names, Value::is_string)?;
            member(format!("[{index}]"), "a property name (a string)", name)
        }
        (Shape::NamesMap, Value::Object(map)) => {
            let (name, names) = map.iter().find(|(_, names)| !is_names(names))?;
            member(format!(".{name}"), "an array of property names", names)
        }
        (Shape::Dependencies, Value::Object(map)) => {
            let (name, dependency) =
                map.iter().find(|(_, dependency)| !(is_schema(dependency) || is_names(dependency)))?;
            member(format!(".{name}"), "a schema or an array of property names", dependency)
        }
        (Shape::TypeNames, name) if is_type_name(name) => None,
        (Shape::TypeNames, Value::Array(names)) if !names.is_empty() => {
            let (index, name) = first_misfit(names, is_type_name)?;
            member(format!("[{index}]"), "a JSON Schema type name (\"null\", \"boolean\", \"object\", \"array\", \"number\", \"string\" or \"integer\")", name)
        }
        (Shape::List, Value::Array(_))
        | (Shape::Text, Value::String(_))
        | (Shape::Boolean, Value::Bool(_))
        | (Shape::Number | Shape::NumberOrBoolean, Value::Number(_))
        | (Shape::NumberOrBoolean, Value::Bool(_)) => None,
        (Shape::Count, Value::Number(number))
            if number.as_f64().is_some_and(|count| count >= 0.0 && count.fract() == 0.0) =>
        {
            None
        }
        (Shape::Positive, Value::Number(number)) if number.as_f64().is_some_and(|step| step > 0.0) => None,
        _ => itself(),
    }
}

/// Every keyword value of the wrong shape, at its path: a schema with one is no JSON Schema, and
/// every provider refuses it (some only when the batch runs). Checked for every provider, before
/// each provider's own subset. A value is named by its path (`.properties.a`, `.required[0]`), the
/// keyword itself in the message when the whole value is wrong.
pub fn malformed(root: &Value) -> Vec<SchemaProblem> {
    let mut problems = Vec::new();
    let nodes = nodes(root);
    for node in &nodes {
        if let Some(Value::String(reference)) = node.schema.get("$ref") {
            if !resolves(root, &nodes, reference) {
                problems.push(problem(
                    &node.path,
                    "$ref",
                    format!("\"{reference}\" names no definition of this schema (a local `$ref` must point into the schema itself, e.g. to one of its `$defs`)"),
                ));
            }
        }
        for (keyword, value) in node.schema {
            let Some(shape) = shape(keyword) else { continue };
            let Some((place, message)) = wrong(shape, value) else { continue };
            let message = if place.is_empty() { format!("`{keyword}` {message}") } else { message };
            problems.push(problem(&format!("{}.{keyword}{place}", node.path), "", message));
        }
    }
    sort_by_text(&mut problems, |problem| problem.path.as_str());
    problems
}

/// Whether a local `$ref` (`#`, a JSON pointer `#/$defs/name`, or a plain name `#name` of an
/// `$anchor`) finds its target in `root`. Other references (`https://…`, percent-encoded pointers)
/// are left to the provider.
fn resolves(root: &Value, nodes: &[Node], reference: &str) -> bool {
    let Some(fragment) = reference.strip_prefix('#') else { return true };
    if fragment.contains('%') {
        return true;
    }
    if fragment.is_empty() || fragment.starts_with('/') {
        return root.pointer(fragment).is_some_and(|target| target.is_object() || target.is_boolean());
    }
    nodes.iter().any(|node| node.schema.get("$anchor").and_then(Value::as_str) == Some(fragment))
}

/// `additionalProperties: false` on every object: required by OpenAI strict mode and by Anthropic
/// (reference §1.1, §1.2).
fn closed_objects(node: &Node, provider: &str, problems: &mut Vec<SchemaProblem>) {
    if is_object(node.schema) && node.schema.get("additionalProperties") != Some(&Value::Bool(false)) {
        problems.push(problem(
            &node.path,
            "additionalProperties",
            format!("{provider} requires `additionalProperties: false` on every object schema"),
        ));
    }
}

/// How a property becomes nullable, in its own type: `type: ["number", "null"]` for a number.
fn nullable_hint(property: &Value) -> String {
    let null = Value::from("null");
    match property.get("type") {
        Some(Value::String(name)) => format!("give it `type: [\"{name}\", \"null\"]`"),
        Some(Value::Array(names)) if !names.contains(&null) => {
            let mut names = names.clone();
            names.push(null);
            format!("give it `type: {}`", Value::Array(names))
        }
        _ => "let it be null (add \"null\" to its `type`, or `{\"type\": \"null\"}` to its `anyOf`)".to_owned(),
    }
}

/// OpenAI's strict subset (reference §1.1, from OpenAI's Structured Outputs guide).
pub fn openai_strict(root: &Value) -> Vec<SchemaProblem> {
    let malformed = malformed(root);
    if !malformed.is_empty() {
        return malformed;
    }
    let mut problems = Vec::new();
    let root_map = root.as_object();
    if !root_map.is_some_and(|map| has_type(map, "object")) || root_map.is_some_and(|map| map.contains_key("anyOf")) {
        problems.push(problem("", "", "OpenAI strict mode needs a root schema of type \"object\" (not anyOf)"));
    }
    let all = nodes(root);
    let mut property_count = 0;
    let mut enum_values = 0;
    for node in &all {
        for keyword in ["allOf", "not", "dependentRequired", "dependentSchemas", "if", "then", "else"] {
            if node.schema.contains_key(keyword) {
                problems.push(problem(&node.path, keyword, format!("OpenAI strict mode does not support `{keyword}`")));
            }
        }
        closed_objects(node, "OpenAI strict mode", &mut problems);
        if let Some(Value::Object(properties)) = node.schema.get("properties") {
            property_count += properties.len();
            let required: Vec<&str> = match node.schema.get("required") {
                Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if let Some((missing, property)) = properties.iter().find(|(name, _)| !required.contains(&name.as_str())) {
                problems.push(problem(
                    &node.path,
                    "required",
                    format!(
                        "OpenAI strict mode requires every property in `required`; \"{missing}\" is not (to make it optional, list it and {})",
                        nullable_hint(property)
                    ),
                ));
            }
        }
        if let Some(Value::Array(values)) = node.schema.get("enum") {
            enum_values += values.len();
        }
        if node.object_depth > 10 {
            problems.push(problem(&node.path, "", "OpenAI strict mode allows at most 10 levels of object nesting"));
        }
    }
    if property_count > 5000 {
        problems.push(problem(
            "",
            "",
            format!("{property_count} object properties; OpenAI strict mode allows at most 5,000"),
        ));
    }
    if enum_values > 1000 {
        problems.push(problem("", "", format!("{enum_values} enum values; OpenAI strict mode allows at most 1,000")));
    }
    sort_by_text(&mut problems, |problem| problem.path.as_str());
    problems
}

/// Anthropic's grammar-compiled subset and its limits (reference §1.2, from Anthropic's structured
/// outputs documentation): closed objects, no numeric or string-length constraints, no complex array
/// constraints, no recursion; at most 24 optional and 16 union-typed properties.
pub fn anthropic(root: &Value) -> Vec<SchemaProblem> {
    let malformed = malformed(root);
    if !malformed.is_empty() {
        return malformed;
    }
    let mut problems = Vec::new();
    for node in nodes(root) {
        closed_objects(&node, "Anthropic", &mut problems);
        for keyword in [
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minLength",
            "maxLength",
            "maxItems",
            "uniqueItems",
            "contains",
        ] {
            if node.schema.contains_key(keyword) {
                problems.push(problem(
                    &node.path,
                    keyword,
                    format!("Anthropic structured output does not support `{keyword}`"),
                ));
            }
        }
        if node.schema.get("minItems").and_then(Value::as_u64).is_some_and(|min| min > 1) {
            problems.push(problem(&node.path, "minItems", "Anthropic supports `minItems` of 0 or 1 only"));
        }
        if let Some(Value::String(reference)) = node.schema.get("$ref") {
            if reference == "#" || is_recursive(root, reference) {
                problems.push(problem(&node.path, "$ref", "Anthropic does not support recursive schemas"));
            }
        }
    }
    let (optional, unions) = anthropic_property_counts(root);
    if optional > ANTHROPIC_MAX_OPTIONAL {
        problems.push(problem(
            "",
            "",
            format!("{optional} optional properties; Anthropic allows at most 24 per request"),
        ));
    }
    if unions > ANTHROPIC_MAX_UNIONS {
        problems.push(problem(
            "",
            "",
            format!("{unions} union-typed properties; Anthropic allows at most 16 per request"),
        ));
    }
    sort_by_text(&mut problems, |problem| problem.path.as_str());
    problems
}

/// Anthropic's limits on optional and union-typed properties, "summed over all strict schemas of
/// one request" (reference §1.2).
pub const ANTHROPIC_MAX_OPTIONAL: usize = 24;
pub const ANTHROPIC_MAX_UNIONS: usize = 16;

/// The optional and the union-typed (`anyOf` or a type list) properties of a schema, counted as
/// Anthropic's limits count them.
pub fn anthropic_property_counts(root: &Value) -> (usize, usize) {
    let (mut optional, mut unions) = (0, 0);
    for node in nodes(root) {
        let Some(Value::Object(properties)) = node.schema.get("properties") else { continue };
        let required: Vec<&Value> = match node.schema.get("required") {
            Some(Value::Array(names)) => names.iter().collect(),
            _ => Vec::new(),
        };
        optional += properties.keys().filter(|name| !required.iter().any(|required| required == name)).count();
        unions += properties
            .values()
            .filter(|property| property.get("anyOf").is_some() || property.get("type").is_some_and(Value::is_array))
            .count();
    }
    (optional, unions)
}

/// Whether the definition `reference` (`#/$defs/name`) reaches itself through its own `$ref`s.
fn is_recursive(root: &Value, reference: &str) -> bool {
    let mut seen = Vec::new();
    let mut pending = vec![reference.to_owned()];
    while let Some(current) = pending.pop() {
        let Some(target) = current.strip_prefix('#').and_then(|pointer| root.pointer(pointer)) else { continue };
        for node in nodes(target) {
            if let Some(Value::String(next)) = node.schema.get("$ref") {
                if next == reference || next == "#" {
                    return true;
                }
                if !seen.contains(next) {
                    seen.push(next.clone());
                    pending.push(next.clone());
                }
            }
        }
    }
    false
}

/// Gemini `responseJsonSchema`: the keywords its spec lists, nothing else (reference §1.3 (b),
/// spec `GenerationConfig._responseJsonSchema`).
const GEMINI_KEYWORDS: &[&str] = &[
    "$id",
    "$defs",
    "$ref",
    "$anchor",
    "type",
    "format",
    "title",
    "description",
    "enum",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "anyOf",
    "oneOf",
    "properties",
    "additionalProperties",
    "required",
    "propertyOrdering",
];

pub fn gemini(root: &Value) -> Vec<SchemaProblem> {
    let malformed = malformed(root);
    if !malformed.is_empty() {
        return malformed;
    }
    let mut problems = Vec::new();
    for node in nodes(root) {
        for keyword in node.schema.keys() {
            if !GEMINI_KEYWORDS.contains(&keyword.as_str()) {
                problems.push(problem(
                    &node.path,
                    keyword,
                    format!("Gemini's responseJsonSchema does not support `{keyword}`"),
                ));
            }
        }
        if node.schema.contains_key("$ref") {
            if let Some(sibling) = node.schema.keys().find(|keyword| !keyword.starts_with('$')) {
                problems.push(problem(&node.path, sibling, "Gemini allows only `$`-prefixed keywords beside `$ref`"));
            }
        }
        if let Some(Value::Array(values)) = node.schema.get("enum") {
            if values.iter().any(|value| !(value.is_string() || value.is_number())) {
                problems.push(problem(&node.path, "enum", "Gemini takes only string and number enum values"));
            }
        }
        if let Some(Value::String(reference)) = node.schema.get("$ref") {
            let recursive = reference == "#" || is_recursive(root, reference);
            if recursive && only_required_properties(root, &node.path) {
                problems.push(problem(
                    &node.path,
                    "",
                    "Gemini allows a cycle only inside a property that is not required; make this property optional",
                ));
            }
        }
    }
    sort_by_text(&mut problems, |problem| problem.path.as_str());
    problems
}

/// Whether every step from the root to `path` is a required property (a definition under `$defs`
/// counts as a step of its own): a cycle there can never end (reference §1.3 (b): "cycles are
/// only allowed inside non-required properties"). Arrays and unions can end a cycle.
fn only_required_properties(root: &Value, path: &str) -> bool {
    let mut schema = root;
    let mut steps = path.split('.').filter(|step| !step.is_empty());
    while let Some(keyword) = steps.next() {
        let Some(name) = steps.next() else { return false };
        let parent = schema;
        let Some(child) = parent.get(keyword).and_then(|map| map.get(name)) else { return false };
        match keyword {
            "properties" => {
                let required = parent.get("required").and_then(Value::as_array);
                if !required.is_some_and(|names| names.iter().any(|required| required == name)) {
                    return false;
                }
            }
            "$defs" => {}
            _ => return false,
        }
        schema = child;
    }
    true
}
