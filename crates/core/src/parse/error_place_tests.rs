//! Where an error is placed and what it says, for the faults a new-user trial found on 2026-12-02:
//! an error inside a `tool_result`'s own parts was placed at its `content`, a key given twice named
//! no field, nesting past the limit said "recursion limit exceeded", and a name a field does not
//! take said "unknown variant".

use super::parse_request;
use crate::CoreError;

fn refusal(text: &str) -> (String, String) {
    match parse_request(1, text) {
        Err(CoreError::Validation { field, message, index, .. }) => {
            assert_eq!(index, Some(1), "{text}");
            (field, message)
        }
        other => panic!("{text}: expected a validation error, got {other:?}"),
    }
}

fn with_tool_result(content: &str) -> String {
    format!(
        r#"{{"customId":"a","model":"m","messages":[{{"role":"user","content":"hi"}},{{"role":"assistant","content":[{{"type":"tool_call","id":"t1","name":"f","arguments":{{}}}}]}},{{"role":"tool","content":[{{"type":"text","text":"x"}},{{"type":"tool_result","toolCallId":"t1","content":{content}}}]}}]}}"#
    )
}

#[test]
fn an_error_inside_a_tool_results_parts_names_that_part_and_key() {
    let cases = [
        (
            r#"[{"type":"text","text":5}]"#,
            "messages[2].content[1].content[0].text",
            "invalid type: integer `5`, expected a string",
        ),
        (
            r#"[{"type":"text","text":"ok"},{"type":"text","text":"x","cacheControl":{"ttl":"2h"}}]"#,
            "messages[2].content[1].content[1].cacheControl",
            "unknown value `2h`, expected `5m` or `1h`",
        ),
        (
            r#"[{"type":"text","text":"ok"},{"type":"text"}]"#,
            "messages[2].content[1].content[1].text",
            "missing field `text`",
        ),
        (r#"[{"type":"text","txt":"x"}]"#, "messages[2].content[1].content[0].txt", "unknown field `txt`"),
        // The tool_result's own keys, as before.
        (
            r#""ok","isError":"yes""#,
            "messages[2].content[1].isError",
            "invalid type: string \"yes\", expected a boolean",
        ),
        (r#"5"#, "messages[2].content[1].content", "invalid type: integer `5`"),
    ];
    for (content, field, message) in cases {
        let (got_field, got_message) = refusal(&with_tool_result(content));
        assert_eq!(got_field, field, "{content}: {got_message}");
        assert!(got_message.starts_with(message), "{content}: {got_message}");
    }
}

#[test]
fn a_key_given_twice_names_its_field() {
    let hi = r#""messages":[{"role":"user","content":"hi"}]"#;
    let cases = [
        (format!(r#"{{"customId":"a","model":"m","model":"n",{hi}}}"#), "model"),
        (
            format!(r#"{{"customId":"a","model":"m",{hi},"generationConfig":{{"maxTokens":5,"maxTokens":6}}}}"#),
            "generationConfig.maxTokens",
        ),
        (
            format!(r#"{{"customId":"a","model":"m",{hi},"reasoning":{{"effort":"low","effort":"high"}}}}"#),
            "reasoning.effort",
        ),
    ];
    for (text, field) in cases {
        let (got_field, message) = refusal(&text);
        assert_eq!(got_field, field, "{text}: {message}");
        assert_eq!(message, format!("duplicate field `{}`", field.rsplit('.').next().unwrap()), "{text}");
    }
}

#[test]
fn nesting_past_the_limit_is_said_in_json_words() {
    let deep = |depth: usize| {
        format!(
            r#"{{"customId":"a","model":"m","messages":[{{"role":"user","content":"hi"}}],"providerKwargs":{{"x":{}{}}}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    let (field, message) = refusal(&deep(200));
    assert!(field.starts_with("providerKwargs.x[0][0]"), "{field}");
    assert_eq!(message, "nested too deeply: at most 127 arrays and objects may stand inside one another");
    assert!(parse_request(1, &deep(100)).is_ok());
}

#[test]
fn a_name_a_field_does_not_take_is_an_unknown_value() {
    let (field, message) = refusal(r#"{"customId":"a","model":"m","messages":[{"role":"wizard","content":"hi"}]}"#);
    assert_eq!(field, "messages[0].role");
    assert_eq!(message, "unknown value `wizard`, expected one of `user`, `assistant`, `tool`");
    let (_, message) = refusal(r#"{"customId":"a","model":"m","messages":[{"role":"system","content":"hi"}]}"#);
    assert!(
        message.starts_with("unknown value `system`") && message.ends_with("put system instructions in `systemPrompt`"),
        "{message}"
    );
}

#[test]
fn a_custom_id_that_is_no_string_is_no_custom_id() {
    for id in ["5", "true", "null", r#"["a"]"#, r#"{"a":1}"#] {
        let text = format!(r#"{{"customId":{id},"model":"m","messages":[{{"role":"user","content":"hi"}}]}}"#);
        match parse_request(1, &text) {
            Err(CoreError::Validation { custom_id, field, .. }) => {
                assert_eq!((custom_id, field.as_str()), (None, "customId"), "{id}");
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    // A string id is named, whatever else is wrong.
    let Err(CoreError::Validation { custom_id, .. }) = parse_request(1, r#"{"customId":"c-1","model":5}"#) else {
        panic!()
    };
    assert_eq!(custom_id.as_deref(), Some("c-1"));
}
