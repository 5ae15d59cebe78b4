//! HTTP steps as data. A provider module describes each call it needs; the executor (the wasm crate
//! with `fetch`, or a test) performs it and hands the response back.

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// What the request carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Body {
    Empty,
    Json {
        text: String,
    },
    /// `prefix`, then the batch's prepared JSONL (which the core does not hold), then `suffix`.
    /// This is how a multipart upload of a large file is described without copying the file.
    /// With `linesAsArray`, the JSONL's line breaks become commas, so that
    /// `{"requests":[` + lines + `]}` is one JSON body (newlines never occur inside a JSON line).
    Payload {
        prefix: String,
        suffix: String,
        #[serde(default)]
        lines_as_array: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// The response body is a stream of result lines rather than one JSON document.
    pub streaming: bool,
    /// A redirect is answered back instead of followed (`redirect: "manual"`): Together's upload
    /// names its signed URL in a 302's `Location`.
    #[serde(default)]
    pub manual_redirect: bool,
}

impl HttpRequest {
    pub fn new(method: Method, url: String) -> Self {
        HttpRequest { method, url, headers: Vec::new(), body: Body::Empty, streaming: false, manual_redirect: false }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn json(mut self, text: String) -> Self {
        self.headers.push(("content-type".into(), "application/json".into()));
        self.body = Body::Json { text };
        self
    }
}

/// A response as the executor received it (the body read as text; result streams are not read
/// this way).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The bytes to send for a payload body: `prefix`, the JSONL (its line breaks turned into commas
/// when `lines_as_array`), then `suffix`.
pub fn payload_bytes(prefix: &str, jsonl: &[u8], suffix: &str, lines_as_array: bool) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(prefix.len() + jsonl.len() + suffix.len());
    bytes.extend_from_slice(prefix.as_bytes());
    if lines_as_array {
        let lines = jsonl.strip_suffix(b"\n").unwrap_or(jsonl);
        bytes.extend(lines.iter().map(|&byte| if byte == b'\n' { b',' } else { byte }));
    } else {
        bytes.extend_from_slice(jsonl);
    }
    bytes.extend_from_slice(suffix.as_bytes());
    bytes
}

/// `scheme://host[:port]` of a URL, lower-cased: credentials go only to the origin they belong to.
pub fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |position| position + 3);
    let end = url[after_scheme..].find(['/', '?', '#']).map_or(url.len(), |position| after_scheme + position);
    url[..end].to_ascii_lowercase()
}

/// Percent-encodes a query or path component (RFC 3986 unreserved characters pass through).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A multipart/form-data envelope around one file field, as text before and after the file bytes.
pub fn multipart_envelope(
    boundary: &str,
    fields: &[(&str, &str)],
    file_field: &str,
    filename: &str,
    file_content_type: &str,
) -> (String, String) {
    let mut prefix = String::new();
    for (name, value) in fields {
        prefix.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    prefix.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{filename}\"\r\nContent-Type: {file_content_type}\r\n\r\n"
    ));
    let suffix = format!("\r\n--{boundary}--\r\n");
    (prefix, suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(origin("https://API.anthropic.com/v1/messages?x=1"), "https://api.anthropic.com");
        assert_eq!(origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_ne!(origin("https://api.anthropic.com/a"), origin("https://evil.example/a"));
    }

    #[test]
    fn encodes_components() {
        assert_eq!(encode_component("batch_abc-1.2~"), "batch_abc-1.2~");
        assert_eq!(encode_component("a b/c?d"), "a%20b%2Fc%3Fd");
    }

    #[test]
    fn payload_lines_become_a_json_array() {
        let bytes = payload_bytes("{\"requests\":[", b"{\"a\":\"x\\ny\"}\n{\"b\":2}\n", "]}", true);
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value, serde_json::json!({"requests": [{"a": "x\ny"}, {"b": 2}]}));
        assert_eq!(payload_bytes("<", b"l1\nl2\n", ">", false), b"<l1\nl2\n>");
    }

    #[test]
    fn multipart_envelope_has_fields_then_file() {
        let (prefix, suffix) =
            multipart_envelope("XYZ", &[("purpose", "batch")], "file", "in.jsonl", "application/jsonl");
        assert!(prefix.starts_with("--XYZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"));
        assert!(prefix.ends_with("filename=\"in.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"));
        assert_eq!(suffix, "\r\n--XYZ--\r\n");
    }
}
