//! Structured output (`responseFormat`): each provider's spelling of "answer in JSON, following this
//! schema", and the checks that refuse, before upload, what a provider would refuse hours later
//! (reference unified-features §1, §8.2, §8.3).

pub(crate) mod schema_rules;
#[cfg(test)]
mod tests;

use serde_json::{json, Value};

use crate::conversation_rules::prefill_index;
use crate::model::{ResponseFormat, UnifiedRequest};
use crate::validate::RequestChecker;
use crate::{CoreError, Provider};

pub use schema_rules::SchemaProblem;

/// OpenAI's strict subset, for tool parameters as for response schemas.
pub fn openai_strict_problems(schema: &Value) -> Vec<SchemaProblem> {
    schema_rules::openai_strict(schema)
}

/// The keyword values of the wrong shape (`properties` that is not an object…): refused for every
/// provider, strict or not.
pub fn malformed_problems(schema: &Value) -> Vec<SchemaProblem> {
    schema_rules::malformed(schema)
}

/// Anthropic's subset for strict schemas (tools with `strict: true` and `output_config.format`).
pub fn anthropic_problems(schema: &Value) -> Vec<SchemaProblem> {
    schema_rules::anthropic(schema)
}

/// The schema name sent where a provider requires one and the request gives none: OpenAI's
/// `ResponseFormatJsonSchema.json_schema.name` and Mistral's `JsonSchema.name` are required (specs).
pub const DEFAULT_SCHEMA_NAME: &str = "response";

/// OpenAI, Mistral and vLLM `response_format`: `json_schema` with its name, or `json_object`
/// (OpenAI spec `ResponseFormatJsonSchema`, `ResponseFormatJsonObject`; Mistral spec
/// `ResponseFormat`, `JsonSchema`; vLLM takes the OpenAI shape, reference §1.5).
pub fn chat_response_format(format: &ResponseFormat) -> Value {
    let Some(schema) = &format.schema else {
        return json!({ "type": "json_object" });
    };
    let mut json_schema = serde_json::Map::new();
    json_schema.insert("name".into(), json!(format.name.as_deref().unwrap_or(DEFAULT_SCHEMA_NAME)));
    if let Some(description) = &format.description {
        json_schema.insert("description".into(), json!(description));
    }
    json_schema.insert("schema".into(), schema.clone());
    if let Some(strict) = format.strict {
        json_schema.insert("strict".into(), json!(strict));
    }
    json!({ "type": "json_schema", "json_schema": json_schema })
}

/// Anthropic `output_config.format` (generally available, no beta header; reference §1.2, from the
/// TS SDK's `OutputConfig` / `JSONOutputFormat`). `None` for JSON mode, which Anthropic lacks
/// (validation refused it or reported it as left out).
pub fn anthropic_output_format(format: &ResponseFormat) -> Option<Value> {
    format.schema.as_ref().map(|schema| json!({ "type": "json_schema", "schema": schema }))
}

/// Gemini `generationConfig`: `responseMimeType` always, `responseJsonSchema` (JSON Schema, the
/// field the official JS SDK sends) when there is a schema (reference §1.3 (b), spec `GenerationConfig`).
pub fn gemini_response_fields(format: &ResponseFormat) -> (&'static str, Option<&Value>) {
    ("application/json", format.schema.as_ref())
}

/// Checks `responseFormat` for the provider of `checker`.
pub(crate) fn check(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let Some(format) = &request.response_format else {
        return Ok(());
    };
    if let Some(name) = &format.name {
        // OpenAI spec `ResponseFormatJsonSchema.json_schema.name`: a-z, A-Z, 0-9, `_`, `-`, ≤ 64.
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|character| character.is_ascii_alphanumeric() || character == '_' || character == '-');
        if !valid {
            return Err(checker.error(
                "responseFormat.name",
                "must be 1 to 64 characters of a-z, A-Z, 0-9, `_` or `-` (OpenAI's rule for schema names)",
            ));
        }
    }
    let Some(schema) = &format.schema else {
        if format.name.is_some() || format.description.is_some() || format.strict.is_some() {
            return Err(checker.error(
                "responseFormat",
                "name, description and strict describe a schema; give `schema`, or leave them out for JSON mode",
            ));
        }
        return check_json_mode(checker);
    };
    if !schema.is_object() {
        return Err(checker.error("responseFormat.schema", "must be a JSON Schema object"));
    }
    if checker.provider == Provider::Anthropic {
        if let Some(index) = prefill_index(request) {
            // Structured output and a prefilled answer exclude each other (reference §1.2).
            return Err(checker.error(
                format!("messages[{index}]"),
                "Anthropic refuses a final assistant message (prefill) together with structured output (responseFormat)",
            ));
        }
    }
    let problems = match checker.provider {
        Provider::OpenAI if format.strict == Some(true) => schema_rules::openai_strict(schema),
        Provider::Anthropic => schema_rules::anthropic(schema),
        Provider::Google => schema_rules::gemini(schema),
        _ => schema_rules::malformed(schema),
    };
    match problems.into_iter().next() {
        Some(problem) => Err(checker.error(format!("responseFormat.schema{}", problem.path), problem.message)),
        None => Ok(()),
    }
}

/// JSON mode without a schema.
fn check_json_mode(checker: &mut RequestChecker) -> Result<(), CoreError> {
    match checker.provider {
        // Anthropic has no JSON mode (reference §0, §8.2): only a schema constrains its output.
        Provider::Anthropic => checker
            .unsupported("responseFormat", "Anthropic has no JSON mode without a schema; give responseFormat.schema"),
        // "The API errors when the word "JSON" does not occur anywhere in the messages" (reference
        // §1.1, OA-JSONMODE); Azure OpenAI's JSON mode page says the same of its API ("'messages'
        // must contain the word 'json'", learn.microsoft.com …/openai/how-to/json-mode; a new-user
        // trial found it unchecked there).
        // Mistral: "the prompt must ask for JSON, otherwise the model may emit endless whitespace"
        // (reference §1.4, §7.4, MI-DOCS known-limitations.md): the same check (a new-user trial
        // found it missing).
        Provider::OpenAI | Provider::Azure | Provider::Mistral if !mentions_json(checker.request) => Err(checker
            .error(
                "responseFormat",
                format!(
                "{}'s JSON mode requires the word \"JSON\" in the system prompt or a message; add it, or give a schema",
                checker.provider.display_name()
            ),
            )),
        _ => Ok(()),
    }
}

fn mentions_json(request: &UnifiedRequest) -> bool {
    let has = |text: &str| text.to_ascii_lowercase().contains("json");
    request.system_prompt.as_ref().is_some_and(|system| system.parts().into_iter().any(has))
        || request.messages.iter().any(|message| {
            message
                .content
                .parts()
                .into_iter()
                .any(|part| matches!(part, crate::model::ContentPartRef::Text(text) if has(text)))
        })
}

/// Which requests of a batch asked for JSON answers (`responseFormat`), kept in the batch summary
/// so that reading results knows which answers to parse: `"unknown"` (results read without the
/// summary: any text that is a JSON object or array is parsed, the documented fallback), `"none"`,
/// `"all"`, or `{ "some": [customId, …] }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum JsonAnswers {
    #[default]
    Unknown,
    None,
    All,
    Some(Vec<String>),
}

/// What [`JsonAnswers`] a batch of `requests` has.
pub fn json_answers(requests: &[UnifiedRequest]) -> JsonAnswers {
    let asking = requests.iter().filter(|request| request.response_format.is_some()).count();
    match asking {
        0 => JsonAnswers::None,
        all if all == requests.len() => JsonAnswers::All,
        _ => JsonAnswers::Some(
            requests
                .iter()
                .filter(|request| request.response_format.is_some())
                .map(|request| request.custom_id.clone())
                .collect(),
        ),
    }
}
