//! Tern's JSON-RPC API, with zkSync Lite's method names and JSON shapes (`docs/api.md`).
//!
//! - [`types`] and [`tx`]: the JSON forms of transactions, parameters and results, with a
//!   lossless conversion to and from `tern-types`. They need no server.
//! - [`api`]: the methods and subscriptions as one jsonrpsee trait; `TernApiClient` is the
//!   typed client for any jsonrpsee transport.
//! - [`client`] (feature `client`): HTTP and WebSocket clients, without TLS.
//! - [`server`] (feature `server`, on by default): the HTTP and WebSocket servers over a
//!   running `tern-node` (whose `fees` module holds the fee model the quotes come from).
//! - [`rest`]: the REST API `/api/v0.2` (zkSync Lite's v0.2): its JSON shapes, and (feature
//!   `server`) the axum router the node serves on `--rest-addr`.

pub mod api;
pub mod codec;
pub mod rest;
pub mod tx;
pub mod types;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod server;

pub use api::TernApiClient;
#[cfg(feature = "server")]
pub use api::TernApiServer;
pub use jsonrpsee;
