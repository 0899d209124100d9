//! Subscriptions: each accepts its sink, then re-reads its item at every block event until the
//! item reaches the asked stage (transactions and priority operations: one notification) or the
//! client leaves. An account subscription notifies each time the account's committed (or
//! verified) state changes.
//!
//! After its one notification a transaction or priority-operation subscription stays registered,
//! silent, until the client unsubscribes or leaves: zkSync Lite's JavaScript SDK unsubscribes as
//! soon as it is notified and takes `false` from `tx_unsubscribe` (which jsonrpsee answers for a
//! subscription that has already ended) as an error. zkSync Lite answered `true`.

use super::methods::Api;
use super::reads;
use crate::types::{AccountState, ActionType, Addr, EthOpInfo, TxHash, TxInfo};
use jsonrpsee::core::{to_json_raw_value, SubscriptionResult};
use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink};
use serde::Serialize;
use tern_storage::Storage;
use tokio::sync::watch;

/// Waits for the next change of `rx`; `false` if the client left or the source stopped.
async fn next<T>(sink: &SubscriptionSink, rx: &mut watch::Receiver<T>) -> bool {
    tokio::select! {
        _ = sink.closed() => false,
        changed = rx.changed() => changed.is_ok(),
    }
}

async fn send(sink: &SubscriptionSink, item: &impl Serialize) -> SubscriptionResult {
    sink.send(to_json_raw_value(item)?).await?;
    Ok(())
}

/// Sends a one-shot subscription's notification, then holds the subscription until the client
/// unsubscribes or leaves (so its `*_unsubscribe` answers `true`).
async fn send_last(sink: &SubscriptionSink, item: &impl Serialize) -> SubscriptionResult {
    send(sink, item).await?;
    sink.closed().await;
    Ok(())
}

fn tx_reached(info: &TxInfo, action: ActionType) -> bool {
    let verified = info.block.is_some_and(|b| b.verified);
    match action {
        ActionType::Commit => info.executed,
        // A failed transaction never reaches L1: its failure is final at once.
        ActionType::Verify => verified || info.success == Some(false),
    }
}

fn ethop_reached(info: &EthOpInfo, action: ActionType) -> bool {
    match action {
        ActionType::Commit => info.executed,
        ActionType::Verify => info.block.is_some_and(|b| b.verified),
    }
}

/// `tx_subscribe`.
pub(crate) async fn tx<S: Storage>(
    api: Api<S>,
    pending: PendingSubscriptionSink,
    hash: TxHash,
    action: ActionType,
) -> SubscriptionResult {
    let mut events = api.events.subscribe();
    let sink = pending.accept().await?;
    loop {
        let info = reads::tx_info(api.core.store(), &hash.0).await.map_err(|e| e.to_string())?;
        if tx_reached(&info, action) {
            return send_last(&sink, &info).await;
        }
        if !next(&sink, &mut events).await {
            return Ok(());
        }
    }
}

/// `ethop_subscribe`.
pub(crate) async fn ethop<S: Storage>(
    api: Api<S>,
    pending: PendingSubscriptionSink,
    serial_id: u64,
    action: ActionType,
) -> SubscriptionResult {
    let mut events = api.events.subscribe();
    let sink = pending.accept().await?;
    loop {
        let info =
            reads::ethop_info(api.core.store(), serial_id).await.map_err(|e| e.to_string())?;
        if ethop_reached(&info, action) {
            return send_last(&sink, &info).await;
        }
        if !next(&sink, &mut events).await {
            return Ok(());
        }
    }
}

async fn account_state<S: Storage>(
    api: &Api<S>,
    address: &Addr,
    action: ActionType,
) -> Result<AccountState, String> {
    let symbols = reads::symbols(api.core.store()).await.map_err(|e| e.to_string())?;
    let (id, committed) = reads::committed_of(&api.core, &address.0, &symbols);
    match action {
        ActionType::Commit => Ok(committed),
        ActionType::Verify => {
            reads::verified(api.core.store(), id, &symbols).await.map_err(|e| e.to_string())
        }
    }
}

/// `account_subscribe`: committed changes follow the node's state snapshot (published after
/// each seal), verified ones the polled block events.
pub(crate) async fn account<S: Storage>(
    api: Api<S>,
    pending: PendingSubscriptionSink,
    address: Addr,
    action: ActionType,
) -> SubscriptionResult {
    let mut committed = api.core.subscribe_committed();
    let mut events = api.events.subscribe();
    let sink = pending.accept().await?;
    let mut last = account_state(&api, &address, action).await?;
    loop {
        let more = match action {
            ActionType::Commit => next(&sink, &mut committed).await,
            ActionType::Verify => next(&sink, &mut events).await,
        };
        if !more {
            return Ok(());
        }
        let now = account_state(&api, &address, action).await?;
        if now != last {
            send(&sink, &now).await?;
            last = now;
        }
    }
}
