//! The SDK's error type: one enum, each variant naming what went wrong with the values a user
//! needs to fix it.

use crate::amount::AmountError;
use alloy_primitives::Address;
use std::time::Duration;
use tern_l1::L1Error;
use tern_state::wallet::WalletError;
use tern_types::TokenId;

/// Why an SDK call failed.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// A decimal amount was refused.
    #[error(transparent)]
    Amount(#[from] AmountError),
    /// The Ethereum private key is not 32 bytes of hex, or not a valid secp256k1 key.
    #[error("invalid Ethereum private key: {0}")]
    BadKey(String),
    /// An address did not parse.
    #[error("invalid address {0:?}")]
    BadAddress(String),
    /// A swap order's JSON is not a valid order.
    #[error("invalid order: {0}")]
    BadOrder(String),
    /// A token that the node does not list.
    #[error("unknown token {0:?}")]
    UnknownToken(String),
    /// Signing failed (an unpackable amount or fee, an Ethereum signing error).
    #[error(transparent)]
    Sign(#[from] WalletError),
    /// An amount that the transaction's float cannot carry exactly.
    #[error("{what} {value} is not packable; the closest packable value below is {closest}")]
    NotPackable {
        /// `amount` or `fee`.
        what: &'static str,
        /// The value asked for, in base units.
        value: u128,
        /// The largest packable value not above it.
        closest: u128,
    },
    /// Zero is not an amount to send.
    #[error("the amount must be above zero")]
    ZeroAmount,
    /// The balance does not cover the amount and the fee.
    #[error("insufficient balance: {need} needed (amount + fee), {have} available")]
    InsufficientBalance {
        /// What is available, shown with the token.
        have: String,
        /// What the transaction needs, shown with the token.
        need: String,
    },
    /// The address has no L2 account yet (deposit to it first).
    #[error("{0} has no L2 account yet; deposit to it first")]
    NoAccount(Address),
    /// The account's L2 key is not set (run change-pubkey first).
    #[error("the L2 key of {0} is not set; submit a ChangePubKey first")]
    KeyNotSet(Address),
    /// The account's L2 key is set, but not to this wallet's derived key.
    #[error("the L2 key of {address} is {set}, not this wallet's; submit a ChangePubKey")]
    KeyMismatch {
        /// The account's address.
        address: Address,
        /// The key hash the account has.
        set: String,
    },
    /// The node serves another chain or contract than the wallet was set up for.
    #[error("the wallet signs for {wallet}, but the node serves {node}")]
    ChainMismatch {
        /// What the wallet signs for.
        wallet: String,
        /// What the node serves.
        node: String,
    },
    /// Nothing pending on L1 for this owner and token.
    #[error("{owner} has no pending balance of {token} to claim")]
    NothingToClaim {
        /// The owner.
        owner: Address,
        /// The token.
        token: TokenId,
    },
    /// The node's JSON-RPC answered with an error.
    #[error("{method}: the node refused: {message} (code {code})")]
    Refused {
        /// The JSON-RPC method.
        method: &'static str,
        /// The JSON-RPC error code.
        code: i32,
        /// The node's message.
        message: String,
    },
    /// The node could not be reached, or its answer did not parse.
    #[error("{method}: {message}")]
    Transport {
        /// The JSON-RPC method.
        method: &'static str,
        /// What failed.
        message: String,
    },
    /// The node answered something the SDK cannot use.
    #[error("unexpected answer from the node: {0}")]
    Node(String),
    /// The transaction was not found by the node.
    #[error("transaction {0} is unknown to the node")]
    UnknownTx(String),
    /// The transaction was executed and failed.
    #[error("transaction {hash} failed: {reason}")]
    TxFailed {
        /// The transaction hash.
        hash: String,
        /// The node's reason.
        reason: String,
    },
    /// Waiting for a transaction gave up.
    #[error("transaction {hash} not {state} after {after:?}")]
    Timeout {
        /// The transaction hash.
        hash: String,
        /// `committed` or `verified`.
        state: &'static str,
        /// How long the SDK waited.
        after: Duration,
    },
    /// An L1 call failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// An L1 action without an L1 endpoint.
    #[error("no L1 endpoint: pass --l1-rpc or --devnet (or Wallet::with_l1)")]
    NoL1,
    /// Configuration (the devnet file, endpoints) is missing or malformed.
    #[error("{0}")]
    Config(String),
}
