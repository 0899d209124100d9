//! Raw transactions for a crash-safe sender, over [`RpcL1`].
//!
//! [`crate::EthChain::transact`] signs, sends and waits in one call: a node that crashes in
//! between cannot tell whether its transaction went out. These primitives split the steps so a
//! sender can follow the write-ahead order:
//!
//! 1. pick a nonce ([`RpcL1::nonce`]), fees ([`RpcL1::fee_estimate`]) and a gas limit
//!    ([`RpcL1::estimate_gas`], which reports a revert with its decoded reason);
//! 2. sign ([`RpcL1::sign_call`]): the [`SignedL1Tx`] holds the raw bytes and their hash;
//! 3. save the raw bytes in the node's database;
//! 4. broadcast ([`RpcL1::send_raw`]); [`Broadcast`] tells a first send from a resend the node
//!    already knows or has already mined (the nonce is used);
//! 5. poll [`RpcL1::receipt`]; after a restart, resend what was saved and poll again.
//!
//! [`RpcL1::latest_block`] and [`RpcL1::block_hash`] let the sender see a reorg (a receipt's
//! block hash that is no longer the canonical one), [`RpcL1::chain_id`] and
//! [`RpcL1::code_at`] check at start-up that the node is on the expected chain and the
//! contract is deployed there.

use crate::client::L1Result;
use crate::error::L1Error;
use crate::events::L1Event;
use crate::rpc::{rpc_error, RpcL1};
use alloy_network::eip2718::Encodable2718;
use alloy_network::{NetworkTransactionBuilder, TransactionBuilder};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockNumberOrTag, TransactionReceipt, TransactionRequest};
use alloy_transport::TransportError;

/// EIP-1559 fees per gas, in wei.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fees {
    /// `maxFeePerGas`: the most the sender pays per gas (base fee included).
    pub max_fee: u128,
    /// `maxPriorityFeePerGas`: the tip to the block producer.
    pub priority_fee: u128,
}

/// A signed EIP-1559 transaction that has not been sent: save `raw`, then broadcast it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedL1Tx {
    /// The EIP-2718 encoding, as `eth_sendRawTransaction` takes it.
    pub raw: Bytes,
    /// The transaction hash (`keccak256(raw)`).
    pub hash: B256,
}

impl SignedL1Tx {
    /// A saved raw transaction, its hash recomputed from the bytes.
    pub fn from_raw(raw: Bytes) -> Self {
        let hash = keccak256(&raw);
        Self { raw, hash }
    }
}

/// What the node said to a broadcast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broadcast {
    /// The node accepted the transaction into its pool.
    Sent(B256),
    /// The node already has this transaction (a resend): it counts as sent.
    AlreadyKnown(B256),
    /// The node refused it because the sender's nonce is already used: either this
    /// transaction was mined (check its [`RpcL1::receipt`]) or another one took the nonce.
    NonceUsed(B256),
}

impl Broadcast {
    /// The transaction's hash, whatever the answer.
    pub fn hash(&self) -> B256 {
        match *self {
            Self::Sent(h) | Self::AlreadyKnown(h) | Self::NonceUsed(h) => h,
        }
    }
}

/// A mined transaction's receipt, successful or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L1Receipt {
    /// The transaction.
    pub tx_hash: B256,
    /// The L1 block that holds it.
    pub block_number: u64,
    /// That block's hash (compare with [`RpcL1::block_hash`] to see a reorg).
    pub block_hash: B256,
    /// Whether it succeeded (status 1).
    pub success: bool,
    /// Gas used.
    pub gas_used: u64,
    /// The rollup events it emitted, decoded (none when it failed).
    pub events: Vec<L1Event>,
}

/// How a node words a refused broadcast, in lower case: geth, reth, erigon, nethermind, anvil.
const ALREADY_KNOWN: [&str; 4] =
    ["already known", "already imported", "alreadyknown", "known transaction"];
const NONCE_USED: [&str; 3] = ["nonce too low", "oldnonce", "nonce has already been used"];

/// What a broadcast refusal means, from the node's message: `None` for any other error.
pub fn classify_refusal(message: &str, hash: B256) -> Option<Broadcast> {
    let m = message.to_ascii_lowercase();
    if ALREADY_KNOWN.iter().any(|s| m.contains(s)) {
        Some(Broadcast::AlreadyKnown(hash))
    } else if NONCE_USED.iter().any(|s| m.contains(s)) {
        Some(Broadcast::NonceUsed(hash))
    } else {
        None
    }
}

impl RpcL1 {
    /// `eth_chainId`.
    pub async fn chain_id(&self) -> L1Result<u64> {
        self.provider().get_chain_id().await.map_err(|e| rpc_error("eth_chainId", e))
    }

    /// `eth_getCode` at the latest block: empty if nothing is deployed at `addr`.
    pub async fn code_at(&self, addr: Address) -> L1Result<Bytes> {
        self.provider().get_code_at(addr).await.map_err(|e| rpc_error("eth_getCode", e))
    }

    /// `addr`'s nonce: mined transactions only, or with `pending` those in the node's pool too.
    pub async fn nonce(&self, addr: Address, pending: bool) -> L1Result<u64> {
        let call = self.provider().get_transaction_count(addr);
        let call = if pending { call.pending() } else { call.latest() };
        call.await.map_err(|e| rpc_error("eth_getTransactionCount", e))
    }

    /// The hash of canonical block `number`, `None` if the chain is not that long.
    pub async fn block_hash(&self, number: u64) -> L1Result<Option<B256>> {
        let block = self
            .provider()
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(|e| rpc_error("eth_getBlockByNumber", e))?;
        Ok(block.map(|b| b.header.hash))
    }

    /// The input (calldata) of transaction `hash`, `None` if the node does not know it:
    /// where a restore reads committed blocks' pubdata.
    pub async fn tx_input(&self, hash: B256) -> L1Result<Option<Bytes>> {
        use alloy_consensus::Transaction as _;
        let tx = self
            .provider()
            .get_transaction_by_hash(hash)
            .await
            .map_err(|e| rpc_error("eth_getTransactionByHash", e))?;
        Ok(tx.map(|t| t.input().clone()))
    }

    /// The latest block's number and hash.
    pub async fn latest_block(&self) -> L1Result<(u64, B256)> {
        let block = self
            .provider()
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| rpc_error("eth_getBlockByNumber", e))?
            .ok_or_else(|| L1Error::Node("no latest block".to_owned()))?;
        Ok((block.header.number, block.header.hash))
    }

    /// EIP-1559 fees from the latest block: the node's suggested tip
    /// (`eth_maxPriorityFeePerGas`), and a fee cap of twice the latest base fee plus the tip
    /// (room for six full blocks of base-fee increase).
    pub async fn fee_estimate(&self) -> L1Result<Fees> {
        let block = self
            .provider()
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| rpc_error("eth_getBlockByNumber", e))?
            .ok_or_else(|| L1Error::Node("no latest block".to_owned()))?;
        let base = block
            .header
            .base_fee_per_gas
            .ok_or_else(|| L1Error::Node("the latest block has no base fee".to_owned()))?;
        let priority_fee = self
            .provider()
            .get_max_priority_fee_per_gas()
            .await
            .map_err(|e| rpc_error("eth_maxPriorityFeePerGas", e))?;
        let max_fee = u128::from(base).saturating_mul(2).saturating_add(priority_fee);
        Ok(Fees { max_fee, priority_fee })
    }

    /// `eth_estimateGas` of `calldata` with `value` wei to `to` from the signer. A call that
    /// would revert is [`L1Error::Revert`] with the contract's error decoded.
    pub async fn estimate_gas(&self, to: Address, calldata: Bytes, value: U256) -> L1Result<u64> {
        let tx = self.request(to, calldata, value);
        self.provider().estimate_gas(tx).await.map_err(estimate_error)
    }

    /// Signs an EIP-1559 transaction calling `to` with `calldata` and `value` wei, at `nonce`,
    /// with `gas_limit` and `fees`, for this node's chain id, with the local signer. Nothing is
    /// sent.
    pub async fn sign_call(
        &self,
        to: Address,
        calldata: Bytes,
        value: U256,
        nonce: u64,
        gas_limit: u64,
        fees: Fees,
    ) -> L1Result<SignedL1Tx> {
        let chain_id = self.chain_id().await?;
        let tx = self
            .request(to, calldata, value)
            .with_chain_id(chain_id)
            .with_nonce(nonce)
            .with_gas_limit(gas_limit)
            .with_max_fee_per_gas(fees.max_fee)
            .with_max_priority_fee_per_gas(fees.priority_fee);
        let envelope = tx.build(self.wallet()).await.map_err(|e| L1Error::Sign(e.to_string()))?;
        let raw = Bytes::from(envelope.encoded_2718());
        Ok(SignedL1Tx { hash: *envelope.tx_hash(), raw })
    }

    /// `eth_sendRawTransaction` of saved bytes `raw`. A node that already has the transaction,
    /// or whose nonce for the sender is past it, answers [`Broadcast::AlreadyKnown`] or
    /// [`Broadcast::NonceUsed`] rather than an error; other refusals are errors.
    pub async fn send_raw(&self, raw: &[u8]) -> L1Result<Broadcast> {
        let hash = keccak256(raw);
        match self.provider().send_raw_transaction(raw).await {
            Ok(pending) => Ok(Broadcast::Sent(*pending.tx_hash())),
            Err(e) => {
                let message = e.as_error_resp().map(|p| p.message.to_string());
                match message.as_deref().and_then(|m| classify_refusal(m, hash)) {
                    Some(answer) => Ok(answer),
                    None => Err(rpc_error("eth_sendRawTransaction", e)),
                }
            }
        }
    }

    /// The receipt of transaction `hash`, `None` while it is not mined.
    pub async fn receipt(&self, hash: B256) -> L1Result<Option<L1Receipt>> {
        let found = self
            .provider()
            .get_transaction_receipt(hash)
            .await
            .map_err(|e| rpc_error("eth_getTransactionReceipt", e))?;
        found.map(|r| self.l1_receipt(&r)).transpose()
    }

    fn request(&self, to: Address, calldata: Bytes, value: U256) -> TransactionRequest {
        TransactionRequest::default()
            .with_from(self.sender)
            .with_to(to)
            .with_value(value)
            .with_input(calldata)
    }

    fn l1_receipt(&self, r: &TransactionReceipt) -> L1Result<L1Receipt> {
        let missing = |what: &str| L1Error::Node(format!("a mined receipt has no {what}"));
        let success = r.status();
        let events = if success { self.receipt_events(r)? } else { Vec::new() };
        Ok(L1Receipt {
            tx_hash: r.transaction_hash,
            block_number: r.block_number.ok_or_else(|| missing("block number"))?,
            block_hash: r.block_hash.ok_or_else(|| missing("block hash"))?,
            success,
            gas_used: r.gas_used,
            events,
        })
    }
}

/// An `eth_estimateGas` error: a revert (with or without data) is [`L1Error::Revert`].
fn estimate_error(e: TransportError) -> L1Error {
    let reverted = e.as_error_resp().is_some_and(|p| p.message.contains("revert"));
    match rpc_error("eth_estimateGas", e) {
        L1Error::Rpc(message) if reverted => {
            L1Error::Revert { call: "eth_estimateGas", reason: message, data: Bytes::new() }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_classified() {
        let h = B256::repeat_byte(7);
        for m in ["already known", "transaction already imported", "AlreadyKnown"] {
            assert_eq!(classify_refusal(m, h), Some(Broadcast::AlreadyKnown(h)), "{m}");
        }
        for m in ["nonce too low: next nonce 3, tx nonce 2", "OldNonce"] {
            assert_eq!(classify_refusal(m, h), Some(Broadcast::NonceUsed(h)), "{m}");
        }
        assert_eq!(classify_refusal("insufficient funds for gas * price + value", h), None);
        assert_eq!(Broadcast::NonceUsed(h).hash(), h);
    }

    #[test]
    fn saved_bytes_give_their_hash() {
        let tx = SignedL1Tx::from_raw(Bytes::from_static(b"\x02abc"));
        assert_eq!(tx.hash, keccak256(b"\x02abc"));
    }
}
