//! JSON values with every number read to the nearest double, as `JSON.parse` reads it, for the
//! values that reach users from answers (tool-call arguments, JSON answers, embeddings), from
//! text that is converted again (imported lines, tool results, xAI's pages) and from requests (the
//! fields that can hold such a number, `model/request_numbers.rs`).
//!
//! serde_json's own float reader is one unit off in the last place for ~7 % of 15-digit and 20 %
//! of 17-digit decimals; its exact one (`float_roundtrip`) cost 52.6 KB of module, a second copy
//! of what core's `str::parse::<f64>` (correctly rounded, in the module already) does. So numbers
//! are read here by `str::parse`, on the scanner of the one-pass readers. Text this reader does not
//! accept (not JSON, a number out of range, nesting past serde_json's limit) is read by serde_json,
//! so what is refused and each error's wording stay serde_json's.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use super::json_scan::Scanner;

/// serde_json refuses the 128th nested array or object; deeper text is left to it.
const MAX_DEPTH: u32 = 127;

/// `serde_json::from_str::<Value>`, numbers read exactly.
pub fn from_str(text: &str) -> serde_json::Result<Value> {
    let mut scanner = Scanner::new(text);
    match scanner.exact_value(0) {
        Some(value) if scanner.end().is_some() => Ok(value),
        _ => serde_json::from_str(text),
    }
}

/// `serde_json::from_slice::<Value>`, numbers read exactly; bytes that are not UTF-8 get the error
/// serde_json gives them, found without its byte reader ([`not_utf8`]).
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_str(text),
        Err(error) => Err(not_utf8::error(bytes, error.valid_up_to())),
    }
}

/// `deserialize_with` for a `Value` field of an answer: its text, read by [`from_str`]. serde_json
/// checks the text as it hands it over; only a number out of range is left for [`from_str`] to
/// refuse, at the end of the value instead of the end of the number.
pub fn value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    let raw = <&RawValue>::deserialize(deserializer)?;
    from_str(raw.get()).map_err(relocated)
}

/// [`value`] for an `Option<Value>` field (null is `None`, as serde reads it).
pub fn optional_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Option::<&RawValue>::deserialize(deserializer)?.map(|raw| from_str(raw.get()).map_err(relocated)).transpose()
}

/// `deserialize_with` for a `Vec<f64>` field (an embedding): an array of numbers read exactly,
/// anything else as serde reads a `Vec<f64>`.
pub fn numbers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
    let raw = <&RawValue>::deserialize(deserializer)?;
    read_numbers(raw.get()).ok_or(()).or_else(|()| serde_json::from_str(raw.get()).map_err(relocated))
}

/// An array of numbers (the scanner's text only), each the nearest double.
pub(crate) fn read_numbers(text: &str) -> Option<Vec<f64>> {
    let mut scanner = Scanner::new(text);
    let numbers = scanner.exact_numbers()?;
    scanner.end().map(|_| numbers)
}

/// [`from_str`] for a value that starts `depth` brackets deep in the text serde_json reads (a
/// request field's value, read from its own text): the nesting limit falls where it falls for
/// serde_json reading the whole text, so the same texts are refused.
pub(crate) fn from_str_at(text: &str, depth: u32) -> serde_json::Result<Value> {
    let mut scanner = Scanner::new(text);
    match scanner.exact_value(depth) {
        Some(value) if scanner.end().is_some() => Ok(value),
        _ if nests_deeper(text, MAX_DEPTH - depth) => Err(de::Error::custom("recursion limit exceeded")),
        _ => serde_json::from_str(text),
    }
}

/// The text holds more than `limit` nested arrays or objects.
fn nests_deeper(text: &str, limit: u32) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0, false, false);
    for &byte in text.as_bytes() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'[' | b'{' if !in_string => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' if !in_string => depth -= 1,
            _ => {}
        }
    }
    false
}

/// serde_json hands a value's text to a visitor that asks for a newtype of this name: how its own
/// `RawValue` is read (src/raw.rs of the pinned version), from text borrowed or not, and from a
/// `Value` (written out). Asked for here rather than through `&RawValue`, which only text can
/// lend, or `Box<RawValue>`, which copies every value.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// A field's text, for a deserializer that hands it over (serde_json's, from text or from a
/// `Value`; a request's fields are read by no other). One reader of text for every such field:
/// the deserializer's code is compiled once, not once per kind of value read from the text.
pub(crate) fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'de, str>, D::Error> {
    deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, TextVisitor)
}

/// [`text`] for an optional field: null is `None`, as serde reads an `Option`.
pub(crate) fn optional_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    deserializer.deserialize_option(OptionalTextVisitor)
}

/// `serde_json::from_str` of a body some of whose fields are read from their own text ([`value`],
/// [`optional_value`], [`numbers`]), with each error where serde_json's reader of the whole text
/// places it ([`placed`]).
/// Never inlined: [`read_body`] calls it twice (the reading, and again on the error path), and an
/// inlined copy of each body's reader at both places made the wasm module 2 KB larger.
#[inline(never)]
pub(crate) fn from_body<'a, T: Deserialize<'a>>(text: &'a str) -> serde_json::Result<T> {
    serde_json::from_str(text).map_err(|error| placed(text, error))
}

/// [`from_body`] with its error in the words an answer's error gives: the path of the field at
/// fault inside the body (`usage.prompt_tokens`), then serde's message in JSON's words
/// (`crate::error::in_json_words`), without serde_json's `at line 1 column 179`, which counts in a
/// text the user never saw. The path is found only when there is an error.
pub(crate) fn read_body<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    from_body(text).map_err(|error| body_error(text, &error, &|changed| from_body::<T>(changed).err()))
}

/// [`read_body`]'s message, out of line and once for every body type (errors are the cold path).
#[cold]
#[inline(never)]
fn body_error(text: &str, error: &serde_json::Error, reread: &dyn Fn(&str) -> Option<serde_json::Error>) -> String {
    let path = crate::parse::field_path::field_path_by(text, error, reread);
    let mut message = crate::error::in_json_words(&message_of(error));
    // A tagged block's `type` of another JSON type (Anthropic's content blocks).
    if let Some(found) = message.strip_suffix(", expected variant identifier") {
        message = format!("{found}, expected a string naming its type");
    }
    if path.is_empty() {
        message
    } else {
        format!("{path}: {message}")
    }
}

/// A number out of range or nesting past the limit inside a field read from its own text is raised
/// after the field's value; serde_json's reader of the whole text raises it at the number or the
/// bracket (an answer's message names that column, a request's error the place inside the field).
/// Reading `text` as any JSON value finds that error where that reader finds it. Only on the error
/// path: any other error is kept as it is.
pub(crate) fn placed(text: &str, error: serde_json::Error) -> serde_json::Error {
    let message = message_of(&error);
    if message != "number out of range" && message != "recursion limit exceeded" {
        return error;
    }
    match serde_json::from_str::<Value>(text) {
        Err(whole) if message_of(&whole) == message => whole,
        _ => error,
    }
}

/// An error of reading a field's text, placed after the field's value (serde_json's reader of the
/// whole text places some, such as a number out of range, at the number); the message is serde_json's.
pub(crate) fn field_error<E: de::Error>(error: serde_json::Error) -> E {
    relocated(error)
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        map.next_key::<de::IgnoredAny>()?;
        map.next_value_seed(TextVisitor)
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text))
    }
}

struct OptionalTextVisitor;

impl<'de> Visitor<'de> for OptionalTextVisitor {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("option")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        text(deserializer).map(Some)
    }
}

impl<'de> DeserializeSeed<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

/// An error of a value's own text, placed where the reader of the whole text stands (serde_json
/// reads the position out of a message that ends with one).
fn relocated<E: de::Error>(error: serde_json::Error) -> E {
    E::custom(message_of(&error))
}

/// An error's message without the position serde_json writes after it.
fn message_of(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&position) {
        Some(bare) => bare.to_owned(),
        None => message,
    }
}

impl<'a> Scanner<'a> {
    fn exact_value(&mut self, depth: u32) -> Option<Value> {
        Some(match self.peek()? {
            b'"' => Value::String(self.string()?.into_owned()),
            b'{' => {
                (depth < MAX_DEPTH).then_some(())?;
                self.at += 1;
                let mut object = Map::new();
                if self.peek()? == b'}' {
                    self.at += 1;
                    return Some(Value::Object(object));
                }
                loop {
                    let key = self.string()?.into_owned();
                    self.eat(b':')?;
                    let value = self.exact_value(depth + 1)?;
                    // A repeated key keeps its first place and takes the last value, as in serde_json.
                    object.insert(key, value);
                    if self.list_end(b'}')? {
                        return Some(Value::Object(object));
                    }
                }
            }
            b'[' => {
                (depth < MAX_DEPTH).then_some(())?;
                self.at += 1;
                let mut array = Vec::new();
                if self.peek()? == b']' {
                    self.at += 1;
                    return Some(Value::Array(array));
                }
                loop {
                    array.push(self.exact_value(depth + 1)?);
                    if self.list_end(b']')? {
                        return Some(Value::Array(array));
                    }
                }
            }
            b'n' => self.null().map(|_| Value::Null)?,
            b't' => self.word("true").map(|_| Value::Bool(true))?,
            b'f' => self.word("false").map(|_| Value::Bool(false))?,
            _ => {
                let text = self.number_text()?;
                // serde_json's kinds: an integer that fits is `u64` (`i64` when negative, but
                // `-0` is the float); anything else is a float.
                if !text.contains(['.', 'e', 'E']) {
                    if let Ok(unsigned) = text.parse::<u64>() {
                        return Some(Value::Number(unsigned.into()));
                    }
                    if let Ok(signed @ (..=-1)) = text.parse::<i64>() {
                        return Some(Value::Number(signed.into()));
                    }
                }
                Value::Number(Number::from_f64(float(text)?)?)
            }
        })
    }

    fn exact_numbers(&mut self) -> Option<Vec<f64>> {
        self.eat(b'[')?;
        let mut numbers = Vec::new();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(numbers);
        }
        loop {
            self.peek()?;
            let text = self.number_text()?;
            numbers.push(float(text)?);
            if self.list_end(b']')? {
                return Some(numbers);
            }
        }
    }

    /// After an element: `true` past the closing `close`, `false` past a comma.
    fn list_end(&mut self, close: u8) -> Option<bool> {
        let next = self.peek()?;
        self.at += 1;
        match next {
            b',' => Some(false),
            _ if next == close => Some(true),
            _ => None,
        }
    }

    /// A number's text (at the scanner's position, after `peek`).
    fn number_text(&mut self) -> Option<&'a str> {
        let start = self.at;
        self.number()?;
        Some(&self.text[start..self.at])
    }
}

/// The nearest double; out of range is refused (serde_json's `number out of range`).
fn float(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|float| float.is_finite())
}

mod not_utf8;

#[cfg(test)]
mod tests;
