//! What Anthropic refuses beyond the shared validation and capability table: a conversation that
//! does not open with the user, image and document media types it cannot read, and a message left
//! empty once `dropUnsupported` took out what Anthropic cannot express.

use crate::model::{ContentPartRef, MessageContent, Role, SourceType, UnifiedRequest};
use crate::CoreError;

/// The only image media types Anthropic accepts for base64 data (spec `Base64ImageSource`).
pub const IMAGE_MEDIA_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// The only media type of a base64 document (spec `Base64PDFSource`).
pub const DOCUMENT_MEDIA_TYPE: &str = "application/pdf";

/// Whether a media part is sent; others were refused by validation or left out under
/// `dropUnsupported` (and reported there).
pub fn is_sendable(source_type: SourceType) -> bool {
    matches!(source_type, SourceType::Base64 | SourceType::Url)
}

/// Checks one request, already validated by `validate_batch`, for what Anthropic alone refuses.
pub fn check_request(index: usize, request: &UnifiedRequest) -> Result<(), CoreError> {
    let error = |field: String, message: String| CoreError::invalid(index, &request.custom_id, field, message);
    if let Some(first) = request.messages.first() {
        if first.role != Role::User {
            return Err(error(
                "messages[0].role".into(),
                format!("Anthropic requires the first message to be from the user, not the {}", first.role.as_str()),
            ));
        }
    }
    for (message_index, message) in request.messages.iter().enumerate() {
        let MessageContent::Parts(_) = &message.content else {
            continue;
        };
        let mut sent = 0;
        for (part_index, part) in message.content.parts().into_iter().enumerate() {
            // Written only for an error: this runs for every part of every request.
            let field = || format!("messages[{message_index}].content[{part_index}].mediaType");
            let (media, allowed): (_, &[&str]) = match part {
                ContentPartRef::Image(media) => (media, &IMAGE_MEDIA_TYPES),
                ContentPartRef::Document(media) => (media, &[DOCUMENT_MEDIA_TYPE]),
                // Text and the transcript parts (tool calls, results, reasoning) are all sent.
                _ => {
                    sent += 1;
                    continue;
                }
            };
            if !is_sendable(media.source_type) {
                continue;
            }
            sent += 1;
            if media.source_type != SourceType::Base64 {
                continue;
            }
            let media_type = crate::media_data::media_type(media).unwrap_or_default();
            if !allowed.contains(&media_type) {
                let kind = if let ContentPartRef::Image(_) = part { "images" } else { "documents" };
                return Err(error(
                    field(),
                    format!(
                        "\"{media_type}\" is not accepted: Anthropic takes base64 {kind} only as {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        if sent == 0 {
            return Err(error(
                format!("messages[{message_index}].content"),
                "every part was left out (dropUnsupported), so the message would be empty".into(),
            ));
        }
    }
    Ok(())
}
