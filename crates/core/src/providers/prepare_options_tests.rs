//! `PrepareOptions` is read through its flat field list: every field written is read back, and the
//! flat JSON shape (validation options beside the others) is what it reads.

use serde_json::{json, Map, Value};

use super::{PrepareOptions, SubmitRoute, WebhookConfig};
use crate::validate::ValidationOptions;
use crate::Endpoint;

/// Every field set. Struct literals without `..Default::default()`: a field added to either struct
/// stops this compiling until it is set here, and then `prepare_options_read_back` fails until the
/// flat field list reads it.
fn every_field_set() -> PrepareOptions {
    let mut metadata = Map::new();
    metadata.insert("team".into(), Value::String("search".into()));
    PrepareOptions {
        validation: ValidationOptions {
            drop_unsupported: true,
            api_version: Some("2026-10-21".into()),
            custom_base_url: true,
            model: Some("gpt-4o-mini".into()),
            vllm_args: Some("--enable-auto-tool-choice --tool-call-parser=hermes".into()),
        },
        endpoint: Some(Endpoint::Embeddings),
        metadata: Some(metadata),
        route: Some(SubmitRoute::Inline),
        timeout_hours: Some(48),
        webhook_config: Some(WebhookConfig { uris: vec!["https://example.com/hook".into()], user_metadata: None }),
    }
}

#[test]
fn prepare_options_read_back() {
    let options = every_field_set();
    let written = serde_json::to_value(&options).unwrap();
    assert_eq!(serde_json::from_value::<PrepareOptions>(written).unwrap(), options);
}

#[test]
fn reads_the_flat_shape_and_ignores_unknown_fields() {
    let options: PrepareOptions = serde_json::from_value(json!({
        "dropUnsupported": true,
        "model": "gpt-4o-mini",
        "timeoutHours": 5,
        "route": "file",
        "somethingElse": [1, 2],
    }))
    .unwrap();
    assert!(options.validation.drop_unsupported);
    assert_eq!(options.validation.model.as_deref(), Some("gpt-4o-mini"));
    assert!(!options.validation.custom_base_url);
    assert_eq!(options.timeout_hours, Some(5));
    assert_eq!(options.route, Some(SubmitRoute::File));
    assert_eq!(serde_json::from_value::<PrepareOptions>(json!({})).unwrap(), PrepareOptions::default());
}

#[test]
fn a_wrong_type_names_the_struct_and_the_value() {
    let error = serde_json::from_value::<PrepareOptions>(json!(5)).unwrap_err();
    assert_eq!(error.to_string(), "invalid type: integer `5`, expected struct PrepareOptions");
    let error = serde_json::from_value::<PrepareOptions>(json!({ "timeoutHours": "soon" })).unwrap_err();
    assert_eq!(error.to_string(), "invalid type: string \"soon\", expected u32");
}
