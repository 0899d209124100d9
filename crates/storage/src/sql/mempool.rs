//! [`MempoolStore`]: `mempool_items` (one row per item) and `txs` (one row per transaction,
//! with its receipt).

use super::codec::{corrupt, int};
use super::{cols, commit, db, db_unique, SqlStore};
use crate::types::{
    FailedItem, MempoolItem, MempoolStore, StorageError, StorageResult, TxReceipt, TxStatus,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use tern_types::{AccountId, SignedTx};

/// `txs.status` codes.
pub(crate) const TX_QUEUED: i64 = 0;
pub(crate) const TX_INCLUDED: i64 = 1;
pub(crate) const TX_FAILED: i64 = 2;

fn receipt_from_row(row: &AnyRow) -> StorageResult<TxReceipt> {
    let c = cols(row, "txs");
    let status = match c.i64("status")? {
        TX_QUEUED => TxStatus::Queued,
        TX_INCLUDED => {
            let (block, index) = (c.opt_u64("block")?, c.opt_i64("op_index")?);
            let index = c.need("op_index", index)?;
            TxStatus::Included {
                block: c.need("block", block)?,
                index: u32::try_from(index)
                    .map_err(|_| corrupt("txs", format!("op_index {index} is not a u32")))?,
            }
        }
        TX_FAILED => {
            let (block, reason) = (c.opt_u64("block")?, c.opt_text("reason")?);
            TxStatus::Failed { block: c.need("block", block)?, reason: c.need("reason", reason)? }
        }
        s => return Err(corrupt("txs", format!("unknown status {s}"))),
    };
    Ok(TxReceipt {
        hash: c.b32("hash")?,
        tx: c.bytes("tx")?,
        status,
        received_at: c.u64("received_at")?,
    })
}

const SELECT_RECEIPT: &str =
    "SELECT hash, tx, status, block, op_index, reason, received_at FROM txs";

/// Takes the next value of counter `name` inside `tx`.
pub(crate) async fn next_counter(
    tx: &mut Transaction<'static, Any>,
    name: &str,
    query: &'static str,
) -> StorageResult<u64> {
    let row = sqlx::query("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
        .bind(name)
        .fetch_one(&mut **tx)
        .await
        .map_err(db(query))?;
    cols(&row, "counters").u64("value")
}

/// The signer of each wire-encoded transaction.
fn signers(txs: &[Vec<u8>]) -> StorageResult<Vec<i64>> {
    txs.iter()
        .enumerate()
        .map(|(i, bytes)| {
            SignedTx::decode(bytes)
                .map(|t| i64::from(t.account_id().0))
                .map_err(|e| corrupt("txs", format!("transaction {i} does not decode: {e}")))
        })
        .collect()
}

impl MempoolStore for SqlStore {
    async fn insert_mempool_item(
        &self,
        txs: &[Vec<u8>],
        hashes: &[[u8; 32]],
        batch: bool,
        received_at: u64,
    ) -> StorageResult<u64> {
        if txs.is_empty() || txs.len() != hashes.len() {
            return Err(StorageError::Conflict(format!(
                "a mempool item needs one hash per transaction ({} transactions, {} hashes)",
                txs.len(),
                hashes.len()
            )));
        }
        let signers = signers(txs)?;
        let received = int(received_at, "received_at")?;
        let mut tx = self.begin("insert_mempool_item").await?;
        let seq = next_counter(&mut tx, "mempool_seq", "insert_mempool_item").await?;
        sqlx::query(
            "INSERT INTO mempool_items (seq, batch, received_at, queued) VALUES ($1, $2, $3, 1)",
        )
        .bind(int(seq, "seq")?)
        .bind(i64::from(batch))
        .bind(received)
        .execute(&mut *tx)
        .await
        .map_err(db("insert_mempool_item"))?;
        for (pos, ((bytes, hash), signer)) in txs.iter().zip(hashes).zip(signers).enumerate() {
            insert_tx(&mut tx, seq, pos, bytes, hash, signer, received).await?;
        }
        commit(tx, "insert_mempool_item").await?;
        Ok(seq)
    }

    async fn queued_items(&self) -> StorageResult<Vec<MempoolItem>> {
        let rows = sqlx::query(
            "SELECT m.seq, m.batch, m.received_at, t.tx, t.hash FROM mempool_items m \
             JOIN txs t ON t.item_seq = m.seq WHERE m.queued = 1 ORDER BY m.seq, t.pos",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db("queued_items"))?;
        let mut items: Vec<MempoolItem> = Vec::new();
        for row in &rows {
            let c = cols(row, "mempool_items");
            let seq = c.u64("seq")?;
            if items.last().map(|i| i.seq) != Some(seq) {
                items.push(MempoolItem {
                    seq,
                    txs: Vec::new(),
                    hashes: Vec::new(),
                    batch: c.flag("batch")?,
                    received_at: c.u64("received_at")?,
                });
            }
            if let Some(item) = items.last_mut() {
                item.txs.push(c.bytes("tx")?);
                item.hashes.push(c.b32("hash")?);
            }
        }
        Ok(items)
    }

    async fn tx_receipt(&self, hash: &[u8; 32]) -> StorageResult<Option<TxReceipt>> {
        let row = sqlx::query(&format!("{SELECT_RECEIPT} WHERE hash = $1"))
            .bind(hash.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(db("tx_receipt"))?;
        row.as_ref().map(receipt_from_row).transpose()
    }

    async fn fail_mempool_items(&self, block: u64, items: &[FailedItem]) -> StorageResult<()> {
        const Q: &str = "fail_mempool_items";
        let number = int(block, "block number")?;
        let mut tx = self.begin(Q).await?;
        for item in items {
            for (hash, reason) in &item.txs {
                let done = sqlx::query(
                    "UPDATE txs SET status = $1, block = $2, reason = $3 \
                     WHERE hash = $4 AND status = $5 AND item_seq = $6",
                )
                .bind(TX_FAILED)
                .bind(number)
                .bind(reason.clone())
                .bind(hash.to_vec())
                .bind(TX_QUEUED)
                .bind(int(item.seq, "seq")?)
                .execute(&mut *tx)
                .await
                .map_err(db(Q))?;
                if done.rows_affected() != 1 {
                    return Err(StorageError::Conflict(format!(
                        "transaction {} of item {} is not queued",
                        hex32(hash),
                        item.seq
                    )));
                }
            }
            let done =
                sqlx::query("UPDATE mempool_items SET queued = 0 WHERE seq = $1 AND queued = 1")
                    .bind(int(item.seq, "seq")?)
                    .execute(&mut *tx)
                    .await
                    .map_err(db(Q))?;
            if done.rows_affected() != 1 {
                return Err(StorageError::Conflict(format!(
                    "mempool item {} is not queued",
                    item.seq
                )));
            }
        }
        commit(tx, Q).await
    }

    async fn block_txs(&self, number: u64) -> StorageResult<Vec<Vec<u8>>> {
        let rows =
            sqlx::query("SELECT tx FROM txs WHERE block = $1 AND status = $2 ORDER BY op_index")
                .bind(int(number, "block number")?)
                .bind(TX_INCLUDED)
                .fetch_all(&self.pool)
                .await
                .map_err(db("block_txs"))?;
        rows.iter().map(|row| cols(row, "txs").bytes("tx")).collect()
    }

    async fn account_txs(&self, account: AccountId, limit: u32) -> StorageResult<Vec<TxReceipt>> {
        let rows = sqlx::query(&format!(
            "{SELECT_RECEIPT} WHERE account_id = $1 ORDER BY item_seq DESC, pos DESC LIMIT $2"
        ))
        .bind(i64::from(account.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db("account_txs"))?;
        rows.iter().map(receipt_from_row).collect()
    }

    async fn account_tx_page(
        &self,
        account: AccountId,
        from: Option<[u8; 32]>,
        limit: u32,
        newer: bool,
    ) -> StorageResult<Option<Vec<TxReceipt>>> {
        const Q: &str = "account_tx_page";
        let id = i64::from(account.0);
        // The page is keyed by arrival order, (item_seq, pos), so it is stable while new
        // transactions arrive.
        let anchor = match from {
            Some(hash) => {
                sqlx::query("SELECT item_seq, pos FROM txs WHERE hash = $1 AND account_id = $2")
                    .bind(hash.to_vec())
                    .bind(id)
            }
            None => sqlx::query(
                "SELECT item_seq, pos FROM txs WHERE account_id = $1 \
                 ORDER BY item_seq DESC, pos DESC LIMIT 1",
            )
            .bind(id),
        };
        let Some(row) = anchor.fetch_optional(&self.pool).await.map_err(db(Q))? else {
            return Ok(from.is_none().then(Vec::new));
        };
        let c = cols(&row, "txs");
        let (seq, pos) = (c.i64("item_seq")?, c.i64("pos")?);
        let page = if newer {
            "(item_seq > $2 OR (item_seq = $2 AND pos >= $3)) ORDER BY item_seq, pos"
        } else {
            "(item_seq < $2 OR (item_seq = $2 AND pos <= $3)) ORDER BY item_seq DESC, pos DESC"
        };
        let rows =
            sqlx::query(&format!("{SELECT_RECEIPT} WHERE account_id = $1 AND {page} LIMIT $4"))
                .bind(id)
                .bind(seq)
                .bind(pos)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db(Q))?;
        rows.iter().map(receipt_from_row).collect::<StorageResult<_>>().map(Some)
    }

    async fn account_tx_count(&self, account: AccountId) -> StorageResult<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM txs WHERE account_id = $1")
            .bind(i64::from(account.0))
            .fetch_one(&self.pool)
            .await
            .map_err(db("account_tx_count"))?;
        cols(&row, "txs").u64("n")
    }

    async fn block_receipts(&self, number: u64) -> StorageResult<Vec<TxReceipt>> {
        let rows = sqlx::query(&format!(
            "{SELECT_RECEIPT} WHERE block = $1 AND status IN ($2, $3) \
             ORDER BY status, op_index, item_seq, pos"
        ))
        .bind(int(number, "block number")?)
        .bind(TX_INCLUDED)
        .bind(TX_FAILED)
        .fetch_all(&self.pool)
        .await
        .map_err(db("block_receipts"))?;
        rows.iter().map(receipt_from_row).collect()
    }

    async fn included_tx_count(&self) -> StorageResult<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM txs WHERE status = $1")
            .bind(TX_INCLUDED)
            .fetch_one(&self.pool)
            .await
            .map_err(db("included_tx_count"))?;
        cols(&row, "txs").u64("n")
    }
}

fn hex32(hash: &[u8; 32]) -> String {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("0x{hex}")
}

async fn insert_tx(
    tx: &mut Transaction<'static, Any>,
    seq: u64,
    pos: usize,
    bytes: &[u8],
    hash: &[u8; 32],
    signer: i64,
    received: i64,
) -> StorageResult<()> {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query(
        "INSERT INTO txs (hash, item_seq, pos, tx, account_id, received_at, status) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(hash.to_vec())
    .bind(int(seq, "seq")?)
    .bind(pos as i64)
    .bind(bytes.to_vec())
    .bind(signer)
    .bind(received)
    .execute(&mut **tx)
    .await
    .map_err(db_unique("insert_mempool_item", || {
        format!("transaction 0x{hex} is already known")
    }))?;
    Ok(())
}
