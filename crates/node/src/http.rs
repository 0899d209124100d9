//! The node's own HTTP endpoint: Prometheus metrics at `GET /metrics`. The JSON-RPC API is
//! `tern-rpc`'s, which the binary composes into the node ([`crate::launch::launch`]).

use crate::node::NodeCore;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tern_storage::Storage;

/// The largest request body accepted (the metrics endpoint takes none).
pub const MAX_BODY: usize = 4 * 1024;

/// The router for a node.
pub fn router<S: Storage>(core: Arc<NodeCore<S>>) -> Router {
    Router::new()
        .route("/metrics", get(metrics::<S>))
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
