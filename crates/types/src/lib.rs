//! Tern's data types: signed transactions and their messages, operations and their pubdata
//! codec, blocks and the block commitment.
//!
//! The byte and bit layouts here are the protocol; `docs/spec/` documents each one and the
//! circuit and the L1 contract reproduce them. Everything is pure: no I/O, no async.

pub mod bits;
pub mod block;
mod bytes;
pub mod error;
pub mod exit;
pub mod ids;
pub mod op;
pub mod params;
pub mod tx;

pub use block::{Block, BlockHeader};
pub use error::{DecodeError, EncodeError};
pub use ids::{AccountId, NftId, Nonce, TokenId, ETH};
pub use op::Op;
pub use tx::{SignedTx, TimeRange};
