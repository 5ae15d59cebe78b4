//! The lines of OpenAI output and error files that the sidecar writes itself, and the reading of
//! vLLM's output lines (reference §1.6, §1.7, §5.3).
//!
//! vLLM writes successes and errors into one file. A line goes to the output file when it has a
//! response with a 2xx `status_code` and no `error`, as OpenAI splits them; every other line goes to
//! the error file. vLLM's lines are passed on unchanged (the core's decoder reads vLLM's error
//! shapes), and the sidecar adds lines in OpenAI's shapes for requests that never reached vLLM.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use batch_router_core::providers::openai::input_line::InvalidLine;

use crate::ids;

/// What the sidecar needs to know about one line of vLLM's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    pub custom_id: String,
    pub succeeded: bool,
}

#[derive(Deserialize)]
struct RawOutputLine<'a> {
    custom_id: String,
    #[serde(default)]
    response: Option<Envelope>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Envelope {
    status_code: Option<u16>,
}

/// Reads a vLLM output line; `None` when it is not one (for example a line cut off by a crash).
pub fn read_output_line(line: &[u8]) -> Option<OutputLine> {
    let parsed: RawOutputLine = serde_json::from_slice(line).ok()?;
    let status = parsed.response.and_then(|response| response.status_code);
    let succeeded = parsed.error.is_none() && status.is_some_and(|status| (200..300).contains(&status));
    Some(OutputLine { custom_id: parsed.custom_id, succeeded })
}

/// Reads the `custom_id` of a line the sidecar sent to vLLM (it passed the input check).
pub fn sent_custom_id(line: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Sent {
        custom_id: String,
    }
    serde_json::from_slice::<Sent>(line).ok().map(|sent| sent.custom_id)
}

/// A refused input line as OpenAI reports a request rejected with HTTP 400: `response.body` holds
/// the error and the top-level `error` is null.
pub fn rejected_line(invalid: &InvalidLine, line_number: u64) -> Vec<u8> {
    let line = json!({
        "id": ids::new_line_id(),
        "custom_id": invalid.custom_id,
        "response": {
            "status_code": 400,
            "request_id": ids::new_request_id(),
            "body": {"error": {
                "message": format!("Line {line_number}: {}", invalid.message),
                "type": "invalid_request_error",
                "param": invalid.param,
                "code": invalid.code,
            }},
        },
        "error": Value::Null,
    });
    to_line(&line)
}

/// A request that got no result, in OpenAI's shape for unfinished requests
/// (`response: null`, `error: {code, message}`), e.g. code `batch_cancelled`.
pub fn unfinished_line(custom_id: &str, code: &str, message: &str) -> Vec<u8> {
    let line = json!({
        "id": ids::new_line_id(),
        "custom_id": custom_id,
        "response": Value::Null,
        "error": {"code": code, "message": message},
    });
    to_line(&line)
}

fn to_line(value: &Value) -> Vec<u8> {
    let mut bytes = value.to_string().into_bytes();
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vllm_lines_are_split_as_openai_would() {
        let success = br#"{"id":"vllm-1","custom_id":"a","response":{"status_code":200,"request_id":"vllm-batch-1","body":{"id":"c"}},"error":null}"#;
        let engine_error = br#"{"id":"vllm-2","custom_id":"b","response":{"status_code":400,"request_id":"vllm-batch-2","body":null},"error":{"error":{"message":"bad","type":"BadRequestError","param":null,"code":400}}}"#;
        let string_error = br#"{"id":"vllm-3","custom_id":"c","response":{"status_code":400,"request_id":"vllm-batch-3","body":null},"error":"Request must not be sent in stream mode"}"#;
        let status_only = br#"{"id":"vllm-4","custom_id":"d","response":{"status_code":500,"request_id":"r","body":null},"error":null}"#;
        assert_eq!(read_output_line(success), Some(OutputLine { custom_id: "a".into(), succeeded: true }));
        for (line, id) in [(&engine_error[..], "b"), (&string_error[..], "c"), (&status_only[..], "d")] {
            assert_eq!(read_output_line(line), Some(OutputLine { custom_id: id.into(), succeeded: false }));
        }
        assert_eq!(read_output_line(br#"{"id":"vllm-5","custom_id":"e","resp"#), None);
    }

    #[test]
    fn rejected_lines_have_openai_error_shape() {
        let invalid = InvalidLine {
            custom_id: Some("q".into()),
            code: "url_mismatch",
            param: Some("url"),
            message: "`url` must be \"/v1/chat/completions\".".into(),
        };
        let line: Value = serde_json::from_slice(&rejected_line(&invalid, 3)).unwrap();
        assert_eq!(line["custom_id"], "q");
        assert_eq!(line["error"], Value::Null);
        assert_eq!(line["response"]["status_code"], 400);
        assert!(line["response"]["request_id"].as_str().unwrap().starts_with("req_"));
        assert_eq!(line["response"]["body"]["error"]["code"], "url_mismatch");
        assert_eq!(line["response"]["body"]["error"]["param"], "url");
        assert_eq!(line["response"]["body"]["error"]["type"], "invalid_request_error");
        assert!(line["response"]["body"]["error"]["message"].as_str().unwrap().starts_with("Line 3: "));
    }

    #[test]
    fn unfinished_lines_carry_a_code() {
        let line: Value = serde_json::from_slice(&unfinished_line("z", "batch_cancelled", "cancelled")).unwrap();
        assert_eq!(line["response"], Value::Null);
        assert_eq!(line["error"], json!({"code": "batch_cancelled", "message": "cancelled"}));
        assert!(line["id"].as_str().unwrap().starts_with("batch_req_"));
    }
}
