//! The L1 client's errors.
//!
//! A revert keeps its raw data and a readable reason: the rollup's custom error when the data
//! is one (`StoredBlockMismatch(StoredBlockMismatch { blockNumber: 3 })`), else the hex.

use alloy_primitives::{Bytes, B256};
use alloy_sol_types::SolInterface;
use tern_contracts::bindings::Rollup::RollupErrors;

/// Why an L1 operation failed.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// The JSON-RPC endpoint is not a valid URL.
    #[error("invalid L1 RPC URL {url:?}: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The transport or the node failed (connection refused, HTTP error, a JSON-RPC error that
    /// is not a revert).
    #[error("L1 RPC: {0}")]
    Rpc(String),
    /// A call or transaction reverted (found when estimating gas, calling, or in a receipt).
    #[error("{call} reverted: {reason}")]
    Revert {
        /// The contract function (`commitBlocks`, …).
        call: &'static str,
        /// The decoded reason: a rollup custom error, `Error(string)`, or the data in hex.
        reason: String,
        /// The raw revert data (empty when only a failed receipt is known).
        data: Bytes,
    },
    /// A mined transaction failed without revert data (out of gas, or reverted after estimate).
    #[error("{call}: transaction {tx_hash} failed on chain (status 0)")]
    Failed {
        /// The contract function.
        call: &'static str,
        /// The transaction.
        tx_hash: B256,
    },
    /// A deployment's receipt names no contract address.
    #[error("deployment of {0} returned no contract address")]
    NoContractAddress(&'static str),
    /// A log that should be a rollup event was refused: another emitter, an unknown signature,
    /// a wrong topic count or data length, a dirty word, or malformed priority-request data.
    #[error("rollup event refused: {0}")]
    Event(#[from] crate::events::EventError),
    /// Return data of a view call did not decode.
    #[error("return data of {call} does not decode: {source}")]
    Decode {
        /// The contract function.
        call: &'static str,
        /// The decoder's error.
        #[source]
        source: alloy_sol_types::Error,
    },
    /// A block could not be turned into contract arguments.
    #[error(transparent)]
    Args(#[from] tern_contracts::rollup::RollupArgsError),
    /// A verifying key cannot be turned into a verifier contract.
    #[error(transparent)]
    Verifier(#[from] tern_contracts::verifier::VerifierError),
    /// A verifying key labelled for one circuit was given for another circuit's slot (or the
    /// rollup recorded a different key hash than the labelled key's).
    #[error("a key of circuit {circuit} cannot be {slot}")]
    KeyMismatch {
        /// The slot it was given for.
        slot: String,
        /// The circuit the key is labelled with.
        circuit: tern_contracts::verifier::Circuit,
    },
    /// `proveBlocks` needs one proof per block.
    #[error("{blocks} blocks but {proofs} proofs: proveBlocks takes one proof per block")]
    ProofCount {
        /// Blocks given.
        blocks: usize,
        /// Proofs given.
        proofs: usize,
    },
    /// An address that must hold a contract (a token to list) has no code on the chain.
    #[error("no contract at {0} on this chain")]
    NoCode(alloy_primitives::Address),
    /// A transaction could not be built or signed (a field missing, the signer failed).
    #[error("signing a transaction: {0}")]
    Sign(String),
    /// The node reported something inconsistent (a receipt without a block number, …).
    #[error("L1 node: {0}")]
    Node(String),
}

impl L1Error {
    /// The revert data decoded as `E` (a `sol!` errors enum), if this is a revert whose data is
    /// one of `E`'s errors.
    pub fn decode_revert<E: SolInterface>(&self) -> Option<E> {
        match self {
            Self::Revert { data, .. } => E::abi_decode(data).ok(),
            _ => None,
        }
    }

    /// The rollup's custom error, if this is a revert that carries one.
    pub fn rollup_error(&self) -> Option<RollupErrors> {
        self.decode_revert::<RollupErrors>()
    }
}

/// A readable reason for revert `data`: a rollup custom error, `Error(string)`, `Panic(uint)`,
/// or the hex.
pub fn revert_reason(data: &[u8]) -> String {
    if let Ok(e) = RollupErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = alloy_sol_types::GenericContractError::abi_decode(data) {
        return format!("{e:?}");
    }
    if data.is_empty() {
        "no revert data".to_owned()
    } else {
        format!("0x{}", alloy_primitives::hex::encode(data))
    }
}
