//! The node at a glance (`GET /status`, `tern status`): the last block at each stage, the
//! queues, the prover jobs' leases and the workers.

use crate::error::NodeError;
use crate::node::NodeCore;
use crate::prover::unix_now;
use crate::worker_api::ProverApi;
use serde::{Deserialize, Serialize};
use tern_primitives::Address;
use tern_storage::{JobStatus, L1Stage, Storage};

/// The last block at each stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockProgress {
    /// Sealed by the node.
    pub sealed: u64,
    /// Committed on L1.
    pub committed: u64,
    /// Proven on L1.
    pub proven: u64,
    /// Executed on L1.
    pub executed: u64,
}

/// Queue lengths.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queues {
    /// Items in the mempool.
    pub mempool: u64,
    /// Priority requests not yet in a block.
    pub priority: u64,
    /// Prover jobs waiting for a worker.
    pub jobs_queued: u64,
    /// Prover jobs leased to a worker.
    pub jobs_leased: u64,
    /// Prover jobs given up on.
    pub jobs_failed: u64,
}

/// One leased job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseInfo {
    /// The block.
    pub block: u64,
    /// Who holds it.
    pub worker: String,
    /// Seconds until the lease ends without a heartbeat (negative: expired, free to take).
    pub expires_in: i64,
    /// Leases taken so far.
    pub attempts: u32,
}

/// One remote worker the node has heard from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerInfo {
    /// Its name.
    pub name: String,
    /// Seconds since its last request.
    pub last_seen_secs_ago: u64,
    /// The block it last leased, if it is still working on one.
    pub block: Option<u64>,
    /// Proofs it published.
    pub proofs: u64,
    /// Proofs refused.
    pub rejected: u64,
}

/// `GET /status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The last block at each stage.
    pub blocks: BlockProgress,
    /// Queue lengths.
    pub queues: Queues,
    /// Leased prover jobs.
    pub leases: Vec<LeaseInfo>,
    /// Remote workers heard from (in-process workers show in `leases` only).
    pub workers: Vec<WorkerInfo>,
    /// Whether the remote worker API is on.
    pub remote_provers: bool,
    /// The operator's L1 address, if the node knows it.
    pub operator: Option<Address>,
}

/// The status of the node behind `core`.
pub async fn status_report<S: Storage>(
    core: &NodeCore<S>,
    api: Option<&ProverApi<S>>,
    operator: Option<Address>,
) -> Result<StatusReport, NodeError> {
    let s = core.store();
    let blocks = BlockProgress {
        sealed: s.last_block_number().await?,
        committed: s.last_block_at(L1Stage::Committed).await?,
        proven: s.last_block_at(L1Stage::Proven).await?,
        executed: s.last_block_at(L1Stage::Executed).await?,
    };
    let mut queues = Queues {
        mempool: core.queue_len().await as u64,
        priority: s.pending_priority_ops().await?.len() as u64,
        ..Queues::default()
    };
    let now = unix_now();
    let mut leases = Vec::new();
    for job in s.open_jobs().await? {
        match job.status {
            JobStatus::Queued => queues.jobs_queued += 1,
            JobStatus::Failed(_) => queues.jobs_failed += 1,
            JobStatus::Proven => {}
            JobStatus::Leased { worker, deadline } => {
                queues.jobs_leased += 1;
                let expires_in = i64::try_from(deadline).unwrap_or(i64::MAX)
                    - i64::try_from(now).unwrap_or(i64::MAX);
                leases.push(LeaseInfo {
                    block: job.block,
                    worker,
                    expires_in,
                    attempts: job.attempts,
                });
            }
        }
    }
    let workers = api
        .map(|api| {
            api.workers()
                .snapshot()
                .into_iter()
                .map(|(name, w)| WorkerInfo {
                    name,
                    last_seen_secs_ago: now.saturating_sub(w.last_seen),
                    block: w.block,
                    proofs: w.proofs,
                    rejected: w.rejected,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(StatusReport { blocks, queues, leases, workers, remote_provers: api.is_some(), operator })
}
