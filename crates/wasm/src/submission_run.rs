//! Submitting step by step, for jobs that must survive failures and restarts: a `SubmissionRun`
//! sends one HTTP step per `step()` call, exposes its checkpoint (the uploaded file's id) after
//! each, and after any failure starts again from that checkpoint, so a retried or resumed
//! submission never uploads again once the file is named. `findBatch` looks for a batch a job
//! created when the create call's answer was lost (the rules are the core's `job_tag`).

use std::cell::RefCell;
use std::rc::Rc;

use batch_router_core::http::HttpRequest;
use batch_router_core::job_tag::{BatchSearch, BatchSearcher, Watermark, PAGE_SIZE};
use batch_router_core::model::ListOptions;
use batch_router_core::providers::{BatchSummary, Step, Submission, SubmissionCheckpoint};
use batch_router_core::CoreError;
use js_sys::Promise;
use tsify::Ts;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use crate::client::{spawn, BatchClient, Inner};
use crate::error::{read_options, to_js, to_js_error};
use crate::fetch::Fetcher;
use crate::prepared::PreparedBatch;

struct RunState {
    inner: Rc<Inner>,
    summary: BatchSummary,
    jsonl: Rc<Vec<u8>>,
    checkpoint: SubmissionCheckpoint,
    /// The submission under way and the request it wants sent next; `None` before the first step
    /// and after a failure (the next step starts again from the checkpoint).
    current: Option<(Box<dyn Submission>, HttpRequest)>,
    /// Counts `step()` calls: a step whose answer arrives after a newer step began (a caller gave
    /// up on it) is discarded rather than allowed to overwrite newer state.
    generation: u64,
    finished: bool,
}

impl RunState {
    fn ensure_started(&mut self) -> Result<(), CoreError> {
        if self.finished {
            return Err(CoreError::invalid_batch("submission", "this submission has already created its batch"));
        }
        if self.current.is_none() {
            let mut submission = self.inner.api.resume_submission(&self.summary, &self.checkpoint);
            match submission.next(None)? {
                Step::Send(request) => self.current = Some((submission, request)),
                Step::Done(_) => {
                    return Err(CoreError::invalid_response(
                        self.inner.api.provider().name(),
                        "a submission ended before sending anything",
                    ))
                }
            }
        }
        Ok(())
    }
}

/// A submission run one HTTP step at a time (see the module documentation).
#[wasm_bindgen]
pub struct SubmissionRun {
    state: Rc<RefCell<RunState>>,
}

#[wasm_bindgen]
impl SubmissionRun {
    /// What is done so far: keep it, and pass it to `startSubmission` to resume after a restart.
    #[wasm_bindgen(getter, unchecked_return_type = "SubmissionCheckpoint")]
    pub fn checkpoint(&self) -> Result<JsValue, JsValue> {
        to_js(&self.state.borrow().checkpoint)
    }

    /// Whether the next `step()` sends the call that creates the batch.
    #[wasm_bindgen(js_name = nextStepCreates)]
    pub fn next_step_creates(&self) -> Result<bool, JsValue> {
        let mut state = self.state.borrow_mut();
        state.ensure_started().map_err(to_js_error)?;
        Ok(state.current.as_ref().is_some_and(|(submission, _)| submission.creates_batch()))
    }

    /// Sends the next step. Resolves to the batch's first status once it is created, to
    /// `undefined` while steps remain. A failed step is started again from the checkpoint by the
    /// next `step()`; so is one still in flight when `step()` is called again (its answer, should
    /// it come, is discarded).
    #[wasm_bindgen(unchecked_return_type = "Promise<BatchStatusResponse | undefined>")]
    pub fn step(&self, signal: Option<AbortSignal>) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let (mut submission, request, fetcher, jsonl, generation) = {
                let mut run = state.borrow_mut();
                run.generation += 1;
                run.ensure_started().map_err(to_js_error)?;
                let Some((submission, request)) = run.current.take() else {
                    return Err(to_js_error(CoreError::invalid_batch("submission", "no step to send")));
                };
                let fetcher = Fetcher { fetch: run.inner.fetch.clone(), signal };
                (submission, request, fetcher, run.jsonl.clone(), run.generation)
            };
            let answer = fetcher.send_and_read(&request, Some(&jsonl)).await;
            let mut run = state.borrow_mut();
            if run.generation != generation {
                return Err(to_js_error(CoreError::Aborted));
            }
            let step = answer.and_then(|response| submission.next(Some(response))).map_err(to_js_error)?;
            run.checkpoint = submission.checkpoint();
            match step {
                Step::Send(next) => {
                    run.current = Some((submission, next));
                    Ok(JsValue::UNDEFINED)
                }
                Step::Done(status) => {
                    run.finished = true;
                    to_js(&status)
                }
            }
        })
    }
}

#[wasm_bindgen]
impl BatchClient {
    /// Starts (or, from a checkpoint, resumes) submitting a prepared batch (consumed) step by step.
    #[wasm_bindgen(js_name = startSubmission)]
    pub fn start_submission(
        &self,
        prepared: PreparedBatch,
        checkpoint: Ts<SubmissionCheckpoint>,
    ) -> Result<SubmissionRun, JsValue> {
        let checkpoint = read_options(checkpoint, "checkpoint").map_err(to_js_error)?;
        let state = RunState {
            inner: self.inner.clone(),
            summary: prepared.summary,
            jsonl: Rc::new(prepared.jsonl),
            checkpoint,
            current: None,
            generation: 0,
            finished: false,
        };
        Ok(SubmissionRun { state: Rc::new(RefCell::new(state)) })
    }

    /// The newest batch in the provider's list, noted before a create call for providers that
    /// keep no job tag (see `jobTagNeedsWatermark`).
    #[wasm_bindgen(js_name = listWatermark, unchecked_return_type = "Promise<Watermark>")]
    pub fn list_watermark(&self, signal: Option<AbortSignal>) -> Promise {
        let inner = self.inner.clone();
        let fetcher = Fetcher { fetch: inner.fetch.clone(), signal };
        spawn(async move {
            let options = ListOptions { limit: Some(1), after: None };
            let response = fetcher.send_and_read(&inner.api.list_request(&options), None).await?;
            Ok(Watermark::of(&inner.api.parse_list_page(&options, &response)?))
        })
    }

    /// Looks through the provider's batch list for the batch a job submission created.
    #[wasm_bindgen(js_name = findBatch, unchecked_return_type = "Promise<SearchOutcome>")]
    pub fn find_batch(&self, search: Ts<BatchSearch>, signal: Option<AbortSignal>) -> Promise {
        let inner = self.inner.clone();
        let fetcher = Fetcher { fetch: inner.fetch.clone(), signal };
        let search = read_options(search, "search");
        spawn(async move {
            let search = search?;
            let api = &*inner.api;
            let mut searcher = BatchSearcher::new(api.provider(), search);
            let mut options = ListOptions { limit: Some(PAGE_SIZE), after: None };
            loop {
                let response = fetcher.send_and_read(&api.list_request(&options), None).await?;
                let page = api.parse_list_page(&options, &response)?;
                if let Some(outcome) = searcher.read_page(&page) {
                    return Ok(outcome);
                }
                options.after = page.next_cursor.clone();
            }
        })
    }
}
