//! The content blocks of a Messages result (`{"type": "text", "text": …}`, …), read in one pass.
//!
//! serde's derive of an internally tagged enum (`#[serde(tag = "type")]`) copies each block into
//! its private `Content` buffer and reads the copy again, which compiled every block's fields a
//! second time and allocated a copy of every block on the decode path.
//!
//! What is accepted and refused, and each error's message and reader position, are the derive's
//! (the differential test in `tests.rs` holds them to it). Errors the derive raised while copying
//! the block (text that is not JSON, nesting too deep, a `type` that is not a string or comes
//! twice, no `type`) are raised where they were; errors it raised from the copy (a field of the
//! wrong type, twice, or missing) are kept until the block's fields have been read, and raised
//! before its closing brace, as the derive (read as an object) raises them. A block is a JSON
//! object only: the derive also read an array by position (`["text", "Hi"]` was a text block),
//! which no result holds, so an array is refused as every other value that is not an object is
//! (`model/object_only.rs`).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::providers::exact_json;
use crate::skipped_value::SkippedValue;

#[cfg_attr(test, derive(Debug, PartialEq))]
pub(super) enum Block {
    Text {
        text: String,
    },
    Thinking {
        thinking: String,
        signature: Option<String>,
    },
    RedactedThinking {
        data: String,
    },
    ToolUse {
        id: Option<String>,
        name: String,
        input: Value,
    },
    /// Server tool calls and their results, citations blocks and anything newer stay in `raw`.
    Other,
}

/// `content`: absent or null, or an array of blocks.
pub(super) fn blocks<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<Block>>, D::Error> {
    Ok(Option::<Blocks>::deserialize(deserializer)?.map(|blocks| blocks.0))
}

struct Blocks(Vec<Block>);

impl<'de> Deserialize<'de> for Blocks {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlocksVisitor;
        impl<'de> Visitor<'de> for BlocksVisitor {
            type Value = Blocks;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut blocks = Vec::new();
                while let Some(block) = seq.next_element()? {
                    blocks.push(block);
                }
                Ok(Blocks(blocks))
            }
        }
        deserializer.deserialize_seq(BlocksVisitor)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Thinking,
    RedactedThinking,
    ToolUse,
    Other,
}

impl Kind {
    fn index(self) -> usize {
        self as usize
    }
}

/// The `type`: any string other than the four read here is a block kept only in `raw`.
impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KindVisitor;
        impl<'de> Visitor<'de> for KindVisitor {
            type Value = Kind;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("variant identifier")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Kind, E> {
                Ok(match value {
                    "text" => Kind::Text,
                    "thinking" => Kind::Thinking,
                    "redacted_thinking" => Kind::RedactedThinking,
                    "tool_use" => Kind::ToolUse,
                    _ => Kind::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KindVisitor)
    }
}

/// Every field any kind reads; each belongs to one kind.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Text,
    Thinking,
    Signature,
    Data,
    Id,
    Name,
    Input,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Thinking => "thinking",
            Field::Signature => "signature",
            Field::Data => "data",
            Field::Id => "id",
            Field::Name => "name",
            Field::Input => "input",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Field::Text => Kind::Text,
            Field::Thinking | Field::Signature => Kind::Thinking,
            Field::Data => Kind::RedactedThinking,
            Field::Id | Field::Name | Field::Input => Kind::ToolUse,
        }
    }

    /// An `Option` field: null reads as absent.
    fn is_optional(self) -> bool {
        matches!(self, Field::Signature | Field::Id)
    }
}

/// A key of a block object.
enum Key {
    Type,
    Field(Field),
    Unknown,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Key, E> {
                Ok(match value {
                    "type" => Key::Type,
                    "text" => Key::Field(Field::Text),
                    "thinking" => Key::Field(Field::Thinking),
                    "signature" => Key::Field(Field::Signature),
                    "data" => Key::Field(Field::Data),
                    "id" => Key::Field(Field::Id),
                    "name" => Key::Field(Field::Name),
                    "input" => Key::Field(Field::Input),
                    _ => Key::Unknown,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// A JSON value found where a string was expected, as serde names it in "invalid type" errors.
#[derive(Clone, Copy)]
enum Found {
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Null,
    Array,
    Object,
}

impl Found {
    fn unexpected(self) -> Unexpected<'static> {
        match self {
            Found::Bool(value) => Unexpected::Bool(value),
            Found::Unsigned(value) => Unexpected::Unsigned(value),
            Found::Signed(value) => Unexpected::Signed(value),
            Found::Float(value) => Unexpected::Float(value),
            Found::Null => Unexpected::Unit,
            Found::Array => Unexpected::Seq,
            Found::Object => Unexpected::Map,
        }
    }
}

/// What the derive would have refused in the block's copy: raised once the block is read.
enum Problem {
    WrongType(Found),
    Duplicate(&'static str),
    Missing(&'static str),
}

impl Problem {
    fn into_error<E: de::Error>(self) -> E {
        match self {
            Problem::WrongType(found) => E::invalid_type(found.unexpected(), &"a string"),
            Problem::Duplicate(field) => E::duplicate_field(field),
            Problem::Missing(field) => E::missing_field(field),
        }
    }
}

/// One field's value as read: a string, null, another JSON value (read whole), or, for `input`,
/// any value.
enum Read {
    Text(String),
    Null,
    Other(Found),
    Value(Value),
}

/// Reads one field's value without refusing it: what the field cannot take is noted, not raised.
fn read_field<'de, D: Deserializer<'de>>(field: Field, deserializer: D) -> Result<Read, D::Error> {
    match field {
        Field::Input => exact_json::value(deserializer).map(Read::Value),
        _ => deserializer.deserialize_any(LenientString),
    }
}

struct FieldSeed(Field);

impl<'de> de::DeserializeSeed<'de> for FieldSeed {
    type Value = Read;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Read, D::Error> {
        read_field(self.0, deserializer)
    }
}

struct LenientString;

impl<'de> Visitor<'de> for LenientString {
    type Value = Read;
    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Read, E> {
        Ok(Read::Text(value.to_owned()))
    }
    fn visit_string<E: de::Error>(self, value: String) -> Result<Read, E> {
        Ok(Read::Text(value))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        Ok(Read::Null)
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Read, E> {
        Ok(Read::Other(Found::Bool(value)))
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Read, E> {
        Ok(Read::Other(Found::Unsigned(value)))
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Read, E> {
        Ok(Read::Other(Found::Signed(value)))
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Read, E> {
        Ok(Read::Other(Found::Float(value)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Read, A::Error> {
        SkippedValue.visit_seq(seq)?;
        Ok(Read::Other(Found::Array))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read, A::Error> {
        SkippedValue.visit_map(map)?;
        Ok(Read::Other(Found::Object))
    }
}

/// The fields read so far, and the first problem each kind would have with them.
#[derive(Default)]
struct Fields {
    text: Option<String>,
    thinking: Option<String>,
    signature: Option<Option<String>>,
    data: Option<String>,
    id: Option<Option<String>>,
    name: Option<String>,
    input: Option<Value>,
    problems: [Option<Problem>; 4],
}

impl Fields {
    fn note(&mut self, kind: Kind, problem: Problem) {
        let slot = &mut self.problems[kind.index()];
        if slot.is_none() {
            *slot = Some(problem);
        }
    }

    /// Takes one field's value; a second one is a duplicate, as for the derive.
    fn take(&mut self, field: Field, read: Read) {
        let kind = field.kind();
        if self.problems[kind.index()].is_some() {
            return;
        }
        let seen = match field {
            Field::Text => self.text.is_some(),
            Field::Thinking => self.thinking.is_some(),
            Field::Signature => self.signature.is_some(),
            Field::Data => self.data.is_some(),
            Field::Id => self.id.is_some(),
            Field::Name => self.name.is_some(),
            Field::Input => self.input.is_some(),
        };
        if seen {
            return self.note(kind, Problem::Duplicate(field.name()));
        }
        let text = match read {
            Read::Value(value) => {
                self.input = Some(value);
                return;
            }
            Read::Text(text) => Some(text),
            Read::Null if field.is_optional() => None,
            Read::Null => return self.note(kind, Problem::WrongType(Found::Null)),
            Read::Other(found) => return self.note(kind, Problem::WrongType(found)),
        };
        match (field, text) {
            (Field::Signature, text) => self.signature = Some(text),
            (Field::Id, text) => self.id = Some(text),
            (Field::Text, Some(text)) => self.text = Some(text),
            (Field::Thinking, Some(text)) => self.thinking = Some(text),
            (Field::Data, Some(text)) => self.data = Some(text),
            (Field::Name, Some(text)) => self.name = Some(text),
            // Null was refused above for the fields that are not optional.
            _ => {}
        }
    }

    /// The block of `kind`, or the first problem it has.
    fn build(mut self, kind: Kind) -> Result<Block, Problem> {
        if kind == Kind::Other {
            return Ok(Block::Other);
        }
        if let Some(problem) = self.problems[kind.index()].take() {
            return Err(problem);
        }
        let required = |value: Option<String>, field: Field| value.ok_or(Problem::Missing(field.name()));
        Ok(match kind {
            Kind::Text => Block::Text { text: required(self.text, Field::Text)? },
            Kind::Thinking => Block::Thinking {
                thinking: required(self.thinking, Field::Thinking)?,
                signature: self.signature.flatten(),
            },
            Kind::RedactedThinking => Block::RedactedThinking { data: required(self.data, Field::Data)? },
            Kind::ToolUse => Block::ToolUse {
                id: self.id.flatten(),
                name: required(self.name, Field::Name)?,
                input: self.input.unwrap_or_default(),
            },
            Kind::Other => Block::Other,
        })
    }
}

impl<'de> Deserialize<'de> for Block {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(BlockVisitor)
    }
}

struct BlockVisitor;

impl<'de> Visitor<'de> for BlockVisitor {
    type Value = Block;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a content block object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Block, A::Error> {
        let mut kind = None;
        let mut fields = Fields::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type if kind.is_some() => return Err(de::Error::duplicate_field("type")),
                Key::Type => kind = Some(map.next_value::<Kind>()?),
                Key::Field(field) => fields.take(field, map.next_value_seed(FieldSeed(field))?),
                Key::Unknown => {
                    map.next_value::<SkippedValue>()?;
                }
            }
        }
        let Some(kind) = kind else { return Err(de::Error::missing_field("type")) };
        fields.build(kind).map_err(Problem::into_error)
    }
}

#[cfg(test)]
mod tests;
