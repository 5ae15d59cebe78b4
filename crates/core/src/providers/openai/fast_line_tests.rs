//! The one-pass reader of common lines (`fast_line.rs`) against the general reader, on many
//! generated variants of OpenAI output lines: wherever the one-pass reader answers, both results
//! must be the same, `raw` included.

use super::fast_line::decode_common_line;
use super::OpenAiLineDecoder;
use crate::providers::scan_test_support::{
    agree_on_generated_lines, maybe, number, object, string, text, whole_line, Json, Random, NUMBERS,
};

fn usage(random: &Random) -> Json {
    let prompt_details = object(
        random,
        vec![
            ("cached_tokens", maybe(random, number(random))),
            ("cache_write_tokens", if random.one_in(2) { maybe(random, number(random)) } else { None }),
            ("audio_tokens", if random.one_in(2) { Some(number(random)) } else { None }),
        ],
    );
    let completion_details = object(
        random,
        vec![
            ("reasoning_tokens", maybe(random, number(random))),
            ("audio_tokens", if random.one_in(2) { Some(number(random)) } else { None }),
            ("accepted_prediction_tokens", if random.one_in(3) { Some(number(random)) } else { None }),
            ("rejected_prediction_tokens", if random.one_in(3) { Some(number(random)) } else { None }),
        ],
    );
    object(
        random,
        vec![
            ("prompt_tokens", maybe(random, number(random))),
            ("completion_tokens", maybe(random, number(random))),
            ("total_tokens", maybe(random, number(random))),
            ("prompt_tokens_details", if random.one_in(2) { maybe(random, prompt_details) } else { None }),
            ("completion_tokens_details", if random.one_in(2) { maybe(random, completion_details) } else { None }),
        ],
    )
}

fn message(random: &Random) -> Json {
    let content = match random.variant(12, 2) {
        0 => text("[{\"type\":\"text\",\"text\":\"part\"}]"),
        1 => text("{\"text\":\"object\"}"),
        _ => string(random),
    };
    let tool_calls = match random.variant(12, 1) {
        0 => {
            Some(text("[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]"))
        }
        1 => Some(text("[]")),
        2 => Some(text("null")),
        _ => None,
    };
    let optional =
        |random: &Random, times: usize| if random.one_in(times) { maybe(random, string(random)) } else { None };
    object(
        random,
        vec![
            ("role", Some(text(random.pick(&["\"assistant\"", "\"assistant\"", "null", "3"])))),
            ("content", maybe(random, content)),
            ("refusal", if random.one_in(2) { maybe(random, string(random)) } else { Some(text("null")) }),
            ("reasoning_content", optional(random, 5)),
            ("reasoning", optional(random, 5)),
            ("tool_calls", tool_calls),
            ("annotations", if random.one_in(4) { Some(text("[]")) } else { None }),
            ("audio", if random.one_in(8) { Some(text("null")) } else { None }),
        ],
    )
}

fn choice(random: &Random) -> Json {
    let index = match random.variant(6, 2) {
        0 => text("4294967296"),
        1 => text(random.pick(NUMBERS)),
        2 => text("3"),
        _ => text("0"),
    };
    let finish_reason = text(random.pick_tame(
        &["\"stop\"", "\"stop\"", "\"length\"", "\"tool_calls\"", "\"content_filter\"", "\"weird\"", "7"],
        1,
    ));
    object(
        random,
        vec![
            ("index", maybe(random, index)),
            ("message", if random.rare(30) { None } else { Some(message(random)) }),
            ("text", if random.rare(20) { Some(string(random)) } else { None }),
            ("logprobs", if random.rare(10) { Some(text("{\"content\":[]}")) } else { Some(text("null")) }),
            ("finish_reason", maybe(random, finish_reason)),
        ],
    )
}

fn body(random: &Random) -> Json {
    let choices = match random.variant(20, 3) {
        0 => text("[]"),
        1 => text("null"),
        2 => Json::Array(vec![choice(random), choice(random)]),
        _ => Json::Array(vec![choice(random)]),
    };
    let object_kind = text(random.pick_tame(
        &[
            "\"chat.completion\"",
            "\"chat.completion\"",
            "\"chat.completion\"",
            "\"text_completion\"",
            "\"response\"",
            "\"error\"",
            "null",
        ],
        4,
    ));
    let created = text(random.pick(&["1711652795", "1711652795", "1.5e9", "-3", "\"yesterday\""]));
    object(
        random,
        vec![
            ("id", maybe(random, string(random))),
            ("object", maybe(random, object_kind)),
            ("created", maybe(random, created)),
            ("model", maybe(random, text("\"gpt-4o-mini-2024-07-18\""))),
            ("choices", if random.rare(30) { None } else { Some(choices) }),
            ("usage", maybe(random, usage(random))),
            ("system_fingerprint", maybe(random, text("\"fp_44709d6fcb\""))),
            ("service_tier", if random.one_in(4) { Some(text("\"default\"")) } else { None }),
            ("data", if random.rare(40) { Some(text("[{\"embedding\":[0.1]}]")) } else { None }),
        ],
    )
}

fn line(random: &Random, index: usize) -> String {
    let status = match random.variant(10, 1) {
        0 => text(random.pick(&["400", "500", "429", "201", "299", "300", "\"200\"", "200.0", "2e2", "null"])),
        _ => text("200"),
    };
    let response_body = match random.variant(25, 3) {
        0 => text("{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"code\":null}}"),
        1 => text("{}"),
        2 => text("null"),
        _ => body(random),
    };
    let response = match random.variant(30, 2) {
        0 => text("null"),
        1 => body(random),
        _ => object(
            random,
            vec![
                ("status_code", if random.rare(20) { None } else { Some(status) }),
                ("request_id", maybe(random, text(&format!("\"req_{index}\"")))),
                ("body", if random.rare(30) { None } else { Some(response_body) }),
            ],
        ),
    };
    let error = match random.variant(12, 2) {
        0 => text("{\"code\":\"batch_expired\",\"message\":\"This request could not be executed before the completion window expired.\"}"),
        1 => text("\"plain error\""),
        _ => text("null"),
    };
    let custom_id = if random.one_in(10) { string(random) } else { Json::Text(format!("\"request-{index}\"")) };
    let line = object(
        random,
        vec![
            ("id", maybe(random, Json::Text(format!("\"batch_req_{index}\"")))),
            ("custom_id", maybe(random, custom_id)),
            ("response", if random.rare(30) { None } else { Some(response) }),
            ("error", maybe(random, error)),
        ],
    );
    whole_line(random, &line)
}

fn same_as_general_reader(text: &str, line_number: usize) -> bool {
    let Some(fast) = decode_common_line(text) else {
        return false;
    };
    let general = OpenAiLineDecoder::new("openai").decode_any_line(text, line_number);
    let fast = serde_json::to_string(&fast).unwrap();
    let general = serde_json::to_string(&general).unwrap();
    assert_eq!(fast, general, "line {line_number}: {text}");
    true
}

#[test]
fn the_one_pass_reader_agrees_with_the_general_reader() {
    agree_on_generated_lines(0x9E37_79B9_7F4A_7C15, |random, index| {
        same_as_general_reader(&line(random, index), index)
    });
}

#[test]
fn the_bench_line_takes_the_one_pass_reader() {
    let line = r#"{"id":"batch_req_0","custom_id":"request-0","response":{"status_code":200,"request_id":"req_0","body":{"id":"chatcmpl-0","object":"chat.completion","created":1711652795,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"The answer.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":61,"total_tokens":103,"prompt_tokens_details":{"cached_tokens":0}},"system_fingerprint":"fp_44709d6fcb"}},"error":null}"#;
    assert!(same_as_general_reader(line, 0));
    let result = decode_common_line(line).unwrap();
    let response = result.response.unwrap();
    assert_eq!(result.custom_id, "request-0");
    assert_eq!(response.text, "The answer.");
    assert!(response.raw.get().starts_with(r#"{"id":"chatcmpl-0""#) && response.raw.get().ends_with("}"));
}

#[test]
fn lines_it_does_not_fully_understand_go_to_the_general_reader() {
    let common =
        r#"{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"message":{"content":"hi"}}]}}}"#;
    assert!(decode_common_line(common).is_some());
    for other in [
        // Duplicate key, escaped key, unknown key.
        r#"{"custom_id":"a","custom_id":"b","response":{"status_code":200,"body":{"choices":[{"message":{"content":"hi"}}]}}}"#,
        r#"{"custom_\u0069d":"a","response":{"status_code":200,"body":{"choices":[{"message":{"content":"hi"}}]}}}"#,
        r#"{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"message":{"content":"hi","x":1}}]}}}"#,
        // Not a success, an error line, another body kind, several choices, tool calls, logprobs.
        r#"{"custom_id":"a","response":{"status_code":500,"body":{"choices":[{"message":{"content":"hi"}}]}}}"#,
        r#"{"custom_id":"a","response":null,"error":{"code":"batch_expired","message":"late"}}"#,
        r#"{"custom_id":"a","response":{"status_code":200,"body":{"object":"response","choices":[{"message":{"content":"hi"}}]}}}"#,
        r#"{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}}]}}}"#,
        r#"{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"message":{"tool_calls":[{"function":{"name":"f"}}]}}]}}}"#,
        r#"{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"logprobs":{},"message":{"content":"hi"}}]}}}"#,
        // A lone surrogate, a count that is not an unsigned integer, trailing text.
        r#"{"custom_id":"\ud800","response":{"status_code":200,"body":{"choices":[{"message":{"content":"hi"}}]}}}"#,
        r#"{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":1.0}}}}"#,
        r#"{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"message":{"content":"hi"}}]}}} x"#,
    ] {
        assert!(decode_common_line(other).is_none(), "{other}");
    }
}

#[test]
fn strings_are_read_whatever_the_position_of_what_ends_a_plain_run() {
    // A quote, an escape or a multibyte character anywhere in a string is read as the general
    // reader reads it; a raw control character sends the line to the general reader.
    for special in ["\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "é", "😀", "\u{7f}", "\t", "\u{1f}"] {
        for position in 0..20 {
            let content = format!("{}{special}{}", "a".repeat(position), "b".repeat(9));
            let line = format!(
                r#"{{"custom_id":"a","response":{{"status_code":200,"body":{{"choices":[{{"message":{{"content":"{content}"}}}}]}}}}}}"#
            );
            let is_control = special.len() == 1 && special.as_bytes()[0] < 0x20;
            assert_eq!(same_as_general_reader(&line, position), !is_control, "{line}");
        }
    }
}

#[test]
fn a_control_character_anywhere_in_a_string_outside_the_body_sends_the_line_back() {
    // Outside the body (`the_scanner_hands_out_only_valid_json` covers the inside).
    for control in ["\t", "\u{1f}", "\u{0}"] {
        for position in 0..20 {
            let custom_id = format!("{}{control}{}", "a".repeat(position), "b".repeat(9));
            let line = format!(
                r#"{{"custom_id":"{custom_id}","response":{{"status_code":200,"body":{{"choices":[{{"message":{{"content":"hi"}}}}]}}}}}}"#
            );
            assert!(decode_common_line(&line).is_none(), "{line:?}");
        }
    }
}

/// A common line whose body's `created` and message's `role` (both skipped by the general reader)
/// are the given JSON texts.
fn line_with(created: &str, role: &str) -> String {
    format!(
        r#"{{"custom_id":"a","response":{{"status_code":200,"body":{{"created":{created},"choices":[{{"message":{{"role":{role},"content":"hi"}}}}]}}}}}}"#
    )
}

#[test]
fn the_scanner_hands_out_only_valid_json() {
    // `raw` is no longer checked by serde_json: wherever the scanner answers, the body must be
    // valid JSON (debug builds assert it), and every invalid body must go to the general reader,
    // whose outcome is then the decoder's.
    let valid_values = [
        "0",
        "-0",
        "7",
        "-12",
        "0.5",
        "-0.5e+3",
        "1E9",
        "2e-7",
        "123456789012345678901234567890",
        "true",
        "false",
        "null",
        r#""""#,
        r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#,
        "[]",
        "{}",
        r#"[ 1 , [ ] , { } , "x" , null ]"#,
        r#"{"a":{"b":[true,false,{"c":-1.5}]},"d":""}"#,
    ];
    for value in valid_values {
        assert!(same_as_general_reader(&line_with(value, r#""assistant""#), 0), "{value}");
        assert!(same_as_general_reader(&line_with("1", value), 0), "{value}");
    }
    let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(same_as_general_reader(&line_with(&deep(60), "null"), 0));
    let invalid_values = [
        // Numbers.
        "-",
        "+1",
        ".5",
        "1.",
        "1.e1",
        "01",
        "-01",
        "00",
        "1e",
        "1e+",
        "1E-",
        "--1",
        "0x1",
        "NaN",
        "Infinity",
        "-Infinity",
        "1_000",
        // Literals.
        "tru",
        "nul",
        "fals",
        "nulll",
        "truefalse",
        "True",
        "NULL",
        "undefined",
        // Nesting.
        "[1,]",
        "[,1]",
        "[1 2]",
        "[",
        "]",
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        r#"{"a":}"#,
        r#"{"a":[1}"#,
        r#"{1:2}"#,
        r#"{'a':1}"#,
        r#"{"a":1"#,
        "[[]",
        "[]]",
        // Strings: invalid escapes, lone surrogates, unterminated, single quotes.
        r#""\x""#,
        r#""\u12""#,
        r#""\u12G4""#,
        r#""\ud800""#,
        r#""\udc00""#,
        r#""\ud800\u0041""#,
        r#""\"#,
        r#""abc"#,
        "'a'",
        r#""\U00e9""#,
    ];
    for value in invalid_values {
        for line in [line_with(value, r#""assistant""#), line_with("1", value)] {
            assert!(decode_common_line(&line).is_none(), "{line}");
        }
    }
    // Deeper than the scanner follows (serde_json would stop at 128).
    assert!(decode_common_line(&line_with(&deep(200), "null")).is_none());
    assert!(decode_common_line(&line_with(&format!("{}1", "[".repeat(200)), "null")).is_none());
    // A raw control character anywhere in a string inside the body: in the content the result
    // keeps, in a skipped string, and in a string nested in a skipped value.
    for control in ["\t", "\n", "\r", "\u{1f}", "\u{0}", "\u{8}"] {
        for position in 0..20 {
            let text = format!("{}{control}{}", "a".repeat(position), "b".repeat(9));
            let content = format!(
                r#"{{"custom_id":"a","response":{{"status_code":200,"body":{{"choices":[{{"message":{{"content":"{text}"}}}}]}}}}}}"#
            );
            let skipped = line_with("1", &format!(r#""{text}""#));
            let nested = line_with(&format!(r#"{{"a":[{{"b":"{text}"}}]}}"#), "null");
            let key = line_with(&format!(r#"{{"{text}":1}}"#), "null");
            for line in [content, skipped, nested, key] {
                assert!(decode_common_line(&line).is_none(), "{line:?}");
            }
        }
    }
}
