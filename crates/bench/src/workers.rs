//! `tern bench workers`: blocks proven per minute by 1, 2, … remote prover workers, each
//! talking to the node's worker API over HTTP on 127.0.0.1 (lease, witness, heartbeats,
//! publish, the node verifying every proof), as `tern prover worker` does.
//!
//! Each run builds a fresh chain in a temporary SQLite database: a deposit block and a
//! ChangePubKey block (whose jobs are marked done by hand: they are not the measured
//! capacity), then `blocks` blocks of one transfer each at the measured capacity. A proof's
//! cost depends on the capacity only, not on how full the block is. The workers' constraint
//! matrices are built before the clock starts; the clock stops when the last job is proven.
//! With `n` workers each gets `threads / n` rayon threads (at least one), so the runs share the
//! same cores.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tern_node::http::{router_with, HttpOptions};
use tern_node::metrics::Metrics;
use tern_node::node::NodeCore;
use tern_node::prover::WorkerConfig;
use tern_node::sequencer::{MempoolLimits, SealOutcome, Sequencer, SequencerConfig};
use tern_node::worker_api::{ProverApi, ProverApiConfig};
use tern_node::worker_http::{no_progress, work_loop, HttpJobs, StagedProver};
use tern_primitives::Address;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{ChainConfig, PriorityOp, State, TxItem};
use tern_storage::{
    BlockStore, JobStatus, MempoolStore, ProverJobStore, SqlStore, StoredPriorityOp, WatchedRange,
    WatcherStore,
};
use tern_types::{AccountId, SignedTx, ETH};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };
const TOKEN: &str = "bench-token";

/// Why the benchmark failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkersBenchError {
    /// Setting up the chain, the node or a worker failed.
    #[error("{0}")]
    Setup(String),
}

fn setup(e: impl std::fmt::Display) -> WorkersBenchError {
    WorkersBenchError::Setup(e.to_string())
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct WorkersBenchOptions {
    /// The circuit's capacity.
    pub capacity: usize,
    /// Blocks to prove per run.
    pub blocks: usize,
    /// Worker counts, one run each.
    pub workers: Vec<usize>,
    /// Rayon threads shared by the workers of a run.
    pub threads: usize,
}

/// One run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkersRun {
    /// Workers.
    pub workers: usize,
    /// Rayon threads per worker.
    pub threads_per_worker: usize,
    /// Blocks proven.
    pub blocks: usize,
    /// Wall time from the first lease to the last proof stored.
    pub seconds: f64,
    /// Blocks proven per minute.
    pub blocks_per_minute: f64,
}

/// The benchmark's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkersReport {
    /// The circuit's capacity.
    pub capacity: usize,
    /// Logical CPUs of the machine.
    pub cpus: usize,
    /// The runs.
    pub runs: Vec<WorkersRun>,
}

fn seal(seq: &mut Sequencer) -> Result<tern_node::sequencer::Sealing, WorkersBenchError> {
    match seq.seal(&[], 1_000).map_err(setup)? {
        SealOutcome::Block(s) => Ok(*s),
        other => Err(setup(format!("expected a block, got {other:?}"))),
    }
}

async fn admit(
    seq: &mut Sequencer,
    store: &SqlStore,
    tx: SignedTx,
) -> Result<(), WorkersBenchError> {
    let a = seq.check(TxItem::Single(tx), 1_000).map_err(setup)?;
    let n = store.insert_mempool_item(&a.encoded, &a.hashes, false, 1).await.map_err(setup)?;
    seq.accept(a, n);
    Ok(())
}

async fn write(seq: &mut Sequencer, store: &SqlStore) -> Result<(), WorkersBenchError> {
    let s = seal(seq)?;
    store.write_sealed_block(&s.sealed).await.map_err(setup)?;
    seq.finish_seal(s);
    Ok(())
}

/// Two users with keys (blocks 1 and 2, jobs done by hand), then `blocks` one-transfer blocks
/// at `capacity`, each with a queued job.
pub async fn chain(
    store: &SqlStore,
    capacity: usize,
    blocks: usize,
) -> Result<Sequencer, WorkersBenchError> {
    let mut users: Vec<Wallet> =
        (1..=2).map(|s| Wallet::from_seed(s, CHAIN)).collect::<Result<_, _>>().map_err(setup)?;
    let deposits: Vec<StoredPriorityOp> = [
        (Address::new([0xfe; 20]), 0),
        (users[0].address, 1_000_000),
        (users[1].address, 1_000_000),
    ]
    .iter()
    .enumerate()
    .map(|(i, (to, amount))| StoredPriorityOp {
        serial_id: i as u64,
        op: PriorityOp::Deposit { token: ETH, amount: *amount, to: *to },
        expiration: 2_000_000_000,
        l1_block: 1,
        l1_tx: [1; 32],
        processed_in: None,
    })
    .collect();
    let range = WatchedRange {
        priority_ops: deposits.clone(),
        cursor: (1, [1; 32]),
        block_hashes: vec![(1, [1; 32])],
        ..Default::default()
    };
    store.apply_watched_range(&range).await.map_err(setup)?;
    let config = |capacity| SequencerConfig {
        chain: CHAIN,
        capacity,
        fee_account: AccountId(0),
        limits: MempoolLimits::default(),
    };
    let mut seq = Sequencer::new(config(32), State::new(), 0, 0, vec![]);
    let s = match seq.seal(&deposits, 1_000).map_err(setup)? {
        SealOutcome::Block(s) => *s,
        other => return Err(setup(format!("expected a block, got {other:?}"))),
    };
    store.write_sealed_block(&s.sealed).await.map_err(setup)?;
    seq.finish_seal(s);
    for (i, u) in users.iter_mut().enumerate() {
        u.account_id = AccountId(i as u32 + 1);
        let cpk = u.change_pubkey(AuthKind::Ecdsa, ETH, 0).map_err(setup)?;
        admit(&mut seq, store, cpk).await?;
    }
    write(&mut seq, store).await?;
    for block in [1, 2] {
        store.lease_job("setup", 1, 60).await.map_err(setup)?;
        store.complete_job(block, "setup", &[0u8; 256]).await.map_err(setup)?;
    }
    let mut seq = Sequencer::new(config(capacity), seq.committed().clone(), 2, 1_000, vec![]);
    for k in 0..blocks {
        let (from, to) = (k % 2, 1 - k % 2);
        let to = users[to].address;
        let tx = users[from].transfer(to, ETH, 1, 0).map_err(setup)?;
        admit(&mut seq, store, tx).await?;
        write(&mut seq, store).await?;
    }
    Ok(seq)
}

/// Proves `blocks` blocks with `workers` workers over HTTP; the wall time.
async fn one_run(
    dir: &Path,
    keys_dir: &Path,
    keys: &tern_prover::Keys,
    options: &WorkersBenchOptions,
    workers: usize,
) -> Result<WorkersRun, WorkersBenchError> {
    let data = dir.join(format!("run-{workers}"));
    std::fs::create_dir_all(&data).map_err(setup)?;
    let store = SqlStore::open_data_dir(&data).await.map_err(setup)?;
    let seq = chain(&store, options.capacity, options.blocks).await?;
    let config = ProverApiConfig {
        token: TOKEN.into(),
        lease_secs: 60,
        keys_dir: keys_dir.to_path_buf(),
        capacity: options.capacity,
        max_attempts: 5,
    };
    let api = Arc::new(ProverApi::load(store.clone(), config).map_err(setup)?);
    let core = Arc::new(NodeCore::new(store.clone(), seq, Metrics::new().map_err(setup)?));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(setup)?;
    let base = format!("http://{}", listener.local_addr().map_err(setup)?);
    let app = router_with(core, HttpOptions { provers: Some(api), operator: None });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let threads = (options.threads / workers).max(1);
    let mut provers = Vec::new();
    for _ in 0..workers {
        let keys = keys.clone();
        let prover = tokio::task::spawn_blocking(move || {
            StagedProver::new(keys, Some(threads), no_progress()).map_err(setup)
        });
        provers.push(Arc::new(prover.await.map_err(setup)?.map_err(setup)?));
    }
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let config = WorkerConfig { lease_secs: 60, heartbeat: Duration::from_secs(15) };
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (i, prover) in provers.into_iter().enumerate() {
        let jobs = HttpJobs::new(&base, TOKEN, &format!("bench-{i}")).map_err(setup)?;
        let shutdown = shutdown.clone();
        tasks.push(tokio::spawn(async move { work_loop(&jobs, prover, config, shutdown).await }));
    }
    let last = 2 + options.blocks as u64;
    loop {
        let open = store.open_jobs().await.map_err(setup)?;
        if let Some(failed) = open.iter().find(|j| matches!(j.status, JobStatus::Failed(_))) {
            return Err(setup(format!("job {} failed: {:?}", failed.block, failed.status)));
        }
        if open.iter().all(|j| j.block > last) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seconds = start.elapsed().as_secs_f64();
    let _ = stop.send(true);
    for task in tasks {
        let _ = task.await;
    }
    server.abort();
    Ok(WorkersRun {
        workers,
        threads_per_worker: threads,
        blocks: options.blocks,
        seconds,
        blocks_per_minute: options.blocks as f64 * 60.0 / seconds,
    })
}

/// Runs the benchmark: INSECURE dev keys for the capacity (from `keys_dir` if there, else set
/// up and written there), then one run per worker count.
pub async fn run(
    options: WorkersBenchOptions,
    keys_dir: &Path,
) -> Result<WorkersReport, WorkersBenchError> {
    let capacity = options.capacity;
    let dir = keys_dir.to_path_buf();
    let keys =
        tokio::task::spawn_blocking(move || match tern_prover::read_keys(&dir, capacity, true) {
            Ok(keys) => Ok(keys),
            Err(_) => {
                let keys = tern_prover::dev_setup(capacity, 42)?;
                std::fs::create_dir_all(&dir)
                    .map_err(|source| tern_prover::ProverError::Io { path: dir.clone(), source })?;
                tern_prover::write_keys(&keys, &dir)?;
                Ok::<_, tern_prover::ProverError>(keys)
            }
        })
        .await
        .map_err(setup)?
        .map_err(setup)?;
    let tmp = std::env::temp_dir().join(format!("tern-bench-workers-{}", std::process::id()));
    let mut runs = Vec::new();
    for &workers in &options.workers {
        let run = one_run(&tmp, keys_dir, &keys, &options, workers.max(1)).await;
        let _ = std::fs::remove_dir_all(tmp.join(format!("run-{workers}")));
        runs.push(run?);
    }
    let _ = std::fs::remove_dir_all(&tmp);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(WorkersReport { capacity, cpus, runs })
}
