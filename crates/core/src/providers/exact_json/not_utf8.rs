//! The error `serde_json::from_slice::<Value>` gives bytes that are not UTF-8 (an imported line),
//! found without serde_json's byte reader: that reader is a second copy of the whole JSON reader in
//! the module, for this one error.
//!
//! The byte reader checks UTF-8 only where a string closes. Whatever it refuses before that point,
//! the text reader refuses the same way, at the same place, when it reads the same bytes with each
//! byte of 0x80 and up from the first bad one on turned into `#`: an ordinary byte in a string,
//! and, like a bad byte, never valid outside one.

use serde::de::Error as _;
use serde_json::Value;

/// serde_json's error for `bytes`, whose first bad UTF-8 sequence starts at `first_bad`. Its text
/// is serde_json's; an error found at a string's close is a message without a separate position.
pub(super) fn error(bytes: &[u8], first_bad: usize) -> serde_json::Error {
    let quote = closing_quote(bytes, first_bad);
    let end = quote.map_or(bytes.len(), |quote| quote + 1);
    match serde_json::from_str::<Value>(&substitute(&bytes[..end], first_bad)) {
        // Read up to the end of the closed string: the byte reader refuses it at its quote.
        Err(error) if quote.is_some() && error.is_eof() => {}
        Err(error) => return error,
        Ok(_) => {}
    }
    invalid_code_point(bytes, first_bad, end - 1)
}

/// The quote that closes the string holding `first_bad`, found as the readers find it (a
/// backslash escapes the next byte, `\u` the next five); `None` when the byte is outside a string or the string does
/// not close.
fn closing_quote(bytes: &[u8], first_bad: usize) -> Option<usize> {
    let mut in_string = false;
    let mut index = 0;
    while index < bytes.len() {
        if index >= first_bad && !in_string {
            return None;
        }
        match bytes[index] {
            // `\u` takes four more bytes, whatever they are, as serde_json's reader takes them.
            b'\\' if in_string => index += if bytes.get(index + 1) == Some(&b'u') { 5 } else { 1 },
            b'"' if in_string && index >= first_bad => return Some(index),
            b'"' => in_string = !in_string,
            _ => {}
        }
        index += 1;
    }
    None
}

/// `bytes` as text, each byte of 0x80 and up from `first_bad` on turned into `#`.
fn substitute(bytes: &[u8], first_bad: usize) -> String {
    let mut text = String::with_capacity(bytes.len());
    // The bytes before the first bad sequence are UTF-8 (`Utf8Error::valid_up_to`).
    text.push_str(std::str::from_utf8(&bytes[..first_bad]).unwrap_or_default());
    text.extend(bytes[first_bad..].iter().map(|&byte| if byte < 0x80 { char::from(byte) } else { '#' }));
    text
}

/// serde_json's "invalid unicode code point" for a string that closes at `quote`: the line and
/// column after the quote, the column taken back by the string's decoded bytes from the first bad
/// one on (escapes decode to whole characters, so the bad sequence starts there in both).
fn invalid_code_point(bytes: &[u8], first_bad: usize, quote: usize) -> serde_json::Error {
    let before = &bytes[..=quote];
    let line_start = before.iter().rposition(|&byte| byte == b'\n').map_or(0, |newline| newline + 1);
    let line = 1 + before[..line_start].iter().filter(|&&byte| byte == b'\n').count();
    let column = (before.len() - line_start).saturating_sub(decoded_length(&bytes[first_bad..quote]));
    serde_json::Error::custom(format_args!("invalid unicode code point at line {line} column {column}"))
}

/// How many bytes the string text `raw` (escapes already checked by the reader) decodes to.
fn decoded_length(raw: &[u8]) -> usize {
    let mut length = 0;
    let mut index = 0;
    while index < raw.len() {
        if raw[index] != b'\\' {
            length += 1;
            index += 1;
            continue;
        }
        if raw.get(index + 1) != Some(&b'u') {
            length += 1;
            index += 2;
            continue;
        }
        let unit = raw
            .get(index + 2..index + 6)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .unwrap_or(0);
        // A leading surrogate is followed by its trailing one: four bytes for the pair.
        let (bytes, escaped) = match unit {
            0..=0x7f => (1, 6),
            0x80..=0x7ff => (2, 6),
            0xd800..=0xdbff => (4, 12),
            _ => (3, 6),
        };
        length += bytes;
        index += escaped;
    }
    length
}
