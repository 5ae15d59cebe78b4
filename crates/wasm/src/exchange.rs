//! The core's HTTP steps as plain JavaScript values: an `HttpRequest` handed out as
//! `{ method, url, headers, body?, manualRedirect? }` (headers as `[name, value]` pairs; a payload
//! body written straight from the prepared JSONL into one `Uint8Array`), and an answer taken back
//! as its status, its headers (names and values in turn) and its body's bytes. The TypeScript
//! (`npm/src/http-exchange.ts`) runs fetch, aborting and time limits; nothing here waits.

use batch_router_core::http::{Body, HttpRequest, HttpResponse, Method};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// `request` as a JavaScript object; `payload` is the prepared JSONL a `Body::Payload` carries.
pub fn request_to_js(request: &HttpRequest, payload: Option<&[u8]>) -> JsValue {
    let object = Object::new();
    // Setting properties on a fresh object cannot fail.
    let set = |key: &str, value: &JsValue| Reflect::set(&object, &JsValue::from_str(key), value);
    let method = match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    };
    let _ = set("method", &JsValue::from_str(method));
    let _ = set("url", &JsValue::from_str(&request.url));
    let headers: Array =
        request.headers.iter().map(|(name, value)| JsValue::from(Array::of2(&name.into(), &value.into()))).collect();
    let _ = set("headers", &headers);
    match &request.body {
        Body::Empty => {}
        Body::Json { text } => {
            let _ = set("body", &JsValue::from_str(text));
        }
        Body::Payload { prefix, suffix, lines_as_array } => {
            let _ = set("body", &payload_array(prefix, payload.unwrap_or_default(), suffix, *lines_as_array));
        }
    }
    if request.manual_redirect {
        let _ = set("manualRedirect", &JsValue::TRUE);
    }
    object.into()
}

/// An answer handed back from JavaScript: `headers` holds names and values in turn. The body is
/// read as `Response.text()` reads it: UTF-8, a byte-order mark dropped, bad bytes replaced.
pub fn response_of(status: u16, headers: Vec<String>, body: &[u8]) -> HttpResponse {
    let mut pairs = Vec::with_capacity(headers.len() / 2);
    let mut headers = headers.into_iter();
    while let (Some(name), Some(value)) = (headers.next(), headers.next()) {
        pairs.push((name, value));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    HttpResponse { status, headers: pairs, body: String::from_utf8_lossy(body).into_owned() }
}

/// The payload body written straight into one JS array: prefix, the JSONL (its line breaks as
/// commas when `lines_as_array`), suffix. The batch is never copied a second time inside wasm.
fn payload_array(prefix: &str, jsonl: &[u8], suffix: &str, lines_as_array: bool) -> Uint8Array {
    let lines = if lines_as_array { jsonl.strip_suffix(b"\n").unwrap_or(jsonl) } else { jsonl };
    let total = prefix.len() + lines.len() + suffix.len();
    let array = Uint8Array::new_with_length(total as u32);
    let mut offset = 0;
    let mut put = |bytes: &[u8]| {
        array.subarray(offset as u32, (offset + bytes.len()) as u32).copy_from(bytes);
        offset += bytes.len();
    };
    put(prefix.as_bytes());
    if lines_as_array {
        for (index, line) in lines.split(|&byte| byte == b'\n').enumerate() {
            if index > 0 {
                put(b",");
            }
            put(line);
        }
    } else {
        put(lines);
    }
    put(suffix.as_bytes());
    array
}

#[wasm_bindgen(typescript_custom_section)]
const HTTP_EXCHANGE_REQUEST: &str = r#"
/** A request of the core, to be sent with fetch: headers as `[name, value]` pairs. */
export interface HttpExchangeRequest {
    method: "GET" | "POST" | "PUT" | "DELETE";
    url: string;
    headers: [string, string][];
    body?: string | Uint8Array<ArrayBuffer>;
    /** A redirect is answered back instead of followed (`redirect: "manual"`). */
    manualRedirect?: boolean;
}
"#;
