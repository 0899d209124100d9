//! Clients for a node's API: HTTP for calls, WebSocket for calls and subscriptions. Both
//! implement [`crate::TernApiClient`].

pub use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};
pub use jsonrpsee_ws_client::{WsClient, WsClientBuilder};

/// Why a client could not be built.
pub type ClientError = jsonrpsee::core::ClientError;

/// An HTTP client for `url` (`http://127.0.0.1:3030`).
pub fn http(url: &str) -> Result<HttpClient, ClientError> {
    HttpClientBuilder::default().build(url)
}

/// A WebSocket client for `url` (`ws://127.0.0.1:3031`).
pub async fn ws(url: &str) -> Result<WsClient, ClientError> {
    WsClientBuilder::default().build(url).await
}
