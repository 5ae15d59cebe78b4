//! The HTTP API: OpenAI's files and batches endpoints under `/v1`, behind the optional bearer
//! token, and an open `GET /health`.

mod batches;
mod files;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::runner::Runner;
use crate::store::{BatchStore, FileStore};

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub files: FileStore,
    pub batches: Arc<BatchStore>,
    pub runner: Runner,
    pub token: Option<Arc<str>>,
    pub max_upload_bytes: u64,
}

pub fn router(state: AppState) -> Router {
    // Room for the multipart boundaries and the small fields around the file.
    let body_limit = usize::try_from(state.max_upload_bytes.saturating_add(64 * 1024)).unwrap_or(usize::MAX);
    let api = Router::new()
        .route("/v1/files", post(files::upload).layer(DefaultBodyLimit::max(body_limit)))
        .route("/v1/files/{file_id}", get(files::retrieve).delete(files::delete))
        .route("/v1/files/{file_id}/content", get(files::content))
        .route("/v1/batches", post(batches::create).get(batches::list))
        .route("/v1/batches/{batch_id}", get(batches::retrieve))
        .route("/v1/batches/{batch_id}/cancel", post(batches::cancel))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/health", get(health))
        .merge(api)
        .fallback(unknown_url)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn unknown_url(request: Request) -> ApiError {
    ApiError::UnknownUrl { method: request.method().to_string(), path: request.uri().path().to_owned() }
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::MethodNotAllowed { method: request.method().to_string(), path: request.uri().path().to_owned() }
}

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    if let Some(token) = &state.token {
        let presented = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_equal(presented.as_bytes(), token.as_bytes()) {
            return Err(ApiError::Unauthorized);
        }
    }
    Ok(next.run(request).await)
}

/// Compares without stopping at the first difference, so timing does not reveal the token.
fn constant_time_equal(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter().zip(right).fold(0u8, |difference, (a, b)| difference | (a ^ b)) == 0
}

#[cfg(test)]
mod tests;
