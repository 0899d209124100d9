//! `accounts/{idOrAddress}` (+ `/committed`, `/finalized`, `/transactions`).

use super::blocks::{transaction, Executions};
use super::errors::RestError;
use super::pages::page;
use super::routes::{Ctx, Rest};
use super::types::{Account, AccountDetails, Paginated, Pagination, Transaction};
use crate::codec::{parse_hex_array, TxHash};
use crate::server::reads::{self, Symbols};
use axum::extract::State;
use axum::response::Response;
use tern_primitives::Address;
use tern_storage::Storage;
use tern_types::AccountId;

const KEY: &str = "account_id_or_address";

/// An account named by id or by address.
enum Who {
    Id(AccountId),
    Address(Address),
}

fn parse_who(s: &str) -> Result<Who, RestError> {
    if let Ok(id) = s.parse::<u32>() {
        return Ok(Who::Id(AccountId(id)));
    }
    parse_hex_array::<20>(s)
        .map(|a| Who::Address(Address::from(a)))
        .map_err(|_| RestError::InvalidAccountIdOrAddress(s.to_owned()))
}

/// The account id `who` names in the committed state (an id is taken as given).
fn id_of<S: Storage>(st: &Rest<S>, who: &Who) -> Option<AccountId> {
    match who {
        Who::Id(id) => Some(*id),
        Who::Address(a) => st.core.committed_state().account_id_by_address(a),
    }
}

fn to_account(id: AccountId, address: Address, s: crate::types::AccountState, at: u64) -> Account {
    Account {
        account_id: id.0,
        address,
        nonce: s.nonce,
        pub_key_hash: s.pub_key_hash,
        last_update_in_block: at,
        balances: s.balances,
        nfts: s.nfts,
        minted_nfts: s.minted_nfts,
        account_type: None,
    }
}

/// Account `id` after the last sealed block.
async fn committed_account<S: Storage>(
    st: &Rest<S>,
    id: AccountId,
    symbols: &Symbols,
) -> Result<Option<Account>, RestError> {
    let (address, state) = {
        let state = st.core.committed_state();
        let Some(account) = state.account(id) else { return Ok(None) };
        (account.address, reads::account_state(id, account, state.nfts(), symbols))
    };
    // Every sealed block is at most i64::MAX (storage's integers).
    let updated = st.core.store().account_updated_in(id, i64::MAX as u64).await?;
    Ok(Some(to_account(id, address, state, updated.unwrap_or(0))))
}

/// Account `id` after the last block executed on L1.
async fn finalized_account<S: Storage>(
    st: &Rest<S>,
    id: AccountId,
    symbols: &Symbols,
) -> Result<Option<Account>, RestError> {
    let store = st.core.store();
    let Some((executed, account)) = reads::finalized_account(store, id).await? else {
        return Ok(None);
    };
    let state = reads::account_state(id, &account, std::iter::empty(), symbols);
    let updated = store.account_updated_in(id, executed).await?;
    Ok(Some(to_account(id, account.address, state, updated.unwrap_or(0))))
}

async fn details_of<S: Storage>(st: &Rest<S>, key: &str) -> Result<AccountDetails, RestError> {
    let who = parse_who(key)?;
    let (id, address) = match who {
        Who::Id(id) => {
            let address = st.core.committed_state().account(id).map(|a| a.address);
            (Some(id), address.ok_or(RestError::AccountNotFound)?)
        }
        Who::Address(a) => (id_of(st, &who), a),
    };
    // One read of the token names for the three states.
    let symbols = reads::symbols(st.core.store()).await?;
    let depositing = reads::depositing(st.core.store(), &address, &symbols).await?;
    let (committed, finalized) = match id {
        Some(id) => {
            (committed_account(st, id, &symbols).await?, finalized_account(st, id, &symbols).await?)
        }
        None => (None, None),
    };
    Ok(AccountDetails { depositing, committed, finalized })
}

/// `GET accounts/{idOrAddress}`: deposits on their way, committed and finalized state.
pub(crate) async fn details<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = details_of(&st, ctx.param(KEY)).await;
    ctx.reply(r)
}

/// `GET accounts/{idOrAddress}/committed`.
pub(crate) async fn committed<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = match parse_who(ctx.param(KEY)) {
        Ok(who) => match id_of(&st, &who) {
            Some(id) => match reads::symbols(st.core.store()).await {
                Ok(symbols) => committed_account(&st, id, &symbols).await,
                Err(e) => Err(e.into()),
            },
            None => Ok(None),
        },
        Err(e) => Err(e),
    };
    ctx.reply(r)
}

/// `GET accounts/{idOrAddress}/finalized`.
pub(crate) async fn finalized<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = match parse_who(ctx.param(KEY)) {
        Ok(who) => match id_of(&st, &who) {
            Some(id) => match reads::symbols(st.core.store()).await {
                Ok(symbols) => finalized_account(&st, id, &symbols).await,
                Err(e) => Err(e.into()),
            },
            None => Ok(None),
        },
        Err(e) => Err(e),
    };
    ctx.reply(r)
}

async fn txs_of<S: Storage>(
    st: &Rest<S>,
    ctx: &Ctx,
) -> Result<Paginated<Transaction, TxHash>, RestError> {
    let who = parse_who(ctx.param(KEY))?;
    let page = page::<TxHash>(ctx)?;
    let pagination =
        |from, count| Pagination { from, limit: page.limit, direction: page.direction, count };
    let Some(id) = id_of(st, &who) else {
        return Ok(Paginated { list: vec![], pagination: pagination(TxHash([0; 32]), 0) });
    };
    let store = st.core.store();
    let receipts = store
        .account_tx_page(id, page.from.map(|h| h.0), page.limit, page.newer())
        .await?
        .ok_or(RestError::TransactionNotFound)?;
    let from = page.from.or(receipts.first().map(|r| TxHash(r.hash))).unwrap_or(TxHash([0; 32]));
    let count = store.account_tx_count(id).await?;
    let mut executions = Executions::read(store).await?;
    let mut list = Vec::with_capacity(receipts.len());
    for r in &receipts {
        list.push(transaction(store, r, &mut executions).await?);
    }
    Ok(Paginated { list, pagination: pagination(from, count) })
}

/// `GET accounts/{idOrAddress}/transactions?from=&limit=&direction=`: the transactions the
/// account signed, in arrival order.
pub(crate) async fn txs<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = txs_of(&st, &ctx).await;
    ctx.reply(r)
}
