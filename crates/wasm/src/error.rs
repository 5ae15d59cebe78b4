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
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&js_error, &JsValue::from_str("data"), &data);
    }
    js_error.into()
}

/// Serializes a value for JS with plain objects (not Maps) for JSON maps.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|error| {
        to_js_error(CoreError::InvalidResponse { provider: "wasm".into(), message: error.to_string() })
    })
}
