//! The one-pass reader of common lines (`fast_line.rs`) against the general reader, on many
//! generated variants of Gemini result lines: wherever the one-pass reader answers, both results
//! must be the same, `raw` included.

use super::fast_line::{decode_common_line, scan_common_line};
use super::GoogleLineDecoder;
use crate::providers::scan_test_support::{
    agree_on_generated_lines, maybe, object, string, text, whole_line, Json, Random,
};

/// Token counts as the spec's int32 numbers or proto3 JSON's strings; the last seven are not read
/// by the one-pass reader (some not by the general reader either) and are only on wild lines.
const COUNTS: &[&str] = &[
    "0",
    "7",
    "42",
    "\"42\"",
    "\"0\"",
    "\"+42\"",
    "\"007\"",
    "\"\\u0034\\u0032\"",
    "null",
    "-1",
    "1.0",
    "1e2",
    "\" 42\"",
    "\"\"",
    "\"forty\"",
    "true",
];

/// A count of one of the pairs the conversion adds (`promptTokenCount` + `toolUsePromptTokenCount`,
/// `candidatesTokenCount` + `thoughtsTokenCount`): small, so that the sum cannot overflow.
fn count(random: &Random) -> Json {
    if random.one_in(3) {
        text(random.pick_tame(COUNTS, 7))
    } else {
        Json::Text(random.below(5000).to_string())
    }
}

/// A count the conversion does not add up, large ones included.
fn large_count(random: &Random) -> Json {
    match random.variant(8, 2) {
        0 => text("18446744073709551616"),
        1 => text("\"18446744073709551616\""),
        2 => text("18446744073709551615"),
        3 => text("\"18446744073709551615\""),
        _ => count(random),
    }
}

fn usage(random: &Random) -> Json {
    let details = text(r#"[{"modality":"TEXT","tokenCount":42},{"modality":"IMAGE","tokenCount":"258"}]"#);
    let optional =
        |random: &Random, times: usize, value: Json| if random.one_in(times) { maybe(random, value) } else { None };
    object(
        random,
        vec![
            ("promptTokenCount", maybe(random, count(random))),
            ("candidatesTokenCount", maybe(random, count(random))),
            ("totalTokenCount", maybe(random, large_count(random))),
            ("cachedContentTokenCount", optional(random, 3, large_count(random))),
            ("thoughtsTokenCount", optional(random, 2, count(random))),
            ("toolUsePromptTokenCount", optional(random, 4, count(random))),
            ("promptTokensDetails", optional(random, 2, details)),
            ("candidatesTokensDetails", if random.one_in(4) { Some(text("[]")) } else { None }),
        ],
    )
}

fn part(random: &Random) -> Json {
    let thought = match random.variant(10, 2) {
        0 => text("null"),
        1 => text("\"true\""),
        2 | 3 => text("true"),
        4 => text("false"),
        _ => text("false"),
    };
    let function_call = match random.variant(12, 1) {
        0 => Some(text(r#"{"name":"lookup","args":{"q":"x"}}"#)),
        1 => Some(text("null")),
        _ => None,
    };
    object(
        random,
        vec![
            ("text", if random.rare(10) { None } else { maybe(random, string(random)) }),
            ("thought", if random.one_in(3) { Some(thought) } else { None }),
            ("thoughtSignature", if random.one_in(5) { maybe(random, text("\"c2lnbmF0dXJl\"")) } else { None }),
            ("functionCall", function_call),
            (
                "inlineData",
                if random.one_in(20) { Some(text(r#"{"mimeType":"image/png","data":"iVBO"}"#)) } else { None },
            ),
        ],
    )
}

fn content(random: &Random) -> Json {
    let parts = match random.variant(12, 1) {
        0 => text("null"),
        1 => text("[]"),
        2 | 3 => Json::Array(vec![part(random), part(random)]),
        4 => Json::Array(vec![part(random), part(random), part(random)]),
        _ => Json::Array(vec![part(random)]),
    };
    object(
        random,
        vec![("parts", if random.one_in(15) { None } else { Some(parts) }), ("role", maybe(random, text("\"model\"")))],
    )
}

fn candidate(random: &Random) -> Json {
    let index = match random.variant(8, 3) {
        0 => text("4294967296"),
        1 => text(random.pick(&["-1", "0.0", "1e0", "\"0\"", "true"])),
        2 => text("4294967295"),
        3 => text("3"),
        _ => text("0"),
    };
    let finish_reason = text(random.pick_tame(
        &[
            "\"STOP\"",
            "\"STOP\"",
            "\"MAX_TOKENS\"",
            "\"SAFETY\"",
            "\"PROHIBITED_CONTENT\"",
            "\"SPII\"",
            "\"RECITATION\"",
            "\"OTHER\"",
            "\"WEIRD\"",
            "7",
        ],
        1,
    ));
    let safety_ratings = text(
        r#"[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH","blocked":true}]"#,
    );
    let citations =
        text(r#"{"citationSources":[{"startIndex":3,"endIndex":120,"uri":"https://example.com/a","license":""}]}"#);
    object(
        random,
        vec![
            ("content", if random.rare(20) { None } else { maybe(random, content(random)) }),
            ("finishReason", maybe(random, finish_reason)),
            ("index", maybe(random, index)),
            ("safetyRatings", if random.one_in(3) { Some(safety_ratings) } else { None }),
            ("citationMetadata", if random.one_in(5) { Some(citations) } else { None }),
            (
                "avgLogprobs",
                if random.one_in(3) { Some(text(random.pick(&["-0.1834", "-1.5e-3", "0"]))) } else { None },
            ),
            ("tokenCount", if random.one_in(8) { Some(text("61")) } else { None }),
            (
                "finishMessage",
                if random.one_in(10) { Some(if random.rare(10) { text("[1]") } else { string(random) }) } else { None },
            ),
        ],
    )
}

fn body(random: &Random, index: usize) -> Json {
    let candidates = match random.variant(20, 3) {
        0 => text("[]"),
        1 => text("null"),
        2 => Json::Array(vec![candidate(random), candidate(random)]),
        _ => Json::Array(vec![candidate(random)]),
    };
    let feedback = match random.variant(6, 1) {
        0 => text(r#"{"blockReason":"PROHIBITED_CONTENT"}"#),
        1 => text(
            r#"{"blockReason":null,"safetyRatings":[{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"NEGLIGIBLE"}]}"#,
        ),
        _ => text(r#"{"safetyRatings":[]}"#),
    };
    object(
        random,
        vec![
            ("candidates", if random.rare(20) { None } else { Some(candidates) }),
            ("promptFeedback", if random.one_in(4) { maybe(random, feedback) } else { None }),
            ("usageMetadata", maybe(random, usage(random))),
            ("modelVersion", maybe(random, text("\"gemini-2.5-flash\""))),
            ("responseId", maybe(random, Json::Text(format!("\"response-{index}\"")))),
            ("embedding", if random.rare(30) { Some(text(r#"{"values":[0.1,-0.2]}"#)) } else { None }),
        ],
    )
}

fn line(random: &Random, index: usize) -> String {
    let response = match random.variant(30, 3) {
        0 => text("null"),
        1 => text("{}"),
        2 => text(r#"{"embedding":{"values":[0.5]}}"#),
        _ => body(random, index),
    };
    let error = match random.variant(12, 2) {
        0 => text(r#"{"code":8,"message":"Resource has been exhausted (e.g. check quota)."}"#),
        1 => text(r#"{"code":499,"message":"cancelled","status":"CANCELLED"}"#),
        _ => text("null"),
    };
    let key = match random.variant(12, 3) {
        0 => text("\"\""),
        1 => text("7"),
        2 => text("null"),
        3 => string(random),
        // A part of an embeddings request of several texts (`fan_out`).
        4 => Json::Text(format!("\"request-{index}#1/2\"")),
        _ => Json::Text(format!("\"request-{index}\"")),
    };
    let line = object(
        random,
        vec![
            ("key", if random.rare(20) { None } else { Some(key) }),
            ("response", if random.rare(20) { None } else { Some(response) }),
            ("error", if random.one_in(5) { Some(error) } else { None }),
            ("attribution", if random.rare(20) { Some(text(r#"{"by":"position","position":3}"#)) } else { None }),
        ],
    );
    whole_line(random, &line)
}

fn general(text: &str, line_number: usize) -> String {
    let result = GoogleLineDecoder::new("google").decode_any_line(text, line_number);
    serde_json::to_string(&result).unwrap()
}

fn same_as_general_reader(text: &str, line_number: usize) -> bool {
    let Some(fast) = decode_common_line(text) else {
        return false;
    };
    let fast = serde_json::to_string(&fast).unwrap();
    assert_eq!(fast, general(text, line_number), "line {line_number}: {text}");
    // The view the result is built from is written as that result.
    let view = serde_json::to_string(&scan_common_line(text).unwrap()).unwrap();
    assert_eq!(view, fast, "line {line_number}: {text}");
    true
}

#[test]
fn the_one_pass_reader_agrees_with_the_general_reader() {
    agree_on_generated_lines(0x2545_F491_4F6C_DD1D, |random, index| {
        same_as_general_reader(&line(random, index), index + 1)
    });
}

#[test]
fn the_bench_line_takes_the_one_pass_reader() {
    let line = r#"{"key":"request-0","response":{"candidates":[{"content":{"parts":[{"text":"The answer."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":42,"candidatesTokenCount":61,"totalTokenCount":103},"modelVersion":"gemini-2.5-flash","responseId":"response-0"}}"#;
    assert!(same_as_general_reader(line, 1));
    let result = decode_common_line(line).unwrap();
    let response = result.response.unwrap();
    assert_eq!(result.custom_id, "request-0");
    assert_eq!(response.text, "The answer.");
    assert_eq!(response.usage.unwrap().output_tokens, 61);
    assert!(response.raw.get().starts_with(r#"{"candidates":"#) && response.raw.get().ends_with("\"response-0\"}"));
}

#[test]
fn the_fixture_s_answers_take_the_one_pass_reader_and_its_other_lines_do_not() {
    let fixture = super::tests::fixture("responses.jsonl");
    let taken: Vec<bool> =
        fixture.lines().enumerate().map(|(index, line)| same_as_general_reader(line, index + 1)).collect();
    // Lines 3 (a safety stop: its refusal part takes `finishMessage`), 4 (a blocked prompt, no
    // candidate) and 5 (an error) are the general reader's.
    assert_eq!(taken, [true, true, false, false, false, true]);
}

#[test]
fn real_fields_the_general_reader_skips_are_skipped() {
    // Thinking (thought parts, thoughtsTokenCount), safety ratings, citations, logprobs, counts as
    // proto3 JSON strings, modality details, prompt feedback without a block.
    let line = r#"{"key":"q-1","response":{"candidates":[{"content":{"parts":[{"text":"Let me think.","thought":true,"thoughtSignature":"c2ln"},{"text":"Qubits can be 0, 1 or both."}],"role":"model"},"finishReason":"STOP","index":0,"safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"}],"citationMetadata":{"citationSources":[{"startIndex":1,"endIndex":9,"uri":"https://example.com"}]},"avgLogprobs":-0.21,"tokenCount":12}],"promptFeedback":{"safetyRatings":[]},"usageMetadata":{"promptTokenCount":"9","candidatesTokenCount":12,"thoughtsTokenCount":"300","cachedContentTokenCount":4,"totalTokenCount":"321","promptTokensDetails":[{"modality":"TEXT","tokenCount":9}]},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}}"#;
    assert!(same_as_general_reader(line, 1));
    let response = decode_common_line(line).unwrap().response.unwrap();
    assert_eq!(response.text, "Qubits can be 0, 1 or both.");
    let usage = response.usage.unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.reasoning_tokens), (9, 312, Some(300)));
}

#[test]
fn lines_it_does_not_fully_understand_go_to_the_general_reader() {
    let common = r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}}"#;
    assert!(same_as_general_reader(common, 1));
    for other in [
        // Duplicate key, escaped key, a key the result depends on (inline answers without a key).
        r#"{"key":"a","key":"b","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}}"#,
        r#"{"k\u0065y":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi","text":"ho"}]}}]}}"#,
        r#"{"key":"a","attribution":{"by":"position","position":0},"response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}}"#,
        // No key, an empty one: the general reader attributes the answer to no request.
        r#"{"response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}}"#,
        r#"{"key":"","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}}"#,
        // An error, an embedding, a function call, no candidate, several, a blocked prompt.
        r#"{"key":"a","error":{"code":8,"message":"Resource has been exhausted"}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]},"error":{"code":8}}"#,
        r#"{"key":"a","response":{"embedding":{"values":[0.1]}}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}]}}]}}"#,
        r#"{"key":"a","response":{"candidates":[]}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"a"}]}},{"content":{"parts":[{"text":"b"}]}}]}}"#,
        r#"{"key":"a","response":{"promptFeedback":{"blockReason":"SAFETY"}}}"#,
        // Counts that are not a plain unsigned integer or a string of one, a thought that is null.
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}],"usageMetadata":{"promptTokenCount":1.0}}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}],"usageMetadata":{"promptTokenCount":"1.0"}}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}],"usageMetadata":{"promptTokenCount":-3}}}"#,
        r#"{"key":"a","response":{"candidates":[{"index":4294967296,"content":{"parts":[{"text":"hi"}]}}]}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi","thought":null}]}}]}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":null}}]}}"#,
        // A lone surrogate, trailing text.
        r#"{"key":"\ud800","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}}"#,
        r#"{"key":"a","response":{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}} x"#,
    ] {
        assert!(decode_common_line(other).is_none(), "{other}");
    }
}

#[test]
fn fanned_out_answers_still_merge() {
    // A generate answer under a fanned-out key is read in one pass, then held and merged by
    // `FanIn` as before (here: not an embedding, so the request fails naming the input).
    use crate::model::ResultStatus;
    use crate::results::LineDecoder;
    let part = |index: usize| {
        format!(r#"{{"key":"q#{index}/2","response":{{"candidates":[{{"content":{{"parts":[{{"text":"hi"}}]}}}}]}}}}"#)
    };
    assert!(decode_common_line(&part(0)).is_some());
    let mut decoder = GoogleLineDecoder::new("google");
    let mut out = Vec::new();
    decoder.decode_into(part(0).as_bytes(), 1, &mut out);
    assert!(out.is_empty());
    decoder.decode_into(part(1).as_bytes(), 2, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].custom_id.as_str(), out[0].status), ("q", ResultStatus::Errored));
    assert!(out[0].error.as_ref().unwrap().message.contains("input(s) 0, 1 failed"), "{:?}", out[0].error);
}

#[test]
fn strings_are_read_whatever_the_position_of_what_ends_a_plain_run() {
    // A quote, an escape or a multibyte character anywhere in a string is read as the general
    // reader reads it; a raw control character sends the line to the general reader.
    for special in ["\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "é", "😀", "\u{7f}", "\t", "\u{1f}"] {
        for position in 0..20 {
            let value = format!("{}{special}{}", "a".repeat(position), "b".repeat(9));
            let is_control = special.len() == 1 && special.as_bytes()[0] < 0x20;
            for line in [
                format!(
                    r#"{{"key":"a","response":{{"candidates":[{{"content":{{"parts":[{{"text":"{value}"}}]}}}}]}}}}"#
                ),
                format!(
                    r#"{{"key":"{value}","response":{{"candidates":[{{"content":{{"parts":[{{"text":"hi"}}]}}}}]}}}}"#
                ),
            ] {
                assert_eq!(same_as_general_reader(&line, position + 1), !is_control, "{line}");
            }
        }
    }
}

/// A common line whose body's unknown field `x` and candidate's `safetyRatings` (both skipped by
/// the general reader) are the given JSON texts.
fn line_with(unknown: &str, ratings: &str) -> String {
    format!(
        r#"{{"key":"a","response":{{"x":{unknown},"candidates":[{{"safetyRatings":{ratings},"content":{{"parts":[{{"text":"hi"}}]}}}}]}}}}"#
    )
}

#[test]
fn the_scanner_hands_out_only_valid_json() {
    // `raw` is not checked again by serde_json: wherever the scanner answers, the body must be
    // valid JSON (debug builds assert it), and every invalid body must go to the general reader,
    // whose outcome is then the decoder's.
    let valid_values = [
        "0",
        "-0",
        "-12",
        "-0.5e+3",
        "2e-7",
        "123456789012345678901234567890",
        "true",
        "false",
        "null",
        r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#,
        "[]",
        "{}",
        r#"[ 1 , [ ] , { } , "x" , null ]"#,
        r#"{"a":{"b":[true,false,{"c":-1.5}]},"d":""}"#,
    ];
    for value in valid_values {
        assert!(same_as_general_reader(&line_with(value, "[]"), 1), "{value}");
        assert!(same_as_general_reader(&line_with("1", value), 1), "{value}");
    }
    let invalid_values = [
        "-",
        "+1",
        ".5",
        "1.",
        "01",
        "1e",
        "--1",
        "NaN",
        "tru",
        "nulll",
        "True",
        "[1,]",
        "[1 2]",
        "[",
        "]",
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        r#"{1:2}"#,
        r#"{"a":1"#,
        "[[]",
        r#""\x""#,
        r#""\u12G4""#,
        r#""\ud800""#,
        r#""\udc00""#,
        r#""abc"#,
        "'a'",
    ];
    for value in invalid_values {
        for line in [line_with(value, "[]"), line_with("1", value)] {
            assert!(decode_common_line(&line).is_none(), "{line}");
        }
    }
    let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(same_as_general_reader(&line_with(&deep(60), "[]"), 1));
    assert!(decode_common_line(&line_with(&deep(200), "[]")).is_none());
    for control in ["\t", "\n", "\u{1f}", "\u{0}"] {
        let value = format!("\"a{control}b\"");
        for line in [line_with(&value, "[]"), line_with("1", &format!("[{{\"{control}\":1}}]"))] {
            assert!(decode_common_line(&line).is_none(), "{line:?}");
        }
    }
}
