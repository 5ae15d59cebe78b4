//! JSON text written straight into a provider's JSONL, for the line writers of common requests:
//! keys are literals, and a string that needs no escape is copied as it is. serde_json checks every
//! byte of every string (field names included) against its escape table one at a time; here
//! eight bytes are checked at once, and anything that needs an escape is handed to serde_json, so
//! the bytes are the ones serde_json writes.

use serde::Serialize;

use crate::media_data::{media_type, payload};
use crate::model::{ContentPart, MessageContent, Role, SourceType, UnifiedMessage};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Whether some byte of `word` is zero (exact: borrows only start at a zero byte).
fn has_zero_byte(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGH_BITS != 0
}

/// Whether some byte of `word` needs an escape in a JSON string: a control character (below
/// 0x20), `"` or `\`. Bytes of 0x80 and above (UTF-8) never do.
fn word_needs_escape(word: u64) -> bool {
    // Below 0x20: subtracting 0x20 borrows into the high bit of such a byte whose high bit was clear.
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS != 0;
    control || has_zero_byte(word ^ (ONES * u64::from(b'"'))) || has_zero_byte(word ^ (ONES * u64::from(b'\\')))
}

/// Whether some byte of `bytes` needs an escape. Not inlined: both string writers share it.
#[inline(never)]
fn needs_escape(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for word in words.by_ref() {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        if word_needs_escape(u64::from_le_bytes(eight)) {
            return true;
        }
    }
    words.remainder().iter().any(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
}

/// Appends `text` as a JSON string. Not inlined: it is called for every string of every line, and
/// one copy keeps the module small.
#[inline(never)]
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    if needs_escape(text.as_bytes()) {
        // Serializing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
        return;
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Appends the concatenation of `pieces` as one JSON string (a `data:` URL from its parts), without
/// building it first: a base64 payload is copied once, into the output.
#[inline(never)]
pub(crate) fn joined_string(out: &mut Vec<u8>, pieces: &[&str]) {
    raw(out, b"\"");
    for piece in pieces {
        if needs_escape(piece.as_bytes()) {
            // serde_json escapes character by character, so a piece's escapes are its own.
            let mut escaped = Vec::new();
            string(&mut escaped, piece);
            raw(out, &escaped[1..escaped.len() - 1]);
        } else {
            raw(out, piece.as_bytes());
        }
    }
    raw(out, b"\"");
}

/// Appends `bytes` as they are: JSON punctuation and keys. Not inlined, like [`string`].
#[inline(never)]
pub(crate) fn raw(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes);
}

/// Appends `key` (JSON punctuation and a key, as they are), then `text` as a JSON string.
#[inline(never)]
pub(crate) fn field(out: &mut Vec<u8>, key: &[u8], text: &str) {
    raw(out, key);
    string(out, text);
}

/// Appends a number (or anything small) as serde_json writes it. Not inlined, like [`string`].
#[inline(never)]
pub(crate) fn value<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Serializing a number into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Appends `key` and `value` (as [`value`] writes it) when there is a value.
pub(crate) fn optional<T: Serialize>(out: &mut Vec<u8>, key: &[u8], value: Option<T>) {
    if let Some(present) = value {
        raw(out, key);
        self::value(out, &present);
    }
}

/// Appends `key` (JSON punctuation and a key, as they are), then `texts` as an array of JSON strings.
pub(crate) fn string_array(out: &mut Vec<u8>, key: &[u8], texts: &[String]) {
    raw(out, key);
    raw(out, b"[");
    for (position, text) in texts.iter().enumerate() {
        if position > 0 {
            raw(out, b",");
        }
        string(out, text);
    }
    raw(out, b"]");
}

/// How an OpenAI-style chat line writes an image part's URL: `{"url": …}` (OpenAI's chat dialects)
/// or the plain string (Mistral's `ImageURLChunk`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageUrl {
    Object,
    Text,
}

/// Appends an OpenAI-style chat message of a common request (user or assistant; text, or text and
/// image parts), without its closing brace: the line writers of OpenAI's dialects and Mistral.
pub(crate) fn chat_message(out: &mut Vec<u8>, message: &UnifiedMessage, image_url: ImageUrl) {
    raw(
        out,
        if message.role == Role::User {
            b"{\"role\":\"user\",\"content\":"
        } else {
            b"{\"role\":\"assistant\",\"content\":"
        },
    );
    match &message.content {
        MessageContent::Text(text) => string(out, text),
        MessageContent::Parts(parts) => {
            raw(out, b"[");
            for (position, part) in parts.iter().enumerate() {
                if position > 0 {
                    raw(out, b",");
                }
                match part {
                    ContentPart::Text(text) => field(out, b"{\"type\":\"text\",\"text\":", &text.text),
                    ContentPart::Image(media) => {
                        raw(out, b"{\"type\":\"image_url\",\"image_url\":");
                        if image_url == ImageUrl::Object {
                            raw(out, b"{\"url\":");
                        }
                        if media.source_type == SourceType::Url {
                            string(out, &media.data);
                        } else {
                            let media_type = media_type(media).unwrap_or("application/octet-stream");
                            joined_string(out, &["data:", media_type, ";base64,", payload(media)]);
                        }
                        if image_url == ImageUrl::Object {
                            raw(out, b"}");
                        }
                    }
                    // The writers' `is_common` let no other part through.
                    _ => {}
                }
                raw(out, b"}");
            }
            raw(out, b"]");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let mut samples: Vec<String> = [
            "",
            "plain",
            "exactly8",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
            "quote \" inside a long enough string",
            "back\\slash in the middle of sixteen",
            "tab\tnewline\ncarriage\rformfeed\x0cbackspace\x08",
            "del \x7f is not escaped, nor é, ☃ or 😀",
            "\u{1}\u{1f}",
            "/ solidus stays",
        ]
        .iter()
        .map(|text| text.to_string())
        .collect();
        // Every byte below 0x80 at every position of a word, and in the tail.
        for byte in 0u8..0x80 {
            for position in 0..17 {
                let mut text = "a".repeat(17);
                text.replace_range(position..position + 1, &(byte as char).to_string());
                samples.push(text);
            }
        }
        for text in samples {
            let mut out = Vec::new();
            string(&mut out, &text);
            assert_eq!(out, serde_json::to_vec(&text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn joined_strings_are_the_string_of_the_concatenation() {
        for pieces in [&["data:", "image/png", ";base64,", "AAAA"][..], &["data:", "a\"b\n", ";base64,", "é"], &[]] {
            let mut out = Vec::new();
            joined_string(&mut out, pieces);
            assert_eq!(out, serde_json::to_vec(&pieces.concat()).unwrap(), "{pieces:?}");
        }
    }

    #[test]
    fn numbers_are_serde_json_numbers() {
        let mut out = Vec::new();
        value(&mut out, &0.95f64);
        out.push(b' ');
        value(&mut out, &4096u32);
        assert_eq!(out, b"0.95 4096");
    }
}
