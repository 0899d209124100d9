//! [`MetaStore`]: the `chain_meta` row (id 1).

use super::codec::{fr_bytes, int};
use super::{cols, commit, db, SqlStore};
use crate::types::{ChainMeta, MetaStore, StorageError, StorageResult};
use sqlx::any::AnyRow;

fn meta_from_row(row: &AnyRow) -> StorageResult<ChainMeta> {
    let c = cols(row, "chain_meta");
    Ok(ChainMeta {
        chain_id: c.u64("chain_id")?,
        contract: c.address("contract")?,
        deploy_block: c.u64("deploy_block")?,
        genesis_root: c.fr("genesis_root")?,
    })
}

const SELECT_META: &str =
    "SELECT chain_id, contract, deploy_block, genesis_root FROM chain_meta WHERE id = 1";

impl MetaStore for SqlStore {
    async fn chain_meta(&self) -> StorageResult<Option<ChainMeta>> {
        let row =
            sqlx::query(SELECT_META).fetch_optional(&self.pool).await.map_err(db("chain_meta"))?;
        row.as_ref().map(meta_from_row).transpose()
    }

    async fn init_chain_meta(&self, meta: &ChainMeta) -> StorageResult<()> {
        let mut tx = self.begin("init_chain_meta").await?;
        let row = sqlx::query(SELECT_META)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("init_chain_meta"))?;
        if let Some(row) = row {
            let stored = meta_from_row(&row)?;
            if &stored != meta {
                return Err(StorageError::Conflict(format!(
                    "the database belongs to {stored:?}, not {meta:?}"
                )));
            }
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO chain_meta (id, chain_id, contract, deploy_block, genesis_root) \
             VALUES (1, $1, $2, $3, $4)",
        )
        .bind(int(meta.chain_id, "chain id")?)
        .bind(meta.contract.to_vec())
        .bind(int(meta.deploy_block, "deploy block")?)
        .bind(fr_bytes(&meta.genesis_root))
        .execute(&mut *tx)
        .await
        .map_err(db("init_chain_meta"))?;
        commit(tx, "init_chain_meta").await
    }
}
