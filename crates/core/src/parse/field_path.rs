//! The path of the field a request's deserialization error is about (`messages[0].content[1]`),
//! found from where serde_json stopped reading, so that requests are deserialized by one
//! deserializer type only: a second, path-tracking deserializer compiled every request type's
//! visitors again (about 110 KB of the wasm module).
//!
//! serde_json gives each error the position where its reader stood when the error reached a
//! serde_json call. That place names the field:
//! - a value or key that ends there (an invalid value is read before it is refused; an unknown
//!   field's key is read before the key is refused; other errors after a key are the object's);
//! - a value that starts there (`{` or `[` where something else is expected is not read);
//! - after an object's or array's closing bracket, the container itself (a field missing from an
//!   object is known only at its end) or its last value (an error raised after the value was read
//!   whole, as tagged and untagged enums do from their buffered content, is placed by the
//!   container's reader, which has gone past the bracket when the value was the last one);
//! - after an array's comma, the value before it (its reader went past the comma looking for the
//!   array's end), or the value after it.
//!
//! The two readings of the last two cases are told apart by reading the request again with that
//! bracket or comma swapped for a closing bracket of the other kind: an error of the value before
//! comes back unchanged, just after that value; any other becomes a syntax error there.

use serde::Deserialize;

use crate::UnifiedRequest;

/// One JSON value or object key of the request text.
struct Node {
    start: usize,
    /// One past the last byte; `usize::MAX` while the value is not closed (text cut short).
    end: usize,
    path: String,
    kind: Kind,
    /// For objects and arrays, the node of their last value.
    last_child: Option<usize>,
    parent_path_length: usize,
}

#[derive(PartialEq)]
enum Kind {
    Key,
    Scalar,
    Container,
}

/// The path of the field `error` (from deserializing `text` as a request) is about; empty for the
/// request itself.
pub(super) fn field_path(text: &str, error: &serde_json::Error) -> String {
    field_path_by(text, error, &|changed| {
        let mut deserializer = serde_json::Deserializer::from_str(changed);
        <UnifiedRequest as Deserialize>::deserialize(&mut deserializer).err()
    })
}

/// [`field_path`] of text read by any reader: `reread` reads a changed text the same way and gives
/// its error (a provider's answer body, read by its own type).
pub(crate) fn field_path_by(
    text: &str,
    error: &serde_json::Error,
    reread: &dyn Fn(&str) -> Option<serde_json::Error>,
) -> String {
    let Some(offset) = offset_of(text, error) else { return String::new() };
    let nodes = Scanner::new(text).scan();
    let before = trim_whitespace_before(text, offset);
    if let Some(node) = nodes.iter().find(|node| node.end == before) {
        return match node.kind {
            // An unknown field is refused while its key is read; a duplicate field after it, and
            // an enum written as an object by its variant's key: those are about the object.
            Kind::Key if !error.to_string().starts_with("unknown field") => {
                node.path[..node.parent_path_length].to_owned()
            }
            Kind::Container => match node.last_child {
                Some(last) if is_error_of(text, error, node.end - 1, &nodes[last], reread) => nodes[last].path.clone(),
                _ => node.path.clone(),
            },
            _ => node.path.clone(),
        };
    }
    // After an array's comma: an error of the value before it (the array's reader went past the
    // comma to look for its end), or of the value after it.
    if before > 0 && text.as_bytes()[before - 1] == b',' {
        let comma = before - 1;
        let previous = trim_whitespace_before(text, comma);
        if let Some(node) = nodes.iter().find(|node| node.end == previous && node.kind != Kind::Key) {
            if is_error_of(text, error, comma, node, reread) {
                return node.path.clone();
            }
        }
    }
    // The innermost value the position falls in: at its start (`{` where a string is expected is
    // not read), or just past its first byte (a syntax error is placed after the byte it peeked).
    let offset = if error.is_syntax() { offset.saturating_sub(1) } else { offset };
    nodes
        .iter()
        .filter(|node| node.kind != Kind::Key && node.start <= offset && offset < node.end)
        .max_by_key(|node| node.start)
        .map(|node| node.path.clone())
        .unwrap_or_default()
}

/// Reads the request again with the byte at `place` (a closing bracket or an array's comma)
/// swapped for a closing bracket of the other kind: the same error just after `value` means the
/// error is about `value`; an error of what follows `place` becomes a syntax error there.
fn is_error_of(
    text: &str,
    error: &serde_json::Error,
    place: usize,
    value: &Node,
    reread: &dyn Fn(&str) -> Option<serde_json::Error>,
) -> bool {
    let swapped = match text.as_bytes()[place] {
        b'}' => "]",
        _ => "}",
    };
    let changed = format!("{}{swapped}{}", &text[..place], &text[place + 1..]);
    let Some(again) = reread(&changed) else { return false };
    same_message(&again, error)
        && offset_of(&changed, &again).is_some_and(|offset| trim_whitespace_before(&changed, offset) == value.end)
}

fn same_message(one: &serde_json::Error, other: &serde_json::Error) -> bool {
    one.classify() == other.classify() && message_of(one) == message_of(other)
}

fn message_of(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(position) => message[..position].to_owned(),
        None => message,
    }
}

/// The byte offset of an error's line and column (serde_json counts columns in bytes from the
/// line's start); none for an error without a position.
pub(super) fn offset_of(text: &str, error: &serde_json::Error) -> Option<usize> {
    if error.line() == 0 {
        return None;
    }
    let line_start = if error.line() == 1 {
        0
    } else {
        text.bytes().enumerate().filter(|&(_, byte)| byte == b'\n').nth(error.line() - 2)?.0 + 1
    };
    Some((line_start + error.column()).min(text.len()))
}

fn trim_whitespace_before(text: &str, mut offset: usize) -> usize {
    let bytes = text.as_bytes();
    while offset > 0 && is_whitespace(bytes[offset - 1]) {
        offset -= 1;
    }
    offset
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Serde's nesting limit is 128; deeper text is not a request anyway.
const DEPTH_LIMIT: usize = 256;

/// Lists the values and keys of the text, with their paths, as far as the text is JSON.
struct Scanner<'a> {
    text: &'a str,
    position: usize,
    nodes: Vec<Node>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { text, position: 0, nodes: Vec::new() }
    }

    fn scan(mut self) -> Vec<Node> {
        self.value(String::new(), 0, 0);
        self.nodes
    }

    fn peek(&mut self) -> Option<u8> {
        while self.text.as_bytes().get(self.position).copied().is_some_and(is_whitespace) {
            self.position += 1;
        }
        self.text.as_bytes().get(self.position).copied()
    }

    fn push(&mut self, start: usize, path: String, kind: Kind, parent_path_length: usize) -> usize {
        self.nodes.push(Node { start, end: usize::MAX, path, kind, last_child: None, parent_path_length });
        self.nodes.len() - 1
    }

    /// Reads one value; `None` where the text stops being JSON.
    fn value(&mut self, path: String, parent_path_length: usize, depth: usize) -> Option<usize> {
        let start = self.position_of_next()?;
        let node = match self.text.as_bytes()[start] {
            b'{' => {
                let node = self.push(start, path, Kind::Container, parent_path_length);
                self.position += 1;
                if depth < DEPTH_LIMIT {
                    self.object(node, depth)?;
                } else {
                    return None;
                }
                node
            }
            b'[' => {
                let node = self.push(start, path, Kind::Container, parent_path_length);
                self.position += 1;
                if depth < DEPTH_LIMIT {
                    self.array(node, depth)?;
                } else {
                    return None;
                }
                node
            }
            b'"' => {
                let node = self.push(start, path, Kind::Scalar, parent_path_length);
                self.string()?;
                node
            }
            _ => {
                let node = self.push(start, path, Kind::Scalar, parent_path_length);
                let bytes = self.text.as_bytes();
                while bytes.get(self.position).is_some_and(|&byte| !b",:]}\"".contains(&byte) && !is_whitespace(byte)) {
                    self.position += 1;
                }
                node
            }
        };
        self.nodes[node].end = self.position;
        Some(node)
    }

    fn position_of_next(&mut self) -> Option<usize> {
        self.peek().map(|_| self.position)
    }

    fn object(&mut self, node: usize, depth: usize) -> Option<()> {
        if self.peek()? == b'}' {
            self.position += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let key_start = self.position;
            self.string()?;
            let key: String = serde_json::from_str(&self.text[key_start..self.position]).ok()?;
            let parent = &self.nodes[node].path;
            let parent_path_length = parent.len();
            let path = if parent.is_empty() { key } else { format!("{parent}.{key}") };
            let key_node = self.push(key_start, path.clone(), Kind::Key, parent_path_length);
            self.nodes[key_node].end = self.position;
            if self.peek()? != b':' {
                return None;
            }
            self.position += 1;
            let child = self.value(path, parent_path_length, depth + 1)?;
            self.nodes[node].last_child = Some(child);
            match self.peek()? {
                b',' => self.position += 1,
                b'}' => {
                    self.position += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, node: usize, depth: usize) -> Option<()> {
        if self.peek()? == b']' {
            self.position += 1;
            return Some(());
        }
        let mut index = 0;
        loop {
            let parent = &self.nodes[node].path;
            let parent_path_length = parent.len();
            let path = format!("{parent}[{index}]");
            let child = self.value(path, parent_path_length, depth + 1)?;
            self.nodes[node].last_child = Some(child);
            index += 1;
            match self.peek()? {
                b',' => self.position += 1,
                b']' => {
                    self.position += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Moves past a string that starts at the current position (escapes skipped, not checked).
    fn string(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        self.position += 1;
        loop {
            match bytes.get(self.position)? {
                b'"' => {
                    self.position += 1;
                    return Some(());
                }
                b'\\' => self.position += 2,
                _ => self.position += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests;
