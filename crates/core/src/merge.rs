//! Deep merge of `providerKwargs` into a provider body: objects merge key by key, anything else
//! (arrays included) is replaced by the user's value.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

pub fn deep_merge(target: &mut Map<String, Value>, overrides: &Map<String, Value>) {
    for (key, value) in overrides {
        match (target.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => deep_merge(existing, incoming),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// `body` as serde_json writes it with `overrides` deep-merged into it: the text of
/// `deep_merge(to_value(body), overrides)`, written without building the body a second time as a
/// `Value` (every body's serializer would be compiled twice). The bodies hold no `f32` and no
/// `RawValue` (whose text a `Value` would change) and no key twice, so their text is their
/// `Value`'s text; kept keys keep their place, objects merge key by key, anything else is replaced
/// by the user's value, and new keys follow in the user's order. `None` when the body is not an
/// object.
pub fn merged_text<B: Serialize + ?Sized>(
    body: &B,
    overrides: &Map<String, Value>,
) -> serde_json::Result<Option<Box<RawValue>>> {
    let text = serde_json::to_vec(body)?;
    if text.first() != Some(&b'{') {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(text.len() + 64);
    merge_object(&text, overrides, &mut out)?;
    // Only serde_json's output and whole slices of it were written: UTF-8 and one JSON object.
    let text = String::from_utf8(out).map_err(serde::ser::Error::custom)?;
    RawValue::from_string(text).map(Some)
}

/// Writes the object `text` (compact, as serde_json writes it) with `overrides` merged in.
fn merge_object(text: &[u8], overrides: &Map<String, Value>, out: &mut Vec<u8>) -> serde_json::Result<()> {
    // Each key as serde_json writes it, to find it in the text, and whether the text had it.
    let mut entries = Vec::with_capacity(overrides.len());
    for (key, value) in overrides {
        entries.push((serde_json::to_vec(key)?, value, false));
    }
    out.push(b'{');
    let mut index = 1;
    while text.get(index).is_some_and(|&byte| byte != b'}') {
        if index > 1 {
            // The comma before each member after the first.
            out.push(b',');
            index += 1;
        }
        let key_end = string_end(text, index);
        let key = &text[index..key_end];
        let value_start = key_end + 1;
        let value_end = value_end(text, value_start);
        let value = &text[value_start..value_end];
        out.extend_from_slice(key);
        out.push(b':');
        match entries.iter_mut().find(|(candidate, _, _)| candidate.as_slice() == key) {
            Some((_, incoming, merged)) => {
                *merged = true;
                match incoming {
                    Value::Object(incoming) if value.first() == Some(&b'{') => merge_object(value, incoming, out)?,
                    incoming => serde_json::to_writer(&mut *out, incoming)?,
                }
            }
            None => out.extend_from_slice(value),
        }
        index = value_end;
    }
    for (key, value, _) in entries.iter().filter(|(_, _, merged)| !merged) {
        if out.last() != Some(&b'{') {
            out.push(b',');
        }
        out.extend_from_slice(key);
        out.push(b':');
        serde_json::to_writer(&mut *out, value)?;
    }
    out.push(b'}');
    Ok(())
}

/// The index just past the string that opens at `start` (its closing quote included).
fn string_end(text: &[u8], start: usize) -> usize {
    let mut index = start + 1;
    while index < text.len() {
        match text[index] {
            b'\\' => index += 2,
            b'"' => return index + 1,
            _ => index += 1,
        }
    }
    text.len()
}

/// The index just past the value that starts at `start` in compact text.
fn value_end(text: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut index = start;
    while index < text.len() {
        match text[index] {
            b'"' => {
                index = string_end(text, index);
                if depth == 0 {
                    return index;
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth == 0 => return index,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return index + 1;
                }
            }
            b',' if depth == 0 => return index,
            _ => {}
        }
        index += 1;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the writers did before [`merged_text`]: `to_value`, then [`deep_merge`], then the text.
    fn through_value<B: Serialize>(body: &B, overrides: &Map<String, Value>) -> String {
        let mut value = serde_json::to_value(body).unwrap();
        deep_merge(value.as_object_mut().unwrap(), overrides);
        serde_json::to_string(&value).unwrap()
    }

    fn merged<B: Serialize>(body: &B, overrides: &Value) -> String {
        merged_text(body, overrides.as_object().unwrap()).unwrap().unwrap().get().to_owned()
    }

    #[test]
    fn the_merged_text_is_the_merged_values_text() {
        let body = json!({
            "model": "m", "messages": [{"role": "user", "content": "a \"quoted\" \\ line\n\u{1} é 😀"}],
            "nested": {"x": 1, "deeper": {"keep": [1, {"a": 2}], "replace": {"b": 3}}, "y": -0.0},
            "list": [{"a": 1}], "numbers": [1.5, 1e300, 18446744073709551615u64, -9223372036854775808i64, 0.1],
            "key \"with\" escapes\u{e9}": {"inner": true}, "empty": {}, "null": null, "text": "{not: an object}"
        });
        let overrides = json!({
            "nested": {"deeper": {"replace": "now a string", "new": {"z": [3]}}, "x": {"now": "an object"}},
            "list": {"an": "object replaces an array"}, "numbers": [2], "brand new": {"a": 1}, "model": "n",
            "key \"with\" escapes\u{e9}": {"added": 0.30000000000000004}, "empty": {"filled": "yes"},
            "null": {"an": "object"}, "text": {"a": "b"}, "another": "last"
        });
        assert_eq!(merged(&body, &overrides), through_value(&body, overrides.as_object().unwrap()));
        // Key order: kept keys where they were, new ones after them in the user's order.
        let text = merged(&body, &overrides);
        assert!(text.ends_with(r#""brand new":{"a":1},"another":"last"}"#), "{text}");
        assert!(text.contains(r#""deeper":{"keep":[1,{"a":2}],"replace":"now a string","new":{"z":[3]}}"#), "{text}");
        // An empty body and empty overrides.
        assert_eq!(merged(&json!({}), &json!({"a": {"b": 1}})), r#"{"a":{"b":1}}"#);
        assert_eq!(merged(&body, &json!({})), serde_json::to_string(&body).unwrap());
        // Deeper than serde_json's reader goes (the user's schema can sit that deep in a body).
        let mut deep = json!({"leaf": 1});
        let mut deep_overrides = json!({"leaf": 2, "added": [[[]]]});
        for _ in 0..200 {
            deep = json!({"level": deep, "a": [{"b": 1}]});
            deep_overrides = json!({"level": deep_overrides});
        }
        assert_eq!(merged(&deep, &deep_overrides), through_value(&deep, deep_overrides.as_object().unwrap()));
        // A body that is not an object is reported.
        assert!(merged_text(&[1, 2], &Map::new()).unwrap().is_none());
    }

    /// Random bodies and overrides that share keys, against the value path.
    #[test]
    fn random_merges_match_the_value_path() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        fn value(next: &mut dyn FnMut(u64) -> u64, depth: u32) -> Value {
            const KEYS: [&str; 6] = ["a", "b", "c\"q", "d\\", "é", "\u{1}"];
            match if depth == 0 { next(4) } else { next(6) } {
                0 => Value::from(next(1000) as f64 / 7.0),
                1 => Value::from(format!("s\"{}\n", next(100))),
                2 => Value::Null,
                3 => Value::from(next(u64::MAX)),
                4 => Value::Array((0..next(3)).map(|_| value(next, depth - 1)).collect()),
                _ => Value::Object(
                    (0..next(5)).map(|_| (KEYS[next(6) as usize].to_owned(), value(next, depth - 1))).collect(),
                ),
            }
        }
        for _ in 0..2000 {
            let mut body = value(&mut next, 4);
            let mut overrides = value(&mut next, 4);
            if !body.is_object() {
                body = json!({"a": body, "b": {"c\"q": body}});
            }
            if !overrides.is_object() {
                overrides = json!({"b": {"c\"q": overrides, "é": {}}, "x": overrides});
            }
            assert_eq!(
                merged(&body, &overrides),
                through_value(&body, overrides.as_object().unwrap()),
                "{body} {overrides}"
            );
        }
    }

    #[test]
    fn nested_objects_merge_and_scalars_replace() {
        let mut target = json!({"a": 1, "nested": {"x": 1, "y": 2}, "list": [1]});
        let overrides = json!({"a": 2, "nested": {"y": 3, "z": 4}, "list": [9], "new": true});
        deep_merge(target.as_object_mut().unwrap(), overrides.as_object().unwrap());
        assert_eq!(target, json!({"a": 2, "nested": {"x": 1, "y": 3, "z": 4}, "list": [9], "new": true}));
    }
}
