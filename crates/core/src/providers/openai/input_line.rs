//! Checks one line of an OpenAI batch input file before it reaches vLLM `run-batch`.
//!
//! vLLM parses every input line outside any error handling, so one malformed line aborts the whole
//! run (reference §5.4). The sidecar therefore sends only the lines that pass here and reports the
//! others as errored results. The checks are the ones that make vLLM's line parser fail: a JSON
//! object with a string `custom_id` (unique in the file), `method` `POST`, `url`
//! `/v1/chat/completions`, and a `body` object with a non-empty `messages` array of objects that
//! carry a `role`, a `model`, and no streaming.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::Endpoint;

/// What the runner needs from a line that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedLine {
    pub custom_id: String,
    pub model: String,
}

/// Why a line was refused, in the terms of an OpenAI error body (`code`, `param`, `message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLine {
    /// The line's `custom_id` when it had a usable one.
    pub custom_id: Option<String>,
    pub code: &'static str,
    pub param: Option<&'static str>,
    pub message: String,
}

/// Checks the lines of one file in order. It remembers the `custom_id`s seen so far: the first line
/// that names an id owns it, even when that line is refused for another reason, so no id ever gets
/// two results.
#[derive(Debug, Default)]
pub struct InputLineChecker {
    seen: HashSet<String>,
    endpoint: Endpoint,
}

impl InputLineChecker {
    /// A checker for a chat completions batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// A checker for a batch of `endpoint`: every line's `url` must be its URL, and an embeddings
    /// line's body needs `input` (a string or a non-empty array) instead of `messages`.
    pub fn for_endpoint(endpoint: Endpoint) -> Self {
        InputLineChecker { seen: HashSet::new(), endpoint }
    }

    /// Checks one non-blank line (without its newline).
    pub fn check(&mut self, line: &[u8]) -> Result<CheckedLine, InvalidLine> {
        let value: Value = crate::providers::exact_json::from_slice(line).map_err(|error| {
            refuse(None, "invalid_json_line", None, format!("This line is not parseable as valid JSON: {error}."))
        })?;
        let Value::Object(object) = value else {
            return Err(refuse(None, "invalid_json_line", None, "The line must be a JSON object.".into()));
        };
        let custom_id = match object.get("custom_id") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(Value::String(_)) => {
                return Err(refuse(
                    None,
                    "invalid_custom_id",
                    Some("custom_id"),
                    "`custom_id` must not be empty.".into(),
                ))
            }
            _ => {
                return Err(refuse(
                    None,
                    "invalid_custom_id",
                    Some("custom_id"),
                    "The line needs a string `custom_id`.".into(),
                ))
            }
        };
        if !self.seen.insert(custom_id.clone()) {
            return Err(refuse(
                Some(custom_id.clone()),
                "duplicate_custom_id",
                Some("custom_id"),
                format!("The custom_id \"{custom_id}\" is used by an earlier line of this file; each must be unique."),
            ));
        }
        let refused = |code, param, message: String| refuse(Some(custom_id.clone()), code, param, message);
        if object.get("method").and_then(Value::as_str) != Some("POST") {
            return Err(refused("invalid_method", Some("method"), "`method` must be \"POST\".".into()));
        }
        let url = self.endpoint.openai_url();
        if object.get("url").and_then(Value::as_str) != Some(url) {
            return Err(refused(
                "url_mismatch",
                Some("url"),
                format!("`url` must be \"{url}\", the endpoint of the batch."),
            ));
        }
        let Some(Value::Object(body)) = object.get("body") else {
            return Err(refused("invalid_body", Some("body"), "`body` must be a JSON object.".into()));
        };
        let checked = match self.endpoint {
            Endpoint::Embeddings => check_input(body),
            _ => check_messages(body),
        };
        checked.map_err(|(param, message)| refused("invalid_body", Some(param), message))?;
        let model = match body.get("model") {
            Some(Value::String(model)) if !model.is_empty() => model.clone(),
            _ => {
                return Err(refused(
                    "invalid_body",
                    Some("body.model"),
                    "`body.model` must be a non-empty string.".into(),
                ))
            }
        };
        match body.get("stream") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => {
                return Err(refused(
                    "stream_not_supported",
                    Some("body.stream"),
                    "Batch requests cannot stream; remove `stream` or set it to false.".into(),
                ))
            }
            Some(_) => {
                return Err(refused("invalid_body", Some("body.stream"), "`body.stream` must be a boolean.".into()))
            }
        }
        Ok(CheckedLine { custom_id, model })
    }
}

fn check_messages(body: &Map<String, Value>) -> Result<(), (&'static str, String)> {
    let Some(Value::Array(messages)) = body.get("messages") else {
        return Err(("body.messages", "`body.messages` must be an array of messages.".into()));
    };
    if messages.is_empty() {
        return Err(("body.messages", "`body.messages` must not be empty.".into()));
    }
    for (index, message) in messages.iter().enumerate() {
        if !message.get("role").is_some_and(Value::is_string) {
            return Err(("body.messages", format!("`body.messages[{index}]` must be an object with a string `role`.")));
        }
    }
    Ok(())
}

fn check_input(body: &Map<String, Value>) -> Result<(), (&'static str, String)> {
    match body.get("input") {
        Some(Value::String(_)) => Ok(()),
        Some(Value::Array(items)) if !items.is_empty() => Ok(()),
        Some(Value::Array(_)) => Err(("body.input", "`body.input` must not be empty.".into())),
        _ => Err(("body.input", "`body.input` must be a string or an array.".into())),
    }
}

fn refuse(custom_id: Option<String>, code: &'static str, param: Option<&'static str>, message: String) -> InvalidLine {
    InvalidLine { custom_id, code, param, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good(custom_id: &str) -> String {
        format!(
            r#"{{"custom_id":"{custom_id}","method":"POST","url":"/v1/chat/completions",
                "body":{{"model":"m1","messages":[{{"role":"user","content":"hi"}}],"max_tokens":5}}}}"#
        )
        .replace('\n', "")
    }

    fn with_body(body: &str) -> String {
        format!(r#"{{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{body}}}"#)
    }

    fn refused(line: &str) -> InvalidLine {
        InputLineChecker::new().check(line.as_bytes()).expect_err(line)
    }

    #[test]
    fn a_correct_line_passes_with_its_id_and_model() {
        let checked = InputLineChecker::new().check(good("q-1").as_bytes()).unwrap();
        assert_eq!(checked, CheckedLine { custom_id: "q-1".into(), model: "m1".into() });
    }

    #[test]
    fn lines_that_are_not_json_objects_are_refused_without_an_id() {
        for line in ["{not json", "[1,2]", "\"text\"", "\u{feff}{}"] {
            let error = refused(line);
            assert_eq!(error.code, "invalid_json_line", "{line}");
            assert_eq!(error.custom_id, None);
        }
    }

    #[test]
    fn custom_id_must_be_a_non_empty_string() {
        for line in [
            r#"{"method":"POST","url":"/v1/chat/completions","body":{}}"#,
            r#"{"custom_id":7,"method":"POST","url":"/v1/chat/completions","body":{}}"#,
            r#"{"custom_id":"","method":"POST","url":"/v1/chat/completions","body":{}}"#,
        ] {
            let error = refused(line);
            assert_eq!((error.code, error.param), ("invalid_custom_id", Some("custom_id")), "{line}");
        }
    }

    #[test]
    fn the_first_line_with_an_id_owns_it_even_when_refused() {
        let mut checker = InputLineChecker::new();
        let first = checker.check(br#"{"custom_id":"x","method":"GET"}"#).unwrap_err();
        assert_eq!(first.code, "invalid_method");
        let second = checker.check(good("x").as_bytes()).unwrap_err();
        assert_eq!(second.code, "duplicate_custom_id");
        assert_eq!(second.custom_id.as_deref(), Some("x"));
        assert!(second.message.contains("\"x\""));
        assert!(checker.check(good("y").as_bytes()).is_ok());
    }

    #[test]
    fn method_and_url_are_checked() {
        let get = good("a").replace("\"POST\"", "\"GET\"");
        assert_eq!(refused(&get).code, "invalid_method");
        let embeddings = good("a").replace("/v1/chat/completions", "/v1/embeddings");
        let error = refused(&embeddings);
        assert_eq!((error.code, error.param), ("url_mismatch", Some("url")));
        assert_eq!(error.custom_id.as_deref(), Some("a"));
    }

    #[test]
    fn body_needs_messages_with_roles_and_a_model() {
        let cases = [
            (r#""text""#, "body"),
            (r#"{"model":"m"}"#, "body.messages"),
            (r#"{"model":"m","messages":{}}"#, "body.messages"),
            (r#"{"model":"m","messages":[]}"#, "body.messages"),
            (r#"{"model":"m","messages":[{"content":"no role"}]}"#, "body.messages"),
            (r#"{"model":"m","messages":["hi"]}"#, "body.messages"),
            (r#"{"messages":[{"role":"user","content":"hi"}]}"#, "body.model"),
            (r#"{"model":"","messages":[{"role":"user","content":"hi"}]}"#, "body.model"),
            (r#"{"model":3,"messages":[{"role":"user","content":"hi"}]}"#, "body.model"),
        ];
        for (body, param) in cases {
            let error = refused(&with_body(body));
            assert_eq!((error.code, error.param), ("invalid_body", Some(param)), "{body}");
        }
    }

    #[test]
    fn streaming_is_refused_and_stream_false_passes() {
        let messages = r#""model":"m","messages":[{"role":"user","content":"hi"}]"#;
        let error = refused(&with_body(&format!(r#"{{{messages},"stream":true}}"#)));
        assert_eq!((error.code, error.param), ("stream_not_supported", Some("body.stream")));
        let error = refused(&with_body(&format!(r#"{{{messages},"stream":"yes"}}"#)));
        assert_eq!((error.code, error.param), ("invalid_body", Some("body.stream")));
        for stream in ["false", "null"] {
            let line = with_body(&format!(r#"{{{messages},"stream":{stream}}}"#));
            assert!(InputLineChecker::new().check(line.as_bytes()).is_ok(), "{stream}");
        }
    }

    #[test]
    fn an_embeddings_batch_takes_embeddings_lines_only() {
        let mut checker = InputLineChecker::for_endpoint(Endpoint::Embeddings);
        let line =
            r#"{"custom_id":"e-1","method":"POST","url":"/v1/embeddings","body":{"model":"m","input":["a","b"]}}"#;
        assert_eq!(checker.check(line.as_bytes()).unwrap().model, "m");
        let chat = good("c-1");
        assert_eq!(checker.check(chat.as_bytes()).unwrap_err().code, "url_mismatch");
        let empty = r#"{"custom_id":"e-2","method":"POST","url":"/v1/embeddings","body":{"model":"m","input":[]}}"#;
        assert_eq!(checker.check(empty.as_bytes()).unwrap_err().param, Some("body.input"));
        let missing = r#"{"custom_id":"e-3","method":"POST","url":"/v1/embeddings","body":{"model":"m"}}"#;
        assert_eq!(checker.check(missing.as_bytes()).unwrap_err().param, Some("body.input"));
        let embeddings_in_chat = InputLineChecker::new().check(line.as_bytes()).unwrap_err();
        assert_eq!(embeddings_in_chat.code, "url_mismatch");
    }
}
