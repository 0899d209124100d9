//! [`Provider`]: the node's JSON-RPC API (`tern-rpc`'s typed client over HTTP; WebSocket for
//! subscriptions), with the waits a wallet needs: [`Provider::wait_committed`] and
//! [`Provider::wait_verified`], by subscription when a WebSocket endpoint is known, else by
//! polling, always with a timeout.

use crate::error::SdkError;
use crate::tokens::{Token, TokenList};
use alloy_primitives::Address;
use std::time::Duration;
use tern_rpc::client::{HttpClient, WsClient};
use tern_rpc::jsonrpsee::core::ClientError;
use tern_rpc::types::{
    AccountInfo, ActionType, Addr, BatchTx, EthOpInfo, Fee, FeeType, NodeStatus, TxHash, TxInfo,
    TxParam,
};
use tern_rpc::TernApiClient;
use tern_state::ChainConfig;
use tern_types::{SignedTx, TokenId};

/// How long [`Provider::wait_committed`] and [`Provider::wait_verified`] wait by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How often a wait polls `tx_info` when it has no subscription.
pub const DEFAULT_POLL: Duration = Duration::from_millis(250);

/// A connection to a Tern node's JSON-RPC API (see the module docs).
#[derive(Debug, Clone)]
pub struct Provider {
    http: HttpClient,
    url: String,
    ws_url: Option<String>,
    timeout: Duration,
    poll: Duration,
}

/// Maps a client error to the SDK's, naming the method and, when the node was not reached or
/// answered nonsense, its URL.
fn map_err(url: &str, method: &'static str, e: ClientError) -> SdkError {
    match e {
        ClientError::Call(obj) => {
            SdkError::Refused { method, code: obj.code(), message: obj.message().to_owned() }
        }
        other => SdkError::Transport { method, message: format!("node at {url}: {other}") },
    }
}

impl Provider {
    /// A provider for the node's HTTP endpoint (`http://127.0.0.1:3030`). No request is made
    /// until a call.
    ///
    /// ```
    /// let provider = tern_sdk::Provider::new("http://127.0.0.1:3030")?
    ///     .with_ws("ws://127.0.0.1:3031")
    ///     .with_timeout(std::time::Duration::from_secs(30));
    /// # Ok::<(), tern_sdk::SdkError>(())
    /// ```
    pub fn new(http_url: &str) -> Result<Self, SdkError> {
        let http = tern_rpc::client::http(http_url)
            .map_err(|e| SdkError::Config(format!("node URL {http_url:?}: {e}")))?;
        Ok(Self {
            http,
            url: http_url.to_owned(),
            ws_url: None,
            timeout: DEFAULT_TIMEOUT,
            poll: DEFAULT_POLL,
        })
    }

    /// Waits through subscriptions on the node's WebSocket endpoint (`ws://127.0.0.1:3031`).
    pub fn with_ws(mut self, ws_url: &str) -> Self {
        self.ws_url = Some(ws_url.to_owned());
        self
    }

    /// How long a wait lasts before [`SdkError::Timeout`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How often a wait polls when it has no subscription.
    pub fn with_poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    fn err(&self, method: &'static str) -> impl FnOnce(ClientError) -> SdkError + '_ {
        move |e| map_err(&self.url, method, e)
    }

    /// The generated typed client, for methods the provider does not wrap.
    pub fn client(&self) -> &HttpClient {
        &self.http
    }

    /// `account_info`: balances, nonce and key of `address`, committed and verified.
    pub async fn account_info(&self, address: Address) -> Result<AccountInfo, SdkError> {
        self.http.account_info(Addr(address)).await.map_err(self.err("account_info"))
    }

    /// `tokens`: the listed tokens. A token whose decimals the node does not know is given 0,
    /// so its amounts are read in base units (never scaled by a guess).
    pub async fn tokens(&self) -> Result<TokenList, SdkError> {
        let map = self.http.tokens().await.map_err(self.err("tokens"))?;
        Ok(TokenList::new(
            map.into_values()
                .map(|t| Token {
                    id: TokenId(t.id),
                    symbol: t.symbol,
                    address: t.address,
                    decimals: t.decimals.unwrap_or(0),
                })
                .collect(),
        ))
    }

    /// The rollup contract (`contract_address`).
    pub async fn contract_address(&self) -> Result<Address, SdkError> {
        let c = self.http.contract_address().await.map_err(self.err("contract_address"))?;
        Ok(c.main_contract)
    }

    /// The chain id and rollup contract the node serves (`tern_version`): what the L2 key
    /// derivation and ChangePubKey's L1 authorisation sign over.
    pub async fn chain(&self) -> Result<ChainConfig, SdkError> {
        let v = self.http.tern_version().await.map_err(self.err("tern_version"))?;
        Ok(ChainConfig { chain_id: v.chain_id, contract: v.contract })
    }

    /// `tern_status`: blocks per stage, mempool size.
    pub async fn status(&self) -> Result<NodeStatus, SdkError> {
        self.http.tern_status().await.map_err(self.err("tern_status"))
    }

    /// `get_tx_fee`: the fee quote for one transaction of `kind` to `to`, paid in `token`.
    pub async fn tx_fee(
        &self,
        kind: FeeType,
        to: Address,
        token: TokenId,
    ) -> Result<Fee, SdkError> {
        self.http
            .get_tx_fee(kind, Addr(to), serde_json::Value::from(token.0))
            .await
            .map_err(self.err("get_tx_fee"))
    }

    /// `get_txs_batch_fee_in_wei`: the total fee of a batch, in `token`'s base units.
    pub async fn batch_fee(
        &self,
        kinds: Vec<FeeType>,
        to: Vec<Address>,
        token: TokenId,
    ) -> Result<u128, SdkError> {
        let to = to.into_iter().map(Addr).collect();
        let fee = self
            .http
            .get_txs_batch_fee_in_wei(kinds, to, serde_json::Value::from(token.0))
            .await
            .map_err(self.err("get_txs_batch_fee_in_wei"))?;
        Ok(fee.total_fee)
    }

    /// `tx_submit`: submits a signed transaction (as JSON); its hash once the node has
    /// persisted it.
    pub async fn submit(&self, tx: &SignedTx) -> Result<TxHash, SdkError> {
        self.http.tx_submit(TxParam::json(tx), None, None).await.map_err(self.err("tx_submit"))
    }

    /// `submit_txs_batch`: submits an atomic batch (all applied or none); the hashes, in order.
    pub async fn submit_batch(&self, txs: &[SignedTx]) -> Result<Vec<TxHash>, SdkError> {
        let txs = txs.iter().map(|tx| BatchTx(TxParam::json(tx))).collect();
        self.http.submit_txs_batch(txs, None).await.map_err(self.err("submit_txs_batch"))
    }

    /// `tx_info`: where a transaction stands.
    pub async fn tx_info(&self, hash: TxHash) -> Result<TxInfo, SdkError> {
        self.http.tx_info(hash).await.map_err(self.err("tx_info"))
    }

    /// `ethop_info`: where a priority operation (a deposit, a full exit) stands.
    pub async fn ethop_info(&self, serial_id: u64) -> Result<EthOpInfo, SdkError> {
        self.http.ethop_info(serial_id).await.map_err(self.err("ethop_info"))
    }

    /// Waits until the transaction's block is sealed (`COMMIT`); fails with
    /// [`SdkError::TxFailed`] if the block rejected it, [`SdkError::Timeout`] after the timeout.
    ///
    /// ```no_run
    /// # async fn f(provider: tern_sdk::Provider, hash: tern_rpc::types::TxHash) -> Result<(), tern_sdk::SdkError> {
    /// let info = provider.wait_committed(hash).await?;
    /// println!("in block {:?}", info.block.map(|b| b.block_number));
    /// # Ok(()) }
    /// ```
    pub async fn wait_committed(&self, hash: TxHash) -> Result<TxInfo, SdkError> {
        self.wait_tx(hash, ActionType::Commit).await
    }

    /// Waits until the transaction's block is executed on L1 (`VERIFY`, final).
    pub async fn wait_verified(&self, hash: TxHash) -> Result<TxInfo, SdkError> {
        self.wait_tx(hash, ActionType::Verify).await
    }

    /// Waits until a priority operation's block is sealed or (with `verified`) executed on L1.
    pub async fn wait_ethop(&self, serial_id: u64, verified: bool) -> Result<EthOpInfo, SdkError> {
        let state = if verified { "verified" } else { "committed" };
        let wait = async {
            loop {
                let info = self.ethop_info(serial_id).await?;
                let done = info.block.is_some_and(|b| !verified || b.verified);
                if info.executed && done {
                    return Ok(info);
                }
                tokio::time::sleep(self.poll).await;
            }
        };
        tokio::time::timeout(self.timeout, wait).await.map_err(|_| SdkError::Timeout {
            hash: format!("priority operation {serial_id}"),
            state,
            after: self.timeout,
        })?
    }

    async fn wait_tx(&self, hash: TxHash, action: ActionType) -> Result<TxInfo, SdkError> {
        let state = match action {
            ActionType::Commit => "committed",
            ActionType::Verify => "verified",
        };
        let wait = async {
            if let Some(url) = &self.ws_url {
                // A WebSocket that cannot be opened costs the subscription only: polling
                // over HTTP still gets the answer.
                if let Ok(ws) = tern_rpc::client::ws(url).await {
                    return self.wait_subscribed(&ws, hash, action).await;
                }
            }
            self.wait_polling(hash, action).await
        };
        tokio::time::timeout(self.timeout, wait).await.map_err(|_| SdkError::Timeout {
            hash: hash.to_string(),
            state,
            after: self.timeout,
        })?
    }

    async fn wait_subscribed(
        &self,
        ws: &WsClient,
        hash: TxHash,
        action: ActionType,
    ) -> Result<TxInfo, SdkError> {
        let mut sub = ws.tx_subscribe(hash, action).await.map_err(self.err("tx_subscribe"))?;
        // The transaction may have reached the state before the subscription started, and then
        // no notification comes: ask once after subscribing.
        if let Some(info) = reached(hash, self.tx_info(hash).await?, action)? {
            return Ok(info);
        }
        while let Some(item) = sub.next().await {
            let info = item.map_err(|e| SdkError::Node(format!("tx_subscribe: {e}")))?;
            if let Some(info) = reached(hash, info, action)? {
                return Ok(info);
            }
        }
        // The node closed the subscription: fall back to asking.
        self.wait_polling(hash, action).await
    }

    async fn wait_polling(&self, hash: TxHash, action: ActionType) -> Result<TxInfo, SdkError> {
        loop {
            if let Some(info) = reached(hash, self.tx_info(hash).await?, action)? {
                return Ok(info);
            }
            tokio::time::sleep(self.poll).await;
        }
    }
}

/// `Some(info)` once the transaction is in a block that reached `action`'s stage; an error if a
/// block rejected it.
fn reached(hash: TxHash, info: TxInfo, action: ActionType) -> Result<Option<TxInfo>, SdkError> {
    if info.success == Some(false) {
        let reason = info.fail_reason.unwrap_or_else(|| "no reason given".to_owned());
        return Err(SdkError::TxFailed { hash: hash.to_string(), reason });
    }
    let done = match (info.block, action) {
        (Some(_), ActionType::Commit) => true,
        (Some(b), ActionType::Verify) => b.verified,
        (None, _) => false,
    };
    Ok((info.executed && done).then_some(info))
}
