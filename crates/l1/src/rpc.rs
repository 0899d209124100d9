//! [`RpcL1`]: an [`EthChain`] over an Ethereum JSON-RPC endpoint (alloy, HTTP) with a local
//! signer. Through it, the role traits ([`crate::L1Watch`], [`crate::L1Operator`],
//! [`crate::L1User`]) and [`crate::RollupAdmin`] (deployment of a complete
//! rollup from the committed artifacts, governance) work against any node.
//!
//! Transactions are filled by alloy (gas estimate and EIP-1559 fees, the pending nonce fetched
//! from the node each time, chain id) and signed by the local wallet; each call waits for its
//! receipt. A revert found while estimating gas comes back as [`L1Error::Revert`] with the
//! contract's custom error decoded.
//! The endpoint is plain HTTP (no TLS stack is built in): a local node, or a TLS-terminating
//! proxy in front of a remote one.

use crate::chain::EthChain;
use crate::client::{L1Result, TxOutcome};
use crate::error::{revert_reason, L1Error};
use crate::events::{decode_log, L1Event};
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{
    BlockNumberOrTag, Filter, Log as RpcLog, TransactionReceipt, TransactionRequest,
};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use alloy_transport::TransportError;
use std::time::Duration;

/// How long a transaction may take to be mined before the client gives up on its receipt.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// How often the client asks for a sent transaction's receipt.
pub const RECEIPT_POLL: Duration = Duration::from_millis(100);

/// The widest block range one `eth_getLogs` asks for; [`crate::L1Watch::events`] splits longer
/// ranges.
pub const LOG_RANGE: u64 = 10_000;

/// The L1 client over JSON-RPC (see the module docs).
#[derive(Clone)]
pub struct RpcL1 {
    provider: DynProvider,
    wallet: EthereumWallet,
    rollup: Address,
    pub(crate) sender: Address,
}

impl std::fmt::Debug for RpcL1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcL1")
            .field("rollup", &self.rollup)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

impl RpcL1 {
    /// Connects to the JSON-RPC endpoint `url` (`http://…`), signing with `signer`, for the
    /// rollup at `rollup` (use [`Address::ZERO`] before deploying).
    pub async fn connect(
        url: &str,
        signer: PrivateKeySigner,
        rollup: Address,
    ) -> Result<Self, L1Error> {
        let sender = signer.address();
        let wallet = EthereumWallet::from(signer);
        // The nonce comes from the node for every transaction: a cached nonce would skip one
        // whenever a transaction is refused while it is being filled (a revert found by the gas
        // estimate), and every later transaction would wait behind the gap forever.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(wallet.clone())
            .connect(url)
            .await
            .map_err(|e| L1Error::Url { url: url.to_owned(), reason: e.to_string() })?
            .erased();
        Ok(Self { provider, wallet, rollup, sender })
    }

    /// The underlying alloy provider (for node-specific calls, e.g. anvil's).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The local signer, as a wallet (signs raw transactions: [`crate::raw`]).
    pub(crate) fn wallet(&self) -> &EthereumWallet {
        &self.wallet
    }

    /// The rollup's events in a receipt's logs (other emitters' logs skipped).
    pub(crate) fn receipt_events(&self, r: &TransactionReceipt) -> Result<Vec<L1Event>, L1Error> {
        // A receipt holds every contract's logs (a token's `Transfer`, a factory's mint):
        // the rollup's are picked out, and each must then decode as a rollup event.
        self.decode_logs(r.logs().iter().filter(|l| l.address() == self.rollup))
    }

    async fn send_request(
        &self,
        call: &'static str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt, L1Error> {
        let pending = self.provider.send_transaction(tx).await.map_err(|e| rpc_error(call, e))?;
        let hash = *pending.tx_hash();
        // Poll for the receipt rather than watch new blocks through alloy's heartbeat: a block
        // filter can expire on the node while the caller is busy (proving), and then the watch
        // never fires.
        let start = std::time::Instant::now();
        let receipt = loop {
            let found = self
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(|e| rpc_error("eth_getTransactionReceipt", e))?;
            if let Some(receipt) = found {
                break receipt;
            }
            if start.elapsed() > RECEIPT_TIMEOUT {
                return Err(L1Error::Rpc(format!(
                    "{call}: transaction {hash} not mined within {RECEIPT_TIMEOUT:?}"
                )));
            }
            tokio::time::sleep(RECEIPT_POLL).await;
        };
        if !receipt.status() {
            return Err(L1Error::Failed { call, tx_hash: receipt.transaction_hash });
        }
        Ok(receipt)
    }

    fn outcome(&self, receipt: &TransactionReceipt) -> Result<TxOutcome, L1Error> {
        let block_number = receipt
            .block_number
            .ok_or_else(|| L1Error::Node("a mined receipt has no block number".to_owned()))?;
        Ok(TxOutcome {
            tx_hash: Some(receipt.transaction_hash),
            block_number,
            gas_used: receipt.gas_used,
            events: self.receipt_events(receipt)?,
        })
    }

    /// Decodes `logs`, every one of which must be an event of this client's rollup: a log of
    /// another emitter is refused, not skipped.
    fn decode_logs<'a>(
        &self,
        logs: impl IntoIterator<Item = &'a RpcLog>,
    ) -> Result<Vec<L1Event>, L1Error> {
        let mut out = Vec::new();
        for log in logs {
            let kind = decode_log(self.rollup, &log.inner)?;
            let block_number = log
                .block_number
                .ok_or_else(|| L1Error::Node("a mined log has no block number".to_owned()))?;
            out.push(L1Event {
                block_number,
                tx_hash: log.transaction_hash,
                log_index: log.log_index,
                kind,
            });
        }
        Ok(out)
    }
}

impl EthChain for RpcL1 {
    fn signer_address(&self) -> Address {
        self.sender
    }

    fn rollup_address(&self) -> Address {
        self.rollup
    }

    fn with_rollup(&self, rollup: Address) -> Self {
        Self { rollup, ..self.clone() }
    }

    async fn latest_block_number(&self) -> L1Result<u64> {
        self.provider.get_block_number().await.map_err(|e| rpc_error("eth_blockNumber", e))
    }

    async fn latest_timestamp(&self) -> L1Result<u64> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| rpc_error("eth_getBlockByNumber", e))?
            .ok_or_else(|| L1Error::Node("no latest block".to_owned()))?;
        Ok(block.header.timestamp)
    }

    async fn eth_balance(&self, who: Address) -> L1Result<U256> {
        self.provider.get_balance(who).await.map_err(|e| rpc_error("eth_getBalance", e))
    }

    async fn transact<C: SolCall + Sync>(
        &self,
        to: Address,
        value: U256,
        call: &C,
    ) -> L1Result<TxOutcome> {
        let tx = TransactionRequest::default()
            .with_from(self.sender)
            .with_to(to)
            .with_value(value)
            .with_call(call);
        let receipt = self.send_request(C::SIGNATURE, tx).await?;
        self.outcome(&receipt)
    }

    async fn call_view<C: SolCall + Sync>(&self, to: Address, call: &C) -> L1Result<C::Return> {
        let tx = TransactionRequest::default().with_from(self.sender).with_to(to).with_call(call);
        let out = self.provider.call(tx).await.map_err(|e| rpc_error(C::SIGNATURE, e))?;
        C::abi_decode_returns(&out).map_err(|source| L1Error::Decode { call: C::SIGNATURE, source })
    }

    async fn deploy_code(&self, name: &'static str, code: Bytes) -> L1Result<(Address, TxOutcome)> {
        let tx = TransactionRequest::default().with_from(self.sender).with_deploy_code(code);
        let receipt = self.send_request(name, tx).await?;
        let address = receipt.contract_address.ok_or(L1Error::NoContractAddress(name))?;
        Ok((address, self.outcome(&receipt)?))
    }

    async fn rollup_events(&self, from_block: u64, to_block: u64) -> L1Result<Vec<L1Event>> {
        let mut out = Vec::new();
        let mut start = from_block;
        while start <= to_block {
            let end = to_block.min(start.saturating_add(LOG_RANGE - 1));
            let filter = Filter::new().address(self.rollup).from_block(start).to_block(end);
            let logs =
                self.provider.get_logs(&filter).await.map_err(|e| rpc_error("eth_getLogs", e))?;
            // The node was asked for the rollup's logs only: all of them are decoded, so a log
            // of another emitter in the answer is refused rather than dropped.
            out.extend(self.decode_logs(&logs)?);
            if end == u64::MAX {
                break;
            }
            start = end + 1;
        }
        Ok(out)
    }
}

/// A transport error as an [`L1Error`]: a revert (with its data) when the node reports one.
pub(crate) fn rpc_error(call: &'static str, e: TransportError) -> L1Error {
    if let Some(data) = e.as_error_resp().and_then(|p| p.as_revert_data()) {
        return L1Error::Revert { call, reason: revert_reason(&data), data };
    }
    // Some nodes answer an empty revert (a call to a function the contract lacks) with no
    // data at all: still the call's failure, not the endpoint's.
    if e.as_error_resp().is_some_and(|p| p.message.to_ascii_lowercase().contains("revert")) {
        let data = alloy_primitives::Bytes::new();
        return L1Error::Revert { call, reason: revert_reason(&data), data };
    }
    L1Error::Rpc(format!("{call}: {e}"))
}
