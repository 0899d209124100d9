//! The router: paths to handlers, the request context every answer echoes, and the envelope.

use super::errors::RestError;
use super::types::{network_name, rfc3339, Request, ResultStatus};
use super::{accounts, blocks, misc};
use crate::server::MAX_BODY;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use tern_node::launch::ChainInfo;
use tern_node::node::NodeCore;
use tern_storage::Storage;

/// What every handler reads: the node and its chain.
pub(crate) struct Rest<S> {
    pub(crate) core: Arc<NodeCore<S>>,
    pub(crate) chain: ChainInfo,
}

impl<S> Clone for Rest<S> {
    fn clone(&self) -> Self {
        Self { core: Arc::clone(&self.core), chain: self.chain }
    }
}

/// The request as the envelope echoes it: path, path and query parameters.
pub(crate) struct Ctx {
    network: &'static str,
    resource: String,
    args: BTreeMap<String, String>,
}

impl Ctx {
    fn new(network: &'static str, uri: &Uri) -> Self {
        let mut args = BTreeMap::new();
        // A query that is not `k=v&…` leaves the arguments empty; parameters then read as missing.
        if let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(uri) {
            args.extend(pairs);
        }
        Self { network, resource: uri.path().to_owned(), args }
    }

    /// A path or query parameter.
    pub(crate) fn arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).map(String::as_str)
    }

    /// A path parameter the route always has.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.arg(name).unwrap_or_default()
    }

    /// The envelope around `result`, HTTP 200 either way (zkSync Lite's convention).
    pub(crate) fn reply<T: Serialize>(self, result: Result<T, RestError>) -> Response {
        match result.map(|r| serde_json::to_value(r)) {
            Ok(Ok(value)) => self.envelope(StatusCode::OK, Ok(value)),
            Ok(Err(e)) => {
                tracing::error!("REST answer does not serialize: {e}");
                self.envelope(StatusCode::INTERNAL_SERVER_ERROR, Err(RestError::Storage))
            }
            Err(e) => self.envelope(StatusCode::OK, Err(e)),
        }
    }

    fn envelope(
        self,
        status: StatusCode,
        result: Result<serde_json::Value, RestError>,
    ) -> Response {
        let request = Request {
            network: self.network.to_owned(),
            api_version: "v02".to_owned(),
            resource: self.resource,
            args: self.args,
            timestamp: rfc3339(now()),
        };
        let (status_field, result, error) = match result {
            Ok(v) => (ResultStatus::Success, Some(v), None),
            Err(e) => (ResultStatus::Error, None, Some(e.body())),
        };
        let body = super::types::Response { request, status: status_field, error, result };
        match serde_json::to_vec(&body) {
            Ok(bytes) => {
                (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
            }
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl<S: Storage> FromRequestParts<Rest<S>> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Rest<S>) -> Result<Self, Response> {
        let mut ctx = Ctx::new(network_name(state.chain.chain_id), &parts.uri);
        match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => {
                for (k, v) in &params {
                    ctx.args.insert(k.to_owned(), v.to_owned());
                }
                Ok(ctx)
            }
            Err(e) => Err(ctx.envelope(e.status(), Err(RestError::Query(e.body_text())))),
        }
    }
}

/// A JSON body, or the envelope saying why it is not one (with the rejection's HTTP status:
/// 400, 413, 415 or 422; boxed, a `Response` being large).
pub(crate) fn body<T>(
    ctx: Ctx,
    body: Result<Json<T>, JsonRejection>,
) -> Result<(Ctx, T), Box<Response>> {
    match body {
        Ok(Json(v)) => Ok((ctx, v)),
        Err(e) => Err(Box::new(ctx.envelope(e.status(), Err(RestError::Query(e.body_text()))))),
    }
}

async fn not_found<S: Storage>(State(st): State<Rest<S>>, uri: Uri) -> Response {
    let ctx = Ctx::new(network_name(st.chain.chain_id), &uri);
    let err = RestError::NotFound(uri.path().to_owned());
    ctx.envelope(StatusCode::NOT_FOUND, Err(err))
}

async fn not_allowed<S: Storage>(State(st): State<Rest<S>>, uri: Uri) -> Response {
    let ctx = Ctx::new(network_name(st.chain.chain_id), &uri);
    let err = RestError::MethodNotAllowed(uri.path().to_owned());
    ctx.envelope(StatusCode::METHOD_NOT_ALLOWED, Err(err))
}

/// The REST API over `core`, every path under `/api/v0.2`; bodies are bounded by
/// [`MAX_BODY`].
pub fn router<S: Storage>(core: Arc<NodeCore<S>>, chain: ChainInfo) -> Router {
    let p = |path: &str| format!("/api/v0.2{path}");
    let account = "/accounts/{account_id_or_address}";
    let block = "/blocks/{block_position}";
    Router::new()
        .route(&p(account), get(accounts::details::<S>))
        .route(&p(&format!("{account}/committed")), get(accounts::committed::<S>))
        .route(&p(&format!("{account}/finalized")), get(accounts::finalized::<S>))
        .route(&p(&format!("{account}/transactions")), get(accounts::txs::<S>))
        .route(&p("/blocks"), get(blocks::list::<S>))
        .route(&p(block), get(blocks::one::<S>))
        .route(&p(&format!("{block}/transactions")), get(blocks::txs::<S>))
        .route(&p("/transactions/{tx_hash}"), get(blocks::receipt::<S>))
        .route(&p("/transactions/{tx_hash}/data"), get(blocks::data::<S>))
        .route(&p("/tokens"), get(misc::tokens::<S>))
        .route(&p("/tokens/{token_like}"), get(misc::token::<S>))
        .route(&p("/config"), get(misc::config::<S>))
        .route(&p("/networkStatus"), get(misc::status::<S>))
        .route(&p("/fee"), post(misc::fee::<S>))
        .route(&p("/fee/batch"), post(misc::batch_fee::<S>))
        .fallback(not_found::<S>)
        .method_not_allowed_fallback(not_allowed::<S>)
        .layer(DefaultBodyLimit::max(MAX_BODY as usize))
        .with_state(Rest { core, chain })
}
