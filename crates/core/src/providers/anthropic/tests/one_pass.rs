//! The one-pass reader of result lines against the general reader it replaced: over many generated
//! lines (every result type, every block kind, unknown fields, unusual orders, missing fields,
//! wrong types, escapes, duplicates, lines cut at every byte, bytes that are not UTF-8), the
//! decoder gives exactly what the general reader gives — every field, `raw`, and each error's
//! wording and position.

use crate::model::UnifiedResult;
use crate::results::LineDecoder;

use super::super::results::{decode_any_line, decode_in_one_pass};
use super::AnthropicLineDecoder;

const TEXT_MESSAGE: &str = r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hi! My name is Claude."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":5,"cache_creation_input_tokens":3,"cache_read_input_tokens":2,"service_tier":"batch"}}"#;

/// Message bodies, well formed or not: the result's `message`.
fn messages() -> Vec<String> {
    let mut messages: Vec<String> = vec![
        TEXT_MESSAGE.into(),
        r#"{"id":"msg_2","type":"message","role":"assistant","model":"m","content":[{"type":"thinking","thinking":"Let me think.","signature":"sig=="},{"type":"redacted_thinking","data":"EmwK"},{"type":"text","text":"Let me check. "},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris","unit":"celsius"}},{"type":"server_tool_use","id":"srv_1","name":"web_search","input":{}},{"type":"web_search_tool_result","content":[]}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2,"cache_creation":{"ephemeral_5m_input_tokens":4,"ephemeral_1h_input_tokens":6},"output_tokens_details":{"thinking_tokens":7}}}"#.into(),
        // Unusual order, unknown fields.
        r#"{"usage":{"output_tokens":9,"input_tokens":8},"container":{"id":"c","skills":[1,{"a":[null,true]}]},"stop_reason":"max_tokens","content":[{"text":"late type","type":"text","citations":null}],"model":"m","role":"assistant","type":"message","id":"msg_3"}"#.into(),
        // No `type`: a message by its content and role; then neither.
        r#"{"role":"assistant","content":[]}"#.into(),
        r#"{"content":[{"type":"text","text":"x"}]}"#.into(),
        r#"{"type":"message"}"#.into(),
        "{}".into(),
        r#"{"type":"completion","completion":"x"}"#.into(),
        // Wrong types.
        r#"{"type":"message","role":"assistant","content":"a string"}"#.into(),
        r#"{"type":"message","content":[],"usage":"many"}"#.into(),
        r#"{"type":"message","content":[],"stop_reason":5}"#.into(),
        r#"{"type":"message","content":[],"model":null,"id":7}"#.into(),
        r#"{"type":"message","content":[{"type":"text","text":5}]}"#.into(),
        r#"{"type":"message","content":[{"type":"text"}]}"#.into(),
        r#"{"type":"message","content":[{"type":"tool_use","id":null,"input":[1]}]}"#.into(),
        r#"{"type":"message","content":[{"type":"thinking","thinking":"t","signature":null}]}"#.into(),
        r#"{"type":"message","content":[["text","array form"],["thinking","a","b","c"]]}"#.into(),
        r#"{"type":"message","content":[{"text":"no type"}]}"#.into(),
        r#"{"type":"message","content":[5]}"#.into(),
        r#"{"type":"message","content":[],"usage":{"input_tokens":-1}}"#.into(),
        r#"{"type":"message","content":[],"usage":{"input_tokens":1.5}}"#.into(),
        // Escapes, and a lone surrogate (valid to skip, refused when read into a string).
        r#"{"type":"message","id":"m\u0073g\"1","content":[{"type":"text","text":"q\"b\\s\n\t\u00e9\ud83d\ude00/\/"}]}"#.into(),
        r#"{"type":"message","content":[{"type":"text","text":"lone \ud800 surrogate"}]}"#.into(),
        r#"{"type":"message","content":[],"\u0069d":"escaped key"}"#.into(),
        // Duplicates.
        r#"{"type":"message","content":[],"content":[]}"#.into(),
        r#"{"type":"message","type":"message","content":[]}"#.into(),
        r#"{"type":"message","content":[{"type":"text","type":"text","text":"a"}]}"#.into(),
        r#"{"type":"message","content":[{"type":"text","text":"a","text":"b"}]}"#.into(),
        // Not an object.
        r#""a string""#.into(),
        "42".into(),
        "[]".into(),
        r#"["message"]"#.into(),
        "true".into(),
        // Whitespace inside: `raw` keeps it.
        "{ \"type\" : \"message\" ,\n \"role\":\"assistant\", \"content\" : [ ] }".into(),
    ];
    // Nesting deeper than serde_json's limit, inside a block and inside an unknown field.
    let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
    messages.push(format!(r#"{{"type":"message","content":[{{"type":"tool_use","name":"f","input":{deep}}}]}}"#));
    messages.push(format!(r#"{{"type":"message","content":[],"extra":{deep}}}"#));
    messages
}

/// The result objects (and results that are not objects).
fn results() -> Vec<String> {
    let mut results: Vec<String> =
        messages().iter().map(|message| format!(r#"{{"type":"succeeded","message":{message}}}"#)).collect();
    let deep = format!("{}{}", "{\"a\":".repeat(130), "}".repeat(130));
    results.extend(
        [
            format!(r#"{{"message":{TEXT_MESSAGE},"type":"succeeded"}}"#),
            format!(r#"{{"x":[1,{{"y":null}}],"type":"succeeded","message":{TEXT_MESSAGE},"z":"\u0041"}}"#),
            format!(r#"{{ "type" : "succeeded" , "message" :  {TEXT_MESSAGE}  }}"#),
            format!(r#"["succeeded",{TEXT_MESSAGE}]"#),
            format!(r#"["succeeded",{TEXT_MESSAGE},null,1]"#),
            format!(r#"{{"type":"succeeded","message":{TEXT_MESSAGE},"message":{TEXT_MESSAGE}}}"#),
            format!(r#"{{"type":"succeeded","type":"succeeded","message":{TEXT_MESSAGE}}}"#),
            format!(r#"{{"type":"succeeded","message":{TEXT_MESSAGE},"extra":{deep}}}"#),
            format!(r#"{{"type":"succeeded","message":{TEXT_MESSAGE},"error":{{"type":"x"}}}}"#),
            format!(r#"{{"type":"succ\u0065eded","message":{TEXT_MESSAGE}}}"#),
            r#"{"type":"succeeded"}"#.into(),
            r#"{"type":"succeeded","message":null}"#.into(),
            r#"{"type":"errored","error":{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}}"#.into(),
            r#"{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: \"x\""}}}"#.into(),
            r#"{"type":"errored","error":{"type":"api_error","message":"Internal"}}"#.into(),
            r#"{"type":"errored","error":{"type":"error"}}"#.into(),
            r#"{"type":"errored","error":{"type":"error","error":5,"request_id":7}}"#.into(),
            r#"{"type":"errored","error":null}"#.into(),
            r#"{"type":"errored"}"#.into(),
            r#"{"type":"errored","error":"a string"}"#.into(),
            r#"{"type":"errored","error":[1,2]}"#.into(),
            r#"{"error":{"type":"rate_limit_error","message":"slow"},"type":"errored"}"#.into(),
            r#"{"type":"canceled"}"#.into(),
            r#"{"type":"expired","note":{"a":[1]}}"#.into(),
            r#"{"type":"weird","message":{}}"#.into(),
            r#"{"type":""}"#.into(),
            "{}".into(),
            r#"{"type":5}"#.into(),
            r#"{"type":null,"message":{}}"#.into(),
            r#"{"type":"canceled","message":5,"error":true}"#.into(),
            "[]".into(),
            r#"["expired"]"#.into(),
            r#""succeeded""#.into(),
            "7".into(),
        ],
    );
    results
}

/// Lines around a result, the first the usual one.
fn lines_around(result: &str) -> Vec<String> {
    let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
    vec![
        format!(r#"{{"custom_id":"request-1","result":{result}}}"#),
        format!(r#"{{"result":{result},"custom_id":"request-2"}}"#),
        format!(" {{ \"custom_id\" : \"request-3\" ,\t\"result\" : {result} }} \r"),
        format!(r#"{{"custom_id":"a\"b\u00e9\\","note":[1,{{"custom_id":"inner"}}],"result":{result},"z":null}}"#),
        format!(r#"{{"custom_id":"request-5","result":{result},"extra":{deep}}}"#),
        format!(r#"{{"custom_\u0069d":"request-6","result":{result}}}"#),
        format!(r#"{{"custom_id":null,"result":{result}}}"#),
        format!(r#"{{"custom_id":5,"result":{result}}}"#),
        format!(r#"{{"result":{result}}}"#),
        format!(r#"{{"custom_id":"request-7","custom_id":"again","result":{result}}}"#),
        format!(r#"{{"custom_id":"request-8","result":{result},"result":{result}}}"#),
        format!(r#"{{"custom_id":"request-9","result":null}}"#),
        format!(r#"{{"custom_id":"request-10"}}"#),
        format!(r#"["request-11",{result}]"#),
        format!(r#"{{"custom_id":"request-12","result":{result}}} trailing"#),
        format!(r#"{{"custom_id":"request-13","result":{result},}}"#),
    ]
}

/// A result as compared: every field, serialized (`raw` included).
fn shown(result: &UnifiedResult) -> String {
    serde_json::to_string(result).expect("a unified result serializes")
}

/// Decodes `line` with the decoder and with the general reader; panics where they differ. Says
/// whether the one pass answered.
fn check(line: &[u8], line_number: usize) -> bool {
    let decoded = AnthropicLineDecoder.decode_line(line, line_number);
    let Ok(text) = std::str::from_utf8(line) else {
        // Refused before either reader: both give the decoder's one error.
        assert_eq!(decoded.error.as_ref().map(|error| error.code.as_str()), Some("malformed_result_line"));
        return false;
    };
    let general = decode_any_line(text, line_number);
    // A line with a lone surrogate escape is read again by the decoder (`lone_surrogates.rs`).
    let again = crate::providers::lone_surrogates::decoded(text, &mut |text| decode_any_line(text, line_number));
    assert_eq!(shown(&decoded), shown(&again), "line {line_number}: {text}");
    let one_pass = decode_in_one_pass(text);
    if let Some(one_pass) = &one_pass {
        assert_eq!(shown(one_pass), shown(&general), "line {line_number}: {text}");
    }
    one_pass.is_some()
}

#[test]
fn the_one_pass_reader_gives_what_the_general_reader_gives() {
    let mut answered = 0;
    let mut total = 0;
    for result in results() {
        for line in lines_around(&result) {
            total += 1;
            if check(line.as_bytes(), total) {
                answered += 1;
            }
        }
    }
    // Many lines are read whole in one pass; the rest (errors, no id or result, arrays where an
    // object belongs: 348 of 1,120 lines are read in one pass) are not.
    assert!(answered > total / 4, "{answered} of {total} lines read in one pass");
    assert!(answered < total, "{answered} of {total} lines read in one pass");
}

#[test]
fn the_usual_lines_are_read_in_one_pass() {
    for result in results().iter().take(3) {
        let line = &lines_around(result)[0];
        assert!(decode_in_one_pass(line).is_some(), "{line}");
    }
    let line = r#"{"custom_id":"x","result":{"type":"errored","error":{"type":"error","error":{"type":"api_error","message":"m"}}}}"#;
    assert!(decode_in_one_pass(line).is_some());
    assert!(decode_in_one_pass(r#"{"custom_id":"x","result":{"type":"canceled"}}"#).is_some());
}

#[test]
fn lines_cut_at_every_byte_or_with_a_byte_changed_are_read_alike() {
    let mut line_number = 0;
    for result in results() {
        let line = lines_around(&result).remove(0);
        let bytes = line.as_bytes();
        for end in 0..bytes.len() {
            line_number += 1;
            check(&bytes[..end], line_number);
        }
        for position in 0..bytes.len() {
            for replacement in [b'"', b'}', b',', b'\\', b'0', 0xff] {
                let mut changed = bytes.to_vec();
                changed[position] = replacement;
                line_number += 1;
                check(&changed, line_number);
            }
        }
    }
}
