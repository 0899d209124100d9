//! Tern's state: 4-ary Poseidon sparse Merkle trees (accounts, balances, NFTs) and the native
//! state transition of every operation, plus the deterministic block builder.
//!
//! The crate is pure: no I/O, no async. Tree nodes sit behind [`tree::NodeStore`], so the node
//! can back them with its database; the in-memory store serves tests and the demo.

pub mod account;
pub mod builder;
pub mod demo;
pub mod error;
pub mod execute;
pub mod replay;
pub mod state;
pub mod tree;
pub mod wallet;

pub use account::{Account, Nft};
pub use builder::{
    build_block, build_block_with_signers, BlockError, BlockParams, BuiltBlock, Rejected, TxItem,
};
pub use error::TxError;
pub use execute::{AuthFacts, ChainConfig, NoFacts, PriorityOp};
pub use state::{State, StateDiff};
