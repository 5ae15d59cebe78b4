//! The request fields that can hold a number the user wrote with more digits than serde_json's
//! default reader rounds exactly (it is one unit off in the last place for ~7 % of 15-digit and
//! 20 % of 17-digit decimals): each is read from its own text, numbers by core's correctly rounded
//! `str::parse::<f64>` (`providers/exact_json.rs`), so that the provider line holds the number
//! `JSON.parse` would read. serde_json's `float_roundtrip` did the same for every number of every
//! text, at 52.6 KB of module. Tool-call arguments sit inside a part that serde buffers (an
//! internally tagged enum): they are read again from the request's text
//! (`parse/tool_arguments.rs`).
//!
//! Errors keep serde_json's messages. An error inside one of these fields (a value of the wrong
//! type, a number out of range, nesting past serde_json's limit) is placed after the field's value
//! rather than where serde_json's reader of the whole request stopped, so it names the field
//! (`providerKwargs`) rather than a place inside it (`providerKwargs.a.b`).

use serde::de::Deserializer;
use serde_json::{Map, Value};

use crate::providers::exact_json;

/// How deep each free-JSON field's value starts in a request (the request's own object is the
/// first level), so that serde_json's nesting limit falls where it falls for the whole request.
const PROVIDER_KWARGS_DEPTH: u32 = 1;
const SCHEMA_DEPTH: u32 = 2;
const PARAMETERS_DEPTH: u32 = 3;

/// `deserialize_with` for an `Option<f64>` field (`generationConfig.temperature` and the like).
pub(crate) fn float<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    optional(deserializer, |text| {
        match text.as_bytes().first() {
            // The text is JSON (serde_json has read it): one that starts so is a number, whose grammar
            // core's reader takes as it is (no second scan).
            Some(b'-' | b'0'..=b'9') => text.parse::<f64>().ok().filter(|float| float.is_finite()).ok_or(()),
            _ => Err(()),
        }
        // serde_json's own error (or, for a number out of range, its refusal).
        .or_else(|()| serde_json::from_str(text))
    })
}

/// `deserialize_with` for `providerKwargs`.
pub(crate) fn provider_kwargs<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    optional(deserializer, |text| match exact_json::from_str_at(text, PROVIDER_KWARGS_DEPTH)? {
        Value::Object(map) => Ok(map),
        // serde_json's own error for a value that is not an object.
        _ => serde_json::from_str(text),
    })
}

/// `deserialize_with` for `responseFormat.schema`.
pub(crate) fn schema<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    optional(deserializer, |text| exact_json::from_str_at(text, SCHEMA_DEPTH))
}

/// `deserialize_with` for a tool's `parameters`.
pub(crate) fn parameters<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    let text = exact_json::text(deserializer)?;
    exact_json::from_str_at(&text, PARAMETERS_DEPTH).map_err(exact_json::field_error)
}

/// An optional field (null is `None`, as serde reads an `Option`), read from its text by `read`.
fn optional<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    read: impl FnOnce(&str) -> serde_json::Result<T>,
) -> Result<Option<T>, D::Error> {
    match exact_json::optional_text(deserializer)? {
        Some(text) => read(&text).map(Some).map_err(exact_json::field_error),
        None => Ok(None),
    }
}
