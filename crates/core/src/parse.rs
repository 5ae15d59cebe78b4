//! Reading unified requests from JSON text, one request at a time, so that a bad request is named by
//! its index and custom id and the field that is wrong, and, in JSONL, by its line.
//!
//! JSONL written by Windows tools starts with a byte-order mark and ends lines with CR LF, often
//! with an empty last line (field case 16): all three are accepted here, once, for every API that
//! takes unified JSONL. A byte-order mark is taken at the start of any line, not only the first:
//! files joined with `cat` keep each one's mark (no JSON value can start with U+FEFF, so no line
//! that was JSON changes). Text that looks like another encoding (NUL bytes: UTF-16) or other line
//! ends (a lone CR) is named in the error.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Invalid;
use crate::model::object_only;
use crate::{ContentPart, CoreError, UnifiedRequest};

pub(crate) mod field_path;
mod tool_arguments;

const BYTE_ORDER_MARK: char = '\u{feff}';

/// One non-blank line of unified JSONL: its number as editors count (from 1) and its text, without
/// the line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'a> {
    pub number: usize,
    pub text: &'a str,
}

/// Parses a JSON array of unified requests.
pub fn parse_request_array(text: &str) -> Result<Vec<UnifiedRequest>, CoreError> {
    let text = text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(text);
    let raw: Vec<&RawValue> = serde_json::from_str(text)
        .map_err(|error| CoreError::invalid_batch("requests", format!("not a JSON array of requests: {error}")))?;
    collect_requests(raw.iter().enumerate().map(|(index, value)| parse_request(index, value.get())))
}

/// Every request parsed, or the errors of every request that is not ([`Invalid`]: one run names
/// them all).
pub fn collect_requests<T>(results: impl Iterator<Item = Result<T, CoreError>>) -> Result<Vec<T>, CoreError> {
    let mut requests = Vec::with_capacity(results.size_hint().0);
    let mut invalid = Invalid::default();
    for result in results {
        match result {
            Ok(request) if invalid.is_empty() => requests.push(request),
            Ok(_) => {}
            Err(error) => invalid.push(error)?,
        }
    }
    invalid.finish().map(|()| requests)
}

/// The request lines of unified JSONL: a byte-order mark at the start of a line is skipped, `\r\n`
/// ends a line as `\n` does, blank lines are not requests. Nothing is parsed.
pub fn request_lines(text: &str) -> Vec<RequestLine<'_>> {
    text.split('\n')
        .enumerate()
        .map(|(position, line)| {
            let line = line.strip_prefix(BYTE_ORDER_MARK).unwrap_or(line);
            RequestLine { number: position + 1, text: line.strip_suffix('\r').unwrap_or(line) }
        })
        .filter(|line| !line.text.trim().is_empty())
        .collect()
}

/// The request lines of unified JSONL (see [`request_lines`]), each checked to be JSON; a line
/// that is not is an error naming its line and request index.
pub fn json_request_lines(text: &str) -> Result<Vec<RequestLine<'_>>, CoreError> {
    let lines = request_lines(text);
    let mut invalid = Invalid::default();
    for (index, line) in lines.iter().enumerate() {
        if let Err(error) = serde_json::from_str::<&RawValue>(line.text) {
            invalid.push(not_json(index, line.number, line.text, &error))?;
        }
    }
    invalid.finish().map(|()| lines)
}

/// Parses unified JSONL: one request per non-blank line. Errors name the line (from 1, blank lines
/// counted) as well as the request index (blank lines not counted).
pub fn parse_request_lines(text: &str) -> Result<Vec<UnifiedRequest>, CoreError> {
    parse_numbered_request_lines(text).map(|(requests, _)| requests)
}

/// [`parse_request_lines`], with the line number of each request, so that errors found later
/// (validation, conversion) can name the line too ([`CoreError::at_line`]).
pub fn parse_numbered_request_lines(text: &str) -> Result<(Vec<UnifiedRequest>, Vec<usize>), CoreError> {
    let lines = request_lines(text);
    let numbers: Vec<usize> = lines.iter().map(|line| line.number).collect();
    let requests = collect_requests(lines.iter().enumerate().map(|(index, line)| parse_request(index, line.text)))
        .map_err(|error| error.at_line(&numbers))?;
    Ok((requests, numbers))
}

/// Parses one request; errors carry the request's index, its custom id when it has one, and the
/// path of the field that is wrong (none when the text is not JSON at all).
pub fn parse_request(index: usize, text: &str) -> Result<UnifiedRequest, CoreError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let error = match <UnifiedRequest as Deserialize>::deserialize(&mut deserializer) {
        // Text after the request (a second request where a line break was lost) is no part of it:
        // refused, never dropped (a new-user trial found the second of two requests on one line lost).
        Ok(_) if deserializer.end().is_err() => return Err(text_after_request(index, text)),
        Ok(mut request) => {
            tool_arguments::read_exactly(text, &mut request);
            return Ok(request);
        }
        // Fields read from their own text (`model/request_numbers.rs`) raise a number out of range or
        // nesting past the limit after their value: placed where the reader of the whole text places it.
        Err(error) => crate::providers::exact_json::placed(text, error),
    };
    // serde_json reports some type errors as syntax errors (a number where an enum's string is
    // expected reads as "expected value"): only text that is not JSON at all has no field.
    if (error.is_syntax() || error.is_eof()) && serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        return Err(not_json(index, 0, text, &error));
    }
    if !text.trim_start().starts_with('{') {
        return Err(not_an_object(index, text));
    }
    let message = exact_float_quote(text, &error, strip_location(&error.to_string()));
    let field = field_of(&within_part(text, field_path::field_path(text, &error)), &message);
    Err(CoreError::Validation {
        index: Some(index),
        custom_id: custom_id_of(text),
        field,
        message: explain(&message),
        line: None,
    })
}

/// The error of a request followed by more text on its line, naming where the request ends.
#[cold]
fn text_after_request(index: usize, text: &str) -> CoreError {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let _ = values.next();
    let end = values.byte_offset();
    let lone_cr = text[end..].trim_start_matches([' ', '\t']).starts_with('\r');
    let what = match values.next() {
        // CR is JSON whitespace: a file whose lines end with CR alone reads as one line.
        Some(Ok(_)) if lone_cr => {
            "another JSON value after a lone CR (lines ended by CR alone, as old Mac files end them: end each line with LF or CR LF)"
        }
        Some(Ok(_)) => "another JSON value (two requests on one line? each needs its own line)",
        _ => "text that is not JSON",
    };
    CoreError::Validation {
        index: Some(index),
        custom_id: custom_id_of(&text[..end]),
        field: String::new(),
        message: format!(
            "the request ends at character {} of its line, and {what} follows it",
            text[..end].chars().count()
        ),
        line: None,
    }
}

/// The place inside a message part that its error is about. serde reads a part (an internally
/// tagged enum) whole before its fields, so its errors are placed at the part
/// (`messages[0].content[1]`): the part is read again one key at a time, beside its `type`, and the
/// first key refused for any other reason than a field missing is the one. A `tool_result`'s
/// `content` holds parts of its own: the first of them refused, and its key, the same way. Only on
/// the error path; `path` unchanged when no single key is refused (a part without `type`, one
/// refused as a whole, a field missing).
fn within_part(text: &str, mut path: String) -> String {
    let Ok(request) = serde_json::from_str::<serde_json::Value>(text) else { return path };
    while let Some((key, nested)) = refused_key(&request, &path) {
        path = format!("{path}.{key}");
        match nested {
            Some(at) => path = format!("{path}[{at}]"),
            None => break,
        }
    }
    path
}

/// The key of the part at `path` that is refused (see [`within_part`]), and for a `tool_result`'s
/// `content`, the index of its first part refused.
fn refused_key(request: &serde_json::Value, path: &str) -> Option<(String, Option<usize>)> {
    if !path.ends_with(']') || !path.rsplit_once('[').is_some_and(|(before, _)| before.ends_with("content")) {
        return None;
    }
    let mut value = request;
    for step in path.split('.') {
        let (name, indexes) = step.split_once('[').map_or((step, ""), |(name, rest)| (name, rest));
        value = value.get(name)?;
        for index in indexes.split('[').filter(|index| !index.is_empty()) {
            value = value.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    let part = value.as_object()?;
    let kind = part.get("type")?;
    // Read from text, by the reader that read the request: reading from a `Value` would compile
    // every part's reader a second time into the module (+8.5 KB).
    let read = |part: &serde_json::Value| serde_json::from_str::<ContentPart>(&part.to_string());
    part.iter().filter(|(key, _)| *key != "type").find_map(|(key, value)| {
        if let (Some("tool_result"), "content", serde_json::Value::Array(parts)) = (kind.as_str(), key.as_str(), value)
        {
            // Its parts are whole: any error of one of them is the one.
            return parts.iter().position(|part| read(part).is_err()).map(|at| (key.clone(), Some(at)));
        }
        // Alone, the part lacks its other fields: an error of a field missing is not this key's.
        match read(&serde_json::json!({ "type": kind, key.as_str(): value })) {
            Err(error) if !error.to_string().starts_with("missing field") => Some((key.clone(), None)),
            _ => None,
        }
    })
}

/// A float given where an integer belongs (`maxTokens: 2.5`) is quoted in serde's message as
/// serde_json's default reader read it, which for some 16–17-digit decimals is one unit off in the
/// last place; the fields that hold floats are read exactly (`model/request_numbers.rs`). The quote
/// is redone from the number's text (serde_json stops just after it), read as `JSON.parse` reads it,
/// in serde's own wording. Any other message is kept.
fn exact_float_quote(text: &str, error: &serde_json::Error, message: String) -> String {
    let Some(expected) = message.strip_prefix("invalid type: floating point `").and_then(|rest| rest.split_once('`'))
    else {
        return message;
    };
    let is_number_byte = |byte: &u8| matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E');
    let bytes = text.as_bytes();
    let Some(offset) = field_path::offset_of(text, error) else { return message };
    // The error's column may count the byte after the number.
    let end = if offset > 0 && !is_number_byte(&bytes[offset - 1]) { offset - 1 } else { offset };
    let start = bytes[..end].iter().rposition(|byte| !is_number_byte(byte)).map_or(0, |at| at + 1);
    // `get`: never a panic, whatever bytes stand around the error.
    match text.get(start..end).map(str::parse::<f64>) {
        // serde_json's own wording of the quote (its error type writes floats as `JSON.stringify` does).
        Some(Ok(float)) if float.is_finite() => match expected.1.strip_prefix(", expected ") {
            Some(expected) => {
                <serde_json::Error as serde::de::Error>::invalid_type(serde::de::Unexpected::Float(float), &expected)
                    .to_string()
            }
            None => message,
        },
        _ => message,
    }
}

/// A line that is not JSON: no field to name, no custom id to read. `line` 0 is unknown.
fn not_json(index: usize, line: usize, text: &str, error: &serde_json::Error) -> CoreError {
    let mut message = format!("not valid JSON: {} at column {}", strip_location(&error.to_string()), error.column());
    if text.contains('\0') {
        message.push_str(" (the text holds NUL bytes, as UTF-16 text read as UTF-8 does: save the file as UTF-8)");
    }
    CoreError::Validation {
        index: Some(index),
        custom_id: None,
        field: String::new(),
        message,
        line: (line > 0).then_some(line),
    }
}

/// JSON that is not an object (an array, a string, a number, null): the error is about the whole
/// request, so it names no field (serde would name `[0]`, a place in no request).
fn not_an_object(index: usize, text: &str) -> CoreError {
    let kind = match text.trim_start().chars().next() {
        Some('[') => "an array",
        Some('"') => "a string",
        Some('n') => "null",
        Some('t' | 'f') => "a boolean",
        _ => "a number",
    };
    CoreError::Validation {
        index: Some(index),
        custom_id: None,
        field: String::new(),
        message: format!("a request must be a JSON object, not {kind}"),
        line: None,
    }
}

/// The path of the field an error is about. serde reports a missing field, and a field given twice,
/// at the object that holds it (an empty path for the request itself): the field's own name is
/// added, so that a request without `messages` names `messages`, and one with two `model` keys `model`.
fn field_of(path: &str, message: &str) -> String {
    let missing = ["missing field `", "duplicate field `"]
        .iter()
        .find_map(|start| message.strip_prefix(start))
        .and_then(|rest| rest.split('`').next());
    match missing {
        Some(name) if path.is_empty() => name.to_owned(),
        Some(name) => format!("{path}.{name}"),
        None => path.to_owned(),
    }
}

/// The request's custom id when it is a string; any other value is no custom id (a number `5`
/// was reported as the id "5", as if the request had one).
fn custom_id_of(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(remote = "Self")]
    struct IdOnly {
        #[serde(rename = "customId")]
        custom_id: Option<serde_json::Value>,
    }
    object_only!(deserialize only IdOnly, "struct IdOnly");
    let id: IdOnly = serde_json::from_str(text).ok()?;
    match id.custom_id? {
        serde_json::Value::String(id) => Some(id),
        _ => None,
    }
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(position) => message[..position].to_owned(),
        None => message.to_owned(),
    }
}

// serde's wording in JSON's words, plus a hint where the fix is not obvious.
fn explain(message: &str) -> String {
    let message = crate::error::in_json_words(message);
    if message.starts_with("unknown value `system`") {
        return format!("{message}; put system instructions in `systemPrompt`");
    }
    // A message part's `type` that is not a string (serde's tag reader of the part).
    if let Some(found) = message.strip_suffix(", expected variant identifier") {
        return format!(
            "{found}, expected one of `text`, `image`, `document`, `tool_call`, `tool_result`, `reasoning`, `redacted_reasoning`"
        );
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContentPart, MessageContent, SourceType, SystemPrompt};

    /// Every line that cannot be read is named in one error, each with its line and index; lines
    /// that are not JSON are named before any request is read.
    #[test]
    fn every_unreadable_line_is_named_in_one_error() {
        let ok = r#"{"customId":"ok","model":"m","messages":[{"role":"user","content":"hi"}]}"#;
        let text = format!(
            "{ok}\n\n{{\"customId\":\"a\",\"model\":\"m\",\"messages\":true}}\n{ok}\n{{\"customId\":\"b\",\"model\":\"m\",\"messages\":7}}\n"
        );
        let error = parse_request_lines(&text).unwrap_err();
        let CoreError::Validations { errors, total } = &error else { panic!("{error:?}") };
        assert_eq!(*total, 2);
        let named: Vec<(Option<usize>, Option<usize>, &str)> = errors
            .iter()
            .map(|each| match each {
                CoreError::Validation { index, line, field, .. } => (*index, *line, field.as_str()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(named, [(Some(1), Some(3), "messages"), (Some(3), Some(5), "messages")]);
        assert!(error.to_string().starts_with("request 1 (line 3, customId \"a\"): messages: "), "{error}");

        let not_json = json_request_lines("{\n{\"a\":1}\n[\n").unwrap_err();
        let CoreError::Validations { errors, total: 2 } = &not_json else { panic!("{not_json:?}") };
        assert!(matches!(&errors[1], CoreError::Validation { index: Some(2), line: Some(3), .. }), "{errors:?}");

        let array =
            parse_request_array(&format!(r#"[{{"customId":"x","messages":1}},{ok},{{"customId":"y","messages":2}}]"#))
                .unwrap_err();
        assert!(matches!(&array, CoreError::Validations { total: 2, .. }), "{array:?}");
    }

    #[test]
    fn parses_a_full_request() {
        let text = r#"[{"customId":"a","model":"m","systemPrompt":["x","y"],
            "messages":[{"role":"user","content":[{"type":"text","text":"hi"},
              {"type":"image","sourceType":"url","data":"https://example.com/cat.png"}]}],
            "generationConfig":{"maxTokens":5,"topK":3},"providerKwargs":{"seed":1}}]"#;
        let requests = parse_request_array(text).unwrap();
        let request = &requests[0];
        assert_eq!(request.system_prompt, Some(SystemPrompt::Parts(vec!["x".into(), "y".into()])));
        let MessageContent::Parts(parts) = &request.messages[0].content else { panic!("parts expected") };
        assert!(matches!(&parts[1], ContentPart::Image(image) if image.source_type == SourceType::Url));
        assert_eq!(request.generation_config.as_ref().unwrap().top_k, Some(3));
        assert_eq!(request.provider_kwargs.as_ref().unwrap()["seed"], 1);
    }

    #[test]
    fn string_content_is_accepted() {
        let request =
            parse_request(0, r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"hi"}]}"#).unwrap();
        assert_eq!(request.messages[0].content, MessageContent::Text("hi".into()));
    }

    #[test]
    fn unknown_role_names_request_and_field() {
        let error = parse_request_lines(
            "{\"customId\":\"ok\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n\
             {\"customId\":\"bad\",\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}]}",
        )
        .unwrap_err();
        let CoreError::Validation { index, custom_id, field, message, .. } = error else { panic!() };
        assert_eq!(index, Some(1));
        assert_eq!(custom_id.as_deref(), Some("bad"));
        assert_eq!(field, "messages[0].role");
        assert!(message.contains("systemPrompt"), "{message}");
    }

    #[test]
    fn typo_in_generation_config_is_an_error_with_its_path() {
        let error = parse_request(
            4,
            r#"{"customId":"t","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"maxToken":5}}"#,
        )
        .unwrap_err();
        let CoreError::Validation { index, field, message, .. } = error else { panic!() };
        assert_eq!(index, Some(4));
        assert_eq!(field, "generationConfig.maxToken");
        assert!(message.contains("unknown field `maxToken`"), "{message}");
    }

    #[test]
    fn error_inside_a_content_part_keeps_its_path() {
        let error = parse_request(
            0,
            r#"{"customId":"p","model":"m","messages":[{"role":"user","content":[{"type":"image","sourceType":"ftp","data":"x"}]}]}"#,
        )
        .unwrap_err();
        // serde buffers a tagged part: the part is read again a key at a time to name the key.
        let CoreError::Validation { field, message, .. } = error else { panic!() };
        assert_eq!(field, "messages[0].content[0].sourceType");
        assert!(message.contains("unknown value `ftp`"), "{message}");
    }

    #[test]
    fn missing_custom_id_is_named() {
        let error = parse_request(2, r#"{"model":"m","messages":[]}"#).unwrap_err();
        let CoreError::Validation { index, custom_id, message, .. } = error else { panic!() };
        assert_eq!((index, custom_id), (Some(2), None));
        assert!(message.contains("customId"), "{message}");
    }

    fn fixture(name: &str) -> String {
        let path = format!("{}/../../tests/fixtures/unified/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    #[test]
    fn byte_order_mark_crlf_and_a_trailing_empty_line_are_read() {
        // Field case 16: a file saved by Windows tools.
        for name in ["requests-bom-crlf.jsonl", "requests-crlf.jsonl"] {
            let text = fixture(name);
            let requests = parse_request_lines(&text).unwrap();
            let ids: Vec<&str> = requests.iter().map(|request| request.custom_id.as_str()).collect();
            assert_eq!(ids, ["row-1", "row-2", "row-3"], "{name}");
            let MessageContent::Text(last) = &requests[2].messages[0].content else { panic!("text expected") };
            assert!(last.ends_with("zwei"), "no carriage return kept: {last:?}");
            assert!(last.contains('\u{2028}'), "U+2028 kept: {last:?}");
        }
    }

    #[test]
    fn byte_order_mark_before_a_json_array_is_read() {
        let requests = parse_request_array("\u{feff}[{\"customId\":\"a\",\"model\":\"m\",\"messages\":[]}]").unwrap();
        assert_eq!(requests[0].custom_id, "a");
    }

    #[test]
    fn a_byte_order_mark_at_the_start_of_any_line_is_read() {
        // Two BOM-prefixed Windows files joined with `cat`, and a BOM after blank lines.
        let request = |id: &str| format!("{{\"customId\":\"{id}\",\"model\":\"m\",\"messages\":[]}}");
        let text = format!("\u{feff}{}\r\n\u{feff}{}\r\n\r\n\u{feff}{}\n", request("a"), request("b"), request("c"));
        let (requests, numbers) = parse_numbered_request_lines(&text).unwrap();
        assert_eq!(requests.iter().map(|request| request.custom_id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(numbers, [1, 2, 4]);
        assert_eq!(json_request_lines(&text).unwrap().len(), 3);
        // A mark inside a string is text, kept.
        let inside = "{\"customId\":\"\u{feff}x\",\"model\":\"m\",\"messages\":[]}";
        assert_eq!(parse_request_lines(inside).unwrap()[0].custom_id, "\u{feff}x");
    }

    #[test]
    fn other_encodings_and_line_ends_are_named() {
        let request = "{\"customId\":\"a\",\"model\":\"m\",\"messages\":[]}";
        // UTF-16LE text read as UTF-8: every other byte NUL.
        let utf16: String = request.chars().flat_map(|c| [c, '\0']).collect();
        let CoreError::Validation { line, message, .. } = json_request_lines(&utf16).unwrap_err() else { panic!() };
        assert_eq!(line, Some(1));
        assert!(message.contains("NUL bytes") && message.contains("UTF-16"), "{message}");
        let CoreError::Validation { message, .. } = parse_request_lines(&utf16).unwrap_err() else { panic!() };
        assert!(message.contains("UTF-16"), "{message}");
        // Lines ended by CR alone read as one line.
        let old_mac = format!("{request}\r{request}\r");
        let CoreError::Validation { message, index, .. } = parse_request_lines(&old_mac).unwrap_err() else { panic!() };
        assert_eq!(index, Some(0));
        assert!(message.contains("lone CR") && message.contains("LF or CR LF"), "{message}");
        // Two requests on one line, without CR: the hint stays the old one.
        let CoreError::Validation { message, .. } = parse_request_lines(&format!("{request} {request}")).unwrap_err()
        else {
            panic!()
        };
        assert!(message.contains("two requests on one line") && !message.contains("CR"), "{message}");
    }

    #[test]
    fn lines_are_numbered_as_editors_count_them() {
        let text = "\u{feff}{\"customId\":\"a\",\"model\":\"m\",\"messages\":[]}\r\n\r\n  \n{\"customId\":\"b\",\"model\":\"m\",\"messages\":[]}";
        let lines = request_lines(text);
        assert_eq!(lines.iter().map(|line| line.number).collect::<Vec<_>>(), [1, 4]);
        assert!(lines[0].text.starts_with('{'), "{:?}", lines[0].text);
        let (_, numbers) = parse_numbered_request_lines(text).unwrap();
        assert_eq!(numbers, [1, 4]);
    }

    #[test]
    fn a_line_that_is_not_json_names_line_and_index_and_no_field() {
        let text = "{\"customId\":\"a\",\"model\":\"m\",\"messages\":[]}\n\n{\"customId\": \"b\", oops}\n";
        for error in [parse_request_lines(text).unwrap_err(), json_request_lines(text).unwrap_err()] {
            let CoreError::Validation { index, custom_id, field, line, message } = error.clone() else { panic!() };
            assert_eq!((index, custom_id, line), (Some(1), None, Some(3)));
            assert_eq!(field, "");
            assert!(message.starts_with("not valid JSON: key must be a string at column"), "{message}");
            assert!(error.to_string().starts_with("request 1 (line 3): not valid JSON"), "{error}");
        }
        // Cut short: the end of the line comes first.
        let CoreError::Validation { line, message, .. } = parse_request_lines("{\"customId\": \"a\"").unwrap_err()
        else {
            panic!()
        };
        assert_eq!(line, Some(1));
        assert!(message.contains("EOF while parsing"), "{message}");
    }

    #[test]
    fn a_missing_field_is_named() {
        let cases = [
            (r#"{"model":"m","messages":[]}"#, "customId"),
            (r#"{"customId":"a","messages":[]}"#, "model"),
            (r#"{"customId":"a","model":"m","messages":[{"content":"x"}]}"#, "messages[0].role"),
            (
                r#"{"customId":"a","model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
                "messages[0].content[0]",
            ),
        ];
        for (text, expected) in cases {
            let error = parse_request_lines(&format!("\n{text}")).unwrap_err();
            let CoreError::Validation { field, line, .. } = &error else { panic!() };
            assert!(field.starts_with(expected), "{text}: {field}");
            assert_eq!(*line, Some(2));
            assert!(error.to_string().contains(&format!("{field}: ")), "{error}");
        }
    }

    #[test]
    fn a_request_that_is_json_but_not_an_object_has_no_field() {
        let CoreError::Validation { field, message, .. } = parse_request(0, "\"just text\"").unwrap_err() else {
            panic!()
        };
        assert_eq!(field, "");
        assert!(message.contains("must be a JSON object, not a string"), "{message}");
    }

    #[test]
    fn a_number_where_an_enum_is_expected_names_the_field() {
        for (text, field) in [
            (r#"{"customId":"a","model":"m","messages":[{"role":5,"content":"hi"}]}"#, "messages[0].role"),
            (
                r#"{"customId":"a","model":"m","messages":[{"role":"user","content":[{"type":7,"text":"x"}]}]}"#,
                "messages[0].content[0]",
            ),
        ] {
            let CoreError::Validation { field: named, message, custom_id, .. } = parse_request(0, text).unwrap_err()
            else {
                panic!()
            };
            assert!(named.starts_with(field), "{text}: {named}");
            assert!(!message.contains("not valid JSON"), "{text}: {message}");
            assert_eq!(custom_id.as_deref(), Some("a"));
        }
    }

    #[test]
    fn an_array_or_other_value_is_not_a_request_and_names_no_field() {
        for (text, kind) in [
            ("[1,2]", "an array"),
            ("  [{\"customId\":\"a\"}]", "an array"),
            ("42", "a number"),
            ("null", "null"),
            ("true", "a boolean"),
        ] {
            let CoreError::Validation { field, message, index, .. } = parse_request(3, text).unwrap_err() else {
                panic!()
            };
            assert_eq!((field.as_str(), index), ("", Some(3)), "{text}");
            assert!(message.ends_with(&format!("not {kind}")), "{text}: {message}");
        }
    }
}

#[cfg(test)]
mod exact_numbers_tests;

#[cfg(test)]
mod objects_only_tests;

#[cfg(test)]
mod expected_values_tests;

#[cfg(test)]
mod error_place_tests;
