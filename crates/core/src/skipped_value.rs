//! A JSON value read and dropped, as serde's derives read a value into their private `Content`
//! buffer: unlike `IgnoredAny` (which serde_json skips without a depth limit), nested values are
//! read one by one, so that too deep a nesting is refused as it was when the value was buffered.
//! For the hand-written `Deserialize` impls that replace buffering derives.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

pub(crate) struct SkippedValue;

impl<'de> Deserialize<'de> for SkippedValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkippedValue)
    }
}

impl<'de> Visitor<'de> for SkippedValue {
    type Value = SkippedValue;
    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<SkippedValue, E> {
        Ok(SkippedValue)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<SkippedValue, E> {
        Ok(SkippedValue)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<SkippedValue, E> {
        Ok(SkippedValue)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<SkippedValue, E> {
        Ok(SkippedValue)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<SkippedValue, E> {
        Ok(SkippedValue)
    }
    fn visit_unit<E: de::Error>(self) -> Result<SkippedValue, E> {
        Ok(SkippedValue)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SkippedValue, A::Error> {
        while seq.next_element::<SkippedValue>()?.is_some() {}
        Ok(SkippedValue)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SkippedValue, A::Error> {
        while map.next_entry::<SkippedValue, SkippedValue>()?.is_some() {}
        Ok(SkippedValue)
    }
}
