//! A JSON value's compact text, as `Value`'s `Display` (`to_string`) writes it. That `Display`
//! carries its own copy of serde_json's writer, with a pretty-printing one beside it (about 4 KB
//! of wasm); this writes through serde_json's writer into a `Vec<u8>`, the one every line writer
//! uses already. The text is the same byte for byte.

use serde_json::Value;

/// `value.to_string()`, through the writer every line writer shares.
pub(crate) fn compact(value: &Value) -> String {
    // A `Value` always serializes (its keys are strings), and serde_json writes valid UTF-8.
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_what_display_writes() {
        let values = [
            json!(null),
            json!(true),
            json!(-0.0),
            json!(1e300),
            json!(0.1),
            json!(-17),
            json!(u64::MAX),
            json!("tab\tquote\"slash\\ control\u{1} é 😀"),
            json!({"b": [1, 2.5, {"c": null}], "a": {}, "": []}),
        ];
        for value in values {
            assert_eq!(compact(&value), value.to_string());
        }
        assert_eq!(compact(&json!({"b": [1, 2.5], "a": "x"})), r#"{"b":[1,2.5],"a":"x"}"#);
    }
}
