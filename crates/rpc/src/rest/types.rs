//! The JSON shapes of the REST API `/api/v0.2` (zkSync Lite's v0.2 names, camelCase): the
//! response envelope, pages, and each resource's result. Amounts are decimal strings, hashes
//! `0x` hex, times RFC 3339 (UTC).

use crate::codec::{address, decimal, pubkey_hash, TxHash};
use crate::types::{DecimalString, DepositingBalances, FeeType, NftInfo, TxJson};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::Address;

/// The largest page (`limit`).
pub const MAX_LIMIT: u32 = 100;

/// Which way a page runs from its `from` item (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Ascending from `from`.
    Newer,
    /// Descending from `from`.
    Older,
}

/// A page's parameters as resolved (`from: "latest"` becomes the newest item), and the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination<F> {
    /// The first item of the page.
    pub from: F,
    /// The page size asked for.
    pub limit: u32,
    /// Its direction.
    pub direction: Direction,
    /// How many items there are in all (blocks: the last block's number).
    pub count: u64,
}

/// A page of items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paginated<T, F> {
    /// The items, in the page's direction.
    pub list: Vec<T>,
    /// The page.
    pub pagination: Pagination<F>,
}

/// The request, echoed in every response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// `mainnet`, `sepolia`, `goerli`, `localhost` (chain 31337) or `unknown`.
    pub network: String,
    /// Always `v02`.
    pub api_version: String,
    /// The path asked for.
    pub resource: String,
    /// Path and query parameters.
    pub args: BTreeMap<String, String>,
    /// When the node answered.
    pub timestamp: String,
}

/// `success` or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResultStatus {
    /// `result` holds the answer.
    Success,
    /// `error` says why there is none.
    Error,
}

/// Why a request failed (zkSync Lite's v0.2 error object and codes, `docs/api.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// `invalidDataError`, `storageError`, `tokenError`, `submitError` or `notFound`.
    pub error_type: String,
    /// The number.
    pub code: u32,
    /// What is wrong.
    pub message: String,
}

/// Every response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The request.
    pub request: Request,
    /// Success or error.
    pub status: ResultStatus,
    /// The error, on error.
    pub error: Option<ErrorBody>,
    /// The result, on success (may itself be `null`: an unknown item).
    pub result: Option<serde_json::Value>,
}

/// An account at one point (`accounts/{idOrAddress}/committed` and `/finalized`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Its id.
    pub account_id: u32,
    /// Its address.
    #[serde(with = "address")]
    pub address: Address,
    /// Its nonce.
    pub nonce: u32,
    /// Its key hash.
    #[serde(with = "pubkey_hash")]
    pub pub_key_hash: PubKeyHash,
    /// The last block (up to this point) that changed it.
    pub last_update_in_block: u64,
    /// Non-zero balances by token symbol.
    pub balances: BTreeMap<String, DecimalString>,
    /// NFTs it owns, by id (committed state only).
    pub nfts: BTreeMap<String, NftInfo>,
    /// NFTs it minted still on L2, by id (committed state only).
    pub minted_nfts: BTreeMap<String, NftInfo>,
    /// Always `null`: Tern has no CREATE2 or 2FA account types.
    pub account_type: Option<String>,
}

/// `accounts/{idOrAddress}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDetails {
    /// Deposits to the address still in the priority queue.
    pub depositing: DepositingBalances,
    /// After the last sealed block; `null` if no account.
    pub committed: Option<Account>,
    /// After the last block executed on L1; `null` if none or no account then.
    pub finalized: Option<Account>,
}

/// A block's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BlockStatus {
    /// Sealed (and maybe committed on L1), not executed on L1 yet.
    Committed,
    /// Executed on L1.
    Finalized,
}

/// A block (`blocks`, `blocks/{position}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockInfo {
    /// Its number.
    pub block_number: u64,
    /// The state root after it, `0x` and 64 hex digits.
    pub new_state_root: String,
    /// Its capacity in chunks.
    pub block_size: u64,
    /// The L1 transaction that committed it, once committed.
    pub commit_tx_hash: Option<TxHash>,
    /// The L1 transaction that executed it, once executed.
    pub verify_tx_hash: Option<TxHash>,
    /// When the node sealed it.
    pub committed_at: String,
    /// Always `null`: Tern does not record when L1 executed a block.
    pub finalized_at: Option<String>,
    /// Its status.
    pub status: BlockStatus,
}

/// A transaction's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TxStatus {
    /// In the mempool.
    Queued,
    /// In a sealed block not yet executed on L1.
    Committed,
    /// In a block executed on L1.
    Finalized,
    /// Refused when a block was sealed; it changed nothing.
    Rejected,
}

/// `transactions/{hash}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// Its hash.
    pub tx_hash: TxHash,
    /// Its block (the block being sealed when it was rejected); `null` while queued.
    pub rollup_block: Option<u64>,
    /// Its status.
    pub status: TxStatus,
    /// The broken rule, when rejected.
    pub fail_reason: Option<String>,
}

/// The transaction itself, with the L1 transaction that executed a withdrawal's block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpJson {
    /// The transaction, as `tx_submit` takes it.
    #[serde(flatten)]
    pub tx: TxJson,
    /// For `Withdraw`, `ForcedExit` and `WithdrawNFT`: the `executeBlocks` transaction once
    /// final, else `null`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub eth_tx_hash: Option<Option<TxHash>>,
}

/// A transaction in lists and `transactions/{hash}/data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Its hash.
    pub tx_hash: TxHash,
    /// Its operation index in the block.
    pub block_index: Option<u32>,
    /// Its block.
    pub block_number: Option<u64>,
    /// The transaction.
    pub op: OpJson,
    /// Its status.
    pub status: TxStatus,
    /// The broken rule, when rejected.
    pub fail_reason: Option<String>,
    /// When the node accepted it.
    pub created_at: Option<String>,
    /// Always `null` (zkSync Lite's batch id).
    pub batch_id: Option<u64>,
}

/// `transactions/{hash}/data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxData {
    /// The transaction.
    pub tx: Transaction,
    /// Always `null`: Tern's transactions carry their L1 authorisation inside.
    pub eth_signature: Option<String>,
}

/// A token (`tokens`, `tokens/{idOrSymbol}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// L2 id.
    pub id: u16,
    /// ERC-20 contract (zero for ETH).
    #[serde(with = "address")]
    pub address: Address,
    /// `ETH`, the token's ERC-20 symbol, or `ERC20-<id>` (see `tokens` in docs/api.md).
    pub symbol: String,
    /// 18 for ETH, the ERC-20's `decimals()`, `null` when unknown.
    pub decimals: Option<u8>,
    /// Whether the fee model has a price for it.
    pub enabled_for_fees: bool,
}

/// `config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// The network name (see [`Request::network`]).
    pub network: String,
    /// The rollup contract.
    #[serde(with = "address")]
    pub contract: Address,
    /// The same contract: Tern's rollup governs itself.
    #[serde(with = "address")]
    pub gov_contract: Address,
    /// L1 confirmations before a deposit is seen.
    pub deposit_confirmations: u64,
    /// Always `contractV4` (the version of zkSync Lite's API Tern follows).
    pub zksync_version: String,
}

/// `networkStatus`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkStatus {
    /// The last sealed block.
    pub last_committed: u64,
    /// The last block executed on L1.
    pub finalized: u64,
    /// Mempool transactions included in blocks.
    pub total_transactions: u64,
    /// Items waiting in the mempool.
    pub mempool_size: u64,
    /// Always `null`.
    pub core_status: Option<serde_json::Value>,
}

/// `fee` and `fee/batch`' result, in the fee token's base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiFee {
    /// The L1 part.
    #[serde(with = "decimal")]
    pub gas_fee: u128,
    /// The proving part.
    #[serde(with = "decimal")]
    pub zkp_fee: u128,
    /// What to pay, rounded up to a packable fee.
    #[serde(with = "decimal")]
    pub total_fee: u128,
}

/// `POST fee`'s body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxFeeRequest {
    /// The transaction type (as `get_tx_fee` takes it).
    pub tx_type: FeeType,
    /// The recipient.
    pub address: crate::codec::Addr,
    /// The fee token: id, symbol or address.
    pub token_like: serde_json::Value,
}

/// One transaction of `POST fee/batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxInBatchFeeRequest {
    /// The transaction type.
    pub tx_type: FeeType,
    /// The recipient.
    pub address: crate::codec::Addr,
}

/// `POST fee/batch`'s body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchFeeRequest {
    /// The transactions.
    pub transactions: Vec<TxInBatchFeeRequest>,
    /// The fee token: id, symbol or address.
    pub token_like: serde_json::Value,
}

/// Unix seconds as RFC 3339 in UTC (`2026-12-08T01:02:03Z`).
pub fn rfc3339(unix: u64) -> String {
    let (days, secs) = (unix / 86_400, unix % 86_400);
    // Howard Hinnant's days-to-civil, for dates from 1970 on.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The network name zkSync Lite's clients know for an L1 chain id.
pub fn network_name(chain_id: u64) -> &'static str {
    match chain_id {
        1 => "mainnet",
        5 => "goerli",
        11_155_111 => "sepolia",
        31_337 | 1337 => "localhost",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_print_as_rfc3339() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_796_691_723), "2026-12-08T01:02:03Z");
    }
}
