//! Tern's node: the process that takes users' transactions, seals blocks, proves them and
//! drives the rollup contract on L1.
//!
//! - [`sequencer`]: the mempool's admission checks and the block builder's state, as pure
//!   logic over `tern-state`.
pub mod config;
pub mod error;
pub mod fees;
pub mod http;
pub mod l1;
pub mod launch;
pub mod metrics;
pub mod node;
pub mod prover;
pub mod rpc_port;
pub mod sender;
pub mod sequencer;
pub mod status;
pub mod watcher;
pub mod worker_api;
pub mod worker_http;
