//! A strict JSON scanner for the one-pass readers of common result lines (OpenAI's
//! `openai/fast_line.rs`): it reads a line's bytes once, borrowing strings without escapes, and
//! answers `None` at anything it does not accept, so that the line goes to the general (serde)
//! reader, which words and places errors. Each reader adds its shape's methods in its own module.

use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::byte_scan::plain_run_length;

/// Deeper skipped values go to the general reader (serde_json stops at 128).
pub(crate) const MAX_SKIPPED_DEPTH: u32 = 64;

/// The body as `raw`, without the second check `RawValue::from_string` would make: the scanner has
/// already read every byte of it as strict JSON (strings, escapes, numbers, literals, nesting), and
/// the span starts and ends on the body's braces, as `RawValue` keeps it (no outer whitespace).
/// Debug builds (the tests) still make the check, so a scanner that let invalid JSON through fails
/// them instead of handing it out.
pub(crate) fn scanned_raw(body: &str) -> Box<RawValue> {
    debug_assert!(
        RawValue::from_string(body.to_owned()).is_ok_and(|raw| raw.get() == body),
        "the scanner accepted a body serde_json refuses: {body:?}"
    );
    let json: Box<str> = Box::from(body);
    // SAFETY: `RawValue` is `#[repr(transparent)]` over `str` (serde_json's `from_owned` makes
    // the same cast, from the `Box<str>` it has checked), so both boxes have one layout and one
    // allocation; `transmute` also refuses to compile if their sizes ever differ. The text is
    // valid JSON: see above, and `the_scanner_hands_out_only_valid_json` in `openai/fast_line_tests.rs`.
    unsafe { std::mem::transmute::<Box<str>, Box<RawValue>>(json) }
}

/// Which keys of an object were read, so that a reader can send duplicates to its general reader.
#[derive(Default)]
pub(crate) struct Seen(u32);

impl Seen {
    pub(crate) fn first(&mut self, bit: u32) -> Option<()> {
        let mask = 1 << bit;
        let first = self.0 & mask == 0;
        self.0 |= mask;
        first.then_some(())
    }
}

/// Byte start and end of a value in the line.
pub(crate) type Span = (usize, usize);

/// A position in a line of JSON text.
pub(crate) struct Scanner<'a> {
    pub(crate) text: &'a str,
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `line`.
    pub(crate) fn new(line: &'a str) -> Self {
        Scanner { text: line, bytes: line.as_bytes(), at: 0 }
    }

    pub(crate) fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes.get(self.at).copied()
    }

    pub(crate) fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Only whitespace is left.
    pub(crate) fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }

    pub(crate) fn word(&mut self, word: &str) -> Option<()> {
        self.space();
        self.bytes[self.at..].starts_with(word.as_bytes()).then(|| self.at += word.len())
    }

    pub(crate) fn null(&mut self) -> Option<()> {
        self.word("null")
    }

    /// `null` as `None`, else the value `read` reads.
    pub(crate) fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.null().map(|_| None)
        } else {
            read(self).map(Some)
        }
    }

    /// An object, each key handed to `field` to read its value.
    pub(crate) fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A key without escapes (found sixteen or eight bytes at a time, as a string's plain run is).
    pub(crate) fn key(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        self.plain_run();
        (*self.bytes.get(self.at)? == b'"').then_some(())?;
        self.at += 1;
        Some(&self.text[start..self.at - 1])
    }

    /// A plain unsigned integer (what serde reads as `u64`); a sign, fraction or exponent is not one.
    pub(crate) fn unsigned(&mut self) -> Option<u64> {
        self.space();
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(&digit @ b'0'..=b'9') = self.bytes.get(self.at) {
            // `checked_mul` overflows exactly when this does, but on wasm32 it is a call to a
            // 128-bit multiply (`__multi3`), once per digit of every count and status.
            if value > u64::MAX / 10 {
                return None;
            }
            value = (value * 10).checked_add(u64::from(digit - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes[start] == b'0';
        let more = matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E'));
        (digits > 0 && !leading_zero && !more).then_some(value)
    }

    /// A string, borrowed from the line when it has no escapes.
    pub(crate) fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        self.plain_run();
        match *self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                return Some(Cow::Borrowed(&self.text[start..self.at - 1]));
            }
            b'\\' => {}
            _ => return None,
        }
        let mut owned = String::from(&self.text[start..self.at]);
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(owned));
                }
                b'\\' => {
                    self.at += 1;
                    let escape = *self.bytes.get(self.at)?;
                    self.at += 1;
                    owned.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.escaped_char()?,
                        _ => return None,
                    });
                }
                0..=0x1f => return None,
                _ => {
                    // Stops only at ASCII bytes, so both ends are character boundaries.
                    let run = self.at;
                    self.plain_run();
                    owned.push_str(&self.text[run..self.at]);
                }
            }
        }
    }

    /// Moves over the bytes of a string that need no attention: all but `"`, `\\` and controls
    /// (sixteen or eight at a time: `byte_scan.rs`).
    fn plain_run(&mut self) {
        self.at += plain_run_length(self.bytes.get(self.at..).unwrap_or_default());
    }

    /// The character of `\uXXXX` (after the `u`), a surrogate pair as one; a lone surrogate is not one.
    fn escaped_char(&mut self) -> Option<char> {
        let unit = self.hex4()?;
        match unit {
            0xD800..=0xDBFF => {
                (self.bytes.get(self.at..self.at + 2)? == b"\\u").then_some(())?;
                self.at += 2;
                let low = self.hex4()?;
                (0xDC00..=0xDFFF).contains(&low).then_some(())?;
                char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(unit),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut unit = 0;
        for &digit in digits {
            unit = unit * 16 + char::from(digit).to_digit(16)?;
        }
        self.at += 4;
        Some(unit)
    }

    /// Skips a value the result does not keep, checking that it is JSON.
    pub(crate) fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_SKIPPED_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|scanner, _| scanner.skip(depth + 1)),
            b'[' => {
                self.at += 1;
                if self.peek()? == b']' {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'n' => self.null(),
            b't' => self.word("true"),
            b'f' => self.word("false"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Any JSON number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    pub(crate) fn number(&mut self) -> Option<()> {
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match *self.bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            self.bytes.get(self.at)?.is_ascii_digit().then_some(())?;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            self.bytes.get(self.at)?.is_ascii_digit().then_some(())?;
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Scanner;

    #[test]
    fn unsigned_reads_every_u64_and_nothing_larger() {
        let read = |text: &str| Scanner::new(text).unsigned();
        assert_eq!(read("0"), Some(0));
        assert_eq!(read("103"), Some(103));
        assert_eq!(read("1844674407370955161"), Some(u64::MAX / 10));
        assert_eq!(read("18446744073709551610"), Some(u64::MAX - 5));
        assert_eq!(read("18446744073709551615"), Some(u64::MAX));
        assert_eq!(read("18446744073709551616"), None);
        assert_eq!(read("18446744073709551620"), None);
        assert_eq!(read("99999999999999999999"), None);
        assert_eq!(read("184467440737095516150"), None);
        assert_eq!(read("007"), None);
        assert_eq!(read("1.5"), None);
    }
}
