//! `blocks`, `blocks/{position}`, `blocks/{position}/transactions`, and `transactions/{hash}`
//! (+ `/data`): blocks and the transactions in them.

use super::errors::RestError;
use super::pages::{page, slice};
use super::routes::{Ctx, Rest};
use super::types::{
    rfc3339, BlockInfo, BlockStatus, OpJson, Paginated, Pagination, Receipt, Transaction, TxData,
    TxStatus,
};
use crate::codec::{to_hex, TxHash};
use crate::types::TxJson;
use axum::extract::State;
use axum::response::Response;
use std::collections::BTreeMap;
use tern_primitives::field::fr_to_be_bytes;
use tern_storage::{L1Stage, Storage, StoredBlock, TxReceipt};
use tern_types::SignedTx;

/// The last block executed on L1, and the `executeBlocks` transaction of blocks read so far.
pub(crate) struct Executions {
    executed: u64,
    l1_txs: BTreeMap<u64, Option<[u8; 32]>>,
}

impl Executions {
    pub(crate) async fn read<S: Storage>(store: &S) -> Result<Self, RestError> {
        let executed = store.last_block_at(L1Stage::Executed).await?;
        Ok(Self { executed, l1_txs: BTreeMap::new() })
    }

    /// The L1 transaction that executed block `n`, if it is executed.
    async fn l1_tx<S: Storage>(&mut self, store: &S, n: u64) -> Result<Option<TxHash>, RestError> {
        if n > self.executed {
            return Ok(None);
        }
        if let Some(h) = self.l1_txs.get(&n) {
            return Ok(h.map(TxHash));
        }
        let h = store.block(n).await?.and_then(|b| b.l1_txs.get(2).copied());
        self.l1_txs.insert(n, h);
        Ok(h.map(TxHash))
    }
}

/// Status, block, operation index and reason of a stored receipt.
fn status_of(
    status: &tern_storage::TxStatus,
    executed: u64,
) -> (TxStatus, Option<u64>, Option<u32>, Option<String>) {
    use tern_storage::TxStatus as S;
    match status {
        S::Queued => (TxStatus::Queued, None, None, None),
        S::Included { block, index } if *block <= executed => {
            (TxStatus::Finalized, Some(*block), Some(*index), None)
        }
        S::Included { block, index } => (TxStatus::Committed, Some(*block), Some(*index), None),
        S::Failed { block, reason } => {
            (TxStatus::Rejected, Some(*block), None, Some(reason.clone()))
        }
    }
}

/// A stored receipt as the API shows a transaction.
pub(crate) async fn transaction<S: Storage>(
    store: &S,
    r: &TxReceipt,
    executions: &mut Executions,
) -> Result<Transaction, RestError> {
    let signed = SignedTx::decode(&r.tx).map_err(|e| {
        tracing::error!("REST: stored transaction {} does not decode: {e}", to_hex(&r.hash));
        RestError::Storage
    })?;
    let (status, block_number, block_index, fail_reason) =
        status_of(&r.status, executions.executed);
    let eth_tx_hash = match (&signed, block_number) {
        (SignedTx::Withdraw(_) | SignedTx::ForcedExit(_) | SignedTx::WithdrawNft(_), Some(n))
            if status == TxStatus::Finalized =>
        {
            Some(executions.l1_tx(store, n).await?)
        }
        (SignedTx::Withdraw(_) | SignedTx::ForcedExit(_) | SignedTx::WithdrawNft(_), _) => {
            Some(None)
        }
        _ => None,
    };
    Ok(Transaction {
        tx_hash: TxHash(r.hash),
        block_index,
        block_number,
        op: OpJson { tx: TxJson::from(&signed), eth_tx_hash },
        status,
        fail_reason,
        created_at: Some(rfc3339(r.received_at)),
        batch_id: None,
    })
}

fn block_info(b: &StoredBlock) -> BlockInfo {
    let finalized = b.stage >= L1Stage::Executed;
    // `l1_txs` holds one transaction per stage reached: commit, prove, execute.
    let l1 = |i: usize| b.l1_txs.get(i).copied().map(TxHash);
    BlockInfo {
        block_number: b.block.header.number,
        new_state_root: to_hex(&fr_to_be_bytes(&b.block.header.new_root)),
        block_size: b.block.capacity as u64,
        commit_tx_hash: if b.stage >= L1Stage::Committed { l1(0) } else { None },
        verify_tx_hash: if finalized { l1(2) } else { None },
        committed_at: rfc3339(b.sealed_at),
        finalized_at: None,
        status: if finalized { BlockStatus::Finalized } else { BlockStatus::Committed },
    }
}

/// The block number `position` names (0 when `lastCommitted`/`lastFinalized` has none yet).
async fn position<S: Storage>(store: &S, position: &str) -> Result<u64, RestError> {
    match position {
        "lastCommitted" => Ok(store.last_block_number().await?),
        "lastFinalized" => Ok(store.last_block_at(L1Stage::Executed).await?),
        p => p.parse::<u64>().map_err(|_| RestError::InvalidBlockPosition(p.to_owned())),
    }
}

async fn one_of<S: Storage>(st: &Rest<S>, pos: &str) -> Result<Option<BlockInfo>, RestError> {
    let store = st.core.store();
    let n = position(store, pos).await?;
    Ok(store.block(n).await?.as_ref().map(block_info))
}

/// `GET blocks/{number|lastCommitted|lastFinalized}`: the block, or `null`.
pub(crate) async fn one<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = one_of(&st, ctx.param("block_position")).await;
    ctx.reply(r)
}

async fn page_of<S: Storage>(
    st: &Rest<S>,
    ctx: &Ctx,
) -> Result<Paginated<BlockInfo, u64>, RestError> {
    let p = page::<u64>(ctx)?;
    let store = st.core.store();
    let last = store.last_block_number().await?;
    let from = p.from.unwrap_or(last);
    let numbers: Vec<u64> = if p.newer() {
        (from.max(1)..=last).take(p.limit as usize).collect()
    } else {
        (1..=from.min(last)).rev().take(p.limit as usize).collect()
    };
    let mut list = Vec::with_capacity(numbers.len());
    for n in numbers {
        if let Some(b) = store.block(n).await? {
            list.push(block_info(&b));
        }
    }
    let pagination = Pagination { from, limit: p.limit, direction: p.direction, count: last };
    Ok(Paginated { list, pagination })
}

/// `GET blocks?from=&limit=&direction=`; `count` is the last block's number.
pub(crate) async fn list<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = page_of(&st, &ctx).await;
    ctx.reply(r)
}

async fn txs_of<S: Storage>(
    st: &Rest<S>,
    ctx: &Ctx,
) -> Result<Paginated<Transaction, TxHash>, RestError> {
    let store = st.core.store();
    let n = position(store, ctx.param("block_position")).await?;
    let p = page::<TxHash>(ctx)?;
    let receipts = store.block_receipts(n).await?;
    let at = match p.from {
        None => receipts.len().saturating_sub(1),
        Some(h) => {
            receipts.iter().position(|r| r.hash == h.0).ok_or(RestError::TransactionNotFound)?
        }
    };
    let from = p.from.or(receipts.get(at).map(|r| TxHash(r.hash))).unwrap_or(TxHash([0; 32]));
    let mut executions = Executions::read(store).await?;
    let mut list = Vec::new();
    for r in slice(&receipts, at, p.limit, p.newer()) {
        list.push(transaction(store, &r, &mut executions).await?);
    }
    let count = receipts.len() as u64;
    let pagination = Pagination { from, limit: p.limit, direction: p.direction, count };
    Ok(Paginated { list, pagination })
}

/// `GET blocks/{position}/transactions?from=&limit=&direction=`: the mempool transactions the
/// block included (in operation order), then those rejected while it was sealed.
pub(crate) async fn txs<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = txs_of(&st, &ctx).await;
    ctx.reply(r)
}

fn parse_hash(s: &str) -> Result<TxHash, RestError> {
    s.parse::<TxHash>().map_err(|e| {
        RestError::Query(format!(
            "cannot parse transaction hash {s:?}: {e}; use 0x and 64 hex digits"
        ))
    })
}

async fn receipt_of<S: Storage>(st: &Rest<S>, hash: &str) -> Result<Option<Receipt>, RestError> {
    let hash = parse_hash(hash)?;
    let store = st.core.store();
    let Some(r) = store.tx_receipt(&hash.0).await? else { return Ok(None) };
    let executed = store.last_block_at(L1Stage::Executed).await?;
    let (status, rollup_block, _, fail_reason) = status_of(&r.status, executed);
    Ok(Some(Receipt { tx_hash: hash, rollup_block, status, fail_reason }))
}

/// `GET transactions/{hash}`: the receipt, or `null` for an unknown hash.
pub(crate) async fn receipt<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = receipt_of(&st, ctx.param("tx_hash")).await;
    ctx.reply(r)
}

async fn data_of<S: Storage>(st: &Rest<S>, hash: &str) -> Result<Option<TxData>, RestError> {
    let hash = parse_hash(hash)?;
    let store = st.core.store();
    let Some(r) = store.tx_receipt(&hash.0).await? else { return Ok(None) };
    let mut executions = Executions::read(store).await?;
    let tx = transaction(store, &r, &mut executions).await?;
    Ok(Some(TxData { tx, eth_signature: None }))
}

/// `GET transactions/{hash}/data`: the transaction with its status, or `null`.
pub(crate) async fn data<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = data_of(&st, ctx.param("tx_hash")).await;
    ctx.reply(r)
}
