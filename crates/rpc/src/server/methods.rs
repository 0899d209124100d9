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
use tern_node::fees::{FeeKind, CPK_AUTH_BYTES};
use tern_node::launch::ChainInfo;
use tern_node::node::NodeCore;
use tern_storage::{L1Stage, Storage};
use tern_types::tx::tx_type;
use tern_types::{NftId, TokenId};

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

/// The opcode and side data a fee type is charged as; a transfer to an address with no
/// account pays for creating it.
fn fee_kind(tx_type_: FeeType, new_recipient: bool) -> (FeeType, FeeKind) {
    let op = |opcode| FeeKind::Op { opcode, side_bytes: 0 };
    match tx_type_ {
        FeeType::Transfer if new_recipient => {
            (FeeType::TransferToNew, op(tx_type::TRANSFER_TO_NEW))
        }
        FeeType::Transfer => (tx_type_, op(tx_type::TRANSFER)),
        FeeType::TransferToNew => (tx_type_, op(tx_type::TRANSFER_TO_NEW)),
        FeeType::Withdraw => (tx_type_, op(tx_type::WITHDRAW)),
        FeeType::ChangePubKey(auth) => {
            let side_bytes = if auth == ChangePubKeyFeeType::Onchain { 0 } else { CPK_AUTH_BYTES };
            (tx_type_, FeeKind::Op { opcode: tx_type::CHANGE_PUB_KEY, side_bytes })
        }
        FeeType::ForcedExit => (tx_type_, op(tx_type::FORCED_EXIT)),
        FeeType::Swap => (tx_type_, op(tx_type::SWAP)),
        FeeType::MintNft => (tx_type_, op(tx_type::MINT_NFT)),
        FeeType::TransferNft => (tx_type_, op(tx_type::TRANSFER_NFT)),
        FeeType::WithdrawNft => (tx_type_, op(tx_type::WITHDRAW_NFT)),
    }
}

impl<S: Storage> Api<S> {
    fn is_new(&self, address: &Addr) -> bool {
        self.core.committed_state().account_id_by_address(&address.0).is_none()
    }

    async fn submit(&self, txs: &[TxParam], batch: bool) -> ApiResult<Vec<TxHash>> {
        let encoded = txs
            .iter()
            .map(|t| t.to_signed().map(|s| s.encode()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(malformed)?;
        let hashes = self.core.submit(&encoded, batch).await.map_err(submit)?;
        Ok(hashes.into_iter().map(TxHash).collect())
    }

    fn quote(&self, tx_type_: FeeType, address: &Addr, token: TokenId) -> ApiResult<Fee> {
        let (fee_type, kind) = fee_kind(tx_type_, self.is_new(address));
        let q = self.core.fees().quote(kind, token).map_err(fee)?;
        Ok(Fee {
            fee_type,
            gas_tx_amount: q.gas,
            gas_price_wei: q.gas_price,
            gas_fee: q.gas_fee,
            zkp_fee: q.zkp_fee,
            total_fee: q.total,
        })
    }
}

#[async_trait]
impl<S: Storage> TernApiServer for Api<S> {
    async fn account_info(&self, address: Addr) -> RpcResult<AccountInfo> {
        let store = self.core.store();
        let (id, committed) = reads::committed_of(&self.core, &address.0);
        Ok(AccountInfo {
            address: address.0,
            id: id.map(|i| i.0),
            depositing: reads::depositing(store, &address.0).await?,
            committed,
            verified: reads::verified(store, id).await?,
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
        self.quote(tx_type_, &address, token)
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
        let kinds: Vec<FeeKind> =
            tx_types.iter().zip(&addresses).map(|(t, a)| fee_kind(*t, self.is_new(a)).1).collect();
        let fees = self.core.fees();
        let wei = fees.batch_wei(&kinds).map_err(fee)?;
        let price =
            fees.price(token).ok_or_else(|| fee(tern_node::fees::FeeError::Unpriced(token)))?;
        let units = price.units_for(wei).ok_or_else(|| fee(tern_node::fees::FeeError::Overflow))?;
        let total_fee = tern_primitives::float::FEE
            .closest_up(units)
            .ok_or_else(|| fee(tern_node::fees::FeeError::Overflow))?;
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
