//! [`BlockStore`]: `blocks` (header columns, pubdata, ChangePubKey authorisations, L1 stage)
//! and the one-transaction write of a sealed block.

use super::codec::{corrupt, decode_auths, encode_auths, fr_bytes, int};
use super::mempool::{TX_FAILED, TX_INCLUDED, TX_QUEUED};
use super::state::write_diff;
use super::{cols, commit, db, SqlStore};
use crate::types::{BlockStore, L1Stage, SealedBlock, StorageError, StorageResult, StoredBlock};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use tern_types::block::decode_pubdata;
use tern_types::{AccountId, Block, BlockHeader, Op};

type Tx = Transaction<'static, Any>;
const Q: &str = "write_sealed_block";

fn stage_code(stage: L1Stage) -> i64 {
    match stage {
        L1Stage::Sealed => 0,
        L1Stage::Committed => 1,
        L1Stage::Proven => 2,
        L1Stage::Executed => 3,
    }
}

fn stage_of(code: i64) -> StorageResult<L1Stage> {
    Ok(match code {
        0 => L1Stage::Sealed,
        1 => L1Stage::Committed,
        2 => L1Stage::Proven,
        3 => L1Stage::Executed,
        c => return Err(corrupt("blocks", format!("unknown L1 stage {c}"))),
    })
}

/// Decodes a `blocks` row (without its priority requests).
fn block_from_row(row: &AnyRow) -> StorageResult<(Block, L1Stage, Vec<[u8; 32]>, u64)> {
    let c = cols(row, "blocks");
    let header = BlockHeader {
        number: c.u64("number")?,
        fee_account: AccountId(c.u32("fee_account")?),
        timestamp: c.u64("block_timestamp")?,
        old_root: c.fr("old_root")?,
        new_root: c.fr("new_root")?,
    };
    let capacity = usize::try_from(c.u64("capacity")?)
        .map_err(|_| corrupt("blocks", "capacity exceeds usize"))?;
    let op_count = c.u64("op_count")?;
    let mut ops = decode_pubdata(&c.bytes("pubdata")?)
        .map_err(|e| corrupt("blocks", format!("pubdata of block {}: {e}", header.number)))?;
    // Decoding drops trailing Noop chunks; a block whose last operations were Noops gets them
    // back from the stored count.
    if ops.len() as u64 > op_count {
        return Err(corrupt("blocks", format!("{} operations, expected {op_count}", ops.len())));
    }
    ops.resize(op_count as usize, Op::Noop);
    let change_pubkey_auth = decode_auths("blocks", &c.bytes("cpk_auth")?)?;
    let stage = stage_of(c.i64("stage")?)?;
    let l1_txs = ["commit_tx", "prove_tx", "execute_tx"]
        .into_iter()
        .map(|col| c.opt_b32(col))
        .collect::<StorageResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let block = Block { header, ops, capacity, change_pubkey_auth };
    Ok((block, stage, l1_txs, c.u64("sealed_at")?))
}

/// The last block's number and new root.
async fn last_block(tx: &mut Tx) -> StorageResult<Option<(u64, Vec<u8>)>> {
    let row = sqlx::query("SELECT number, new_root FROM blocks ORDER BY number DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await
        .map_err(db(Q))?;
    row.map(|row| {
        let c = cols(&row, "blocks");
        Ok((c.u64("number")?, c.bytes("new_root")?))
    })
    .transpose()
}

/// Refuses a block that does not extend the stored chain.
async fn check_sequence(tx: &mut Tx, header: &BlockHeader) -> StorageResult<()> {
    match last_block(tx).await? {
        None if header.number == 1 => Ok(()),
        None => Err(StorageError::Conflict(format!(
            "block {} is not block 1 of an empty chain",
            header.number
        ))),
        Some((last, _)) if header.number != last + 1 => Err(StorageError::Conflict(format!(
            "block {} does not follow the last stored block {last}",
            header.number
        ))),
        Some((last, root)) if root != fr_bytes(&header.old_root) => Err(StorageError::Conflict(
            format!("block {}'s old root is not block {last}'s new root", header.number),
        )),
        Some(_) => Ok(()),
    }
}

async fn insert_block(tx: &mut Tx, s: &SealedBlock) -> StorageResult<()> {
    let b = &s.block;
    let pubdata = b.pubdata().map_err(|e| {
        StorageError::Conflict(format!("block {} cannot be encoded: {e}", b.header.number))
    })?;
    sqlx::query(
        "INSERT INTO blocks (number, fee_account, block_timestamp, old_root, new_root, capacity, \
         op_count, pubdata, cpk_auth, next_nft_id, sealed_at, stage) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0)",
    )
    .bind(int(b.header.number, "block number")?)
    .bind(i64::from(b.header.fee_account.0))
    .bind(int(b.header.timestamp, "timestamp")?)
    .bind(fr_bytes(&b.header.old_root))
    .bind(fr_bytes(&b.header.new_root))
    .bind(int(b.capacity as u64, "capacity")?)
    .bind(int(b.ops.len() as u64, "operation count")?)
    .bind(pubdata)
    .bind(encode_auths(&b.change_pubkey_auth))
    .bind(i64::from(s.diff.next_nft_id))
    .bind(int(s.sealed_at, "sealed_at")?)
    .execute(&mut **tx)
    .await
    .map_err(db(Q))?;
    Ok(())
}

/// Runs `sql` (which must touch exactly one row) or refuses with `what`.
async fn update_one<'q>(
    tx: &mut Tx,
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    what: impl FnOnce() -> String,
) -> StorageResult<()> {
    let done = q.execute(&mut **tx).await.map_err(db(Q))?;
    if done.rows_affected() != 1 {
        return Err(StorageError::Conflict(what()));
    }
    Ok(())
}

fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Receipts, consumed mempool items and processed priority requests.
async fn mark_consumed(tx: &mut Tx, s: &SealedBlock, number: i64) -> StorageResult<()> {
    for serial in &s.priority_ops {
        let q = sqlx::query(
            "UPDATE priority_ops SET processed_in = $1 WHERE serial_id = $2 AND processed_in IS NULL",
        )
        .bind(number)
        .bind(int(*serial, "serial id")?);
        update_one(tx, q, || {
            format!("priority request {serial} is not stored or already processed")
        })
        .await?;
    }
    for (hash, index) in &s.included {
        let q = sqlx::query(
            "UPDATE txs SET status = $1, block = $2, op_index = $3 WHERE hash = $4 AND status = $5",
        )
        .bind(TX_INCLUDED)
        .bind(number)
        .bind(i64::from(*index))
        .bind(hash.to_vec())
        .bind(TX_QUEUED);
        update_one(tx, q, || format!("included transaction 0x{} is not queued", hex(hash))).await?;
    }
    for (hash, reason) in &s.failed {
        let q = sqlx::query(
            "UPDATE txs SET status = $1, block = $2, reason = $3 WHERE hash = $4 AND status = $5",
        )
        .bind(TX_FAILED)
        .bind(number)
        .bind(reason.clone())
        .bind(hash.to_vec())
        .bind(TX_QUEUED);
        update_one(tx, q, || format!("failed transaction 0x{} is not queued", hex(hash))).await?;
    }
    for seq in &s.consumed_items {
        let q = sqlx::query("UPDATE mempool_items SET queued = 0 WHERE seq = $1 AND queued = 1")
            .bind(int(*seq, "seq")?);
        update_one(tx, q, || format!("mempool item {seq} is not queued")).await?;
    }
    Ok(())
}

impl BlockStore for SqlStore {
    async fn write_sealed_block(&self, sealed: &SealedBlock) -> StorageResult<()> {
        let number = int(sealed.block.header.number, "block number")?;
        let mut tx = self.begin(Q).await?;
        check_sequence(&mut tx, &sealed.block.header).await?;
        insert_block(&mut tx, sealed).await?;
        mark_consumed(&mut tx, sealed, number).await?;
        write_diff(&mut tx, number, &sealed.diff).await?;
        sqlx::query("INSERT INTO prover_jobs (block, status, attempts) VALUES ($1, 0, 0)")
            .bind(number)
            .execute(&mut *tx)
            .await
            .map_err(db(Q))?;
        commit(tx, Q).await
    }

    async fn write_restored_block(
        &self,
        sealed: &SealedBlock,
        l1_txs: [[u8; 32]; 3],
    ) -> StorageResult<()> {
        let q = "write_restored_block";
        if !sealed.consumed_items.is_empty() || !sealed.included.is_empty() {
            return Err(StorageError::Conflict("a restored block has no mempool items".into()));
        }
        let number = int(sealed.block.header.number, "block number")?;
        let mut tx = self.begin(q).await?;
        check_sequence(&mut tx, &sealed.block.header).await?;
        insert_block(&mut tx, sealed).await?;
        mark_consumed(&mut tx, sealed, number).await?;
        write_diff(&mut tx, number, &sealed.diff).await?;
        sqlx::query("INSERT INTO prover_jobs (block, status, attempts) VALUES ($1, 2, 0)")
            .bind(number)
            .execute(&mut *tx)
            .await
            .map_err(db(q))?;
        let [commit_tx, prove_tx, execute_tx] = l1_txs.map(|h| h.to_vec());
        sqlx::query(
            "UPDATE blocks SET stage = 3, commit_tx = $1, prove_tx = $2, execute_tx = $3 \
             WHERE number = $4",
        )
        .bind(commit_tx)
        .bind(prove_tx)
        .bind(execute_tx)
        .bind(number)
        .execute(&mut *tx)
        .await
        .map_err(db(q))?;
        commit(tx, q).await
    }

    async fn last_block_number(&self) -> StorageResult<u64> {
        let row = sqlx::query("SELECT COALESCE(MAX(number), 0) AS n FROM blocks")
            .fetch_one(&self.pool)
            .await
            .map_err(db("last_block_number"))?;
        cols(&row, "blocks").u64("n")
    }

    async fn block(&self, number: u64) -> StorageResult<Option<StoredBlock>> {
        let Ok(n) = i64::try_from(number) else { return Ok(None) };
        let row = sqlx::query(
            "SELECT number, fee_account, block_timestamp, old_root, new_root, capacity, op_count, \
             pubdata, cpk_auth, sealed_at, stage, commit_tx, prove_tx, execute_tx \
             FROM blocks WHERE number = $1",
        )
        .bind(n)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("block"))?;
        let Some(row) = row else { return Ok(None) };
        let (block, stage, l1_txs, sealed_at) = block_from_row(&row)?;
        let rows = sqlx::query(
            "SELECT serial_id FROM priority_ops WHERE processed_in = $1 ORDER BY serial_id",
        )
        .bind(n)
        .fetch_all(&self.pool)
        .await
        .map_err(db("block"))?;
        let priority_ops = rows
            .iter()
            .map(|r| cols(r, "priority_ops").u64("serial_id"))
            .collect::<StorageResult<_>>()?;
        Ok(Some(StoredBlock { block, priority_ops, stage, l1_txs, sealed_at }))
    }

    async fn last_block_at(&self, stage: L1Stage) -> StorageResult<u64> {
        let row = sqlx::query("SELECT COALESCE(MAX(number), 0) AS n FROM blocks WHERE stage >= $1")
            .bind(stage_code(stage))
            .fetch_one(&self.pool)
            .await
            .map_err(db("last_block_at"))?;
        cols(&row, "blocks").u64("n")
    }

    async fn set_l1_stage(
        &self,
        first: u64,
        last: u64,
        stage: L1Stage,
        l1_tx: [u8; 32],
    ) -> StorageResult<()> {
        let q = "set_l1_stage";
        let (lo, hi) = (int(first, "block number")?, int(last, "block number")?);
        if lo > hi || lo < 1 {
            return Err(StorageError::Conflict(format!("bad block range {first}..={last}")));
        }
        let code = stage_code(stage);
        let mut tx = self.begin(q).await?;
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM blocks WHERE number >= $1 AND number <= $2")
                .bind(lo)
                .bind(hi)
                .fetch_one(&mut *tx)
                .await
                .map_err(db(q))?;
        if cols(&row, "blocks").i64("n")? != hi - lo + 1 {
            return Err(StorageError::Conflict(format!(
                "blocks {first}..={last} are not all stored"
            )));
        }
        // Each stage reached records its transaction once; a stage skipped over (one
        // commitProveExecute) records the same transaction.
        sqlx::query(
            "UPDATE blocks SET \
             commit_tx = CASE WHEN $1 >= 1 AND commit_tx IS NULL THEN $2 ELSE commit_tx END, \
             prove_tx = CASE WHEN $1 >= 2 AND prove_tx IS NULL THEN $2 ELSE prove_tx END, \
             execute_tx = CASE WHEN $1 >= 3 AND execute_tx IS NULL THEN $2 ELSE execute_tx END, \
             stage = CASE WHEN stage < $1 THEN $1 ELSE stage END \
             WHERE number >= $3 AND number <= $4",
        )
        .bind(code)
        .bind(l1_tx.to_vec())
        .bind(lo)
        .bind(hi)
        .execute(&mut *tx)
        .await
        .map_err(db(q))?;
        commit(tx, q).await
    }
}
