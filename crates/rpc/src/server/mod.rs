//! The JSON-RPC servers over a running node: HTTP on `--rpc-addr` (default 127.0.0.1:3030)
//! and WebSocket on `--ws-addr` (default 127.0.0.1:3031). Both ports speak both protocols
//! (jsonrpsee serves HTTP and WebSocket on one socket); subscriptions need WebSocket. With
//! [`RpcSettings::rest_addr`] set, the REST API ([`crate::rest`]) is bound and served beside
//! them, over the same readers.
//!
//! Readers never take the sequencer's lock: committed state comes from the snapshot the node
//! publishes after each sealed block (`NodeCore::committed_state`), verified state and receipts
//! from storage.
//!
//! Block events for subscriptions come from [`events`]: a task polls storage every
//! [`RpcSettings::poll`] for the last sealed and the last executed block and publishes the pair
//! on a `tokio::sync::watch` channel. Polling (two indexed queries) keeps the node free of any
//! API concern, and sees every writer: the sequencer, the L1 sender, or a test.

mod errors;
pub mod events;
mod methods;
pub(crate) mod reads;
mod subscriptions;

use crate::api::TernApiServer;
use events::BlockEvents;
use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, ServerHandle};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tern_node::launch::ChainInfo;
use tern_node::node::{NodeCore, Shutdown};
use tern_storage::Storage;

/// The largest request body accepted, bytes.
pub const MAX_BODY: u32 = 256 * 1024;

/// The server's limits and addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcSettings {
    /// HTTP JSON-RPC.
    pub http_addr: SocketAddr,
    /// WebSocket JSON-RPC.
    pub ws_addr: SocketAddr,
    /// Largest request body.
    pub max_body: u32,
    /// Connections per server.
    pub max_connections: u32,
    /// Subscriptions per WebSocket connection.
    pub max_subscriptions: u32,
    /// Requests in one JSON-RPC batch.
    pub max_batch: u32,
    /// How often block events are polled from storage.
    pub poll: Duration,
    /// The REST API (`/api/v0.2`), if served.
    pub rest_addr: Option<SocketAddr>,
}

impl RpcSettings {
    /// Default limits on the given addresses.
    pub fn new(http_addr: SocketAddr, ws_addr: SocketAddr) -> Self {
        Self {
            http_addr,
            ws_addr,
            max_body: MAX_BODY,
            max_connections: 128,
            max_subscriptions: 64,
            max_batch: 20,
            poll: Duration::from_millis(200),
            rest_addr: None,
        }
    }

    /// Also serves the REST API on `addr`.
    pub fn with_rest(mut self, addr: SocketAddr) -> Self {
        self.rest_addr = Some(addr);
        self
    }
}

/// Why the servers could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A port could not be bound.
    #[error("cannot listen for {what} on {addr}: {source}; pick another address")]
    Bind {
        /// HTTP or WebSocket.
        what: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Servers bound to their ports, not yet serving (so a port in use fails before the node
/// starts).
#[derive(Debug)]
pub struct Bound {
    http: Server,
    ws: Server,
    rest: Option<tokio::net::TcpListener>,
    settings: RpcSettings,
}

/// The running servers.
#[derive(Debug, Clone)]
pub struct Running {
    /// The HTTP server's address.
    pub http_addr: SocketAddr,
    /// The WebSocket server's address.
    pub ws_addr: SocketAddr,
    /// The REST API's address, if served (it stops with the node's shutdown).
    pub rest_addr: Option<SocketAddr>,
    /// Stops both JSON-RPC servers.
    pub handles: [ServerHandle; 2],
}

fn config(s: &RpcSettings) -> ServerConfig {
    ServerConfig::builder()
        .max_request_body_size(s.max_body)
        .max_response_body_size(16 * 1024 * 1024)
        .max_connections(s.max_connections)
        .max_subscriptions_per_connection(s.max_subscriptions)
        .set_batch_request_config(BatchRequestConfig::Limit(s.max_batch))
        .build()
}

async fn bind_one(
    what: &'static str,
    addr: SocketAddr,
    s: &RpcSettings,
) -> Result<Server, ServeError> {
    Server::builder().set_config(config(s)).build(addr).await.map_err(|source| ServeError::Bind {
        what,
        addr,
        source,
    })
}

/// Binds both JSON-RPC servers, and the REST API if asked for.
pub async fn bind(settings: RpcSettings) -> Result<Bound, ServeError> {
    let http = bind_one("JSON-RPC over HTTP", settings.http_addr, &settings).await?;
    let ws = bind_one("JSON-RPC over WebSocket", settings.ws_addr, &settings).await?;
    let rest = match settings.rest_addr {
        Some(addr) => {
            Some(tokio::net::TcpListener::bind(addr).await.map_err(|source| ServeError::Bind {
                what: "the REST API",
                addr,
                source,
            })?)
        }
        None => None,
    };
    Ok(Bound { http, ws, rest, settings })
}

/// Serves the REST router on `listener` until `shutdown`.
fn serve_rest(listener: tokio::net::TcpListener, app: axum::Router, mut shutdown: Shutdown) {
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown.wait_for(|s| *s).await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("REST API stopped: {e}");
        }
    });
}

impl Bound {
    /// Serves `core`'s API until `shutdown`. Must run inside a tokio runtime.
    pub fn start<S: Storage>(
        self,
        core: Arc<NodeCore<S>>,
        chain: ChainInfo,
        mut shutdown: Shutdown,
    ) -> Running {
        let events = BlockEvents::spawn(core.store().clone(), self.settings.poll, shutdown.clone());
        let api = methods::Api { core, chain, events };
        let addr = |s: &Server, fallback| s.local_addr().unwrap_or(fallback);
        let (http_addr, ws_addr) =
            (addr(&self.http, self.settings.http_addr), addr(&self.ws, self.settings.ws_addr));
        let rest_addr = self.rest.as_ref().and_then(|l| l.local_addr().ok());
        if let Some(listener) = self.rest {
            let app = crate::rest::router(Arc::clone(&api.core), chain);
            serve_rest(listener, app, shutdown.clone());
        }
        let handles = [self.http.start(api.clone().into_rpc()), self.ws.start(api.into_rpc())];
        let stop = handles.clone();
        tokio::spawn(async move {
            let _ = shutdown.wait_for(|s| *s).await;
            for h in stop {
                let _ = h.stop();
            }
        });
        tracing::info!(%http_addr, %ws_addr, "JSON-RPC listening");
        if let Some(addr) = rest_addr {
            tracing::info!(%addr, "REST API listening on /api/v0.2");
        }
        Running { http_addr, ws_addr, rest_addr, handles }
    }
}
