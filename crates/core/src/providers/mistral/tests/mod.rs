//! Tests of the Mistral module, by concern, with fixtures from `tests/fixtures/mistral/`.

mod conversion;
mod lifecycle;
mod results;
mod status;
mod submission;

use serde_json::Value;

use super::*;
use crate::http::{HttpRequest, HttpResponse};
use crate::parse::parse_request;
use crate::UnifiedRequest;

fn fixture(name: &str) -> String {
    let path = format!("{}/../../tests/fixtures/mistral/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn api() -> MistralApi {
    MistralApi::new(ClientConfig {
        api_key: "test-key".into(),
        base_url: Some("http://127.0.0.1:9/".into()),
        ..Default::default()
    })
}

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse { status, headers: vec![], body: body.into() }
}

fn has_auth(request: &HttpRequest) -> bool {
    request.headers.contains(&("authorization".into(), "Bearer test-key".into()))
}

fn request(json: &str) -> UnifiedRequest {
    parse_request(0, json).unwrap()
}

/// `count` one-message requests on model `m`, ids `r0`, `r1`, …
fn simple_requests(count: usize) -> Vec<UnifiedRequest> {
    (0..count)
        .map(|index| {
            request(&format!(r#"{{"customId":"r{index}","model":"m","messages":[{{"role":"user","content":"x"}}]}}"#))
        })
        .collect()
}
