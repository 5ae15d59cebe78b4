//! Reading a custom id out of a result line that is not valid JSON (a download cut short, a file
//! edited by hand): a lenient scan of the top-level object only, so that an id-like field nested
//! inside the answer is never taken for the line's own.

/// The string value of `field` in the line's top-level object, if the line still holds it whole.
pub fn top_level_string(line: &[u8], field: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut expecting_key = false;
    let mut index = 0;
    while index < line.len() {
        match line[index] {
            b'"' => {
                let end = string_end(line, index)?;
                if depth == 1 && expecting_key {
                    let key = string_at(line, index, end)?;
                    let colon = skip_whitespace(line, end + 1);
                    if line.get(colon) != Some(&b':') {
                        return None;
                    }
                    let value = skip_whitespace(line, colon + 1);
                    if key == field {
                        if line.get(value) != Some(&b'"') {
                            return None;
                        }
                        return string_at(line, value, string_end(line, value)?);
                    }
                    expecting_key = false;
                    index = value;
                    continue;
                }
                index = end + 1;
                continue;
            }
            b'{' => {
                depth += 1;
                expecting_key = depth == 1;
            }
            b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expecting_key = true,
            _ => {}
        }
        index += 1;
    }
    None
}

/// The JSON string from `start` to `end` (its quotes), decoded; `None` where it is not valid.
fn string_at(line: &[u8], start: usize, end: usize) -> Option<String> {
    serde_json::from_str(std::str::from_utf8(&line[start..=end]).ok()?).ok()
}

/// The index of the quote that closes the string opened at `start`; `None` when the line ends first.
fn string_end(line: &[u8], start: usize) -> Option<usize> {
    let mut index = start + 1;
    while index < line.len() {
        match line[index] {
            b'\\' => index += 2,
            b'"' => return Some(index),
            _ => index += 1,
        }
    }
    None
}

fn skip_whitespace(line: &[u8], mut index: usize) -> usize {
    while line.get(index).is_some_and(u8::is_ascii_whitespace) {
        index += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(line: &str, field: &str) -> Option<String> {
        top_level_string(line.as_bytes(), field)
    }

    #[test]
    fn the_id_before_the_cut_is_read() {
        let cut = r#"{"id": "batch_req_2", "custom_id": "keep-me-2", "response": {"status_code": 200, "body": {"id": "chatcmpl-2", "object": "chat.c"#;
        assert_eq!(scan(cut, "custom_id").as_deref(), Some("keep-me-2"));
        assert_eq!(
            scan(r#"{"key":"g-1","response":{"candidates":[{"content":{"parts":[{"text":"Hel"#, "key").as_deref(),
            Some("g-1")
        );
    }

    #[test]
    fn escapes_are_decoded_and_nested_fields_are_not_taken() {
        assert_eq!(scan(r#"{"custom_id":"a\"b\u00e9","x":"#, "custom_id").as_deref(), Some("a\"bé"));
        // A nested custom_id (inside the answer) before the cut is not the line's.
        assert_eq!(scan(r#"{"response":{"body":{"custom_id":"inner","text":"cut"#, "custom_id"), None);
        // A value that mentions the field name is not a key.
        assert_eq!(
            scan(r#"{"note":"\"custom_id\": \"fake\"","custom_id":"real"}"#, "custom_id").as_deref(),
            Some("real")
        );
        assert_eq!(
            scan(r#"{"result":{"custom_id":"inner"},"custom_id":"outer"}"#, "custom_id").as_deref(),
            Some("outer")
        );
    }

    #[test]
    fn an_id_that_is_itself_cut_or_not_a_string_is_not_guessed() {
        assert_eq!(scan(r#"{"custom_id":"keep-m"#, "custom_id"), None);
        assert_eq!(scan(r#"{"custom_id":42,"#, "custom_id"), None);
        assert_eq!(scan(r#"{"custom_id""#, "custom_id"), None);
        assert_eq!(scan("garbage", "custom_id"), None);
        assert_eq!(scan("", "custom_id"), None);
    }
}
