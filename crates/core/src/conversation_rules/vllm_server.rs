//! What a vLLM batch needs from the way `vllm run-batch` was started (reference unified-features
//! §7.5): tool calls are parsed only with `--tool-call-parser`, and the default tool choice `auto`
//! also needs `--enable-auto-tool-choice` (VL-SERVING: `"auto" tool choice requires
//! --enable-auto-tool-choice and --tool-call-parser to be set`); reasoning is split from the answer
//! only with `--reasoning-parser` (VL-REASONING). vLLM's newest `run-batch` takes all three (its
//! `BatchFrontendArgs` extend the server's `BaseFrontendArgs`; `--reasoning-parser` is an engine
//! argument in older releases too). The server's arguments are known only when `VLLMProvider`
//! starts the sidecar, and even then the environment may add more, so a missing flag is a warning
//! for the batch, named by its first request that needs it.

use crate::model::{ToolChoice, ToolChoiceMode, UnifiedRequest};
use crate::validate::Warning;

/// Whether `args` (the words `vllm run-batch` gets, separated by spaces) has `flag`, alone or as
/// `flag=value`.
fn has_flag(args: &str, flag: &str) -> bool {
    args.split_ascii_whitespace()
        .any(|arg| arg.strip_prefix(flag).is_some_and(|rest| rest.is_empty() || rest.starts_with('=')))
}

/// Tools the model may call (tool choice `none` calls none).
fn has_tools(request: &UnifiedRequest) -> bool {
    request.tools.as_ref().is_some_and(|tools| !tools.is_empty())
        && request.tool_choice != Some(ToolChoice::Mode(ToolChoiceMode::None))
}

/// Tool choice `auto`: vLLM's choice when tools are given and none is named (reference §2.2).
fn auto_tools(request: &UnifiedRequest) -> bool {
    has_tools(request) && matches!(request.tool_choice, None | Some(ToolChoice::Mode(ToolChoiceMode::Auto)))
}

fn reasons(request: &UnifiedRequest) -> bool {
    request
        .reasoning
        .as_ref()
        .is_some_and(|reasoning| reasoning.effort.is_some() || reasoning.include_thoughts == Some(true))
}

/// Which requests need flags, the flags, the field named, and the VLLMProvider option that passes
/// them.
type Need = (fn(&UnifiedRequest) -> bool, &'static str, &'static str, &'static str);

/// The warnings for a vLLM chat batch; `args`: the run-batch arguments, `None` when unknown.
pub fn warnings(requests: &[UnifiedRequest], args: Option<&str>) -> Vec<Warning> {
    let lacks = |flag: &str| !args.is_some_and(|args| has_flag(args, flag));
    let auto_flags = "--enable-auto-tool-choice and --tool-call-parser";
    let needs: [Need; 3] = [
        (auto_tools, auto_flags, "tools", "toolCallParser"),
        (has_tools, "--tool-call-parser", "tools", "toolCallParser"),
        (reasons, "--reasoning-parser", "reasoning", "reasoningParser"),
    ];
    let mut warnings: Vec<Warning> = Vec::new();
    for (needs_it, flags, field, option) in needs {
        let missing = flags.split(" and ").any(lacks);
        if !missing || warnings.iter().any(|warning| warning.field == field) {
            continue;
        }
        let Some((index, request)) = requests.iter().enumerate().find(|(_, request)| needs_it(request)) else {
            continue;
        };
        let known = if args.is_some() {
            "batch-router starts it without them"
        } else {
            "batch-router cannot see how it was started"
        };
        warnings.push(Warning {
            index,
            custom_id: request.custom_id.clone(),
            field: field.into(),
            message: format!(
                "vLLM needs run-batch started with {flags} for this ({known}; reference §7.5): set VLLMProvider's {option}, or pass them in additionalArgs or the sidecar's --vllm-arg"
            ),
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(extra: serde_json::Value) -> UnifiedRequest {
        let mut base = json!({"customId": "v-1", "model": "m", "messages": [{"role": "user", "content": "x"}]});
        for (key, value) in extra.as_object().unwrap() {
            base[key] = value.clone();
        }
        crate::parse::parse_request(0, &base.to_string()).unwrap()
    }

    #[test]
    fn tools_and_reasoning_warn_unless_the_flags_are_given() {
        let tools = json!([{"name": "f", "parameters": {"type": "object", "properties": {}}}]);
        let requests = [
            request(json!({})),
            request(json!({"customId": "t", "tools": tools})),
            request(json!({"customId": "r", "reasoning": {"effort": "low"}})),
        ];
        let unknown = warnings(&requests, None);
        assert_eq!(unknown.len(), 2, "{unknown:?}");
        assert_eq!((unknown[0].index, unknown[0].custom_id.as_str(), unknown[0].field.as_str()), (1, "t", "tools"));
        assert!(
            unknown[0].message.contains("--enable-auto-tool-choice and --tool-call-parser"),
            "{}",
            unknown[0].message
        );
        assert!(unknown[0].message.contains("cannot see how it was started"));
        assert_eq!((unknown[1].index, unknown[1].field.as_str()), (2, "reasoning"));
        assert!(unknown[1].message.contains("--reasoning-parser"));
        let started = "--enable-auto-tool-choice --tool-call-parser=hermes --reasoning-parser qwen3";
        assert!(warnings(&requests, Some(started)).is_empty());
        // A named choice needs only the parser.
        let named = [request(json!({"tools": tools, "toolChoice": {"name": "f"}}))];
        assert!(warnings(&named, Some("--tool-call-parser hermes")).is_empty());
        let missing = warnings(&named, Some("--enable-auto-tool-choice"));
        assert_eq!(missing.len(), 1);
        assert!(
            missing[0].message.contains("started with --tool-call-parser for this (batch-router starts it without"),
            "{}",
            missing[0].message
        );
        // Plain requests need nothing.
        assert!(warnings(&[request(json!({}))], None).is_empty());
        // A flag is a whole word: a prefix of another is not it.
        assert!(!has_flag("--tool-call-parser-plugin=x", "--tool-call-parser"));
    }
}
