//! Streams a batch's result files through the core's decoders, one read of the download at a time
//! (in pieces), so a result file of any size never sits in memory whole. Paginated results (xAI)
//! are read a page at a time, each page's results fed to the same decoder. Nothing here waits: the
//! TypeScript (`npm/src/result-download.ts`) sends the requests `request` names, hands each read
//! of a download's body to `push` and each page's answer to `answerPage`, and takes the chunks
//! `decode` gives.

use std::collections::VecDeque;
use std::rc::Rc;

use batch_router_core::http::HttpRequest;
use batch_router_core::model::{BatchStatus, ResultView, UnifiedResult};
use batch_router_core::providers::common::http_error;
use batch_router_core::providers::output_check::OutputCheck;
use batch_router_core::providers::{ResultPages, ResultSource};
use batch_router_core::results::{results_to_jsonl, EmbeddingInputs, JsonPolicy, ResultDecoder, ResultSink};
use batch_router_core::CoreError;
use js_sys::{Array, Float64Array, Reflect, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::error::to_js_error;
use crate::exchange::{request_to_js, response_of};
use crate::result_tape::{Tape, TapeError};
use serde::Serialize;

struct Current {
    decoder: ResultDecoder,
    /// The download of a file source, until `request` hands it out.
    download: Option<HttpRequest>,
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
    current: Option<Current>,
    /// The pages of the page request handed out last, until its answer is read.
    awaited_pages: Option<Rc<dyn ResultPages>>,
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
    /// The results decoded so far, for [`OutputCheck`].
    results_read: u64,
}

/// Gives `{ count, raws, read?, keys, shapes, source, raw?, resultsText? }` chunks: `count` unified
/// results written on a tape that JavaScript builds them from (see `result_tape.rs`), whose tape,
/// numbers and strings [`ResultStream::tape_views`] shows; `read` the download's read whose byte
/// ranges some bodies are; `source` the index of the result file. With `keepFiles(true)`, `raw` is
/// the provider bytes the results came from and `resultsText` their whole JSONL.
#[wasm_bindgen]
pub struct ResultStream {
    state: State,
    /// How the batch ended: an expired or cancelled batch may hold requests that got no line,
    /// which the package answers for (see [`ResultStream::ended_early`]).
    batch_status: BatchStatus,
    /// Run once after the last source: a batch whose status counts answers gave some.
    output_check: Option<OutputCheck>,
}

impl ResultStream {
    /// `sources` already restore the caller's ids where the provider needed other ones; `json` says
    /// which answers are read as JSON.
    pub fn new(
        provider: &'static str,
        sources: Vec<ResultSource>,
        json: JsonPolicy,
        embedding_inputs: Option<EmbeddingInputs>,
        batch_status: BatchStatus,
        output_check: Option<OutputCheck>,
    ) -> Self {
        let state = State {
            provider,
            sources: sources.into(),
            current: None,
            awaited_pages: None,
            source_index: -1,
            json,
            embedding_inputs: embedding_inputs.map(Rc::new),
            keep_files: false,
            tape: Tape::default(),
            results: Vec::new(),
            results_read: 0,
        };
        ResultStream { state, batch_status, output_check }
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
    pub fn keep_files(&mut self, keep: bool) {
        self.state.keep_files = keep;
    }

    /// The next chunk of what has been read; `null` at the end of the last source; `undefined`
    /// when more must be read first: the next read of the download under way (`push`), or the
    /// answer to `request()`. Rejects at the end, instead of `null`, when no source held a result
    /// although the batch's status counts answers (`OutputCheck`).
    #[wasm_bindgen(
        unchecked_return_type = "{ count: number; raws: Uint8Array; read?: Uint8Array; keys: string[]; shapes: Uint32Array; source: number; raw?: Uint8Array; resultsText?: string } | null | undefined"
    )]
    pub fn decode(&mut self) -> Result<JsValue, JsValue> {
        let state = &mut self.state;
        loop {
            let Some(current) = state.current.as_mut() else {
                if !open_next_source(state) {
                    if let Some(check) = self.output_check.take() {
                        check.after_read(state.results_read).map_err(to_js_error)?;
                    }
                    return Ok(JsValue::NULL);
                }
                continue;
            };
            if current.unread.is_some() {
                if let Some(chunk) = decode_piece(state).map_err(to_js_error)? {
                    return Ok(chunk);
                }
                continue;
            }
            match current.pending_inline.take() {
                Some(bytes) => current.unread = Some(Unread { bytes, array: None, at: 0, last: true }),
                None => return Ok(JsValue::UNDEFINED),
            }
        }
    }

    /// The request to send next, once `decode` gave `undefined` with no download under way: a
    /// result file to download (`downloads` is then true) or a page of results.
    #[wasm_bindgen(unchecked_return_type = "HttpExchangeRequest | undefined")]
    pub fn request(&mut self) -> JsValue {
        let state = &mut self.state;
        let Some(current) = state.current.as_mut() else { return JsValue::UNDEFINED };
        if let Some(request) = current.download.take() {
            state.awaited_pages = None;
            return request_to_js(&request, None);
        }
        match current.next_page.take() {
            Some((request, pages)) => {
                state.awaited_pages = Some(pages);
                request_to_js(&request, None)
            }
            None => JsValue::UNDEFINED,
        }
    }

    /// Whether the last request is a download (its body read piece by piece), not a page.
    #[wasm_bindgen(getter)]
    pub fn downloads(&self) -> bool {
        self.state.awaited_pages.is_none()
    }

    /// A download's answer that is not a success (its whole body): the provider's error.
    pub fn refuse(&self, status: u16, headers: Vec<String>, body: &[u8]) -> JsValue {
        to_js_error(http_error(self.state.provider, &response_of(status, headers, body), None))
    }

    /// The next read of the download's body (`None` when the stream gave no bytes), and whether
    /// the body has ended. Bodies of lines that lie whole in it are handed back as ranges of
    /// `read`, not copied.
    pub fn push(&mut self, read: Option<Uint8Array>, done: bool) {
        if let Some(current) = self.state.current.as_mut() {
            let bytes = read.as_ref().map(Uint8Array::to_vec).unwrap_or_default();
            current.unread = Some(Unread { bytes, array: read, at: 0, last: done });
        }
    }

    /// Reads the answer to a page request: the page's results, and the next page.
    #[wasm_bindgen(js_name = answerPage)]
    pub fn answer_page(&mut self, status: u16, headers: Vec<String>, body: &[u8]) -> Result<(), JsValue> {
        let state = &mut self.state;
        let (Some(pages), Some(current)) = (state.awaited_pages.take(), state.current.as_mut()) else {
            return Ok(());
        };
        let (jsonl, next) = pages.read_page(&response_of(status, headers, body)).map_err(to_js_error)?;
        current.pending_inline = Some(jsonl);
        current.next_page = next.map(|request| (request, pages));
        Ok(())
    }

    /// The last chunk's tape, numbers and strings as views of the module's memory, not copies:
    /// they are valid only until the next call into the module (which may move or grow that
    /// memory), so JavaScript takes them right after `decode` gives a chunk and reads them at once.
    #[wasm_bindgen(
        js_name = tapeViews,
        unchecked_return_type = "{ tape: Uint32Array; numbers: Float64Array; strings: Uint8Array; segments: Uint32Array }"
    )]
    pub fn tape_views(&self) -> JsValue {
        let tape = &self.state.tape;
        let views = js_sys::Object::new();
        // SAFETY: the views alias `tape`'s buffers, which only `decode` changes; nothing below
        // allocates in the module's memory, and the caller reads the views before calling in again.
        unsafe {
            let _ = Reflect::set(&views, &JsValue::from_str("tape"), &Uint32Array::view(&tape.tape));
            let _ = Reflect::set(&views, &JsValue::from_str("numbers"), &Float64Array::view(&tape.numbers));
            let _ = Reflect::set(&views, &JsValue::from_str("strings"), &Uint8Array::view(&tape.strings));
            let _ = Reflect::set(&views, &JsValue::from_str("segments"), &Uint32Array::view(&tape.segments));
        }
        views.into()
    }

    /// Stops reading: nothing more is decoded (the TypeScript releases the download).
    pub fn cancel(&mut self) {
        self.state.current = None;
        self.state.sources.clear();
    }
}

/// Decodes the current source's next piece of unread bytes into a chunk; `None` when it gave no
/// results and held no bytes (the end of an empty source).
fn decode_piece(state: &mut State) -> Result<Option<JsValue>, CoreError> {
    let chunk = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&chunk, &JsValue::from_str(key), value);
    let State { provider, current: open, keep_files, tape, results, source_index, results_read, .. } = state;
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
    *results_read += u64::from(count);
    if let Some(read) = read.filter(|_| tape.reads_used()) {
        let _ = set("read", &read.into());
    }
    if let Some(error) = error {
        // Only a map with keys that are not text fails, and results hold none.
        return Err(CoreError::invalid_response(provider, error.to_string()));
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

/// Opens the next result source; false when there is none left. A file or paged source is
/// fetched by the TypeScript (`request`).
fn open_next_source(state: &mut State) -> bool {
    let Some(source) = state.sources.pop_front() else { return false };
    state.source_index += 1;
    let json = state.json.clone();
    let inputs = state.embedding_inputs.clone();
    let decoder = |decoder| ResultDecoder::new(decoder, None).with_json_policy(json).with_embedding_inputs(inputs);
    state.current = Some(match source {
        ResultSource::Inline { jsonl, decoder: lines } => Current {
            decoder: decoder(lines),
            download: None,
            pending_inline: Some(jsonl),
            next_page: None,
            unread: None,
        },
        ResultSource::Paged { request, decoder: lines, pages } => Current {
            decoder: decoder(lines),
            download: None,
            pending_inline: None,
            next_page: Some((request, pages)),
            unread: None,
        },
        ResultSource::Fetch { request, decoder: lines } => Current {
            decoder: decoder(lines),
            download: Some(request),
            pending_inline: None,
            next_page: None,
            unread: None,
        },
    });
    true
}
