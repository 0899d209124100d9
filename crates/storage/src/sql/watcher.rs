//! [`WatcherStore`]: `l1_cursor` (one row, id 1), `l1_block_hashes`, `tokens`, and the
//! priority requests the watcher copies into `priority_ops`.

use super::codec::int;
use super::priority::insert_priority_op;
use super::{cols, commit, db, SqlStore};
use crate::types::{
    AuthFactEvent, StorageError, StorageResult, TokenInfo, WatchedRange, WatcherStore,
};
use sqlx::{Any, Transaction};
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::Address;

async fn insert_token(tx: &mut Transaction<'static, Any>, t: &TokenInfo) -> StorageResult<()> {
    let row =
        sqlx::query("SELECT id, address, l1_block, symbol, decimals FROM tokens WHERE id = $1")
            .bind(i64::from(t.id.0))
            .fetch_optional(&mut **tx)
            .await
            .map_err(db("apply_watched_range"))?;
    if let Some(row) = row {
        let stored = token_from_row(&row)?;
        // The listing is the fact; metadata read from the token contract may differ between
        // readers (a restore that did not read it, a contract that changed its answer).
        if (stored.id, stored.address, stored.l1_block) != (t.id, t.address, t.l1_block) {
            return Err(StorageError::Conflict(format!(
                "token {} is stored as {stored:?}, not {t:?}",
                t.id.0
            )));
        }
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO tokens (id, address, l1_block, symbol, decimals) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(i64::from(t.id.0))
    .bind(t.address.to_vec())
    .bind(int(t.l1_block, "L1 block")?)
    .bind(t.symbol.clone())
    .bind(t.decimals.map(i64::from))
    .execute(&mut **tx)
    .await
    .map_err(db("apply_watched_range"))?;
    Ok(())
}

fn token_from_row(row: &sqlx::any::AnyRow) -> StorageResult<TokenInfo> {
    let c = cols(row, "tokens");
    Ok(TokenInfo {
        id: tern_types::TokenId(c.u16("id")?),
        address: c.address("address")?,
        l1_block: c.u64("l1_block")?,
        symbol: c.opt_text("symbol")?,
        decimals: c
            .opt_u64("decimals")?
            .map(u8::try_from)
            .transpose()
            .map_err(|_| super::codec::corrupt("tokens", "decimals above 255"))?,
    })
}

async fn apply_auth_fact(
    tx: &mut Transaction<'static, Any>,
    event: &AuthFactEvent,
) -> StorageResult<()> {
    let q = "apply_watched_range";
    match event {
        AuthFactEvent::Set { owner, nonce, pubkey_hash, l1_block } => {
            sqlx::query(
                "INSERT INTO auth_facts (owner, nonce, pubkey_hash, reset_requested, l1_block) \
                 VALUES ($1, $2, $3, 0, $4) ON CONFLICT (owner, nonce) DO UPDATE SET \
                 pubkey_hash = excluded.pubkey_hash, reset_requested = 0, \
                 l1_block = excluded.l1_block",
            )
            .bind(owner.to_vec())
            .bind(i64::from(*nonce))
            .bind(pubkey_hash.0.to_vec())
            .bind(int(*l1_block, "L1 block")?)
            .execute(&mut **tx)
            .await
            .map_err(db(q))?;
        }
        AuthFactEvent::ResetRequested { owner, nonce, l1_block } => {
            sqlx::query(
                "UPDATE auth_facts SET reset_requested = 1, l1_block = $3 \
                 WHERE owner = $1 AND nonce = $2",
            )
            .bind(owner.to_vec())
            .bind(i64::from(*nonce))
            .bind(int(*l1_block, "L1 block")?)
            .execute(&mut **tx)
            .await
            .map_err(db(q))?;
        }
    }
    Ok(())
}

async fn put_block_hash(
    tx: &mut Transaction<'static, Any>,
    number: u64,
    hash: &[u8; 32],
    query: &'static str,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO l1_block_hashes (number, hash) VALUES ($1, $2) \
         ON CONFLICT (number) DO UPDATE SET hash = excluded.hash",
    )
    .bind(int(number, "L1 block")?)
    .bind(hash.to_vec())
    .execute(&mut **tx)
    .await
    .map_err(db(query))?;
    Ok(())
}

async fn set_cursor(
    tx: &mut Transaction<'static, Any>,
    number: u64,
    hash: &[u8; 32],
    query: &'static str,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO l1_cursor (id, number, hash) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET number = excluded.number, hash = excluded.hash",
    )
    .bind(int(number, "L1 block")?)
    .bind(hash.to_vec())
    .execute(&mut **tx)
    .await
    .map_err(db(query))?;
    Ok(())
}

impl WatcherStore for SqlStore {
    async fn l1_cursor(&self) -> StorageResult<Option<(u64, [u8; 32])>> {
        let row = sqlx::query("SELECT number, hash FROM l1_cursor WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db("l1_cursor"))?;
        row.map(|row| {
            let c = cols(&row, "l1_cursor");
            Ok((c.u64("number")?, c.b32("hash")?))
        })
        .transpose()
    }

    async fn l1_block_hash(&self, number: u64) -> StorageResult<Option<[u8; 32]>> {
        let Ok(number) = i64::try_from(number) else { return Ok(None) };
        let row = sqlx::query("SELECT hash FROM l1_block_hashes WHERE number = $1")
            .bind(number)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("l1_block_hash"))?;
        row.map(|row| cols(&row, "l1_block_hashes").b32("hash")).transpose()
    }

    async fn apply_watched_range(&self, range: &WatchedRange) -> StorageResult<()> {
        let q = "apply_watched_range";
        let mut tx = self.begin(q).await?;
        for op in &range.priority_ops {
            insert_priority_op(&mut tx, op).await?;
        }
        for t in &range.tokens {
            insert_token(&mut tx, t).await?;
        }
        for event in &range.auth_facts {
            apply_auth_fact(&mut tx, event).await?;
        }
        for (number, hash) in &range.block_hashes {
            put_block_hash(&mut tx, *number, hash, q).await?;
        }
        let (number, hash) = range.cursor;
        put_block_hash(&mut tx, number, &hash, q).await?;
        set_cursor(&mut tx, number, &hash, q).await?;
        commit(tx, q).await
    }

    async fn rewind_l1(&self, number: u64) -> StorageResult<()> {
        let q = "rewind_l1";
        let n = int(number, "L1 block")?;
        let mut tx = self.begin(q).await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM priority_ops WHERE l1_block > $1 AND processed_in IS NOT NULL",
        )
        .bind(n)
        .fetch_one(&mut *tx)
        .await
        .map_err(db(q))?;
        let processed = cols(&row, "priority_ops").i64("n")?;
        if processed > 0 {
            return Err(StorageError::Conflict(format!(
                "{processed} priority requests above L1 block {number} are processed by stored blocks"
            )));
        }
        let row = sqlx::query("SELECT hash FROM l1_block_hashes WHERE number = $1")
            .bind(n)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db(q))?;
        let Some(row) = row else {
            return Err(StorageError::Conflict(format!("no stored hash for L1 block {number}")));
        };
        let hash = cols(&row, "l1_block_hashes").b32("hash")?;
        for sql in [
            "DELETE FROM priority_ops WHERE l1_block > $1",
            "DELETE FROM tokens WHERE l1_block > $1",
            // A fact set or reset above the fork is forgotten whole: the node then refuses
            // ChangePubKeys it might have accepted, never the other way round.
            "DELETE FROM auth_facts WHERE l1_block > $1",
            "DELETE FROM l1_block_hashes WHERE number > $1",
        ] {
            sqlx::query(sql).bind(n).execute(&mut *tx).await.map_err(db(q))?;
        }
        set_cursor(&mut tx, number, &hash, q).await?;
        commit(tx, q).await
    }

    async fn tokens(&self) -> StorageResult<Vec<TokenInfo>> {
        let rows =
            sqlx::query("SELECT id, address, l1_block, symbol, decimals FROM tokens ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(db("tokens"))?;
        rows.iter().map(token_from_row).collect()
    }

    async fn auth_fact(&self, owner: Address, nonce: u32) -> StorageResult<Option<PubKeyHash>> {
        let row = sqlx::query(
            "SELECT pubkey_hash FROM auth_facts \
             WHERE owner = $1 AND nonce = $2 AND reset_requested = 0",
        )
        .bind(owner.to_vec())
        .bind(i64::from(nonce))
        .fetch_optional(&self.pool)
        .await
        .map_err(db("auth_fact"))?;
        row.map(|row| cols(&row, "auth_facts").pubkey_hash("pubkey_hash")).transpose()
    }
}
