//! The node's HTTP endpoint on a real socket (127.0.0.1) over a real SQLite database: bad
//! requests get JSON-RPC errors and change nothing; a good transaction is persisted and
//! followed; metrics are served.

use std::sync::Arc;
use tern_node::metrics::Metrics;
use tern_node::node::NodeCore;
use tern_node::sequencer::{MempoolLimits, SealOutcome, Sequencer, SequencerConfig};
use tern_primitives::Address;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{ChainConfig, PriorityOp, State, TxItem};
use tern_storage::{
    BlockStore, MempoolStore, SqlStore, StoredPriorityOp, WatchedRange, WatcherStore,
};
use tern_types::{AccountId, ETH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };

async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    // A server may answer (and close) before an oversized body is fully sent.
    let _ = stream.write_all(body.as_bytes()).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

fn rpc_body(method: &str, params: serde_json::Value) -> String {
    serde_json::json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}).to_string()
}

/// A node core with one user (account 1, key set) over a fresh database, served on 127.0.0.1.
async fn serve(dir: &std::path::Path) -> (std::net::SocketAddr, Arc<NodeCore<SqlStore>>, Wallet) {
    let store = SqlStore::open_data_dir(dir).await.expect("sqlite");
    let config = SequencerConfig {
        chain: CHAIN,
        capacity: 8,
        fee_account: AccountId(0),
        limits: MempoolLimits::default(),
    };
    let mut user = Wallet::from_seed(1, CHAIN).expect("wallet");
    let deposits: Vec<StoredPriorityOp> = [(Address::new([0xfe; 20]), 0), (user.address, 1000)]
        .iter()
        .enumerate()
        .map(|(i, (to, amount))| StoredPriorityOp {
            serial_id: i as u64,
            op: PriorityOp::Deposit { token: ETH, amount: *amount, to: *to },
            expiration: 2_000_000_000,
            l1_block: 1,
            l1_tx: [1; 32],
            processed_in: None,
        })
        .collect();
    let range = WatchedRange {
        priority_ops: deposits.clone(),
        cursor: (1, [1; 32]),
        block_hashes: vec![(1, [1; 32])],
        ..Default::default()
    };
    store.apply_watched_range(&range).await.expect("deposits");
    let mut seq = Sequencer::new(config, State::new(), 0, 0, vec![]);
    user.account_id = AccountId(1);
    let cpk = user.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    for (priority, tx) in [(deposits, None), (vec![], Some(cpk))] {
        if let Some(tx) = tx {
            let a = seq.check(TxItem::Single(tx), 1_000).expect("admitted");
            let n =
                store.insert_mempool_item(&a.encoded, &a.hashes, false, 1).await.expect("insert");
            seq.accept(a, n);
        }
        let SealOutcome::Block(s) = seq.seal(&priority, 1_000).expect("seal") else {
            panic!("block")
        };
        store.write_sealed_block(&s.sealed).await.expect("write");
        seq.finish_seal(*s);
    }
    let core = Arc::new(NodeCore::new(store, seq, Metrics::new().expect("metrics")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = tern_node::http::router(Arc::clone(&core));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, core, user)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_errors_and_change_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let (addr, core, _) = serve(dir.path()).await;
    let cases = [
        ("not json", -32700),
        (r#"{"jsonrpc":"2.0","id":1}"#, -32600),
        (&rpc_body("no_such_method", serde_json::json!([])), -32601),
        (&rpc_body("tx_submit", serde_json::json!([])), -32602),
        (&rpc_body("tx_submit", serde_json::json!(["0xzz"])), -32602),
        (&rpc_body("tx_submit", serde_json::json!(["0x0102"])), 101),
        (&rpc_body("tx_info", serde_json::json!(["0x01"])), -32602),
        (&rpc_body("submit_txs_batch", serde_json::json!([[]])), 101),
    ];
    for (body, code) in cases {
        let (status, reply) = request(addr, "POST", "/", body).await;
        assert_eq!(status, 200, "{body}");
        let reply: serde_json::Value = serde_json::from_str(&reply).expect("json");
        assert_eq!(reply["error"]["code"], code, "{body}: {reply}");
    }
    let huge = "x".repeat(tern_node::http::MAX_BODY + 1);
    let (status, _) = request(addr, "POST", "/", &huge).await;
    assert_eq!(status, 413, "an oversized body is refused");
    assert_eq!(core.queue_len().await, 0);
    assert!(core.store().queued_items().await.expect("queued").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_is_persisted_then_followed_and_metrics_are_served() {
    let dir = tempfile::tempdir().expect("dir");
    let (addr, core, mut user) = serve(dir.path()).await;
    let tx = user.transfer(Address::new([9; 20]), ETH, 10, 1).expect("sign");
    let hex = format!("0x{}", hex::encode(tx.encode()));
    let (_, reply) =
        request(addr, "POST", "/", &rpc_body("tx_submit", serde_json::json!([hex]))).await;
    let reply: serde_json::Value = serde_json::from_str(&reply).expect("json");
    let hash = reply["result"].as_str().expect("a hash").to_owned();
    assert_eq!(core.store().queued_items().await.expect("queued").len(), 1, "persisted");
    let (_, again) =
        request(addr, "POST", "/", &rpc_body("tx_submit", serde_json::json!([hex]))).await;
    assert!(again.contains("already queued"), "{again}");
    let (_, info) =
        request(addr, "POST", "/", &rpc_body("tx_info", serde_json::json!([hash]))).await;
    let info: serde_json::Value = serde_json::from_str(&info).expect("json");
    assert_eq!(info["result"]["executed"], false);
    assert_eq!(core.seal().await.expect("seal"), Some(3));
    let (_, info) =
        request(addr, "POST", "/", &rpc_body("tx_info", serde_json::json!([hash]))).await;
    let info: serde_json::Value = serde_json::from_str(&info).expect("json");
    assert_eq!(info["result"]["success"], true, "{info}");
    assert_eq!(info["result"]["block"]["blockNumber"], 3);
    let (_, status) =
        request(addr, "POST", "/", &rpc_body("tern_status", serde_json::json!([]))).await;
    assert!(status.contains("\"lastSealed\":3"), "{status}");
    let (code, metrics) = request(addr, "GET", "/metrics", "").await;
    assert_eq!(code, 200);
    assert!(metrics.contains("tern_mempool_items 0"), "{metrics}");
    assert!(metrics.contains("tern_last_block{stage=\"sealed\"} 3"), "{metrics}");
}
