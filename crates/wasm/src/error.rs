//! Core errors become real JS `Error`s carrying the structured error as `data`, which the
//! TypeScript package turns into its error classes.

use batch_router_core::CoreError;
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub fn to_js_error(error: CoreError) -> JsValue {
    let js_error = js_sys::Error::new(&error.to_string());
    js_error.set_name("BatchRouterCoreError");
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    if let Ok(data) = error.serialize(&serializer) {
        // Each of several invalid requests' errors gets its own text, as `message` would say it
        // alone. Setting properties on fresh objects cannot fail.
        if let CoreError::Validations { errors, .. } = &error {
            let list = js_sys::Reflect::get(&data, &JsValue::from_str("errors")).unwrap_or(JsValue::UNDEFINED);
            for (at, each) in errors.iter().enumerate() {
                let item = js_sys::Reflect::get_u32(&list, at as u32).unwrap_or(JsValue::UNDEFINED);
                if item.is_object() {
                    let _ =
                        js_sys::Reflect::set(&item, &JsValue::from_str("text"), &JsValue::from_str(&each.to_string()));
                }
            }
        }
        let _ = js_sys::Reflect::set(&js_error, &JsValue::from_str("data"), &data);
    }
    js_error.into()
}

/// Serializes a value for JS with plain objects (not Maps) for JSON maps.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| to_js_error(CoreError::invalid_response("wasm", error.to_string())))
}

/// Options passed from JavaScript (`Ts<T>`, or any value read into `T`), read as tsify reads them
/// (`serde_wasm_bindgen`). A value of the wrong shape is a `ValidationError` at `name`, or at
/// `name.key` when one key of an object is wrong (found by reading the object one key at a time),
/// in JSON's words — not tsify's "Failed to deserialize JsValue into type
/// `batch_router_core::providers::PrepareOptions`: Error: …" (found by a new-user trial).
pub fn read_options<T: tsify::Tsify + serde::de::DeserializeOwned>(
    options: tsify::Ts<T>,
    name: &str,
) -> Result<T, CoreError> {
    read_value(JsValue::from(options), name)
}

/// [`read_options`] for a value passed untyped.
pub fn read_value<T: serde::de::DeserializeOwned>(value: JsValue, name: &str) -> Result<T, CoreError> {
    from_value(value.clone()).map_err(|error| option_error(&value, name, error, &|alone| from_value::<T>(alone).err()))
}

/// One reader per type, called from both places above (inlined, the type's reader was compiled
/// twice into the module).
#[inline(never)]
fn from_value<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, serde_wasm_bindgen::Error> {
    serde_wasm_bindgen::from_value(value)
}

/// The error of options that `read` (reading `value` as the options' type) refused; `read` is
/// passed again each key alone to find the key that is wrong. Not generic: one copy in the module.
#[cold]
#[inline(never)]
fn option_error(
    value: &JsValue,
    name: &str,
    error: serde_wasm_bindgen::Error,
    read: &dyn Fn(JsValue) -> Option<serde_wasm_bindgen::Error>,
) -> CoreError {
    let key = value.dyn_ref::<js_sys::Object>().filter(|_| !js_sys::Array::is_array(value)).and_then(|object| {
        js_sys::Object::keys(object).iter().filter_map(|key| key.as_string()).find(|key| {
            let alone = js_sys::Object::new();
            let key = JsValue::from_str(key);
            let _ =
                js_sys::Reflect::set(&alone, &key, &js_sys::Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED));
            read(alone.into()).is_some_and(|error| !error_text(error).starts_with("missing field"))
        })
    });
    let (field, at_fault) = match key {
        Some(key) => (
            format!("{name}.{key}"),
            js_sys::Reflect::get(value, &JsValue::from_str(&key)).unwrap_or(JsValue::UNDEFINED),
        ),
        None => (name.to_owned(), value.clone()),
    };
    CoreError::invalid_batch(field, option_words(&error_text(error), &at_fault))
}

/// The message of a `serde_wasm_bindgen` error (a JS `Error`; a JS exception it passed on, such as
/// the `TypeError` of reading a key of a string, keeps its name).
fn error_text(error: serde_wasm_bindgen::Error) -> String {
    let error = JsValue::from(error);
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) if error.name() == "Error" => error.message().into(),
        Some(error) => format!("{}: {}", String::from(error.name()), String::from(error.message())),
        None => format!("{error:?}"),
    }
}

/// serde's message in JSON's words, for the JavaScript value at fault: a number is a number
/// (serde_wasm_bindgen reads every number as a float, `5` as "floating point `5.0`"), and a key read
/// from a value that is no object, or from an array, is "expected an object".
fn option_words(message: &str, value: &JsValue) -> String {
    if message.starts_with("TypeError") {
        return format!("invalid type: {}, expected an object", value.js_typeof().as_string().unwrap_or_default());
    }
    // An array where an object belongs is read as one whose values are missing.
    if js_sys::Array::is_array(value) && message.starts_with("invalid type: unit value") {
        return "invalid type: array, expected an object".to_owned();
    }
    let message = batch_router_core::error::in_json_words(message);
    if let Some((number, rest)) =
        message.strip_prefix("invalid type: floating point `").and_then(|rest| rest.split_once('`'))
    {
        return format!("invalid type: number {}{rest}", number.strip_suffix(".0").unwrap_or(number));
    }
    without_strings(&message)
}

/// The message without the text of a string value it quotes: a string put in the wrong option may
/// be a key (`storage: process.env.OPENAI_API_KEY`), and keys never reach an error message.
fn without_strings(message: &str) -> String {
    let quoted = [
        ("invalid type: string \"", "\", ", "invalid type: string, "),
        ("invalid value: string \"", "\", ", "invalid value: a string, "),
        ("unknown value `", "`, ", "unknown value, "),
    ];
    for (start, end, said) in quoted {
        if let Some((_, rest)) = message.strip_prefix(start).and_then(|rest| rest.rsplit_once(end)) {
            return format!("{said}{rest}");
        }
    }
    message.to_owned()
}
