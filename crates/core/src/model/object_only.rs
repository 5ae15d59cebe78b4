//! Request types read from a JSON object only.
//!
//! serde's derived `Deserialize` for a struct (and for an internally tagged enum) also takes a JSON
//! array, read by position: `["a", "gpt-4o"]` was a valid request, `"generationConfig": [5]` set
//! `maxTokens` to 5, and `["text", "hi"]` was a text part. No provider, no SDK and no document
//! writes a request that way, so an array there is a mistake that must be refused, naming its field,
//! before anything is uploaded.
//!
//! Each type derives with `#[serde(remote = "Self")]`, which turns the derived code into inherent
//! `Type::deserialize` and `Type::serialize` functions; [`object_only!`] then implements the traits:
//! `Deserialize` asks for a map (an array is "invalid type: sequence, expected struct Type") and
//! hands the map to the derived code, `Serialize` forwards. The derived sequence reader is never
//! instantiated, which also leaves it out of the wasm module.
//!
//! Trap: with `remote = "Self"`, `Type::deserialize(..)` names the lenient inherent function.
//! Callers write `<Type as Deserialize>::deserialize(..)` (or let a field's type pick the trait).

/// Implements `Deserialize` (objects only) and `Serialize` for a type derived with
/// `#[serde(remote = "Self")]`; `$expecting` is what an error says was expected.
macro_rules! object_only {
    ($type:ident, $expecting:literal) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<'de> serde::de::Visitor<'de> for ObjectVisitor {
                    type Value = $type;
                    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                        formatter.write_str($expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<$type, A::Error> {
                        $type::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                deserializer.deserialize_map(ObjectVisitor)
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $type::serialize(self, serializer)
            }
        }
    };
}

pub(crate) use object_only;
