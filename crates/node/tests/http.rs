//! The node's HTTP endpoint (metrics) on a real socket (127.0.0.1) over a real SQLite
//! database.

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
async fn metrics_are_served_and_nothing_else() {
    let dir = tempfile::tempdir().expect("dir");
    let (addr, core, mut user) = serve(dir.path()).await;
    let tx = user.transfer(Address::new([9; 20]), ETH, 10, 1).expect("sign");
    core.submit(&[tx.encode()], false).await.expect("accepted");
    assert_eq!(core.store().queued_items().await.expect("queued").len(), 1, "persisted");
    let (code, metrics) = request(addr, "GET", "/metrics", "").await;
    assert_eq!(code, 200);
    assert!(metrics.contains("tern_mempool_items 1"), "{metrics}");
    assert_eq!(core.seal().await.expect("seal"), Some(3));
    let (_, metrics) = request(addr, "GET", "/metrics", "").await;
    assert!(metrics.contains("tern_mempool_items 0"), "{metrics}");
    assert!(metrics.contains("tern_last_block{stage=\"sealed\"} 3"), "{metrics}");
    // The JSON-RPC API is tern-rpc's (crates/rpc/tests/api.rs), not this endpoint's.
    let (code, _) =
        request(addr, "POST", "/", &rpc_body("tern_status", serde_json::json!([]))).await;
    assert_eq!(code, 404);
    let huge = "x".repeat(tern_node::http::MAX_BODY + 1);
    let (code, _) = request(addr, "POST", "/metrics", &huge).await;
    assert!(code == 405 || code == 413, "{code}");
}
