//! The REST API `/api/v0.2` (zkSync Lite's v0.2 resources and shapes, `docs/api.md`), served
//! with axum by `tern node` on `--rest-addr` (default 127.0.0.1:3001).
//!
//! - [`types`]: the JSON shapes (no server needed).
//! - (feature `server`) [`router`]: the routes over a running node. It reads what the JSON-RPC
//!   server reads, through the same functions (`crate::server`'s readers): committed state from
//!   the node's snapshot, everything else from storage.
//!
//! Every answer is zkSync Lite's envelope `{request, status, error, result}`. Like zkSync Lite
//! (whose JavaScript SDK depends on it), an error the API itself finds is HTTP 200 with
//! `"status": "error"`; an unknown path is 404, a wrong method 405, an unreadable or oversized
//! body 400 or 413, each with the same envelope.

pub mod types;

#[cfg(feature = "server")]
mod accounts;
#[cfg(feature = "server")]
mod blocks;
#[cfg(feature = "server")]
mod errors;
#[cfg(feature = "server")]
mod misc;
#[cfg(feature = "server")]
mod pages;
#[cfg(feature = "server")]
mod routes;

#[cfg(feature = "server")]
pub use errors::RestError;
#[cfg(feature = "server")]
pub use routes::router;
