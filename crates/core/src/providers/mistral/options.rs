//! What Mistral accepts beyond the capability table: the submission route, the job's timeout,
//! its metadata (spec `CreateBatchJobRequest`) and `top_p`'s open lower bound.

use serde_json::{Map, Value};

use crate::model::UnifiedRequest;
use crate::CoreError;

/// Inline submission is for "fewer than 10,000" requests (guide; the spec's `maxItems` is 10,000).
pub const INLINE_MAX_REQUESTS: usize = 9_999;
pub const DEFAULT_TIMEOUT_HOURS: u32 = 24;
const MAX_TIMEOUT_HOURS: u32 = 168;
const METADATA_KEY_MAX: usize = 32;
const METADATA_VALUE_MAX: usize = 512;

/// How a job is submitted: `File` (upload to `/v1/files`, then create the job on the file) is the
/// default, since it takes any size up to the file limit and its results are the documented output
/// and error files; `Inline` puts the requests inside the create call.
pub use crate::providers::SubmitRoute as Route;

/// The route asked for (file when none), refused when inline cannot take the batch.
pub fn choose_route(asked: Option<Route>, request_count: usize) -> Result<Route, CoreError> {
    let route = asked.unwrap_or(Route::File);
    if route == Route::Inline && request_count > INLINE_MAX_REQUESTS {
        return Err(CoreError::invalid_batch(
            "route",
            format!(
                "Mistral takes fewer than 10,000 requests inline and this batch has {request_count}; use the file route"
            ),
        ));
    }
    Ok(route)
}

/// `timeout_hours` is 1–168, 24 when not given.
pub fn timeout_hours(asked: Option<u32>) -> Result<u32, CoreError> {
    match asked {
        None => Ok(DEFAULT_TIMEOUT_HOURS),
        Some(hours) if (1..=MAX_TIMEOUT_HOURS).contains(&hours) => Ok(hours),
        Some(hours) => Err(CoreError::invalid_batch(
            "timeoutHours",
            format!("{hours} is out of range: Mistral accepts 1 to {MAX_TIMEOUT_HOURS} hours"),
        )),
    }
}

/// Metadata is string → string, keys 1–32 characters, values 1–512.
pub fn check_metadata(metadata: Option<&Map<String, Value>>) -> Result<(), CoreError> {
    let Some(metadata) = metadata else {
        return Ok(());
    };
    for (key, value) in metadata {
        let field = format!("metadata.{key}");
        if key.is_empty() || key.chars().count() > METADATA_KEY_MAX {
            return Err(CoreError::invalid_batch(field, format!("keys are 1 to {METADATA_KEY_MAX} characters")));
        }
        match value {
            Value::String(text) if (1..=METADATA_VALUE_MAX).contains(&text.chars().count()) => {}
            Value::String(_) => {
                return Err(CoreError::invalid_batch(field, format!("values are 1 to {METADATA_VALUE_MAX} characters")))
            }
            _ => return Err(CoreError::invalid_batch(field, "values must be strings")),
        }
    }
    Ok(())
}

/// The spec's `top_p` has an exclusive minimum of 0, which the shared range check (0 to 1) lets
/// through.
pub fn check_top_p(requests: &[UnifiedRequest]) -> Result<(), CoreError> {
    for (index, request) in requests.iter().enumerate() {
        if request.generation_config.as_ref().and_then(|config| config.top_p) == Some(0.0) {
            return Err(CoreError::invalid(
                index,
                &request.custom_id,
                "generationConfig.topP",
                "0 is out of range: Mistral accepts more than 0, up to 1",
            ));
        }
    }
    Ok(())
}
