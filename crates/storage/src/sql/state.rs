//! [`StateStore`]: versioned state rows. `account_versions` holds one row per (account, block
//! that changed it), `balance_versions` one per (account, token, block) with the new amount
//! (`"0"` when a balance is emptied), `nft_versions` one per (NFT, block) with `present = 0`
//! when the slot was cleared. The state after block `n` is the newest version of every key at
//! or before `n`.

use super::codec::{corrupt, int};
use super::{cols, db, SqlStore};
use crate::types::{StateDiff, StateSnapshot, StateStore, StorageError, StorageResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Transaction};
use std::collections::BTreeMap;
use tern_state::{Account, Nft};
use tern_types::op::NftInfo;
use tern_types::{AccountId, NftId, TokenId};

type Tx = Transaction<'static, Any>;
const Q: &str = "write_sealed_block";

const ACCOUNTS_AT: &str = "SELECT a.account_id, a.address, a.pubkey_hash, a.nonce, a.nfts_minted \
     FROM account_versions a WHERE a.block = (SELECT MAX(v.block) FROM account_versions v \
     WHERE v.account_id = a.account_id AND v.block <= $1)";

const BALANCES_AT: &str = "SELECT b.account_id, b.token, b.amount FROM balance_versions b \
     WHERE b.block = (SELECT MAX(v.block) FROM balance_versions v WHERE v.account_id = \
     b.account_id AND v.token = b.token AND v.block <= $1) AND b.amount <> '0'";

const NFTS_AT: &str = "SELECT n.nft_id, n.owner, n.creator_id, n.creator_address, n.serial, \
     n.content_hash FROM nft_versions n WHERE n.block = (SELECT MAX(v.block) FROM nft_versions v \
     WHERE v.nft_id = n.nft_id AND v.block <= $1) AND n.present = 1 ORDER BY n.nft_id";

/// The newest non-zero balances of `id` at or before block `n`.
async fn balances_of<'e, E>(ex: E, id: i64, n: i64) -> StorageResult<BTreeMap<TokenId, u128>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(&format!("{BALANCES_AT} AND b.account_id = $2 ORDER BY b.token"))
        .bind(n)
        .bind(id)
        .fetch_all(ex)
        .await
        .map_err(db("balances"))?;
    rows.iter()
        .map(|r| {
            let c = cols(r, "balance_versions");
            Ok((TokenId(c.u16("token")?), c.amount("amount")?))
        })
        .collect()
}

fn account_from_row(row: &AnyRow) -> StorageResult<(u32, Account)> {
    let c = cols(row, "account_versions");
    let account = Account {
        address: c.address("address")?,
        pubkey_hash: c.pubkey_hash("pubkey_hash")?,
        nonce: c.u32("nonce")?,
        nfts_minted: c.u32("nfts_minted")?,
        balances: BTreeMap::new(),
    };
    Ok((c.u32("account_id")?, account))
}

fn nft_from_row(row: &AnyRow) -> StorageResult<(NftId, Nft)> {
    let c = cols(row, "nft_versions");
    let (owner, creator, serial) =
        (c.opt_i64("owner")?, c.opt_i64("creator_id")?, c.opt_i64("serial")?);
    let id32 = |col: &str, v: Option<i64>| -> StorageResult<u32> {
        let v = c.need(col, v)?;
        u32::try_from(v).map_err(|_| corrupt("nft_versions", format!("{col} {v} is not a u32")))
    };
    let address = c.opt_bytes("creator_address")?;
    let content = c.opt_bytes("content_hash")?;
    let info = NftInfo {
        creator_id: AccountId(id32("creator_id", creator)?),
        creator_address: tern_primitives::Address::from(
            c.array::<20>("creator_address", c.need("creator_address", address)?)?,
        ),
        serial: id32("serial", serial)?,
        content_hash: c.array::<32>("content_hash", c.need("content_hash", content)?)?,
    };
    let nft = Nft { owner: AccountId(id32("owner", owner)?), info };
    Ok((NftId(c.u32("nft_id")?), nft))
}

/// Writes one account's new version and its changed balances at block `n`.
async fn write_account(tx: &mut Tx, n: i64, id: AccountId, a: &Account) -> StorageResult<()> {
    let id64 = i64::from(id.0);
    sqlx::query(
        "INSERT INTO account_versions (account_id, block, address, pubkey_hash, nonce, \
         nfts_minted) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id64)
    .bind(n)
    .bind(a.address.to_vec())
    .bind(a.pubkey_hash.0.to_vec())
    .bind(i64::from(a.nonce))
    .bind(i64::from(a.nfts_minted))
    .execute(&mut **tx)
    .await
    .map_err(db(Q))?;
    let old = balances_of(&mut **tx, id64, n).await?;
    let mut changes: Vec<(TokenId, u128)> = a
        .balances
        .iter()
        .filter(|(t, v)| old.get(t).copied().unwrap_or(0) != **v)
        .map(|(t, v)| (*t, *v))
        .collect();
    changes.extend(old.keys().filter(|t| !a.balances.contains_key(t)).map(|t| (*t, 0)));
    for (token, amount) in changes {
        sqlx::query(
            "INSERT INTO balance_versions (account_id, token, block, amount) VALUES ($1, $2, $3, $4)",
        )
        .bind(id64)
        .bind(i64::from(token.0))
        .bind(n)
        .bind(amount.to_string())
        .execute(&mut **tx)
        .await
        .map_err(db(Q))?;
    }
    Ok(())
}

async fn write_nft(tx: &mut Tx, n: i64, id: NftId, nft: Option<&Nft>) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO nft_versions (nft_id, block, present, owner, creator_id, creator_address, \
         serial, content_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(i64::from(id.0))
    .bind(n)
    .bind(i64::from(nft.is_some()))
    .bind(nft.map(|x| i64::from(x.owner.0)))
    .bind(nft.map(|x| i64::from(x.info.creator_id.0)))
    .bind(nft.map(|x| x.info.creator_address.to_vec()))
    .bind(nft.map(|x| i64::from(x.info.serial)))
    .bind(nft.map(|x| x.info.content_hash.to_vec()))
    .execute(&mut **tx)
    .await
    .map_err(db(Q))?;
    Ok(())
}

/// Writes a block's state diff as versions at block `n`.
pub(crate) async fn write_diff(tx: &mut Tx, n: i64, diff: &StateDiff) -> StorageResult<()> {
    for (id, account) in &diff.accounts {
        write_account(tx, n, *id, account).await?;
    }
    for (id, nft) in &diff.nfts {
        write_nft(tx, n, *id, nft.as_ref()).await?;
    }
    Ok(())
}

impl SqlStore {
    /// `block`, or the last block if `None`; refuses a block not stored yet.
    async fn resolve_block(&self, block: Option<u64>) -> StorageResult<u64> {
        use crate::types::BlockStore;
        let last = self.last_block_number().await?;
        match block {
            None => Ok(last),
            Some(n) if n <= last => Ok(n),
            Some(n) => {
                Err(StorageError::Conflict(format!("block {n} is not stored (the last is {last})")))
            }
        }
    }

    async fn next_nft_id_at(&self, n: i64) -> StorageResult<u32> {
        if n == 0 {
            return Ok(0);
        }
        let row = sqlx::query("SELECT next_nft_id FROM blocks WHERE number = $1")
            .bind(n)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("state_at"))?;
        let row = row.ok_or_else(|| corrupt("blocks", format!("block {n} is missing")))?;
        cols(&row, "blocks").u32("next_nft_id")
    }
}

impl StateStore for SqlStore {
    async fn state_at(&self, block: Option<u64>) -> StorageResult<StateSnapshot> {
        let number = self.resolve_block(block).await?;
        let n = int(number, "block number")?;
        let rows = sqlx::query(&format!("{ACCOUNTS_AT} ORDER BY a.account_id"))
            .bind(n)
            .fetch_all(&self.pool)
            .await
            .map_err(db("state_at"))?;
        let mut accounts = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let (id, account) = account_from_row(row)?;
            if id as usize != i {
                return Err(corrupt("account_versions", format!("account {i} is missing")));
            }
            accounts.push(account);
        }
        let rows = sqlx::query(&format!("{BALANCES_AT} ORDER BY b.account_id, b.token"))
            .bind(n)
            .fetch_all(&self.pool)
            .await
            .map_err(db("state_at"))?;
        for row in &rows {
            let c = cols(row, "balance_versions");
            let id = c.u32("account_id")? as usize;
            let account = accounts.get_mut(id).ok_or_else(|| {
                corrupt("balance_versions", format!("balance of missing account {id}"))
            })?;
            account.balances.insert(TokenId(c.u16("token")?), c.amount("amount")?);
        }
        let rows =
            sqlx::query(NFTS_AT).bind(n).fetch_all(&self.pool).await.map_err(db("state_at"))?;
        let nfts = rows.iter().map(nft_from_row).collect::<StorageResult<_>>()?;
        let next_nft_id = self.next_nft_id_at(n).await?;
        let tokens = crate::types::WatcherStore::tokens(self).await?.into_iter().map(|t| t.id);
        Ok(StateSnapshot { block: number, accounts, nfts, next_nft_id, tokens: tokens.collect() })
    }

    async fn account_at(
        &self,
        id: AccountId,
        block: Option<u64>,
    ) -> StorageResult<Option<Account>> {
        let n = int(self.resolve_block(block).await?, "block number")?;
        let row = sqlx::query(&format!("{ACCOUNTS_AT} AND a.account_id = $2"))
            .bind(n)
            .bind(i64::from(id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(db("account_at"))?;
        let Some(row) = row else { return Ok(None) };
        let (_, mut account) = account_from_row(&row)?;
        account.balances = balances_of(&self.pool, i64::from(id.0), n).await?;
        Ok(Some(account))
    }

    async fn account_updated_in(&self, id: AccountId, block: u64) -> StorageResult<Option<u64>> {
        // Every block that touches an account writes an `account_versions` row for it.
        let row = sqlx::query(
            "SELECT MAX(block) AS b FROM account_versions WHERE account_id = $1 AND block <= $2",
        )
        .bind(i64::from(id.0))
        .bind(int(block, "block number")?)
        .fetch_one(&self.pool)
        .await
        .map_err(db("account_updated_in"))?;
        cols(&row, "account_versions").opt_u64("b")
    }
}
