//! A provider client: runs the core's steps for submit, status, cancel, list and results.

use std::rc::Rc;

use batch_router_core::model::{BatchStatusResponse, ListOptions};
use batch_router_core::providers::{api_for, id_map_of, BatchApi, ClientConfig, IdMapping, ResultSource, Step};
use batch_router_core::results::{EmbeddingInputs, IdMap, JsonPolicy};
use batch_router_core::structured_output::JsonAnswers;
use batch_router_core::{CoreError, Endpoint, Provider};
use js_sys::{Function, Promise};
use tsify::Ts;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use crate::error::{read_options, read_value, to_js, to_js_error};
use crate::fetch::Fetcher;
use crate::prepared::PreparedBatch;
use crate::result_stream::ResultStream;

pub(crate) struct Inner {
    pub(crate) api: Box<dyn BatchApi>,
    pub(crate) fetch: Option<Function>,
}

/// One provider's client. Methods return promises; every one takes an optional `AbortSignal`.
/// (The job methods, `startSubmission` and `findBatch`, are in `submission_run.rs`.)
#[wasm_bindgen]
pub struct BatchClient {
    pub(crate) inner: Rc<Inner>,
}

/// Runs `work` as a JS promise; core errors become JS errors.
pub(crate) fn spawn<F, T>(work: F) -> Promise
where
    F: std::future::Future<Output = Result<T, CoreError>> + 'static,
    T: serde::Serialize,
{
    future_to_promise(async move {
        let value = work.await.map_err(to_js_error)?;
        to_js(&value)
    })
}

#[wasm_bindgen]
impl BatchClient {
    /// `provider` is a provider name; `fetch`, when given, replaces the global fetch.
    #[wasm_bindgen(constructor)]
    pub fn new(provider: &str, config: Ts<ClientConfig>, fetch: Option<Function>) -> Result<BatchClient, JsValue> {
        let provider = Provider::from_name(provider).map_err(to_js_error)?;
        let config = read_options(config, "options").map_err(to_js_error)?;
        let api = api_for(provider, config).map_err(to_js_error)?;
        Ok(BatchClient { inner: Rc::new(Inner { api, fetch }) })
    }

    fn fetcher(&self, signal: Option<AbortSignal>) -> Fetcher {
        Fetcher { fetch: self.inner.fetch.clone(), signal }
    }

    /// Submits a prepared batch (consumed) and resolves to its first status.
    #[wasm_bindgen(unchecked_return_type = "Promise<BatchStatusResponse>")]
    pub fn submit(&self, prepared: PreparedBatch, signal: Option<AbortSignal>) -> Promise {
        let inner = self.inner.clone();
        let fetcher = self.fetcher(signal);
        spawn(async move {
            let mut submission = inner.api.submit(&prepared.summary);
            let mut response = None;
            loop {
                match submission.next(response.take())? {
                    Step::Done(status) => return Ok(status),
                    Step::Send(request) => {
                        response = Some(fetcher.send_and_read(&request, Some(&prepared.jsonl)).await?);
                    }
                }
            }
        })
    }

    /// The batch id as the provider's statuses spell it (Gemini: `batches/{id}` for a bare id).
    #[wasm_bindgen(js_name = canonicalBatchId)]
    pub fn canonical_batch_id(&self, batch_id: &str) -> String {
        self.inner.api.canonical_batch_id(batch_id)
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<BatchStatusResponse>")]
    pub fn status(&self, batch_id: String, signal: Option<AbortSignal>) -> Promise {
        let inner = self.inner.clone();
        let fetcher = self.fetcher(signal);
        spawn(async move { fetch_status(&*inner.api, &fetcher, &batch_id).await })
    }

    /// Cancels a batch that is still running. Resolves to `{ cancelled, status }`: `cancelled` is
    /// false when the batch had already ended.
    #[wasm_bindgen(unchecked_return_type = "Promise<{ cancelled: boolean; status: BatchStatusResponse }>")]
    pub fn cancel(&self, batch_id: String, signal: Option<AbortSignal>) -> Promise {
        let inner = self.inner.clone();
        let fetcher = self.fetcher(signal);
        spawn(async move {
            let api = &*inner.api;
            let status = fetch_status(api, &fetcher, &batch_id).await?;
            if status.status.is_terminal() {
                return Ok(CancelOutcome { cancelled: false, status });
            }
            let response = fetcher.send_and_read(&api.cancel_request(&batch_id), None).await?;
            match api.parse_cancel(&batch_id, &response) {
                Ok(status) => Ok(CancelOutcome { cancelled: true, status }),
                // The batch may have ended between the two calls: then there was nothing to cancel.
                Err(error) => {
                    let status = fetch_status(api, &fetcher, &batch_id).await?;
                    if status.status.is_terminal() {
                        Ok(CancelOutcome { cancelled: false, status })
                    } else {
                        Err(error)
                    }
                }
            }
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<BatchListPage>")]
    pub fn list(&self, options: Ts<ListOptions>, signal: Option<AbortSignal>) -> Promise {
        let inner = self.inner.clone();
        let fetcher = self.fetcher(signal);
        let options = read_options(options, "options");
        spawn(async move {
            let options = options?;
            let response = fetcher.send_and_read(&inner.api.list_request(&options), None).await?;
            inner.api.parse_list_page(&options, &response)
        })
    }

    /// Deletes a batch where the provider allows it (Anthropic, Gemini, Mistral).
    #[wasm_bindgen(js_name = deleteBatch, unchecked_return_type = "Promise<null>")]
    pub fn delete_batch(&self, batch_id: String, signal: Option<AbortSignal>) -> Promise {
        let inner = self.inner.clone();
        let fetcher = self.fetcher(signal);
        spawn(async move {
            let request = inner.api.delete_request(&batch_id)?;
            let response = fetcher.send_and_read(&request, None).await?;
            inner.api.parse_delete(&batch_id, &response)
        })
    }

    /// Opens the results of a finished batch as a stream. `idMap` restores ids the provider could
    /// not take; `requestIds` (the custom ids in submission order) lets a provider whose answers may
    /// lack keys match them by position; `jsonAnswers` (from the batch summary) says which answers
    /// are read as JSON (`parsed`), without it any text that is a JSON object or array is;
    /// `embeddingInputs` (from the summary of an embeddings batch) makes an answer with another
    /// count of vectors than its request's inputs an error; `endpoint` (from the summary) is the kind
    /// of answer the batch may hold where the provider's batch object may not say it (Gemini).
    /// Rejects with `batch_not_complete` while the batch runs.
    // Each optional piece of the batch's record is its own argument: read as one options object, they
    // would cost a serde read of a struct the module has no other use for.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = openResults, unchecked_return_type = "Promise<ResultStream>")]
    pub fn open_results(
        &self,
        batch_id: String,
        #[wasm_bindgen(unchecked_param_type = "IdMapping[] | undefined")] id_map: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string[] | undefined")] request_ids: JsValue,
        signal: Option<AbortSignal>,
        #[wasm_bindgen(unchecked_param_type = "JsonAnswers | undefined")] json_answers: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, number> | undefined")] embedding_inputs: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Endpoint | undefined")] endpoint: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        let fetcher = self.fetcher(signal);
        future_to_promise(async move {
            let id_map = optional::<Vec<IdMapping>>(id_map, "idMap")?.and_then(|map| id_map_of(&map));
            let request_ids = optional::<Vec<String>>(request_ids, "requestIds")?;
            let json = optional::<JsonAnswers>(json_answers, "jsonAnswers")?.unwrap_or_default();
            let embedding_inputs = optional::<EmbeddingInputs>(embedding_inputs, "embeddingInputs")?;
            let endpoint = optional::<Endpoint>(endpoint, "endpoint")?;
            let api = &*inner.api;
            let status = fetch_status(api, &fetcher, &batch_id).await.map_err(to_js_error)?;
            if !status.status.is_terminal() {
                return Err(to_js_error(CoreError::BatchNotComplete {
                    provider: api.provider().name().into(),
                    batch_id,
                    status: status.raw_status,
                }));
            }
            // Some finished batches show where their results are only when read a second way.
            let status = match api.results_status_request(&status) {
                Some(request) => {
                    let response = fetcher.send_and_read(&request, None).await.map_err(to_js_error)?;
                    api.parse_status(&batch_id, &response).map_err(to_js_error)?
                }
                None => status,
            };
            let mut sources = match &request_ids {
                Some(ids) => api.result_sources_in_order(&status, ids),
                None => api.result_sources(&status),
            }
            .map_err(to_js_error)?;
            if let Some(endpoint) = endpoint {
                sources.iter_mut().for_each(|source| source.expect_endpoint(endpoint));
            }
            let json = JsonPolicy::new(&json);
            Ok(ResultStream::new(
                api.provider().name(),
                restore_ids(sources, id_map),
                fetcher,
                json,
                embedding_inputs,
                status.status,
            )
            .into())
        })
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

#[derive(serde::Serialize)]
struct CancelOutcome {
    cancelled: bool,
    status: BatchStatusResponse,
}

async fn fetch_status(api: &dyn BatchApi, fetcher: &Fetcher, batch_id: &str) -> Result<BatchStatusResponse, CoreError> {
    let response = fetcher.send_and_read(&api.status_request(batch_id), None).await?;
    api.parse_status(batch_id, &response)
}
