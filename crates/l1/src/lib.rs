//! Tern's L1 client and the rollup's gas benchmark.
//!
//! - [`client`]: the [`L1Client`] trait, the narrow seam between the node and Ethereum:
//!   deposits, full-exit requests (tokens and NFTs), commit / prove / execute / revert,
//!   pending-balance and pending-NFT claims, exodus calls (tokens and NFTs), and the rollup's
//!   events over a block range. Every [`EthChain`] implements it.
//! - [`chain`]: [`EthChain`], what the client needs from a chain (send, view, deploy, logs), and
//!   [`RollupAdmin`] over it: deployment of the verifiers, the rollup and its NFT factory from
//!   the committed artifacts, and the governance calls.
//! - [`rpc`]: [`RpcL1`], the chain behind any Ethereum JSON-RPC endpoint, with alloy (HTTP
//!   provider, a local signer).
//! - [`in_process`]: [`InProcessL1`], the chain on revm in this process: the same contracts
//!   with no node, for tests.
//! - [`events`]: the rollup's events decoded into typed values ([`L1Event`]); a priority
//!   request's packed data becomes the `tern_state::PriorityOp` the node builds blocks from.
//! - [`gas`]: `tern bench gas`, a full block of transfers at one capacity through commit, a
//!   real Groth16 proof and execute on revm, with the gas of every contract function.
//! - [`error`]: the error type, [`L1Error`] (an event refused by [`events::decode_log`] is an
//!   [`EventError`] inside it).

pub mod chain;
pub mod client;
pub mod error;
pub mod events;
pub mod gas;
pub mod in_process;
pub mod rpc;

pub use chain::{
    block_circuit_key, exit_circuit_key, nft_exit_circuit_key, DeployConfig, Deployment, EthChain,
    RollupAdmin,
};
pub use client::{ExodusClaim, L1Client, L1Result, NftExodusClaim, PendingNft, TxOutcome};
pub use error::L1Error;
pub use events::{EventError, L1Event, L1EventKind, PriorityRequest};
pub use in_process::{InProcessChain, InProcessL1};
pub use rpc::RpcL1;
pub use tern_contracts::verifier::{Circuit, CircuitKey};
