//! Decoding result files chunk by chunk into unified results.

use std::collections::HashMap;
use std::rc::Rc;

use crate::jsonl::LineSplitter;
use crate::model::UnifiedResult;

/// Turns one line of a provider's result file into a unified result. A malformed line must become
/// an errored result, never a panic or a lost line.
pub trait LineDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult;
}

/// Maps the ids sent to the provider back to the caller's ids (for providers that restrict ids).
pub type IdMap = HashMap<String, String>;

/// Feeds chunks of a result file through a [`LineDecoder`].
pub struct ResultDecoder {
    splitter: LineSplitter,
    decoder: Box<dyn LineDecoder>,
    line_number: usize,
    id_map: Option<IdMap>,
}

impl ResultDecoder {
    pub fn new(decoder: Box<dyn LineDecoder>, id_map: Option<IdMap>) -> Self {
        ResultDecoder { splitter: LineSplitter::new(), decoder, line_number: 0, id_map }
    }

    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<UnifiedResult>) {
        let Self { splitter, decoder, line_number, id_map } = self;
        splitter.push(chunk, |line| {
            *line_number += 1;
            out.push(restore_id(decoder.decode_line(line, *line_number), id_map.as_ref()));
        });
    }

    pub fn finish(&mut self, out: &mut Vec<UnifiedResult>) {
        let Self { splitter, decoder, line_number, id_map } = self;
        splitter.finish(|line| {
            *line_number += 1;
            out.push(restore_id(decoder.decode_line(line, *line_number), id_map.as_ref()));
        });
    }

    /// Lines decoded so far.
    pub fn lines(&self) -> usize {
        self.line_number
    }
}

/// Wraps a [`LineDecoder`] so that its results come back under the caller's ids (several result
/// sources of one batch share the map).
pub struct IdRestoringDecoder {
    inner: Box<dyn LineDecoder>,
    id_map: Rc<IdMap>,
}

impl IdRestoringDecoder {
    pub fn new(inner: Box<dyn LineDecoder>, id_map: Rc<IdMap>) -> Self {
        IdRestoringDecoder { inner, id_map }
    }
}

impl LineDecoder for IdRestoringDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        restore_id(self.inner.decode_line(line, line_number), Some(&self.id_map))
    }
}

fn restore_id(mut result: UnifiedResult, id_map: Option<&IdMap>) -> UnifiedResult {
    if let Some(original) = id_map.and_then(|map| map.get(&result.custom_id)) {
        result.custom_id = original.clone();
    }
    result
}

/// The results of a chunk as JSONL text, one result per line. This is what crosses to JavaScript:
/// it is appended to the results file as it is, and one `JSON.parse` there is faster than building
/// objects field by field.
pub fn results_to_jsonl(results: &[UnifiedResult]) -> String {
    let mut out = Vec::with_capacity(results.len() * 512);
    for result in results {
        // Serializing our own types cannot fail: every map has string keys.
        if serde_json::to_writer(&mut out, result).is_ok() {
            out.push(b'\n');
        }
    }
    // serde_json writes valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}
