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

const INVALID: u8 = 0;
const ALPHABET: u8 = 1;

/// One entry per byte: whether it belongs to the standard alphabet. A table keeps the check to one
/// load and compare per byte (the conversion benchmark runs megabytes of base64 through it).
const CLASSES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut byte = 0;
    while byte < 256 {
        let character = byte as u8;
        if character.is_ascii_alphanumeric() || character == b'+' || character == b'/' {
            table[byte] = ALPHABET;
        }
        byte += 1;
    }
    table
};

/// Checks that `payload` is padded base64 in the standard alphabet (RFC 4648 §4).
pub fn check_base64(payload: &str) -> Result<(), InvalidBase64> {
    let bytes = payload.as_bytes();
    if bytes.is_empty() {
        return Err(InvalidBase64 { position: None, reason: "is empty".into() });
    }
    // Up to two `=` close the payload; everything before them is alphabet.
    let padding = bytes.iter().rev().take(2).take_while(|byte| **byte == b'=').count();
    let body = &bytes[..bytes.len() - padding];
    if let Some(position) = body.iter().position(|byte| CLASSES[*byte as usize] == INVALID) {
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
