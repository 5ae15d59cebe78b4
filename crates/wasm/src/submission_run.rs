//! Submitting step by step: a `SubmissionRun` hands out one HTTP step at a time (`request`) and
//! reads its answer (`answer`), exposing its checkpoint (the uploaded file's id) after each. For
//! jobs, which must survive failures and restarts, a step that failed (no answer, or one the core
//! refused) is started again from that checkpoint by the next `request()`, so a retried or resumed
//! submission never uploads again once the file is named. `sendBatch` runs the same steps from the
//! start. A `BatchFinder` looks for a batch a job created when the create call's answer was lost
//! (the rules are the core's `job_tag`). The TypeScript (`npm/src/provider-client.ts`) sends the
//! requests.

use batch_router_core::http::HttpRequest;
use batch_router_core::job_tag::{BatchSearch, BatchSearcher, Watermark, PAGE_SIZE};
use batch_router_core::model::ListOptions;
use batch_router_core::providers::{BatchSummary, Step, Submission, SubmissionCheckpoint};
use batch_router_core::CoreError;
use std::rc::Rc;
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::client::{js_result, BatchClient, Inner};
use crate::error::{read_options, read_value, to_js, to_js_error};
use crate::exchange::{request_to_js, response_of};
use crate::prepared::PreparedBatch;

/// A submission run one HTTP step at a time (see the module documentation).
#[wasm_bindgen]
pub struct SubmissionRun {
    inner: Rc<Inner>,
    summary: BatchSummary,
    jsonl: Vec<u8>,
    checkpoint: SubmissionCheckpoint,
    /// Whether steps start from `checkpoint` (a job's run); `sendBatch`'s run starts with the
    /// provider's `submit`.
    resumes: bool,
    /// The submission under way and the request it wants sent next; `None` before the first step
    /// and once a step is handed out (a step that fails starts again from the checkpoint).
    current: Option<(Box<dyn Submission>, HttpRequest)>,
    /// The submission whose request was handed out last, waiting for its answer.
    sent: Option<Box<dyn Submission>>,
    finished: bool,
}

impl SubmissionRun {
    fn ensure_started(&mut self) -> Result<(), CoreError> {
        if self.finished {
            return Err(CoreError::invalid_batch("submission", "this submission has already created its batch"));
        }
        if self.current.is_none() {
            let api = &*self.inner.api;
            let mut submission = if self.resumes {
                api.resume_submission(&self.summary, &self.checkpoint)
            } else {
                api.submit(&self.summary)
            };
            match submission.next(None)? {
                Step::Send(request) => self.current = Some((submission, request)),
                Step::Done(_) => {
                    return Err(CoreError::invalid_response(
                        api.provider().name(),
                        "a submission ended before sending anything",
                    ))
                }
            }
        }
        Ok(())
    }
}

#[wasm_bindgen]
impl SubmissionRun {
    /// What is done so far: keep it, and pass it to `startSubmission` to resume after a restart.
    #[wasm_bindgen(getter, unchecked_return_type = "SubmissionCheckpoint")]
    pub fn checkpoint(&self) -> Result<JsValue, JsValue> {
        to_js(&self.checkpoint)
    }

    /// Whether the next step is the call that creates the batch.
    #[wasm_bindgen(js_name = nextStepCreates)]
    pub fn next_step_creates(&mut self) -> Result<bool, JsValue> {
        self.ensure_started().map_err(to_js_error)?;
        Ok(self.current.as_ref().is_some_and(|(submission, _)| submission.creates_batch()))
    }

    /// The next step's request. An answer still awaited for an earlier one is forgotten.
    #[wasm_bindgen(unchecked_return_type = "HttpExchangeRequest")]
    pub fn request(&mut self) -> Result<JsValue, JsValue> {
        self.ensure_started().map_err(to_js_error)?;
        let Some((submission, request)) = self.current.take() else {
            return Err(to_js_error(CoreError::invalid_batch("submission", "no step to send")));
        };
        self.sent = Some(submission);
        Ok(request_to_js(&request, Some(&self.jsonl)))
    }

    /// Reads the answer to the last `request()`: the batch's first status once it is created,
    /// `undefined` while steps remain.
    #[wasm_bindgen(unchecked_return_type = "BatchStatusResponse | undefined")]
    pub fn answer(&mut self, status: u16, headers: Vec<String>, body: &[u8]) -> Result<JsValue, JsValue> {
        let Some(mut submission) = self.sent.take() else {
            return Err(to_js_error(CoreError::invalid_batch("submission", "no step to send")));
        };
        let step = submission.next(Some(response_of(status, headers, body))).map_err(to_js_error)?;
        self.checkpoint = submission.checkpoint();
        match step {
            Step::Send(next) => {
                self.current = Some((submission, next));
                Ok(JsValue::UNDEFINED)
            }
            Step::Done(status) => {
                self.finished = true;
                to_js(&status)
            }
        }
    }
}

/// Looks through the provider's batch list, page by page, for the batch a job submission created.
#[wasm_bindgen]
pub struct BatchFinder {
    inner: Rc<Inner>,
    searcher: BatchSearcher,
    options: ListOptions,
}

#[wasm_bindgen]
impl BatchFinder {
    /// The request for the next page of the list.
    #[wasm_bindgen(unchecked_return_type = "HttpExchangeRequest")]
    pub fn request(&self) -> JsValue {
        request_to_js(&self.inner.api.list_request(&self.options), None)
    }

    /// Reads a page: the outcome once the search has one, `undefined` when the next page is needed.
    #[wasm_bindgen(unchecked_return_type = "SearchOutcome | undefined")]
    pub fn answer(&mut self, status: u16, headers: Vec<String>, body: &[u8]) -> Result<JsValue, JsValue> {
        let page =
            self.inner.api.parse_list_page(&self.options, &response_of(status, headers, body)).map_err(to_js_error)?;
        match self.searcher.read_page(&page) {
            Some(outcome) => to_js(&outcome),
            None => {
                self.options.after = page.next_cursor;
                Ok(JsValue::UNDEFINED)
            }
        }
    }
}

#[wasm_bindgen]
impl BatchClient {
    /// Starts submitting a prepared batch (consumed) step by step: from `checkpoint` (a job's, kept
    /// after each step) or, without one, from the start as `sendBatch` does.
    #[wasm_bindgen(js_name = startSubmission)]
    pub fn start_submission(
        &self,
        prepared: PreparedBatch,
        #[wasm_bindgen(unchecked_param_type = "SubmissionCheckpoint | undefined")] checkpoint: JsValue,
    ) -> Result<SubmissionRun, JsValue> {
        let resumes = !checkpoint.is_undefined();
        let checkpoint = if resumes {
            read_value(checkpoint, "checkpoint").map_err(to_js_error)?
        } else {
            SubmissionCheckpoint::default()
        };
        Ok(SubmissionRun {
            inner: self.inner.clone(),
            summary: prepared.summary,
            jsonl: prepared.jsonl,
            checkpoint,
            resumes,
            current: None,
            sent: None,
            finished: false,
        })
    }

    /// The request for the newest batch in the provider's list, noted before a create call for
    /// providers that keep no job tag (see `jobTagNeedsWatermark`); `parseWatermark` reads it.
    #[wasm_bindgen(js_name = watermarkRequest, unchecked_return_type = "HttpExchangeRequest")]
    pub fn watermark_request(&self) -> JsValue {
        request_to_js(&self.inner.api.list_request(&watermark_options()), None)
    }

    #[wasm_bindgen(js_name = parseWatermark, unchecked_return_type = "Watermark")]
    pub fn parse_watermark(&self, status: u16, headers: Vec<String>, body: &[u8]) -> Result<JsValue, JsValue> {
        let page = self.inner.api.parse_list_page(&watermark_options(), &response_of(status, headers, body));
        js_result(page.map(|page| Watermark::of(&page)))
    }

    /// Starts looking through the provider's batch list for the batch a job submission created.
    #[wasm_bindgen(js_name = batchFinder)]
    pub fn batch_finder(&self, search: Ts<BatchSearch>) -> Result<BatchFinder, JsValue> {
        let search = read_options(search, "search").map_err(to_js_error)?;
        Ok(BatchFinder {
            inner: self.inner.clone(),
            searcher: BatchSearcher::new(self.inner.api.provider(), search),
            options: ListOptions { limit: Some(PAGE_SIZE), after: None },
        })
    }
}

fn watermark_options() -> ListOptions {
    ListOptions { limit: Some(1), after: None }
}
