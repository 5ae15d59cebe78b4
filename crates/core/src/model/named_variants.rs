//! Enums of unit variants read from their names, and from strings only.
//!
//! serde's derived reader of such an enum, given anything but a string, says what the JSON reader
//! happens to say: serde_json's "expected value" for a number or an array (`"effort": 3`), and
//! serde's "expected string or map" inside a message part, which serde buffers — neither names the
//! values the field takes. [`named_variants!`] reads the name with `deserialize_str`, so a value of
//! another type is "invalid type: integer `3`, expected one of `none`, `minimal`, …", and an unknown
//! name keeps serde's own words ("unknown variant `x`, expected one of …"). It also writes `as_str`,
//! the name as a request writes it; `Serialize` stays derived (its `rename_all` must give the same
//! names: a test reads each variant back from what it writes).

use std::fmt;

/// What a name reader expects, in serde's words for a list of variants: "`a`", "`a` or `b`",
/// "one of `a`, `b`, `c`".
pub(crate) fn expecting(formatter: &mut fmt::Formatter, names: &[&str]) -> fmt::Result {
    match names {
        [one] => write!(formatter, "`{one}`"),
        [first, second] => write!(formatter, "`{first}` or `{second}`"),
        _ => {
            formatter.write_str("one of ")?;
            for (position, name) in names.iter().enumerate() {
                if position > 0 {
                    formatter.write_str(", ")?;
                }
                write!(formatter, "`{name}`")?;
            }
            Ok(())
        }
    }
}

/// `Deserialize` (from a string only) and `as_str` for an enum of unit variants, each with the
/// name a request writes: `named_variants!(Role { User = "user", Assistant = "assistant" })`.
/// A variant may also be read from other names, written after its own with `|`
/// (`RetrievalQuery = "retrieval_query" | "RETRIEVAL_QUERY"`): they are listed after the own names
/// when a value is refused, and `as_str` gives the own name.
macro_rules! named_variants {
    ($type:ident { $($variant:ident = $name:literal $(| $alias:literal)*),+ $(,)? }) => {
        impl $type {
            /// The name a request writes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $name),+
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const NAMES: &[&str] = &[$($name,)+ $($($alias,)*)+];
                struct NameVisitor;
                impl serde::de::Visitor<'_> for NameVisitor {
                    type Value = $type;
                    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                        $crate::model::named_variants::expecting(formatter, NAMES)
                    }
                    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<$type, E> {
                        match value {
                            $($name $(| $alias)* => Ok($type::$variant),)+
                            _ => Err(E::unknown_variant(value, NAMES)),
                        }
                    }
                }
                deserializer.deserialize_str(NameVisitor)
            }
        }
    };
}
pub(crate) use named_variants;
