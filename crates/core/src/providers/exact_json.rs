//! JSON values with every number read to the nearest double, as `JSON.parse` reads it, for the
//! values that reach users from answers (tool-call arguments, JSON answers, embeddings) and from
//! text that is converted again (imported lines, tool results, xAI's pages).
//!
//! serde_json's own float reader is one unit off in the last place for ~7 % of 15-digit and 20 %
//! of 17-digit decimals; its exact one (`float_roundtrip`) cost 52.6 KB of module, a second copy
//! of what core's `str::parse::<f64>` (correctly rounded, in the module already) does. So numbers
//! are read here by `str::parse`, on the scanner of the one-pass readers. Text this reader does not
//! accept (not JSON, a number out of range, nesting past serde_json's limit) is read by serde_json,
//! so what is refused and each error's wording stay serde_json's.

use serde::de::{self, Deserialize, Deserializer};
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

/// `serde_json::from_slice::<Value>`, numbers read exactly.
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_str(text),
        Err(_) => serde_json::from_slice(bytes),
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

/// An error of a value's own text, placed where the reader of the whole text stands (serde_json
/// reads the position out of a message that ends with one).
fn relocated<E: de::Error>(error: serde_json::Error) -> E {
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    E::custom(message.strip_suffix(&position).unwrap_or(&message))
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

#[cfg(test)]
mod tests;
