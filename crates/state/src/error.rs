//! Why the state refused a transaction or priority operation. Every variant says what is wrong
//! with numbers a user can act on; a refused transaction has changed nothing.

use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::Address;
use tern_types::{AccountId, EncodeError, NftId, Nonce, TokenId};

/// A rejected transaction or priority operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The nonce is not the account's next one.
    #[error("nonce mismatch: {account} expects {expected}, got {got}")]
    NonceMismatch {
        /// Account.
        account: AccountId,
        /// The account's nonce.
        expected: Nonce,
        /// The transaction's nonce.
        got: Nonce,
    },
    /// The block timestamp is before the transaction's validity range.
    #[error("not valid yet: valid from {valid_from}, block timestamp {timestamp}")]
    NotYetValid {
        /// First valid second.
        valid_from: u64,
        /// Block timestamp.
        timestamp: u64,
    },
    /// The block timestamp is after the transaction's validity range.
    #[error("expired: valid until {valid_until}, block timestamp {timestamp}")]
    Expired {
        /// Last valid second.
        valid_until: u64,
        /// Block timestamp.
        timestamp: u64,
    },
    /// No account has this id.
    #[error("{0} does not exist")]
    AccountNotFound(AccountId),
    /// No account has this address.
    #[error("no account has address {0}; it must receive a deposit or transfer first")]
    AddressNotFound(Address),
    /// The account has no L2 key yet.
    #[error("{0} has no L2 key; a ChangePubKey must set one first")]
    NoPubKey(AccountId),
    /// The signature does not verify.
    #[error("invalid signature on {what}")]
    BadSignature {
        /// What was signed.
        what: &'static str,
    },
    /// The signing key is not the account's key.
    #[error("{account} is controlled by key {expected}, but the transaction is signed by {got}")]
    WrongSigner {
        /// Account.
        account: AccountId,
        /// The account's key hash.
        expected: PubKeyHash,
        /// The signer's key hash.
        got: PubKeyHash,
    },
    /// The balance does not cover amount plus fee.
    #[error("insufficient balance: {account} has {balance} of {token}, needs {needed}")]
    InsufficientBalance {
        /// Account.
        account: AccountId,
        /// Token.
        token: TokenId,
        /// Its balance.
        balance: u128,
        /// What the transaction needs.
        needed: u128,
    },
    /// A credit would overflow a u128 balance.
    #[error("balance overflow: crediting {amount} of {token} to {account} exceeds 2^128-1")]
    BalanceOverflow {
        /// Account.
        account: AccountId,
        /// Token.
        token: TokenId,
        /// Amount credited.
        amount: u128,
    },
    /// Amount plus fee overflows.
    #[error("amount {amount} plus fee {fee} overflows u128")]
    AmountOverflow {
        /// Amount.
        amount: u128,
        /// Fee.
        fee: u128,
    },
    /// The token is not listed on L1.
    #[error("{0} is not listed")]
    UnknownToken(TokenId),
    /// An amount or fee cannot be encoded.
    #[error("cannot encode: {0}")]
    Encode(#[from] EncodeError),
    /// Funds cannot go to the zero address.
    #[error("the zero address cannot own an account or receive a withdrawal")]
    ZeroAddress,
    /// Every account slot is used.
    #[error("the account tree is full")]
    AccountTreeFull,
    /// Every NFT slot is used.
    #[error("the NFT tree is full")]
    NftTreeFull,
    /// The L1 authorisation of a ChangePubKey is invalid.
    #[error("ChangePubKey for {account} is not authorised by {address}: {reason}")]
    EthAuth {
        /// Account.
        account: AccountId,
        /// Its address.
        address: Address,
        /// What failed.
        reason: String,
    },
    /// ForcedExit targets an account that has a key.
    #[error("{0} has an L2 key; only keyless accounts can be force-exited")]
    TargetHasKey(AccountId),
    /// A transaction that moves nothing.
    #[error("{0}")]
    Invalid(&'static str),
    /// A swap order's price is not met.
    #[error(
        "order {order} price not met: sells {sold} for {bought}, asks at least {ratio_buy} per {ratio_sell}"
    )]
    PriceNotMet {
        /// Index of the order in the swap.
        order: usize,
        /// Amount the order's account sells.
        sold: u128,
        /// Amount it receives.
        bought: u128,
        /// Ratio, sell side.
        ratio_sell: u128,
        /// Ratio, buy side.
        ratio_buy: u128,
    },
    /// A fill-or-kill order was filled with a different amount.
    #[error("order {order} must sell exactly {expected}, swap sells {got}")]
    OrderAmountMismatch {
        /// Index of the order.
        order: usize,
        /// Order amount.
        expected: u128,
        /// Swap amount.
        got: u128,
    },
    /// Rejection of one of a swap's orders.
    #[error("order {order}: {source}")]
    Order {
        /// Index of the order.
        order: usize,
        /// What is wrong with it.
        source: Box<TxError>,
    },
    /// The NFT slot is empty.
    #[error("{0} does not exist")]
    NftNotFound(NftId),
    /// The signer does not own the NFT.
    #[error("{nft} is owned by {owner}, not {account}")]
    NotNftOwner {
        /// NFT.
        nft: NftId,
        /// Its owner.
        owner: AccountId,
        /// Who tried to use it.
        account: AccountId,
    },
    /// A batch failed because one of its transactions did.
    #[error("batch transaction {index} rejected: {source}")]
    Batch {
        /// Index within the batch.
        index: usize,
        /// Why it was rejected.
        source: Box<TxError>,
    },
    /// A transaction that pays fees in a new token would exceed the block's fee tokens.
    #[error("the block already collects fees in {max} tokens", max = tern_types::params::MAX_FEE_TOKENS_PER_BLOCK)]
    FeeTokenLimit,
    /// The account has used every nonce.
    #[error("{0} has used all 2^32 nonces and can sign no more transactions")]
    NonceExhausted(AccountId),
}
