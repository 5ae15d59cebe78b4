//! A provider client: the core's requests and parsers for submit, status, cancel, list, delete and
//! results, one synchronous call each. The TypeScript (`npm/src/provider-client.ts`) sends each
//! request with fetch and hands the answer back (`exchange.rs`): the loops, aborting and time
//! limits are its own, so nothing in the module waits.

use std::rc::Rc;

use batch_router_core::model::{BatchStatusResponse, ListOptions};
use batch_router_core::providers::{api_for, id_map_of, BatchApi, ClientConfig, IdMapping, ResultSource};
use batch_router_core::results::{EmbeddingInputs, IdMap, JsonPolicy};
use batch_router_core::structured_output::JsonAnswers;
use batch_router_core::{CoreError, Endpoint, Provider};
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::error::{read_options, read_value, to_js, to_js_error};
use crate::exchange::{request_to_js, response_of};
use crate::result_stream::ResultStream;

pub(crate) struct Inner {
    pub(crate) api: Box<dyn BatchApi>,
}

/// One provider's client. (The job methods, `startSubmission` and `batchFinder`, are in
/// `submission_run.rs`.)
#[wasm_bindgen]
pub struct BatchClient {
    pub(crate) inner: Rc<Inner>,
}

/// A core result as a JS value, its error as a JS error.
pub(crate) fn js_result<T: serde::Serialize>(value: Result<T, CoreError>) -> Result<JsValue, JsValue> {
    to_js(&value.map_err(to_js_error)?)
}

#[wasm_bindgen]
impl BatchClient {
    /// `provider` is a provider name.
    #[wasm_bindgen(constructor)]
    pub fn new(provider: &str, config: Ts<ClientConfig>) -> Result<BatchClient, JsValue> {
        let provider = Provider::from_name(provider).map_err(to_js_error)?;
        let config = read_options(config, "options").map_err(to_js_error)?;
        let api = api_for(provider, config).map_err(to_js_error)?;
        Ok(BatchClient { inner: Rc::new(Inner { api }) })
    }

    /// The batch id as the provider's statuses spell it (Gemini: `batches/{id}` for a bare id).
    #[wasm_bindgen(js_name = canonicalBatchId)]
    pub fn canonical_batch_id(&self, batch_id: &str) -> String {
        self.inner.api.canonical_batch_id(batch_id)
    }

    #[wasm_bindgen(js_name = statusRequest, unchecked_return_type = "HttpExchangeRequest")]
    pub fn status_request(&self, batch_id: &str) -> JsValue {
        request_to_js(&self.inner.api.status_request(batch_id), None)
    }

    #[wasm_bindgen(js_name = parseStatus, unchecked_return_type = "BatchStatusResponse")]
    pub fn parse_status(
        &self,
        batch_id: &str,
        status: u16,
        headers: Vec<String>,
        body: &[u8],
    ) -> Result<JsValue, JsValue> {
        js_result(self.inner.api.parse_status(batch_id, &response_of(status, headers, body)))
    }

    #[wasm_bindgen(js_name = cancelRequest, unchecked_return_type = "HttpExchangeRequest")]
    pub fn cancel_request(&self, batch_id: &str) -> JsValue {
        request_to_js(&self.inner.api.cancel_request(batch_id), None)
    }

    /// The batch's status after a cancel call; an error when the call was refused.
    #[wasm_bindgen(js_name = parseCancel, unchecked_return_type = "BatchStatusResponse")]
    pub fn parse_cancel(
        &self,
        batch_id: &str,
        status: u16,
        headers: Vec<String>,
        body: &[u8],
    ) -> Result<JsValue, JsValue> {
        js_result(self.inner.api.parse_cancel(batch_id, &response_of(status, headers, body)))
    }

    #[wasm_bindgen(js_name = listRequest, unchecked_return_type = "HttpExchangeRequest")]
    pub fn list_request(&self, options: Ts<ListOptions>) -> Result<JsValue, JsValue> {
        let options = read_options(options, "options").map_err(to_js_error)?;
        Ok(request_to_js(&self.inner.api.list_request(&options), None))
    }

    #[wasm_bindgen(js_name = parseList, unchecked_return_type = "BatchListPage")]
    pub fn parse_list(
        &self,
        options: Ts<ListOptions>,
        status: u16,
        headers: Vec<String>,
        body: &[u8],
    ) -> Result<JsValue, JsValue> {
        let options = read_options(options, "options").map_err(to_js_error)?;
        js_result(self.inner.api.parse_list_page(&options, &response_of(status, headers, body)))
    }

    /// The request deleting a batch where the provider allows it (Anthropic, Gemini, Mistral).
    #[wasm_bindgen(js_name = deleteRequest, unchecked_return_type = "HttpExchangeRequest")]
    pub fn delete_request(&self, batch_id: &str) -> Result<JsValue, JsValue> {
        let request = self.inner.api.delete_request(batch_id).map_err(to_js_error)?;
        Ok(request_to_js(&request, None))
    }

    #[wasm_bindgen(js_name = parseDelete)]
    pub fn parse_delete(&self, batch_id: &str, status: u16, headers: Vec<String>, body: &[u8]) -> Result<(), JsValue> {
        self.inner.api.parse_delete(batch_id, &response_of(status, headers, body)).map_err(to_js_error)
    }

    /// Starts opening the results of a finished batch (see [`ResultsOpening`]). `idMap` restores
    /// ids the provider could not take; `requestIds` (the custom ids in submission order) lets a
    /// provider whose answers may lack keys match them by position; `jsonAnswers` (from the batch
    /// summary) says which answers are read as JSON (`parsed`), without it any text that is a JSON
    /// object or array is; `embeddingInputs` (from the summary of an embeddings batch) makes an
    /// answer with another count of vectors than its request's inputs an error; `endpoint` (from
    /// the summary) is the kind of answer the batch may hold where the provider's batch object may
    /// not say it (Gemini).
    // Each optional piece of the batch's record is its own argument: read as one options object, they
    // would cost a serde read of a struct the module has no other use for.
    #[wasm_bindgen(js_name = openResults)]
    pub fn open_results(
        &self,
        batch_id: String,
        #[wasm_bindgen(unchecked_param_type = "IdMapping[] | undefined")] id_map: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string[] | undefined")] request_ids: JsValue,
        #[wasm_bindgen(unchecked_param_type = "JsonAnswers | undefined")] json_answers: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, number> | undefined")] embedding_inputs: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Endpoint | undefined")] endpoint: JsValue,
    ) -> Result<ResultsOpening, JsValue> {
        Ok(ResultsOpening {
            inner: self.inner.clone(),
            id_map: optional::<Vec<IdMapping>>(id_map, "idMap")?.and_then(|map| id_map_of(&map)),
            request_ids: optional::<Vec<String>>(request_ids, "requestIds")?,
            json: optional::<JsonAnswers>(json_answers, "jsonAnswers")?.unwrap_or_default(),
            embedding_inputs: optional::<EmbeddingInputs>(embedding_inputs, "embeddingInputs")?,
            endpoint: optional::<Endpoint>(endpoint, "endpoint")?,
            batch_id,
            status: None,
        })
    }
}

/// Opening a batch's results: `request()` is its status request; `answer` reads each answer and
/// gives the next request (some finished batches show where their results are only when read a
/// second way) or `undefined` once `stream` can open them. Rejects with `batch_not_complete`
/// while the batch runs.
#[wasm_bindgen]
pub struct ResultsOpening {
    inner: Rc<Inner>,
    batch_id: String,
    id_map: Option<IdMap>,
    request_ids: Option<Vec<String>>,
    json: JsonAnswers,
    embedding_inputs: Option<EmbeddingInputs>,
    endpoint: Option<Endpoint>,
    /// The status read so far (`None` before the first answer).
    status: Option<BatchStatusResponse>,
}

#[wasm_bindgen]
impl ResultsOpening {
    #[wasm_bindgen(unchecked_return_type = "HttpExchangeRequest")]
    pub fn request(&self) -> JsValue {
        request_to_js(&self.inner.api.status_request(&self.batch_id), None)
    }

    #[wasm_bindgen(unchecked_return_type = "HttpExchangeRequest | undefined")]
    pub fn answer(&mut self, status: u16, headers: Vec<String>, body: &[u8]) -> Result<JsValue, JsValue> {
        let api = &*self.inner.api;
        let first = self.status.is_none();
        let read = api.parse_status(&self.batch_id, &response_of(status, headers, body)).map_err(to_js_error)?;
        if first && !read.status.is_terminal() {
            return Err(to_js_error(CoreError::BatchNotComplete {
                provider: api.provider().name().into(),
                batch_id: self.batch_id.clone(),
                status: read.raw_status,
            }));
        }
        let next = if first { api.results_status_request(&read) } else { None };
        self.status = Some(read);
        Ok(next.map_or(JsValue::UNDEFINED, |request| request_to_js(&request, None)))
    }

    /// The results as a stream, once `answer` has given `undefined`.
    pub fn stream(self) -> Result<ResultStream, JsValue> {
        let api = &*self.inner.api;
        let Some(status) = &self.status else {
            return Err(to_js_error(CoreError::invalid_response(
                api.provider().name(),
                "the batch's status was not read",
            )));
        };
        let mut sources = match &self.request_ids {
            Some(ids) => api.result_sources_in_order(status, ids),
            None => api.result_sources(status),
        }
        .map_err(to_js_error)?;
        if let Some(endpoint) = self.endpoint {
            sources.iter_mut().for_each(|source| source.expect_endpoint(endpoint));
        }
        Ok(ResultStream::new(
            api.provider().name(),
            restore_ids(sources, self.id_map),
            JsonPolicy::new(&self.json),
            self.embedding_inputs,
            status.status,
            api.output_check(status),
        ))
    }
}

/// Reads an optional argument passed from JS.
fn optional<T: serde::de::DeserializeOwned>(value: JsValue, name: &str) -> Result<Option<T>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    read_value(value, name).map(Some).map_err(to_js_error)
}

fn restore_ids(sources: Vec<ResultSource>, id_map: Option<IdMap>) -> Vec<ResultSource> {
    match id_map {
        None => sources,
        Some(id_map) => {
            let id_map = Rc::new(id_map);
            sources.into_iter().map(|source| source.restoring_ids(Rc::clone(&id_map))).collect()
        }
    }
}
