//! The unified model shared by every provider: what a user sends, and what comes back.

mod named_variants;
mod object_only;
mod request;
mod request_numbers;
mod result;
mod result_view;
mod status;

pub use request::*;
pub use result::*;
pub use result_view::*;
pub use status::*;

pub(crate) use object_only::object_only;
