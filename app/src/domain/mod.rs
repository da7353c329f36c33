//! Pure types and rules shared by the server and the browser: no IO, no async.
//! Everything here compiles to WASM, so a status, a validation rule or the fee
//! arithmetic has exactly one definition.

pub mod account;
pub mod challenge;
pub mod coins;
pub mod error;
pub mod model;
pub mod payout;
pub mod time;
pub mod warning;

pub use error::{AppError, FieldErrors};
