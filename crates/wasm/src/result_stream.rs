//! Streams a batch's result files through the core's decoders, one fetch read at a time (in pieces), so a
//! result file of any size never sits in memory whole. Paginated results (xAI) are read a page at a
//! time, each page's results fed to the same decoder.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use batch_router_core::http::HttpRequest;
use batch_router_core::model::{BatchStatus, ResultView, UnifiedResult};
use batch_router_core::providers::common::http_error;
use batch_router_core::providers::{ResultPages, ResultSource};
use batch_router_core::results::{results_to_jsonl, EmbeddingInputs, JsonPolicy, ResultDecoder, ResultSink};
use batch_router_core::CoreError;
use js_sys::{Array, Float64Array, Promise, Reflect, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::ReadableStreamDefaultReader;

use crate::error::to_js_error;
use crate::fetch::{cancel_reader, read_array, read_response, Fetcher};
use crate::result_tape::{Tape, TapeError};
use serde::Serialize;

struct Current {
    decoder: ResultDecoder,
    reader: Option<ReadableStreamDefaultReader>,
    pending_inline: Option<Vec<u8>>,
    /// The next page of a paginated source, and what reads it.
    next_page: Option<(HttpRequest, Rc<dyn ResultPages>)>,
    /// Bytes read but not yet decoded: a read is decoded [`PIECE`] bytes at a time.
    unread: Option<Unread>,
}

/// At most this many bytes of a read are decoded into one chunk (~400–450 results of the bench's
/// files). A fetch read can be megabytes (a file stream's, an inline or paged source's whole
/// JSONL); built all at once, its results all outlive the young generation's collections, which
/// makes V8 double it (+20–30 MB peak RSS at 1 MB reads). Smaller chunks also hand the first
/// results over sooner.
const PIECE: usize = 256 * 1024;

struct Unread {
    bytes: Vec<u8>,
    /// `bytes` as the stream handed them over, when they came from a stream: bodies read from
    /// them are handed to JavaScript as ranges of this array instead of being copied out.
    array: Option<Uint8Array>,
    at: usize,
    /// Whether the source has nothing after these bytes.
    last: bool,
}

impl Unread {
    /// The end of the next piece: the end of its last whole line, or [`PIECE`] bytes on when no
    /// line ends within them (the decoder carries a cut line over), or the end of the bytes.
    fn piece_end(&self) -> usize {
        let end = self.at + PIECE;
        if end >= self.bytes.len() {
            return self.bytes.len();
        }
        self.bytes[self.at..end].iter().rposition(|&byte| byte == b'\n').map_or(end, |newline| self.at + newline + 1)
    }
}

struct State {
    provider: &'static str,
    sources: VecDeque<ResultSource>,
    fetcher: Fetcher,
    current: Option<Current>,
    source_index: i32,
    json: JsonPolicy,
    /// An embeddings batch's input counts, when its requests are known.
    embedding_inputs: Option<Rc<EmbeddingInputs>>,
    /// Whether chunks carry what the transparency files keep: the provider bytes and the results'
    /// whole JSONL.
    keep_files: bool,
    /// The tape chunks are written to; its key table lasts as long as the stream.
    tape: Tape,
    /// The vector a piece's results are decoded into, kept empty between pieces so that its
    /// capacity is reused: grown from empty, a piece's few hundred results (half a kilobyte each)
    /// were copied through a dozen reallocations, every piece.
    results: Vec<UnifiedResult>,
}

/// Yields `{ count, raws, read?, keys, shapes, source, raw?, resultsText? }` chunks: `count` unified
/// results written on a tape that JavaScript builds them from (see `result_tape.rs`), whose tape,
/// numbers and strings [`ResultStream::tape_views`] shows; `read` the download's read whose byte
/// ranges some bodies are; `source` the index of the result file. With `keepFiles(true)`, `raw` is
/// the provider bytes the results came from and `resultsText` their whole JSONL. Resolves to `null`
/// at the end.
#[wasm_bindgen]
pub struct ResultStream {
    state: Rc<RefCell<State>>,
    /// How the batch ended: an expired or cancelled batch may hold requests that got no line,
    /// which the package answers for (see [`ResultStream::ended_early`]).
    batch_status: BatchStatus,
}

impl ResultStream {
    /// `sources` already restore the caller's ids where the provider needed other ones; `json` says
    /// which answers are read as JSON.
    pub fn new(
        provider: &'static str,
        sources: Vec<ResultSource>,
        fetcher: Fetcher,
        json: JsonPolicy,
        embedding_inputs: Option<EmbeddingInputs>,
        batch_status: BatchStatus,
    ) -> Self {
        let state = State {
            provider,
            sources: sources.into(),
            fetcher,
            current: None,
            source_index: -1,
            json,
            embedding_inputs: embedding_inputs.map(Rc::new),
            keep_files: false,
            tape: Tape::default(),
            results: Vec::new(),
        };
        ResultStream { state: Rc::new(RefCell::new(state)), batch_status }
    }
}

#[wasm_bindgen]
impl ResultStream {
    /// 1 when the batch expired, 2 when it was cancelled (requests of it may have no line), else 0.
    /// A number, not the status's name: a string getter costs the module more.
    #[wasm_bindgen(getter, js_name = endedEarly)]
    pub fn ended_early(&self) -> u32 {
        match self.batch_status {
            BatchStatus::Expired => 1,
            BatchStatus::Cancelled => 2,
            _ => 0,
        }
    }

    /// Whether chunks carry the provider bytes and the results' whole JSONL (for the transparency
    /// files); off by default.
    #[wasm_bindgen(js_name = keepFiles)]
    pub fn keep_files(&self, keep: bool) {
        self.state.borrow_mut().keep_files = keep;
    }

    #[wasm_bindgen(
        unchecked_return_type = "Promise<{ count: number; raws: Uint8Array; read?: Uint8Array; keys: string[]; shapes: Uint32Array; source: number; raw?: Uint8Array; resultsText?: string } | null>"
    )]
    pub fn next(&self) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move { next_chunk(&state).await.map_err(to_js_error) })
    }

    /// The last chunk's tape, numbers and strings as views of the module's memory, not copies:
    /// they are valid only until the next call into the module (which may move or grow that
    /// memory), so JavaScript takes them right after `next` resolves and reads them at once.
    #[wasm_bindgen(
        js_name = tapeViews,
        unchecked_return_type = "{ tape: Uint32Array; numbers: Float64Array; strings: Uint8Array; segments: Uint32Array }"
    )]
    pub fn tape_views(&self) -> JsValue {
        let state = self.state.borrow();
        let tape = &state.tape;
        let views = js_sys::Object::new();
        // SAFETY: the views alias `tape`'s buffers, which only `next` changes; nothing below
        // allocates in the module's memory, and the caller reads the views before calling in again.
        unsafe {
            let _ = Reflect::set(&views, &JsValue::from_str("tape"), &Uint32Array::view(&tape.tape));
            let _ = Reflect::set(&views, &JsValue::from_str("numbers"), &Float64Array::view(&tape.numbers));
            let _ = Reflect::set(&views, &JsValue::from_str("strings"), &Uint8Array::view(&tape.strings));
            let _ = Reflect::set(&views, &JsValue::from_str("segments"), &Uint32Array::view(&tape.segments));
        }
        views.into()
    }

    /// Stops reading (releases the current download).
    pub fn cancel(&self) {
        if let Ok(mut state) = self.state.try_borrow_mut() {
            if let Some(reader) = state.current.take().and_then(|current| current.reader) {
                cancel_reader(&reader);
            }
            state.sources.clear();
        }
    }
}

async fn next_chunk(state: &Rc<RefCell<State>>) -> Result<JsValue, CoreError> {
    loop {
        if state.borrow().current.is_none() && !open_next_source(state).await? {
            return Ok(JsValue::NULL);
        }
        if state.borrow().current.as_ref().is_some_and(|current| current.unread.is_some()) {
            if let Some(chunk) = decode_piece(state)? {
                return Ok(chunk);
            }
            continue;
        }
        // Take what is needed out of the RefCell before awaiting: no borrow is held across an await.
        let (reader, inline, next_page) = {
            let mut state = state.borrow_mut();
            let current = state.current.as_mut().expect("a source was just opened");
            let inline = current.pending_inline.take();
            let next_page = if inline.is_none() && current.reader.is_none() { current.next_page.take() } else { None };
            (current.reader.clone(), inline, next_page)
        };
        let fetcher = state.borrow().fetcher.clone();
        if let Some((request, pages)) = next_page {
            let (jsonl, next) = fetch_page(&request, pages.as_ref(), &fetcher).await?;
            let mut state = state.borrow_mut();
            let current = state.current.as_mut().expect("the current source is still open");
            current.pending_inline = Some(jsonl);
            current.next_page = next.map(|request| (request, pages));
            continue;
        }
        let (bytes, array, done) = match (inline, reader) {
            (Some(bytes), _) => (bytes, None, true),
            (None, Some(reader)) => {
                let (array, done) = read_array(&reader, &fetcher).await?;
                (array.as_ref().map(Uint8Array::to_vec).unwrap_or_default(), array, done)
            }
            (None, None) => (Vec::new(), None, true),
        };
        let mut state = state.borrow_mut();
        let current = state.current.as_mut().expect("the current source is still open");
        current.unread = Some(Unread { bytes, array, at: 0, last: done });
    }
}

/// Decodes the current source's next piece of unread bytes into a chunk; `None` when it gave no
/// results and held no bytes (the end of an empty source).
fn decode_piece(state: &Rc<RefCell<State>>) -> Result<Option<JsValue>, CoreError> {
    let chunk = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&chunk, &JsValue::from_str(key), value);
    let mut state = state.borrow_mut();
    let State { provider, current: open, keep_files, tape, results, source_index, .. } = &mut *state;
    let current = open.as_mut().expect("a source with unread bytes is open");
    let unread = current.unread.as_mut().expect("the source has unread bytes");
    let end = unread.piece_end();
    let piece = &unread.bytes[unread.at..end];
    let empty = piece.is_empty();
    tape.clear();
    // The bodies of lines that lie whole in this read are ranges of its array.
    let read = unread.array.clone();
    if read.is_some() {
        tape.read_from(&unread.bytes);
    }
    if *keep_files && !empty {
        let _ = set("raw", &Uint8Array::from(piece).into());
    }
    // With the files kept, the results are built (their JSONL is written too); else each goes
    // on the tape as it is read, a common line without its result being built.
    let mut sink = TapeSink { tape, count: 0, error: None };
    if *keep_files {
        current.decoder.push(piece, results);
    } else {
        current.decoder.push_to(piece, results, &mut sink);
    }
    unread.at = end;
    if end == unread.bytes.len() {
        let last = unread.last;
        current.unread = None;
        if last {
            if *keep_files {
                current.decoder.finish(results);
            } else {
                current.decoder.finish_to(results, &mut sink);
            }
            if current.next_page.is_none() {
                *open = None;
            }
        }
    }
    if *keep_files {
        let _ = set("resultsText", &JsValue::from_str(&results_to_jsonl(results)));
        for result in results.iter() {
            sink.result(result);
        }
        results.clear();
    }
    let TapeSink { tape, count, error } = sink;
    if let Some(read) = read.filter(|_| tape.reads_used()) {
        let _ = set("read", &read.into());
    }
    if let Some(error) = error {
        // Only a map with keys that are not text fails, and results hold none.
        return Err(CoreError::InvalidResponse { provider: (*provider).to_owned(), message: error.to_string() });
    }
    if count == 0 && empty {
        return Ok(None);
    }
    let keys: Array = tape.new_keys.iter().map(|key| JsValue::from_str(key)).collect();
    let _ = set("count", &JsValue::from(count));
    // The tape, numbers and strings stay here, read through `tapeViews`; the bodies outlive
    // the chunk (a `raw` is parsed when it is read), so they are copied out.
    let _ = set("raws", &Uint8Array::from(tape.raws.as_slice()).into());
    let _ = set("keys", &keys.into());
    let _ = set("shapes", &Uint32Array::from(tape.new_shapes.as_slice()).into());
    let _ = set("source", &JsValue::from(*source_index));
    Ok(Some(chunk.into()))
}

/// Writes the results of a piece on the tape, in order; keeps the first error.
struct TapeSink<'tape> {
    tape: &'tape mut Tape,
    count: u32,
    error: Option<TapeError>,
}

impl TapeSink<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) {
        self.count += 1;
        if let Err(error) = self.tape.push(value) {
            self.error.get_or_insert(error);
        }
    }
}

impl ResultSink for TapeSink<'_> {
    fn view(&mut self, view: &ResultView<'_>) {
        self.push(view);
    }
    fn result(&mut self, result: &UnifiedResult) {
        self.push(result);
    }
}

/// Opens the next result source; false when there is none left.
async fn open_next_source(state: &Rc<RefCell<State>>) -> Result<bool, CoreError> {
    let (source, fetcher, provider, json, inputs) = {
        let mut state = state.borrow_mut();
        let Some(source) = state.sources.pop_front() else { return Ok(false) };
        state.source_index += 1;
        (source, state.fetcher.clone(), state.provider, state.json.clone(), state.embedding_inputs.clone())
    };
    let current = match source {
        ResultSource::Inline { jsonl, decoder } => Current {
            decoder: ResultDecoder::new(decoder, None).with_json_policy(json).with_embedding_inputs(inputs),
            reader: None,
            pending_inline: Some(jsonl),
            next_page: None,
            unread: None,
        },
        ResultSource::Paged { request, decoder, pages } => {
            let (jsonl, next) = fetch_page(&request, pages.as_ref(), &fetcher).await?;
            Current {
                decoder: ResultDecoder::new(decoder, None).with_json_policy(json).with_embedding_inputs(inputs),
                reader: None,
                pending_inline: Some(jsonl),
                next_page: next.map(|request| (request, pages)),
                unread: None,
            }
        }
        ResultSource::Fetch { request, decoder } => {
            let response = fetcher.send(&request, None).await?;
            if !response.ok() {
                let response = read_response(response, &fetcher).await?;
                return Err(http_error(provider, &response, None));
            }
            let reader = response.body().map(|body| body.get_reader().unchecked_into::<ReadableStreamDefaultReader>());
            Current {
                decoder: ResultDecoder::new(decoder, None).with_json_policy(json).with_embedding_inputs(inputs),
                reader,
                pending_inline: None,
                next_page: None,
                unread: None,
            }
        }
    };
    state.borrow_mut().current = Some(current);
    Ok(true)
}

/// Reads one page of a paginated source: its results as JSONL and the request for the next page.
async fn fetch_page(
    request: &HttpRequest,
    pages: &dyn ResultPages,
    fetcher: &Fetcher,
) -> Result<(Vec<u8>, Option<HttpRequest>), CoreError> {
    let response = fetcher.send_and_read(request, None).await?;
    pages.read_page(&response)
}
