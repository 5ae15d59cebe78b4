//! Splitting a byte stream into JSONL lines, chunk by chunk, so a result file of any size is never
//! held whole.

/// Collects bytes until a newline completes a line. Only the unfinished tail is buffered.
#[derive(Debug, Default)]
pub struct LineSplitter {
    tail: Vec<u8>,
    /// Lines ended so far, blank ones included: line numbers are the file's.
    lines: usize,
}

impl LineSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `on_line` with every complete, non-blank line that `chunk` finishes and its number in
    /// the stream (1-based, counting blank lines, as an editor numbers the file's lines).
    pub fn push(&mut self, chunk: &[u8], mut on_line: impl FnMut(&[u8], usize)) {
        let mut start = 0;
        while let Some(offset) = memchr_newline(&chunk[start..]) {
            let end = start + offset;
            self.lines += 1;
            if self.tail.is_empty() {
                emit(&chunk[start..end], self.lines, &mut on_line);
            } else {
                self.tail.extend_from_slice(&chunk[start..end]);
                let line = std::mem::take(&mut self.tail);
                emit(&line, self.lines, &mut on_line);
            }
            start = end + 1;
        }
        self.tail.extend_from_slice(&chunk[start..]);
    }

    /// Emits the last line if the stream did not end with a newline.
    pub fn finish(&mut self, mut on_line: impl FnMut(&[u8], usize)) {
        let line = std::mem::take(&mut self.tail);
        if !line.is_empty() {
            self.lines += 1;
            emit(&line, self.lines, &mut on_line);
        }
    }
}

fn emit(line: &[u8], number: usize, on_line: &mut impl FnMut(&[u8], usize)) {
    let line = match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    };
    if !line.iter().all(u8::is_ascii_whitespace) {
        on_line(line, number);
    }
}

/// A word at a time rather than a byte: the line split is a pass over every byte of a result file.
fn memchr_newline(haystack: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', haystack)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<String> {
        let mut splitter = LineSplitter::new();
        let mut lines = Vec::new();
        for chunk in chunks {
            splitter.push(chunk, |line, _| lines.push(String::from_utf8(line.to_vec()).unwrap()));
        }
        splitter.finish(|line, _| lines.push(String::from_utf8(line.to_vec()).unwrap()));
        lines
    }

    #[test]
    fn lines_split_across_chunks_are_joined() {
        assert_eq!(split(&[b"{\"a\":", b"1}\n{\"b\"", b":2}\n"]), vec!["{\"a\":1}", "{\"b\":2}"]);
    }

    #[test]
    fn blank_lines_and_crlf_are_handled_and_last_line_needs_no_newline() {
        assert_eq!(split(&[b"x\r\n\n  \ny"]), vec!["x", "y"]);
    }

    #[test]
    fn line_numbers_are_the_files_blank_lines_included() {
        let mut splitter = LineSplitter::new();
        let mut numbered = Vec::new();
        for chunk in [&b"a\n\n"[..], b"\r\n  \nb", b"\n\nc"] {
            splitter.push(chunk, |line, number| numbered.push((line.to_vec(), number)));
        }
        splitter.finish(|line, number| numbered.push((line.to_vec(), number)));
        assert_eq!(numbered, vec![(b"a".to_vec(), 1), (b"b".to_vec(), 5), (b"c".to_vec(), 7)]);
    }

    #[test]
    fn multibyte_characters_split_between_chunks_survive() {
        let text = "{\"t\":\"héllo\"}\n".as_bytes();
        let (first, second) = text.split_at(8);
        assert_eq!(split(&[first, second]), vec!["{\"t\":\"héllo\"}"]);
    }
}
