//! Executes one core `HttpRequest` with fetch.

use batch_router_core::http::{payload_bytes, Body, HttpRequest, HttpResponse};
use batch_router_core::CoreError;
use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, Request, RequestInit, Response};

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
                let bytes = payload_bytes(prefix, payload.unwrap_or_default(), suffix, *lines_as_array);
                init.set_body(&Uint8Array::from(bytes.as_slice()));
            }
        }
        if let Some(signal) = &self.signal {
            init.set_signal(Some(signal));
        }
        let js_request = Request::new_with_str_and_init(&request.url, &init).map_err(js_failure)?;
        let promise = match &self.fetch {
            Some(fetch) => fetch.call1(&JsValue::NULL, &js_request).map_err(|error| self.failure(error))?,
            None => global_fetch(&js_request).into(),
        };
        let promise: Promise = promise.dyn_into().unwrap_or_else(|value| Promise::resolve(&value));
        let value = JsFuture::from(promise).await.map_err(|error| self.failure(error))?;
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

pub async fn read_response(response: Response, fetcher: &Fetcher) -> Result<HttpResponse, CoreError> {
    let status = response.status();
    let headers = header_pairs(&response.headers());
    let text = response.text().map_err(js_failure)?;
    let body = JsFuture::from(text).await.map_err(|error| fetcher.failure(error))?;
    Ok(HttpResponse { status, headers, body: body.as_string().unwrap_or_default() })
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
