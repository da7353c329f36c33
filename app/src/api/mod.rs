//! The two doors onto the services: REST handlers (`rest/`) and server functions
//! (`server_fns.rs`). Both authenticate, validate, call one service, map errors.

#[cfg(feature = "ssr")]
pub mod extract;
#[cfg(feature = "ssr")]
pub mod openapi;
#[cfg(feature = "ssr")]
pub mod problem;
#[cfg(feature = "ssr")]
pub mod rest;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod session;
