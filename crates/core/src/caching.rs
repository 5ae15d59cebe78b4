//! Prompt caching (reference unified-features §4, §0, §7): cache breakpoints (`cacheControl` on the
//! system prompt, tools and text, image, document and tool_result parts, and on the request itself:
//! cache the whole request, the breakpoint on its last cacheable block) and the request's
//! `promptCacheKey`.
//!
//! * Anthropic: breakpoints are `cache_control: { type: "ephemeral", ttl }`, at most 4 per request;
//!   it has no cache key.
//! * OpenAI and Azure OpenAI: `prompt_cache_key`; caching is automatic by prefix, and the explicit
//!   breakpoints of GPT-5.6+ are refused by older models (§7.1), so a breakpoint is not sent and a
//!   warning says so.
//! * Mistral: `prompt_cache_key`; no breakpoints (a warning, as for OpenAI).
//! * Groq: neither field is in the reference: refused (or left out with `dropUnsupported`).
//! * Gemini: implicit caching only, explicit caches by name (`cachedContent` in `providerKwargs`);
//!   vLLM: automatic prefix caching (`cache_salt` means something else): refused (or left out with
//!   `dropUnsupported`).

use crate::model::{CacheControl, CacheTtl, ContentPart, MessageContent};
use crate::validate::RequestChecker;
use crate::{CoreError, Provider};

#[cfg(test)]
mod tests;

/// Anthropic's limit of cache breakpoints per request (reference §4.2).
pub const ANTHROPIC_MAX_BREAKPOINTS: usize = 4;

/// The unified field paths that carry a breakpoint, with the breakpoint, in Anthropic's render
/// order (tools → system → messages).
pub(crate) fn breakpoints(request: &crate::UnifiedRequest) -> Vec<(String, &CacheControl)> {
    let mut fields = Vec::new();
    for (index, tool) in request.tools.iter().flatten().enumerate() {
        if let Some(control) = &tool.cache_control {
            fields.push((format!("tools[{index}].cacheControl"), control));
        }
    }
    if let Some(control) = &request.system_prompt_cache_control {
        fields.push(("systemPromptCacheControl".to_owned(), control));
    }
    for (message_index, message) in request.messages.iter().enumerate() {
        if let MessageContent::Parts(parts) = &message.content {
            for (part_index, part) in parts.iter().enumerate() {
                if let Some(control) = part_cache_control(part) {
                    fields.push((format!("messages[{message_index}].content[{part_index}].cacheControl"), control));
                }
            }
        }
    }
    // The request's own breakpoint marks its last cacheable block (reference §4.2): last in render
    // order, and one of the breakpoints Anthropic counts.
    if let Some(control) = &request.cache_control {
        fields.push(("cacheControl".to_owned(), control));
    }
    fields
}

/// The longest lifetime among `request`'s cache breakpoints, or `None` without one: what a request
/// may pay to write the cache (`cost::most_input_rate`). Besides the unified breakpoints, a
/// `cache_control` written in Anthropic's spelling anywhere inside `providerKwargs` (a tool's, a
/// block's) counts, as 1-hour when a `ttl` of `"1h"` is there: a bound, read from the kwargs' text.
pub fn longest_ttl(request: &crate::UnifiedRequest) -> Option<CacheTtl> {
    let kwargs =
        request.provider_kwargs.as_ref().and_then(|kwargs| serde_json::to_string(kwargs).ok()).unwrap_or_default();
    let mut longest = kwargs.contains("\"cache_control\"").then(|| match kwargs.contains("\"ttl\":\"1h\"") {
        true => CacheTtl::OneHour,
        false => CacheTtl::FiveMinutes,
    });
    for (_, control) in breakpoints(request) {
        if longest != Some(CacheTtl::OneHour) {
            longest = Some(control.ttl.unwrap_or(CacheTtl::FiveMinutes));
        }
    }
    longest
}

/// The breakpoint on a text, image or document part, if any.
pub fn part_cache_control(part: &ContentPart) -> Option<&CacheControl> {
    match part {
        ContentPart::Text(text) => text.cache_control.as_ref(),
        ContentPart::Image(media) | ContentPart::Document(media) => media.cache_control.as_ref(),
        ContentPart::ToolResult(result) => result.cache_control.as_ref(),
        _ => None,
    }
}

/// Anthropic's `cache_control` object (spec `CacheControlEphemeral`).
pub fn anthropic_cache_control(control: &CacheControl) -> serde_json::Value {
    match control.ttl {
        Some(ttl) => serde_json::json!({ "type": "ephemeral", "ttl": ttl.as_str() }),
        None => serde_json::json!({ "type": "ephemeral" }),
    }
}

/// A tool result's content is sent as one text, so a breakpoint inside it has no place: it belongs on
/// the `tool_result` part.
fn check_tool_result_contents(checker: &RequestChecker<'_>) -> Result<(), CoreError> {
    for (message_index, message) in checker.request.messages.iter().enumerate() {
        let MessageContent::Parts(parts) = &message.content else { continue };
        for (part_index, part) in parts.iter().enumerate() {
            let ContentPart::ToolResult(result) = part else { continue };
            let MessageContent::Parts(inner) = &result.content else { continue };
            if let Some(inner_index) = inner.iter().position(|inner| part_cache_control(inner).is_some()) {
                return Err(checker.error(
                    format!("messages[{message_index}].content[{part_index}].content[{inner_index}].cacheControl"),
                    "a breakpoint inside a tool result has no place; put cacheControl on the tool_result part",
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn check(checker: &mut RequestChecker<'_>) -> Result<(), CoreError> {
    let request = checker.request;
    let provider = checker.provider;
    let name = provider.display_name();
    if let Some(key) = &request.prompt_cache_key {
        if key.is_empty() {
            return Err(checker.error("promptCacheKey", "must not be empty; leave it out instead"));
        }
        match provider {
            Provider::OpenAI | Provider::Azure | Provider::Mistral => {}
            Provider::Anthropic => checker.unsupported(
                "promptCacheKey",
                "Anthropic has no cache key; mark the shared prefix with cacheControl instead",
            )?,
            _ => checker.unsupported("promptCacheKey", format!("{name} has no prompt cache key"))?,
        }
    }
    // A breakpoint after a system prompt that is not there has nothing to mark; Anthropic's
    // converter would leave it out without a word, and the caller would pay for an uncached prompt.
    if request.system_prompt_cache_control.is_some() && request.system_prompt.is_none() {
        return Err(checker.error("systemPromptCacheControl", "there is no systemPrompt to cache"));
    }
    check_tool_result_contents(checker)?;
    let breakpoints = breakpoints(request);
    if provider == Provider::Anthropic {
        // "1-hour entries must come before 5-minute ones" (reference §4.2, quoted by third parties):
        // in render order, a 1-hour breakpoint after a 5-minute one (the default) is refused.
        let one_hour = |control: &CacheControl| control.ttl == Some(CacheTtl::OneHour);
        if let Some(five) = breakpoints.iter().position(|(_, control)| !one_hour(control)) {
            if let Some((field, _)) = breakpoints[five..].iter().find(|(_, control)| one_hour(control)) {
                return Err(checker.error(
                    field.clone(),
                    format!(
                        "Anthropic needs 1-hour cache entries before 5-minute ones (tools, then system, then messages); {} comes first with 5 minutes: give it ttl \"1h\" or this one 5 minutes",
                        breakpoints[five].0
                    ),
                ));
            }
        }
    }
    let fields: Vec<String> = breakpoints.into_iter().map(|(field, _)| field).collect();
    match provider {
        Provider::Anthropic => {
            if let Some(field) = fields.get(ANTHROPIC_MAX_BREAKPOINTS) {
                return Err(checker.error(
                    field.clone(),
                    format!(
                        "Anthropic takes at most {ANTHROPIC_MAX_BREAKPOINTS} cache breakpoints per request; this request has {}",
                        fields.len()
                    ),
                ));
            }
        }
        Provider::OpenAI | Provider::Azure | Provider::Mistral => {
            for field in fields {
                checker.notice(
                    field,
                    format!("{name} caches prompt prefixes automatically; the cache breakpoint is not sent"),
                );
            }
        }
        Provider::Google => {
            for field in fields {
                checker.unsupported(
                    field,
                    "Gemini has no cache breakpoints (implicit caching is automatic; an explicit cache is named with providerKwargs.cachedContent)",
                )?;
            }
        }
        Provider::Vllm | Provider::Groq | Provider::Together | Provider::Xai => {
            for field in fields {
                checker.unsupported(field, format!("{name} has no cache breakpoints"))?;
            }
        }
    }
    Ok(())
}
