use serde::Deserialize;
use serde_json::{json, Value};

use super::{from_slice, from_str};

/// Decimals of 15 to 17 digits and the doubles `JSON.parse` reads them as (bit patterns written
/// out, so that the reference is not the reader under test). serde_json's default reader (what
/// remains without `float_roundtrip`) is one unit off in the last place for the first ones.
const NEAREST: [(&str, u64); 6] = [
    ("95.77548080123961", 0x4057_f1a1_7a3a_0000),
    ("0.30000000000000004", 0x3fd3_3333_3333_3334),
    ("123456.78901234567", 0x40fe_240c_9fcb_68cd),
    ("1.7976931348623157e308", 0x7fef_ffff_ffff_ffff),
    ("2.2250738585072014e-308", 0x0010_0000_0000_0000),
    ("-8.98846567431158e307", 0xffe0_0000_0000_0000),
];

#[test]
fn numbers_are_the_nearest_double() {
    let mut default_reader_misses = 0;
    for (text, bits) in NEAREST {
        let value = from_str(&format!(r#"{{"x":[{text}]}}"#)).unwrap();
        assert_eq!(value["x"][0].as_f64().map(f64::to_bits), Some(bits), "{text}");
        assert_eq!(super::read_numbers(&format!("[ {text} ,{text}]")).unwrap(), [f64::from_bits(bits); 2], "{text}");
        default_reader_misses += usize::from(serde_json::from_str::<f64>(text).unwrap().to_bits() != bits);
    }
    // The test has teeth: serde_json's own reader gets some of them wrong.
    assert!(default_reader_misses > 0);
}

#[test]
fn number_kinds_are_serde_jsons() {
    for text in [
        "0",
        "-0",
        "-0.0",
        "7",
        "-7",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1e2",
        "1E+2",
        "-1.5e-3",
        "1e-400",
        "-1e-400",
        "0e99999999999",
        "123456789012345678901234567890",
    ] {
        let exact = from_str(text).unwrap();
        let serde: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            (exact.is_u64(), exact.is_i64(), exact.is_f64()),
            (serde.is_u64(), serde.is_i64(), serde.is_f64()),
            "{text}"
        );
        assert_eq!(exact.to_string(), serde.to_string(), "{text}");
    }
    assert!(from_str("-0").unwrap().as_f64().unwrap().is_sign_negative());
}

#[test]
fn values_and_errors_are_serde_jsons() {
    let texts = [
        r#" {"a": [1, -2, true, false, null, "x\"\u00e9\ud83d\ude00\n"], "b\\c": {}, "a": 3, "d": [] } "#,
        r#"[{"k":{"k":[[],{}]}}, "", -0]"#,
        "\"text\"",
        // Refused: every error as serde_json words and places it.
        "",
        "{",
        "[1,]",
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        "[01]",
        "[1.]",
        "[1e]",
        "[-]",
        "{\"a\":\"\u{1}\"}",
        r#""\ud800""#,
        r#""\x""#,
        "1 2",
        "nul",
        "[1e400]",
        "[-1e400]",
        r#"{"a":tru}"#,
    ];
    for text in texts {
        let serde = serde_json::from_str::<Value>(text);
        match from_str(text) {
            Ok(value) => assert_eq!(value, serde.unwrap(), "{text}"),
            Err(error) => assert_eq!(error.to_string(), serde.unwrap_err().to_string(), "{text}"),
        }
        let bytes = from_slice(text.as_bytes()).map_err(|error| error.to_string());
        assert_eq!(bytes, from_str(text).map_err(|error| error.to_string()), "{text}");
    }
    // Key order and a repeated key's place are serde_json's (preserve_order).
    let value = from_str(r#"{"z":1,"a":2,"z":3}"#).unwrap();
    assert_eq!(value.as_object().unwrap().keys().collect::<Vec<_>>(), ["z", "a"]);
    assert_eq!(value, json!({"z": 3, "a": 2}));
    assert_eq!(
        from_slice(b"[\"\xff\"]").unwrap_err().to_string(),
        serde_json::from_slice::<Value>(b"[\"\xff\"]").unwrap_err().to_string()
    );
}

#[test]
fn nesting_stops_where_serde_jsons_does() {
    for depth in [126, 127, 128, 129] {
        let text = format!("{}1.5{}", "[".repeat(depth), "]".repeat(depth));
        let serde = serde_json::from_str::<Value>(&text).map_err(|error| error.to_string());
        assert_eq!(from_str(&text).map_err(|error| error.to_string()), serde, "{depth}");
    }
}

#[derive(Deserialize, Debug, PartialEq)]
struct Answer {
    #[serde(deserialize_with = "super::value")]
    input: Value,
    #[serde(default, deserialize_with = "super::optional_value")]
    args: Option<Value>,
    #[serde(default, deserialize_with = "super::numbers")]
    values: Vec<f64>,
}

#[test]
fn fields_are_read_exactly_and_refused_as_serde_refuses_them() {
    let answer: Answer = serde_json::from_str(
        r#"{"input":{"x":95.77548080123961},"args":{"y":"\u0041"},"values":[0.30000000000000004, 2]}"#,
    )
    .unwrap();
    assert_eq!(answer.input["x"].as_f64(), Some(f64::from_bits(0x4057_f1a1_7a3a_0000)));
    assert_eq!(answer.args, Some(json!({"y": "A"})));
    assert_eq!(answer.values, [f64::from_bits(0x3fd3_3333_3333_3334), 2.0]);
    let answer: Answer = serde_json::from_str(r#"{"input":null,"args":null}"#).unwrap();
    assert_eq!((answer.input, answer.args, answer.values), (Value::Null, None, vec![]));
    // A wrong vector is refused with serde's wording, placed at the end of the value.
    let error = serde_json::from_str::<Answer>(r#"{"input":1,"values":[1,"a"]}"#).unwrap_err();
    assert_eq!(error.to_string(), "invalid type: string \"a\", expected f64 at line 1 column 28");
    // A number out of range is refused as before, placed after its value (serde_json: after the number).
    let error = serde_json::from_str::<Answer>(r#"{"input":[1e999]}"#).unwrap_err();
    assert_eq!(error.to_string(), "number out of range at line 1 column 17");
}

/// Lines with bytes that are not UTF-8 in every place a line can hold them, against
/// `serde_json::from_slice` itself: in and out of strings (keys and values, before and after
/// escapes, surrogate pairs and other multi-byte characters), strings that never close, and text
/// that serde_json refuses before or after the bad byte for another reason.
#[test]
fn bytes_that_are_not_utf8_get_serde_jsons_error() {
    let lines: [&[u8]; 14] = [
        br#"{"custom_id":"r-1","method":"POST","body":{"messages":[{"role":"user","content":"hi"}]}}"#,
        br#"{"a":"x\n\"y\u00e9\ud83d\ude00z\/","b":[1,-2.5e3,true,false,null]}"#,
        "{\"caf\u{e9}\": \"\u{1f600}\u{20ac}\\u20ac\", \"n\": 1}\n".as_bytes(),
        b"  [\"a\", \"b\"]  ",
        br#"{"a":"\u12"}"#,
        br#"{"a":"ok" "b":1}"#,
        b"{\"a\":\"tab\there\"}",
        br#"{"a":"\ud800x"}"#,
        br#"["\uDBFF\uDFFF\u0041"]"#,
        br#"{"unclosed":"abc"#,
        b"{\"a\":1,\n\"b\":\"two\nlines\"}",
        br#"[fals, tru]"#,
        b"[1]\n[2]",
        b"\"\\\\\"",
    ];
    let bad: [&[u8]; 5] = [b"\xff", b"\xc3", b"\xe2\x82", b"\x80", b"\xc3(\xa9"];
    let mut compared = 0;
    for line in lines {
        for at in 0..=line.len() {
            for sequence in bad {
                for replace in [false, true] {
                    let mut bytes = line[..at].to_vec();
                    bytes.extend_from_slice(sequence);
                    bytes.extend_from_slice(&line[(at + usize::from(replace)).min(line.len())..]);
                    if std::str::from_utf8(&bytes).is_ok() {
                        continue;
                    }
                    let expected = serde_json::from_slice::<Value>(&bytes).unwrap_err().to_string();
                    assert_eq!(from_slice(&bytes).unwrap_err().to_string(), expected, "{}", bytes.escape_ascii());
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 1000, "{compared}");
}
