//! Tern's conformance vectors: JSON fixtures, built from the native code, that a second
//! implementation (a wallet, an explorer, an auditor's script, a restore tool in another
//! language) can be held against.
//!
//! Each function returns one file's JSON value; [`all`] renders every file as stable,
//! key-sorted, pretty JSON with a trailing newline. `tern spec vectors --out DIR` writes them and
//! `docs/spec/vectors/` holds the committed copies; CI regenerates them and fails on any
//! difference, and this crate's tests check the native code against every committed case.
//! The schema of each file is in `docs/spec/vectors.md`.
//!
//! Everything is deterministic: keys come from fixed seeds, timestamps are fixed, and maps are
//! printed with sorted keys. Conventions: byte strings and field elements are `0x`-prefixed
//! lowercase hex (field elements as 32-byte big-endian), amounts are decimal strings.

mod blocks;
mod exit;
mod floats;
pub mod json;
mod pubdata;
mod transactions;

pub use blocks::{block_json, blocks};
pub use exit::exit;
pub use floats::floats;
pub use pubdata::{op_json, pubdata};
pub use transactions::{message_elements, transactions, tx_fields};

use serde_json::Value;

/// Why a fixture could not be built.
#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    /// A transaction or an operation could not be encoded.
    #[error(transparent)]
    Encode(#[from] tern_types::EncodeError),
    /// Bytes that the fixture expects to decode did not.
    #[error(transparent)]
    Decode(#[from] tern_types::DecodeError),
    /// A wallet could not sign.
    #[error(transparent)]
    Wallet(#[from] tern_state::wallet::WalletError),
    /// An Ethereum signature could not be made.
    #[error(transparent)]
    Eth(#[from] tern_primitives::eth::EthSigError),
    /// The demo chain could not be built.
    #[error(transparent)]
    Demo(#[from] tern_state::demo::DemoError),
    /// A case did not come out as the generator expects (a bug in the generator or a protocol
    /// change that needs a new case).
    #[error("vector generation: {0}")]
    Unexpected(String),
}

/// The fixture files, in the order they are documented: `(file name, JSON value)`.
pub fn files() -> Result<Vec<(&'static str, Value)>, VectorsError> {
    Ok(vec![
        ("floats.json", floats()),
        ("transactions.json", transactions()?),
        ("pubdata.json", pubdata()?),
        ("blocks.json", blocks()?),
        ("exit.json", exit()?),
    ])
}

/// Every fixture file rendered as it is committed: `(file name, text)`.
pub fn all() -> Result<Vec<(&'static str, String)>, VectorsError> {
    Ok(files()?.into_iter().map(|(name, v)| (name, json::render(&v))).collect())
}
