//! The prover worker API: remote workers (`tern prover worker`) lease block jobs from the node
//! over HTTP, download the block's witness and the proving key, send heartbeats, and publish
//! proofs (`docs/spec/node.md`, "Prover workers").
//!
//! Every endpoint needs `Authorization: Bearer <token>` (`--prover-token`); the token is
//! compared in constant time. Without a token the routes do not exist. Leases are the job
//! store's own (fenced by worker name, `tern_storage::ProverJobStore`), with the node's
//! `--lease-timeout`: a worker that stops sending heartbeats loses its job to the next lease.
//! A published proof is checked against the node's verifying key before it is stored; one
//! that does not verify is refused (422) and its job goes back to the queue.

use crate::error::NodeError;
use crate::prover::{unix_now, JobSource, StoreJobs};
use crate::sender::proof_bytes;
use alloy_primitives::U256;
use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ff::{BigInt, PrimeField};
use ark_groth16::{PreparedVerifyingKey, Proof};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use tern_storage::{JobStatus, Storage, StorageError};

/// The protocol's version, in the manifest; a worker refuses another.
pub const PROTOCOL_VERSION: u32 = 1;
/// The response header with a served file's SHA-256 (hex).
pub const SHA256_HEADER: &str = "x-tern-sha256";
/// The response header with the witness encoding's version.
pub const WITNESS_VERSION_HEADER: &str = "x-tern-witness-version";

/// What a worker needs before its first lease: the circuit, the lease rules and the key files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// The circuit's capacity (chunk slots).
    pub capacity: usize,
    /// Lease length, seconds: a job without a heartbeat for this long returns to the queue.
    pub lease_secs: u64,
    /// How often a worker should send heartbeats, seconds.
    pub heartbeat_secs: u64,
    /// The witness encoding's version (`tern_circuit::witness_codec::VERSION`).
    pub witness_version: u16,
    /// The key files, each served at `/prover/v1/keys/{name}`.
    pub files: Vec<KeyFile>,
}

/// One key file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    /// Its name (`tern-dev-INSECURE-cap{N}.pk` or `.vk`).
    pub name: String,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A request naming the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRequest {
    /// The worker's name (1 to 64 of `A-Za-z0-9._:@-`).
    pub worker: String,
}

/// A granted lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The block to prove.
    pub block: u64,
    /// Lease length, seconds.
    pub lease_secs: u64,
}

/// A heartbeat's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// Whether the worker still holds the lease.
    pub held: bool,
}

/// A proof to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publish {
    /// The worker's name.
    pub worker: String,
    /// The proof as the verifier takes it: eight 0x-hex words.
    pub proof: [U256; 8],
}

/// A published proof's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// Whether this proof was the block's first (a second publish is accepted and ignored).
    pub first: bool,
}

/// Giving a job back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fail {
    /// The worker's name.
    pub worker: String,
    /// Why (logged and stored with the job).
    pub reason: String,
}

/// An error answer: `{"error": reason}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// Why.
    pub error: String,
}

/// What the node last heard from a remote worker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerSeen {
    /// Unix seconds of its last request.
    pub last_seen: u64,
    /// The block it last leased.
    pub block: Option<u64>,
    /// Proofs it published that were stored or already known.
    pub proofs: u64,
    /// Proofs refused because they did not verify.
    pub rejected: u64,
}

/// The remote workers the node has heard from, by name.
#[derive(Debug, Default)]
pub struct Workers(Mutex<BTreeMap<String, WorkerSeen>>);

impl Workers {
    fn update(&self, name: &str, f: impl FnOnce(&mut WorkerSeen)) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = map.entry(name.to_owned()).or_default();
        seen.last_seen = unix_now();
        f(seen);
    }

    /// A copy of the table.
    pub fn snapshot(&self) -> BTreeMap<String, WorkerSeen> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// How the API is configured.
#[derive(Debug, Clone)]
pub struct ProverApiConfig {
    /// The bearer token workers must present.
    pub token: String,
    /// Lease length, seconds.
    pub lease_secs: u64,
    /// The directory with the key files (`tern prover setup`).
    pub keys_dir: PathBuf,
    /// The circuit's capacity.
    pub capacity: usize,
    /// Leases a job may take before it fails for good.
    pub max_attempts: u32,
}

/// The API's state.
pub struct ProverApi<S> {
    jobs: StoreJobs<S>,
    store: S,
    token: [u8; 32],
    lease_secs: u64,
    max_attempts: u32,
    keys_dir: PathBuf,
    manifest: Manifest,
    pvk: PreparedVerifyingKey<Bn254>,
    workers: Workers,
    /// The last witness served: a job re-leased after a worker died needs the same bytes.
    witness_cache: Mutex<Option<(u64, Arc<Vec<u8>>)>>,
}

impl<S> std::fmt::Debug for ProverApi<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProverApi").field("manifest", &self.manifest).finish_non_exhaustive()
    }
}

/// The key files' manifest: names and digests from the `.sha256` file (which
/// `tern_prover::read_verifying_key` has just checked for the verifying key), sizes from disk.
fn key_manifest(config: &ProverApiConfig) -> Result<Vec<KeyFile>, NodeError> {
    let stem = tern_prover::dev_key_stem(config.capacity);
    let digests_path = config.keys_dir.join(format!("{stem}.sha256"));
    let digests = std::fs::read_to_string(&digests_path)
        .map_err(|e| NodeError::Config(format!("reading {}: {e}", digests_path.display())))?;
    ["pk", "vk"]
        .iter()
        .map(|ext| {
            let name = format!("{stem}.{ext}");
            let sha256 = digests
                .lines()
                .filter_map(|line| line.split_once("  "))
                .find(|(_, file)| file.trim_end() == name)
                .map(|(digest, _)| digest.trim().to_ascii_lowercase())
                .ok_or_else(|| {
                    NodeError::Config(format!("{} has no digest of {name}", digests_path.display()))
                })?;
            let path = config.keys_dir.join(&name);
            let size = std::fs::metadata(&path)
                .map_err(|e| NodeError::Config(format!("{}: {e}", path.display())))?
                .len();
            Ok(KeyFile { name, sha256, size })
        })
        .collect()
}

impl<S: Storage> ProverApi<S> {
    /// The API over `store`: reads and checks the verifying key (blocking: call it off the
    /// async threads, or at start-up).
    pub fn load(store: S, config: ProverApiConfig) -> Result<Self, NodeError> {
        if config.token.is_empty() {
            return Err(NodeError::Config("--prover-token must not be empty".into()));
        }
        let vk = tern_prover::read_verifying_key(&config.keys_dir, config.capacity)
            .map_err(|e| NodeError::Config(format!("the verifying key for remote provers: {e}")))?;
        let files = key_manifest(&config)?;
        let lease_secs = config.lease_secs.max(1);
        let manifest = Manifest {
            protocol: PROTOCOL_VERSION,
            capacity: config.capacity,
            lease_secs,
            heartbeat_secs: (lease_secs / 4).max(1),
            witness_version: tern_circuit::witness_codec::VERSION,
            files,
        };
        Ok(Self {
            jobs: StoreJobs::new(store.clone(), config.max_attempts),
            store,
            token: Sha256::digest(config.token.as_bytes()).into(),
            lease_secs,
            max_attempts: config.max_attempts,
            keys_dir: config.keys_dir,
            manifest,
            pvk: tern_prover::prepare(&vk),
            workers: Workers::default(),
            witness_cache: Mutex::new(None),
        })
    }

    /// The remote workers heard from.
    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// The lease length, seconds.
    pub fn lease_secs(&self) -> u64 {
        self.lease_secs
    }

    /// Checks the bearer token. Both sides are hashed first, so the comparison takes the same
    /// time whatever the token's length and wherever it differs.
    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        let digest: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
        let diff = digest.iter().zip(&self.token).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            Ok(())
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// A refused request.
#[derive(Debug)]
pub enum ApiError {
    /// No token, or the wrong one (401).
    Unauthorized,
    /// A malformed request (400).
    BadRequest(String),
    /// The worker does not hold the job, or it is not the worker's to change (409).
    Conflict(String),
    /// The proof does not verify; the job went back to the queue (422).
    Rejected(String),
    /// Unknown block or file (404).
    NotFound(String),
    /// The node failed (500).
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error) = match self {
            ApiError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, "missing or wrong bearer token".to_owned())
            }
            ApiError::BadRequest(e) => (StatusCode::BAD_REQUEST, e),
            ApiError::Conflict(e) => (StatusCode::CONFLICT, e),
            ApiError::Rejected(e) => (StatusCode::UNPROCESSABLE_ENTITY, e),
            ApiError::NotFound(e) => (StatusCode::NOT_FOUND, e),
            ApiError::Internal(e) => (StatusCode::INTERNAL_SERVER_ERROR, e),
        };
        (status, Json(ApiErrorBody { error })).into_response()
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        match e {
            NodeError::Storage(StorageError::Conflict(why)) => ApiError::Conflict(why),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        NodeError::Storage(e).into()
    }
}

/// Refuses names that are empty, long, or could pass for the node's own workers.
fn checked_name(name: &str) -> Result<&str, ApiError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "._:@-".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(ok_char) {
        return Err(ApiError::BadRequest(
            "a worker name is 1 to 64 of A-Z a-z 0-9 . _ : @ -".to_owned(),
        ));
    }
    if name.starts_with("in-process-") {
        return Err(ApiError::BadRequest("in-process-* names are the node's own".to_owned()));
    }
    Ok(name)
}

/// The worker API's routes, under `/prover/v1`.
pub fn routes<S: Storage>(api: Arc<ProverApi<S>>) -> Router {
    Router::new()
        .route("/prover/v1/manifest", get(manifest::<S>))
        .route("/prover/v1/keys/{name}", get(key_file::<S>))
        .route("/prover/v1/lease", post(lease::<S>))
        .route("/prover/v1/jobs/{block}/witness", get(witness::<S>))
        .route("/prover/v1/jobs/{block}/heartbeat", post(heartbeat::<S>))
        .route("/prover/v1/jobs/{block}/proof", post(publish::<S>))
        .route("/prover/v1/jobs/{block}/fail", post(fail::<S>))
        .with_state(api)
}

type Api<S> = State<Arc<ProverApi<S>>>;

async fn manifest<S: Storage>(
    State(api): Api<S>,
    headers: HeaderMap,
) -> Result<Json<Manifest>, ApiError> {
    api.authorize(&headers)?;
    Ok(Json(api.manifest.clone()))
}

/// Streams a key file (they reach gigabytes at large capacities) with its SHA-256 in
/// [`SHA256_HEADER`].
async fn key_file<S: Storage>(
    State(api): Api<S>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    api.authorize(&headers)?;
    let Some(file) = api.manifest.files.iter().find(|f| f.name == name) else {
        return Err(ApiError::NotFound(format!("no key file {name:?}")));
    };
    let path = api.keys_dir.join(&file.name);
    let handle = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
    let stream = futures_util::stream::try_unfold(handle, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 256 * 1024];
        let n = f.read(&mut buf).await?;
        buf.truncate(n);
        Ok::<_, std::io::Error>((n > 0).then_some((buf, f)))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, file.size.to_string()),
            (header::HeaderName::from_static(SHA256_HEADER), file.sha256.clone()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

async fn lease<S: Storage>(
    State(api): Api<S>,
    headers: HeaderMap,
    Json(req): Json<WorkerRequest>,
) -> Result<Response, ApiError> {
    api.authorize(&headers)?;
    let worker = checked_name(&req.worker)?;
    let job = api.store.lease_job(worker, unix_now(), api.lease_secs).await?;
    api.workers.update(worker, |w| w.block = job.as_ref().map(|j| j.block));
    Ok(match job {
        Some(job) => {
            tracing::info!(block = job.block, worker, "remote worker leased a job");
            Json(Lease { block: job.block, lease_secs: api.lease_secs }).into_response()
        }
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Whether `worker` holds `block`'s job now.
async fn holds<S: Storage>(api: &ProverApi<S>, block: u64, worker: &str) -> Result<(), ApiError> {
    match api.store.job(block).await? {
        Some(job) => match job.status {
            JobStatus::Leased { worker: holder, .. } if holder == worker => Ok(()),
            status => Err(ApiError::Conflict(format!(
                "{worker} does not hold block {block}'s job ({status:?})"
            ))),
        },
        None => Err(ApiError::NotFound(format!("block {block} has no prover job"))),
    }
}

async fn witness<S: Storage>(
    State(api): Api<S>,
    headers: HeaderMap,
    Path(block): Path<u64>,
    Query(req): Query<WorkerRequest>,
) -> Result<Response, ApiError> {
    api.authorize(&headers)?;
    let worker = checked_name(&req.worker)?;
    holds(&api, block, worker).await?;
    api.workers.update(worker, |w| w.block = Some(block));
    let cached = api.witness_cache.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let bytes = match cached {
        Some((b, bytes)) if b == block => bytes,
        _ => {
            let input = api.jobs.input(block).await?;
            let bytes = Arc::new(tern_circuit::witness_codec::encode_witness(&input.witness));
            *api.witness_cache.lock().unwrap_or_else(PoisonError::into_inner) =
                Some((block, Arc::clone(&bytes)));
            bytes
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::HeaderName::from_static(WITNESS_VERSION_HEADER),
                tern_circuit::witness_codec::VERSION.to_string(),
            ),
        ],
        bytes.as_ref().clone(),
    )
        .into_response())
}

async fn heartbeat<S: Storage>(
    State(api): Api<S>,
    headers: HeaderMap,
    Path(block): Path<u64>,
    Json(req): Json<WorkerRequest>,
) -> Result<Json<Held>, ApiError> {
    api.authorize(&headers)?;
    let worker = checked_name(&req.worker)?;
    let held = api.store.heartbeat_job(block, worker, unix_now(), api.lease_secs).await?;
    api.workers.update(worker, |w| w.block = Some(block));
    Ok(Json(Held { held }))
}

/// A curve point from the verifier's words, checked to be on the curve and in the subgroup;
/// `[0, 0]` is infinity, as the precompiles take it.
fn fq(word: &U256) -> Option<Fq> {
    Fq::from_bigint(BigInt(word.into_limbs()))
}

fn g1(words: &[U256]) -> Option<G1Affine> {
    let [x, y] = words else { return None };
    if x.is_zero() && y.is_zero() {
        return Some(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(fq(x)?, fq(y)?);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

fn g2(words: &[U256]) -> Option<G2Affine> {
    let [x1, x0, y1, y0] = words else { return None };
    if words.iter().all(U256::is_zero) {
        return Some(G2Affine::identity());
    }
    let x = Fq2::new(fq(x0)?, fq(x1)?);
    let y = Fq2::new(fq(y0)?, fq(y1)?);
    let p = G2Affine::new_unchecked(x, y);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

/// The proof the verifier's eight words encode (`tern_contracts::verifier::encode_proof`).
pub fn decode_proof(words: &[U256; 8]) -> Option<Proof<Bn254>> {
    Some(Proof { a: g1(&words[0..2])?, b: g2(&words[2..6])?, c: g1(&words[6..8])? })
}

/// Checks `words` against the stored block's own commitment (never the worker's).
async fn verify_published<S: Storage>(
    api: &ProverApi<S>,
    block: u64,
    words: &[U256; 8],
) -> Result<Result<(), String>, ApiError> {
    let Some(stored) = api.store.block(block).await? else {
        return Err(ApiError::NotFound(format!("block {block} is not stored")));
    };
    let input = stored.block.public_input().map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(proof) = decode_proof(words) else {
        return Ok(Err("the proof's points are not valid BN254 points".to_owned()));
    };
    match tern_prover::verify_prepared(&api.pvk, input, &proof) {
        Ok(true) => Ok(Ok(())),
        Ok(false) => Ok(Err("the proof does not verify against the node's verifying key for \
                             this block's commitment"
            .to_owned())),
        Err(e) => Ok(Err(format!("the proof cannot be verified: {e}"))),
    }
}

async fn publish<S: Storage>(
    State(api): Api<S>,
    headers: HeaderMap,
    Path(block): Path<u64>,
    Json(req): Json<Publish>,
) -> Result<Json<Published>, ApiError> {
    api.authorize(&headers)?;
    let worker = checked_name(&req.worker)?;
    // A block already proven takes no more proofs: a second publish is harmless.
    if let Some(JobStatus::Proven) = api.store.job(block).await?.map(|j| j.status) {
        api.workers.update(worker, |w| w.proofs += 1);
        return Ok(Json(Published { first: false }));
    }
    if let Err(why) = verify_published(&api, block, &req.proof).await? {
        api.workers.update(worker, |w| w.rejected += 1);
        tracing::warn!(block, worker, "refused a proof: {why}");
        // Back to the queue if this worker held it; if not, the holder keeps it.
        let requeued = api.store.fail_job(block, worker, &why, api.max_attempts).await.is_ok();
        let what = if requeued { "the job is back in the queue" } else { "the job is unchanged" };
        return Err(ApiError::Rejected(format!("{why}; {what}")));
    }
    let first = api.store.complete_job(block, worker, &proof_bytes(&req.proof)).await?;
    api.workers.update(worker, |w| {
        w.proofs += 1;
        w.block = None;
    });
    tracing::info!(block, worker, first, "remote worker published a proof");
    Ok(Json(Published { first }))
}

async fn fail<S: Storage>(
    State(api): Api<S>,
    headers: HeaderMap,
    Path(block): Path<u64>,
    Json(req): Json<Fail>,
) -> Result<StatusCode, ApiError> {
    api.authorize(&headers)?;
    let worker = checked_name(&req.worker)?;
    let reason: String = req.reason.chars().take(1000).collect();
    tracing::warn!(block, worker, "remote worker gave a job back: {reason}");
    api.store.fail_job(block, worker, &reason, api.max_attempts).await?;
    api.workers.update(worker, |w| w.block = None);
    Ok(StatusCode::NO_CONTENT)
}
