//! The pure core of batch-router: the unified request, status and result model, validation, and one
//! module per provider that turns unified requests into the provider's wire format and the
//! provider's answers back into unified values.
//!
//! Nothing here touches the network, the clock or the file system. Each lifecycle step is described
//! as data ([`http::HttpRequest`]); whoever executes it (the wasm crate with `fetch`, a test with a
//! canned response) hands the [`http::HttpResponse`] back to the provider module.

pub mod byte_scan;
pub mod caching;
pub mod conversation_rules;
pub mod cost;
pub mod embeddings;
pub mod endpoint;
pub mod error;
pub mod http;
pub mod import;
pub mod job_tag;
mod json_value_text;
pub mod jsonl;
pub mod known_fields;
pub mod limits;
pub mod line_scan;
pub mod media_data;
pub mod merge;
pub mod model;
pub mod model_rules;
pub mod parse;
pub mod planning;
pub mod provider;
pub mod provider_kwargs;
pub mod providers;
pub mod reasoning;
pub mod registry;
pub mod results;
pub mod retry;
mod skipped_value;
mod sort_by_text;
pub mod structured_output;
#[cfg(test)]
mod test_support;
pub mod time;
pub mod tools;
pub mod validate;

pub use endpoint::Endpoint;
pub use error::CoreError;
pub use model::*;
pub use provider::Provider;
