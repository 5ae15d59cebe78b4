//! Tests of the Gemini module, one file per concern; fixtures in `tests/fixtures/google/`.

mod conversion;
mod results;
mod route;
mod status;
mod submission;

use serde_json::Value;

use super::GoogleApi;
use crate::http::HttpResponse;
use crate::parse::parse_request;
use crate::providers::ClientConfig;
use crate::UnifiedRequest;

pub const BASE: &str = "http://127.0.0.1:9";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/../../tests/fixtures/google/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

pub fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

pub fn api() -> GoogleApi {
    GoogleApi::new(ClientConfig {
        api_key: "gm-test-key".into(),
        base_url: Some(format!("{BASE}/")),
        ..Default::default()
    })
}

pub fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse { status, headers: vec![], body: body.into() }
}

pub fn request(json: &str) -> UnifiedRequest {
    parse_request(0, json).unwrap()
}

/// A one-message request on `gemini-2.5-flash`.
pub fn simple(id: &str, text: &str) -> UnifiedRequest {
    let mut request =
        request(r#"{"customId":"x","model":"gemini-2.5-flash","messages":[{"role":"user","content":"x"}]}"#);
    request.custom_id = id.to_owned();
    request.messages[0].content = crate::MessageContent::Text(text.to_owned());
    request
}
