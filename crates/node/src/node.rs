//! The node: start-up checks, then the loops (sequencer, watcher, sender, prover workers) on
//! one tokio runtime until a shutdown signal.

use crate::error::NodeError;
use crate::fees::{fee_kind, paid_fee, FeeConfig, FeeModel};
use crate::l1::L1Port;
use crate::metrics::Metrics;
use crate::prover::{unix_now, work_once, BlockProver, StoreJobs, WorkerConfig};
use crate::sender::{Sender, SenderConfig, SenderStep};
use crate::sequencer::{
    needs_facts, tx_hash, verify_item, AdmissionError, OnchainFacts, QueuedItem, SealOutcome,
    Sequencer, SequencerConfig,
};
use crate::watcher::{WatchStep, Watcher, WatcherConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tern_primitives::{Address, Fr};
use tern_state::{State, TxItem};
use tern_storage::{ChainMeta, Storage, StorageError};
use tern_types::{Nonce, SignedTx};
use tokio::sync::{watch, Mutex};
use tokio::task::JoinSet;

/// How the node runs, besides its storage and L1.
#[derive(Debug, Clone)]
pub struct NodeSettings {
    /// The sequencer's chain, capacity, fee account and mempool limits.
    pub sequencer: SequencerConfig,
    /// Longest wait between a pending transaction and its block.
    pub block_time: Duration,
    /// In-process prover workers (0: proofs come from elsewhere).
    pub provers: usize,
    /// Prover leases.
    pub worker: WorkerConfig,
    /// The watcher.
    pub watcher: WatcherConfig,
    /// The sender.
    pub sender: SenderConfig,
    /// The L1 block that deployed the contract.
    pub deploy_block: u64,
    /// How often the L1 loops poll.
    pub poll: Duration,
    /// The fee model.
    pub fees: FeeConfig,
}

/// Why a submission was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The bytes are not a transaction.
    #[error("malformed transaction: {0}")]
    Malformed(String),
    /// The mempool refused it; nothing changed.
    #[error(transparent)]
    Refused(#[from] AdmissionError),
    /// It could not be persisted, so it was not accepted.
    #[error("not accepted, the database failed: {0}")]
    Storage(#[from] StorageError),
}

/// The running node's shared parts: what the API calls.
#[derive(Debug)]
pub struct NodeCore<S> {
    store: S,
    sequencer: Mutex<Sequencer>,
    metrics: Metrics,
    fees: FeeModel,
    /// The state after the last sealed block, published after each seal so that readers (the
    /// API) never take the sequencer's lock.
    committed: watch::Sender<Arc<State>>,
}

impl<S: Storage> NodeCore<S> {
    /// A core over `store` with `sequencer` loaded from it (what [`run`] builds; tests and
    /// tools build one directly).
    /// Fees are free until [`NodeCore::with_fees`].
    pub fn new(store: S, sequencer: Sequencer, metrics: Metrics) -> Self {
        metrics.set_queue(sequencer.queue_len());
        let fees = FeeModel::new(FeeConfig::free(sequencer.capacity()));
        let committed = watch::Sender::new(Arc::new(sequencer.committed().clone()));
        Self { store, sequencer: Mutex::new(sequencer), metrics, fees, committed }
    }

    /// The same core with another fee model.
    pub fn with_fees(mut self, fees: FeeModel) -> Self {
        self.fees = fees;
        self
    }

    /// The fee model.
    pub fn fees(&self) -> &FeeModel {
        &self.fees
    }

    /// The state after the last sealed block (a snapshot; no lock is taken).
    pub fn committed_state(&self) -> Arc<State> {
        self.committed.borrow().clone()
    }

    /// Follows [`NodeCore::committed_state`]: changes after each sealed block.
    pub fn subscribe_committed(&self) -> watch::Receiver<Arc<State>> {
        self.committed.subscribe()
    }

    /// Checks the fees of `txs` against the model, on the committed state (a transfer to an
    /// address with no account there pays for creating it).
    fn check_fees(&self, txs: &[SignedTx]) -> Result<(), AdmissionError> {
        let state = self.committed_state();
        let new_recipient = |tx: &SignedTx| match tx {
            SignedTx::Transfer(t) => state.account_id_by_address(&t.tx.to).is_none(),
            _ => false,
        };
        let kinds: Vec<_> = txs.iter().map(|tx| fee_kind(tx, new_recipient(tx))).collect();
        let paid: Vec<_> = txs.iter().map(paid_fee).collect();
        Ok(self.fees.check(&kinds, &paid)?)
    }

    /// The node's storage (read-only use).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The node's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Submits a wire-encoded transaction, or several as an atomic batch. Returns the hashes
    /// once the item is persisted; on any error nothing changed.
    pub async fn submit(&self, txs: &[Vec<u8>], batch: bool) -> Result<Vec<[u8; 32]>, SubmitError> {
        let decoded = txs
            .iter()
            .map(|bytes| SignedTx::decode(bytes))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SubmitError::Malformed(e.to_string()))?;
        self.check_fees(&decoded)?;
        let item = match (batch, decoded.len()) {
            (false, 1) => {
                TxItem::Single(decoded.into_iter().next().ok_or(AdmissionError::EmptyBatch)?)
            }
            (false, n) => {
                return Err(SubmitError::Malformed(format!("{n} transactions; submit a batch")))
            }
            (true, _) => TxItem::Batch(decoded),
        };
        // Signatures are checked before the lock, so concurrent submissions check theirs in
        // parallel; only the state checks are serial.
        let signers = verify_item(&item);
        let facts = if needs_facts(&item) {
            let wanted = self.sequencer.lock().await.onchain_auths([&item]);
            lookup_facts(&self.store, &wanted).await?
        } else {
            OnchainFacts::new()
        };
        let now = unix_now();
        let mut seq = self.sequencer.lock().await;
        seq.add_facts(facts);
        let admission = seq.check_verified(item, signers, now)?;
        let stored =
            self.store.insert_mempool_item(&admission.encoded, &admission.hashes, batch, now).await;
        match stored {
            Ok(n) => {
                let hashes = admission.hashes.clone();
                seq.accept(admission, n);
                self.metrics.set_queue(seq.queue_len());
                Ok(hashes)
            }
            Err(e) => {
                seq.abandon(admission);
                Err(e.into())
            }
        }
    }

    /// Seals a block if there is anything to seal; the block number if one was sealed.
    pub async fn seal(&self) -> Result<Option<u64>, NodeError> {
        let priority = self.store.pending_priority_ops().await?;
        let tokens: Vec<_> = self.store.tokens().await?.into_iter().map(|t| t.id).collect();
        let mut seq = self.sequencer.lock().await;
        let wanted = seq.queued_onchain_auths();
        seq.set_facts(lookup_facts(&self.store, &wanted).await?);
        seq.list_tokens(&tokens).map_err(|e| NodeError::Corrupt(format!("token: {e}")))?;
        let number = seq.last_number() + 1;
        match seq.seal(&priority, unix_now())? {
            SealOutcome::Idle => Ok(None),
            SealOutcome::OnlyFailures(failed) => {
                self.store.fail_mempool_items(number, &failed).await?;
                let seqs: Vec<u64> = failed.iter().map(|f| f.seq).collect();
                seq.drop_failed(&seqs);
                self.metrics.set_queue(seq.queue_len());
                Ok(None)
            }
            SealOutcome::Block(sealing) => {
                self.store.write_sealed_block(&sealing.sealed).await?;
                let ops = sealing.sealed.block.ops.len();
                let failed = sealing.sealed.failed.len();
                seq.finish_seal(*sealing);
                self.committed.send_replace(Arc::new(seq.committed().clone()));
                self.metrics.sealed(number, seq.queue_len());
                tracing::info!(block = number, ops, failed, "block sealed");
                Ok(Some(number))
            }
        }
    }

    /// Items waiting in the mempool.
    pub async fn queue_len(&self) -> usize {
        self.sequencer.lock().await.queue_len()
    }
}

/// The on-chain ChangePubKey facts stored for `wanted` `(address, nonce)` pairs.
async fn lookup_facts<S: Storage>(
    store: &S,
    wanted: &[(Address, Nonce)],
) -> Result<OnchainFacts, StorageError> {
    let mut facts = OnchainFacts::new();
    for &(owner, nonce) in wanted {
        if let Some(hash) = store.auth_fact(owner, nonce).await? {
            facts.insert((owner, hash, nonce));
        }
    }
    Ok(facts)
}

/// Loads the sequencer from storage: the last state, checked against the last block's root,
/// and the queue.
async fn load_sequencer<S: Storage>(
    store: &S,
    config: SequencerConfig,
    genesis_root: Fr,
) -> Result<Sequencer, NodeError> {
    let snapshot = store.state_at(None).await?;
    let last = store.last_block_number().await?;
    let (expected, timestamp) = match store.block(last).await? {
        Some(b) => (b.block.header.new_root, b.block.header.timestamp),
        None if last == 0 => (genesis_root, 0),
        None => return Err(NodeError::Corrupt(format!("block {last} is missing"))),
    };
    let mut state =
        State::from_parts(snapshot.accounts, snapshot.nfts, snapshot.next_nft_id, snapshot.tokens)
            .map_err(|e| NodeError::Corrupt(format!("stored state: {e}")))?;
    if state.root() != expected {
        return Err(NodeError::Corrupt(format!(
            "the stored state's root differs from block {last}'s new root"
        )));
    }
    let mut queued = Vec::new();
    for item in store.queued_items().await? {
        let txs = item
            .txs
            .iter()
            .map(|b| SignedTx::decode(b))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| NodeError::Corrupt(format!("queued item {}: {e}", item.seq)))?;
        let tx_item =
            match (item.batch, txs.len()) {
                (false, 1) => TxItem::Single(txs.into_iter().next().ok_or_else(|| {
                    NodeError::Corrupt(format!("queued item {} is empty", item.seq))
                })?),
                _ => TxItem::Batch(txs),
            };
        queued.push(QueuedItem { seq: item.seq, item: tx_item, hashes: item.hashes });
    }
    tracing::info!(block = last, queued = queued.len(), "state loaded");
    let mut seq = Sequencer::new(config, state, last, timestamp, queued);
    seq.set_facts(lookup_facts(store, &seq.queued_onchain_auths()).await?);
    Ok(seq)
}

/// Checks the database belongs to this chain and contract (or claims it for them).
async fn check_chain<S: Storage, L: L1Port>(
    store: &S,
    l1: &L,
    settings: &NodeSettings,
    genesis_root: Fr,
) -> Result<(), NodeError> {
    let chain_id = l1.chain_id().await?;
    let contract = settings.sequencer.chain.contract;
    if chain_id != settings.sequencer.chain.chain_id {
        return Err(NodeError::Config(format!(
            "L1 is chain {chain_id}, but the node is configured for chain {}",
            settings.sequencer.chain.chain_id
        )));
    }
    let mut meta =
        ChainMeta { chain_id, contract, deploy_block: settings.deploy_block, genesis_root };
    // The deployment block only says where a fresh watcher starts: a database made by
    // `tern restore` (which may start elsewhere) keeps its own.
    if let Some(stored) = store.chain_meta().await? {
        if (stored.chain_id, stored.contract, stored.genesis_root)
            == (chain_id, contract, genesis_root)
        {
            meta.deploy_block = stored.deploy_block;
        }
    }
    match store.init_chain_meta(&meta).await {
        Ok(()) => Ok(()),
        Err(StorageError::Conflict(why)) => Err(NodeError::Config(format!(
            "the database belongs to another chain or contract ({why}); use another --data-dir \
             or --database-url"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// A stop signal for the loops.
pub type Shutdown = watch::Receiver<bool>;

async fn pause(shutdown: &mut Shutdown, period: Duration) -> bool {
    tokio::select! {
        _ = shutdown.changed() => true,
        _ = tokio::time::sleep(period) => *shutdown.borrow(),
    }
}

/// Runs the node until `shutdown` turns true. A prover is needed when `settings.provers > 0`;
/// the in-process workers share it.
pub async fn run<S: Storage, L: L1Port, P: BlockProver>(
    store: S,
    l1: Arc<L>,
    settings: NodeSettings,
    keys: Option<Arc<P>>,
    metrics: Metrics,
    shutdown: Shutdown,
    on_ready: impl FnOnce(Arc<NodeCore<S>>),
) -> Result<(), NodeError> {
    let genesis_root = State::new().root();
    check_chain(&store, l1.as_ref(), &settings, genesis_root).await?;
    let sequencer = load_sequencer(&store, settings.sequencer, genesis_root).await?;
    let fees = FeeModel::new(settings.fees.clone());
    fees.set_gas_price(l1.fees().await?.max_fee);
    let core = Arc::new(NodeCore::new(store.clone(), sequencer, metrics).with_fees(fees));
    let mut tasks = JoinSet::new();
    tasks.spawn(gas_price_loop(Arc::clone(&core), Arc::clone(&l1), shutdown.clone()));
    tasks.spawn(sequencer_loop(Arc::clone(&core), settings.block_time, shutdown.clone()));
    let watcher =
        Watcher::new(store.clone(), Arc::clone(&l1), settings.watcher, settings.deploy_block);
    tasks.spawn(watcher_loop(watcher, settings.poll, shutdown.clone()));
    let sender = Sender::new(store.clone(), Arc::clone(&l1), genesis_root, settings.sender);
    tasks.spawn(sender_loop(sender, core.metrics.clone(), settings.poll, shutdown.clone()));
    if settings.provers > 0 {
        let keys = keys.ok_or_else(|| NodeError::Config("provers need --keys".into()))?;
        for i in 0..settings.provers {
            let jobs = StoreJobs::new(store.clone(), 5);
            let name = format!("in-process-{i}");
            tasks.spawn(prover_loop(
                jobs,
                name,
                Arc::clone(&keys),
                settings.worker,
                shutdown.clone(),
            ));
        }
    }
    on_ready(Arc::clone(&core));
    tracing::info!("node running");
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tasks.abort_all();
                return Err(e);
            }
            Err(join) => {
                tasks.abort_all();
                return Err(NodeError::Corrupt(format!("a node task failed: {join}")));
            }
        }
    }
    tracing::info!("node stopped");
    Ok(())
}

async fn sequencer_loop<S: Storage>(
    core: Arc<NodeCore<S>>,
    block_time: Duration,
    mut shutdown: Shutdown,
) -> Result<(), NodeError> {
    let tick = block_time.min(Duration::from_millis(100));
    let mut last_seal = Instant::now();
    loop {
        if pause(&mut shutdown, tick).await {
            return Ok(());
        }
        let full = core.queue_len().await >= core.sequencer.lock().await.capacity();
        if !full && last_seal.elapsed() < block_time {
            continue;
        }
        match core.seal().await {
            Ok(Some(_)) => last_seal = Instant::now(),
            Ok(None) => {}
            // A database fault leaves the sequencer as it was; the next tick retries.
            Err(NodeError::Storage(e)) => tracing::error!("sealing failed: {e}"),
            Err(e) => {
                tracing::error!("sealing failed: {e}");
                last_seal = Instant::now();
            }
        }
    }
}

/// Keeps the fee model's gas price near L1's: a failed read keeps the last price.
async fn gas_price_loop<S: Storage, L: L1Port>(
    core: Arc<NodeCore<S>>,
    l1: Arc<L>,
    mut shutdown: Shutdown,
) -> Result<(), NodeError> {
    loop {
        if pause(&mut shutdown, Duration::from_secs(15)).await {
            return Ok(());
        }
        match l1.fees().await {
            Ok(fees) => core.fees.set_gas_price(fees.max_fee),
            Err(e) => tracing::warn!("L1 gas price: {e}; keeping the last one"),
        }
    }
}

async fn watcher_loop<S: Storage, L: L1Port>(
    watcher: Watcher<S, L>,
    poll: Duration,
    mut shutdown: Shutdown,
) -> Result<(), NodeError> {
    loop {
        let step = watcher.step().await;
        let wait = match step {
            Ok(WatchStep::Idle) => poll,
            Ok(_) => Duration::ZERO,
            Err(NodeError::Corrupt(e)) => return Err(NodeError::Corrupt(e)),
            Err(e) => {
                tracing::warn!("L1 watcher: {e}; retrying");
                poll * 4
            }
        };
        if pause(&mut shutdown, wait).await {
            return Ok(());
        }
    }
}

async fn sender_loop<S: Storage, L: L1Port>(
    mut sender: Sender<S, L>,
    metrics: Metrics,
    poll: Duration,
    mut shutdown: Shutdown,
) -> Result<(), NodeError> {
    loop {
        let wait = match sender.step().await {
            Ok(SenderStep::Progress) => Duration::ZERO,
            Ok(SenderStep::Idle | SenderStep::Waiting) => poll,
            Ok(SenderStep::Halted(_)) => poll * 20,
            Err(e) => {
                tracing::warn!("L1 sender: {e}; retrying");
                poll * 4
            }
        };
        if let Ok(progress) = sender.progress().await {
            metrics.l1_progress(progress);
        }
        if pause(&mut shutdown, wait).await {
            return Ok(());
        }
    }
}

async fn prover_loop<S: Storage, P: BlockProver>(
    jobs: StoreJobs<S>,
    name: String,
    keys: Arc<P>,
    config: WorkerConfig,
    mut shutdown: Shutdown,
) -> Result<(), NodeError> {
    loop {
        let wait = match work_once(&jobs, &name, &keys, config).await {
            Ok(true) => Duration::ZERO,
            Ok(false) => Duration::from_millis(200),
            Err(e) => {
                tracing::warn!(worker = name, "prover: {e}");
                Duration::from_secs(1)
            }
        };
        if pause(&mut shutdown, wait).await {
            return Ok(());
        }
    }
}

/// The hash of a transaction, hex, for logs and the API.
pub fn hash_hex(hash: &[u8; 32]) -> String {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("0x{hex}")
}

/// A transaction's hash.
pub fn signed_tx_hash(tx: &SignedTx) -> Option<[u8; 32]> {
    tx_hash(tx).ok()
}
