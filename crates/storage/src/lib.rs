//! Tern's storage: what the node persists, behind one async trait per table group, with one
//! error type ([`StorageError`]).
//!
//! The one implementation, [`SqlStore`], uses sqlx over SQLite (the default: one file,
//! `tern.db`, in WAL mode) or PostgreSQL (`postgres://…`), chosen by the URL, with one set of
//! migrations run at start-up. Amounts are stored as decimal TEXT and hashes and encoded
//! values as BLOB (BYTEA) so the same SQL runs on both. `docs/spec/storage.md` describes the
//! schema, the encodings and what is written atomically.
//!
//! Groups:
//! - [`MetaStore`]: which chain and contract the database belongs to.
//! - [`MempoolStore`]: submitted transactions and batches, and their receipts.
//! - [`PriorityStore`]: priority requests copied from L1, in queue order.
//! - [`BlockStore`]: sealed blocks, written atomically with their receipts, state diff and
//!   prover job; their L1 progress.
//! - [`StateStore`]: the state tree's contents at the last block or at any earlier block.
//! - [`ProverJobStore`]: the prover job queue with leases.
//! - [`L1TxStore`]: the L1 sender's operations and every signed attempt, saved before broadcast.
//! - [`WatcherStore`]: the L1 watcher's cursor and recent L1 block hashes (reorg detection),
//!   and listed tokens.

mod sql;
mod types;

pub use sql::{Backend, SqlStore};
pub use types::*;
