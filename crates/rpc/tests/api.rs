//! The API on real sockets (127.0.0.1) over a real node core on SQLite, without L1: every
//! method through the typed client, subscriptions over WebSocket, hostile requests over raw
//! HTTP, and the fee check.

use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee_ws_client::WsClientBuilder;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tern_node::fees::FeeConfig;
use tern_node::node::NodeCore;
use tern_primitives::Address;
use tern_rpc::server::{bind, RpcSettings, Running};
use tern_rpc::types::*;
use tern_rpc::TernApiClient;
use tern_state::wallet::Wallet;
use tern_storage::{BlockStore, L1Stage, MempoolStore, SqlStore};
use tern_types::ETH;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

mod common;

use common::{deposit, watch_deposits, CHAIN, INFO};

struct Fixture {
    core: Arc<NodeCore<SqlStore>>,
    running: Running,
    user: Wallet,
    _stop: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

/// The common node, served on ephemeral ports.
async fn start(fees: Option<FeeConfig>) -> Fixture {
    let common::Node { core, user, dir } = common::node(fees).await;
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut settings = RpcSettings::new(local, local);
    settings.poll = Duration::from_millis(50);
    let bound = bind(settings).await.expect("bind");
    let (stop, shutdown) = watch::channel(false);
    let running = bound.start(Arc::clone(&core), INFO, shutdown);
    Fixture { core, running, user, _stop: stop, _dir: dir }
}

fn http(f: &Fixture) -> HttpClient {
    HttpClientBuilder::default().build(format!("http://{}", f.running.http_addr)).expect("client")
}

async fn raw(addr: SocketAddr, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let _ = stream.write_all(body.as_bytes()).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned())
}

fn call(method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string()
}

fn eth(amount: u128) -> std::collections::BTreeMap<String, DecimalString> {
    [("ETH".to_owned(), DecimalString(amount))].into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_transactions_and_blocks_read_exactly() {
    let mut f = start(None).await;
    let c = http(&f);
    let info = c.account_info(Addr(f.user.address)).await.expect("account_info");
    assert_eq!(info.id, Some(1));
    assert_eq!(info.committed.balances, eth(1000));
    assert_eq!(info.committed.nonce, 1);
    assert_eq!(info.committed.pub_key_hash, f.user.pubkey_hash());
    assert_eq!(info.verified, AccountState::default(), "nothing executed on L1 yet");
    assert!(info.depositing.balances.is_empty());

    // A pending deposit shows as depositing until a block takes it.
    watch_deposits(f.core.store(), vec![deposit(2, f.user.address, 500, 2)], 2).await;
    let info = c.account_info(Addr(f.user.address)).await.expect("account_info");
    let want = DepositingFunds { amount: 500, expected_accept_block: 2 };
    assert_eq!(info.depositing.balances.get("ETH"), Some(&want));
    assert_eq!(c.ethop_info(2).await.expect("ethop"), EthOpInfo { executed: false, block: None });

    // A JSON transfer to a new address, and a wire-encoded one.
    let to = Address::new([9; 20]);
    let t1 = f.user.transfer(to, ETH, 100, 0).expect("sign");
    let h1 = c.tx_submit(TxParam::json(&t1), None, None).await.expect("submitted");
    let t2 = f.user.transfer(to, ETH, 50, 0).expect("sign");
    let h2 = c.tx_submit(TxParam::wire(&t2), None, None).await.expect("submitted");
    let queued = c.tx_info(h1).await.expect("tx_info");
    assert_eq!(queued, TxInfo { executed: false, success: None, fail_reason: None, block: None });
    assert_eq!(f.core.seal().await.expect("seal"), Some(3));
    let done = c.tx_info(h2).await.expect("tx_info");
    let block = BlockInfo { block_number: 3, committed: false, verified: false };
    assert_eq!(
        done,
        TxInfo { executed: true, success: Some(true), fail_reason: None, block: Some(block) }
    );
    assert_eq!(c.ethop_info(2).await.expect("ethop").block, Some(block));

    let info = c.account_info(Addr(f.user.address)).await.expect("account_info");
    assert_eq!(info.committed.balances, eth(1000 + 500 - 150));
    assert_eq!(info.committed.nonce, 3);
    assert!(info.depositing.balances.is_empty());
    let to_info = c.account_info(Addr(to)).await.expect("account_info");
    assert_eq!((to_info.id, to_info.committed.balances), (Some(2), eth(150)));
    let nobody = c.account_info(Addr(Address::new([7; 20]))).await.expect("account_info");
    assert_eq!((nobody.id, nobody.committed), (None, AccountState::default()));

    // L1 executes blocks 1 to 3: verified state and the withdrawal's L1 transaction appear.
    assert_eq!(c.get_eth_tx_for_withdrawal(h1).await.expect("eth tx"), None);
    f.core.store().set_l1_stage(1, 3, L1Stage::Executed, [0xee; 32]).await.expect("stage");
    let info = c.account_info(Addr(f.user.address)).await.expect("account_info");
    assert_eq!(info.verified, info.committed);
    let verified = c.tx_info(h1).await.expect("tx_info").block.expect("block");
    assert!(verified.committed && verified.verified);
    let eth_tx = c.get_eth_tx_for_withdrawal(h1).await.expect("eth tx");
    assert_eq!(eth_tx, Some(format!("0x{}", "ee".repeat(32))));

    // A batch.
    let b1 = f.user.transfer(to, ETH, 1, 0).expect("sign");
    let b2 = f.user.transfer(to, ETH, 2, 0).expect("sign");
    let hashes = c
        .submit_txs_batch(vec![BatchTx(TxParam::json(&b1)), BatchTx(TxParam::wire(&b2))], None)
        .await
        .expect("batch");
    assert_eq!(hashes.len(), 2);
    let status = c.tern_status().await.expect("status");
    assert_eq!((status.last_sealed, status.last_executed, status.mempool), (3, 3, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_token_fee_and_nft_methods() {
    let f = start(None).await;
    let c = http(&f);
    let tokens = c.tokens().await.expect("tokens");
    let eth_token = TokenInfo {
        id: 0,
        address: Address::ZERO,
        symbol: "ETH".into(),
        decimals: Some(18),
        is_nft: false,
    };
    assert_eq!(tokens.get("ETH"), Some(&eth_token));
    let contract = c.contract_address().await.expect("contract");
    assert_eq!(contract.main_contract, CHAIN.contract);
    assert_eq!(c.get_confirmations_for_eth_op_amount().await.expect("confirmations"), 3);
    assert_eq!(c.get_token_price(json!("ETH")).await.expect("price"), "1");
    let fee = c.get_tx_fee(FeeType::Transfer, Addr(Address::new([5; 20])), json!(0)).await;
    let fee = fee.expect("fee");
    assert_eq!((fee.fee_type, fee.total_fee), (FeeType::TransferToNew, 0), "devnet fees are free");
    let fee = c.get_tx_fee(FeeType::Transfer, Addr(f.user.address), json!("ETH")).await;
    assert_eq!(fee.expect("fee").fee_type, FeeType::Transfer);
    let batch = c
        .get_txs_batch_fee_in_wei(vec![FeeType::Withdraw], vec![Addr(f.user.address)], json!(0))
        .await
        .expect("batch fee");
    assert_eq!(batch.total_fee, 0);
    let unknown = c.get_tx_fee(FeeType::Transfer, Addr(f.user.address), json!(9)).await;
    assert!(unknown.is_err());
    assert_eq!(c.get_nft(0).await.expect("nft"), None);
    assert_eq!(c.get_nft_owner(0).await.expect("owner"), None);
    assert!(c.get_zksync_version().await.expect("version").starts_with("tern-"));
    let v = c.tern_version().await.expect("version");
    assert_eq!((v.chain_id, v.contract), (31337, CHAIN.contract));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fees_below_the_quote_are_refused() {
    let config = FeeConfig {
        // Tiny prices: the user holds 1000 wei.
        gas_price_override: Some(1),
        block_fixed_gas: 80,
        proving_wei_per_chunk: 10,
        enforce: true,
        ..FeeConfig::free(8)
    };
    let mut f = start(Some(config)).await;
    let c = http(&f);
    let to = Address::new([9; 20]);
    let quote = c.get_tx_fee(FeeType::Transfer, Addr(to), json!(0)).await.expect("quote");
    assert_eq!(quote.fee_type, FeeType::TransferToNew);
    assert_eq!(quote.gas_price_wei, 1);
    assert!(quote.total_fee >= quote.gas_fee + quote.zkp_fee && quote.gas_fee > 0);
    let cheap = f.user.transfer(to, ETH, 10, 1).expect("sign");
    let err = c.tx_submit(TxParam::json(&cheap), None, None).await.expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("104") && text.contains("fee is too low"), "{text}");
    assert_eq!(f.core.queue_len().await, 0, "nothing queued");
    f.user.nonce -= 1;
    let paid = f.user.transfer(to, ETH, 10, quote.total_fee).expect("sign");
    c.tx_submit(TxParam::json(&paid), None, None).await.expect("a quoted fee is accepted");
}

async fn next<T: serde::de::DeserializeOwned>(
    sub: &mut jsonrpsee::core::client::Subscription<T>,
) -> T {
    tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .expect("a notification in time")
        .expect("open")
        .expect("well formed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_notify_on_commit_and_verify() {
    let mut f = start(None).await;
    let ws =
        WsClientBuilder::default().build(format!("ws://{}", f.running.ws_addr)).await.expect("ws");
    let to = Address::new([9; 20]);
    let tx = f.user.transfer(to, ETH, 100, 0).expect("sign");
    let hash = ws.tx_submit(TxParam::json(&tx), None, None).await.expect("submitted");
    let mut commit = ws.tx_subscribe(hash, ActionType::Commit).await.expect("subscribe");
    let mut verify = ws.tx_subscribe(hash, ActionType::Verify).await.expect("subscribe");
    let mut account =
        ws.account_subscribe(Addr(f.user.address), ActionType::Commit).await.expect("sub");
    let mut verified =
        ws.account_subscribe(Addr(f.user.address), ActionType::Verify).await.expect("sub");
    let mut ethop = ws.ethop_subscribe(1, ActionType::Verify).await.expect("subscribe");
    assert_eq!(f.core.seal().await.expect("seal"), Some(3));
    let info = next(&mut commit).await;
    assert_eq!((info.success, info.block.map(|b| b.block_number)), (Some(true), Some(3)));
    let state = next(&mut account).await;
    assert_eq!((state.balances, state.nonce), (eth(900), 2));
    f.core.store().set_l1_stage(1, 3, L1Stage::Executed, [0xee; 32]).await.expect("stage");
    assert!(next(&mut verify).await.block.expect("block").verified);
    assert_eq!(next(&mut verified).await.balances, eth(900));
    let op = next(&mut ethop).await;
    assert_eq!(op.block.map(|b| (b.block_number, b.verified)), Some((1, true)));
}

/// zkSync Lite's JavaScript SDK unsubscribes as soon as a `tx_subscribe` notifies, and takes
/// anything but `true` as an error: the notified subscription is still there to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notified_subscription_unsubscribes_with_true() {
    use jsonrpsee::core::client::{ClientT, SubscriptionKind};
    use jsonrpsee::core::params::ArrayParams;
    let mut f = start(None).await;
    let ws =
        WsClientBuilder::default().build(format!("ws://{}", f.running.ws_addr)).await.expect("ws");
    let tx = f.user.transfer(Address::new([9; 20]), ETH, 100, 0).expect("sign");
    let hash = ws.tx_submit(TxParam::json(&tx), None, None).await.expect("submitted");
    let mut commit = ws.tx_subscribe(hash, ActionType::Commit).await.expect("subscribe");
    let SubscriptionKind::Subscription(id) = commit.kind().clone() else {
        panic!("a subscription id");
    };
    assert_eq!(f.core.seal().await.expect("seal"), Some(3));
    assert_eq!(next(&mut commit).await.success, Some(true));
    let mut params = ArrayParams::new();
    params.insert(id).expect("params");
    let ended: bool = ws.request("tx_unsubscribe", params.clone()).await.expect("unsubscribe");
    assert!(ended, "the notified subscription was still registered");
    let again: bool = ws.request("tx_unsubscribe", params).await.expect("unsubscribe");
    assert!(!again, "an ended subscription is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_errors_and_change_nothing() {
    let f = start(None).await;
    let addr = f.running.http_addr;
    let cases = [
        ("not json".to_owned(), -32700),
        (r#"{"jsonrpc":"2.0","id":1}"#.to_owned(), -32600),
        (call("no_such_method", json!([])), -32601),
        (call("tx_submit", json!([])), -32602),
        (call("tx_submit", json!([42])), -32602),
        (call("tx_submit", json!(["0xzz"])), -32602),
        (call("tx_submit", json!(["0x0102"])), 103),
        (call("tx_submit", json!([{"type": "Transfer"}])), -32602),
        (call("tx_info", json!(["0x01"])), -32602),
        (call("account_info", json!(["0x12"])), -32602),
        (call("ethop_info", json!([-1])), -32602),
        (
            call("get_tx_fee", json!(["Close", "0x0000000000000000000000000000000000000000", 0])),
            -32602,
        ),
        (call("submit_txs_batch", json!([[]])), 103),
    ];
    for (body, code) in &cases {
        let (status, reply) = raw(addr, body).await;
        let reply: Value = serde_json::from_str(&reply)
            .unwrap_or_else(|e| panic!("{body}: {status} {e}: {reply}"));
        assert_eq!(reply["error"]["code"], *code, "{body}: {reply}");
    }
    let huge = call("tx_submit", json!(["0x".to_owned() + &"00".repeat(300 * 1024)]));
    let (status, reply) = raw(addr, &huge).await;
    assert!(status == 413 || reply.contains("-32007"), "{status} {reply}");
    let (_, reply) = raw(addr, &call("tern_status", json!([]))).await;
    let status: Value = serde_json::from_str(&reply).expect("json");
    assert_eq!(status["result"]["mempool"], 0, "{status}");
    assert_eq!(f.core.queue_len().await, 0);
    assert!(f.core.store().queued_items().await.expect("queued").is_empty());
}
