//! A remote prover worker (`tern prover worker`): the node's worker loop
//! ([`crate::prover::work_once`]) over the worker API ([`crate::worker_api`]) instead of the
//! database. It is stateless: it fetches the manifest, gets the proving key (a local directory,
//! or downloaded from the node into a cache and checked against the manifest's SHA-256),
//! builds the constraint matrices once, then leases, proves with the staged prover on its own
//! rayon pool, sends heartbeats while it proves, and publishes. An unreachable node is retried
//! with exponential backoff; nothing is lost, since an unfinished job goes back to the queue
//! when its lease ends.

use crate::error::NodeError;
use crate::node::Shutdown;
use crate::prover::{check_proof, work_once, BlockProver, JobSource, ProofInput, WorkerConfig};
use crate::worker_api::{
    ApiErrorBody, Fail, Held, KeyFile, Lease, Manifest, Publish, Published, WorkerRequest,
    PROTOCOL_VERSION,
};
use alloy_primitives::U256;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tern_circuit::block::BlockCircuit;
use tern_prover::progress::Progress;
use tern_prover::staged::{prove_staged, ConstraintMatrices};
use tern_prover::Keys;
use tokio::io::AsyncWriteExt;

/// The largest witness a worker accepts (capacity 120 is about half a megabyte).
const MAX_WITNESS: usize = 64 << 20;

fn http(what: &str, e: impl std::fmt::Display) -> NodeError {
    NodeError::Http(format!("{what}: {e}"))
}

/// The node's worker API, as a [`JobSource`] for one worker.
#[derive(Debug, Clone)]
pub struct HttpJobs {
    client: reqwest::Client,
    base: String,
    token: String,
    /// The worker's name: the node fences leases by it, and serves a witness only to the
    /// job's holder.
    worker: String,
}

impl HttpJobs {
    /// A client of the node at `base` (`http://host:port`) presenting `token`, for the worker
    /// named `worker`.
    pub fn new(base: &str, token: &str, worker: &str) -> Result<Self, NodeError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| http("HTTP client", e))?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            worker: worker.to_owned(),
        })
    }

    /// The worker's name.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    fn url(&self, path: &str) -> String {
        format!("{}/prover/v1/{path}", self.base)
    }

    /// Sends `request` with the token; an error answer becomes [`NodeError::Http`] with the
    /// node's reason (or [`NodeError::Rejected`] for a refused proof).
    async fn send(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, NodeError> {
        let response = request
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(120))
            .send()
            .await
            .map_err(|e| http(what, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let reason = match response.json::<ApiErrorBody>().await {
            Ok(body) => body.error,
            Err(_) => status.to_string(),
        };
        Err(match status.as_u16() {
            401 => NodeError::Config(format!("{what}: the node refused the token (401)")),
            422 => NodeError::Rejected(reason),
            code => NodeError::Http(format!("{what}: HTTP {code}: {reason}")),
        })
    }

    /// The node's manifest (capacity, lease rules, key files).
    pub async fn manifest(&self) -> Result<Manifest, NodeError> {
        let manifest: Manifest = self
            .send("manifest", self.client.get(self.url("manifest")))
            .await?
            .json()
            .await
            .map_err(|e| http("manifest", e))?;
        if manifest.protocol != PROTOCOL_VERSION {
            return Err(NodeError::Config(format!(
                "the node speaks worker protocol {}, this worker {PROTOCOL_VERSION}",
                manifest.protocol
            )));
        }
        if manifest.witness_version != tern_circuit::witness_codec::VERSION {
            return Err(NodeError::Config(format!(
                "the node sends witness encoding {}, this worker reads {}",
                manifest.witness_version,
                tern_circuit::witness_codec::VERSION
            )));
        }
        Ok(manifest)
    }

    /// Downloads `file` into `dir` unless a copy with the right SHA-256 is there already;
    /// checks the digest while writing and renames into place only if it matches.
    pub async fn download_key(&self, file: &KeyFile, dir: &Path) -> Result<PathBuf, NodeError> {
        let path = dir.join(&file.name);
        if file_sha256(&path).await.ok().as_deref() == Some(file.sha256.as_str()) {
            return Ok(path);
        }
        let what = format!("key file {}", file.name);
        let url = self.url(&format!("keys/{}", file.name));
        let mut response = self.send(&what, self.client.get(url).timeout(Duration::MAX)).await?;
        let part = dir.join(format!("{}.part", file.name));
        let mut out = tokio::fs::File::create(&part).await.map_err(|e| io(&part, e))?;
        let mut hasher = Sha256::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| http(&what, e))? {
            hasher.update(&chunk);
            out.write_all(&chunk).await.map_err(|e| io(&part, e))?;
        }
        out.flush().await.map_err(|e| io(&part, e))?;
        let actual = hex::encode(hasher.finalize());
        if actual != file.sha256 {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(NodeError::Config(format!(
                "{}: SHA-256 {actual}, the node's manifest says {}",
                file.name, file.sha256
            )));
        }
        tokio::fs::rename(&part, &path).await.map_err(|e| io(&path, e))?;
        Ok(path)
    }
}

fn io(path: &Path, e: std::io::Error) -> NodeError {
    NodeError::Config(format!("{}: {e}", path.display()))
}

async fn file_sha256(path: &Path) -> std::io::Result<String> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(std::io::Error::other)?
}

impl JobSource for HttpJobs {
    async fn lease(&self, worker: &str, _lease_secs: u64) -> Result<Option<u64>, NodeError> {
        let body = WorkerRequest { worker: worker.to_owned() };
        let response = self.send("lease", self.client.post(self.url("lease")).json(&body)).await?;
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        let lease: Lease = response.json().await.map_err(|e| http("lease", e))?;
        Ok(Some(lease.block))
    }

    async fn input(&self, block: u64) -> Result<ProofInput, NodeError> {
        let what = format!("witness of block {block}");
        // Worker names are URL-safe (the node refuses others).
        let url = self.url(&format!("jobs/{block}/witness?worker={}", self.worker));
        let request = self.client.get(url);
        let mut response = self.send(&what, request).await?;
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| http(&what, e))? {
            if bytes.len() + chunk.len() > MAX_WITNESS {
                return Err(NodeError::Http(format!("{what}: larger than {MAX_WITNESS} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        let witness = tern_circuit::witness_codec::decode_witness(&bytes)
            .map_err(|e| NodeError::Prover(format!("{what}: {e}")))?;
        if witness.header.number != block {
            return Err(NodeError::Prover(format!(
                "{what}: it is block {}",
                witness.header.number
            )));
        }
        Ok(ProofInput { block, witness })
    }

    async fn heartbeat(&self, block: u64, worker: &str, _secs: u64) -> Result<bool, NodeError> {
        let body = WorkerRequest { worker: worker.to_owned() };
        let url = self.url(&format!("jobs/{block}/heartbeat"));
        let held: Held = self
            .send("heartbeat", self.client.post(url).json(&body))
            .await?
            .json()
            .await
            .map_err(|e| http("heartbeat", e))?;
        Ok(held.held)
    }

    async fn complete(
        &self,
        block: u64,
        worker: &str,
        proof: &[U256; 8],
    ) -> Result<bool, NodeError> {
        let body = Publish { worker: worker.to_owned(), proof: *proof };
        let url = self.url(&format!("jobs/{block}/proof"));
        // A proof is worth minutes of work: transport failures are retried for a while (a
        // refusal is final).
        let mut wait = Duration::from_millis(500);
        for attempt in 1.. {
            match self.send("publish", self.client.post(&url).json(&body)).await {
                Ok(response) => {
                    let published: Published =
                        response.json().await.map_err(|e| http("publish", e))?;
                    return Ok(published.first);
                }
                Err(NodeError::Http(e)) if attempt < 6 && !e.contains("HTTP 4") => {
                    tracing::warn!(block, worker, "publishing failed ({e}); retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err(e) => return Err(e),
            }
        }
        Err(NodeError::Http("publish: gave up".into()))
    }

    async fn fail(&self, block: u64, worker: &str, reason: &str) -> Result<(), NodeError> {
        let body = Fail { worker: worker.to_owned(), reason: reason.to_owned() };
        let url = self.url(&format!("jobs/{block}/fail"));
        self.send("fail", self.client.post(url).json(&body)).await?;
        Ok(())
    }
}

/// Makes a progress observer for each proof (the command line draws a bar; tests pass none).
pub type ProgressFactory = Box<dyn Fn() -> Box<dyn Progress + Send> + Send + Sync>;

/// No progress reports.
pub fn no_progress() -> ProgressFactory {
    Box::new(|| Box::new(()))
}

/// The staged prover (constraint matrices built once) on its own rayon pool.
pub struct StagedProver {
    keys: Keys,
    matrices: ConstraintMatrices,
    pool: rayon::ThreadPool,
    progress: ProgressFactory,
}

impl std::fmt::Debug for StagedProver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedProver")
            .field("capacity", &self.keys.capacity)
            .finish_non_exhaustive()
    }
}

impl StagedProver {
    /// Builds the constraint matrices for the keys' capacity (blocking: seconds) and a pool of
    /// `threads` (all cores if `None`).
    pub fn new(
        keys: Keys,
        threads: Option<usize>,
        progress: ProgressFactory,
    ) -> Result<Self, NodeError> {
        let mut pool = rayon::ThreadPoolBuilder::new();
        if let Some(n) = threads {
            pool = pool.num_threads(n.max(1));
        }
        let pool = pool.build().map_err(|e| NodeError::Prover(format!("thread pool: {e}")))?;
        let matrices = pool
            .install(|| ConstraintMatrices::build(keys.capacity))
            .and_then(|m| m.check_keys(&keys).map(|()| m))
            .map_err(|e| NodeError::Prover(format!("constraint matrices: {e}")))?;
        Ok(Self { keys, matrices, pool, progress })
    }
}

impl BlockProver for StagedProver {
    fn prove(&self, input: &ProofInput) -> Result<[U256; 8], NodeError> {
        let number = input.block;
        self.pool.install(|| {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed)
                .map_err(|e| NodeError::Prover(format!("OS random source: {e}")))?;
            let mut rng = ChaCha20Rng::from_seed(seed);
            let mut progress = (self.progress)();
            let circuit = BlockCircuit::with_witness(input.witness.clone());
            let proof = prove_staged(&self.keys, &self.matrices, circuit, &mut rng, &mut *progress)
                .map_err(|e| NodeError::Prover(format!("block {number}: {e}")))?;
            check_proof(&self.keys.vk, input, &proof)
        })
    }
}

/// How to run a remote worker.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The node's HTTP server (`http://host:port`, the metrics address).
    pub node: String,
    /// The bearer token.
    pub token: String,
    /// The worker's name.
    pub name: String,
    /// Rayon threads for proving (`None`: all cores).
    pub threads: Option<usize>,
    /// A directory with the key files; `None` downloads them into `cache_dir`.
    pub keys: Option<PathBuf>,
    /// Where downloaded key files are kept.
    pub cache_dir: PathBuf,
}

/// Doubling waits from half a second to half a minute.
#[derive(Debug, Clone, Copy)]
struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(500);
    fn next(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(Duration::from_secs(30));
        wait
    }
}

/// Waits `period` or until shutdown; `true` on shutdown.
async fn pause(shutdown: &mut Shutdown, period: Duration) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    tokio::select! {
        _ = shutdown.changed() => true,
        _ = tokio::time::sleep(period) => *shutdown.borrow(),
    }
}

/// The keys the manifest names: from `dir` (their digests must be the manifest's), or
/// downloaded into `cache`.
pub async fn load_keys(
    jobs: &HttpJobs,
    manifest: &Manifest,
    dir: Option<&Path>,
    cache: &Path,
) -> Result<Keys, NodeError> {
    let stem = tern_prover::dev_key_stem(manifest.capacity);
    let dir = match dir {
        Some(dir) => {
            let path = dir.join(format!("{stem}.sha256"));
            let digests = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            for file in &manifest.files {
                if !digests.lines().any(|l| l == format!("{}  {}", file.sha256, file.name)) {
                    return Err(NodeError::Config(format!(
                        "{}: not the node's {} (SHA-256 {}); drop --keys to download it",
                        dir.display(),
                        file.name,
                        file.sha256
                    )));
                }
            }
            dir.to_path_buf()
        }
        None => {
            std::fs::create_dir_all(cache).map_err(|e| io(cache, e))?;
            let mut digests = String::new();
            for file in &manifest.files {
                tracing::info!(file = file.name, bytes = file.size, "fetching a key file");
                jobs.download_key(file, cache).await?;
                digests += &format!("{}  {}\n", file.sha256, file.name);
            }
            let path = cache.join(format!("{stem}.sha256"));
            std::fs::write(&path, digests).map_err(|e| io(&path, e))?;
            cache.to_path_buf()
        }
    };
    let capacity = manifest.capacity;
    // The files match the digests checked above, so the points need no validation.
    tokio::task::spawn_blocking(move || tern_prover::read_keys(&dir, capacity, true))
        .await
        .map_err(|e| NodeError::Prover(e.to_string()))?
        .map_err(|e| NodeError::Config(format!("proving keys: {e}")))
}

/// Fetches the manifest, retrying while the node is unreachable; `None` on shutdown.
async fn manifest_with_retry(
    jobs: &HttpJobs,
    shutdown: &mut Shutdown,
) -> Result<Option<Manifest>, NodeError> {
    let mut backoff = Backoff(Backoff::FIRST);
    loop {
        match jobs.manifest().await {
            Ok(manifest) => return Ok(Some(manifest)),
            Err(NodeError::Http(e)) if !e.contains("HTTP 4") => {
                let wait = backoff.next();
                tracing::warn!("node unreachable ({e}); retrying in {wait:?}");
                if pause(shutdown, wait).await {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Runs a remote worker until `shutdown`: manifest, keys, matrices, then [`work_loop`].
pub async fn run_worker(
    options: WorkerOptions,
    progress: ProgressFactory,
    mut shutdown: Shutdown,
) -> Result<(), NodeError> {
    let jobs = HttpJobs::new(&options.node, &options.token, &options.name)?;
    let Some(manifest) = manifest_with_retry(&jobs, &mut shutdown).await? else {
        return Ok(());
    };
    tracing::info!(
        capacity = manifest.capacity,
        lease_secs = manifest.lease_secs,
        "connected to the node"
    );
    let keys = load_keys(&jobs, &manifest, options.keys.as_deref(), &options.cache_dir).await?;
    tracing::info!("proving keys loaded and SHA-256 checked; building the constraint matrices");
    let threads = options.threads;
    let prover = tokio::task::spawn_blocking(move || StagedProver::new(keys, threads, progress))
        .await
        .map_err(|e| NodeError::Prover(e.to_string()))??;
    let config = WorkerConfig {
        lease_secs: manifest.lease_secs,
        heartbeat: Duration::from_secs(manifest.heartbeat_secs.max(1)),
    };
    tracing::info!(worker = options.name, "ready");
    work_loop(&jobs, Arc::new(prover), config, shutdown).await
}

/// Leases and proves until `shutdown`, backing off while the node is unreachable. A refused
/// token or protocol ends the loop; everything else is retried.
pub async fn work_loop<P: BlockProver>(
    jobs: &HttpJobs,
    prover: Arc<P>,
    config: WorkerConfig,
    mut shutdown: Shutdown,
) -> Result<(), NodeError> {
    let mut backoff = Backoff(Backoff::FIRST);
    loop {
        let wait = match work_once(jobs, jobs.worker(), &prover, config).await {
            Ok(true) => {
                backoff = Backoff(Backoff::FIRST);
                Duration::ZERO
            }
            Ok(false) => {
                backoff = Backoff(Backoff::FIRST);
                Duration::from_millis(500)
            }
            Err(NodeError::Config(e)) => return Err(NodeError::Config(e)),
            Err(e) => {
                let wait = backoff.next();
                tracing::warn!(worker = jobs.worker(), "{e}; retrying in {wait:?}");
                wait
            }
        };
        if pause(&mut shutdown, wait).await {
            return Ok(());
        }
    }
}
