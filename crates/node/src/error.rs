//! The node's error type.

use crate::l1::PortError;
use tern_storage::StorageError;

/// Why a node loop or start-up failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// L1 failed.
    #[error("{0}")]
    L1(#[from] PortError),
    /// A block could not be turned into contract arguments.
    #[error("contract arguments: {0}")]
    Args(#[from] tern_l1::L1Error),
    /// Stored data contradicts itself.
    #[error("inconsistent data: {0}")]
    Corrupt(String),
    /// The configuration cannot work; the message says what to change.
    #[error("configuration: {0}")]
    Config(String),
    /// Proving failed.
    #[error("prover: {0}")]
    Prover(String),
    /// The prover worker API failed or answered an error (a remote worker retries).
    #[error("prover API: {0}")]
    Http(String),
    /// The node refused a published proof; the job went back to the queue.
    #[error("proof refused: {0}")]
    Rejected(String),
    /// The sequencer could not build a block.
    #[error("{0}")]
    Sequencer(#[from] crate::sequencer::SequencerError),
}
