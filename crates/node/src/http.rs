//! The node's own HTTP endpoint: Prometheus metrics at `GET /metrics`, the node at a glance at
//! `GET /status` (JSON, [`crate::status`]) and, when a token is configured, the prover worker
//! API under `/prover/v1` ([`crate::worker_api`]). The JSON-RPC API is `tern-rpc`'s, which the
//! binary composes into the node ([`crate::launch::launch`]).

use crate::node::NodeCore;
use crate::status::{status_report, StatusReport};
use crate::worker_api::ProverApi;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use tern_primitives::Address;
use tern_storage::Storage;

/// The largest request body accepted (the biggest is a published proof, about 600 bytes).
pub const MAX_BODY: usize = 4 * 1024;

/// What the server serves besides metrics and status.
pub struct HttpOptions<S> {
    /// The prover worker API (`None`: its routes do not exist).
    pub provers: Option<Arc<ProverApi<S>>>,
    /// The operator's L1 address, for `/status`.
    pub operator: Option<Address>,
}

impl<S> Default for HttpOptions<S> {
    fn default() -> Self {
        Self { provers: None, operator: None }
    }
}

struct HttpState<S> {
    core: Arc<NodeCore<S>>,
    provers: Option<Arc<ProverApi<S>>>,
    operator: Option<Address>,
}

/// The router for a node: metrics and status only.
pub fn router<S: Storage>(core: Arc<NodeCore<S>>) -> Router {
    router_with(core, HttpOptions::default())
}

/// The router for a node with `options`.
pub fn router_with<S: Storage>(core: Arc<NodeCore<S>>, options: HttpOptions<S>) -> Router {
    let state =
        Arc::new(HttpState { core, provers: options.provers.clone(), operator: options.operator });
    let mut app = Router::new()
        .route("/metrics", get(metrics::<S>))
        .route("/status", get(status::<S>))
        .with_state(state);
    if let Some(api) = options.provers {
        app = app.merge(crate::worker_api::routes(api));
    }
    app.layer(DefaultBodyLimit::max(MAX_BODY))
}

async fn status<S: Storage>(
    State(state): State<Arc<HttpState<S>>>,
) -> Result<Json<StatusReport>, (StatusCode, String)> {
    status_report(&state.core, state.provers.as_deref(), state.operator)
        .await
        .map(Json)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

async fn metrics<S: Storage>(State(state): State<Arc<HttpState<S>>>) -> (StatusCode, String) {
    let core = &state.core;
    let lease_secs = state.provers.as_ref().map_or(60, |api| api.lease_secs());
    if let Ok(jobs) = core.store().open_jobs().await {
        let now = crate::prover::unix_now();
        let ages: Vec<(u64, u64)> = jobs
            .iter()
            .filter_map(|j| match &j.status {
                tern_storage::JobStatus::Leased { deadline, .. } => {
                    Some((j.block, now.saturating_sub(deadline.saturating_sub(lease_secs))))
                }
                _ => None,
            })
            .collect();
        core.metrics().lease_ages(&ages);
    }
    (StatusCode::OK, core.metrics().render())
}
