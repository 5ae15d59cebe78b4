//! Tools in the Chat Completions shape (OpenAI spec `ChatCompletionTool`,
//! `ChatCompletionToolChoiceOption`, `ChatCompletionMessageToolCall`). Mistral's spec has the same
//! shapes (`Tool`, `ToolChoice`, `ToolCall`; reference §2.1, §2.2), so its module uses them too.

use serde::Serialize;
use serde_json::{json, Value};

use crate::json_value_text::compact;
use crate::model::{Tool, ToolCallContent, ToolChoice, ToolChoiceMode};

#[derive(Serialize)]
pub struct WireTool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: Function<'a>,
}

#[derive(Serialize)]
struct Function<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    parameters: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<bool>,
}

pub fn tools(tools: &[Tool]) -> Vec<WireTool<'_>> {
    tools
        .iter()
        .map(|tool| WireTool {
            kind: "function",
            function: Function {
                name: &tool.name,
                description: tool.description.as_deref(),
                parameters: &tool.parameters,
                strict: tool.strict,
            },
        })
        .collect()
}

/// `"auto"`, `"none"`, `"required"` or `{"type": "function", "function": {"name"}}`.
pub fn tool_choice(choice: &ToolChoice) -> Value {
    match choice {
        ToolChoice::Mode(ToolChoiceMode::Auto) => json!("auto"),
        ToolChoice::Mode(ToolChoiceMode::None) => json!("none"),
        ToolChoice::Mode(ToolChoiceMode::Required) => json!("required"),
        ToolChoice::Named { name } => json!({ "type": "function", "function": { "name": name } }),
    }
}

#[derive(Serialize)]
pub struct WireToolCall<'a> {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: CallFunction<'a>,
}

#[derive(Serialize)]
pub struct CallFunction<'a> {
    pub name: &'a str,
    /// A JSON string on the wire (reference §2.3).
    pub arguments: String,
}

/// An assistant's call, under `id` (the request's, or the provider's replacement).
pub fn tool_call(call: &ToolCallContent, id: String) -> WireToolCall<'_> {
    let arguments = match &call.arguments {
        // Results keep arguments that were not JSON as the string they were: sent back as is.
        Value::String(text) => text.clone(),
        other => compact(other),
    };
    WireToolCall { id, kind: "function", function: CallFunction { name: &call.name, arguments } }
}
