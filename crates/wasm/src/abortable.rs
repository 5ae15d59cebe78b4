//! Waiting for a promise of the network (a fetch, a body read) that ends when the caller's signal
//! aborts, whatever the runtime does with the request.
//!
//! A fetch's signal reaches the response body only through the runtime's own bookkeeping: undici
//! (Node) holds the request weakly once `fetch` has resolved, so after a garbage collection an
//! abort no longer errors a stalled body and a read waits forever (issue 21). Here the wait itself
//! listens to the signal, and every piece of that chain is held strongly for as long as it lasts:
//! the listener by this future, the rejecting function by the listener, the signal by the caller.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

/// Waits for `promise`; rejects with the signal's reason as soon as `signal` aborts (at once when it
/// already has). Without a signal it is a plain wait.
pub async fn until_aborted(promise: Promise, signal: Option<&AbortSignal>) -> Result<JsValue, JsValue> {
    let Some(signal) = signal else { return JsFuture::from(promise).await };
    if signal.aborted() {
        // The promise may still reject later (a read of a cancelled body): consume that.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
        return Err(signal.reason());
    }
    let mut reject_on_abort: Option<Function> = None;
    let aborted = Promise::new(&mut |_resolve, reject| reject_on_abort = Some(reject));
    // `Promise::new` runs its executor at once, so the function is there.
    let reject_on_abort = reject_on_abort.unwrap_or_else(|| Function::new_no_args(""));
    let aborting_signal = signal.clone();
    let listener = Closure::<dyn FnMut()>::new(move || {
        let _ = reject_on_abort.call1(&JsValue::UNDEFINED, &aborting_signal.reason());
    });
    let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
    let outcome = JsFuture::from(Promise::race(&Array::of2(&promise, &aborted))).await;
    let _ = signal.remove_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
    drop(listener);
    outcome
}
