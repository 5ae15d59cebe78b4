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

/// Whether `args` (the words `vllm run-batch` gets) has `flag`, alone or as `flag=value`.
fn has_flag(args: &[String], flag: &str) -> bool {
    args.iter().any(|arg| arg.strip_prefix(flag).is_some_and(|rest| rest.is_empty() || rest.starts_with('=')))
}

/// The warnings for a vLLM chat batch; `args`: the run-batch arguments, `None` when unknown.
pub fn warnings(requests: &[UnifiedRequest], args: Option<&[String]>) -> Vec<Warning> {
    let known = |flag: &str| args.is_some_and(|args| has_flag(args, flag));
    let context = match args {
        None => "batch-router cannot see how the server was started",
        Some(_) => "the run-batch arguments batch-router starts the sidecar with lack it",
    };
    let mut warnings = Vec::new();
    let tools = |request: &UnifiedRequest| {
        request.tools.as_ref().is_some_and(|tools| !tools.is_empty())
            || request.provider_kwargs.as_ref().is_some_and(|kwargs| kwargs.contains_key("tools"))
    };
    // `auto` is vLLM's choice when tools are given and none is named (reference §2.2).
    let auto = |request: &UnifiedRequest| {
        tools(request) && matches!(request.tool_choice, None | Some(ToolChoice::Mode(ToolChoiceMode::Auto)))
    };
    let needs_auto = !known("--enable-auto-tool-choice") || !known("--tool-call-parser");
    let tool_request = if needs_auto {
        requests.iter().enumerate().find(|(_, request)| auto(request)).map(|found| (found, true))
    } else {
        None
    }
    .or_else(|| {
        (!known("--tool-call-parser"))
            .then(|| requests.iter().enumerate().find(|(_, request)| tools(request)).map(|found| (found, false)))
            .flatten()
    });
    if let Some(((index, request), auto)) = tool_request {
        let flags = if auto { "--enable-auto-tool-choice and --tool-call-parser" } else { "--tool-call-parser" };
        warnings.push(Warning {
            index,
            custom_id: request.custom_id.clone(),
            field: "tools".into(),
            message: format!(
                "vLLM takes tools{} only when run-batch is started with {flags} ({context}); otherwise its lines fail or the calls stay in the text (reference §7.5). Set VLLMProvider's toolCallParser (it passes both), or pass them in additionalArgs or the sidecar's --vllm-arg",
                if auto { " with tool choice \"auto\" (the default)" } else { "" }
            ),
        });
    }
    let reasoning = |request: &UnifiedRequest| {
        request.reasoning.as_ref().is_some_and(|reasoning| reasoning.effort.is_some() || reasoning.include_thoughts == Some(true))
    };
    if !known("--reasoning-parser") {
        if let Some((index, request)) = requests.iter().enumerate().find(|(_, request)| reasoning(request)) {
            warnings.push(Warning {
                index,
                custom_id: request.custom_id.clone(),
                field: "reasoning".into(),
                message: format!(
                    "vLLM returns reasoning apart from the answer only when run-batch is started with --reasoning-parser ({context}); otherwise it stays inside the text (reference §3.5, §7.5). Set VLLMProvider's reasoningParser, or pass it in additionalArgs or the sidecar's --vllm-arg"
                ),
            });
        }
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

    fn words(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
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
        assert!(unknown[0].message.contains("--enable-auto-tool-choice and --tool-call-parser"), "{}", unknown[0].message);
        assert!(unknown[0].message.contains("cannot see how the server was started"));
        assert_eq!((unknown[1].index, unknown[1].field.as_str()), (2, "reasoning"));
        assert!(unknown[1].message.contains("--reasoning-parser"));
        let started = words(&["--enable-auto-tool-choice", "--tool-call-parser=hermes", "--reasoning-parser", "qwen3"]);
        assert!(warnings(&requests, Some(&started)).is_empty());
        // A named choice needs only the parser.
        let named = [request(json!({"tools": tools, "toolChoice": {"name": "f"}}))];
        assert!(warnings(&named, Some(&words(&["--tool-call-parser", "hermes"]))).is_empty());
        let missing = warnings(&named, Some(&words(&["--enable-auto-tool-choice"])));
        assert_eq!(missing.len(), 1);
        assert!(missing[0].message.contains("started with --tool-call-parser (the run-batch arguments"), "{}", missing[0].message);
        // Plain requests need nothing.
        assert!(warnings(&[request(json!({}))], None).is_empty());
        // A flag is a whole word: a prefix of another is not it.
        assert!(!has_flag(&words(&["--tool-call-parser-plugin=x"]), "--tool-call-parser"));
    }
}
