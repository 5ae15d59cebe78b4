//! Fields of an answer read from a JSON value by their type. Absent or null is no value; a value of
//! a JSON type the field does not take is an error naming the field's path and what it takes, in
//! JSON's words. It is never read as absent: an answer whose text was an object, a boolean or a
//! number was an empty success (found by a new-user trial), and must be an errored result with the
//! body kept in `raw`. Paths are built only when there is an error (`path` is called then).

use serde_json::Value;

/// `value[key]` as text: `None` when absent or null.
pub(crate) fn text<'v>(value: &'v Value, key: &str, path: &dyn Fn() -> String) -> Result<Option<&'v str>, String> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(wrong_type(&format!("{}.{key}", path()), other, "a string")),
    }
}

/// `value[key]` as an array: `None` when absent or null.
pub(crate) fn array<'v>(
    value: &'v Value,
    key: &str,
    path: &dyn Fn() -> String,
    expected: &str,
) -> Result<Option<&'v [Value]>, String> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(other) => Err(wrong_type(&format!("{}.{key}", path()), other, expected)),
    }
}

/// `path: invalid type: <what was found>, expected <expected>`, as serde's messages read once in
/// JSON's words (`crate::error::in_json_words`).
pub(crate) fn wrong_type(path: &str, found: &Value, expected: &str) -> String {
    let found = match found {
        Value::Null => "null".to_owned(),
        Value::Bool(value) => format!("boolean `{value}`"),
        Value::Number(number) => format!("number `{number}`"),
        Value::String(text) if text.chars().count() <= 40 => format!("string {}", Value::String(text.clone())),
        Value::String(_) => "string".to_owned(),
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    };
    let path = path.strip_prefix('.').unwrap_or(path);
    format!("{path}: invalid type: {found}, expected {expected}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_field_of_another_type_is_an_error_at_its_path_never_absent() {
        let value = json!({"a": "x", "b": null, "c": 5, "d": {"k": 1}, "e": [1], "f": true});
        let path = || "choices[0].message".to_owned();
        assert_eq!(text(&value, "a", &path), Ok(Some("x")));
        assert_eq!(text(&value, "b", &path), Ok(None));
        assert_eq!(text(&value, "missing", &path), Ok(None));
        assert_eq!(
            text(&value, "c", &path),
            Err("choices[0].message.c: invalid type: number `5`, expected a string".to_owned())
        );
        assert_eq!(
            text(&value, "d", &path),
            Err("choices[0].message.d: invalid type: object, expected a string".to_owned())
        );
        assert_eq!(
            text(&value, "f", &|| String::new()),
            Err("f: invalid type: boolean `true`, expected a string".to_owned())
        );
        assert_eq!(array(&value, "e", &path, "an array").map(|items| items.map(<[Value]>::len)), Ok(Some(1)));
        assert_eq!(
            array(&value, "a", &path, "an array of parts"),
            Err("choices[0].message.a: invalid type: string \"x\", expected an array of parts".to_owned())
        );
    }
}
