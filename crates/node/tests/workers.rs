//! Remote prover workers against the node's worker API on a real socket (127.0.0.1) over a
//! real SQLite database, with real Groth16 proofs at capacity 2 (INSECURE dev keys): a wrong
//! token is refused; bad proofs are refused and their job goes back to the queue; a worker
//! killed mid-proof loses its job to the other once the lease expires; publishing twice is
//! harmless; the proving key downloads with its SHA-256 checked; `/status` shows the workers.
//! No anvil.

use alloy_primitives::U256;
use ark_ec::AffineRepr;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use tern_node::error::NodeError;
use tern_node::http::{router_with, HttpOptions};
use tern_node::metrics::Metrics;
use tern_node::node::NodeCore;
use tern_node::prover::{BlockProver, JobSource, ProofInput, WorkerConfig};
use tern_node::sender::proof_words;
use tern_node::sequencer::{MempoolLimits, SealOutcome, Sequencer, SequencerConfig};
use tern_node::status::StatusReport;
use tern_node::worker_api::{ProverApi, ProverApiConfig};
use tern_node::worker_http::{load_keys, no_progress, work_loop, HttpJobs, StagedProver};
use tern_primitives::Address;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{ChainConfig, PriorityOp, State, TxItem};
use tern_storage::{
    BlockStore, JobStatus, MempoolStore, ProverJobStore, SqlStore, StoredPriorityOp, WatchedRange,
    WatcherStore,
};
use tern_types::{AccountId, ETH};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };
const TOKEN: &str = "test-token-0123456789";
const CAPACITY: usize = 2;
const LEASE_SECS: u64 = 2;

fn seal(seq: &mut Sequencer, priority: &[StoredPriorityOp]) -> tern_node::sequencer::Sealing {
    match seq.seal(priority, 1_000).expect("seal") {
        SealOutcome::Block(s) => *s,
        other => panic!("expected a block, got {other:?}"),
    }
}

async fn admit(seq: &mut Sequencer, store: &SqlStore, tx: tern_types::SignedTx) {
    let a = seq.check(TxItem::Single(tx), 1_000).expect("admitted");
    let n = store.insert_mempool_item(&a.encoded, &a.hashes, false, 1).await.expect("insert");
    seq.accept(a, n);
}

/// Blocks 1 (deposits) and 2 (two ChangePubKeys) at capacity 32, their jobs marked done by
/// hand, then blocks 3 and 4 of one transfer each at capacity 2: the jobs the workers prove.
async fn chain(store: &SqlStore) -> Sequencer {
    let mut users: Vec<Wallet> =
        (1..=2).map(|s| Wallet::from_seed(s, CHAIN).expect("wallet")).collect();
    let deposits: Vec<StoredPriorityOp> =
        [(Address::new([0xfe; 20]), 0), (users[0].address, 1000), (users[1].address, 1000)]
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
    store.apply_watched_range(&range).await.expect("deposits");
    let config = |capacity| SequencerConfig {
        chain: CHAIN,
        capacity,
        fee_account: AccountId(0),
        limits: MempoolLimits::default(),
    };
    let mut seq = Sequencer::new(config(32), State::new(), 0, 0, vec![]);
    let s = seal(&mut seq, &deposits);
    store.write_sealed_block(&s.sealed).await.expect("write");
    seq.finish_seal(s);
    for (i, u) in users.iter_mut().enumerate() {
        u.account_id = AccountId(i as u32 + 1);
        let cpk = u.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
        admit(&mut seq, store, cpk).await;
    }
    let s = seal(&mut seq, &[]);
    store.write_sealed_block(&s.sealed).await.expect("write");
    seq.finish_seal(s);
    // Blocks 1 and 2 are not capacity 2 (three deposits need 18 chunks): their jobs are done by hand.
    for block in [1, 2] {
        let job = store.lease_job("setup", 1, 60).await.expect("lease").expect("a job");
        assert_eq!(job.block, block);
        store.complete_job(block, "setup", &[0u8; 256]).await.expect("complete");
    }
    let mut seq = Sequencer::new(config(CAPACITY), seq.committed().clone(), 2, 1_000, vec![]);
    for (from, to) in [(0, 1), (1, 0)] {
        let to = users[to].address;
        let tx = users[from].transfer(to, ETH, 10, 0).expect("sign");
        admit(&mut seq, store, tx).await;
        let s = seal(&mut seq, &[]);
        store.write_sealed_block(&s.sealed).await.expect("write");
        seq.finish_seal(s);
    }
    seq
}

/// A prover that never finishes until released: a worker "killed mid-proof".
struct Stuck(Mutex<mpsc::Receiver<()>>);

impl BlockProver for Stuck {
    fn prove(&self, _input: &ProofInput) -> Result<[U256; 8], NodeError> {
        let _ = self.0.lock().map(|rx| rx.recv());
        Err(NodeError::Prover("killed".into()))
    }
}

async fn job_status(store: &SqlStore, block: u64) -> JobStatus {
    store.job(block).await.expect("job").expect("exists").status
}

async fn leased_by(store: &SqlStore, who: &str) -> bool {
    matches!(job_status(store, 3).await, JobStatus::Leased { worker, .. } if worker == who)
}

async fn wait_for<F: std::future::Future<Output = bool>>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> F,
) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A proof of valid curve points that proves nothing.
fn bogus_proof() -> [U256; 8] {
    let proof = ark_groth16::Proof::<ark_bn254::Bn254> {
        a: ark_bn254::G1Affine::generator(),
        b: ark_bn254::G2Affine::generator(),
        c: ark_bn254::G1Affine::generator(),
    };
    tern_contracts::verifier::encode_proof(&proof)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_workers_share_the_queue_and_survive_a_killed_worker() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_data_dir(dir.path()).await.expect("sqlite");
    let seq = chain(&store).await;
    let keys_dir = dir.path().join("keys");
    std::fs::create_dir_all(&keys_dir).expect("keys dir");
    let t = Instant::now();
    let keys = tokio::task::spawn_blocking(|| tern_prover::dev_setup(CAPACITY, 42))
        .await
        .expect("join")
        .expect("setup");
    tern_prover::write_keys(&keys, &keys_dir).expect("write keys");
    eprintln!("dev_setup({CAPACITY}): {:.1?}", t.elapsed());

    let config = ProverApiConfig {
        token: TOKEN.into(),
        lease_secs: LEASE_SECS,
        keys_dir,
        capacity: CAPACITY,
        max_attempts: 10,
    };
    let api = Arc::new(ProverApi::load(store.clone(), config).expect("api"));
    let core = Arc::new(NodeCore::new(store.clone(), seq, Metrics::new().expect("metrics")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router_with(core, HttpOptions { provers: Some(Arc::clone(&api)), operator: None });
    tokio::spawn(async move { axum::serve(listener, app).await });

    // A wrong token, or none, is refused.
    let wrong = HttpJobs::new(&base, "not-the-token", "intruder").expect("client");
    let err = wrong.manifest().await.expect_err("refused");
    assert!(err.to_string().contains("401"), "{err}");
    let client = reqwest::Client::new();
    let bare =
        client.post(format!("{base}/prover/v1/lease")).json(&serde_json::json!({"worker": "x"}));
    assert_eq!(bare.send().await.expect("send").status(), 401);
    let manifest = HttpJobs::new(&base, TOKEN, "probe").expect("client").manifest().await;
    let manifest = manifest.expect("manifest");
    assert_eq!((manifest.capacity, manifest.lease_secs, manifest.files.len()), (2, 2, 2));

    // Bad proofs: refused with a reason, and the job goes back to the queue each time.
    let bad = HttpJobs::new(&base, TOKEN, "bad").expect("client");
    for proof in [[U256::from(1); 8], bogus_proof()] {
        assert_eq!(bad.lease("bad", 0).await.expect("lease"), Some(3));
        let input = bad.input(3).await.expect("witness");
        assert_eq!(input.witness.capacity(), CAPACITY);
        let err = bad.complete(3, "bad", &proof).await.expect_err("refused");
        assert!(matches!(err, NodeError::Rejected(_)), "{err}");
        assert_eq!(job_status(&store, 3).await, JobStatus::Queued);
    }

    // A worker takes block 3 and dies mid-proof; its heartbeats kept the lease until then.
    let (release, stuck_rx) = mpsc::channel();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let stuck_jobs = HttpJobs::new(&base, TOKEN, "stuck").expect("client");
    let worker_config =
        WorkerConfig { lease_secs: LEASE_SECS, heartbeat: Duration::from_millis(400) };
    let stuck = {
        let (jobs, shutdown) = (stuck_jobs.clone(), shutdown.clone());
        let prover = Arc::new(Stuck(Mutex::new(stuck_rx)));
        tokio::spawn(async move { work_loop(&jobs, prover, worker_config, shutdown).await })
    };
    let held = || leased_by(&store, "stuck");
    wait_for("the stuck worker's lease", Duration::from_secs(30), held).await;
    tokio::time::sleep(Duration::from_secs(LEASE_SECS + 2)).await;
    assert!(leased_by(&store, "stuck").await, "heartbeats keep the lease past its length");
    stuck.abort();

    // The other worker proves block 4, then block 3 once the dead worker's lease expires.
    let t = Instant::now();
    // The good worker downloads the proving key from the node, checking its SHA-256; a local
    // directory with other keys is refused.
    let good_jobs = HttpJobs::new(&base, TOKEN, "good").expect("client");
    let cache = dir.path().join("cache");
    let fetched = load_keys(&good_jobs, &manifest, None, &cache).await.expect("downloaded");
    assert!(fetched == keys, "the downloaded keys are the node's");
    let other = dir.path().join("other-keys");
    std::fs::create_dir_all(&other).expect("dir");
    let stem = tern_prover::dev_key_stem(CAPACITY);
    std::fs::write(other.join(format!("{stem}.sha256")), "00  x\n").expect("write");
    let err = load_keys(&good_jobs, &manifest, Some(&other), &cache).await.expect_err("refused");
    assert!(err.to_string().contains("not the node's"), "{err}");
    let matrices =
        move || StagedProver::new(fetched, Some(1), no_progress()).map_err(|e| e.to_string());
    let prover = tokio::task::spawn_blocking(matrices).await.expect("join").expect("prover");
    eprintln!("keys downloaded and constraint matrices: {:.1?}", t.elapsed());
    let good = {
        let (jobs, shutdown) = (good_jobs.clone(), shutdown.clone());
        let prover = Arc::new(prover);
        tokio::spawn(async move { work_loop(&jobs, prover, worker_config, shutdown).await })
    };
    let t = Instant::now();
    let proven = || async {
        job_status(&store, 3).await == JobStatus::Proven
            && job_status(&store, 4).await == JobStatus::Proven
    };
    wait_for("both proofs", Duration::from_secs(1200), proven).await;
    eprintln!("two proofs by one remote worker: {:.1?}", t.elapsed());
    let attempts = store.job(3).await.expect("job").expect("exists").attempts;
    assert_eq!(attempts, 4, "bad twice, stuck, then good");

    // Publishing again, or after the lease is gone, is harmless.
    let proof4 =
        proof_words(&store.proof(4).await.expect("proof").expect("stored")).expect("words");
    assert!(!good_jobs.complete(4, "good", &proof4).await.expect("again"));
    let proof3 =
        proof_words(&store.proof(3).await.expect("proof").expect("stored")).expect("words");
    assert!(!stuck_jobs.complete(3, "stuck", &proof3).await.expect("late"));
    assert_eq!(
        store.proof(4).await.expect("proof").expect("kept"),
        tern_node::sender::proof_bytes(&proof4)
    );

    // The status shows the workers and an empty queue.
    let status: StatusReport = client
        .get(format!("{base}/status"))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    assert_eq!(status.queues.jobs_queued + status.queues.jobs_leased, 0, "{status:?}");
    assert_eq!(status.blocks.sealed, 4);
    let good_seen = status.workers.iter().find(|w| w.name == "good").expect("good listed");
    assert!(good_seen.proofs >= 2, "{status:?}");
    let bad_seen = status.workers.iter().find(|w| w.name == "bad").expect("bad listed");
    assert_eq!(bad_seen.rejected, 2);

    let _ = stop.send(true);
    drop(release);
    good.await.expect("join").expect("clean stop");
}
