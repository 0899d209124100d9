//! Tern's L1 client. (The rollup's gas benchmark, which proves blocks, is `tern_bench::gas`.)
//!
//! - [`client`]: the seam between the node and Ethereum, one trait per role, each implemented
//!   for every [`EthChain`]: [`L1Watch`] (latest block, the rollup's events over a block range,
//!   the block counters, the priority queue, validators, exodus mode), [`L1Operator`] (commit /
//!   prove / execute / commit-prove-execute / revert, from native `tern_types::Block`s and
//!   proofs) and [`L1User`] (deposits, full-exit requests, pending-balance and pending-NFT
//!   claims, exodus calls).
//! - [`calldata`]: the operator's calls from native blocks, as ABI calldata for a raw sender
//!   and as call values; [`stored_block_info`] of a block and [`genesis_stored_block_info`]
//!   (the "last committed block" every commit passes back).
//! - [`raw`]: raw transactions for a crash-safe sender over [`RpcL1`]: chain id, code, nonce,
//!   fees, gas estimate (a revert decoded), sign without sending ([`SignedL1Tx`]), broadcast
//!   saved bytes ([`Broadcast`] tells a resend apart), receipts ([`L1Receipt`]), block hashes
//!   for reorg detection.
//! - [`deploy`]: `tern deploy`'s library side: [`deploy::deploy_rollup`] over [`RpcL1`] with
//!   the ERC-20 tokens listed, and the JSON report.
//! - [`chain`]: [`EthChain`], what the client needs from a chain (send, view, deploy, logs), and
//!   [`RollupAdmin`] over it: deployment of the verifiers, the rollup and its NFT factory from
//!   the committed artifacts, and the governance calls.
//! - [`rpc`]: [`RpcL1`], the chain behind any Ethereum JSON-RPC endpoint, with alloy (HTTP
//!   provider, a local signer).
//! - [`in_process`]: [`InProcessL1`], the chain on revm in this process: the same contracts
//!   with no node, for tests.
//! - [`events`]: the rollup's events decoded into typed values ([`L1Event`]); a priority
//!   request's packed data becomes the `tern_state::PriorityOp` the node builds blocks from.
//! - [`error`]: the error type, [`L1Error`] (an event refused by [`events::decode_log`] is an
//!   [`EventError`] inside it).

pub mod calldata;
pub mod chain;
pub mod client;
pub mod deploy;
pub mod error;
pub mod events;
pub mod in_process;
pub mod raw;
pub mod rpc;

pub use calldata::{genesis_stored_block_info, stored_block_info};
pub use chain::{
    block_circuit_key, exit_circuit_key, nft_exit_circuit_key, DeployConfig, Deployment, EthChain,
    RollupAdmin,
};
pub use client::{
    ExodusClaim, L1Operator, L1Result, L1User, L1Watch, NftExodusClaim, PendingNft,
    PriorityQueueState, RollupProgress, TxOutcome,
};
pub use deploy::{deploy_rollup, DeployReport, ListedToken};
pub use error::L1Error;
pub use events::{EventError, L1Event, L1EventKind, PriorityRequest};
pub use in_process::{InProcessChain, InProcessL1};
pub use raw::{Broadcast, Fees, L1Receipt, SignedL1Tx};
pub use rpc::RpcL1;
pub use tern_contracts::bindings::Rollup::StoredBlockInfo;
pub use tern_contracts::verifier::{Circuit, CircuitKey};
