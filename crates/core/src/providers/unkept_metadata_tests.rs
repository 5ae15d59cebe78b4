//! Batch metadata a provider's batches have no place for is named in a note, never dropped silently.

use serde_json::{json, Map, Value};

use super::{prepare, PrepareOptions};
use crate::job_tag::JOB_TAG_KEY;
use crate::test_support::request_for;
use crate::Provider;

fn notes_with(provider: Provider, metadata: Value) -> Vec<String> {
    let request = request_for(
        provider,
        r#"{"customId":"a","model":"MODEL","messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y"},{"role":"user","content":"z"}],"generationConfig":{"maxTokens":8}}"#,
    );
    let metadata: Map<String, Value> = serde_json::from_value(metadata).unwrap();
    let options = PrepareOptions { metadata: Some(metadata), ..PrepareOptions::default() };
    prepare(provider, vec![request], &options).unwrap().summary.notes
}

#[test]
fn keys_a_provider_cannot_keep_are_named() {
    let cases = [
        (Provider::Google, "metadata: Gemini batches keep only metadata.displayName, so project was not sent"),
        (Provider::Together, "metadata: Together AI batches keep no metadata, so displayName, project were not sent"),
        (Provider::Anthropic, "metadata: Anthropic batches keep no metadata, so displayName, project were not sent"),
        (Provider::Xai, "metadata: xAI batches keep only metadata.name, so displayName, project were not sent"),
    ];
    for (provider, note) in cases {
        let notes = notes_with(provider, json!({"displayName": "nightly", "project": "invoices"}));
        assert!(notes.iter().any(|written| written == note), "{provider:?}: {notes:?}");
    }
}

#[test]
fn kept_keys_and_the_job_tag_give_no_note() {
    for (provider, metadata) in [
        (Provider::Google, json!({"displayName": "nightly"})),
        (Provider::Xai, json!({"name": "nightly", JOB_TAG_KEY: "job_1.0.1"})),
        (Provider::Together, json!({JOB_TAG_KEY: "job_1.0.1"})),
        (Provider::OpenAI, json!({"project": "invoices"})),
        (Provider::Mistral, json!({"project": "invoices"})),
    ] {
        let notes = notes_with(provider, metadata);
        assert!(notes.iter().all(|note| !note.starts_with("metadata:")), "{provider:?}: {notes:?}");
    }
}
