//! [`L1TxStore`]: `l1_ops` (one row per operation, with its status) and `l1_attempts` (every
//! signed transaction, saved before broadcast; fees as decimal TEXT).

use super::codec::{corrupt, int};
use super::mempool::next_counter;
use super::{cols, commit, db, db_unique, SqlStore};
use crate::types::{L1Attempt, L1Op, L1OpKind, L1OpStatus, L1TxStore, StorageError, StorageResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

const PENDING: i64 = 0;
const CONFIRMED: i64 = 1;
const FAILED: i64 = 2;

fn kind_code(kind: L1OpKind) -> i64 {
    match kind {
        L1OpKind::Commit => 0,
        L1OpKind::Prove => 1,
        L1OpKind::Execute => 2,
        L1OpKind::CommitProveExecute => 3,
    }
}

fn kind_of(code: i64) -> StorageResult<L1OpKind> {
    Ok(match code {
        0 => L1OpKind::Commit,
        1 => L1OpKind::Prove,
        2 => L1OpKind::Execute,
        3 => L1OpKind::CommitProveExecute,
        k => return Err(corrupt("l1_ops", format!("unknown kind {k}"))),
    })
}

fn op_from_row(row: &AnyRow) -> StorageResult<L1Op> {
    let c = cols(row, "l1_ops");
    let status = match c.i64("status")? {
        PENDING => L1OpStatus::Pending,
        CONFIRMED => {
            let (tx, block) = (c.opt_b32("confirmed_tx")?, c.opt_u64("confirmed_block")?);
            L1OpStatus::Confirmed {
                tx: c.need("confirmed_tx", tx)?,
                l1_block: c.need("confirmed_block", block)?,
            }
        }
        FAILED => L1OpStatus::Failed(c.opt_text("reason")?.unwrap_or_default()),
        s => return Err(corrupt("l1_ops", format!("unknown status {s}"))),
    };
    Ok(L1Op {
        id: c.u64("id")?,
        kind: kind_of(c.i64("kind")?)?,
        first_block: c.u64("first_block")?,
        last_block: c.u64("last_block")?,
        nonce: c.u64("nonce")?,
        status,
        attempts: Vec::new(),
    })
}

fn attempt_from_row(row: &AnyRow) -> StorageResult<L1Attempt> {
    let c = cols(row, "l1_attempts");
    Ok(L1Attempt {
        hash: c.b32("hash")?,
        raw: c.bytes("raw")?,
        max_fee: c.amount("max_fee")?,
        priority_fee: c.amount("priority_fee")?,
        signed_at_block: c.u64("signed_at_block")?,
        broadcast: c.flag("broadcast")?,
    })
}

async fn insert_attempt(
    tx: &mut Transaction<'static, Any>,
    op: i64,
    a: &L1Attempt,
    q: &'static str,
) -> StorageResult<()> {
    let seq = next_counter(tx, "l1_attempt_seq", q).await?;
    let hash = a.hash.iter().map(|b| format!("{b:02x}")).collect::<String>();
    sqlx::query(
        "INSERT INTO l1_attempts (hash, op_id, seq, raw, max_fee, priority_fee, \
         signed_at_block, broadcast) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.hash.to_vec())
    .bind(op)
    .bind(int(seq, "attempt seq")?)
    .bind(a.raw.clone())
    .bind(a.max_fee.to_string())
    .bind(a.priority_fee.to_string())
    .bind(int(a.signed_at_block, "L1 block")?)
    .bind(i64::from(a.broadcast))
    .execute(&mut **tx)
    .await
    .map_err(db_unique(q, || format!("L1 transaction 0x{hash} is already stored")))?;
    Ok(())
}

const SELECT_OP: &str = "SELECT id, kind, first_block, last_block, nonce, status, confirmed_tx, \
     confirmed_block, reason FROM l1_ops";

impl SqlStore {
    /// Loads operations with their attempts.
    async fn load_ops(&self, rows: Vec<AnyRow>, q: &'static str) -> StorageResult<Vec<L1Op>> {
        let mut ops = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut op = op_from_row(row)?;
            let attempts = sqlx::query(
                "SELECT hash, raw, max_fee, priority_fee, signed_at_block, broadcast \
                 FROM l1_attempts WHERE op_id = $1 ORDER BY seq",
            )
            .bind(int(op.id, "op id")?)
            .fetch_all(&self.pool)
            .await
            .map_err(db(q))?;
            op.attempts = attempts.iter().map(attempt_from_row).collect::<StorageResult<_>>()?;
            ops.push(op);
        }
        Ok(ops)
    }
}

impl L1TxStore for SqlStore {
    async fn insert_l1_op(
        &self,
        kind: L1OpKind,
        first_block: u64,
        last_block: u64,
        nonce: u64,
        attempt: &L1Attempt,
    ) -> StorageResult<u64> {
        let q = "insert_l1_op";
        let mut tx = self.begin(q).await?;
        let id = next_counter(&mut tx, "l1_op_id", q).await?;
        sqlx::query(
            "INSERT INTO l1_ops (id, kind, first_block, last_block, nonce, status) \
             VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(int(id, "op id")?)
        .bind(kind_code(kind))
        .bind(int(first_block, "block number")?)
        .bind(int(last_block, "block number")?)
        .bind(int(nonce, "nonce")?)
        .execute(&mut *tx)
        .await
        .map_err(db(q))?;
        insert_attempt(&mut tx, int(id, "op id")?, attempt, q).await?;
        commit(tx, q).await?;
        Ok(id)
    }

    async fn add_l1_attempt(&self, op: u64, attempt: &L1Attempt) -> StorageResult<()> {
        let q = "add_l1_attempt";
        let id = int(op, "op id")?;
        let mut tx = self.begin(q).await?;
        let row = sqlx::query("SELECT status FROM l1_ops WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db(q))?;
        let Some(row) = row else {
            return Err(StorageError::Conflict(format!("no L1 operation {op}")));
        };
        if cols(&row, "l1_ops").i64("status")? != PENDING {
            return Err(StorageError::Conflict(format!("L1 operation {op} is not pending")));
        }
        insert_attempt(&mut tx, id, attempt, q).await?;
        commit(tx, q).await
    }

    async fn mark_l1_broadcast(&self, hash: &[u8; 32]) -> StorageResult<()> {
        let done = sqlx::query("UPDATE l1_attempts SET broadcast = 1 WHERE hash = $1")
            .bind(hash.to_vec())
            .execute(&self.pool)
            .await
            .map_err(db("mark_l1_broadcast"))?;
        if done.rows_affected() != 1 {
            return Err(StorageError::Conflict("no such L1 attempt".to_string()));
        }
        Ok(())
    }

    async fn set_l1_op_status(&self, op: u64, status: &L1OpStatus) -> StorageResult<()> {
        let (code, tx, block, reason) = match status {
            L1OpStatus::Pending => (PENDING, None, None, None),
            L1OpStatus::Confirmed { tx, l1_block } => {
                (CONFIRMED, Some(tx.to_vec()), Some(int(*l1_block, "L1 block")?), None)
            }
            L1OpStatus::Failed(r) => (FAILED, None, None, Some(r.clone())),
        };
        let done = sqlx::query(
            "UPDATE l1_ops SET status = $1, confirmed_tx = $2, confirmed_block = $3, reason = $4 \
             WHERE id = $5",
        )
        .bind(code)
        .bind(tx)
        .bind(block)
        .bind(reason)
        .bind(int(op, "op id")?)
        .execute(&self.pool)
        .await
        .map_err(db("set_l1_op_status"))?;
        if done.rows_affected() != 1 {
            return Err(StorageError::Conflict(format!("no L1 operation {op}")));
        }
        Ok(())
    }

    async fn pending_l1_ops(&self) -> StorageResult<Vec<L1Op>> {
        let q = "pending_l1_ops";
        let rows = sqlx::query(&format!("{SELECT_OP} WHERE status = 0 ORDER BY id"))
            .fetch_all(&self.pool)
            .await
            .map_err(db(q))?;
        self.load_ops(rows, q).await
    }

    async fn recent_l1_ops(&self, limit: u32) -> StorageResult<Vec<L1Op>> {
        let q = "recent_l1_ops";
        let rows = sqlx::query(&format!("{SELECT_OP} ORDER BY id DESC LIMIT $1"))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db(q))?;
        self.load_ops(rows, q).await
    }

    async fn max_l1_nonce(&self) -> StorageResult<Option<u64>> {
        let row = sqlx::query("SELECT MAX(nonce) AS n FROM l1_ops")
            .fetch_one(&self.pool)
            .await
            .map_err(db("max_l1_nonce"))?;
        cols(&row, "l1_ops").opt_u64("n")
    }
}
