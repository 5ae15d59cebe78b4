//! Requests and provider output read from JSON objects only.
//!
//! serde's derived `Deserialize` for a struct (and for an internally tagged enum) also takes a JSON
//! array, read by position: `["a", "gpt-4o"]` was a valid request, `"generationConfig": [5]` set
//! `maxTokens` to 5, `["text", "hi"]` was a text part, and in results Anthropic's
//! `["request-1", {…}]` was a success of `request-1` and OpenAI's `"usage": [10, 5]` its token
//! counts. No provider, no SDK and no document writes either that way, so an array there is a
//! mistake: a request is refused, naming its field, before anything is uploaded; a result line or
//! body is an error of its own, never an answer.
//!
//! Options that cross the wasm boundary as JavaScript objects are read by `serde_wasm_bindgen`,
//! whose struct reader takes fields by name only: they keep their derived readers.
//!
//! Each type derives with `#[serde(remote = "Self")]`, which turns the derived code into inherent
//! `Type::deserialize` and `Type::serialize` functions; [`object_only!`] then implements the traits:
//! `Deserialize` asks for a map (an array is "invalid type: sequence, expected <what>") and
//! hands the map to the derived code, `Serialize` forwards. What is expected is said in the user's
//! words for the request types ("a generationConfig object"; serde's derive said
//! "struct GenerationConfig"), and in the provider's words for provider output ("a `usage` object",
//! was "struct OpenAiUsage"); only readers whose errors never reach a user (a second reading of text
//! already read, a peek at a custom id) keep the type's name. The derived sequence reader is never
//! instantiated, which also leaves it out of the wasm module.
//!
//! Trap: with `remote = "Self"`, `Type::deserialize(..)` names the lenient inherent function.
//! Callers write `<Type as Deserialize>::deserialize(..)` (or let a field's type pick the trait).

/// Implements `Deserialize` (objects only) for a type derived with `#[serde(remote = "Self")]`,
/// and `Serialize` forwarding to the derived code unless the type is marked `deserialize only`;
/// `$expecting` is what an error says was expected (every refusal of a value that is not an object,
/// not only of arrays). A type that borrows from the text is written with its one lifetime
/// (`Line<'a>`).
/// `then f` passes the value read through `f` (a value made canonical as it is read).
macro_rules! object_only {
    ($type:ident, $expecting:literal $(, then $after:path)?) => {
        $crate::model::object_only!(deserialize only $type, $expecting $(, then $after)?);

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $type::serialize(self, serializer)
            }
        }
    };
    (deserialize only $type:ident $(<$lifetime:lifetime>)?, $expecting:literal $(, then $after:path)?) => {
        impl<'de $(: $lifetime, $lifetime)?> serde::Deserialize<'de> for $type $(<$lifetime>)? {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor<$($lifetime)?>(std::marker::PhantomData<$type $(<$lifetime>)?>);
                impl<'de $(: $lifetime, $lifetime)?> serde::de::Visitor<'de> for ObjectVisitor<$($lifetime)?> {
                    type Value = $type $(<$lifetime>)?;
                    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                        formatter.write_str($expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                        let value = $type::deserialize(serde::de::value::MapAccessDeserializer::new(map));
                        $(let value = value.map($after);)?
                        value
                    }
                }
                deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
            }
        }
    };
}

pub(crate) use object_only;
