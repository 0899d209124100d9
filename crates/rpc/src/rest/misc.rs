//! `tokens`, `tokens/{idOrSymbol}`, `config`, `networkStatus`, `fee` and `fee/batch`.

use super::errors::RestError;
use super::pages::{page, slice};
use super::routes::{body, Ctx, Rest};
use super::types::{
    network_name, ApiFee, BatchFeeRequest, Config, NetworkStatus, Paginated, Pagination, Token,
    TxFeeRequest,
};
use crate::server::reads;
use crate::types::{Addr, FeeType, TokenInfo};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use tern_storage::{L1Stage, Storage};
use tern_types::TokenId;

fn api_token(st: &Rest<impl Storage>, t: TokenInfo) -> Token {
    let enabled_for_fees = st.core.fees().price(TokenId(t.id)).is_some();
    Token { id: t.id, address: t.address, symbol: t.symbol, decimals: t.decimals, enabled_for_fees }
}

async fn tokens_of<S: Storage>(
    st: &Rest<S>,
    ctx: &Ctx,
) -> Result<Paginated<Token, u16>, RestError> {
    let p = page::<u16>(ctx)?;
    let listed = reads::tokens(st.core.store()).await?;
    let count = listed.len() as u64;
    let last = listed.last().map(|t| t.id).unwrap_or(0);
    let from = p.from.unwrap_or(last);
    // The page starts at the first listed id at or after `from` (newer) or at or before it.
    let at = if p.newer() {
        listed.iter().position(|t| t.id >= from).unwrap_or(listed.len())
    } else {
        match listed.iter().rposition(|t| t.id <= from) {
            Some(i) => i,
            None => return Ok(Paginated { list: vec![], pagination: pagination(from, &p, count) }),
        }
    };
    let list =
        slice(&listed, at, p.limit, p.newer()).into_iter().map(|t| api_token(st, t)).collect();
    Ok(Paginated { list, pagination: pagination(from, &p, count) })
}

fn pagination(from: u16, p: &super::pages::Page<u16>, count: u64) -> Pagination<u16> {
    Pagination { from, limit: p.limit, direction: p.direction, count }
}

/// `GET tokens?from=&limit=&direction=`: listed tokens by id.
pub(crate) async fn tokens<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = tokens_of(&st, &ctx).await;
    ctx.reply(r)
}

/// A token named in a path or body: a number is an id, anything else a symbol or address.
fn token_like(s: &str) -> serde_json::Value {
    match s.parse::<u16>() {
        Ok(id) => serde_json::Value::from(id),
        Err(_) => serde_json::Value::from(s),
    }
}

async fn resolve<S: Storage>(st: &Rest<S>, like: &serde_json::Value) -> Result<TokenId, RestError> {
    reads::resolve_token(st.core.store(), like).await.map_err(|e| match RestError::from(e) {
        RestError::InvalidParams(m) => RestError::TokenNotFound(m),
        other => other,
    })
}

async fn token_of<S: Storage>(st: &Rest<S>, like: &str) -> Result<Token, RestError> {
    let id = resolve(st, &token_like(like)).await?;
    let listed = reads::tokens(st.core.store()).await?;
    let t = listed.into_iter().find(|t| t.id == id.0);
    t.map(|t| api_token(st, t)).ok_or_else(|| RestError::TokenNotFound(like.to_owned()))
}

/// `GET tokens/{idOrSymbol}` (or the ERC-20 address).
pub(crate) async fn token<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = token_of(&st, ctx.param("token_like")).await;
    ctx.reply(r)
}

/// `GET config`.
pub(crate) async fn config<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let c = st.chain;
    ctx.reply(Ok(Config {
        network: network_name(c.chain_id).to_owned(),
        contract: c.contract,
        gov_contract: c.contract,
        deposit_confirmations: c.confirmations,
        zksync_version: "contractV4".to_owned(),
    }))
}

async fn status_of<S: Storage>(st: &Rest<S>) -> Result<NetworkStatus, RestError> {
    let s = st.core.store();
    Ok(NetworkStatus {
        last_committed: s.last_block_number().await?,
        finalized: s.last_block_at(L1Stage::Executed).await?,
        total_transactions: s.included_tx_count().await?,
        mempool_size: st.core.queue_len().await as u64,
        core_status: None,
    })
}

/// `GET networkStatus`.
pub(crate) async fn status<S: Storage>(State(st): State<Rest<S>>, ctx: Ctx) -> Response {
    let r = status_of(&st).await;
    ctx.reply(r)
}

/// A token in a body: a number, or a string that may itself hold a number.
fn body_token(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => token_like(&s),
        other => other,
    }
}

async fn fee_of<S: Storage>(st: &Rest<S>, req: TxFeeRequest) -> Result<ApiFee, RestError> {
    let token = resolve(st, &body_token(req.token_like)).await?;
    let q = reads::quote(&st.core, req.tx_type, &req.address, token)?;
    Ok(ApiFee { gas_fee: q.gas_fee, zkp_fee: q.zkp_fee, total_fee: q.total_fee })
}

/// `POST fee` with `{txType, address, tokenLike}`.
pub(crate) async fn fee<S: Storage>(
    State(st): State<Rest<S>>,
    ctx: Ctx,
    req: Result<Json<TxFeeRequest>, JsonRejection>,
) -> Response {
    match body(ctx, req) {
        Ok((ctx, req)) => {
            let r = fee_of(&st, req).await;
            ctx.reply(r)
        }
        Err(rejected) => *rejected,
    }
}

async fn batch_fee_of<S: Storage>(st: &Rest<S>, req: BatchFeeRequest) -> Result<ApiFee, RestError> {
    if req.transactions.is_empty() {
        return Err(RestError::InvalidParams("a batch needs at least one transaction".into()));
    }
    let token = resolve(st, &body_token(req.token_like)).await?;
    let txs: Vec<(FeeType, Addr)> =
        req.transactions.into_iter().map(|t| (t.tx_type, t.address)).collect();
    let (mut gas_fee, mut zkp_fee) = (0u128, 0u128);
    for (tx_type, address) in &txs {
        let q = reads::quote(&st.core, *tx_type, address, token)?;
        gas_fee = gas_fee.saturating_add(q.gas_fee);
        zkp_fee = zkp_fee.saturating_add(q.zkp_fee);
    }
    let total_fee = reads::batch_fee(&st.core, &txs, token)?;
    Ok(ApiFee { gas_fee, zkp_fee, total_fee })
}

/// `POST fee/batch` with `{transactions: [{txType, address}], tokenLike}`: the batch's total
/// (one packable fee for the whole batch), and its L1 and proving parts summed per transaction.
pub(crate) async fn batch_fee<S: Storage>(
    State(st): State<Rest<S>>,
    ctx: Ctx,
    req: Result<Json<BatchFeeRequest>, JsonRejection>,
) -> Response {
    match body(ctx, req) {
        Ok((ctx, req)) => {
            let r = batch_fee_of(&st, req).await;
            ctx.reply(r)
        }
        Err(rejected) => *rejected,
    }
}
