//! Executes one core `HttpRequest` with fetch. Every wait on the network (the fetch, each read of
//! the body) ends when the signal aborts (`abortable.rs`).

use batch_router_core::http::{Body, HttpRequest, HttpResponse};
use batch_router_core::CoreError;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, ReadableStreamDefaultReader, Request, RequestInit, Response};

use crate::abortable::until_aborted;

#[wasm_bindgen]
extern "C" {
    // Bound directly: `window` does not exist in Node, Deno or workers.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;
}

/// The fetch to use: the caller's, or the runtime's global one.
#[derive(Clone)]
pub struct Fetcher {
    pub fetch: Option<Function>,
    pub signal: Option<AbortSignal>,
}

impl Fetcher {
    /// Sends `request`; `payload` is the prepared JSONL for `Body::Payload`. Any HTTP status is a
    /// response; only a failure to get one is an error.
    pub async fn send(&self, request: &HttpRequest, payload: Option<&[u8]>) -> Result<Response, CoreError> {
        let init = RequestInit::new();
        init.set_method(match request.method {
            batch_router_core::http::Method::Get => "GET",
            batch_router_core::http::Method::Post => "POST",
            batch_router_core::http::Method::Put => "PUT",
            batch_router_core::http::Method::Delete => "DELETE",
        });
        let headers = Headers::new().map_err(js_failure)?;
        for (name, value) in &request.headers {
            headers.append(name, value).map_err(js_failure)?;
        }
        init.set_headers(&headers);
        match &request.body {
            Body::Empty => {}
            Body::Json { text } => init.set_body(&JsValue::from_str(text)),
            Body::Payload { prefix, suffix, lines_as_array } => {
                init.set_body(&payload_array(prefix, payload.unwrap_or_default(), suffix, *lines_as_array));
            }
        }
        if let Some(signal) = &self.signal {
            init.set_signal(Some(signal));
        }
        if request.manual_redirect {
            init.set_redirect(web_sys::RequestRedirect::Manual);
        }
        let js_request = Request::new_with_str_and_init(&request.url, &init).map_err(js_failure)?;
        let promise = match &self.fetch {
            Some(fetch) => fetch.call1(&JsValue::NULL, &js_request).map_err(|error| self.failure(error))?,
            None => global_fetch(&js_request).into(),
        };
        let promise: Promise = promise.dyn_into().unwrap_or_else(|value| Promise::resolve(&value));
        // A fetch function that ignores the request's signal still ends when it aborts.
        let value = until_aborted(promise, self.signal.as_ref()).await.map_err(|error| self.failure(error))?;
        value
            .dyn_into::<Response>()
            .map_err(|_| CoreError::Connection { message: "the fetch function did not return a Response".into() })
    }

    /// Sends `request` and reads the whole body as text.
    pub async fn send_and_read(
        &self,
        request: &HttpRequest,
        payload: Option<&[u8]>,
    ) -> Result<HttpResponse, CoreError> {
        let response = self.send(request, payload).await?;
        read_response(response, self).await
    }

    /// A rejected fetch: aborted when our signal fired, otherwise a connection failure.
    pub fn failure(&self, error: JsValue) -> CoreError {
        if self.signal.as_ref().is_some_and(AbortSignal::aborted) {
            return CoreError::Aborted;
        }
        let message = error
            .dyn_ref::<js_sys::Error>()
            .map(|error| {
                let mut message: String = error.message().into();
                // Node's fetch says "fetch failed" and keeps the reason in `cause`.
                if let Ok(cause) = js_sys::Reflect::get(error, &JsValue::from_str("cause")) {
                    if let Some(cause) = cause.dyn_ref::<js_sys::Error>() {
                        message = format!("{message}: {}", String::from(cause.message()));
                    }
                }
                message
            })
            .or_else(|| error.as_string())
            .unwrap_or_else(|| "fetch failed".into());
        CoreError::Connection { message }
    }
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

/// Reads a whole response (status, headers, body as text), ending when the signal aborts.
pub async fn read_response(response: Response, fetcher: &Fetcher) -> Result<HttpResponse, CoreError> {
    let status = response.status();
    let headers = header_pairs(&response.headers());
    let mut body = Vec::new();
    if let Some(stream) = response.body() {
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        loop {
            let (bytes, done) = read_chunk(&reader, fetcher).await?;
            body.extend_from_slice(&bytes);
            if done {
                break;
            }
        }
    }
    // As `Response.text()` reads it: UTF-8, a byte-order mark dropped, bad bytes replaced.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&body);
    Ok(HttpResponse { status, headers, body: String::from_utf8_lossy(body).into_owned() })
}

/// Reads the next chunk of a response body: its bytes, and whether the body has ended. When the
/// signal aborts first, the reader is cancelled (the connection is released) and the read fails.
pub async fn read_chunk(reader: &ReadableStreamDefaultReader, fetcher: &Fetcher) -> Result<(Vec<u8>, bool), CoreError> {
    let (array, done) = read_array(reader, fetcher).await?;
    Ok((array.map(|array| array.to_vec()).unwrap_or_default(), done))
}

/// [`read_chunk`], giving the chunk as the stream handed it over (`None` when it gave none).
pub async fn read_array(
    reader: &ReadableStreamDefaultReader,
    fetcher: &Fetcher,
) -> Result<(Option<Uint8Array>, bool), CoreError> {
    let result = match until_aborted(reader.read(), fetcher.signal.as_ref()).await {
        Ok(result) => result,
        Err(error) => {
            cancel_reader(reader);
            return Err(fetcher.failure(error));
        }
    };
    let done = Reflect::get(&result, &JsValue::from_str("done")).map(|value| value.is_truthy()).unwrap_or(true);
    let value = Reflect::get(&result, &JsValue::from_str("value")).unwrap_or(JsValue::UNDEFINED);
    Ok(((!value.is_undefined()).then(|| value.unchecked_into::<Uint8Array>()), done))
}

/// Cancels a body's reader, without waiting.
pub fn cancel_reader(reader: &ReadableStreamDefaultReader) {
    // `cancel()` rejects when the download already failed (an abort errors the body stream);
    // awaiting it consumes that rejection instead of leaving it unhandled, which would crash Node.
    let cancelled = JsFuture::from(reader.cancel());
    wasm_bindgen_futures::spawn_local(async move {
        let _ = cancelled.await;
    });
}

pub fn header_pairs(headers: &Headers) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(headers) {
        for entry in entries.flatten() {
            let entry: js_sys::Array = entry.unchecked_into();
            if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
                pairs.push((name, value));
            }
        }
    }
    pairs
}

fn js_failure(error: JsValue) -> CoreError {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .unwrap_or_else(|| format!("{error:?}"));
    CoreError::Connection { message }
}
