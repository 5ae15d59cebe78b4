//! Reading unified requests from JSON text, one request at a time, so that a bad request is named by
//! its index and custom id and the field that is wrong.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{CoreError, UnifiedRequest};

/// Parses a JSON array of unified requests.
pub fn parse_request_array(text: &str) -> Result<Vec<UnifiedRequest>, CoreError> {
    let raw: Vec<&RawValue> = serde_json::from_str(text)
        .map_err(|error| CoreError::invalid_batch("requests", format!("not a JSON array of requests: {error}")))?;
    raw.iter().enumerate().map(|(index, value)| parse_request(index, value.get())).collect()
}

/// Parses unified JSONL: one request per non-blank line.
pub fn parse_request_lines(text: &str) -> Result<Vec<UnifiedRequest>, CoreError> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(index, line)| parse_request(index, line))
        .collect()
}

/// Parses one request; errors carry the request's index, its custom id when it has one, and the
/// path of the field that is wrong.
pub fn parse_request(index: usize, text: &str) -> Result<UnifiedRequest, CoreError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        let message = strip_location(&error.inner().to_string());
        CoreError::Validation {
            index: Some(index),
            custom_id: custom_id_of(text),
            field: if field == "." { String::new() } else { field },
            message: explain(&message),
        }
    })
}

fn custom_id_of(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        #[serde(rename = "customId")]
        custom_id: Option<serde_json::Value>,
    }
    let id: IdOnly = serde_json::from_str(text).ok()?;
    match id.custom_id? {
        serde_json::Value::String(id) => Some(id),
        other => Some(other.to_string()),
    }
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(position) => message[..position].to_owned(),
        None => message.to_owned(),
    }
}

// serde's wording, plus a hint where the fix is not obvious.
fn explain(message: &str) -> String {
    if message.starts_with("unknown variant `system`") {
        return format!("{message}; put system instructions in `systemPrompt`");
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContentPart, MessageContent, SourceType, SystemPrompt};

    #[test]
    fn parses_a_full_request() {
        let text = r#"[{"customId":"a","model":"m","systemPrompt":["x","y"],
            "messages":[{"role":"user","content":[{"type":"text","text":"hi"},
              {"type":"image","sourceType":"url","data":"https://example.com/cat.png"}]}],
            "generationConfig":{"maxTokens":5,"topK":3},"providerKwargs":{"seed":1}}]"#;
        let requests = parse_request_array(text).unwrap();
        let request = &requests[0];
        assert_eq!(request.system_prompt, Some(SystemPrompt::Parts(vec!["x".into(), "y".into()])));
        let MessageContent::Parts(parts) = &request.messages[0].content else { panic!("parts expected") };
        assert!(matches!(&parts[1], ContentPart::Image(image) if image.source_type == SourceType::Url));
        assert_eq!(request.generation_config.as_ref().unwrap().top_k, Some(3));
        assert_eq!(request.provider_kwargs.as_ref().unwrap()["seed"], 1);
    }

    #[test]
    fn string_content_is_accepted() {
        let request =
            parse_request(0, r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"hi"}]}"#).unwrap();
        assert_eq!(request.messages[0].content, MessageContent::Text("hi".into()));
    }

    #[test]
    fn unknown_role_names_request_and_field() {
        let error = parse_request_lines(
            "{\"customId\":\"ok\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n\
             {\"customId\":\"bad\",\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}]}",
        )
        .unwrap_err();
        let CoreError::Validation { index, custom_id, field, message } = error else { panic!() };
        assert_eq!(index, Some(1));
        assert_eq!(custom_id.as_deref(), Some("bad"));
        assert_eq!(field, "messages[0].role");
        assert!(message.contains("systemPrompt"), "{message}");
    }

    #[test]
    fn typo_in_generation_config_is_an_error_with_its_path() {
        let error = parse_request(
            4,
            r#"{"customId":"t","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"maxToken":5}}"#,
        )
        .unwrap_err();
        let CoreError::Validation { index, field, message, .. } = error else { panic!() };
        assert_eq!(index, Some(4));
        assert_eq!(field, "generationConfig.maxToken");
        assert!(message.contains("unknown field `maxToken`"), "{message}");
    }

    #[test]
    fn error_inside_a_content_part_keeps_its_path() {
        let error = parse_request(
            0,
            r#"{"customId":"p","model":"m","messages":[{"role":"user","content":[{"type":"image","sourceType":"ftp","data":"x"}]}]}"#,
        )
        .unwrap_err();
        // serde buffers a tagged part, so the path ends at the part; the message names the value.
        let CoreError::Validation { field, message, .. } = error else { panic!() };
        assert_eq!(field, "messages[0].content[0]");
        assert!(message.contains("unknown variant `ftp`"), "{message}");
    }

    #[test]
    fn missing_custom_id_is_named() {
        let error = parse_request(2, r#"{"model":"m","messages":[]}"#).unwrap_err();
        let CoreError::Validation { index, custom_id, message, .. } = error else { panic!() };
        assert_eq!((index, custom_id), (Some(2), None));
        assert!(message.contains("customId"), "{message}");
    }
}
