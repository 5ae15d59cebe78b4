//! Job tags: how a batch created by a job is recognised again when the answer to its create call
//! was lost (a dropped connection, a timeout, a 5xx, a truncated body, a crash). Before such a
//! create is sent again, the provider's batch list is searched for the batch; only when it is not
//! there is the batch created again.
//!
//! Where each provider keeps the tag (`<jobId>.<chunk>.<attempt>`, unique per submission):
//! - OpenAI, vLLM, Mistral: in the batch's metadata under [`JOB_TAG_KEY`]. Exact.
//! - Gemini: no metadata, but a display name that the list shows: `… [<tag>]`. Exact.
//! - xAI: no metadata, but a batch name that the list shows: `… [<tag>]` (the tag is put in the
//!   metadata under [`JOB_TAG_KEY`] and the xAI module appends it to the name). Exact.
//! - Together AI: neither metadata nor a name, but every batch names its `input_file_id`, and the
//!   job knows the file it uploaded (the submission's checkpoint): the batch created on that file
//!   is ours ([`BatchSearch::input_file_id`]). Exact; without the file id nothing is found.
//! - Anthropic: nowhere; a batch has neither metadata nor a name. Before the first create call the
//!   caller notes the newest batch in the list (a [`Watermark`], by the provider's own order, so no
//!   clock is compared). A batch is then taken for ours when it is the only one listed before the
//!   watermark (newer) that has exactly our request count and is not already one of the job's
//!   batches. Without a watermark, "newer" means created no earlier than [`CLOCK_SKEW_MS`] before
//!   our first create call by our clock. This is not exact: a batch of the same size created by
//!   someone else in the same workspace meanwhile makes the search ambiguous (then nothing is
//!   adopted, and creating again may make a duplicate) or, if ours was in fact never created, may
//!   be adopted in its place (its results then do not match our custom ids, and those requests are
//!   resubmitted). If the watermark batch is deleted meanwhile, the search reads on to the page
//!   limit. Exactly-once creation is not guaranteed for Anthropic.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::model::{BatchListPage, BatchStatusResponse};
use crate::time::rfc3339_to_unix_millis;
use crate::Provider;

/// The metadata key of a job tag.
pub const JOB_TAG_KEY: &str = "batch_router_job";
/// How far the provider's clock may be behind ours.
pub const CLOCK_SKEW_MS: f64 = 10.0 * 60.0 * 1000.0;
/// Pages read at most in one search.
pub const MAX_PAGES: usize = 50;
/// Batches asked for per page.
pub const PAGE_SIZE: u32 = 100;

/// Where a provider keeps a job tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagPlace {
    Metadata,
    DisplayName,
    /// In the batch name (xAI).
    Name,
    /// Nowhere, but the batch names the uploaded input file (Together AI).
    InputFile,
    Nowhere,
}

/// Whether finding a batch of this provider needs a [`Watermark`] taken before its first create.
pub fn needs_watermark(provider: Provider) -> bool {
    tag_place(provider) == TagPlace::Nowhere
}

pub fn tag_place(provider: Provider) -> TagPlace {
    match provider {
        // Groq's create takes `metadata` (endpoints-and-push.md §5.3); Azure's Batch is OpenAI's object
        // model (§5.1), metadata included.
        Provider::OpenAI | Provider::Vllm | Provider::Mistral | Provider::Groq | Provider::Azure => TagPlace::Metadata,
        Provider::Google => TagPlace::DisplayName,
        Provider::Xai => TagPlace::Name,
        Provider::Together => TagPlace::InputFile,
        Provider::Anthropic => TagPlace::Nowhere,
    }
}

/// The caller's metadata with `tag` added where `provider` keeps it.
pub fn tagged_metadata(provider: Provider, metadata: Option<&Map<String, Value>>, tag: &str) -> Map<String, Value> {
    let mut tagged = metadata.cloned().unwrap_or_default();
    match tag_place(provider) {
        TagPlace::Metadata | TagPlace::Name => {
            tagged.insert(JOB_TAG_KEY.into(), Value::String(tag.to_owned()));
        }
        TagPlace::DisplayName => {
            let name = match tagged.get("displayName").and_then(Value::as_str).filter(|name| !name.trim().is_empty()) {
                Some(name) => format!("{name} [{tag}]"),
                None => format!("batch-router [{tag}]"),
            };
            tagged.insert("displayName".into(), Value::String(name));
        }
        TagPlace::InputFile | TagPlace::Nowhere => {}
    }
    tagged
}

/// What is known of the batch to find.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct BatchSearch {
    pub tag: String,
    pub request_count: u64,
    /// When the first create call for this batch was sent, in Unix milliseconds (caller's clock).
    pub sent_at_ms: f64,
    /// Batch ids the job already owns: never the answer.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The list as it was before the first create call (providers that keep no tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub watermark: Option<Watermark>,
    /// The input file the create call named (the submission's checkpoint): Together AI's batch
    /// is found by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub input_file_id: Option<String>,
}

/// The newest batch in a newest-first list, noted before a create call: only batches listed
/// before it can be the new one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Watermark {
    /// Absent when the list was empty: then every batch is newer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub newest_batch_id: Option<String>,
}

impl Watermark {
    /// The watermark from the first page of a newest-first list.
    pub fn of(page: &BatchListPage) -> Watermark {
        Watermark { newest_batch_id: page.batches.first().map(|batch| batch.batch_id.clone()) }
    }
}

/// The end of a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(tag = "outcome", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum SearchOutcome {
    Found {
        batch: Box<BatchStatusResponse>,
    },
    /// Several batches fit and none carries the tag (Anthropic): which one is ours cannot be told.
    Ambiguous {
        batch_ids: Vec<String>,
    },
    NotFound,
}

/// Reads the list, page after page, until the batch is found or cannot be there.
pub struct BatchSearcher {
    provider: Provider,
    search: BatchSearch,
    candidates: Vec<BatchStatusResponse>,
    pages: usize,
}

impl BatchSearcher {
    pub fn new(provider: Provider, search: BatchSearch) -> Self {
        BatchSearcher { provider, search, candidates: Vec::new(), pages: 0 }
    }

    /// Reads one page: the outcome, or `None` to read the page after it.
    pub fn read_page(&mut self, page: &BatchListPage) -> Option<SearchOutcome> {
        self.pages += 1;
        let earliest = self.search.sent_at_ms - CLOCK_SKEW_MS;
        let place = tag_place(self.provider);
        let watermark = self.search.watermark.as_ref().map(|watermark| watermark.newest_batch_id.clone());
        for batch in &page.batches {
            if place == TagPlace::Nowhere
                && watermark.as_ref().is_some_and(|mark| mark.as_ref() == Some(&batch.batch_id))
            {
                // Everything from here on is older than the first create call.
                return Some(self.finish());
            }
            if self.search.exclude.contains(&batch.batch_id) {
                continue;
            }
            match place {
                TagPlace::Metadata if metadata_tag(batch) == Some(self.search.tag.as_str()) => {
                    return Some(SearchOutcome::Found { batch: Box::new(batch.clone()) });
                }
                TagPlace::DisplayName if display_name_has_tag(batch, &self.search.tag) => {
                    return Some(SearchOutcome::Found { batch: Box::new(batch.clone()) });
                }
                TagPlace::Name if name_has_tag(batch, &self.search.tag) => {
                    return Some(SearchOutcome::Found { batch: Box::new(batch.clone()) });
                }
                TagPlace::InputFile
                    if self.search.input_file_id.is_some()
                        && batch.raw.get("input_file_id").and_then(Value::as_str)
                            == self.search.input_file_id.as_deref() =>
                {
                    return Some(SearchOutcome::Found { batch: Box::new(batch.clone()) });
                }
                TagPlace::Nowhere
                    if batch.request_counts.total == self.search.request_count
                        && (watermark.is_some() || created_ms(batch).is_some_and(|created| created >= earliest)) =>
                {
                    self.candidates.push(batch.clone());
                }
                _ => {}
            }
        }
        // Lists that are newest first end the search at the first page that reaches back past
        // the earliest moment the batch can have been created.
        let newest_first = matches!(self.provider, Provider::OpenAI | Provider::Anthropic);
        let reached_older = newest_first
            && watermark.is_none()
            && page.batches.last().and_then(created_ms).is_some_and(|created| created < earliest);
        let more = page.has_more && page.next_cursor.is_some() && !page.batches.is_empty();
        if more && !reached_older && self.pages < MAX_PAGES {
            return None;
        }
        Some(self.finish())
    }

    /// The outcome from what was read so far.
    pub fn finish(&mut self) -> SearchOutcome {
        match self.candidates.len() {
            0 => SearchOutcome::NotFound,
            1 => SearchOutcome::Found { batch: Box::new(self.candidates.remove(0)) },
            _ => SearchOutcome::Ambiguous {
                batch_ids: self.candidates.iter().map(|batch| batch.batch_id.clone()).collect(),
            },
        }
    }
}

fn metadata_tag(batch: &BatchStatusResponse) -> Option<&str> {
    batch.metadata.as_ref()?.get(JOB_TAG_KEY)?.as_str()
}

fn display_name_has_tag(batch: &BatchStatusResponse, tag: &str) -> bool {
    let name = batch.metadata.as_ref().and_then(|metadata| metadata.get("displayName")).and_then(Value::as_str);
    name.is_some_and(|name| name.ends_with(&format!("[{tag}]")))
}

fn name_has_tag(batch: &BatchStatusResponse, tag: &str) -> bool {
    let name = batch.metadata.as_ref().and_then(|metadata| metadata.get("name")).and_then(Value::as_str);
    name.is_some_and(|name| name.ends_with(&format!("[{tag}]")))
}

fn created_ms(batch: &BatchStatusResponse) -> Option<f64> {
    batch.created_at.as_deref().and_then(rfc3339_to_unix_millis).map(|millis| millis as f64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{BatchStatus, RequestCounts};

    const SENT: f64 = 1_711_471_533_000.0;

    fn batch(id: &str, created_at: &str, total: u64, metadata: Option<Value>) -> BatchStatusResponse {
        BatchStatusResponse {
            batch_id: id.into(),
            provider: "test".into(),
            status: BatchStatus::InProgress,
            raw_status: "in_progress".into(),
            request_counts: RequestCounts { total, processing: total, ..RequestCounts::default() },
            created_at: Some(created_at.into()),
            completed_at: None,
            expires_at: None,
            model: None,
            errors: Vec::new(),
            metadata,
            raw: Value::Null,
        }
    }

    fn page(batches: Vec<BatchStatusResponse>, more: bool) -> BatchListPage {
        let next_cursor = more.then(|| batches.last().map(|batch| batch.batch_id.clone())).flatten();
        BatchListPage { batches, has_more: more, next_cursor }
    }

    fn search(tag: &str, count: u64) -> BatchSearch {
        BatchSearch {
            tag: tag.into(),
            request_count: count,
            sent_at_ms: SENT,
            exclude: Vec::new(),
            watermark: None,
            input_file_id: None,
        }
    }

    #[test]
    fn the_tag_goes_where_the_provider_keeps_it() {
        let mut metadata = Map::new();
        metadata.insert("team".into(), json!("search"));
        let openai = tagged_metadata(Provider::OpenAI, Some(&metadata), "job_1.0.1");
        assert_eq!(Value::Object(openai), json!({"team": "search", "batch_router_job": "job_1.0.1"}));
        let mistral = tagged_metadata(Provider::Mistral, None, "job_1.0.1");
        assert_eq!(Value::Object(mistral), json!({"batch_router_job": "job_1.0.1"}));
        let gemini = tagged_metadata(Provider::Google, Some(&metadata), "job_1.0.1");
        assert_eq!(gemini["displayName"], json!("batch-router [job_1.0.1]"));
        metadata.insert("displayName".into(), json!("nightly"));
        let named = tagged_metadata(Provider::Google, Some(&metadata), "job_1.0.1");
        assert_eq!(named["displayName"], json!("nightly [job_1.0.1]"));
        let anthropic = tagged_metadata(Provider::Anthropic, Some(&metadata), "job_1.0.1");
        assert_eq!(anthropic, metadata);
    }

    #[test]
    fn a_tagged_batch_is_found_on_a_later_page() {
        let mut searcher = BatchSearcher::new(Provider::OpenAI, search("job_1.2.1", 5));
        let first = page(
            vec![
                batch("batch_9", "2024-03-26T16:50:00Z", 5, Some(json!({"batch_router_job": "job_1.3.1"}))),
                batch("batch_8", "2024-03-26T16:49:00Z", 5, None),
            ],
            true,
        );
        assert_eq!(searcher.read_page(&first), None);
        let second = page(
            vec![batch("batch_7", "2024-03-26T16:46:00Z", 5, Some(json!({"batch_router_job": "job_1.2.1"})))],
            true,
        );
        let Some(SearchOutcome::Found { batch }) = searcher.read_page(&second) else { panic!() };
        assert_eq!(batch.batch_id, "batch_7");
    }

    #[test]
    fn a_newest_first_list_is_not_read_past_the_send_time() {
        let mut searcher = BatchSearcher::new(Provider::OpenAI, search("job_1.2.1", 5));
        let old = page(vec![batch("batch_1", "2024-03-26T15:00:00Z", 5, None)], true);
        assert_eq!(searcher.read_page(&old), Some(SearchOutcome::NotFound));
        // Gemini's order is not documented: it is read to the end (or the page limit).
        let mut gemini = BatchSearcher::new(Provider::Google, search("job_1.2.1", 5));
        assert_eq!(gemini.read_page(&old), None);
        let tagged = page(
            vec![batch("batches/abc", "2024-03-26T10:00:00Z", 5, Some(json!({"displayName": "x [job_1.2.1]"})))],
            false,
        );
        let Some(SearchOutcome::Found { batch: found }) = gemini.read_page(&tagged) else { panic!() };
        assert_eq!(found.batch_id, "batches/abc");
        // The tag must be the whole bracketed suffix.
        let mut other = BatchSearcher::new(Provider::Google, search("job_1.2.1", 5));
        let near_miss = page(
            vec![batch("batches/x", "2024-03-26T16:50:00Z", 5, Some(json!({"displayName": "[job_1.2.10]"})))],
            false,
        );
        assert_eq!(other.read_page(&near_miss), Some(SearchOutcome::NotFound));
    }

    #[test]
    fn the_page_limit_ends_a_search() {
        let mut searcher = BatchSearcher::new(Provider::Mistral, search("job_1.0.1", 1));
        let busy = page(vec![batch("uuid", "2024-03-26T16:50:00Z", 1, None)], true);
        for _ in 1..MAX_PAGES {
            assert_eq!(searcher.read_page(&busy), None);
        }
        assert_eq!(searcher.read_page(&busy), Some(SearchOutcome::NotFound));
    }

    #[test]
    fn anthropic_batches_are_matched_by_count_and_time() {
        let listing = page(
            vec![
                batch("msgbatch_new", "2024-03-26T16:45:34.120Z", 3, None),
                batch("msgbatch_other_size", "2024-03-26T16:45:35Z", 4, None),
                batch("msgbatch_owned", "2024-03-26T16:45:36Z", 3, None),
                batch("msgbatch_old", "2024-03-26T16:00:00Z", 3, None),
            ],
            true,
        );
        let mut owned = search("job_1.0.1", 3);
        owned.exclude = vec!["msgbatch_owned".into()];
        let mut searcher = BatchSearcher::new(Provider::Anthropic, owned);
        let Some(SearchOutcome::Found { batch }) = searcher.read_page(&listing) else { panic!() };
        assert_eq!(batch.batch_id, "msgbatch_new");

        let mut unsure = BatchSearcher::new(Provider::Anthropic, search("job_1.0.1", 3));
        assert_eq!(
            unsure.read_page(&listing),
            Some(SearchOutcome::Ambiguous { batch_ids: vec!["msgbatch_new".into(), "msgbatch_owned".into()] })
        );

        let mut none = BatchSearcher::new(Provider::Anthropic, search("job_1.0.1", 7));
        assert_eq!(none.read_page(&listing), Some(SearchOutcome::NotFound));
    }

    #[test]
    fn anthropic_batches_newer_than_the_watermark_are_candidates_whatever_the_clocks_say() {
        // The provider's clock is years behind ours: only the list's order counts.
        let listing = page(
            vec![
                batch("msgbatch_ours", "2023-01-01T00:00:02Z", 3, None),
                batch("msgbatch_other_size", "2023-01-01T00:00:01Z", 4, None),
                batch("msgbatch_mark", "2023-01-01T00:00:00Z", 3, None),
                batch("msgbatch_older", "2022-12-31T00:00:00Z", 3, None),
            ],
            true,
        );
        let before = page(listing.batches[2..].to_vec(), true);
        assert_eq!(Watermark::of(&before).newest_batch_id.as_deref(), Some("msgbatch_mark"));
        let marked = BatchSearch { watermark: Some(Watermark::of(&before)), ..search("job_1.0.1", 3) };
        let Some(SearchOutcome::Found { batch: found }) =
            BatchSearcher::new(Provider::Anthropic, marked.clone()).read_page(&listing)
        else {
            panic!()
        };
        assert_eq!(found.batch_id, "msgbatch_ours");
        // Without a watermark the clock rule finds nothing here.
        let unmarked = BatchSearcher::new(Provider::Anthropic, search("job_1.0.1", 3)).read_page(&listing);
        assert_eq!(unmarked, Some(SearchOutcome::NotFound));
        // An empty list before the create: every batch is newer.
        let empty = BatchSearch { watermark: Some(Watermark::default()), ..search("job_1.0.1", 3) };
        let outcome = BatchSearcher::new(Provider::Anthropic, empty).read_page(&page(listing.batches.clone(), false));
        assert!(matches!(outcome, Some(SearchOutcome::Ambiguous { ref batch_ids }) if batch_ids.len() == 3));
        // The watermark is not on this page: read the next one.
        let later = page(vec![batch("msgbatch_new", "2023-01-01T00:00:03Z", 3, None)], true);
        assert_eq!(BatchSearcher::new(Provider::Anthropic, marked).read_page(&later), None);
        assert!(needs_watermark(Provider::Anthropic) && !needs_watermark(Provider::OpenAI));
    }

    #[test]
    fn outcomes_serialize_with_a_tag() {
        let value = serde_json::to_value(SearchOutcome::Ambiguous { batch_ids: vec!["a".into()] }).unwrap();
        assert_eq!(value, json!({"outcome": "ambiguous", "batchIds": ["a"]}));
        assert_eq!(serde_json::to_value(SearchOutcome::NotFound).unwrap(), json!({"outcome": "not_found"}));
    }

    #[test]
    fn xai_batches_are_found_by_name_and_together_batches_by_input_file() {
        let tagged = tagged_metadata(Provider::Xai, None, "job_1.0.1");
        assert_eq!(tagged.get(JOB_TAG_KEY), Some(&json!("job_1.0.1")));
        let named = |id: &str, name: &str| batch(id, "2024-03-26T16:45:33Z", 1, Some(json!({"name": name})));
        let listing = page(vec![named("b1", "batch-router [job_1.0.2]"), named("b2", "nightly [job_1.0.1]")], false);
        let outcome = BatchSearcher::new(Provider::Xai, search("job_1.0.1", 1)).read_page(&listing);
        assert!(matches!(outcome, Some(SearchOutcome::Found { ref batch }) if batch.batch_id == "b2"));

        assert!(tagged_metadata(Provider::Together, None, "job_1.0.1").is_empty(), "Together keeps no metadata");
        let on_file = |id: &str, file: &str| BatchStatusResponse {
            raw: json!({"input_file_id": file}),
            ..batch(id, "x", 0, None)
        };
        let listing = page(vec![on_file("t1", "file-a"), on_file("t2", "file-b")], false);
        let with_file = BatchSearch { input_file_id: Some("file-b".into()), ..search("job_1.0.1", 1) };
        let outcome = BatchSearcher::new(Provider::Together, with_file).read_page(&listing);
        assert!(matches!(outcome, Some(SearchOutcome::Found { ref batch }) if batch.batch_id == "t2"));
        let without = BatchSearcher::new(Provider::Together, search("job_1.0.1", 1)).read_page(&listing);
        assert_eq!(without, Some(SearchOutcome::NotFound));
    }
}
