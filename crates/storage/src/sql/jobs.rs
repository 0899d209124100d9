//! [`ProverJobStore`]: `prover_jobs`, one row per block. A lease is claimed by one `UPDATE …
//! WHERE block = (SELECT … LIMIT 1) RETURNING …`; on PostgreSQL the sub-select also takes
//! `FOR UPDATE SKIP LOCKED`, so concurrent claims pick different rows. Every later write of a
//! job names its holder (`worker`) in its `WHERE`: a worker whose lease was taken over changes
//! nothing.

use super::codec::{corrupt, int};
use super::{cols, db, Backend, SqlStore};
use crate::types::{JobStatus, ProverJob, ProverJobStore, StorageError, StorageResult};
use sqlx::any::AnyRow;

const QUEUED: i64 = 0;
const LEASED: i64 = 1;
const PROVEN: i64 = 2;
const FAILED: i64 = 3;

const CLAIM: &str = "UPDATE prover_jobs SET status = 1, worker = $1, deadline = $3, \
     attempts = attempts + 1 WHERE (status = 0 OR (status = 1 AND deadline < $2)) AND block = \
     (SELECT block FROM prover_jobs WHERE status = 0 OR (status = 1 AND deadline < $2) \
     ORDER BY block LIMIT 1";
const RETURNING: &str = "RETURNING block, status, worker, deadline, attempts, reason";

fn job_from_row(row: &AnyRow) -> StorageResult<ProverJob> {
    let c = cols(row, "prover_jobs");
    let status = match c.i64("status")? {
        QUEUED => JobStatus::Queued,
        LEASED => {
            let (worker, deadline) = (c.opt_text("worker")?, c.opt_u64("deadline")?);
            JobStatus::Leased {
                worker: c.need("worker", worker)?,
                deadline: c.need("deadline", deadline)?,
            }
        }
        PROVEN => JobStatus::Proven,
        FAILED => JobStatus::Failed(c.opt_text("reason")?.unwrap_or_default()),
        s => return Err(corrupt("prover_jobs", format!("unknown status {s}"))),
    };
    Ok(ProverJob { block: c.u64("block")?, status, attempts: c.u32("attempts")? })
}

const SELECT_JOB: &str =
    "SELECT block, status, worker, deadline, attempts, reason FROM prover_jobs";

impl ProverJobStore for SqlStore {
    async fn lease_job(
        &self,
        worker: &str,
        now: u64,
        lease_secs: u64,
    ) -> StorageResult<Option<ProverJob>> {
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let deadline = now.saturating_add(lease_secs);
        let row = sqlx::query(&format!("{CLAIM}{lock}) {RETURNING}"))
            .bind(worker.to_string())
            .bind(int(now, "now")?)
            .bind(int(deadline, "lease deadline")?)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("lease_job"))?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn heartbeat_job(
        &self,
        block: u64,
        worker: &str,
        now: u64,
        lease_secs: u64,
    ) -> StorageResult<bool> {
        let done = sqlx::query(
            "UPDATE prover_jobs SET deadline = $1 WHERE block = $2 AND status = 1 AND worker = $3",
        )
        .bind(int(now.saturating_add(lease_secs), "lease deadline")?)
        .bind(int(block, "block number")?)
        .bind(worker.to_string())
        .execute(&self.pool)
        .await
        .map_err(db("heartbeat_job"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn complete_job(&self, block: u64, worker: &str, proof: &[u8]) -> StorageResult<bool> {
        let b = int(block, "block number")?;
        let done = sqlx::query(
            "UPDATE prover_jobs SET status = 2, proof = $1, deadline = NULL \
             WHERE block = $2 AND status = 1 AND worker = $3",
        )
        .bind(proof.to_vec())
        .bind(b)
        .bind(worker.to_string())
        .execute(&self.pool)
        .await
        .map_err(db("complete_job"))?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        match self.job(block).await? {
            Some(ProverJob { status: JobStatus::Proven, .. }) => Ok(false),
            Some(job) => Err(StorageError::Conflict(format!(
                "{worker} does not hold block {block}'s job ({:?})",
                job.status
            ))),
            None => Err(StorageError::Conflict(format!("block {block} has no prover job"))),
        }
    }

    async fn fail_job(
        &self,
        block: u64,
        worker: &str,
        reason: &str,
        max_attempts: u32,
    ) -> StorageResult<()> {
        let done = sqlx::query(
            "UPDATE prover_jobs SET status = CASE WHEN attempts >= $1 THEN 3 ELSE 0 END, \
             worker = NULL, deadline = NULL, reason = $2 \
             WHERE block = $3 AND status = 1 AND worker = $4",
        )
        .bind(i64::from(max_attempts))
        .bind(reason.to_string())
        .bind(int(block, "block number")?)
        .bind(worker.to_string())
        .execute(&self.pool)
        .await
        .map_err(db("fail_job"))?;
        if done.rows_affected() != 1 {
            return Err(StorageError::Conflict(format!(
                "{worker} does not hold block {block}'s job"
            )));
        }
        Ok(())
    }

    async fn job(&self, block: u64) -> StorageResult<Option<ProverJob>> {
        let Ok(b) = i64::try_from(block) else { return Ok(None) };
        let row = sqlx::query(&format!("{SELECT_JOB} WHERE block = $1"))
            .bind(b)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("job"))?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn proof(&self, block: u64) -> StorageResult<Option<Vec<u8>>> {
        let Ok(b) = i64::try_from(block) else { return Ok(None) };
        let row = sqlx::query("SELECT proof FROM prover_jobs WHERE block = $1 AND status = 2")
            .bind(b)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("proof"))?;
        match row {
            None => Ok(None),
            Some(row) => {
                let c = cols(&row, "prover_jobs");
                let proof = c.opt_bytes("proof")?;
                c.need("proof", proof).map(Some)
            }
        }
    }

    async fn open_jobs(&self) -> StorageResult<Vec<ProverJob>> {
        let rows = sqlx::query(&format!("{SELECT_JOB} WHERE status <> 2 ORDER BY block"))
            .fetch_all(&self.pool)
            .await
            .map_err(db("open_jobs"))?;
        rows.iter().map(job_from_row).collect()
    }
}
