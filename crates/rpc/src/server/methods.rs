//! The methods: each parses, reads or submits, and maps errors through [`super::errors`].

use super::errors::{fee, invalid, malformed, storage, submit};
use super::events::BlockEvents;
use super::reads::{self, ApiResult};
use crate::api::{code, TernApiServer};
use crate::types::*;
use jsonrpsee::core::{async_trait, RpcResult, SubscriptionResult};
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::PendingSubscriptionSink;
use std::collections::BTreeMap;
use std::sync::Arc;
use tern_node::launch::ChainInfo;
use tern_node::node::NodeCore;
use tern_storage::{L1Stage, Storage};
use tern_types::NftId;

/// The API over one node.
pub(crate) struct Api<S> {
    pub(crate) core: Arc<NodeCore<S>>,
    pub(crate) chain: ChainInfo,
    pub(crate) events: BlockEvents,
}

impl<S> Clone for Api<S> {
    fn clone(&self) -> Self {
        Self { core: Arc::clone(&self.core), chain: self.chain, events: self.events.clone() }
    }
}

impl<S: Storage> Api<S> {
    async fn submit(&self, txs: &[TxParam], batch: bool) -> ApiResult<Vec<TxHash>> {
        let encoded = txs
            .iter()
            .map(|t| t.to_signed().map(|s| s.encode()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(malformed)?;
        let hashes = self.core.submit(&encoded, batch).await.map_err(submit)?;
        Ok(hashes.into_iter().map(TxHash).collect())
    }
}

#[async_trait]
impl<S: Storage> TernApiServer for Api<S> {
    async fn account_info(&self, address: Addr) -> RpcResult<AccountInfo> {
        let store = self.core.store();
        // One read of the token names for the three states.
        let symbols = reads::symbols(store).await?;
        let (id, committed) = reads::committed_of(&self.core, &address.0, &symbols);
        Ok(AccountInfo {
            address: address.0,
            id: id.map(|i| i.0),
            depositing: reads::depositing(store, &address.0, &symbols).await?,
            committed,
            verified: reads::verified(store, id, &symbols).await?,
        })
    }

    async fn ethop_info(&self, serial_id: u64) -> RpcResult<EthOpInfo> {
        reads::ethop_info(self.core.store(), serial_id).await
    }

    async fn tx_info(&self, hash: TxHash) -> RpcResult<TxInfo> {
        reads::tx_info(self.core.store(), &hash.0).await
    }

    async fn tx_submit(
        &self,
        tx: TxParam,
        _signature: Option<serde_json::Value>,
        fast_processing: Option<bool>,
    ) -> RpcResult<TxHash> {
        if fast_processing == Some(true) {
            let m = "Tern has no fast processing: every transaction waits for its block";
            return Err(ErrorObjectOwned::owned::<()>(code::UNSUPPORTED_FAST_PROCESSING, m, None));
        }
        let hashes = self.submit(std::slice::from_ref(&tx), false).await?;
        hashes.into_iter().next().ok_or_else(|| invalid("no transaction"))
    }

    async fn submit_txs_batch(
        &self,
        txs: Vec<BatchTx>,
        _signature: Option<serde_json::Value>,
    ) -> RpcResult<Vec<TxHash>> {
        let txs: Vec<TxParam> = txs.into_iter().map(|b| b.0).collect();
        self.submit(&txs, true).await
    }

    async fn contract_address(&self) -> RpcResult<ContractAddress> {
        let c = self.chain.contract;
        Ok(ContractAddress { main_contract: c, gov_contract: c })
    }

    async fn tokens(&self) -> RpcResult<BTreeMap<String, TokenInfo>> {
        let listed = reads::tokens(self.core.store()).await?;
        Ok(listed.into_iter().map(|t| (t.symbol.clone(), t)).collect())
    }

    async fn get_tx_fee(
        &self,
        tx_type_: FeeType,
        address: Addr,
        token: serde_json::Value,
    ) -> RpcResult<Fee> {
        let token = reads::resolve_token(self.core.store(), &token).await?;
        reads::quote(&self.core, tx_type_, &address, token)
    }

    async fn get_txs_batch_fee_in_wei(
        &self,
        tx_types: Vec<FeeType>,
        addresses: Vec<Addr>,
        token: serde_json::Value,
    ) -> RpcResult<TotalFee> {
        if tx_types.len() != addresses.len() {
            return Err(invalid("tx_types and addresses must have the same length"));
        }
        let token = reads::resolve_token(self.core.store(), &token).await?;
        let requests: Vec<(FeeType, Addr)> = tx_types.into_iter().zip(addresses).collect();
        let total_fee = reads::batch_fee(&self.core, &requests, token)?;
        Ok(TotalFee { total_fee })
    }

    async fn get_token_price(&self, token: serde_json::Value) -> RpcResult<String> {
        let token = reads::resolve_token(self.core.store(), &token).await?;
        let price = self.core.fees().price(token);
        let price = price.ok_or_else(|| fee(tern_node::fees::FeeError::Unpriced(token)))?;
        Ok(reads::ratio_decimal(price.wei, price.units))
    }

    async fn get_confirmations_for_eth_op_amount(&self) -> RpcResult<u64> {
        Ok(self.chain.confirmations)
    }

    async fn get_eth_tx_for_withdrawal(&self, hash: TxHash) -> RpcResult<Option<String>> {
        reads::execute_tx(self.core.store(), &hash.0).await
    }

    async fn get_nft(&self, id: u32) -> RpcResult<Option<NftInfo>> {
        let state = self.core.committed_state();
        Ok(state.nft(NftId(id)).map(|n| reads::nft_info(NftId(id), n)))
    }

    async fn get_nft_owner(&self, id: u32) -> RpcResult<Option<u32>> {
        Ok(self.core.committed_state().nft(NftId(id)).map(|n| n.owner.0))
    }

    async fn get_zksync_version(&self) -> RpcResult<String> {
        Ok(format!("tern-{}", env!("CARGO_PKG_VERSION")))
    }

    async fn tern_version(&self) -> RpcResult<TernVersion> {
        Ok(TernVersion {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            chain_id: self.chain.chain_id,
            contract: self.chain.contract,
        })
    }

    async fn tern_status(&self) -> RpcResult<NodeStatus> {
        let s = self.core.store();
        Ok(NodeStatus {
            last_sealed: s.last_block_number().await.map_err(storage)?,
            last_committed: s.last_block_at(L1Stage::Committed).await.map_err(storage)?,
            last_proven: s.last_block_at(L1Stage::Proven).await.map_err(storage)?,
            last_executed: s.last_block_at(L1Stage::Executed).await.map_err(storage)?,
            mempool: self.core.queue_len().await as u64,
            priority_pending: s.pending_priority_ops().await.map_err(storage)?.len() as u64,
        })
    }

    async fn account_subscribe(
        &self,
        pending: PendingSubscriptionSink,
        address: Addr,
        action: ActionType,
    ) -> SubscriptionResult {
        super::subscriptions::account(self.clone(), pending, address, action).await
    }

    async fn tx_subscribe(
        &self,
        pending: PendingSubscriptionSink,
        hash: TxHash,
        action: ActionType,
    ) -> SubscriptionResult {
        super::subscriptions::tx(self.clone(), pending, hash, action).await
    }

    async fn ethop_subscribe(
        &self,
        pending: PendingSubscriptionSink,
        serial_id: u64,
        action: ActionType,
    ) -> SubscriptionResult {
        super::subscriptions::ethop(self.clone(), pending, serial_id, action).await
    }
}
