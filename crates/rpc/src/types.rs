//! The JSON shapes of the API's parameters and results (zkSync Lite's, camelCase). The
//! transactions themselves are in [`crate::tx`].

use crate::codec::{address, decimal, pubkey_hash, Hex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::Address;

pub use crate::codec::{Addr, TxHash};
pub use crate::tx::{
    BatchTx, ChangePubKeyJson, ConvertError, EthAuthData, ForcedExitJson, L2Signature, MintNftJson,
    NftMoveJson, OrderJson, SwapJson, TransferJson, TxJson, TxParam, WithdrawJson,
};

/// An NFT as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NftInfo {
    /// NFT id.
    pub id: u32,
    /// Content hash, `0x` hex.
    pub content_hash: Hex<32>,
    /// The creator's account id.
    pub creator_id: u32,
    /// The creator's address.
    #[serde(with = "address")]
    pub creator_address: Address,
    /// The creator's serial number for it.
    pub serial_id: u32,
}

/// An account's state at one point (committed or verified).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    /// Non-zero balances by token symbol, decimal strings of base units.
    pub balances: BTreeMap<String, DecimalString>,
    /// NFTs the account owns, by id (as a decimal string key).
    pub nfts: BTreeMap<String, NftInfo>,
    /// NFTs the account minted that are still on L2, by id.
    pub minted_nfts: BTreeMap<String, NftInfo>,
    /// Nonce.
    pub nonce: u32,
    /// Hash of the L2 key (`sync:` and 40 zeros when none is set).
    #[serde(with = "pubkey_hash")]
    pub pub_key_hash: PubKeyHash,
}

/// A `u128` amount that (de)serializes as a decimal string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DecimalString(pub u128);

impl Serialize for DecimalString {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        decimal::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for DecimalString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        decimal::deserialize(d).map(DecimalString)
    }
}

/// A deposit still in the priority queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DepositingFunds {
    /// Amount (summed over the pending deposits of the token), base units.
    #[serde(with = "decimal")]
    pub amount: u128,
    /// The L1 block of the latest such deposit (zkSync Lite's field name; Tern includes a
    /// deposit in the next L2 block once the watcher has seen it).
    pub expected_accept_block: u64,
}

/// Deposits on their way to an account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DepositingBalances {
    /// By token symbol.
    pub balances: BTreeMap<String, DepositingFunds>,
}

/// `account_info`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// The address asked about.
    #[serde(with = "address")]
    pub address: Address,
    /// The account id, `null` if the address has no account yet.
    pub id: Option<u32>,
    /// Pending deposits to the address.
    pub depositing: DepositingBalances,
    /// After the last sealed block.
    pub committed: AccountState,
    /// After the last block executed on L1.
    pub verified: AccountState,
}

/// Where a transaction or priority operation's block stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockInfo {
    /// Block number.
    pub block_number: u64,
    /// Whether the block is committed on L1.
    pub committed: bool,
    /// Whether the block is executed on L1 (final).
    pub verified: bool,
}

/// `tx_info`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxInfo {
    /// Whether a block took it (included or failed).
    pub executed: bool,
    /// `true` if included, `false` if it failed, `null` while queued or unknown.
    pub success: Option<bool>,
    /// The rule it broke, when it failed.
    pub fail_reason: Option<String>,
    /// Its block.
    pub block: Option<BlockInfo>,
}

/// `ethop_info`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EthOpInfo {
    /// Whether a block processed it.
    pub executed: bool,
    /// Its block.
    pub block: Option<BlockInfo>,
}

/// A listed token (`tokens`' values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// L2 id.
    pub id: u16,
    /// ERC-20 contract (zero for ETH).
    #[serde(with = "address")]
    pub address: Address,
    /// `ETH`; the ERC-20's `symbol()` as the node read it when the token was listed (1 to 16
    /// ASCII letters, digits, `.`, `-`, `_`, and no token listed before has it); else
    /// `ERC20-<id>`.
    pub symbol: String,
    /// 18 for ETH; the ERC-20's `decimals()`; `null` when unknown.
    pub decimals: Option<u8>,
    /// Always `false`: NFTs are not tokens in Tern.
    pub is_nft: bool,
}

/// The symbol the API gives a token that has no usable ERC-20 symbol of its own.
pub fn token_symbol(id: u16) -> String {
    if id == 0 {
        "ETH".to_owned()
    } else {
        format!("ERC20-{id}")
    }
}

/// `contract_address`' result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractAddress {
    /// The rollup contract.
    #[serde(with = "address")]
    pub main_contract: Address,
    /// The governance contract: Tern's rollup governs itself, so the same address.
    #[serde(with = "address")]
    pub gov_contract: Address,
}

/// The ChangePubKey authorisation a fee is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChangePubKeyFeeType {
    /// Recorded on L1 beforehand: no signature in the pubdata's side data.
    Onchain,
    /// EIP-191 signature (65 bytes of calldata).
    #[serde(rename = "ECDSA")]
    Ecdsa,
    /// EIP-712 signature (65 bytes of calldata).
    #[serde(rename = "EIP712")]
    Eip712,
}

/// What a fee is asked for (`get_tx_fee`'s `tx_type`) and what it was computed as
/// (`Fee::fee_type`), in zkSync Lite's form: `"Transfer"`, `{"ChangePubKey": "ECDSA"}`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeeType {
    /// Transfer to an existing account.
    Transfer,
    /// Transfer that creates the recipient (only in results: asking for `Transfer` to a new
    /// address gives this).
    TransferToNew,
    /// Withdraw.
    Withdraw,
    /// ChangePubKey.
    ChangePubKey(ChangePubKeyFeeType),
    /// ForcedExit.
    ForcedExit,
    /// Swap.
    Swap,
    /// MintNFT.
    #[serde(rename = "MintNFT")]
    MintNft,
    /// TransferNFT.
    #[serde(rename = "TransferNFT")]
    TransferNft,
    /// WithdrawNFT.
    #[serde(rename = "WithdrawNFT")]
    WithdrawNft,
}

/// A fee quote (`get_tx_fee`), every amount a decimal string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fee {
    /// What it was computed for.
    pub fee_type: FeeType,
    /// L1 gas the operation costs (pubdata and its share of the block's fixed gas).
    #[serde(with = "decimal")]
    pub gas_tx_amount: u128,
    /// The L1 gas price used, wei.
    #[serde(with = "decimal")]
    pub gas_price_wei: u128,
    /// The L1 part, in the fee token's base units.
    #[serde(with = "decimal")]
    pub gas_fee: u128,
    /// The proving part, in the fee token's base units.
    #[serde(with = "decimal")]
    pub zkp_fee: u128,
    /// What to pay: `gasFee + zkpFee` rounded up to a packable fee.
    #[serde(with = "decimal")]
    pub total_fee: u128,
}

/// `get_txs_batch_fee_in_wei`'s result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalFee {
    /// The batch's total fee, in the token's base units.
    #[serde(with = "decimal")]
    pub total_fee: u128,
}

/// `COMMIT` (the block is sealed) or `VERIFY` (the block is executed on L1): when a
/// subscription notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActionType {
    /// Notify when the item's block is sealed.
    #[serde(rename = "COMMIT")]
    Commit,
    /// Notify when the item's block is executed on L1.
    #[serde(rename = "VERIFY")]
    Verify,
}

/// `tern_status`' result: the node's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// Last sealed block.
    pub last_sealed: u64,
    /// Last block committed on L1.
    pub last_committed: u64,
    /// Last block proven on L1.
    pub last_proven: u64,
    /// Last block executed on L1.
    pub last_executed: u64,
    /// Items in the mempool.
    pub mempool: u64,
    /// Priority requests not yet in a block.
    pub priority_pending: u64,
}

/// `tern_version`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TernVersion {
    /// The node's version.
    pub version: String,
    /// The L1 chain id.
    pub chain_id: u64,
    /// The rollup contract.
    #[serde(with = "address")]
    pub contract: Address,
}
