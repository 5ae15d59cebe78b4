//! Reading JSONL files line by line with bounded memory: a line longer than the limit is skipped
//! (reported as too long) instead of being held whole.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// The longest line kept in memory. A chat request with several inline images stays well below.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The line is in the buffer, without its newline (and without a trailing `\r`).
    Complete,
    /// The line was longer than the limit; the buffer is empty.
    TooLong,
}

pub struct LineReader<R> {
    reader: R,
    max_bytes: usize,
    number: u64,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(reader: R) -> Self {
        Self::with_limit(reader, MAX_LINE_BYTES)
    }

    pub fn with_limit(reader: R, max_bytes: usize) -> Self {
        LineReader { reader, max_bytes, number: 0 }
    }

    /// The 1-based number of the line last returned.
    pub fn line_number(&self) -> u64 {
        self.number
    }

    /// Reads the next line into `buffer`; `None` at the end of the file.
    pub async fn next_line(&mut self, buffer: &mut Vec<u8>) -> std::io::Result<Option<LineKind>> {
        buffer.clear();
        let mut read_any = false;
        let mut too_long = false;
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                if !read_any {
                    return Ok(None);
                }
                break;
            }
            read_any = true;
            let (part, consumed, ends_line) = match available.iter().position(|&byte| byte == b'\n') {
                Some(index) => (&available[..index], index + 1, true),
                None => (available, available.len(), false),
            };
            if !too_long {
                if buffer.len() + part.len() > self.max_bytes {
                    too_long = true;
                    buffer.clear();
                } else {
                    buffer.extend_from_slice(part);
                }
            }
            self.reader.consume(consumed);
            if ends_line {
                break;
            }
        }
        self.number += 1;
        if too_long {
            return Ok(Some(LineKind::TooLong));
        }
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
        // A file saved by Windows tools starts with a UTF-8 byte-order mark: not part of line 1.
        if self.number == 1 && buffer.starts_with(BYTE_ORDER_MARK) {
            buffer.drain(..BYTE_ORDER_MARK.len());
        }
        Ok(Some(LineKind::Complete))
    }
}

pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(text: &[u8], limit: usize) -> Vec<(u64, Option<String>)> {
        let reader = tokio::io::BufReader::with_capacity(4, text);
        let mut lines = LineReader::with_limit(reader, limit);
        let mut buffer = Vec::new();
        let mut out = Vec::new();
        while let Some(kind) = lines.next_line(&mut buffer).await.unwrap() {
            let text = (kind == LineKind::Complete).then(|| String::from_utf8(buffer.clone()).unwrap());
            out.push((lines.line_number(), text));
        }
        out
    }

    #[tokio::test]
    async fn lines_are_numbered_across_small_reads() {
        let lines = read_all(b"first line\r\n\nthird", 100).await;
        assert_eq!(lines, vec![(1, Some("first line".into())), (2, Some(String::new())), (3, Some("third".into()))]);
    }

    #[tokio::test]
    async fn a_byte_order_mark_before_the_first_line_is_not_part_of_it() {
        let lines = read_all("\u{feff}{\"a\":1}\r\n\u{feff}x\r\n".as_bytes(), 100).await;
        assert_eq!(lines, vec![(1, Some("{\"a\":1}".into())), (2, Some("\u{feff}x".into()))]);
    }

    #[tokio::test]
    async fn overlong_lines_are_skipped_and_the_next_line_is_read() {
        let lines = read_all(b"short\nthis line is too long\nok\n", 10).await;
        assert_eq!(lines, vec![(1, Some("short".into())), (2, None), (3, Some("ok".into()))]);
    }

    #[test]
    fn blank_lines() {
        assert!(is_blank(b" \t"));
        assert!(!is_blank(b" {}"));
    }
}
