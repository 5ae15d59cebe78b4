//! `/v1/batches`: create, retrieve, cancel and list, with OpenAI's request and answer shapes.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use batch_router_core::providers::openai::check_metadata;
use batch_router_core::{CoreError, Endpoint};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::AppState;
use crate::error::ApiError;
use crate::ids;
use crate::objects::{BatchObject, BatchStatus, ListPage, CHAT_COMPLETIONS, COMPLETION_WINDOW, PURPOSE_BATCH};
use crate::runner::Stop;
use crate::store::{RunRecord, StoredBatch};

const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 100;

#[derive(Deserialize)]
struct CreateBatch {
    input_file_id: String,
    endpoint: String,
    completion_window: String,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
}

pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Json<BatchObject>, ApiError> {
    let request: CreateBatch = serde_json::from_slice(&body)
        .map_err(|error| ApiError::invalid(format!("The request body is not a valid batch request: {error}."), None))?;
    // vLLM run-batch takes chat and embeddings lines (endpoints-and-push.md §1.4 [VL-README]).
    let endpoint = match Endpoint::from_openai_url(&request.endpoint) {
        Some(endpoint @ (Endpoint::Chat | Endpoint::Embeddings)) if request.endpoint.starts_with("/v1/") => endpoint,
        _ => {
            return Err(ApiError::invalid_with_code(
                format!(
                    "vLLM batches here run `{CHAT_COMPLETIONS}` or `{}` only, not `{}`.",
                    Endpoint::Embeddings.openai_url(),
                    request.endpoint
                ),
                Some("endpoint"),
                "invalid_endpoint",
            ))
        }
    };
    if request.completion_window != COMPLETION_WINDOW {
        return Err(ApiError::invalid(
            format!("`completion_window` must be \"{COMPLETION_WINDOW}\"."),
            Some("completion_window"),
        ));
    }
    check_metadata(request.metadata.as_ref()).map_err(|error| match error {
        CoreError::Validation { field, message, .. } => {
            ApiError::invalid(format!("{field}: {message}"), Some("metadata"))
        }
        other => ApiError::invalid(other.to_string(), Some("metadata")),
    })?;
    let file = state.files.get(&request.input_file_id).await?.ok_or_else(|| {
        ApiError::invalid(format!("No such File object: {}", request.input_file_id), Some("input_file_id"))
    })?;
    if file.purpose != PURPOSE_BATCH {
        return Err(ApiError::invalid(
            format!(
                "The file {} has purpose \"{}\"; a batch needs a file uploaded with purpose \"batch\".",
                file.id, file.purpose
            ),
            Some("input_file_id"),
        ));
    }
    let mut batch = BatchObject::new(ids::new_batch_id(), file.id, request.metadata, ids::now());
    batch.endpoint = endpoint.openai_url().into();
    state.batches.insert(StoredBatch { batch: batch.clone(), run: RunRecord::default() }).await?;
    state.runner.start(&batch.id);
    tracing::info!(batch_id = batch.id, input_file_id = batch.input_file_id, "batch created");
    Ok(Json(batch))
}

pub async fn retrieve(
    State(state): State<AppState>,
    Path(batch_id): Path<String>,
) -> Result<Json<BatchObject>, ApiError> {
    match state.batches.get(&batch_id).await {
        Some(record) => Ok(Json(record.batch)),
        None => Err(ApiError::batch_not_found(&batch_id)),
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    Path(batch_id): Path<String>,
) -> Result<Json<BatchObject>, ApiError> {
    let now = ids::now();
    let (record, outcome) = state
        .batches
        .update(&batch_id, |record| match record.batch.status {
            BatchStatus::Validating | BatchStatus::InProgress => {
                record.batch.status = BatchStatus::Cancelling;
                record.batch.cancelling_at = Some(now);
                Ok(true)
            }
            BatchStatus::Cancelling | BatchStatus::Cancelled => Ok(false),
            other => Err(other),
        })
        .await?
        .ok_or_else(|| ApiError::batch_not_found(&batch_id))?;
    match outcome {
        Ok(true) => {
            if !state.runner.stop(&batch_id, Stop::Cancel) {
                tracing::warn!(batch_id, "a cancelled batch had no running task");
            }
            tracing::info!(batch_id, "batch cancelling");
            Ok(Json(record.batch))
        }
        Ok(false) => Ok(Json(record.batch)),
        Err(status) => Err(ApiError::invalid_with_code(
            format!("Cannot cancel a batch with status \"{}\".", status.as_str()),
            None,
            "batch_not_cancellable",
        )),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ListPage<BatchObject>>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::invalid(rejection.body_text(), None))?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid(format!("`limit` must be between 1 and {MAX_PAGE}."), Some("limit")));
    }
    if let Some(after) = &query.after {
        if !ids::is_batch_id(after) {
            return Err(ApiError::invalid("`after` must be a batch id.", Some("after")));
        }
    }
    let (data, has_more) = state.batches.page(query.after.as_deref(), limit).await;
    Ok(Json(ListPage {
        object: "list",
        first_id: data.first().map(|batch| batch.id.clone()),
        last_id: data.last().map(|batch| batch.id.clone()),
        data,
        has_more,
    }))
}
