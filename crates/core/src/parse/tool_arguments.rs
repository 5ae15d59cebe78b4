//! Tool-call arguments given as an object, read to the nearest double. A content part is an
//! internally tagged enum, which serde reads by buffering the part first, numbers read by
//! serde_json's default reader (one unit off in the last place for ~7 % of 15-digit and 20 % of
//! 17-digit decimals): the text of a field inside it cannot be had. So a request whose tool-call
//! arguments hold a number that reader may have rounded (any but an integer) has them read again
//! from its text; nothing is read twice for any other request, and every error stays the derive's.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::object_only;
use crate::providers::exact_json;
use crate::{ContentPart, MessageContent, UnifiedRequest};

/// `messages[i].content[j].arguments` starts five brackets deep in a request (see
/// `exact_json::from_str_at`).
const ARGUMENTS_DEPTH: u32 = 5;

/// The parts of each message, as text: the shape of a request that has been read already.
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Messages<'a> {
    #[serde(borrow, default)]
    messages: Vec<Message<'a>>,
}
object_only!(deserialize only Messages<'a>, "struct Messages");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Message<'a> {
    #[serde(borrow)]
    content: Option<&'a RawValue>,
}
object_only!(deserialize only Message<'a>, "struct Message");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Part<'a> {
    #[serde(borrow)]
    arguments: Option<&'a RawValue>,
}
object_only!(deserialize only Part<'a>, "struct Part");

/// Reads again, from the request's `text`, the tool-call arguments of `request` (read from that
/// text) that hold a number other than an integer.
pub(super) fn read_exactly(text: &str, request: &mut UnifiedRequest) {
    let rounded = request.messages.iter().any(|message| match &message.content {
        MessageContent::Parts(parts) => {
            parts.iter().any(|part| matches!(part, ContentPart::ToolCall(call) if holds_float(&call.arguments)))
        }
        MessageContent::Text(_) => false,
    });
    if !rounded {
        return;
    }
    // The text has been read as a request: reading its shape cannot fail.
    let Ok(shape) = serde_json::from_str::<Messages>(text) else { return };
    for (message, shape) in request.messages.iter_mut().zip(shape.messages) {
        let (MessageContent::Parts(parts), Some(content)) = (&mut message.content, shape.content) else { continue };
        let Ok(texts) = serde_json::from_str::<Vec<&RawValue>>(content.get()) else { continue };
        for (part, text) in parts.iter_mut().zip(texts) {
            let ContentPart::ToolCall(call) = part else { continue };
            // serde also reads a tagged part written as an array (its fields in order): left as read.
            if !text.get().starts_with('{') || !holds_float(&call.arguments) {
                continue;
            }
            let arguments = serde_json::from_str::<Part>(text.get()).ok().and_then(|part| part.arguments);
            if let Some(Ok(exact)) =
                arguments.map(|arguments| exact_json::from_str_at(arguments.get(), ARGUMENTS_DEPTH))
            {
                call.arguments = exact;
            }
        }
    }
}

/// The value holds a number that is not an integer (serde_json reads integers exactly).
fn holds_float(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(values) => values.iter().any(holds_float),
        Value::Object(map) => map.values().any(holds_float),
        _ => false,
    }
}
