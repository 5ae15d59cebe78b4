//! A request and each of its object-shaped parts are read from a JSON object only: serde's derived
//! code also read a JSON array by position (`["a", "gpt-4o"]` was a request, `"generationConfig":
//! [5]` set `maxTokens`), which no provider or SDK writes. What was expected is said in the user's
//! words ("a generationConfig object"), not by the type's name ("struct GenerationConfig").

use super::parse_request;
use crate::CoreError;

fn refusal(text: &str) -> (String, String, Option<String>) {
    match parse_request(4, text) {
        Err(CoreError::Validation { field, message, custom_id, index, .. }) => {
            assert_eq!(index, Some(4), "{text}");
            (field, message, custom_id)
        }
        other => panic!("{text}: expected a validation error, got {other:?}"),
    }
}

fn with(body: &str) -> String {
    format!(r#"{{"customId":"c-9","model":"gpt-4o",{body}}}"#)
}

/// A part of a message (an internally tagged enum) is read whole before its fields are: an error
/// inside it names the part and the key the part was refused for (`parse::within_part`).
#[test]
fn an_array_where_an_object_belongs_is_refused_at_its_field() {
    let hi = r#""messages":[{"role":"user","content":"hi"}]"#;
    for (body, field, expected) in [
        (r#""messages":[["user","hi"]]"#.to_owned(), "messages[0]", "a message object"),
        (r#""messages":[{"role":"user","content":[["text","hi"]]}]"#.to_owned(), "messages[0].content[0]", "a content part object"),
        (format!(r#"{hi},"generationConfig":[5]"#), "generationConfig", "a generationConfig object"),
        (format!(r#"{hi},"responseFormat":["json"]"#), "responseFormat", "a responseFormat object"),
        (format!(r#"{hi},"reasoning":["low"]"#), "reasoning", "a reasoning object"),
        (format!(r#"{hi},"tools":[["f",null,{{"type":"object"}}]]"#), "tools[0]", "a tool object"),
        (format!(r#"{hi},"systemPromptCacheControl":["1h"]"#), "systemPromptCacheControl", "a cacheControl object"),
        (
            r#""messages":[{"role":"user","content":[{"type":"image","sourceType":"url","data":"https://x/a.png","cacheControl":[]}]}]"#.to_owned(),
            "messages[0].content[0].cacheControl",
            "a cacheControl object",
        ),
        (
            r#""messages":[{"role":"assistant","content":[{"type":"tool_call","id":"c","name":"f","arguments":{}}]},{"role":"tool","content":[{"type":"tool_result","toolCallId":"c","content":"ok","cacheControl":["5m"]}]}]"#.to_owned(),
            "messages[1].content[0].cacheControl",
            "a cacheControl object",
        ),
        (
            r#""messages":[{"role":"user","content":[{"type":"text","text":"hi","cacheControl":["1h"]}]}]"#.to_owned(),
            "messages[0].content[0].cacheControl",
            "a cacheControl object",
        ),
        (
            r#""messages":[{"role":"user","content":[{"type":"tool_result","toolCallId":"c","content":[["text","ok"]]}]}]"#.to_owned(),
            "messages[0].content[0].content[0]",
            "a content part object",
        ),
    ] {
        let text = with(&body);
        let (named, message, custom_id) = refusal(&text);
        assert_eq!(named, field, "{text}: {message}");
        assert!(message.contains(&format!("invalid type: array, expected {expected}")), "{text}: {message}");
        assert_eq!(custom_id.as_deref(), Some("c-9"), "{text}");
    }
}

#[test]
fn a_request_written_as_an_array_is_not_a_request() {
    for text in [r#"["a","gpt-4o"]"#, r#"["a","gpt-4o",null,[{"role":"user","content":"hi"}]]"#] {
        let (field, message, custom_id) = refusal(text);
        assert_eq!((field.as_str(), custom_id), ("", None), "{text}");
        assert_eq!(message, "a request must be a JSON object, not an array", "{text}");
    }
}

#[test]
fn other_wrong_types_keep_serdes_words() {
    let hi = r#""messages":[{"role":"user","content":"hi"}]"#;
    for (body, field, words) in [
        (
            format!(r#"{hi},"generationConfig":5"#),
            "generationConfig",
            "invalid type: integer `5`, expected a generationConfig object",
        ),
        (
            format!(r#"{hi},"reasoning":"low""#),
            "reasoning",
            "invalid type: string \"low\", expected a reasoning object",
        ),
        (r#""messages":["hi"]"#.to_owned(), "messages[0]", "invalid type: string \"hi\", expected a message object"),
        (format!(r#"{hi},"tools":[true]"#), "tools[0]", "invalid type: boolean `true`, expected a tool object"),
        (
            r#""messages":[{"role":"user","content":[7]}]"#.to_owned(),
            "messages[0].content[0]",
            "invalid type: integer `7`, expected a content part object",
        ),
    ] {
        let text = with(&body);
        let (named, message, _) = refusal(&text);
        assert_eq!(named, field, "{text}: {message}");
        assert!(message.contains(words), "{text}: {message}");
    }
}

/// A request followed by more text on its line is refused, never read as the request alone (a
/// new-user trial found the second of two requests on one line silently dropped).
#[test]
fn text_after_a_request_is_refused_not_dropped() {
    let one = r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"hi"}]}"#;
    for (text, follows) in [
        (format!("{one}{one}"), "another JSON value (two requests on one line? each needs its own line)"),
        (format!("{one} {one}  "), "another JSON value (two requests on one line? each needs its own line)"),
        (format!("{one} x"), "text that is not JSON"),
        (format!("{one},"), "text that is not JSON"),
    ] {
        let error = parse_request(4, &text).unwrap_err();
        let CoreError::Validation { index, custom_id, field, message, .. } = error else { panic!("{text}") };
        assert_eq!((index, custom_id.as_deref(), field.as_str()), (Some(4), Some("a"), ""), "{text}");
        assert_eq!(
            message,
            format!("the request ends at character {} of its line, and {follows} follows it", one.len()),
            "{text}"
        );
    }
    // Whitespace after it is nothing.
    assert!(parse_request(0, &format!("{one}  \t")).is_ok());
    // Through the JSONL reader: the line is named, nothing is converted.
    let jsonl = format!("{one}\n{one}{one}\n");
    let error = crate::parse::parse_request_lines(&jsonl).unwrap_err();
    let CoreError::Validation { index, line, .. } = error else { panic!() };
    assert_eq!((index, line), (Some(1), Some(2)));
}
