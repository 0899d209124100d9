//! [`PriorityStore`]: `priority_ops`, one row per L1 request, its operation as columns.

use super::codec::{int, priority_cols, priority_from_row};
use super::{cols, db, SqlStore};
use crate::types::{PriorityStore, StorageError, StorageResult, StoredPriorityOp};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

pub(crate) const SELECT_PRIORITY: &str =
    "SELECT serial_id, kind, token, amount, address, account_id, nft_id, expiration, l1_block, \
     l1_tx, processed_in FROM priority_ops";

pub(crate) fn stored_from_row(row: &AnyRow) -> StorageResult<StoredPriorityOp> {
    let c = cols(row, "priority_ops");
    Ok(StoredPriorityOp {
        serial_id: c.u64("serial_id")?,
        op: priority_from_row(&c)?,
        expiration: c.u64("expiration")?,
        l1_block: c.u64("l1_block")?,
        l1_tx: c.b32("l1_tx")?,
        processed_in: c.opt_u64("processed_in")?,
    })
}

/// Stores a request seen by the watcher: a serial id already stored is ignored if the stored
/// request is the same (apart from `processed_in`), and a conflict otherwise.
pub(crate) async fn insert_priority_op(
    tx: &mut Transaction<'static, Any>,
    op: &StoredPriorityOp,
) -> StorageResult<()> {
    let serial = int(op.serial_id, "serial id")?;
    let existing = sqlx::query(&format!("{SELECT_PRIORITY} WHERE serial_id = $1"))
        .bind(serial)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db("apply_watched_range"))?;
    if let Some(row) = existing {
        let stored = stored_from_row(&row)?;
        let same = StoredPriorityOp { processed_in: stored.processed_in, ..op.clone() };
        if stored != same {
            return Err(StorageError::Conflict(format!(
                "priority request {} is stored as {stored:?}, not {op:?}",
                op.serial_id
            )));
        }
        return Ok(());
    }
    let c = priority_cols(&op.op);
    sqlx::query(
        "INSERT INTO priority_ops (serial_id, kind, token, amount, address, account_id, nft_id, \
         expiration, l1_block, l1_tx) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(serial)
    .bind(c.kind)
    .bind(c.token)
    .bind(c.amount)
    .bind(c.address)
    .bind(c.account_id)
    .bind(c.nft_id)
    .bind(int(op.expiration, "expiration")?)
    .bind(int(op.l1_block, "L1 block")?)
    .bind(op.l1_tx.to_vec())
    .execute(&mut **tx)
    .await
    .map_err(db("apply_watched_range"))?;
    Ok(())
}

impl PriorityStore for SqlStore {
    async fn pending_priority_ops(&self) -> StorageResult<Vec<StoredPriorityOp>> {
        let rows = sqlx::query(&format!(
            "{SELECT_PRIORITY} WHERE processed_in IS NULL ORDER BY serial_id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db("pending_priority_ops"))?;
        rows.iter().map(stored_from_row).collect()
    }

    async fn priority_op(&self, serial_id: u64) -> StorageResult<Option<StoredPriorityOp>> {
        let Ok(serial) = i64::try_from(serial_id) else { return Ok(None) };
        let row = sqlx::query(&format!("{SELECT_PRIORITY} WHERE serial_id = $1"))
            .bind(serial)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("priority_op"))?;
        row.as_ref().map(stored_from_row).transpose()
    }
}
