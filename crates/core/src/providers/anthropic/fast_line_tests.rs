//! The one-pass reader of common lines (`fast_line.rs`) against the general reader
//! (`decode_any_line`), on many generated variants of Anthropic result lines: wherever the one-pass
//! reader answers, both results must be the same, `raw` included; and the decoder, whichever of its
//! readers answers, always gives the general reader's result.

use super::fast_line::{decode_common_line, scan_common_line, CommonLine};
use super::results::decode_any_line;
use super::AnthropicLineDecoder;
use crate::providers::scan_test_support::{
    agree_on_generated_lines, maybe, object, string, text, whole_line, Json, Random,
};
use crate::results::LineDecoder;

/// Counts: the last nine are not a `u64` (or not a JSON number) and are only on wild lines. No
/// count is so large that two of them overflow when added (`Usage::from` adds them unchecked).
const COUNTS: &[&str] = &[
    "0",
    "7",
    "42",
    "4000",
    "9007199254740993",
    "null",
    "18446744073709551616",
    "-1",
    "-0",
    "1.0",
    "1e2",
    "01",
    "\"42\"",
    "true",
    "{}",
];

fn count(random: &Random) -> Json {
    if random.one_in(3) {
        text(random.pick_tame(COUNTS, 9))
    } else {
        Json::Text(random.below(5000).to_string())
    }
}

fn usage(random: &Random) -> Json {
    let split = object(
        random,
        vec![
            ("ephemeral_5m_input_tokens", maybe(random, count(random))),
            ("ephemeral_1h_input_tokens", maybe(random, count(random))),
        ],
    );
    let server_tool_use = text(random.pick(&[
        "{\"web_search_requests\":0}",
        "{\"web_search_requests\":2,\"web_fetch_requests\":1}",
        "null",
        "{\"a\":[1.5e400,\"\\ud800\"]}",
    ]));
    object(
        random,
        vec![
            ("input_tokens", maybe(random, count(random))),
            ("output_tokens", maybe(random, count(random))),
            ("cache_creation_input_tokens", maybe(random, count(random))),
            ("cache_read_input_tokens", maybe(random, count(random))),
            ("cache_creation", if random.one_in(2) { maybe(random, split) } else { None }),
            (
                "output_tokens_details",
                if random.one_in(4) { maybe(random, text("{\"thinking_tokens\":12}")) } else { None },
            ),
            ("service_tier", if random.one_in(2) { maybe(random, text("\"batch\"")) } else { None }),
            ("server_tool_use", if random.one_in(3) { Some(server_tool_use) } else { None }),
        ],
    )
}

/// A value of a field of another kind's block, or of a key no block reads.
fn stray_value(random: &Random) -> Json {
    text(random.pick_tame(
        &[
            "null",
            "\"s\"",
            "[{\"type\":\"char_location\",\"start_char_index\":0,\"end_char_index\":12}]",
            "{\"a\":[true,false,1.5,-2]}",
            "7",
            "1e400",
            "[1e400]",
            "{\"k\":\"\\udc00\"}",
            "1234567890123456789012345678901234567890",
        ],
        5,
    ))
}

fn block(random: &Random) -> Json {
    let stray = |random: &Random, times: usize| if random.rare(times) { Some(stray_value(random)) } else { None };
    match random.variant(24, 4) {
        0 => text(random.pick(&["[\"text\",\"array form\"]", "5", "null", "\"text\""])),
        1 => object(
            random,
            vec![("type", Some(text("\"tool_use\""))), ("id", Some(text("7"))), ("name", Some(text("\"f\"")))],
        ),
        2 => object(
            random,
            vec![
                ("type", Some(text("\"server_tool_use\""))),
                ("id", Some(text("\"srv_1\""))),
                ("input", Some(text("{}"))),
            ],
        ),
        3 => object(random, vec![("text", Some(string(random)))]),
        4..=5 => object(
            random,
            vec![
                ("type", Some(text(random.pick(&["\"thinking\"", "\"th\\u0069nking\""])))),
                ("thinking", if random.rare(10) { maybe(random, string(random)) } else { Some(string(random)) }),
                ("signature", maybe(random, string(random))),
                ("text", stray(random, 10)),
            ],
        ),
        6 => object(
            random,
            vec![
                ("type", Some(text("\"redacted_thinking\""))),
                ("data", if random.rare(10) { None } else { Some(text("\"EmwKAhgB\"")) }),
            ],
        ),
        7..=8 => {
            let input = text(random.pick_tame(
                &[
                    "{\"location\":\"Paris\",\"unit\":\"celsius\"}",
                    "{}",
                    "{\"a\":{\"b\":[1,2.5,-3e-2,true,null,\"x\"]},\"a\":2}",
                    "[1,\"two\"]",
                    "\"text\"",
                    "123456789012345678901234567890",
                    "{\"big\":1e400}",
                    "{\"s\":\"\\ud800\"}",
                ],
                2,
            ));
            object(
                random,
                vec![
                    ("type", Some(text("\"tool_use\""))),
                    ("id", maybe(random, text("\"toolu_01A\""))),
                    (
                        "name",
                        if random.rare(10) { maybe(random, string(random)) } else { Some(text("\"get_weather\"")) },
                    ),
                    ("input", if random.rare(10) { None } else { Some(input) }),
                ],
            )
        }
        9 => object(
            random,
            vec![
                ("type", Some(text("\"web_search_tool_result\""))),
                ("tool_use_id", Some(text("\"srv_1\""))),
                ("content", Some(text("[{\"type\":\"web_search_result\",\"url\":\"https://example.com\"}]"))),
            ],
        ),
        _ => object(
            random,
            vec![
                ("type", Some(text(random.pick_tame(&["\"text\"", "\"text\"", "\"t\\u0065xt\"", "null", "5"], 2)))),
                ("text", if random.rare(10) { maybe(random, string(random)) } else { Some(string(random)) }),
                ("citations", if random.one_in(4) { Some(stray_value(random)) } else { None }),
                ("signature", stray(random, 15)),
                ("input", if random.rare(20) { Some(text(random.pick(&["{}", "1e400", "[1,2]"]))) } else { None }),
            ],
        ),
    }
}

/// `RefusalStopDetails` (AN-SDK-TS), beside a refusal or, wildly, another stop reason.
fn stop_details(random: &Random) -> Json {
    let details = object(
        random,
        vec![
            ("type", Some(text("\"refusal\""))),
            ("category", maybe(random, text(random.pick_tame(&["\"cyber\"", "\"bio\"", "7"], 1)))),
            ("explanation", maybe(random, string(random))),
        ],
    );
    if random.rare(10) {
        text(random.pick(&["\"refusal\"", "[]", "3"]))
    } else {
        details
    }
}

fn message(random: &Random, index: usize) -> Json {
    let blocks = (0..[0, 1, 1, 1, 1, 2, 3][random.below(7)]).map(|_| block(random)).collect();
    let content = match random.variant(20, 2) {
        0 => text("\"a string\""),
        1 => text("{}"),
        _ => Json::Array(blocks),
    };
    let kind =
        text(random.pick_tame(&["\"message\"", "\"message\"", "\"m\\u0065ssage\"", "\"completion\"", "null"], 2));
    let stop_reason = text(random.pick_tame(
        &[
            "\"end_turn\"",
            "\"end_turn\"",
            "\"max_tokens\"",
            "\"stop_sequence\"",
            "\"tool_use\"",
            "\"refusal\"",
            "\"refusal\"",
            "\"pause_turn\"",
            "\"model_context_window_exceeded\"",
            "5",
        ],
        1,
    ));
    object(
        random,
        vec![
            ("id", maybe(random, Json::Text(format!("\"msg_{index}\"")))),
            ("type", if random.rare(10) { maybe(random, kind) } else { Some(kind) }),
            ("role", maybe(random, text(random.pick_tame(&["\"assistant\"", "\"assistant\"", "3"], 1)))),
            ("model", maybe(random, text("\"claude-sonnet-4-5-20250929\""))),
            ("content", maybe(random, content)),
            ("stop_reason", maybe(random, stop_reason)),
            ("stop_sequence", maybe(random, string(random))),
            ("stop_details", if random.one_in(3) { maybe(random, stop_details(random)) } else { None }),
            ("usage", maybe(random, usage(random))),
            (
                "container",
                if random.one_in(10) { Some(text("{\"id\":\"c\",\"expires_at\":\"2026-01-01\"}")) } else { None },
            ),
        ],
    )
}

fn result(random: &Random, index: usize) -> Json {
    let kind = text(random.pick_tame(
        &[
            "\"succeeded\"",
            "\"succeeded\"",
            "\"succeeded\"",
            "\"succ\\u0065eded\"",
            "\"errored\"",
            "\"canceled\"",
            "\"expired\"",
            "7",
        ],
        4,
    ));
    let error = text(random.pick(&[
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
        "null",
        "\"\\ud800\"",
    ]));
    object(
        random,
        vec![
            ("type", if random.rare(20) { None } else { Some(kind) }),
            (
                "message",
                if random.rare(20) { maybe(random, message(random, index)) } else { Some(message(random, index)) },
            ),
            ("error", if random.rare(8) { Some(error) } else { None }),
        ],
    )
}

fn line(random: &Random, index: usize) -> String {
    let custom_id = if random.one_in(10) { string(random) } else { Json::Text(format!("\"request-{index}\"")) };
    let line = object(
        random,
        vec![
            ("custom_id", if random.rare(20) { maybe(random, custom_id) } else { Some(custom_id) }),
            (
                "result",
                if random.rare(20) { maybe(random, result(random, index)) } else { Some(result(random, index)) },
            ),
        ],
    );
    whole_line(random, &line)
}

fn shown(result: &crate::model::UnifiedResult) -> String {
    serde_json::to_string(result).expect("a unified result serializes")
}

/// Compares the one-pass reader (where it answers) and the decoder with the general reader; says
/// whether the one-pass reader answered.
fn same_as_general_reader(text: &str, line_number: usize) -> bool {
    // A line with a lone surrogate escape is read again by the decoder (`lone_surrogates.rs`).
    let general =
        shown(&crate::providers::lone_surrogates::decoded(text, &mut |text| decode_any_line(text, line_number)));
    assert_eq!(
        shown(&AnthropicLineDecoder.decode_line(text.as_bytes(), line_number)),
        general,
        "line {line_number}: {text}"
    );
    let Some(fast) = decode_common_line(text) else {
        return false;
    };
    assert_eq!(shown(&fast), general, "line {line_number}: {text}");
    // A view is written as the result it is built into.
    if let Some(CommonLine::View(view)) = scan_common_line(text) {
        assert_eq!(serde_json::to_string(&view).unwrap(), general, "line {line_number}: {text}");
    }
    true
}

#[test]
fn the_one_pass_reader_agrees_with_the_general_reader() {
    agree_on_generated_lines(0x2545_F491_4F6C_DD1D, |random, index| {
        same_as_general_reader(&line(random, index), index)
    });
}

/// The bench file's line (`bench/`'s Anthropic output writer).
const BENCH_LINE: &str = r#"{"custom_id":"request-0","result":{"type":"succeeded","message":{"id":"msg_0","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[{"type":"text","text":"The paragraph argues that batching requests lowers cost."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":42,"output_tokens":61,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}}"#;

/// A line around `message`.
fn line_with_message(message: &str) -> String {
    format!(r#"{{"custom_id":"a","result":{{"type":"succeeded","message":{message}}}}}"#)
}

#[test]
fn common_lines_take_the_one_pass_reader() {
    let spec_usage = r#"{"input_tokens":11,"cache_creation_input_tokens":400,"cache_read_input_tokens":4000,"cache_creation":{"ephemeral_5m_input_tokens":400,"ephemeral_1h_input_tokens":0},"output_tokens":70,"service_tier":"batch","server_tool_use":{"web_search_requests":1}}"#;
    let lines = [
        BENCH_LINE.to_owned(),
        // Field case 22's line.
        r#"{"custom_id":"u-anthropic","result":{"type":"succeeded","message":{"id":"msg_h2","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":11,"cache_creation_input_tokens":400,"cache_read_input_tokens":4000,"output_tokens":70}}}}"#.to_owned(),
        // Spec `Usage` with every field; thinking, redacted thinking, tool use and citations.
        line_with_message(&format!(
            r#"{{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{{"type":"thinking","thinking":"Let me think.","signature":"sig=="}},{{"type":"redacted_thinking","data":"EmwK"}},{{"type":"text","text":"Sunny.","citations":[{{"type":"char_location","cited_text":"x","start_char_index":0,"end_char_index":1}}]}},{{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{{"location":"Paris","n":[1,2.5,-3e2]}}}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{spec_usage}}}"#
        )),
        // Empty or null content, null fields, a web search result block (kept only in `raw`)
        // beside text.
        line_with_message(r#"{"type":"message","content":[],"usage":null,"id":null}"#),
        line_with_message(r#"{"type":"message","content":null,"role":null}"#),
        line_with_message(
            r#"{"type":"message","content":[{"type":"web_search_tool_result","tool_use_id":"srv_1","content":[{"type":"web_search_result","url":"https://example.com"}]},{"type":"text","text":"Found."}]}"#,
        ),
        // The largest count, alone (the general reader adds counts unchecked).
        line_with_message(r#"{"type":"message","content":[],"usage":{"input_tokens":18446744073709551615}}"#),
    ];
    for (number, line) in lines.iter().enumerate() {
        assert!(same_as_general_reader(line, number), "{line}");
    }
    let result = decode_common_line(BENCH_LINE).unwrap();
    let response = result.response.unwrap();
    assert_eq!(result.custom_id, "request-0");
    assert_eq!(response.text, "The paragraph argues that batching requests lowers cost.");
    assert!(response.raw.get().starts_with(r#"{"id":"msg_0""#) && response.raw.get().ends_with("}}"));
}

#[test]
fn lines_it_does_not_fully_understand_go_to_the_general_reader() {
    let message = r#"{"type":"message","content":[{"type":"text","text":"hi"}]}"#;
    assert!(decode_common_line(&line_with_message(message)).is_some());
    let others = [
        // Other result types, and a success without a message.
        r#"{"custom_id":"a","result":{"type":"errored","error":{"type":"error","error":{"type":"api_error","message":"m"}}}}"#.to_owned(),
        r#"{"custom_id":"a","result":{"type":"canceled"}}"#.to_owned(),
        r#"{"custom_id":"a","result":{"type":"expired"}}"#.to_owned(),
        r#"{"custom_id":"a","result":{"type":"succeeded","message":null}}"#.to_owned(),
        r#"{"custom_id":"a","result":{"type":"succeeded"}}"#.to_owned(),
        r#"{"custom_id":"a","result":{"message":{"type":"message","content":[]}}}"#.to_owned(),
        // No custom id, or a null one; no result.
        format!(r#"{{"result":{{"type":"succeeded","message":{message}}}}}"#),
        format!(r#"{{"custom_id":null,"result":{{"type":"succeeded","message":{message}}}}}"#),
        r#"{"custom_id":"a"}"#.to_owned(),
        // Duplicates and escaped keys, at each level.
        format!(r#"{{"custom_id":"a","custom_id":"b","result":{{"type":"succeeded","message":{message}}}}}"#),
        format!(r#"{{"custom_\u0069d":"a","result":{{"type":"succeeded","message":{message}}}}}"#),
        format!(r#"{{"custom_id":"a","result":{{"type":"succeeded","type":"succeeded","message":{message}}}}}"#),
        format!(r#"{{"custom_id":"a","result":{{"type":"succeeded","message":{message},"error":null,"error":null}}}}"#),
        line_with_message(r#"{"type":"message","content":[],"content":[]}"#),
        line_with_message(r#"{"type":"message","\u0069d":"x","content":[]}"#),
        line_with_message(r#"{"type":"message","content":[],"usage":{"input_tokens":1,"input_tokens":2}}"#),
        line_with_message(r#"{"type":"message","content":[{"type":"text","text":"a","text":"b"}]}"#),
        // Not a message by its type (the general reader decides by content and role, or refuses).
        line_with_message(r#"{"content":[],"role":"assistant"}"#),
        line_with_message(r#"{"type":"completion","content":[]}"#),
        // Blocks the general reader refuses, or reads into values that might not be what they seem.
        line_with_message(r#"{"type":"message","content":[{"type":"text","text":null}]}"#),
        line_with_message(r#"{"type":"message","content":[{"type":"text"}]}"#),
        line_with_message(r#"{"type":"message","content":[{"text":"no type"}]}"#),
        line_with_message(r#"{"type":"message","content":[["text","array form"]]}"#),
        line_with_message(r#"{"type":"message","content":[{"type":"tool_use","input":{}}]}"#),
        line_with_message(r#"{"type":"message","content":[{"type":"tool_use","name":"f","input":1e400}]}"#),
        line_with_message(r#"{"type":"message","content":[{"type":"text","text":"a","citations":[1e400]}]}"#),
        line_with_message(r#"{"type":"message","content":[{"type":"text","text":"a","signature":5}]}"#),
        line_with_message(r#"{"type":"message","content":"a string"}"#),
        // Counts that are not plain unsigned integers; a lone surrogate; trailing text.
        line_with_message(r#"{"type":"message","content":[],"usage":{"input_tokens":1.0}}"#),
        line_with_message(r#"{"type":"message","content":[],"usage":{"output_tokens":-0}}"#),
        line_with_message(r#"{"type":"message","content":[],"usage":{"cache_creation":{"ephemeral_5m_input_tokens":"1"}}}"#),
        line_with_message(r#"{"type":"message","content":[{"type":"text","text":"\ud800"}]}"#),
        format!("{} x", line_with_message(message)),
    ];
    for (number, other) in others.iter().enumerate() {
        assert!(decode_common_line(other).is_none(), "{other}");
        same_as_general_reader(other, number);
    }
}

#[test]
fn keys_are_read_whatever_the_position_of_what_ends_them() {
    // A key of any length is read as the general reader reads it (unknown keys are skipped); an
    // escape, a control character or a quote missing at any position sends the line back.
    for length in 0..24 {
        let key = "k".repeat(length);
        let line = line_with_message(&format!(r#"{{"type":"message","{key}":1,"content":[]}}"#));
        assert!(same_as_general_reader(&line, length), "{line}");
        for special in ["\\u006b", "\\n", "\t", "\u{1f}"] {
            for position in 0..=length {
                let key = format!("{}{special}{}", "k".repeat(position), "k".repeat(length - position));
                let line = line_with_message(&format!(r#"{{"type":"message","{key}":1,"content":[]}}"#));
                assert!(decode_common_line(&line).is_none(), "{line:?}");
                same_as_general_reader(&line, position);
            }
        }
        let cut = format!(r#"{{"custom_id":"a","result":{{"type":"succeeded","message":{{"{key}"#);
        assert!(decode_common_line(&cut).is_none(), "{cut:?}");
    }
}

#[test]
fn the_scanner_hands_out_only_valid_json() {
    // `raw` is the message's span, not checked again by serde_json: wherever the scanner answers,
    // it must be valid JSON (debug builds assert it), and an invalid one must go to the general
    // reader. The values below sit in a key the message does not read, and in a block's.
    let valid =
        ["0", "-0.5e+3", "1E9", "true", "null", r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#, "[]", r#"{"a":[{}]}"#];
    for value in valid {
        let line = line_with_message(&format!(r#"{{"type":"message","extra":{value},"content":[]}}"#));
        assert!(same_as_general_reader(&line, 0), "{line}");
        let line = line_with_message(&format!(
            r#"{{"type":"message","content":[{{"type":"text","text":"a","extra":{value}}}]}}"#
        ));
        assert!(same_as_general_reader(&line, 0), "{line}");
    }
    let invalid = [
        "-",
        "+1",
        ".5",
        "1.",
        "01",
        "1e",
        "NaN",
        "tru",
        "nulll",
        "[1,]",
        "[1 2]",
        r#"{"a":1,}"#,
        r#"{"a"}"#,
        "{1:2}",
        r#""\x""#,
        r#""\u12G4""#,
        r#""\ud800""#,
        r#""\udc00""#,
        r#""abc"#,
        "'a'",
        "\"a\tb\"",
    ];
    for value in invalid {
        for line in [
            line_with_message(&format!(r#"{{"type":"message","extra":{value},"content":[]}}"#)),
            line_with_message(&format!(
                r#"{{"type":"message","content":[{{"type":"text","text":"a","extra":{value}}}]}}"#
            )),
            format!(
                r#"{{"custom_id":"a","extra":{value},"result":{{"type":"succeeded","message":{{"type":"message"}}}}}}"#
            ),
        ] {
            assert!(decode_common_line(&line).is_none(), "{line}");
            same_as_general_reader(&line, 0);
        }
    }
    let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(same_as_general_reader(&line_with_message(&format!(r#"{{"type":"message","x":{}}}"#, deep(60))), 0));
    assert!(decode_common_line(&line_with_message(&format!(r#"{{"type":"message","x":{}}}"#, deep(200)))).is_none());
}

/// A message whose blocks are all of kinds not read (server tool calls and their results) is no
/// answer: the one-pass reader leaves it to the general one, which says so (`unknown_body`, not an
/// empty success); with one block read beside them, it is an answer.
#[test]
fn a_message_of_only_unread_blocks_is_no_answer() {
    let only_unread = line_with_message(
        r#"{"type":"message","content":[{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"q"}},{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":1}}"#,
    );
    assert!(decode_common_line(&only_unread).is_none());
    let result = AnthropicLineDecoder.decode_line(only_unread.as_bytes(), 1);
    assert_eq!(result.status, crate::model::ResultStatus::Errored);
    let error = result.error.unwrap();
    assert_eq!(error.code, "unknown_body");
    assert!(!error.retryable);
    assert!(
        error.message.contains("no content block of the message is text, thinking or a tool call"),
        "{}",
        error.message
    );
    assert!(error.raw.unwrap().get().contains("srvtoolu_1"));
    // An empty `content` stays an answer (Claude may end a turn with no block).
    let empty = line_with_message(r#"{"type":"message","content":[],"stop_reason":"end_turn"}"#);
    assert_eq!(AnthropicLineDecoder.decode_line(empty.as_bytes(), 1).status, crate::model::ResultStatus::Succeeded);
}
