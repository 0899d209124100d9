//! The API as one jsonrpsee trait: the generated `TernApiClient` works over any jsonrpsee
//! client (HTTP for calls, WebSocket for subscriptions too); with the `server` feature the
//! generated `TernApiServer` is what [`crate::server`] implements.

use crate::types::*;
// The client-only expansion does not name the result types.
#[cfg_attr(not(feature = "server"), allow(unused_imports))]
use jsonrpsee::core::{RpcResult, SubscriptionResult};
use jsonrpsee::proc_macros::rpc;
use std::collections::BTreeMap;

/// Error codes beyond JSON-RPC's own (zkSync Lite's numbering).
pub mod code {
    /// The transaction's nonce is not the account's.
    pub const NONCE_MISMATCH: i32 = 101;
    /// The transaction breaks another rule (the message names it), or does not decode.
    pub const INCORRECT_TX: i32 = 103;
    /// The fee is below the quote, less the tolerance.
    pub const FEE_TOO_LOW: i32 = 104;
    /// The fee token has no price, so it cannot pay fees.
    pub const INAPPROPRIATE_FEE_TOKEN: i32 = 105;
    /// The node refused for a reason of its own (mempool full, account limit, storage).
    pub const OTHER: i32 = 300;
    /// The mempool or an account's queue is full; retry after the next block.
    pub const OPERATIONS_LIMIT_REACHED: i32 = 302;
    /// `fast_processing` was asked for; Tern has no fast withdrawals.
    pub const UNSUPPORTED_FAST_PROCESSING: i32 = 303;
}

/// Tern's JSON-RPC methods and subscriptions (zkSync Lite's names and shapes).
#[cfg_attr(feature = "server", rpc(server, client))]
#[cfg_attr(not(feature = "server"), rpc(client))]
pub trait TernApi {
    /// Balances, nonce and key of an address's account: committed, verified, and depositing.
    #[method(name = "account_info")]
    async fn account_info(&self, address: Addr) -> RpcResult<AccountInfo>;

    /// Where a priority operation (by serial id) stands.
    #[method(name = "ethop_info")]
    async fn ethop_info(&self, serial_id: u64) -> RpcResult<EthOpInfo>;

    /// Where a transaction stands.
    #[method(name = "tx_info")]
    async fn tx_info(&self, hash: TxHash) -> RpcResult<TxInfo>;

    /// Submits a transaction; its hash once it is persisted. `signature` (an Ethereum
    /// signature in zkSync Lite) is ignored: Tern's ChangePubKey carries its L1 authorisation.
    #[method(name = "tx_submit")]
    async fn tx_submit(
        &self,
        tx: TxParam,
        signature: Option<serde_json::Value>,
        fast_processing: Option<bool>,
    ) -> RpcResult<TxHash>;

    /// Submits an atomic batch; the hashes once it is persisted.
    #[method(name = "submit_txs_batch")]
    async fn submit_txs_batch(
        &self,
        txs: Vec<BatchTx>,
        signature: Option<serde_json::Value>,
    ) -> RpcResult<Vec<TxHash>>;

    /// The rollup contract.
    #[method(name = "contract_address")]
    async fn contract_address(&self) -> RpcResult<ContractAddress>;

    /// Listed tokens by symbol.
    #[method(name = "tokens")]
    async fn tokens(&self) -> RpcResult<BTreeMap<String, TokenInfo>>;

    /// A fee quote for one transaction of `tx_type` to `address`, paid in `token` (an id or a
    /// symbol).
    #[method(name = "get_tx_fee")]
    async fn get_tx_fee(
        &self,
        tx_type: FeeType,
        address: Addr,
        token: serde_json::Value,
    ) -> RpcResult<Fee>;

    /// The total fee of a batch, in `token`'s base units (named `_in_wei` after zkSync Lite).
    #[method(name = "get_txs_batch_fee_in_wei")]
    async fn get_txs_batch_fee_in_wei(
        &self,
        tx_types: Vec<FeeType>,
        addresses: Vec<Addr>,
        token: serde_json::Value,
    ) -> RpcResult<TotalFee>;

    /// The price the fee model uses: wei per base unit of `token`, a decimal string.
    #[method(name = "get_token_price")]
    async fn get_token_price(&self, token: serde_json::Value) -> RpcResult<String>;

    /// L1 confirmations the node waits before it sees a priority request.
    #[method(name = "get_confirmations_for_eth_op_amount")]
    async fn get_confirmations_for_eth_op_amount(&self) -> RpcResult<u64>;

    /// The L1 transaction that executed the block holding a withdrawal, once executed.
    #[method(name = "get_eth_tx_for_withdrawal")]
    async fn get_eth_tx_for_withdrawal(&self, hash: TxHash) -> RpcResult<Option<String>>;

    /// An NFT on L2 (after the last sealed block).
    #[method(name = "get_nft")]
    async fn get_nft(&self, id: u32) -> RpcResult<Option<NftInfo>>;

    /// The account id that owns an NFT on L2.
    #[method(name = "get_nft_owner")]
    async fn get_nft_owner(&self, id: u32) -> RpcResult<Option<u32>>;

    /// The API version string (`tern-<version>`).
    #[method(name = "get_zksync_version")]
    async fn get_zksync_version(&self) -> RpcResult<String>;

    /// The node's version, chain and contract.
    #[method(name = "tern_version")]
    async fn tern_version(&self) -> RpcResult<TernVersion>;

    /// The node's progress: blocks per stage, mempool size, pending priority requests.
    #[method(name = "tern_status")]
    async fn tern_status(&self) -> RpcResult<NodeStatus>;

    /// An account's committed or verified state each time a block changes it.
    #[subscription(name = "account_subscribe" => "account", unsubscribe = "account_unsubscribe", item = AccountState)]
    async fn account_subscribe(&self, address: Addr, action: ActionType) -> SubscriptionResult;

    /// A transaction's info once its block is sealed or executed on L1.
    #[subscription(name = "tx_subscribe" => "tx", unsubscribe = "tx_unsubscribe", item = TxInfo)]
    async fn tx_subscribe(&self, hash: TxHash, action: ActionType) -> SubscriptionResult;

    /// A priority operation's info once its block is sealed or executed on L1.
    #[subscription(name = "ethop_subscribe" => "eth_op", unsubscribe = "ethop_unsubscribe", item = EthOpInfo)]
    async fn ethop_subscribe(&self, serial_id: u64, action: ActionType) -> SubscriptionResult;
}
