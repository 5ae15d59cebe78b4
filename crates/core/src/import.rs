//! Existing OpenAI batch input files (`{custom_id, method, url, body}` lines with Chat Completions
//! bodies) read as unified requests, so they can go to any provider. What has a unified field goes
//! there; what has none stays in `providerKwargs` (which other providers then refuse by name, or
//! leave out with a warning under `dropUnsupported`); what cannot be kept is refused. Nothing is
//! dropped silently.

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::media_data::split_data_url;
use crate::model::{
    ContentPart, GenerationConfig, MediaContent, MessageContent, Reasoning, ReasoningEffort, ResponseFormat,
    ResponseFormatKind, Role, SourceType, SystemPrompt, TextContent, Tool, ToolCallContent, ToolChoice, ToolChoiceMode,
    ToolResultContent, UnifiedMessage, UnifiedRequest,
};
use crate::CoreError;

/// Reads every non-blank line of an OpenAI batch input file; an error names the file's line (from
/// 1, blank lines counted) as well as the request's index.
pub fn unified_from_openai_jsonl(text: &str) -> Result<Vec<UnifiedRequest>, CoreError> {
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()).map(|(at, line)| (at + 1, line)).collect();
    let numbers: Vec<usize> = lines.iter().map(|(number, _)| *number).collect();
    crate::parse::collect_requests(
        lines.iter().enumerate().map(|(index, (_, line))| unified_from_openai_line(index, line)),
    )
    .map_err(|error| error.at_line(&numbers))
}

/// One batch input line as a unified request; `index` names it in errors. Fields of the line are
/// named as they are (`custom_id`, `url`, `body`), fields of its body under `body.`.
pub fn unified_from_openai_line(index: usize, line: &str) -> Result<UnifiedRequest, CoreError> {
    let value: Value =
        crate::providers::exact_json::from_str(line.trim_start_matches('\u{feff}')).map_err(|error| {
            let why = if error.is_eof() {
                format!("is not JSON: it ends before its last value is closed (column {})", error.column())
            } else {
                format!("is not JSON: {error}")
            };
            line_error(index, "", "", why)
        })?;
    // The whole line is wrong, not its `body` (a new-user trial: `[1,2]` was "body: must be…").
    if !value.is_object() {
        let kind = crate::results::json_kind(&value);
        let article = if kind == "array" || kind == "object" { "an" } else { "a" };
        let kind = if kind == "null" { "null".to_owned() } else { format!("{article} {kind}") };
        return Err(line_error(
            index,
            "",
            "",
            format!("a batch input line must be a JSON object ({{custom_id, method, url, body}}), not {kind}"),
        ));
    }
    // Every line has its own id (reference providers §1.2, `BatchRequestInput`): one missing is
    // refused here, where the OpenAI file's key can be named, not later as an empty `customId`.
    let custom_id = match value.get("custom_id") {
        Some(Value::String(custom_id)) => custom_id.clone(),
        Some(other) => return Err(line_error(index, "", "custom_id", not_a_string(other))),
        None if value.get("customId").is_some() => {
            return Err(line_error(
                index,
                "",
                "custom_id",
                "missing (the line has `customId`: OpenAI's key is `custom_id`)",
            ))
        }
        None => return Err(line_error(index, "", "custom_id", "missing: every batch input line needs its own id")),
    };
    let reader = LineReader { index, custom_id: &custom_id };
    // `method` is only "POST" (reference providers §1.2); another one is no request OpenAI runs.
    match value.get("method") {
        Some(Value::String(method)) if method == "POST" => {}
        Some(Value::String(method)) => {
            return Err(line_error(
                index,
                &custom_id,
                "method",
                format!("\"{method}\": batch input lines are POST requests (OpenAI takes only \"POST\")"),
            ))
        }
        Some(other) => return Err(line_error(index, &custom_id, "method", not_a_string(other))),
        None => {}
    }
    let url = match value.get("url") {
        Some(Value::String(url)) => Some(url),
        Some(other) => return Err(line_error(index, &custom_id, "url", not_a_string(other))),
        None => None,
    };
    if let Some(url) = url {
        if url != crate::providers::openai::CHAT_COMPLETIONS_URL {
            return Err(line_error(
                index,
                &custom_id,
                "url",
                format!("\"{url}\": only /v1/chat/completions lines can be converted"),
            ));
        }
    }
    let Some(Value::Object(body)) = value.get("body") else {
        return Err(line_error(index, &custom_id, "body", "must be a Chat Completions request object"));
    };
    reader.request(body.clone())
}

/// Why a value where a string belongs is refused.
fn not_a_string(value: &Value) -> String {
    format!("must be a string, not a JSON {}", crate::results::json_kind(value))
}

/// An error of the line itself (not of its body); a line without a custom id names none.
fn line_error(index: usize, custom_id: &str, field: &str, message: impl Into<String>) -> CoreError {
    CoreError::Validation {
        index: Some(index),
        custom_id: (!custom_id.is_empty()).then(|| custom_id.to_owned()),
        field: field.to_owned(),
        message: message.into(),
        line: None,
    }
}

struct LineReader<'a> {
    index: usize,
    custom_id: &'a str,
}

fn take_str(body: &mut Map<String, Value>, key: &str) -> Option<String> {
    match body.remove(key) {
        Some(Value::String(text)) => Some(text),
        Some(other) => {
            body.insert(key.to_owned(), other);
            None
        }
        None => None,
    }
}

impl LineReader<'_> {
    /// A string field with a unified form, taken out of the body; null is none. Another value is
    /// refused: kept in `providerKwargs`, it reached OpenAI unchanged and other providers as a key
    /// they lack (a new-user trial found `reasoning_effort: 3` so).
    fn text(&self, body: &mut Map<String, Value>, key: &str) -> Result<Option<String>, CoreError> {
        match body.remove(key) {
            Some(Value::String(text)) => Ok(Some(text)),
            Some(Value::Null) | None => Ok(None),
            Some(other) => Err(self.error(key, not_a_string(&other))),
        }
    }

    fn error<'m>(&self, field: &str, message: impl Into<std::borrow::Cow<'m, str>>) -> CoreError {
        let field = if field.is_empty() { "body".to_owned() } else { format!("body.{field}") };
        CoreError::invalid(self.index, self.custom_id, field, message)
    }

    fn request(&self, mut body: Map<String, Value>) -> Result<UnifiedRequest, CoreError> {
        let model = take_str(&mut body, "model").ok_or_else(|| self.error("model", "must be a string"))?;
        let Some(Value::Array(messages)) = body.remove("messages") else {
            return Err(self.error("messages", "must be an array"));
        };
        let (system_prompt, messages) = self.messages(messages)?;
        let generation_config = self.generation_config(&mut body)?;
        let response_format = self.response_format(&mut body)?;
        let tools = self.tools(&mut body)?;
        let tool_choice = self.tool_choice(&mut body)?;
        let parallel_tool_calls = match body.remove("parallel_tool_calls") {
            Some(Value::Bool(parallel)) => Some(parallel),
            Some(Value::Null) | None => None,
            Some(_) => return Err(self.error("parallel_tool_calls", "must be a boolean")),
        };
        let reasoning = match self.text(&mut body, "reasoning_effort")? {
            Some(effort) => {
                let effort: ReasoningEffort = serde_json::from_value(Value::String(effort.clone()))
                    .map_err(|_| self.error("reasoning_effort", format!("\"{effort}\" is not a known effort")))?;
                Some(Reasoning { effort: Some(effort), ..Reasoning::default() })
            }
            None => None,
        };
        // OpenAI's deprecated `user` is the end-user id `safety_identifier` replaced (reference §5):
        // the unified `endUserId` when no `safety_identifier` is given and it fits its 64
        // characters (a new-user trial found it kept in providerKwargs, which every other
        // provider then refused); otherwise it stays a kwarg.
        let mut end_user_id = self.text(&mut body, "safety_identifier")?;
        if end_user_id.is_none() {
            if let Some(Value::String(user)) = body.get("user") {
                if user.chars().count() <= 64 {
                    end_user_id = Some(user.clone());
                    body.remove("user");
                }
            }
        }
        let prompt_cache_key = self.text(&mut body, "prompt_cache_key")?;
        Ok(UnifiedRequest {
            custom_id: self.custom_id.to_owned(),
            model,
            models: None,
            messages,
            system_prompt,
            generation_config,
            response_format,
            reasoning,
            end_user_id,
            tools,
            tool_choice,
            parallel_tool_calls,
            system_prompt_cache_control: None,
            cache_control: None,
            prompt_cache_key,
            input: None,
            dimensions: None,
            task_type: None,
            // Everything without a unified field is kept, in OpenAI's spelling.
            provider_kwargs: (!body.is_empty()).then_some(body),
        })
    }

    fn generation_config(&self, body: &mut Map<String, Value>) -> Result<Option<GenerationConfig>, CoreError> {
        let number = |body: &mut Map<String, Value>, key: &str| -> Result<Option<f64>, CoreError> {
            match body.remove(key) {
                Some(Value::Null) | None => Ok(None),
                Some(value) => value.as_f64().map(Some).ok_or_else(|| self.error(key, "must be a number")),
            }
        };
        let max_tokens = match (body.remove("max_completion_tokens"), body.remove("max_tokens")) {
            // Both given: the same number is one setting; two numbers are a conflict refused, not
            // settled silently (a new-user trial found `max_tokens` dropped for the other).
            (Some(newer), Some(older)) if !newer.is_null() && !older.is_null() && newer != older => {
                return Err(self.error(
                    "max_tokens",
                    format!(
                        "{} conflicts with max_completion_tokens {}: give one (max_tokens is the older name of max_completion_tokens)",
                        crate::json_value_text::compact(&older),
                        crate::json_value_text::compact(&newer)
                    ),
                ));
            }
            (Some(value), _) if !value.is_null() => Some(("max_completion_tokens", value)),
            (_, Some(value)) if !value.is_null() => Some(("max_tokens", value)),
            _ => None,
        };
        let max_tokens = match max_tokens {
            Some((key, value)) => Some(
                value
                    .as_u64()
                    .and_then(|tokens| u32::try_from(tokens).ok())
                    .ok_or_else(|| self.error(key, "must be a positive integer"))?,
            ),
            None => None,
        };
        let stop_sequences = match body.remove("stop") {
            Some(Value::String(stop)) => Some(vec![stop]),
            Some(Value::Array(stops)) => Some(
                stops
                    .into_iter()
                    .map(|stop| stop.as_str().map(str::to_owned).ok_or_else(|| self.error("stop", "must hold strings")))
                    .collect::<Result<_, _>>()?,
            ),
            Some(Value::Null) | None => None,
            Some(_) => return Err(self.error("stop", "must be a string or an array of strings")),
        };
        let seed = match body.remove("seed") {
            Some(Value::Null) | None => None,
            Some(value) => Some(value.as_i64().ok_or_else(|| self.error("seed", "must be an integer"))?),
        };
        let candidate_count = match body.remove("n") {
            Some(Value::Null) | None => None,
            Some(value) => Some(
                value
                    .as_u64()
                    .and_then(|count| u32::try_from(count).ok())
                    .ok_or_else(|| self.error("n", "must be a positive integer"))?,
            ),
        };
        let config = GenerationConfig {
            max_tokens,
            temperature: number(body, "temperature")?,
            top_p: number(body, "top_p")?,
            top_k: None,
            stop_sequences,
            presence_penalty: number(body, "presence_penalty")?,
            frequency_penalty: number(body, "frequency_penalty")?,
            seed,
            candidate_count,
        };
        Ok((config != GenerationConfig::default()).then_some(config))
    }

    fn response_format(&self, body: &mut Map<String, Value>) -> Result<Option<ResponseFormat>, CoreError> {
        let Some(format) = body.remove("response_format") else { return Ok(None) };
        let json = |schema, name, description, strict| ResponseFormat {
            kind: ResponseFormatKind::Json,
            schema,
            name,
            description,
            strict,
        };
        match format.get("type").and_then(Value::as_str) {
            Some("text") => Ok(None),
            Some("json_object") => Ok(Some(json(None, None, None, None))),
            Some("json_schema") => {
                let Some(Value::Object(spec)) = format.get("json_schema") else {
                    return Err(self.error("response_format.json_schema", "must be an object"));
                };
                let text = |key: &str| spec.get(key).and_then(Value::as_str).map(str::to_owned);
                Ok(Some(json(
                    Some(spec.get("schema").cloned().unwrap_or_else(|| Value::Object(Map::new()))),
                    text("name"),
                    text("description"),
                    spec.get("strict").and_then(Value::as_bool),
                )))
            }
            _ => Err(self.error("response_format.type", "must be text, json_object or json_schema")),
        }
    }

    fn tools(&self, body: &mut Map<String, Value>) -> Result<Option<Vec<Tool>>, CoreError> {
        let Some(Value::Array(tools)) = body.remove("tools") else { return Ok(None) };
        let mut converted = Vec::with_capacity(tools.len());
        for (position, tool) in tools.into_iter().enumerate() {
            let field = format!("tools[{position}]");
            if tool.get("type").and_then(Value::as_str) != Some("function") {
                return Err(
                    self.error(&field, "only function tools have a unified form (custom tools are OpenAI's own)")
                );
            }
            let function = tool.get("function").cloned().unwrap_or_default();
            let name = function
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| self.error(&format!("{field}.function.name"), "must be a string"))?;
            converted.push(Tool {
                name: name.to_owned(),
                description: function.get("description").and_then(Value::as_str).map(str::to_owned),
                // "Omitting parameters defines a function with an empty parameter list" (OpenAI spec).
                parameters: function
                    .get("parameters")
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}})),
                strict: function.get("strict").and_then(Value::as_bool),
                cache_control: None,
            });
        }
        Ok(Some(converted))
    }

    fn tool_choice(&self, body: &mut Map<String, Value>) -> Result<Option<ToolChoice>, CoreError> {
        match body.remove("tool_choice") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(mode)) => match mode.as_str() {
                "auto" => Ok(Some(ToolChoice::Mode(ToolChoiceMode::Auto))),
                "none" => Ok(Some(ToolChoice::Mode(ToolChoiceMode::None))),
                "required" => Ok(Some(ToolChoice::Mode(ToolChoiceMode::Required))),
                _ => Err(self.error("tool_choice", format!("\"{mode}\" is not auto, none or required"))),
            },
            Some(choice) => match choice.pointer("/function/name").and_then(Value::as_str) {
                Some(name) if choice.get("type").and_then(Value::as_str) == Some("function") => {
                    Ok(Some(ToolChoice::Named { name: name.to_owned() }))
                }
                _ => {
                    Err(self.error("tool_choice", "only auto, none, required or a named function have a unified form"))
                }
            },
        }
    }

    fn messages(&self, messages: Vec<Value>) -> Result<(Option<SystemPrompt>, Vec<UnifiedMessage>), CoreError> {
        let mut system = Vec::new();
        let mut converted: Vec<UnifiedMessage> = Vec::new();
        for (position, message) in messages.into_iter().enumerate() {
            let field = format!("messages[{position}]");
            let role = message.get("role").and_then(Value::as_str).unwrap_or_default();
            // A participant name has no unified field and no provider-kwargs place (it belongs to
            // one message): refused rather than dropped. A tool message's `name` is the function's,
            // which the unified result takes from the call it answers.
            if !matches!(role, "tool" | "function") && message.get("name").is_some_and(|name| !name.is_null()) {
                return Err(self.error(
                    &format!("{field}.name"),
                    "a message's participant name has no unified form; remove it (or put it in the message text)",
                ));
            }
            match role {
                "system" | "developer" if converted.is_empty() => system.extend(self.texts(&message, &field)?),
                "system" | "developer" => {
                    return Err(
                        self.error(&field, "a system message after the conversation started has no unified form")
                    )
                }
                "user" => {
                    converted.push(UnifiedMessage { role: Role::User, content: self.user_content(&message, &field)? })
                }
                "assistant" => converted
                    .push(UnifiedMessage { role: Role::Assistant, content: self.assistant_content(&message, &field)? }),
                "tool" => {
                    let result = ContentPart::ToolResult(ToolResultContent {
                        tool_call_id: self.string_at(&message, "/tool_call_id", &field)?.to_owned(),
                        content: self.content_of(&message, &field)?,
                        is_error: None,
                        cache_control: None,
                    });
                    // Consecutive tool messages answer one assistant turn: one unified tool message.
                    match converted.last_mut() {
                        Some(UnifiedMessage { role: Role::Tool, content: MessageContent::Parts(parts) }) => {
                            parts.push(result)
                        }
                        _ => converted
                            .push(UnifiedMessage { role: Role::Tool, content: MessageContent::Parts(vec![result]) }),
                    }
                }
                // The legacy role of a function's answer (before tool calls): no unified form, and
                // its `name` is the function's, not a participant's.
                "function" => {
                    return Err(self.error(
                        &format!("{field}.role"),
                        "the legacy \"function\" role (a function's answer before tool calls) has no unified form; answer a tool call with a \"tool\" message",
                    ))
                }
                other => return Err(self.error(&format!("{field}.role"), format!("\"{other}\" has no unified form"))),
            }
        }
        let system_prompt = match system.len() {
            0 => None,
            1 => system.pop().map(SystemPrompt::Text),
            _ => Some(SystemPrompt::Parts(system)),
        };
        Ok((system_prompt, converted))
    }

    /// A string, or text parts, as their texts.
    fn texts(&self, message: &Value, field: &str) -> Result<Vec<String>, CoreError> {
        match message.get("content") {
            Some(Value::String(text)) => Ok(vec![text.clone()]),
            Some(Value::Array(parts)) => parts
                .iter()
                .map(|part| {
                    part.get("text")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or_else(|| self.error(&format!("{field}.content"), "holds a part that is not text"))
                })
                .collect(),
            _ => Err(self.error(&format!("{field}.content"), "must be a string or text parts")),
        }
    }

    /// Text content in the shape it came in: a string, or text parts.
    fn content_of(&self, message: &Value, field: &str) -> Result<MessageContent, CoreError> {
        let texts = self.texts(message, field)?;
        Ok(match message.get("content") {
            Some(Value::String(_)) => MessageContent::Text(texts.into_iter().next().unwrap_or_default()),
            _ => MessageContent::Parts(
                texts.into_iter().map(|text| ContentPart::Text(TextContent { text, cache_control: None })).collect(),
            ),
        })
    }

    /// The string at `pointer` (`/image_url/url`) inside the value at `field`: one that is missing or
    /// is no string is refused there, not read as "" and refused later as empty (a new-user trial).
    fn string_at<'v>(&self, value: &'v Value, pointer: &str, field: &str) -> Result<&'v str, CoreError> {
        let place = format!("{field}{}", pointer.replace('/', "."));
        match value.pointer(pointer) {
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(self.error(&place, not_a_string(other))),
            None => Err(self.error(&place, "is required")),
        }
    }

    fn user_content(&self, message: &Value, field: &str) -> Result<MessageContent, CoreError> {
        let Some(Value::Array(parts)) = message.get("content") else {
            return self.content_of(message, field);
        };
        let mut converted = Vec::with_capacity(parts.len());
        for (position, part) in parts.iter().enumerate() {
            let part_field = format!("{field}.content[{position}]");
            converted.push(match part.get("type").and_then(Value::as_str) {
                Some("text") => ContentPart::Text(TextContent {
                    text: self.string_at(part, "/text", &part_field)?.to_owned(),
                    cache_control: None,
                }),
                Some("image_url") => {
                    self.image_detail(part, &part_field)?;
                    let url = self.string_at(part, "/image_url/url", &part_field)?;
                    ContentPart::Image(self.media_from_url(url, None, &part_field)?)
                }
                Some("file") => {
                    let data = part.pointer("/file/file_data").and_then(Value::as_str).ok_or_else(|| {
                        self.error(&part_field, "a file part needs file_data (uploaded file ids have no unified form)")
                    })?;
                    ContentPart::Document(self.media_from_url(
                        data,
                        part.pointer("/file/filename").and_then(Value::as_str),
                        &part_field,
                    )?)
                }
                other => {
                    return Err(
                        self.error(&part_field, format!("a {} part has no unified form", other.unwrap_or("typeless")))
                    )
                }
            });
        }
        Ok(MessageContent::Parts(converted))
    }

    /// An image's `detail`: the unified image has no detail level (reference unified-features has
    /// none), so only `auto`, OpenAI's default (spec `ChatCompletionRequestMessageContentPartImage`),
    /// converts: left out, it changes nothing. `low` or `high` left out would change the image's cost
    /// and quality with no word (a new-user trial), so they are refused.
    fn image_detail(&self, part: &Value, field: &str) -> Result<(), CoreError> {
        let place = format!("{field}.image_url.detail");
        match part.pointer("/image_url/detail") {
            None | Some(Value::Null) => Ok(()),
            Some(Value::String(detail)) if detail == "auto" => Ok(()),
            Some(Value::String(detail)) => Err(self.error(
                &place,
                format!(
                    "\"{detail}\" has no unified form (a unified image has no detail level, and leaving it out would change the image's cost and quality); remove it, or send this file to OpenAI as it is"
                ),
            )),
            Some(other) => Err(self.error(&place, not_a_string(other))),
        }
    }

    /// An http(s) URL, or a `data:` URL split into its media type and base64 payload (the unified
    /// form batch-router writes them from, so a round trip gives back the same request).
    fn media_from_url(&self, url: &str, filename: Option<&str>, field: &str) -> Result<MediaContent, CoreError> {
        let filename = filename.map(str::to_owned);
        if !url.starts_with("data:") {
            return Ok(MediaContent {
                source_type: SourceType::Url,
                media_type: None,
                data: url.to_owned(),
                filename,
                cache_control: None,
            });
        }
        let split = split_data_url(url).map_err(|reason| self.error(field, reason))?;
        Ok(MediaContent {
            source_type: SourceType::Base64,
            media_type: split.url_media_type.map(str::to_owned),
            data: split.payload.to_owned(),
            filename,
            cache_control: None,
        })
    }

    fn assistant_content(&self, message: &Value, field: &str) -> Result<MessageContent, CoreError> {
        let calls = match message.get("tool_calls") {
            Some(Value::Array(calls)) => calls.clone(),
            _ => Vec::new(),
        };
        let has_content = !matches!(message.get("content"), None | Some(Value::Null));
        if calls.is_empty() {
            return self.content_of(message, field);
        }
        let mut parts: Vec<ContentPart> = if has_content {
            self.texts(message, field)?
                .into_iter()
                .filter(|text| !text.is_empty())
                .map(|text| ContentPart::Text(TextContent { text, cache_control: None }))
                .collect()
        } else {
            Vec::new()
        };
        for (position, call) in calls.iter().enumerate() {
            let name = call.pointer("/function/name").and_then(Value::as_str).ok_or_else(|| {
                self.error(&format!("{field}.tool_calls[{position}].function.name"), "must be a string")
            })?;
            let arguments = crate::providers::openai::parsed_arguments(call.pointer("/function/arguments").cloned());
            parts.push(ContentPart::ToolCall(ToolCallContent {
                id: call.get("id").and_then(Value::as_str).map(str::to_owned),
                name: name.to_owned(),
                arguments,
                signature: None,
                provider: None,
            }));
        }
        Ok(MessageContent::Parts(parts))
    }
}
