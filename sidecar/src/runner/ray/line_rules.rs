//! What the Ray backend's engine path carries over from a chat request, checked per line before
//! anything is submitted: a line asking for something it would drop is refused with the field
//! named, never answered without it. The entrypoint maps these body fields to vLLM's sampling
//! parameters (`sidecar/ray/batch_router_ray_job.py`); Ray Data's LLM processor keeps one output per
//! row and no log probabilities, and its chat template stage here takes text only.

use batch_router_core::providers::openai::input_line::InvalidLine;
use serde_json::{Map, Value};

/// Body fields the Ray path honours (or that do not change the answer: `user`, `metadata`).
const SUPPORTED: &[&str] = &[
    "model",
    "messages",
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "repetition_penalty",
    "min_tokens",
    "stop",
    "max_tokens",
    "max_completion_tokens",
    "n",
    "stream",
    "user",
    "metadata",
    "store",
];

/// Well-known fields the Ray path cannot honour, with the `param` reported for each.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("tools", "body.tools"),
    ("tool_choice", "body.tool_choice"),
    ("parallel_tool_calls", "body.parallel_tool_calls"),
    ("functions", "body.functions"),
    ("function_call", "body.function_call"),
    ("response_format", "body.response_format"),
    ("logprobs", "body.logprobs"),
    ("top_logprobs", "body.top_logprobs"),
    ("logit_bias", "body.logit_bias"),
    ("stream_options", "body.stream_options"),
    ("reasoning_effort", "body.reasoning_effort"),
    ("modalities", "body.modalities"),
    ("audio", "body.audio"),
    ("prediction", "body.prediction"),
];

const CODE: &str = "unsupported_by_ray_backend";

/// `Some` when the line asks for something the Ray backend would not honour.
pub fn check_line(line: &[u8]) -> Option<InvalidLine> {
    let parsed: Value = serde_json::from_slice(line).ok()?;
    let custom_id = parsed.get("custom_id").and_then(Value::as_str).map(str::to_owned);
    let body = parsed.get("body").and_then(Value::as_object)?;
    let refuse = |param: Option<&'static str>, message: String| {
        Some(InvalidLine { custom_id: custom_id.clone(), code: CODE, param, message })
    };
    for key in body.keys() {
        if SUPPORTED.contains(&key.as_str()) || body[key].is_null() {
            continue;
        }
        let param = UNSUPPORTED.iter().find(|(name, _)| name == key).map(|(_, param)| *param).or(Some("body"));
        return refuse(
            param,
            format!(
                "`body.{key}` is not supported by the sidecar's Ray backend (Ray Data's LLM processor): remove it, or \
                 run this request with the local backend."
            ),
        );
    }
    if body.get("n").and_then(Value::as_u64).is_some_and(|n| n != 1) {
        return refuse(Some("body.n"), "The Ray backend returns one choice per request: `n` must be 1.".into());
    }
    if let Some((message_index, part_index, kind)) = non_text_part(body) {
        return refuse(
            Some("body.messages"),
            format!(
                "`body.messages[{message_index}].content[{part_index}]` is a `{kind}` part; the sidecar's Ray backend \
                 sends text only."
            ),
        );
    }
    None
}

fn non_text_part(body: &Map<String, Value>) -> Option<(usize, usize, String)> {
    let messages = body.get("messages")?.as_array()?;
    messages.iter().enumerate().find_map(|(message_index, message)| {
        let parts = message.get("content")?.as_array()?;
        parts.iter().enumerate().find_map(|(part_index, part)| {
            let kind = part.get("type").and_then(Value::as_str).unwrap_or("untyped");
            (kind != "text").then(|| (message_index, part_index, kind.to_owned()))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(body: Value) -> Option<InvalidLine> {
        let line = json!({"custom_id": "c-1", "method": "POST", "url": "/v1/chat/completions", "body": body});
        check_line(line.to_string().as_bytes())
    }

    fn messages() -> Value {
        json!([{"role": "system", "content": "be brief"}, {"role": "user", "content": [{"type": "text", "text": "hi"}]}])
    }

    #[test]
    fn plain_chat_requests_with_sampling_parameters_pass() {
        let body = json!({"model": "m", "messages": messages(), "temperature": 0.2, "max_completion_tokens": 9,
                          "stop": ["x"], "seed": 1, "n": 1, "user": "u", "logprobs": null});
        assert_eq!(check(body), None);
    }

    #[test]
    fn fields_the_engine_path_would_drop_are_refused_by_name() {
        let refused = check(json!({"model": "m", "messages": messages(), "tools": []})).unwrap();
        assert_eq!(refused.custom_id.as_deref(), Some("c-1"));
        assert_eq!(refused.code, "unsupported_by_ray_backend");
        assert_eq!(refused.param, Some("body.tools"));
        assert!(refused.message.contains("`body.tools`"), "{}", refused.message);

        let refused = check(json!({"model": "m", "messages": messages(), "logprobs": true})).unwrap();
        assert_eq!(refused.param, Some("body.logprobs"));
        let refused = check(json!({"model": "m", "messages": messages(), "something_new": 1})).unwrap();
        assert_eq!(refused.param, Some("body"));
        assert!(refused.message.contains("`body.something_new`"));
        let refused = check(json!({"model": "m", "messages": messages(), "n": 2})).unwrap();
        assert_eq!(refused.param, Some("body.n"));
    }

    #[test]
    fn image_parts_are_refused_naming_the_message_and_part() {
        let with_image = json!([{"role": "user", "content": [
            {"type": "text", "text": "what is this"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]);
        let refused = check(json!({"model": "m", "messages": with_image})).unwrap();
        assert_eq!(refused.param, Some("body.messages"));
        assert!(refused.message.contains("`body.messages[0].content[1]` is a `image_url` part"), "{}", refused.message);
    }
}
