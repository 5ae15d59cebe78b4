//! The bytes of a base64 media part: `data` given bare or as a `data:` URL, and the check that it is
//! base64 before anything is sent (a provider refuses a bad payload only after the batch has run).
//!
//! Accepted: the standard alphabet of RFC 4648 §4 (`A–Z a–z 0–9 + /`) with `=` padding to a multiple
//! of four characters. Refused, each with the position of the first offending character: whitespace
//! and line breaks (MIME-wrapped base64), the URL-safe alphabet (`-`, `_`), missing padding, and
//! anything else. Nothing is rewritten: removing line breaks would mean copying the payload, and a
//! clear error lets the caller fix the source once.
//!
//! A `data:` URL (`data:<media type>[;parameters];base64,<payload>`) is read in place: the payload
//! is the part after the comma, its media type fills in a missing `mediaType`, and one that
//! contradicts `mediaType` is refused. The check is one pass over the bytes with no allocation; the
//! converters then slice the payload out of the same string.

use crate::model::{MediaContent, SourceType};

/// `data` of a base64 part split into its media type (from a `data:` URL) and the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base64Data<'a> {
    pub url_media_type: Option<&'a str>,
    pub payload: &'a str,
}

/// Splits a `data:` URL; plain base64 comes back whole. `Err` says why a `data:` URL cannot be used.
pub fn split_data_url(data: &str) -> Result<Base64Data<'_>, String> {
    let Some(rest) = strip_prefix_ignoring_case(data, "data:") else {
        return Ok(Base64Data { url_media_type: None, payload: data });
    };
    let Some(comma) = rest.find(',') else {
        return Err("is a `data:` URL without a comma before its payload".into());
    };
    let (header, payload) = (&rest[..comma], &rest[comma + 1..]);
    let mut parameters = header.split(';');
    let media_type = parameters.next().unwrap_or_default().trim();
    if !parameters.any(|parameter| parameter.trim().eq_ignore_ascii_case("base64")) {
        return Err("is a `data:` URL whose payload is not base64 (its header has no `;base64`)".into());
    }
    Ok(Base64Data { url_media_type: (!media_type.is_empty()).then_some(media_type), payload })
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// The payload to send for a base64 part: `data` without a `data:` URL's header. Validation has
/// refused a malformed `data:` URL, so the fallback (the whole string) is never sent.
pub fn payload(media: &MediaContent) -> &str {
    match media.source_type {
        SourceType::Base64 => split_data_url(&media.data).map_or(media.data.as_str(), |split| split.payload),
        _ => &media.data,
    }
}

/// The media type to send: `mediaType`, or the one of a `data:` URL when `mediaType` is absent.
pub fn media_type(media: &MediaContent) -> Option<&str> {
    match media.media_type.as_deref().filter(|media_type| !media_type.is_empty()) {
        Some(media_type) => Some(media_type),
        None if media.source_type == SourceType::Base64 => {
            split_data_url(&media.data).ok().and_then(|split| split.url_media_type)
        }
        None => None,
    }
}

/// A base64 part as one `data:` URL (OpenAI, Mistral, vLLM), also when `data` was given as one (its
/// header is not repeated). Sized once: `format!` would grow the string by doubling, copying a
/// megabyte payload several times.
pub fn data_url(media: &MediaContent) -> String {
    let media_type = media_type(media).unwrap_or("application/octet-stream");
    let payload = payload(media);
    let mut url = String::with_capacity("data:;base64,".len() + media_type.len() + payload.len());
    url.push_str("data:");
    url.push_str(media_type);
    url.push_str(";base64,");
    url.push_str(payload);
    url
}

/// The URL of a media part as one JSON string, written straight into the output: a `url` source as
/// given, or a base64 part as the `data:` URL of [`data_url`], whose pieces serde writes one after
/// the other. No string is built, so a payload is copied once: into the provider JSONL.
#[derive(Debug, Clone, Copy)]
pub enum MediaUrl<'a> {
    Given(&'a str),
    Data { media_type: &'a str, payload: &'a str },
}

impl<'a> MediaUrl<'a> {
    /// A base64 part as a `data:` URL (also when `data` was given as one: its header is not repeated).
    pub fn data(media: &'a MediaContent) -> Self {
        MediaUrl::Data { media_type: media_type(media).unwrap_or("application/octet-stream"), payload: payload(media) }
    }
}

impl std::fmt::Display for MediaUrl<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaUrl::Given(url) => formatter.write_str(url),
            MediaUrl::Data { media_type, payload } => {
                formatter.write_str("data:")?;
                formatter.write_str(media_type)?;
                formatter.write_str(";base64,")?;
                formatter.write_str(payload)
            }
        }
    }
}

impl serde::Serialize for MediaUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MediaUrl::Given(url) => serializer.serialize_str(url),
            // serde_json escapes each piece as it writes it into the output.
            MediaUrl::Data { .. } => serializer.collect_str(self),
        }
    }
}

/// Whether two media types name the same thing: compared without case and without parameters
/// (`image/PNG` = `image/png;charset=x`).
pub fn same_media_type(left: &str, right: &str) -> bool {
    let essence = |media_type: &str| media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence(left) == essence(right)
}

/// What is wrong with a payload that is not strict base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidBase64 {
    /// Offset of the first offending character in the payload, when one character is at fault.
    pub position: Option<usize>,
    pub reason: String,
}

/// Whether `byte` is in the standard alphabet: `+`, `/` and `0–9` (one run from 0x2F), `A–Z`, `a–z`.
fn is_alphabet(byte: u8) -> bool {
    matches!(byte, b'+' | b'/'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// For each byte of `word` (all below 0x80), its high bit set when the byte is in `low..=high`.
/// Adding `0x80 - low` to a byte below 0x80 cannot carry into the next byte and sets its high bit
/// exactly when the byte is at least `low`.
fn in_range(word: u64, low: u8, high: u8) -> u64 {
    let at_least_low = word.wrapping_add(ONES * u64::from(0x80 - low));
    let above_high = word.wrapping_add(ONES * u64::from(0x80 - (high + 1)));
    at_least_low & !above_high & HIGH_BITS
}

/// Whether all eight bytes of `word` are in the alphabet. Setting bit 0x20 folds `A–Z` onto `a–z`
/// and moves no other byte into that range, so three range tests cover the alphabet.
fn word_is_alphabet(word: u64) -> bool {
    if word & HIGH_BITS != 0 {
        return false;
    }
    let letters = in_range(word | (ONES * 0x20), b'a', b'z');
    let valid = letters | in_range(word, b'/', b'9') | in_range(word, b'+', b'+');
    valid == HIGH_BITS
}

/// The offset of the first byte outside the alphabet. This runs over every byte of every base64
/// payload (megabytes per request), so it reads eight bytes at a time as one 64-bit word (SWAR):
/// the release profile optimizes for size and the wasm build has no vector unit, so the compiler
/// would not vectorize a byte loop. The word that fails, and the tail, are searched byte by byte.
fn first_invalid(bytes: &[u8]) -> Option<usize> {
    let mut offset = 0;
    for word in bytes.chunks_exact(8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        if !word_is_alphabet(u64::from_le_bytes(eight)) {
            break;
        }
        offset += 8;
    }
    bytes[offset..].iter().position(|byte| !is_alphabet(*byte)).map(|position| offset + position)
}

/// Checks that `payload` is padded base64 in the standard alphabet (RFC 4648 §4).
pub fn check_base64(payload: &str) -> Result<(), InvalidBase64> {
    let bytes = payload.as_bytes();
    if bytes.is_empty() {
        return Err(InvalidBase64 { position: None, reason: "is empty".into() });
    }
    // Up to two `=` close the payload; everything before them is alphabet.
    let padding = bytes.iter().rev().take(2).take_while(|byte| **byte == b'=').count();
    let body = &bytes[..bytes.len() - padding];
    if let Some(position) = first_invalid(body) {
        return Err(InvalidBase64 { position: Some(position), reason: describe(payload, position) });
    }
    if bytes.len() % 4 != 0 {
        return Err(InvalidBase64 {
            position: None,
            reason: format!(
                "has {} characters, not a multiple of 4: the `=` padding is missing or the data is cut short",
                bytes.len()
            ),
        });
    }
    Ok(())
}

fn describe(payload: &str, position: usize) -> String {
    let character = payload[position..].chars().next().unwrap_or_default();
    let what = match character {
        '\n' | '\r' => "a line break (remove the line wrapping)".to_owned(),
        ' ' | '\t' => "whitespace".to_owned(),
        '-' | '_' => format!("`{character}`, from the URL-safe alphabet (use `+` and `/`)"),
        '=' => "`=` padding before the end".to_owned(),
        other => format!("`{}`", other.escape_debug()),
    };
    format!("is not base64 (RFC 4648, standard alphabet): {what} at character {position}")
}

#[cfg(test)]
mod tests;
