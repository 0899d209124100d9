//! The mempool and the sequencer, as pure logic: no I/O, no clock, no async. The node's loops
//! feed it the time, persist what it decides, and only then tell it the write succeeded.
//!
//! Two states are kept. `committed` is the state after the last sealed block: blocks are built
//! on a copy of it. `pending` is `committed` with every queued transaction applied in arrival
//! order: admission checks a new transaction against it, so a nonce, a balance or a key that
//! an earlier queued transaction changes is seen (zkSync Lite checks against committed state
//! only, and lets the block builder reject the rest).

use std::collections::{BTreeMap, BTreeSet};
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::field::fr_to_be_bytes;
use tern_primitives::Address;
use tern_state::execute::{BlockContext, Fees, VerifiedSigners};
use tern_state::state::StateCheckpoint;
use tern_state::{
    build_block_with_signers, BlockError, BlockParams, BuiltBlock, ChainConfig, State, TxError,
    TxItem,
};
pub use tern_storage::FailedItem;
use tern_storage::{SealedBlock, StoredPriorityOp};
use tern_types::tx::ChangePubKeyAuth;
use tern_types::{AccountId, Nonce, Op, SignedTx, TokenId};

/// How much the mempool holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MempoolLimits {
    /// Transactions and batches queued in all.
    pub max_items: usize,
    /// Items queued per signing account.
    pub max_per_account: usize,
    /// Transactions in one batch.
    pub max_batch: usize,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        Self { max_items: 100_000, max_per_account: 1_000, max_batch: 50 }
    }
}

/// What the sequencer builds blocks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequencerConfig {
    /// The chain (ChangePubKey authorisations name it).
    pub chain: ChainConfig,
    /// Block capacity in chunks.
    pub capacity: usize,
    /// The operator's fee account.
    pub fee_account: AccountId,
    /// Mempool limits.
    pub limits: MempoolLimits,
}

/// Why a submitted transaction or batch was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    /// A transaction breaks a rule of the protocol (nonce, balance, fee, token, time range,
    /// account, signature, …); the message names it.
    #[error("{0}")]
    Rule(#[from] TxError),
    /// A batch with no transactions.
    #[error("the batch is empty")]
    EmptyBatch,
    /// A batch with more transactions than allowed.
    #[error("a batch holds at most {max} transactions; this one has {got}")]
    BatchTooLarge {
        /// The limit.
        max: usize,
        /// The batch's size.
        got: usize,
    },
    /// The item needs more chunks than a block has, so no block can ever hold it.
    #[error("needs {chunks} chunks but a block has {capacity}; split the batch")]
    TooLarge {
        /// Chunks it needs.
        chunks: usize,
        /// Block capacity.
        capacity: usize,
    },
    /// A transaction with this hash is already queued.
    #[error("transaction 0x{0} is already queued")]
    Duplicate(String),
    /// The mempool is full.
    #[error("the mempool is full ({0} items); try again after the next block")]
    Full(usize),
    /// The fees are below the quote (less the tolerance), or paid in a token without a price.
    #[error(transparent)]
    Fee(#[from] crate::fees::FeeCheckError),
    /// The signing account has too many transactions queued.
    #[error("{account} has {limit} items queued, the most allowed; wait for the next block")]
    AccountLimit {
        /// The account.
        account: AccountId,
        /// The limit.
        limit: usize,
    },
}

/// A queued transaction or batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedItem {
    /// Its position in arrival order (from storage).
    pub seq: u64,
    /// The transaction or batch.
    pub item: TxItem,
    /// Its transactions' hashes.
    pub hashes: Vec<[u8; 32]>,
}

/// An item that passed the checks and is applied to the pending state, waiting to be
/// persisted ([`Sequencer::accept`]) or dropped ([`Sequencer::abandon`]).
#[derive(Debug)]
#[must_use = "accept or abandon the admission"]
pub struct Admission {
    checkpoint: StateCheckpoint,
    item: TxItem,
    /// Its transactions' hashes.
    pub hashes: Vec<[u8; 32]>,
    /// Its transactions, wire-encoded.
    pub encoded: Vec<Vec<u8>>,
    signers: Vec<VerifiedSigners>,
}

/// A block built and waiting to be written ([`Sequencer::finish_seal`]).
#[derive(Debug)]
pub struct Sealing {
    /// What storage writes.
    pub sealed: SealedBlock,
    built: BuiltBlock,
}

/// What sealing produced.
#[derive(Debug)]
pub enum SealOutcome {
    /// Nothing to do: no priority request, no queued transaction.
    Idle,
    /// Queued items all failed and nothing else was there: no block (empty blocks are never
    /// sealed), but the failures must be recorded.
    OnlyFailures(Vec<FailedItem>),
    /// A block.
    Block(Box<Sealing>),
}

/// Why no block could be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SequencerError {
    /// The builder refused (a priority request that cannot apply, a missing fee account).
    #[error("cannot build block {number}: {source}")]
    Block {
        /// The block number.
        number: u64,
        /// Why.
        source: BlockError,
    },
}

/// The mempool and the block builder's state (see the module docs).
#[derive(Debug)]
pub struct Sequencer {
    config: SequencerConfig,
    committed: State,
    last_number: u64,
    last_timestamp: u64,
    pending: State,
    queue: Vec<QueuedItem>,
    /// Each queued item's checked signers, by `seq`: the builder need not check them again.
    signers: BTreeMap<u64, Vec<VerifiedSigners>>,
    known: BTreeSet<[u8; 32]>,
    per_account: BTreeMap<AccountId, usize>,
    /// On-chain ChangePubKey authorisations the node read from storage
    /// ([`Sequencer::onchain_auths`]).
    facts: OnchainFacts,
}

/// `(address, key hash, nonce)` authorised on chain.
pub type OnchainFacts = BTreeSet<(Address, PubKeyHash, Nonce)>;

/// A transaction's hash as stored: its id (`SignedTx::hash`), big-endian.
pub fn tx_hash(tx: &SignedTx) -> Result<[u8; 32], TxError> {
    Ok(fr_to_be_bytes(&tx.hash().map_err(TxError::from)?))
}

fn txs_of(item: &TxItem) -> &[SignedTx] {
    match item {
        TxItem::Single(tx) => std::slice::from_ref(tx),
        TxItem::Batch(txs) => txs,
    }
}

/// Whether `item` holds a ChangePubKey authorised on chain, so its facts must be looked up
/// ([`Sequencer::onchain_auths`]) before admission.
pub fn needs_facts(item: &TxItem) -> bool {
    txs_of(item)
        .iter()
        .any(|tx| matches!(tx, SignedTx::ChangePubKey(c) if c.tx.auth == ChangePubKeyAuth::Onchain))
}

/// Accounts whose nonces an item uses.
fn signers_of(item: &TxItem) -> BTreeSet<AccountId> {
    txs_of(item)
        .iter()
        .flat_map(|tx| match tx {
            SignedTx::Swap(s) => {
                vec![s.tx.account_id, s.tx.orders[0].tx.account_id, s.tx.orders[1].tx.account_id]
            }
            other => vec![other.account_id()],
        })
        .collect()
}

impl Sequencer {
    /// A sequencer on `committed`, the state after block `last_number` (sealed at
    /// `last_timestamp`), with `queued` items reloaded from storage in `seq` order.
    pub fn new(
        config: SequencerConfig,
        committed: State,
        last_number: u64,
        last_timestamp: u64,
        queued: Vec<QueuedItem>,
    ) -> Self {
        let pending = committed.clone();
        let mut s = Self {
            config,
            committed,
            last_number,
            last_timestamp,
            pending,
            queue: queued,
            signers: BTreeMap::new(),
            known: BTreeSet::new(),
            per_account: BTreeMap::new(),
            facts: OnchainFacts::new(),
        };
        s.rebuild_pending(last_timestamp);
        s
    }

    /// The state after the last sealed block.
    pub fn committed(&self) -> &State {
        &self.committed
    }

    /// The last sealed block's number.
    pub fn last_number(&self) -> u64 {
        self.last_number
    }

    /// Block capacity in chunks.
    pub fn capacity(&self) -> usize {
        self.config.capacity
    }

    /// Queued items.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Lists tokens seen on L1.
    pub fn list_tokens(&mut self, tokens: &[TokenId]) -> Result<(), TxError> {
        for t in tokens {
            self.committed.list_token(*t)?;
            self.pending.list_token(*t)?;
        }
        self.committed.commit();
        self.pending.commit();
        Ok(())
    }

    /// The `(address, nonce)` of every ChangePubKey in `items` authorised on chain, whose
    /// facts the node must look up before the sequencer can judge them. Addresses come from
    /// the pending state, so an account created by a queued item is found too.
    pub fn onchain_auths<'a>(
        &self,
        items: impl IntoIterator<Item = &'a TxItem>,
    ) -> Vec<(Address, Nonce)> {
        let mut out = Vec::new();
        for tx in items.into_iter().flat_map(txs_of) {
            if let SignedTx::ChangePubKey(c) = tx {
                if c.tx.auth == ChangePubKeyAuth::Onchain {
                    if let Some(account) = self.pending.account(c.tx.account_id) {
                        out.push((account.address, c.tx.nonce));
                    }
                }
            }
        }
        out
    }

    /// The same for every queued item: what [`Sequencer::set_facts`] needs before a seal.
    pub fn queued_onchain_auths(&self) -> Vec<(Address, Nonce)> {
        self.onchain_auths(self.queue.iter().map(|q| &q.item))
    }

    /// Replaces the on-chain facts the sequencer relies on (before a seal, with fresh ones, so a
    /// fact withdrawn since admission fails its ChangePubKey instead of the L1 commit). If they
    /// changed, the pending state is rebuilt under them, so a queued item they now allow or
    /// forbid shows in what later admissions see (after a restart, for instance).
    pub fn set_facts(&mut self, facts: OnchainFacts) {
        if facts != self.facts {
            self.facts = facts;
            self.rebuild_pending(self.last_timestamp);
        }
    }

    /// Adds facts (before admitting an item that needs them).
    pub fn add_facts(&mut self, facts: OnchainFacts) {
        self.facts.extend(facts);
    }

    /// Checks `item` against the pending state at time `now` and applies it there.
    pub fn check(&mut self, item: TxItem, now: u64) -> Result<Admission, AdmissionError> {
        self.check_verified(item, None, now)
    }

    /// [`Sequencer::check`], with the item's signatures already checked
    /// ([`verify_item`]), as the node does outside its lock so that concurrent submissions
    /// check signatures in parallel.
    pub fn check_verified(
        &mut self,
        item: TxItem,
        signers: Option<Vec<VerifiedSigners>>,
        now: u64,
    ) -> Result<Admission, AdmissionError> {
        let txs = txs_of(&item);
        let limits = self.config.limits;
        if txs.is_empty() {
            return Err(AdmissionError::EmptyBatch);
        }
        if txs.len() > limits.max_batch {
            return Err(AdmissionError::BatchTooLarge { max: limits.max_batch, got: txs.len() });
        }
        if self.queue.len() >= limits.max_items {
            return Err(AdmissionError::Full(self.queue.len()));
        }
        for account in signers_of(&item) {
            if self.per_account.get(&account).copied().unwrap_or(0) >= limits.max_per_account {
                return Err(AdmissionError::AccountLimit {
                    account,
                    limit: limits.max_per_account,
                });
            }
        }
        let mut hashes = Vec::with_capacity(txs.len());
        for tx in txs {
            let hash = tx_hash(tx)?;
            if self.known.contains(&hash) || hashes.contains(&hash) {
                return Err(AdmissionError::Duplicate(hex(&hash)));
            }
            hashes.push(hash);
        }
        let checkpoint = self.pending.checkpoint();
        let applied = self.apply_to_pending(&item, signers, now);
        let (chunks, signers) = match applied {
            Ok(done) => done,
            Err(e) => {
                self.pending.rollback(checkpoint);
                return Err(e.into());
            }
        };
        if chunks > self.config.capacity {
            self.pending.rollback(checkpoint);
            return Err(AdmissionError::TooLarge { chunks, capacity: self.config.capacity });
        }
        let encoded = txs.iter().map(SignedTx::encode).collect();
        Ok(Admission { checkpoint, item, hashes, encoded, signers })
    }

    /// Applies an item to the pending state (signatures checked here unless `signers` are
    /// given); returns its chunks and signers. On an error the caller rolls back.
    fn apply_to_pending(
        &mut self,
        item: &TxItem,
        signers: Option<Vec<VerifiedSigners>>,
        now: u64,
    ) -> Result<(usize, Vec<VerifiedSigners>), TxError> {
        let timestamp = now.max(self.last_timestamp);
        let ctx = BlockContext {
            chain: self.config.chain,
            timestamp,
            fee_account: self.config.fee_account,
            facts: &self.facts,
        };
        // Fees are credited when a block is sealed; the pending state leaves them out, which
        // only understates the fee account's balance.
        let mut fees = Fees::default();
        let mut chunks = 0;
        let known = signers.filter(|s| s.len() == txs_of(item).len());
        let mut checked = Vec::with_capacity(txs_of(item).len());
        for (index, tx) in txs_of(item).iter().enumerate() {
            let signer = match known.as_ref().and_then(|k| k.get(index)) {
                Some(s) => Ok(s.clone()),
                None => self.pending.verify_signatures(tx),
            };
            let applied = signer.and_then(|signer| {
                let op = self.pending.apply_tx(tx, &signer, &ctx, &mut fees)?;
                checked.push(signer);
                Ok(op)
            });
            match (applied, item) {
                (Ok(op), _) => chunks += op.chunks(),
                (Err(e), TxItem::Batch(_)) => {
                    return Err(TxError::Batch { index, source: Box::new(e) })
                }
                (Err(e), TxItem::Single(_)) => return Err(e),
            }
        }
        Ok((chunks, checked))
    }

    /// The admitted item was persisted as `seq`: it joins the queue.
    pub fn accept(&mut self, admission: Admission, seq: u64) {
        self.pending.commit();
        for account in signers_of(&admission.item) {
            *self.per_account.entry(account).or_insert(0) += 1;
        }
        self.known.extend(admission.hashes.iter().copied());
        self.signers.insert(seq, admission.signers);
        self.queue.push(QueuedItem { seq, item: admission.item, hashes: admission.hashes });
    }

    /// Persisting the admitted item failed: it is undone.
    pub fn abandon(&mut self, admission: Admission) {
        self.pending.rollback(admission.checkpoint);
    }

    /// Builds the next block from `priority` (unprocessed requests in serial order) and the
    /// queue, at time `now`. Never builds an empty block.
    pub fn seal(
        &self,
        priority: &[StoredPriorityOp],
        now: u64,
    ) -> Result<SealOutcome, SequencerError> {
        if priority.is_empty() && self.queue.is_empty() {
            return Ok(SealOutcome::Idle);
        }
        let number = self.last_number + 1;
        let params = BlockParams {
            chain: self.config.chain,
            number,
            fee_account: self.config.fee_account,
            timestamp: now.max(self.last_timestamp),
            capacity: self.config.capacity,
        };
        let ops: Vec<_> = priority.iter().map(|p| p.op.clone()).collect();
        let items: Vec<TxItem> = self.queue.iter().map(|q| q.item.clone()).collect();
        let signers: Vec<Vec<VerifiedSigners>> = self
            .queue
            .iter()
            .map(|q| self.signers.get(&q.seq).cloned().unwrap_or_default())
            .collect();
        let state = self.committed.clone();
        let built = build_block_with_signers(state, &params, &ops, &items, &signers, &self.facts)
            .map_err(|source| SequencerError::Block { number, source })?;
        let failed = self.failures(&built);
        if built.block.ops.is_empty() {
            return Ok(if failed.is_empty() {
                SealOutcome::Idle
            } else {
                SealOutcome::OnlyFailures(failed)
            });
        }
        let sealed = self.sealed_block(&built, priority, failed, now);
        Ok(SealOutcome::Block(Box::new(Sealing { sealed, built })))
    }

    /// Rejected items, with each transaction's reason.
    fn failures(&self, built: &BuiltBlock) -> Vec<FailedItem> {
        built
            .rejected
            .iter()
            .filter_map(|r| self.queue.get(r.index).map(|q| (q, r.error.to_string())))
            .map(|(q, reason)| FailedItem {
                seq: q.seq,
                txs: q.hashes.iter().map(|h| (*h, reason.clone())).collect(),
            })
            .collect()
    }

    fn sealed_block(
        &self,
        built: &BuiltBlock,
        priority: &[StoredPriorityOp],
        failed: Vec<FailedItem>,
        now: u64,
    ) -> SealedBlock {
        let deferred: BTreeSet<usize> = built.deferred.iter().copied().collect();
        let rejected: BTreeSet<usize> = built.rejected.iter().map(|r| r.index).collect();
        let mut included = Vec::new();
        let mut consumed = Vec::new();
        // The builder puts the priority operations first, then one operation per included
        // transaction in queue order.
        let mut op_index = built.priority_processed as u32;
        for (index, q) in self.queue.iter().enumerate() {
            if deferred.contains(&index) {
                continue;
            }
            consumed.push(q.seq);
            if rejected.contains(&index) {
                continue;
            }
            for hash in &q.hashes {
                included.push((*hash, op_index));
                op_index += 1;
            }
        }
        SealedBlock {
            block: built.block.clone(),
            priority_ops: priority[..built.priority_processed]
                .iter()
                .map(|p| p.serial_id)
                .collect(),
            included,
            failed: failed.into_iter().flat_map(|f| f.txs).collect(),
            consumed_items: consumed,
            diff: built.diff.clone(),
            sealed_at: now,
        }
    }

    /// The sealed block was written: the sequencer moves on to it.
    pub fn finish_seal(&mut self, sealing: Sealing) {
        let header = sealing.built.block.header;
        self.committed = sealing.built.state;
        self.last_number = header.number;
        self.last_timestamp = header.timestamp;
        self.drop_items(&sealing.sealed.consumed_items);
        self.rebuild_pending(header.timestamp);
    }

    /// Failures without a block were recorded: the items leave the queue.
    pub fn drop_failed(&mut self, seqs: &[u64]) {
        self.drop_items(seqs);
        self.rebuild_pending(self.last_timestamp);
    }

    fn drop_items(&mut self, seqs: &[u64]) {
        let gone: BTreeSet<u64> = seqs.iter().copied().collect();
        self.queue.retain(|q| !gone.contains(&q.seq));
        self.signers.retain(|seq, _| !gone.contains(seq));
    }

    /// `pending` = `committed` + the queue. An item that no longer applies stays queued: the
    /// next block rejects it and records why.
    fn rebuild_pending(&mut self, now: u64) {
        self.pending = self.committed.clone();
        self.known.clear();
        self.per_account.clear();
        let queue = std::mem::take(&mut self.queue);
        for q in &queue {
            let cp = self.pending.checkpoint();
            let known = self.signers.remove(&q.seq);
            match self.apply_to_pending(&q.item, known, now) {
                Ok((_, signers)) => {
                    self.signers.insert(q.seq, signers);
                }
                Err(_) => self.pending.rollback(cp),
            }
            self.pending.commit();
            for account in signers_of(&q.item) {
                *self.per_account.entry(account).or_insert(0) += 1;
            }
            self.known.extend(q.hashes.iter().copied());
        }
        self.queue = queue;
    }
}

/// Checks an item's signatures without the state (any thread, no lock): what
/// [`Sequencer::check_verified`] takes. `None` if one is invalid; admission then reports it.
pub fn verify_item(item: &TxItem) -> Option<Vec<VerifiedSigners>> {
    txs_of(item).iter().map(|tx| tern_state::execute::verify_signatures(tx).ok()).collect()
}

/// Chunks of the operations a block holds (for metrics).
pub fn used_chunks(ops: &[Op]) -> usize {
    ops.iter().map(Op::chunks).sum()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
