//! `/v1/files`: uploads stream to disk under the size limit, downloads stream from disk.

use axum::body::Body;
use axum::extract::multipart::Field;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

use super::AppState;
use crate::error::ApiError;
use crate::objects::{DeletedFile, FileObject, PURPOSE_BATCH};
use crate::store::TempFile;

const MAX_FILENAME_CHARS: usize = 255;
const MAX_TEXT_FIELD_BYTES: usize = 1024;

pub async fn upload(
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<FileObject>, ApiError> {
    let limit = state.max_upload_bytes;
    let mut multipart = multipart.map_err(|rejection| ApiError::invalid(rejection.body_text(), None))?;
    let mut purpose = None;
    let mut upload: Option<(TempFile, String)> = None;
    while let Some(field) = multipart.next_field().await.map_err(|error| ApiError::from_multipart(error, limit))? {
        match field.name() {
            Some("purpose") => purpose = Some(read_text(field, limit).await?),
            Some("file") if upload.is_none() => {
                let filename: String =
                    field.file_name().unwrap_or("upload.jsonl").chars().take(MAX_FILENAME_CHARS).collect();
                let temporary = TempFile::new(state.files.state().temp_path());
                save(field, &temporary, limit).await?;
                upload = Some((temporary, filename));
            }
            Some("file") => return Err(ApiError::invalid("Send one file per upload.", Some("file"))),
            // Other fields (such as `expires_after`) are accepted and ignored: files here never expire.
            _ => drain(field, limit).await?,
        }
    }
    match purpose.as_deref() {
        Some(PURPOSE_BATCH) => {}
        Some(other) => {
            return Err(ApiError::invalid(
                format!("This server stores batch input files only; purpose \"{other}\" is not supported."),
                Some("purpose"),
            ))
        }
        None => return Err(ApiError::invalid("The `purpose` field is required (use \"batch\").", Some("purpose"))),
    }
    let Some((temporary, filename)) = upload else {
        return Err(ApiError::invalid("The `file` field is required.", Some("file")));
    };
    let file = state.files.register(&temporary.keep(), filename, PURPOSE_BATCH).await?;
    tracing::info!(file_id = file.id, bytes = file.bytes, "file uploaded");
    Ok(Json(file))
}

/// Streams one field to disk, refusing it as soon as it passes `limit` bytes.
async fn save(mut field: Field<'_>, temporary: &TempFile, limit: u64) -> Result<(), ApiError> {
    let mut file = tokio::fs::File::create(temporary.path()).await?;
    let mut written: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(|error| ApiError::from_multipart(error, limit))? {
        written += chunk.len() as u64;
        if written > limit {
            return Err(ApiError::TooLarge { limit });
        }
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    Ok(())
}

async fn read_text(mut field: Field<'_>, limit: u64) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|error| ApiError::from_multipart(error, limit))? {
        if bytes.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
            return Err(ApiError::invalid("A text field of the upload is too long.", None));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::invalid("A text field of the upload is not UTF-8.", None))
}

async fn drain(mut field: Field<'_>, limit: u64) -> Result<(), ApiError> {
    while field.chunk().await.map_err(|error| ApiError::from_multipart(error, limit))?.is_some() {}
    Ok(())
}

pub async fn retrieve(
    State(state): State<AppState>,
    Path(file_id): Path<String>,
) -> Result<Json<FileObject>, ApiError> {
    state.files.get(&file_id).await?.map(Json).ok_or_else(|| ApiError::file_not_found(&file_id))
}

pub async fn content(State(state): State<AppState>, Path(file_id): Path<String>) -> Result<Response, ApiError> {
    let (_, file) = state.files.open_content(&file_id).await?.ok_or_else(|| ApiError::file_not_found(&file_id))?;
    let length = file.metadata().await?.len();
    let body = Body::from_stream(ReaderStream::with_capacity(file, 64 * 1024));
    Ok(([(CONTENT_TYPE, "application/octet-stream".to_owned()), (CONTENT_LENGTH, length.to_string())], body)
        .into_response())
}

pub async fn delete(State(state): State<AppState>, Path(file_id): Path<String>) -> Result<Json<DeletedFile>, ApiError> {
    if !state.files.delete(&file_id).await? {
        return Err(ApiError::file_not_found(&file_id));
    }
    Ok(Json(DeletedFile { id: file_id, object: "file", deleted: true }))
}
