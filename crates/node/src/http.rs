//! The node's own HTTP endpoint: Prometheus metrics at `GET /metrics`, and a small JSON-RPC
//! 2.0 surface at `POST /` for submitting transactions and following them
//! (`tx_submit`, `submit_txs_batch`, `tx_info`, `tern_status`). The full public API (zkSync
//! Lite's methods, WebSocket subscriptions, REST) is `tern-rpc`'s; this is what an operator and
//! the node's own tests need.
//!
//! Transactions travel wire-encoded (`docs/spec/transactions.md`) as `0x` hex. Requests over
//! [`MAX_BODY`] bytes are refused before they are read.

use crate::node::{hash_hex, NodeCore, SubmitError};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;
use tern_storage::{L1Stage, Storage, TxStatus};

/// The largest request body accepted.
pub const MAX_BODY: usize = 256 * 1024;

/// JSON-RPC error codes.
mod code {
    pub(super) const PARSE: i64 = -32700;
    pub(super) const INVALID_REQUEST: i64 = -32600;
    pub(super) const NO_METHOD: i64 = -32601;
    pub(super) const INVALID_PARAMS: i64 = -32602;
    pub(super) const INTERNAL: i64 = -32603;
    /// The transaction was refused (zkSync Lite's code for a rejected transaction).
    pub(super) const TX_REFUSED: i64 = 101;
}

struct RpcError {
    code: i64,
    message: String,
}

fn err(code: i64, message: impl Into<String>) -> RpcError {
    RpcError { code, message: message.into() }
}

/// The router for a node.
pub fn router<S: Storage>(core: Arc<NodeCore<S>>) -> Router {
    Router::new()
        .route("/metrics", get(metrics::<S>))
        .route("/", post(rpc::<S>))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(core)
}

async fn metrics<S: Storage>(State(core): State<Arc<NodeCore<S>>>) -> (StatusCode, String) {
    if let Ok(jobs) = core.store().open_jobs().await {
        let now = crate::prover::unix_now();
        let ages: Vec<(u64, u64)> = jobs
            .iter()
            .filter_map(|j| match &j.status {
                tern_storage::JobStatus::Leased { deadline, .. } => {
                    Some((j.block, now.saturating_sub(deadline.saturating_sub(60))))
                }
                _ => None,
            })
            .collect();
        core.metrics().lease_ages(&ages);
    }
    (StatusCode::OK, core.metrics().render())
}

async fn rpc<S: Storage>(State(core): State<Arc<NodeCore<S>>>, body: String) -> Json<Value> {
    let request: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => return Json(reply(Value::Null, Err(err(code::PARSE, e.to_string())))),
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let (Some(method), params) =
        (request.get("method").and_then(Value::as_str), request.get("params"))
    else {
        return Json(reply(id, Err(err(code::INVALID_REQUEST, "a request needs a method"))));
    };
    let params = params.cloned().unwrap_or(Value::Array(vec![]));
    let result = match method {
        "tx_submit" => submit(&core, &params, false).await,
        "submit_txs_batch" => submit(&core, &params, true).await,
        "tx_info" => tx_info(&core, &params).await,
        "tern_status" => status(&core).await,
        other => Err(err(code::NO_METHOD, format!("no method {other:?}"))),
    };
    Json(reply(id, result))
}

fn reply(id: Value, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": e.code, "message": e.message}})
        }
    }
}

fn hex_param(v: &Value) -> Result<Vec<u8>, RpcError> {
    let s = v.as_str().ok_or_else(|| err(code::INVALID_PARAMS, "expected a 0x hex string"))?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| err(code::INVALID_PARAMS, format!("bad hex: {e}")))
}

fn first_param(params: &Value) -> Result<&Value, RpcError> {
    params.get(0).ok_or_else(|| err(code::INVALID_PARAMS, "missing parameter"))
}

async fn submit<S: Storage>(
    core: &NodeCore<S>,
    params: &Value,
    batch: bool,
) -> Result<Value, RpcError> {
    let txs = if batch {
        let list = first_param(params)?
            .as_array()
            .ok_or_else(|| err(code::INVALID_PARAMS, "expected a list of transactions"))?;
        list.iter().map(hex_param).collect::<Result<Vec<_>, _>>()?
    } else {
        vec![hex_param(first_param(params)?)?]
    };
    match core.submit(&txs, batch).await {
        Ok(hashes) if batch => Ok(json!(hashes.iter().map(hash_hex).collect::<Vec<_>>())),
        Ok(hashes) => Ok(json!(hashes.first().map(hash_hex))),
        Err(SubmitError::Storage(e)) => Err(err(code::INTERNAL, e.to_string())),
        Err(e) => Err(err(code::TX_REFUSED, e.to_string())),
    }
}

async fn tx_info<S: Storage>(core: &NodeCore<S>, params: &Value) -> Result<Value, RpcError> {
    let bytes = hex_param(first_param(params)?)?;
    let hash: [u8; 32] = bytes
        .try_into()
        .map_err(|_| err(code::INVALID_PARAMS, "a transaction hash has 32 bytes"))?;
    let receipt =
        core.store().tx_receipt(&hash).await.map_err(|e| err(code::INTERNAL, e.to_string()))?;
    let Some(receipt) = receipt else {
        return Ok(json!({"executed": false, "success": null, "failReason": null, "block": null}));
    };
    Ok(match receipt.status {
        TxStatus::Queued => {
            json!({"executed": false, "success": null, "failReason": null, "block": null})
        }
        TxStatus::Failed { block, reason } => json!({
            "executed": true, "success": false, "failReason": reason,
            "block": {"blockNumber": block, "committed": false, "verified": false},
        }),
        TxStatus::Included { block, index } => {
            let stage = core
                .store()
                .block(block)
                .await
                .map_err(|e| err(code::INTERNAL, e.to_string()))?
                .map(|b| b.stage)
                .unwrap_or(L1Stage::Sealed);
            json!({
                "executed": true, "success": true, "failReason": null,
                "block": {
                    "blockNumber": block, "index": index,
                    "committed": stage >= L1Stage::Committed,
                    "verified": stage >= L1Stage::Executed,
                },
            })
        }
    })
}

async fn status<S: Storage>(core: &NodeCore<S>) -> Result<Value, RpcError> {
    let s = core.store();
    let internal = |e: tern_storage::StorageError| err(code::INTERNAL, e.to_string());
    Ok(json!({
        "lastSealed": s.last_block_number().await.map_err(internal)?,
        "lastCommitted": s.last_block_at(L1Stage::Committed).await.map_err(internal)?,
        "lastProven": s.last_block_at(L1Stage::Proven).await.map_err(internal)?,
        "lastExecuted": s.last_block_at(L1Stage::Executed).await.map_err(internal)?,
        "mempool": core.queue_len().await,
        "priorityPending": s.pending_priority_ops().await.map_err(internal)?.len(),
    }))
}
