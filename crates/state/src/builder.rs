//! Native block building: one deterministic function from a pre-state, pending priority
//! operations and signed transactions to a sealed block and its post-state.
//!
//! Order: priority operations first, in queue order, as many as fit; then transactions and
//! batches in the order given. A transaction or batch that breaks a rule is rejected with its
//! reason; one that does not fit the remaining chunks, or would add a fifth fee token, is left
//! for a later block. The fee account must exist once the priority operations have run.
//! Signatures are checked in parallel before the sequential execution.

use crate::error::TxError;
use crate::execute::{
    signing_keys, AuthFacts, BlockContext, ChainConfig, Fees, PriorityOp, VerifiedSigners,
};
use crate::state::{State, StateDiff};
use rayon::prelude::*;
use tern_types::{AccountId, Block, BlockHeader, Op, SignedTx};

/// A transaction or an atomic batch.
#[allow(
    clippy::large_enum_variant,
    reason = "single transactions are the common case; boxing them would allocate per transaction"
)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxItem {
    /// One transaction.
    Single(SignedTx),
    /// Transactions that are all applied or none.
    Batch(Vec<SignedTx>),
}

impl TxItem {
    fn txs(&self) -> &[SignedTx] {
        match self {
            TxItem::Single(tx) => std::slice::from_ref(tx),
            TxItem::Batch(txs) => txs,
        }
    }
}

/// The block being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockParams {
    /// Chain.
    pub chain: ChainConfig,
    /// Block number.
    pub number: u64,
    /// Account collecting the fees; must exist.
    pub fee_account: AccountId,
    /// Block timestamp.
    pub timestamp: u64,
    /// Capacity in chunks.
    pub capacity: usize,
}

/// A transaction or batch that was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Index into the input list.
    pub index: usize,
    /// Why.
    pub error: TxError,
}

/// The outcome of [`build_block`].
#[derive(Debug, Clone)]
pub struct BuiltBlock {
    /// The sealed block.
    pub block: Block,
    /// Rejected transactions and batches, with reasons.
    pub rejected: Vec<Rejected>,
    /// Indices of transactions and batches left for a later block (no room).
    pub deferred: Vec<usize>,
    /// How many priority operations (from the front of the queue) the block processed.
    pub priority_processed: usize,
    /// Fees credited to the fee account.
    pub fees: Fees,
    /// The post-state.
    pub state: State,
    /// The signed transactions behind the block's L2 operations, in operation order (one per
    /// non-priority operation): what the prover's witness needs besides the pubdata.
    pub included: Vec<SignedTx>,
    /// The block's state diff: what storage writes, instead of replaying the block.
    pub diff: StateDiff,
}

/// Why no block could be built at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The fee account does not exist.
    #[error("fee {0} does not exist")]
    FeeAccountNotFound(AccountId),
    /// A priority operation failed, which L1 should have made impossible.
    #[error("priority operation {index} cannot be applied: {error}")]
    Priority {
        /// Position in the queue.
        index: usize,
        /// Why.
        error: TxError,
    },
    /// Crediting the collected fees failed.
    #[error("crediting fees failed: {0}")]
    Fees(TxError),
    /// An operation could not be encoded.
    #[error("encoding the block failed: {0}")]
    Encode(#[from] tern_types::EncodeError),
}

/// Accounts whose nonces a transaction uses: the signer, and a swap's order accounts.
fn signing_accounts(tx: &SignedTx) -> Vec<AccountId> {
    match tx {
        SignedTx::Swap(s) => {
            vec![s.tx.account_id, s.tx.orders[0].tx.account_id, s.tx.orders[1].tx.account_id]
        }
        other => vec![other.account_id()],
    }
}

/// Builds one block. Deterministic: the same inputs always give the same block and state.
pub fn build_block(
    state: State,
    params: &BlockParams,
    priority: &[PriorityOp],
    txs: &[TxItem],
    facts: &dyn AuthFacts,
) -> Result<BuiltBlock, BlockError> {
    build_block_with_signers(state, params, priority, txs, &[], facts)
}

/// [`build_block`], with the signatures of `txs[i]` already checked as `signers[i]` (one entry
/// per transaction of the item, from [`State::verify_signatures`] or
/// [`crate::execute::verify_signatures`]): the node checks them when it admits a transaction
/// and need not check them again. An item without a matching entry is checked here.
pub fn build_block_with_signers(
    mut state: State,
    params: &BlockParams,
    priority: &[PriorityOp],
    txs: &[TxItem],
    signers: &[Vec<VerifiedSigners>],
    facts: &dyn AuthFacts,
) -> Result<BuiltBlock, BlockError> {
    state.commit();
    // What earlier writers touched is not this block's diff.
    let _ = state.take_diff();
    let old_root = state.root();
    let ctx = BlockContext {
        chain: params.chain,
        timestamp: params.timestamp,
        fee_account: params.fee_account,
        facts,
    };
    let mut fees = Fees::default();
    let mut ops: Vec<Op> = Vec::new();
    let mut used = 0usize;

    let mut priority_processed = 0;
    for (index, p) in priority.iter().enumerate() {
        let cp = state.checkpoint();
        let op = state
            .apply_priority(p, &ctx, &fees)
            .map_err(|error| BlockError::Priority { index, error })?;
        if used + op.chunks() > params.capacity {
            state.rollback(cp);
            break;
        }
        used += op.chunks();
        ops.push(op);
        priority_processed += 1;
    }

    // Checked after the priority operations: on a new chain the first deposits create it.
    if state.account(params.fee_account).is_none() {
        return Err(BlockError::FeeAccountNotFound(params.fee_account));
    }

    let signers: Vec<Vec<Result<VerifiedSigners, TxError>>> = txs
        .par_iter()
        .enumerate()
        .map(|(index, item)| match signers.get(index) {
            Some(known) if known.len() == item.txs().len() => {
                known.iter().cloned().map(Ok).collect()
            }
            _ => item.txs().par_iter().map(|tx| state.verify_signatures(tx)).collect(),
        })
        .collect();

    let mut rejected = Vec::new();
    let mut deferred = Vec::new();
    let mut auth = Vec::new();
    let mut included = Vec::new();
    // Once an account's transaction waits for a later block, its later transactions would only
    // fail on the nonce, so they wait too instead of being rejected.
    let mut waiting = std::collections::BTreeSet::new();
    for (index, (item, sigs)) in txs.iter().zip(&signers).enumerate() {
        let signers_of = || item.txs().iter().flat_map(signing_accounts);
        if signers_of().any(|a| waiting.contains(&a)) {
            waiting.extend(signers_of());
            deferred.push(index);
            continue;
        }
        let cp = state.checkpoint();
        let saved_fees = fees.clone();
        let mut item_ops = Vec::new();
        let mut failure = None;
        for (i, (tx, sig)) in item.txs().iter().zip(sigs).enumerate() {
            let result = sig.clone().and_then(|s| state.apply_tx(tx, &s, &ctx, &mut fees));
            match result {
                Ok(op) => item_ops.push(op),
                Err(e) => {
                    failure = Some(match item {
                        TxItem::Batch(_) => TxError::Batch { index: i, source: Box::new(e) },
                        TxItem::Single(_) => e,
                    });
                    break;
                }
            }
        }
        let chunks: usize = item_ops.iter().map(Op::chunks).sum();
        let no_room = used + chunks > params.capacity;
        let fee_limit = matches!(&failure, Some(TxError::FeeTokenLimit))
            || matches!(&failure, Some(TxError::Batch { source, .. }) if **source == TxError::FeeTokenLimit);
        if failure.is_some() || no_room || item_ops.is_empty() {
            state.rollback(cp);
            fees = saved_fees;
            match failure {
                Some(_) if fee_limit => {
                    waiting.extend(signers_of());
                    deferred.push(index);
                }
                Some(error) => rejected.push(Rejected { index, error }),
                None if no_room => {
                    waiting.extend(signers_of());
                    deferred.push(index);
                }
                None => rejected.push(Rejected { index, error: TxError::Invalid("empty batch") }),
            }
            continue;
        }
        for tx in item.txs() {
            if let SignedTx::ChangePubKey(c) = tx {
                auth.push(c.tx.auth);
            }
            state.remember_keys(signing_keys(tx));
            included.push(tx.clone());
        }
        used += chunks;
        ops.extend(item_ops);
    }

    state.credit_fees(params.fee_account, &fees).map_err(BlockError::Fees)?;
    state.commit();
    let new_root = state.root();
    let diff = state.take_diff();
    let block = Block {
        header: BlockHeader {
            number: params.number,
            fee_account: params.fee_account,
            timestamp: params.timestamp,
            old_root,
            new_root,
        },
        ops,
        capacity: params.capacity,
        change_pubkey_auth: auth,
    };
    // Every op was encodable when applied (amounts and fees packed); prove it once here so a
    // block that cannot be published never leaves the builder.
    block.pubdata()?;
    Ok(BuiltBlock { block, rejected, deferred, priority_processed, fees, state, included, diff })
}
