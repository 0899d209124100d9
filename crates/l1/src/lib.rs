//! Tern's L1 client and the rollup's gas benchmark.
//!
//! - [`client`]: the [`L1Client`] trait, the narrow seam between the node and Ethereum:
//!   deposits, full-exit requests (tokens and NFTs), commit / prove / execute / revert,
//!   pending-balance and pending-NFT claims, exodus calls (tokens and NFTs), and the rollup's
//!   events over a block range.
//! - [`rpc`]: [`RpcL1`], the client over any Ethereum JSON-RPC endpoint with alloy (HTTP
//!   provider, a local signer), plus deployment of the verifiers, the rollup and its NFT
//!   factory from the committed artifacts and the governance calls.
//! - [`events`]: the rollup's events decoded into typed values ([`L1Event`]); a priority
//!   request's packed data becomes the `tern_state::PriorityOp` the node builds blocks from.
//! - [`gas`]: `tern bench gas`, a full block of transfers at one capacity through commit, a
//!   real Groth16 proof and execute on revm, with the gas of every contract function.
//! - [`error`]: the error type, [`L1Error`].

pub mod client;
pub mod error;
pub mod events;
pub mod gas;
pub mod rpc;

pub use client::{ExodusClaim, L1Client, L1Result, NftExodusClaim, PendingNft, TxOutcome};
pub use error::L1Error;
pub use events::{L1Event, L1EventKind, PriorityRequest};
pub use rpc::{DeployConfig, Deployment, RpcL1};
