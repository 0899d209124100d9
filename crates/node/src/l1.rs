//! What the node needs from L1, as one narrow trait ([`L1Port`]): the watcher reads blocks and
//! the rollup's events; the sender signs a call without sending it, broadcasts saved bytes, and
//! reads receipts. `tern-l1`'s JSON-RPC client implements it ([`crate::rpc_port`]); tests can
//! put a faulty L1 behind it.

use alloy_primitives::Address;
use std::future::Future;
use tern_l1::L1Event;

/// An L1 failure, as the node's loops see it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// The endpoint failed or timed out; the loop retries later.
    #[error("L1 unavailable: {0}")]
    Unavailable(String),
    /// The call would revert (gas estimation), with the contract's reason.
    #[error("the call reverts: {0}")]
    Revert(String),
    /// The endpoint answered something the node cannot use.
    #[error("L1 answered badly: {0}")]
    Invalid(String),
}

/// A signed L1 transaction, not yet broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedL1Tx {
    /// The raw signed bytes.
    pub raw: Vec<u8>,
    /// Its hash.
    pub hash: [u8; 32],
}

/// EIP-1559 fees, in wei per gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Fees {
    /// `maxFeePerGas`.
    pub max_fee: u128,
    /// `maxPriorityFeePerGas`.
    pub priority_fee: u128,
}

/// A mined transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Receipt {
    /// Its L1 block.
    pub block_number: u64,
    /// Whether it succeeded.
    pub success: bool,
    /// Gas used.
    pub gas_used: u64,
}

/// What a broadcast achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broadcast {
    /// The node took it.
    Sent,
    /// The node already had it (a resend after a crash): as good as sent.
    AlreadyKnown,
    /// Its nonce is used: another attempt with the same nonce was mined.
    NonceUsed,
}

/// The node's view of L1 (see the module docs).
pub trait L1Port: Send + Sync + 'static {
    /// The chain id.
    fn chain_id(&self) -> impl Future<Output = Result<u64, PortError>> + Send;
    /// The latest block's number and hash.
    fn latest_block(&self) -> impl Future<Output = Result<(u64, [u8; 32]), PortError>> + Send;
    /// Block `number`'s hash, if it exists.
    fn block_hash(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<[u8; 32]>, PortError>> + Send;
    /// The rollup's events in `from..=to`, in chain order.
    fn rollup_events(
        &self,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<L1Event>, PortError>> + Send;
    /// The operator's nonce: the next unused one counting the mempool (`pending`) or mined
    /// transactions only.
    fn operator_nonce(&self, pending: bool) -> impl Future<Output = Result<u64, PortError>> + Send;
    /// Fees to offer now.
    fn fees(&self) -> impl Future<Output = Result<L1Fees, PortError>> + Send;
    /// Signs a call to the rollup with `calldata` at `nonce`, with a gas limit from an
    /// estimate ([`PortError::Revert`] if it would revert). Sends nothing.
    fn sign_call(
        &self,
        calldata: Vec<u8>,
        nonce: u64,
        fees: L1Fees,
    ) -> impl Future<Output = Result<SignedL1Tx, PortError>> + Send;
    /// Broadcasts saved bytes.
    fn broadcast(&self, raw: &[u8]) -> impl Future<Output = Result<Broadcast, PortError>> + Send;
    /// The receipt of `hash`, once mined.
    fn receipt(
        &self,
        hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<L1Receipt>, PortError>> + Send;
    /// Why `calldata` reverts at the latest block (for the log of a reverted transaction).
    fn revert_reason(&self, calldata: Vec<u8>) -> impl Future<Output = String> + Send;
    /// ERC-20 `token`'s `symbol()` and `decimals()` as it answers them (unchecked), each `None`
    /// if it does not; the API names tokens with them. An L1 without token contracts (a test
    /// double) knows neither.
    fn token_metadata(
        &self,
        token: Address,
    ) -> impl Future<Output = Result<(Option<String>, Option<u8>), PortError>> + Send {
        let _ = token;
        async { Ok((None, None)) }
    }
}
