//! The L1 sender: commits, proves and executes sealed blocks in order.
//!
//! One operation is in flight at a time, so nonces never race. Every transaction is signed,
//! saved with its nonce, and only then broadcast; after a crash the loop finds the saved
//! attempts, broadcasts any that never left, and reads receipts of all of them (any may be
//! mined). An attempt that waits `resend_after_blocks` L1 blocks is replaced by one with the
//! same nonce and a fee raised by `fee_bump_percent`. A reverted operation is logged with its
//! reason and the sender halts: later blocks depend on it.
//!
//! What to send next: the one-call `commitProveExecute` when L1 has executed everything it
//! committed and the next block's proof is ready; otherwise `executeBlocks` for proven blocks,
//! `proveBlocks` for committed blocks with proofs, and `commitBlocks` for sealed blocks.

use crate::error::NodeError;
use crate::l1::{Broadcast, L1Fees, L1Port, PortError};
use alloy_primitives::U256;
use std::sync::Arc;
use tern_l1::{calldata, StoredBlockInfo};
use tern_primitives::Fr;
use tern_storage::{L1Attempt, L1Op, L1OpKind, L1OpStatus, L1Stage, Storage};
use tern_types::Block;

/// How the sender prices and batches its transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderConfig {
    /// L1 blocks to wait before an attempt counts as stuck.
    pub resend_after_blocks: u64,
    /// How much a resend raises both fees, in percent (at least 10, what nodes require).
    pub fee_bump_percent: u128,
    /// The most the sender ever offers as `maxFeePerGas`, in wei.
    pub max_fee_cap: u128,
    /// Blocks per `commitBlocks` / `proveBlocks` / `executeBlocks` call.
    pub max_blocks_per_op: u64,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            resend_after_blocks: 5,
            fee_bump_percent: 20,
            max_fee_cap: 1_000_000_000_000,
            max_blocks_per_op: 8,
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderStep {
    /// Nothing to send.
    Idle,
    /// An operation is in flight.
    Waiting,
    /// An operation was sent, confirmed or resent.
    Progress,
    /// An operation reverted; the sender sends nothing more until restarted.
    Halted(String),
}

/// The L1 sender (see the module docs).
#[derive(Debug)]
pub struct Sender<S, L> {
    store: S,
    l1: Arc<L>,
    genesis_root: Fr,
    config: SenderConfig,
    next_nonce: Option<u64>,
    halted: Option<String>,
}

fn stage_of(kind: L1OpKind) -> L1Stage {
    match kind {
        L1OpKind::Commit => L1Stage::Committed,
        L1OpKind::Prove => L1Stage::Proven,
        L1OpKind::Execute | L1OpKind::CommitProveExecute => L1Stage::Executed,
    }
}

/// A proof as stored: the verifier's eight words, big-endian.
pub fn proof_words(bytes: &[u8]) -> Result<[U256; 8], NodeError> {
    if bytes.len() != 256 {
        return Err(NodeError::Corrupt(format!(
            "a stored proof has {} bytes, not 256",
            bytes.len()
        )));
    }
    let mut words = [U256::ZERO; 8];
    for (w, chunk) in words.iter_mut().zip(bytes.chunks(32)) {
        *w = U256::from_be_slice(chunk);
    }
    Ok(words)
}

/// The eight words as stored.
pub fn proof_bytes(words: &[U256; 8]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_be_bytes::<32>()).collect()
}

impl<S: Storage, L: L1Port> Sender<S, L> {
    /// A sender over `store` and `l1` for a rollup deployed with `genesis_root`.
    pub fn new(store: S, l1: Arc<L>, genesis_root: Fr, config: SenderConfig) -> Self {
        Self { store, l1, genesis_root, config, next_nonce: None, halted: None }
    }

    /// Does one thing: tracks the operation in flight, or starts the next one.
    pub async fn step(&mut self) -> Result<SenderStep, NodeError> {
        if let Some(reason) = &self.halted {
            return Ok(SenderStep::Halted(reason.clone()));
        }
        let pending = self.store.pending_l1_ops().await?;
        if let Some(op) = pending.into_iter().next() {
            return self.track(op).await;
        }
        self.start_next().await
    }

    /// The last block at each stage, from storage.
    pub async fn progress(&self) -> Result<crate::metrics::Progress, NodeError> {
        let s = &self.store;
        Ok(crate::metrics::Progress {
            sealed: s.last_block_number().await?,
            committed: s.last_block_at(L1Stage::Committed).await?,
            proven: s.last_block_at(L1Stage::Proven).await?,
            executed: s.last_block_at(L1Stage::Executed).await?,
        })
    }

    async fn track(&mut self, op: L1Op) -> Result<SenderStep, NodeError> {
        for attempt in op.attempts.iter().rev() {
            if let Some(receipt) = self.l1.receipt(&attempt.hash).await? {
                return self.settle(&op, attempt, receipt.success, receipt.block_number).await;
            }
        }
        let Some(newest) = op.attempts.last() else {
            return Err(NodeError::Corrupt(format!("L1 operation {} has no attempt", op.id)));
        };
        if let Some(unsent) = op.attempts.iter().find(|a| !a.broadcast) {
            self.broadcast(unsent).await?;
            return Ok(SenderStep::Progress);
        }
        let (latest, _) = self.l1.latest_block().await?;
        if latest >= newest.signed_at_block + self.config.resend_after_blocks {
            self.resend(&op, newest, latest).await?;
            return Ok(SenderStep::Progress);
        }
        Ok(SenderStep::Waiting)
    }

    async fn settle(
        &mut self,
        op: &L1Op,
        attempt: &L1Attempt,
        success: bool,
        l1_block: u64,
    ) -> Result<SenderStep, NodeError> {
        if success {
            let stage = stage_of(op.kind);
            self.store.set_l1_stage(op.first_block, op.last_block, stage, attempt.hash).await?;
            let status = L1OpStatus::Confirmed { tx: attempt.hash, l1_block };
            self.store.set_l1_op_status(op.id, &status).await?;
            tracing::info!(
                kind = ?op.kind, first = op.first_block, last = op.last_block, l1_block,
                "L1 operation confirmed"
            );
            return Ok(SenderStep::Progress);
        }
        let calldata = self.calldata(op.kind, op.first_block, op.last_block).await?;
        let reason = self.l1.revert_reason(calldata).await;
        let message = format!(
            "{:?} of blocks {}..={} reverted in L1 block {l1_block}: {reason}",
            op.kind, op.first_block, op.last_block
        );
        tracing::error!("{message}; the sender stops until the node is restarted");
        self.store.set_l1_op_status(op.id, &L1OpStatus::Failed(message.clone())).await?;
        self.halted = Some(message.clone());
        Ok(SenderStep::Halted(message))
    }

    async fn broadcast(&self, attempt: &L1Attempt) -> Result<(), NodeError> {
        match self.l1.broadcast(&attempt.raw).await? {
            Broadcast::Sent | Broadcast::AlreadyKnown => {}
            // Another attempt with this nonce was mined; its receipt settles the operation.
            Broadcast::NonceUsed => return Ok(()),
        }
        self.store.mark_l1_broadcast(&attempt.hash).await?;
        Ok(())
    }

    async fn resend(&self, op: &L1Op, newest: &L1Attempt, latest: u64) -> Result<(), NodeError> {
        let bump = |fee: u128| fee.saturating_mul(100 + self.config.fee_bump_percent) / 100 + 1;
        let now = self.l1.fees().await?;
        let fees = L1Fees {
            max_fee: bump(newest.max_fee).max(now.max_fee).min(self.config.max_fee_cap),
            priority_fee: bump(newest.priority_fee).max(now.priority_fee),
        };
        if fees.max_fee <= newest.max_fee {
            tracing::warn!(op = op.id, "L1 operation stuck at the fee cap; waiting");
            return Ok(());
        }
        let calldata = self.calldata(op.kind, op.first_block, op.last_block).await?;
        let signed = self.l1.sign_call(calldata, op.nonce, fees).await?;
        let attempt = attempt_of(signed, fees, latest);
        self.store.add_l1_attempt(op.id, &attempt).await?;
        tracing::info!(op = op.id, max_fee = fees.max_fee, "resending a stuck L1 transaction");
        self.broadcast(&attempt).await
    }

    async fn start_next(&mut self) -> Result<SenderStep, NodeError> {
        let Some((kind, first, last)) = self.next_op().await? else {
            return Ok(SenderStep::Idle);
        };
        let calldata = self.calldata(kind, first, last).await?;
        let nonce = self.nonce().await?;
        let fees = self.l1.fees().await?;
        let fees = L1Fees { max_fee: fees.max_fee.min(self.config.max_fee_cap), ..fees };
        let signed = match self.l1.sign_call(calldata, nonce, fees).await {
            Ok(signed) => signed,
            Err(PortError::Revert(reason)) => {
                // Nothing was signed or saved; L1 may simply not be ready (its clock, a
                // confirmation), so the next step tries again.
                tracing::warn!(?kind, first, last, "L1 would refuse the call: {reason}");
                return Ok(SenderStep::Waiting);
            }
            Err(e) => return Err(e.into()),
        };
        let (latest, _) = self.l1.latest_block().await?;
        let attempt = attempt_of(signed, fees, latest);
        self.store.insert_l1_op(kind, first, last, nonce, &attempt).await?;
        self.next_nonce = Some(nonce + 1);
        tracing::info!(?kind, first, last, nonce, "L1 transaction saved; broadcasting");
        self.broadcast(&attempt).await?;
        Ok(SenderStep::Progress)
    }

    /// The next nonce: the larger of what this database used and what L1 has seen, so a
    /// restart neither reuses a saved nonce nor waits on one that L1 never saw.
    async fn nonce(&mut self) -> Result<u64, NodeError> {
        if let Some(n) = self.next_nonce {
            return Ok(n);
        }
        let stored = self.store.max_l1_nonce().await?.map(|n| n + 1).unwrap_or(0);
        let chain = self.l1.operator_nonce(true).await?;
        Ok(stored.max(chain))
    }

    async fn next_op(&self) -> Result<Option<(L1OpKind, u64, u64)>, NodeError> {
        let s = &self.store;
        let sealed = s.last_block_number().await?;
        let committed = s.last_block_at(L1Stage::Committed).await?;
        let proven = s.last_block_at(L1Stage::Proven).await?;
        let executed = s.last_block_at(L1Stage::Executed).await?;
        let max = self.config.max_blocks_per_op;
        if proven > executed {
            return Ok(Some((L1OpKind::Execute, executed + 1, proven.min(executed + max))));
        }
        if committed > proven {
            let mut last = proven;
            while last < committed && last < proven + max && s.proof(last + 1).await?.is_some() {
                last += 1;
            }
            if last > proven {
                return Ok(Some((L1OpKind::Prove, proven + 1, last)));
            }
        }
        if sealed > committed {
            let next = committed + 1;
            if committed == executed && s.proof(next).await?.is_some() {
                return Ok(Some((L1OpKind::CommitProveExecute, next, next)));
            }
            return Ok(Some((L1OpKind::Commit, next, sealed.min(committed + max))));
        }
        Ok(None)
    }

    async fn block(&self, number: u64) -> Result<Block, NodeError> {
        match self.store.block(number).await? {
            Some(b) => Ok(b.block),
            None => Err(NodeError::Corrupt(format!("block {number} is not stored"))),
        }
    }

    async fn proof(&self, number: u64) -> Result<[U256; 8], NodeError> {
        match self.store.proof(number).await? {
            Some(p) => proof_words(&p),
            None => Err(NodeError::Corrupt(format!("block {number} has no proof"))),
        }
    }

    async fn stored_info(&self, number: u64) -> Result<StoredBlockInfo, NodeError> {
        if number == 0 {
            return Ok(calldata::genesis_stored_block_info(&self.genesis_root));
        }
        Ok(calldata::stored_block_info(&self.block(number).await?)?)
    }

    /// The call's ABI calldata, from the stored native blocks and proofs
    /// (`tern_l1::calldata`).
    async fn calldata(&self, kind: L1OpKind, first: u64, last: u64) -> Result<Vec<u8>, NodeError> {
        let mut blocks = Vec::new();
        for n in first..=last {
            blocks.push(self.block(n).await?);
        }
        let bytes = match kind {
            L1OpKind::Commit => {
                calldata::commit_blocks(&self.stored_info(first - 1).await?, &blocks)?
            }
            L1OpKind::Prove => {
                let mut proofs = Vec::new();
                for n in first..=last {
                    proofs.push(self.proof(n).await?);
                }
                calldata::prove_blocks(&blocks, &proofs)?
            }
            L1OpKind::Execute => calldata::execute_blocks(&blocks)?,
            L1OpKind::CommitProveExecute => {
                let block = blocks
                    .first()
                    .ok_or_else(|| NodeError::Corrupt(format!("empty range {first}..={last}")))?;
                let last_committed = self.stored_info(first - 1).await?;
                calldata::commit_prove_execute(&last_committed, block, &self.proof(first).await?)?
            }
        };
        Ok(bytes.to_vec())
    }
}

fn attempt_of(signed: crate::l1::SignedL1Tx, fees: L1Fees, l1_block: u64) -> L1Attempt {
    L1Attempt {
        hash: signed.hash,
        raw: signed.raw,
        max_fee: fees.max_fee,
        priority_fee: fees.priority_fee,
        signed_at_block: l1_block,
        broadcast: false,
    }
}
