//! Tools: definitions, the choice, and tool-call transcripts, checked once for every provider
//! (reference unified-features §2, §8.3); each provider's wire shapes are in its `request.rs`.

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::model::{ContentPartRef, Role, ToolCallContent, ToolChoice, ToolChoiceMode, UnifiedRequest};
use crate::structured_output::SchemaProblem;
use crate::validate::RequestChecker;
use crate::{CoreError, Provider};

/// Tool calls of a message, in order.
pub fn tool_calls<'a>(parts: &[ContentPartRef<'a>]) -> Vec<&'a ToolCallContent> {
    parts
        .iter()
        .filter_map(|part| match part {
            ContentPartRef::ToolCall(call) => Some(*call),
            _ => None,
        })
        .collect()
}

/// Tool-call arguments as the object Anthropic (`tool_use.input`) and Gemini (`functionCall.args`)
/// take: an object as is, or a string holding a JSON object (OpenAI results and imported files keep
/// arguments as a string when they did not parse) parsed; anything else is `None` (refused by
/// validation for those providers).
pub fn object_arguments(arguments: &Value) -> Option<Cow<'_, Value>> {
    match arguments {
        Value::Object(_) => Some(Cow::Borrowed(arguments)),
        Value::String(text) => match crate::providers::exact_json::from_str(text) {
            Ok(parsed @ Value::Object(_)) => Some(Cow::Owned(parsed)),
            _ => None,
        },
        _ => None,
    }
}

/// A signature of a transcript's reasoning or tool call as `target` may take it back: only the
/// provider that made it can verify it ("transcripts produced by another provider cannot supply
/// valid signatures", reference §2.3), so one recorded as another provider's is left out (a
/// signature without a recorded provider is sent as is).
pub fn replayable_signature<'a>(signature: Option<&'a str>, origin: Option<&str>, target: Provider) -> Option<&'a str> {
    signature.filter(|_| foreign_origin(signature, origin, target).is_none())
}

/// Whether an encrypted reasoning part is Anthropic's `redacted_thinking`: recorded as Anthropic's,
/// or recorded as no provider's (written by hand, or by a version before parts named their provider).
pub fn anthropic_redacted(redacted: &crate::model::RedactedReasoningContent) -> bool {
    redacted.provider.as_deref().is_none_or(|origin| Provider::from_name(origin).ok() == Some(Provider::Anthropic))
}

/// The provider (its name as recorded) that made a signature, when it is not `target`; a name
/// that is no provider's is foreign too.
fn foreign_origin<'a>(signature: Option<&str>, origin: Option<&'a str>, target: Provider) -> Option<&'a str> {
    origin.filter(|origin| signature.is_some() && Provider::from_name(origin).ok() != Some(target))
}

/// Whether Gemini wants each function call's thought signature back: Gemini 3 (a model rule), and
/// 2.5 while it thinks ("Gemini 3 (and 2.5 with thinking)", reference §2.3, §7.3), which is unless
/// effort `none` or a zero budget turned thinking off.
fn gemini_needs_signatures(request: &UnifiedRequest) -> bool {
    use crate::model_rules::{has_rule, Rule};
    if has_rule(Provider::Google, &request.model, |rule| matches!(rule, Rule::ThoughtSignatures)) {
        return true;
    }
    let reasoning = request.reasoning.as_ref();
    let thinking_off = reasoning.is_some_and(|reasoning| {
        reasoning.effort == Some(crate::model::ReasoningEffort::None) || reasoning.budget_tokens == Some(0)
    });
    has_rule(Provider::Google, &request.model, |rule| matches!(rule, Rule::ThinkingBudget)) && !thinking_off
}

/// A recorded provider name for messages: the provider's display name, or the name as given.
fn display_name(name: &str) -> &str {
    Provider::from_name(name).map(Provider::display_name).unwrap_or(name)
}

/// The name of the function the call `id` (anywhere in the transcript) called: Gemini's
/// `functionResponse.name` and Mistral's tool message `name` need it; a result only has the id.
pub fn call_name<'a>(request: &'a UnifiedRequest, id: &str) -> &'a str {
    request
        .messages
        .iter()
        .flat_map(|message| {
            tool_calls(&message.content.parts())
                .into_iter()
                .map(|call| (call.id.as_deref(), call.name.as_str()))
                .collect::<Vec<_>>()
        })
        .find(|(call_id, _)| *call_id == Some(id))
        .map_or("", |(_, name)| name)
}

/// Mistral's tool-call ids: exactly nine characters of `[a-zA-Z0-9]` (reference §2.3, §7.4: others
/// get a 400). Every id of the request maps to one derived from it, the same in the assistant's call
/// and in the tool message that answers it.
pub fn mistral_tool_call_ids(request: &UnifiedRequest) -> HashMap<String, String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut ids = HashMap::new();
    let mut used = HashSet::new();
    for message in &request.messages {
        for call in tool_calls(&message.content.parts()) {
            let Some(id) = &call.id else { continue };
            if ids.contains_key(id) {
                continue;
            }
            let valid = id.len() == 9 && id.bytes().all(|byte| byte.is_ascii_alphanumeric());
            let mut attempt = 0u64;
            let mapped = loop {
                let candidate = if valid && attempt == 0 {
                    id.clone()
                } else {
                    // FNV-1a: deterministic, so a retried batch sends the same ids.
                    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ attempt;
                    for byte in id.bytes() {
                        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                    }
                    (0..9)
                        .map(|position| ALPHABET[((hash >> (position * 6)) % ALPHABET.len() as u64) as usize] as char)
                        .collect()
                };
                if used.insert(candidate.clone()) {
                    break candidate;
                }
                attempt += 1;
            };
            ids.insert(id.clone(), mapped);
        }
    }
    ids
}

/// Anthropic's `tool_use.id` pattern is `^[a-zA-Z0-9_-]+$` (spec `RequestToolUseBlock`); other
/// characters become `_`.
fn anthropic_tool_use_id(id: &str) -> String {
    id.chars()
        .map(|character| if character.is_ascii_alphanumeric() || character == '-' { character } else { '_' })
        .collect()
}

/// Anthropic's tool-use ids for every call id of the request, the same in the call and in the
/// result that answers it. Ids Anthropic accepts are kept; the others have their other characters
/// replaced by `_`, and a `_2`, `_3`… suffix where that would make two distinct ids one (`c.1` and
/// `c:1`), since Anthropic refuses duplicate tool-use ids.
pub fn anthropic_tool_use_ids(request: &UnifiedRequest) -> HashMap<String, String> {
    let ids: Vec<&str> = request
        .messages
        .iter()
        .flat_map(|message| {
            tool_calls(&message.content.parts()).into_iter().filter_map(|call| call.id.as_deref()).collect::<Vec<_>>()
        })
        .collect();
    let mut used: HashSet<String> =
        ids.iter().filter(|id| anthropic_tool_use_id(id) == **id).map(|id| id.to_string()).collect();
    let mut mapped = HashMap::new();
    for id in ids {
        if mapped.contains_key(id) {
            continue;
        }
        let sanitized = anthropic_tool_use_id(id);
        let replacement = if sanitized == id {
            sanitized
        } else {
            let mut candidate = sanitized.clone();
            let mut suffix = 2;
            while used.contains(&candidate) {
                candidate = format!("{sanitized}_{suffix}");
                suffix += 1;
            }
            used.insert(candidate.clone());
            candidate
        };
        mapped.insert(id.to_owned(), replacement);
    }
    mapped
}

/// Checks tools, the tool choice and the transcript for the provider of `checker`.
pub(crate) fn check(checker: &mut RequestChecker) -> Result<(), CoreError> {
    check_definitions(checker)?;
    check_choice(checker)?;
    check_transcript(checker)
}

fn check_definitions(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let provider = checker.provider;
    let Some(tools) = &request.tools else { return Ok(()) };
    if tools.is_empty() {
        return Err(checker.error("tools", "must not be empty; leave it out instead"));
    }
    // OpenAI and Mistral take at most 128 tools (reference §2.1); so does Azure OpenAI, which serves
    // OpenAI's request schema (endpoints-and-push.md §5.1; a new-user trial sent 129).
    if matches!(provider, Provider::OpenAI | Provider::Azure | Provider::Mistral) && tools.len() > 128 {
        return Err(
            checker.error("tools", format!("{} tools; {} takes at most 128", tools.len(), provider.display_name()))
        );
    }
    let mut names = HashSet::new();
    let mut strict = 0;
    for (index, tool) in tools.iter().enumerate() {
        let field = format!("tools[{index}]");
        // The rule every provider accepts: OpenAI's a-z A-Z 0-9 _ - up to 64 (Anthropic allows 128,
        // Gemini also `.` and `:`; reference §2.1, §8.3).
        let valid = !tool.name.is_empty()
            && tool.name.len() <= 64
            && tool
                .name
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_' || character == '-');
        if !valid {
            return Err(
                checker.error(format!("{field}.name"), "must be 1 to 64 characters of a-z, A-Z, 0-9, `_` or `-`")
            );
        }
        if !names.insert(tool.name.as_str()) {
            return Err(checker.error(format!("{field}.name"), format!("\"{}\" is defined twice", tool.name)));
        }
        // Anthropic's `input_schema.type` must be "object" (reference §2.1); the others describe
        // arguments as an object too.
        if tool.parameters.get("type").and_then(Value::as_str) != Some("object") {
            return Err(checker.error(format!("{field}.parameters"), "must be a JSON Schema with `type: \"object\"`"));
        }
        let strict_tool = tool.strict == Some(true);
        strict += usize::from(strict_tool);
        if strict_tool && provider == Provider::Google {
            // Gemini's `FunctionDeclaration` has no strict switch (spec): the declaration is sent
            // without it, and the batch says so rather than dropping it silently.
            checker.notice(
                format!("{field}.strict"),
                "Gemini has no strict switch for function declarations; sent without it (arguments are not constrained to the schema)",
            );
        }
        let problems = match provider {
            Provider::OpenAI if strict_tool => crate::structured_output::openai_strict_problems(&tool.parameters),
            Provider::Anthropic if strict_tool => crate::structured_output::anthropic_problems(&tool.parameters),
            _ => crate::structured_output::malformed_problems(&tool.parameters),
        };
        if let Some(SchemaProblem { path, message }) = problems.into_iter().next() {
            return Err(checker.error(format!("{field}.parameters{path}"), message));
        }
    }
    // Anthropic: at most 20 strict tools per request (reference §1.2).
    if provider == Provider::Anthropic && strict > 20 {
        return Err(checker.error("tools", format!("{strict} strict tools; Anthropic allows at most 20 per request")));
    }
    if provider == Provider::Anthropic {
        check_anthropic_request_limits(checker, tools)?;
    }
    // "Structured Outputs is not compatible with parallel function calls" (reference §1.1, OA-SO-BLOG):
    // OpenAI takes the request, but a parallel call may not match its strict schema. Said once.
    let parallel_possible = checker.request.parallel_tool_calls != Some(false)
        && checker.request.tool_choice != Some(ToolChoice::Mode(ToolChoiceMode::None));
    if strict > 0 && parallel_possible && matches!(provider, Provider::OpenAI | Provider::Azure) {
        checker.notice(
            "parallelToolCalls",
            format!(
                "{} does not hold strict tool schemas for parallel calls; set parallelToolCalls: false to keep them strict",
                provider.display_name()
            ),
        );
    }
    // Gemini 2.x refusing tools with a JSON response is a model rule (model_rules).
    Ok(())
}

/// Anthropic's optional and union-typed property limits hold for the whole request: every strict
/// tool's parameters plus the output schema (reference §1.2). One schema over a limit was refused
/// with its path already; this catches schemas that pass alone but not together.
fn check_anthropic_request_limits(checker: &RequestChecker, tools: &[crate::model::Tool]) -> Result<(), CoreError> {
    use crate::structured_output::schema_rules::{
        anthropic_property_counts, ANTHROPIC_MAX_OPTIONAL, ANTHROPIC_MAX_UNIONS,
    };
    let mut schemas: Vec<(String, &Value)> = tools
        .iter()
        .enumerate()
        .filter(|(_, tool)| tool.strict == Some(true))
        .map(|(index, tool)| (format!("tools[{index}].parameters"), &tool.parameters))
        .collect();
    if let Some(schema) = checker.request.response_format.as_ref().and_then(|format| format.schema.as_ref()) {
        schemas.push(("responseFormat.schema".into(), schema));
    }
    if schemas.len() < 2 {
        return Ok(());
    }
    let counts: Vec<(String, [usize; 2])> = schemas
        .into_iter()
        .map(|(field, schema)| {
            let (optional, unions) = anthropic_property_counts(schema);
            (field, [optional, unions])
        })
        .collect();
    for (kind, limit, which) in [("optional", ANTHROPIC_MAX_OPTIONAL, 0), ("union-typed", ANTHROPIC_MAX_UNIONS, 1)] {
        let sum: usize = counts.iter().map(|(_, count)| count[which]).sum();
        if sum <= limit {
            continue;
        }
        let counting: Vec<&(String, [usize; 2])> = counts.iter().filter(|(_, count)| count[which] > 0).collect();
        let parts: Vec<String> = counting.iter().map(|(field, count)| format!("{} in {field}", count[which])).collect();
        // The last schema that counts is the one that tips the request over.
        let field = counting.last().map(|(field, _)| field.clone()).unwrap_or_else(|| "tools".into());
        return Err(checker.error(
            field,
            format!(
                "{sum} {kind} properties across the request's strict schemas ({}); Anthropic allows at most {limit} per request",
                parts.join(", ")
            ),
        ));
    }
    Ok(())
}

fn check_choice(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let tools = request.tools.as_deref().unwrap_or_default();
    if let Some(choice) = &request.tool_choice {
        if tools.is_empty() {
            return Err(checker.error("toolChoice", "needs `tools`"));
        }
        if let ToolChoice::Named { name } = choice {
            if !tools.iter().any(|tool| &tool.name == name) {
                return Err(checker.error("toolChoice.name", format!("\"{name}\" is not one of the request's tools")));
            }
        }
    }
    if let Some(parallel) = request.parallel_tool_calls {
        if tools.is_empty() {
            return Err(checker.error("parallelToolCalls", "needs `tools`"));
        }
        // Gemini has no switch for it (reference §2.2).
        if !parallel && checker.provider == Provider::Google {
            checker.unsupported("parallelToolCalls", "Gemini cannot limit an answer to one tool call")?;
        }
    }
    Ok(())
}

fn check_transcript(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let provider = checker.provider;
    let mut seen_ids = HashSet::new();
    // Calls of the last assistant turn still waiting for their results.
    let mut open_calls: Vec<String> = Vec::new();
    for (message_index, message) in request.messages.iter().enumerate() {
        let parts = message.content.parts();
        // Field paths are written only when needed: this runs for every message of every request.
        let field = || format!("messages[{message_index}]");
        if message.role != Role::Tool && !open_calls.is_empty() {
            return Err(unanswered(checker, message_index, &open_calls));
        }
        for (part_index, part) in parts.iter().enumerate() {
            let part_field = || format!("messages[{message_index}].content[{part_index}]");
            match (message.role, part) {
                (Role::Assistant, ContentPartRef::ToolCall(call)) => {
                    let Some(id) = call.id.as_deref().filter(|id| !id.is_empty()) else {
                        return Err(checker
                            .error(format!("{}.id", part_field()), "a tool call needs the id its result answers"));
                    };
                    if !seen_ids.insert(id) {
                        return Err(checker
                            .error(format!("{}.id", part_field()), format!("tool call id \"{id}\" is used twice")));
                    }
                    if call.name.is_empty() {
                        return Err(checker.error(format!("{}.name", part_field()), "must not be empty"));
                    }
                    open_calls.push(id.to_owned());
                    if matches!(provider, Provider::Anthropic | Provider::Google)
                        && object_arguments(&call.arguments).is_none()
                    {
                        return Err(checker.error(
                            format!("{}.arguments", part_field()),
                            format!(
                                "{} takes tool-call arguments as a JSON object; this is {} (fix the arguments or leave the call out)",
                                provider.display_name(),
                                match &call.arguments {
                                    Value::String(_) => "a string that is not a JSON object",
                                    _ => "not an object",
                                }
                            ),
                        ));
                    }
                    if let Some(origin) = foreign_origin(call.signature.as_deref(), call.provider.as_deref(), provider)
                    {
                        checker.notice(
                            format!("{}.signature", part_field()),
                            format!(
                                "the signature is {}'s, which {} cannot verify; left out",
                                display_name(origin),
                                provider.display_name()
                            ),
                        );
                    }
                    if provider == Provider::Google
                        && replayable_signature(call.signature.as_deref(), call.provider.as_deref(), provider).is_none()
                        && gemini_needs_signatures(request)
                    {
                        checker.notice(
                            format!("{}.signature", part_field()),
                            format!("sent without a thoughtSignature: {} with thinking refuses function calls of the current turn without the signature they came with", request.model),
                        );
                    }
                }
                (Role::Assistant, ContentPartRef::Reasoning(reasoning)) => match provider {
                    Provider::Anthropic | Provider::Google
                        if foreign_origin(reasoning.signature.as_deref(), reasoning.provider.as_deref(), provider)
                            .is_some() =>
                    {
                        let origin = display_name(reasoning.provider.as_deref().unwrap_or_default());
                        let what = if provider == Provider::Anthropic {
                            "Anthropic takes reasoning back only with its own signature; left out".to_owned()
                        } else {
                            "the thought is sent without it".to_owned()
                        };
                        checker.notice(
                            format!("{}.signature", part_field()),
                            format!(
                                "the signature is {origin}'s, which {} cannot verify; {what}",
                                provider.display_name()
                            ),
                        )
                    }
                    Provider::Anthropic if reasoning.signature.is_none() => {
                        checker.notice(part_field(), "Anthropic takes reasoning back only with its signature; left out")
                    }
                    Provider::Anthropic | Provider::Google => {}
                    _ => checker.notice(
                        part_field(),
                        format!("{} takes no reasoning in a transcript; left out", provider.display_name()),
                    ),
                },
                (Role::Assistant, ContentPartRef::RedactedReasoning(redacted))
                    if provider != Provider::Anthropic || !anthropic_redacted(redacted) =>
                {
                    let origin = display_name(redacted.provider.as_deref().unwrap_or("anthropic"));
                    let message = if origin == provider.display_name() {
                        // Its own: no body of ours takes encrypted reasoning back but Anthropic's.
                        format!("{origin} takes no encrypted reasoning back in a transcript; left out")
                    } else {
                        format!(
                            "{origin}'s encrypted reasoning can be read back by {origin} only, not by {}; left out",
                            provider.display_name()
                        )
                    };
                    checker.notice(part_field(), message)
                }
                (Role::Assistant, ContentPartRef::RedactedReasoning(_)) => {}
                (Role::Tool, ContentPartRef::ToolResult(result)) => {
                    let Some(position) = open_calls.iter().position(|id| id == &result.tool_call_id) else {
                        // Every call is answered right after its message, so a call already seen
                        // and no longer open has its result.
                        if seen_ids.contains(result.tool_call_id.as_str()) {
                            return Err(checker.error(
                                format!("{}.toolCallId", part_field()),
                                format!(
                                    "\"{}\" is answered twice: an earlier tool_result answers that call already (each tool call takes one result)",
                                    result.tool_call_id
                                ),
                            ));
                        }
                        return Err(checker.error(
                            format!("{}.toolCallId", part_field()),
                            format!(
                                "\"{}\" answers no tool call of the preceding assistant message",
                                result.tool_call_id
                            ),
                        ));
                    };
                    open_calls.remove(position);
                    if result.content.parts().iter().any(|part| !matches!(part, ContentPartRef::Text(_))) {
                        return Err(checker.error(format!("{}.content", part_field()), "a tool result holds text only"));
                    }
                    // Only Anthropic's and Gemini's bodies have an error flag (every OpenAI-shaped
                    // body, Mistral's included, has none: a trial found Groq, Azure, Together and
                    // xAI dropping it silently).
                    if result.is_error == Some(true) && !matches!(provider, Provider::Anthropic | Provider::Google) {
                        checker.notice(
                            format!("{}.isError", part_field()),
                            format!(
                                "{} has no error flag for tool results; the content is sent as the result",
                                provider.display_name()
                            ),
                        );
                    }
                }
                (Role::Tool, _) => {
                    return Err(checker.error(part_field(), "a message of role `tool` holds only `tool_result` parts"));
                }
                (
                    _,
                    ContentPartRef::ToolCall(_) | ContentPartRef::Reasoning(_) | ContentPartRef::RedactedReasoning(_),
                ) => {
                    return Err(checker.error(part_field(), "tool calls and reasoning belong in assistant messages"));
                }
                (_, ContentPartRef::ToolResult(_)) => {
                    return Err(checker.error(part_field(), "tool results belong in a message of role `tool`"));
                }
                _ => {}
            }
        }
        if message.role == Role::Tool && message_index > 0 && open_calls.is_empty() {
            let previous = &request.messages[message_index - 1];
            let answers_something = previous.role == Role::Tool || !tool_calls(&previous.content.parts()).is_empty();
            if !answers_something {
                return Err(checker.error(field(), "a tool message must follow an assistant message with tool calls"));
            }
        }
    }
    if !open_calls.is_empty() {
        // The conversation ends with calls unanswered: name its last message (the assistant's calls,
        // or the tool message that answered only some), not a position past the end.
        return Err(unanswered(checker, request.messages.len() - 1, &open_calls));
    }
    Ok(())
}

/// Every call must be answered before the conversation goes on (reference §2.3: OpenAI and
/// Anthropic answer 400 otherwise).
fn unanswered(checker: &RequestChecker, message_index: usize, open_calls: &[String]) -> CoreError {
    checker.error(
        format!("messages[{message_index}]"),
        format!(
            "tool call {} has no tool_result: every tool call must be answered by a `tool` message right after the assistant message",
            open_calls.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(", ")
        ),
    )
}
