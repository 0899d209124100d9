//! Proving inside the node: a worker leases a block's job, builds the witness from the block,
//! the state before it and the block's transactions, proves on a blocking thread while it
//! sends heartbeats, checks the proof, and stores it.
//!
//! Workers reach jobs through [`JobSource`], so a remote worker (over HTTP) can use the same
//! loop; [`StoreJobs`] is the node's own, over its database. A lease that is not renewed
//! expires and the job returns to the queue; a proof stored twice keeps the first.

use crate::error::NodeError;
use crate::sender::proof_bytes;
use alloy_primitives::U256;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tern_circuit::block::BlockCircuit;
use tern_circuit::witness::{generate_witness, BlockWitness};
use tern_prover::Keys;
use tern_state::State;
use tern_storage::Storage;
use tern_types::{Block, SignedTx};

/// What proving one block needs: its witness, which the node builds from the block, the state
/// before it and its transactions, so that a worker never needs the state.
#[derive(Debug, Clone)]
pub struct ProofInput {
    /// The block's number.
    pub block: u64,
    /// The circuit's witness; its `public_input` is the block's commitment.
    pub witness: BlockWitness,
}

/// Builds the witness of a block from what the node stores (blocking: it replays the block on
/// a copy of the state).
pub fn build_input(
    block: &Block,
    pre_state: &State,
    txs: &[SignedTx],
) -> Result<ProofInput, NodeError> {
    let number = block.header.number;
    let witness = generate_witness(pre_state, block, txs)
        .map_err(|e| NodeError::Prover(format!("witness of block {number}: {e}")))?;
    Ok(ProofInput { block: number, witness })
}

/// Proves a block's witness (blocking; seconds to minutes). The node's in-process workers use
/// the keys themselves; a remote worker uses the staged prover (`crate::worker_http`).
pub trait BlockProver: Send + Sync + 'static {
    /// The proof of `input`, checked against its public input.
    fn prove(&self, input: &ProofInput) -> Result<[U256; 8], NodeError>;
}

impl BlockProver for Keys {
    fn prove(&self, input: &ProofInput) -> Result<[U256; 8], NodeError> {
        prove_block(self, input)
    }
}

/// Where a worker gets jobs and puts proofs.
pub trait JobSource: Send + Sync + 'static {
    /// Leases the next job for `lease_secs`; its block number.
    fn lease(
        &self,
        worker: &str,
        lease_secs: u64,
    ) -> impl Future<Output = Result<Option<u64>, NodeError>> + Send;
    /// What proving `block` needs.
    fn input(&self, block: u64) -> impl Future<Output = Result<ProofInput, NodeError>> + Send;
    /// Renews the lease; `false` if the worker lost it.
    fn heartbeat(
        &self,
        block: u64,
        worker: &str,
        lease_secs: u64,
    ) -> impl Future<Output = Result<bool, NodeError>> + Send;
    /// Stores the proof; `false` if the block was already proven.
    fn complete(
        &self,
        block: u64,
        worker: &str,
        proof: &[U256; 8],
    ) -> impl Future<Output = Result<bool, NodeError>> + Send;
    /// Gives the job back with the reason.
    fn fail(
        &self,
        block: u64,
        worker: &str,
        reason: &str,
    ) -> impl Future<Output = Result<(), NodeError>> + Send;
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The node's jobs, in its database.
#[derive(Debug, Clone)]
pub struct StoreJobs<S> {
    store: S,
    max_attempts: u32,
}

impl<S> StoreJobs<S> {
    /// Jobs in `store`; a job that fails `max_attempts` times is failed for good.
    pub fn new(store: S, max_attempts: u32) -> Self {
        Self { store, max_attempts }
    }
}

/// The state before block `number`, rebuilt from storage and checked against the block.
pub async fn pre_state<S: Storage>(store: &S, block: &Block) -> Result<State, NodeError> {
    let number = block.header.number;
    let snapshot = store.state_at(Some(number - 1)).await?;
    let mut state =
        State::from_parts(snapshot.accounts, snapshot.nfts, snapshot.next_nft_id, snapshot.tokens)
            .map_err(|e| NodeError::Corrupt(format!("state before block {number}: {e}")))?;
    if state.root() != block.header.old_root {
        return Err(NodeError::Corrupt(format!(
            "the stored state before block {number} does not have the block's old root"
        )));
    }
    Ok(state)
}

impl<S: Storage> JobSource for StoreJobs<S> {
    async fn lease(&self, worker: &str, lease_secs: u64) -> Result<Option<u64>, NodeError> {
        let job = self.store.lease_job(worker, unix_now(), lease_secs).await?;
        Ok(job.map(|j| j.block))
    }

    async fn input(&self, number: u64) -> Result<ProofInput, NodeError> {
        let Some(stored) = self.store.block(number).await? else {
            return Err(NodeError::Corrupt(format!("job for block {number}, which is not stored")));
        };
        let block = stored.block;
        let pre_state = pre_state(&self.store, &block).await?;
        let txs = self
            .store
            .block_txs(number)
            .await?
            .iter()
            .map(|bytes| SignedTx::decode(bytes))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| NodeError::Corrupt(format!("a transaction of block {number}: {e}")))?;
        tokio::task::spawn_blocking(move || build_input(&block, &pre_state, &txs))
            .await
            .map_err(|e| NodeError::Prover(format!("the witness thread failed: {e}")))?
    }

    async fn heartbeat(
        &self,
        block: u64,
        worker: &str,
        lease_secs: u64,
    ) -> Result<bool, NodeError> {
        Ok(self.store.heartbeat_job(block, worker, unix_now(), lease_secs).await?)
    }

    async fn complete(
        &self,
        block: u64,
        worker: &str,
        proof: &[U256; 8],
    ) -> Result<bool, NodeError> {
        Ok(self.store.complete_job(block, worker, &proof_bytes(proof)).await?)
    }

    async fn fail(&self, block: u64, worker: &str, reason: &str) -> Result<(), NodeError> {
        Ok(self.store.fail_job(block, worker, reason, self.max_attempts).await?)
    }
}

/// Proves one block with stock Groth16 and checks the proof (blocking; seconds to minutes).
pub fn prove_block(keys: &Keys, input: &ProofInput) -> Result<[U256; 8], NodeError> {
    let number = input.block;
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| NodeError::Prover(format!("OS random source: {e}")))?;
    let mut rng = ChaCha20Rng::from_seed(seed);
    let circuit = BlockCircuit::with_witness(input.witness.clone());
    let proof = tern_prover::prove(keys, circuit, &mut rng)
        .map_err(|e| NodeError::Prover(format!("block {number}: {e}")))?;
    check_proof(&keys.vk, input, &proof)
}

/// Checks `proof` against the witness's public input; the proof as the verifier takes it.
pub fn check_proof(
    vk: &ark_groth16::VerifyingKey<ark_bn254::Bn254>,
    input: &ProofInput,
    proof: &ark_groth16::Proof<ark_bn254::Bn254>,
) -> Result<[U256; 8], NodeError> {
    let number = input.block;
    let public_input = input.witness.public_input.ok_or_else(|| {
        NodeError::Prover(format!("the witness of block {number} has no public input"))
    })?;
    match tern_prover::verify(vk, public_input, proof) {
        Ok(true) => Ok(tern_contracts::verifier::encode_proof(proof)),
        Ok(false) => Err(NodeError::Prover(format!("the proof of block {number} does not verify"))),
        Err(e) => Err(NodeError::Prover(format!("verifying block {number}: {e}"))),
    }
}

/// How a worker leases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Lease length.
    pub lease_secs: u64,
    /// Heartbeat period (well under the lease).
    pub heartbeat: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self { lease_secs: 60, heartbeat: Duration::from_secs(10) }
    }
}

/// Leases one job and proves it; `false` if there was none.
pub async fn work_once<J: JobSource, P: BlockProver>(
    jobs: &J,
    worker: &str,
    prover: &Arc<P>,
    config: WorkerConfig,
) -> Result<bool, NodeError> {
    let Some(number) = jobs.lease(worker, config.lease_secs).await? else {
        return Ok(false);
    };
    tracing::info!(block = number, worker, "proving");
    let input = match jobs.input(number).await {
        Ok(input) => input,
        Err(e) => {
            jobs.fail(number, worker, &e.to_string()).await?;
            return Err(e);
        }
    };
    let prover = Arc::clone(prover);
    let started = std::time::Instant::now();
    let mut task = tokio::task::spawn_blocking(move || prover.prove(&input));
    let mut beat = tokio::time::interval(config.heartbeat);
    beat.tick().await;
    let result = loop {
        tokio::select! {
            done = &mut task => break done,
            _ = beat.tick() => {
                // A missed heartbeat is not fatal: the proof may still land before the lease
                // ends, and a late proof is harmless.
                match jobs.heartbeat(number, worker, config.lease_secs).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(block = number, worker, "lost the lease while proving")
                    }
                    Err(e) => tracing::warn!(block = number, worker, "heartbeat failed: {e}"),
                }
            }
        }
    };
    match result {
        Ok(Ok(proof)) => {
            let first = jobs.complete(number, worker, &proof).await?;
            let seconds = started.elapsed().as_secs_f64();
            tracing::info!(block = number, worker, seconds, first, "block proven");
            Ok(true)
        }
        Ok(Err(e)) => {
            tracing::error!(block = number, worker, "proving failed: {e}");
            jobs.fail(number, worker, &e.to_string()).await?;
            Ok(true)
        }
        Err(join) => {
            let reason = format!("the prover thread failed: {join}");
            jobs.fail(number, worker, &reason).await?;
            Err(NodeError::Prover(reason))
        }
    }
}
