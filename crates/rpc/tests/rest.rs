//! The REST API `/api/v0.2` over a real node core on SQLite, without L1: the router called
//! in-process for every resource (pages, unknown items, malformed input, statuses from queued
//! to finalized), and once on a real socket beside the JSON-RPC servers.
//!
//! With `TERN_REST_EXAMPLES=FILE`, every request and response is appended to FILE as one JSON
//! line: `docs/api.md`'s REST examples are taken from there.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use common::{deposit, node, watch_deposits, Node, CHAIN, INFO};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tern_node::fees::FeeConfig;
use tern_node::node::signed_tx_hash;
use tern_primitives::Address;
use tern_rpc::server::{bind, RpcSettings, ServeError};
use tern_storage::{
    BlockStore, FailedItem, L1Stage, MempoolStore, TokenInfo, WatchedRange, WatcherStore,
};
use tern_types::{SignedTx, TokenId, ETH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

static EXAMPLES: Mutex<()> = Mutex::new(());

/// Appends the exchange to `TERN_REST_EXAMPLES`, the response as the server wrote it.
fn record(method: &Method, path: &str, body: &Option<Value>, status: StatusCode, reply: &[u8]) {
    let Ok(file) = std::env::var("TERN_REST_EXAMPLES") else { return };
    let reply = String::from_utf8_lossy(reply);
    let line = json!({"method": method.as_str(), "path": path, "body": body,
                      "status": status.as_u16(), "response": reply});
    let _guard = EXAMPLES.lock().unwrap_or_else(|e| e.into_inner());
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(file).expect("open");
    std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()).expect("write");
}

/// Calls the router; the HTTP status and the JSON answer.
async fn call(
    app: &Router,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let bytes = body.as_ref().map(|b| b.to_string()).unwrap_or_default();
    let req = Request::builder()
        .method(method.clone())
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(bytes))
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24).await.expect("body");
    let reply: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{path}: {status} not JSON ({e}): {bytes:?}"));
    record(&method, path, &body, status, &bytes);
    (status, reply)
}

/// `GET path`: the result of a successful answer (checking the envelope).
async fn get(app: &Router, path: &str) -> Value {
    let (status, reply) = call(app, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {reply}");
    assert_eq!(reply["status"], "success", "{path}: {reply}");
    assert!(reply["error"].is_null(), "{reply}");
    assert_eq!(reply["request"]["apiVersion"], "v02");
    assert_eq!(reply["request"]["network"], "localhost");
    assert_eq!(reply["request"]["resource"], path.split('?').next().unwrap_or_default());
    reply["result"].clone()
}

/// `GET path` that fails: the error's code (HTTP 200, like zkSync Lite).
async fn get_err(app: &Router, path: &str) -> u64 {
    let (status, reply) = call(app, Method::GET, path, None).await;
    assert_eq!((status, &reply["status"]), (StatusCode::OK, &json!("error")), "{path}: {reply}");
    assert!(reply["result"].is_null() && reply["error"]["message"].is_string(), "{reply}");
    reply["error"]["code"].as_u64().expect("code")
}

fn app(n: &Node) -> Router {
    tern_rpc::rest::router(Arc::clone(&n.core), INFO)
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

async fn submit(n: &Node, tx: &SignedTx) -> String {
    let hashes = n.core.submit(&[tx.encode()], false).await.expect("accepted");
    hex(&hashes[0])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_by_id_and_address() {
    let n = node(None).await;
    let app = app(&n);
    let user = hex(n.user.address.as_slice());
    let full = get(&app, "/api/v0.2/accounts/1").await;
    assert_eq!(full, get(&app, &format!("/api/v0.2/accounts/{user}")).await);
    let c = &full["committed"];
    assert_eq!((c["accountId"].clone(), c["address"].clone()), (json!(1), json!(user)));
    assert_eq!((c["balances"].clone(), c["nonce"].clone()), (json!({"ETH": "1000"}), json!(1)));
    assert_eq!(c["lastUpdateInBlock"], 2, "the ChangePubKey's block");
    assert!(c["pubKeyHash"].as_str().expect("hash").starts_with("sync:"));
    assert!(full["finalized"].is_null(), "nothing executed on L1 yet");
    assert_eq!(full["depositing"], json!({"balances": {}}));
    assert_eq!(get(&app, "/api/v0.2/accounts/1/committed").await, *c);
    assert!(get(&app, "/api/v0.2/accounts/1/finalized").await.is_null());

    assert_eq!(get_err(&app, "/api/v0.2/accounts/99").await, 204, "no such id");
    assert!(get(&app, "/api/v0.2/accounts/99/committed").await.is_null());
    assert_eq!(get_err(&app, "/api/v0.2/accounts/0x12").await, 203);
    assert_eq!(get_err(&app, "/api/v0.2/accounts/bob/committed").await, 203);
    let nobody = get(&app, &format!("/api/v0.2/accounts/{}", hex(&[7; 20]))).await;
    assert_eq!(
        nobody,
        json!({"depositing": {"balances": {}}, "committed": null, "finalized": null})
    );

    // A deposit waiting in the priority queue, then L1 executing blocks 1 and 2.
    watch_deposits(n.core.store(), vec![deposit(2, n.user.address, 500, 2)], 2).await;
    let full = get(&app, &format!("/api/v0.2/accounts/{user}")).await;
    assert_eq!(
        full["depositing"]["balances"]["ETH"],
        json!({"amount": "500", "expectedAcceptBlock": 2})
    );
    n.core.store().set_l1_stage(1, 2, L1Stage::Executed, [0xee; 32]).await.expect("stage");
    let finalized = get(&app, "/api/v0.2/accounts/1/finalized").await;
    assert_eq!(finalized["balances"], json!({"ETH": "1000"}));
    assert_eq!(finalized["lastUpdateInBlock"], 2);
    assert_eq!(get(&app, "/api/v0.2/accounts/1").await["finalized"], finalized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_statuses_go_queued_committed_finalized() {
    let mut n = node(None).await;
    let app = app(&n);
    let to = Address::new([9; 20]);
    let transfer = n.user.transfer(to, ETH, 100, 0).expect("sign");
    let hash = submit(&n, &transfer).await;
    let receipt = |status: &str, block: Value| json!({"txHash": hash, "rollupBlock": block, "status": status, "failReason": null});
    let path = format!("/api/v0.2/transactions/{hash}");
    assert_eq!(get(&app, &path).await, receipt("queued", Value::Null));
    let data = get(&app, &format!("{path}/data")).await;
    assert_eq!(
        (data["tx"]["op"]["type"].clone(), data["tx"]["status"].clone()),
        (json!("Transfer"), json!("queued"))
    );
    assert_eq!(data["tx"]["op"]["amount"], "100");
    assert!(data["tx"]["createdAt"].as_str().expect("time").ends_with('Z'));
    assert!(data["ethSignature"].is_null() && data["tx"]["blockNumber"].is_null());

    assert_eq!(n.core.seal().await.expect("seal"), Some(3));
    assert_eq!(get(&app, &path).await, receipt("committed", json!(3)));
    let block = get(&app, "/api/v0.2/blocks/3").await;
    assert_eq!(
        (block["status"].clone(), block["commitTxHash"].clone()),
        (json!("committed"), Value::Null)
    );
    let store = n.core.store();
    store.set_l1_stage(1, 3, L1Stage::Committed, [0xaa; 32]).await.expect("commit");
    let block = get(&app, "/api/v0.2/blocks/3").await;
    assert_eq!(block["commitTxHash"], hex(&[0xaa; 32]));
    assert_eq!(block["status"], "committed");
    store.set_l1_stage(1, 3, L1Stage::Executed, [0xee; 32]).await.expect("execute");
    assert_eq!(get(&app, &path).await, receipt("finalized", json!(3)));
    let block = get(&app, "/api/v0.2/blocks/lastFinalized").await;
    assert_eq!(
        (block["blockNumber"].clone(), block["status"].clone()),
        (json!(3), json!("finalized"))
    );
    assert_eq!(block["verifyTxHash"], hex(&[0xee; 32]));
    let data = get(&app, &format!("{path}/data")).await;
    assert_eq!(
        (data["tx"]["blockNumber"].clone(), data["tx"]["blockIndex"].clone()),
        (json!(3), json!(0))
    );

    // A withdrawal shows the L1 transaction that executed its block, once executed.
    let withdraw = n.user.withdraw(Address::new([5; 20]), ETH, 10, 0).expect("sign");
    let w = submit(&n, &withdraw).await;
    assert!(get(&app, &format!("/api/v0.2/transactions/{w}/data")).await["tx"]["op"]["ethTxHash"]
        .is_null());
    assert_eq!(n.core.seal().await.expect("seal"), Some(4));
    store.set_l1_stage(4, 4, L1Stage::Executed, [0xdd; 32]).await.expect("execute");
    let data = get(&app, &format!("/api/v0.2/transactions/{w}/data")).await;
    assert_eq!(data["tx"]["op"]["ethTxHash"], hex(&[0xdd; 32]));

    // A transaction refused when a block was sealed.
    let bad = n.user.transfer(to, ETH, 1, 0).expect("sign");
    let bad_hash = signed_tx_hash(&bad).expect("hash");
    let seq =
        store.insert_mempool_item(&[bad.encode()], &[bad_hash], false, 5).await.expect("insert");
    let failed = FailedItem { seq, txs: vec![(bad_hash, "nonce mismatch".into())] };
    store.fail_mempool_items(5, &[failed]).await.expect("fail");
    let rejected = get(&app, &format!("/api/v0.2/transactions/{}", hex(&bad_hash))).await;
    assert_eq!(
        (rejected["status"].clone(), rejected["rollupBlock"].clone()),
        (json!("rejected"), json!(5))
    );
    assert_eq!(rejected["failReason"], "nonce mismatch");

    assert!(get(&app, &format!("/api/v0.2/transactions/{}", hex(&[3; 32]))).await.is_null());
    assert!(get(&app, &format!("/api/v0.2/transactions/sync-tx:{}", &hash[2..])).await.is_object());
    assert_eq!(get_err(&app, "/api/v0.2/transactions/0x12").await, 207);
    assert_eq!(get_err(&app, "/api/v0.2/transactions/nothex/data").await, 207);
}

/// Blocks 3 to 6 with one transfer each, block 7 with three; the hashes of block 7's.
async fn more_blocks(n: &mut Node) -> Vec<String> {
    let to = Address::new([9; 20]);
    for b in 3..=6 {
        let t = n.user.transfer(to, ETH, 1, 0).expect("sign");
        submit(n, &t).await;
        assert_eq!(n.core.seal().await.expect("seal"), Some(b));
    }
    let mut hashes = Vec::new();
    for _ in 0..3 {
        let t = n.user.transfer(to, ETH, 1, 0).expect("sign");
        hashes.push(submit(n, &t).await);
    }
    assert_eq!(n.core.seal().await.expect("seal"), Some(7));
    hashes
}

fn numbers(page: &Value) -> Vec<u64> {
    let list = page["list"].as_array().expect("list");
    list.iter().map(|b| b["blockNumber"].as_u64().expect("number")).collect()
}

fn hashes(page: &Value) -> Vec<String> {
    let list = page["list"].as_array().expect("list");
    list.iter().map(|t| t["txHash"].as_str().expect("hash").to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_and_pages() {
    let mut n = node(None).await;
    let in7 = more_blocks(&mut n).await;
    let app = app(&n);
    let page = get(&app, "/api/v0.2/blocks?from=latest&limit=2&direction=older").await;
    assert_eq!(numbers(&page), vec![7, 6]);
    assert_eq!(
        page["pagination"],
        json!({"from": 7, "limit": 2, "direction": "older", "count": 7})
    );
    assert_eq!(
        numbers(&get(&app, "/api/v0.2/blocks?from=2&limit=3&direction=newer").await),
        vec![2, 3, 4]
    );
    assert_eq!(
        numbers(&get(&app, "/api/v0.2/blocks?from=6&limit=100&direction=newer").await),
        vec![6, 7]
    );
    assert_eq!(numbers(&get(&app, "/api/v0.2/blocks").await), vec![7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(numbers(&get(&app, "/api/v0.2/blocks?from=99&limit=1").await), vec![7]);
    assert_eq!(get_err(&app, "/api/v0.2/blocks?limit=101").await, 206);
    assert_eq!(get_err(&app, "/api/v0.2/blocks?limit=-1").await, 207);
    assert_eq!(get_err(&app, "/api/v0.2/blocks?direction=up").await, 207);
    assert_eq!(get_err(&app, "/api/v0.2/blocks?from=x").await, 207);
    let b1 = get(&app, "/api/v0.2/blocks/1").await;
    assert_eq!((b1["blockSize"].clone(), b1["finalizedAt"].clone()), (json!(8), Value::Null));
    assert_eq!(b1["newStateRoot"].as_str().expect("root").len(), 66);
    assert_eq!(get(&app, "/api/v0.2/blocks/lastCommitted").await["blockNumber"], 7);
    assert!(get(&app, "/api/v0.2/blocks/lastFinalized").await.is_null());
    assert!(get(&app, "/api/v0.2/blocks/99").await.is_null());
    assert_eq!(get_err(&app, "/api/v0.2/blocks/last").await, 202);

    let txs =
        get(&app, "/api/v0.2/blocks/7/transactions?from=latest&limit=2&direction=older").await;
    assert_eq!(hashes(&txs), vec![in7[2].clone(), in7[1].clone()]);
    assert_eq!(txs["pagination"]["count"], 3);
    assert_eq!(txs["pagination"]["from"], json!(in7[2]));
    let path = format!("/api/v0.2/blocks/7/transactions?from={}&limit=2&direction=newer", in7[0]);
    assert_eq!(hashes(&get(&app, &path).await), in7[..2].to_vec());
    let indexes: Vec<Value> =
        get(&app, "/api/v0.2/blocks/lastCommitted/transactions?direction=newer&from=latest").await
            ["list"]
            .as_array()
            .expect("list")
            .iter()
            .map(|t| t["blockIndex"].clone())
            .collect();
    assert_eq!(indexes, vec![json!(2)]);
    let unknown = format!("/api/v0.2/blocks/7/transactions?from={}", hex(&[3; 32]));
    assert_eq!(get_err(&app, &unknown).await, 205);
    let empty = get(&app, "/api/v0.2/blocks/99/transactions").await;
    assert_eq!(
        (empty["list"].clone(), empty["pagination"]["count"].clone()),
        (json!([]), json!(0))
    );
    assert_eq!(get_err(&app, "/api/v0.2/blocks/7/transactions?limit=101").await, 206);

    // The user's own transactions: a ChangePubKey and seven transfers, newest first.
    let mine =
        get(&app, "/api/v0.2/accounts/1/transactions?from=latest&limit=2&direction=older").await;
    assert_eq!(hashes(&mine), vec![in7[2].clone(), in7[1].clone()]);
    assert_eq!(
        mine["pagination"],
        json!({"from": in7[2], "limit": 2, "direction": "older", "count": 8})
    );
    assert_eq!(mine["list"][0]["status"], "committed");
    let path = format!("/api/v0.2/accounts/1/transactions?from={}&limit=5&direction=newer", in7[1]);
    assert_eq!(hashes(&get(&app, &path).await), in7[1..].to_vec());
    let all = get(&app, "/api/v0.2/accounts/1/transactions?direction=older").await;
    assert_eq!(all["list"][7]["op"]["type"], "ChangePubKey");
    let nobody = get(&app, &format!("/api/v0.2/accounts/{}/transactions", hex(&[7; 20]))).await;
    assert_eq!(nobody["list"], json!([]));
    let theirs = format!("/api/v0.2/accounts/0/transactions?from={}", in7[0]);
    assert_eq!(get_err(&app, &theirs).await, 205, "not account 0's transaction");
    assert_eq!(get_err(&app, "/api/v0.2/accounts/1/transactions?limit=101").await, 206);
}

fn fees() -> FeeConfig {
    FeeConfig {
        gas_price_override: Some(1),
        block_fixed_gas: 80,
        proving_wei_per_chunk: 10,
        ..FeeConfig::free(8)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_config_and_status() {
    let n = node(None).await;
    let usdc = Address::new([0x11; 20]);
    let range = WatchedRange {
        tokens: vec![TokenInfo {
            id: TokenId(1),
            address: usdc,
            l1_block: 2,
            symbol: Some("USDC".into()),
            decimals: Some(6),
        }],
        cursor: (2, [2; 32]),
        ..Default::default()
    };
    n.core.store().apply_watched_range(&range).await.expect("list");
    let app = app(&n);
    let eth = json!({"id": 0, "address": hex(&[0; 20]), "symbol": "ETH", "decimals": 18, "enabledForFees": true});
    let erc = json!({"id": 1, "address": hex(usdc.as_slice()), "symbol": "USDC", "decimals": 6, "enabledForFees": false});
    let page = get(&app, "/api/v0.2/tokens?from=0&limit=1&direction=newer").await;
    assert_eq!(
        page,
        json!({"list": [eth], "pagination": {"from": 0, "limit": 1, "direction": "newer", "count": 2}})
    );
    assert_eq!(get(&app, "/api/v0.2/tokens").await["list"], json!([erc, eth]));
    assert_eq!(get(&app, "/api/v0.2/tokens?from=1&direction=newer").await["list"], json!([erc]));
    assert_eq!(get_err(&app, "/api/v0.2/tokens?limit=101").await, 206);
    for like in ["ETH", "0", "eth"] {
        assert_eq!(get(&app, &format!("/api/v0.2/tokens/{like}")).await, eth);
    }
    assert_eq!(get(&app, &format!("/api/v0.2/tokens/{}", hex(usdc.as_slice()))).await, erc);
    assert_eq!(get(&app, "/api/v0.2/tokens/usdc").await, erc);
    assert_eq!(get_err(&app, "/api/v0.2/tokens/DAI").await, 500);
    assert_eq!(get_err(&app, "/api/v0.2/tokens/7").await, 500);
    // A later token whose contract answers a symbol already taken, or none, is named by id.
    let twin = Address::new([0x22; 20]);
    let range = WatchedRange {
        tokens: vec![
            TokenInfo {
                id: TokenId(2),
                address: twin,
                l1_block: 3,
                symbol: Some("usdc".into()),
                decimals: Some(6),
            },
            TokenInfo {
                id: TokenId(3),
                address: Address::new([0x33; 20]),
                l1_block: 3,
                symbol: None,
                decimals: None,
            },
        ],
        cursor: (3, [3; 32]),
        ..Default::default()
    };
    n.core.store().apply_watched_range(&range).await.expect("list");
    let list = get(&app, "/api/v0.2/tokens?from=1&direction=newer").await["list"].clone();
    let names: Vec<_> =
        list.as_array().expect("list").iter().map(|t| t["symbol"].clone()).collect();
    assert_eq!(names, [json!("USDC"), json!("ERC20-2"), json!("ERC20-3")]);
    assert_eq!(get(&app, "/api/v0.2/tokens/USDC").await, erc, "the first listed keeps the name");

    let config = get(&app, "/api/v0.2/config").await;
    let contract = hex(CHAIN.contract.as_slice());
    assert_eq!(
        config,
        json!({"network": "localhost", "contract": contract, "govContract": contract,
                              "depositConfirmations": 3, "zksyncVersion": "contractV4"})
    );
    let status = get(&app, "/api/v0.2/networkStatus").await;
    assert_eq!(
        status,
        json!({"lastCommitted": 2, "finalized": 0, "totalTransactions": 1,
                              "mempoolSize": 0, "coreStatus": null})
    );
}

async fn post(app: &Router, path: &str, body: Value) -> Value {
    let (status, reply) = call(app, Method::POST, path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    reply
}

fn amount(v: &Value) -> u128 {
    v.as_str().expect("decimal string").parse().expect("decimal")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fees_and_hostile_requests() {
    let n = node(Some(fees())).await;
    let app = app(&n);
    let to = hex(&[9; 20]);
    let reply = post(
        &app,
        "/api/v0.2/fee",
        json!({"txType": "Transfer", "address": to, "tokenLike": "ETH"}),
    )
    .await;
    let fee = &reply["result"];
    assert_eq!(reply["request"]["resource"], "/api/v0.2/fee");
    let (gas, zkp, total) =
        (amount(&fee["gasFee"]), amount(&fee["zkpFee"]), amount(&fee["totalFee"]));
    assert!(gas > 0 && zkp > 0 && total >= gas + zkp, "{fee}");
    let cpk = json!({"txType": {"ChangePubKey": "ECDSA"}, "address": to, "tokenLike": 0});
    assert_eq!(post(&app, "/api/v0.2/fee", cpk).await["status"], "success");
    let batch = json!({"transactions": [{"txType": "Transfer", "address": to},
                                        {"txType": "Transfer", "address": to}], "tokenLike": "0"});
    let b = post(&app, "/api/v0.2/fee/batch", batch).await["result"].clone();
    assert_eq!((amount(&b["gasFee"]), amount(&b["zkpFee"])), (2 * gas, 2 * zkp));
    assert!(amount(&b["totalFee"]) >= 2 * (gas + zkp) - 2, "{b}");

    let unknown = json!({"txType": "Transfer", "address": to, "tokenLike": "DAI"});
    assert_eq!(post(&app, "/api/v0.2/fee", unknown).await["error"]["code"], 500);
    let empty = json!({"transactions": [], "tokenLike": "ETH"});
    assert_eq!(post(&app, "/api/v0.2/fee/batch", empty).await["error"]["code"], 602);
    for (body, want) in [
        (
            json!({"txType": "Close", "address": to, "tokenLike": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"txType": "Transfer", "address": "0x12", "tokenLike": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!("not an object"), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, reply) = call(&app, Method::POST, "/api/v0.2/fee", Some(body)).await;
        assert_eq!((status, reply["error"]["code"].clone()), (want, json!(207)), "{reply}");
    }
    let req = Request::post("/api/v0.2/fee")
        .header("content-type", "application/json")
        .body(Body::from("{not json"));
    let resp = app.clone().oneshot(req.expect("request")).await.expect("infallible");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let huge = json!({"txType": "Transfer", "address": to, "tokenLike": "x".repeat(300 * 1024)});
    let (status, reply) = call(&app, Method::POST, "/api/v0.2/fee", Some(huge)).await;
    assert_eq!((status, reply["status"].clone()), (StatusCode::PAYLOAD_TOO_LARGE, json!("error")));

    let (status, reply) = call(&app, Method::GET, "/api/v0.2/nothing/here", None).await;
    assert_eq!((status, reply["error"]["code"].clone()), (StatusCode::NOT_FOUND, json!(404)));
    let (status, reply) = call(&app, Method::GET, "/api/v0.2/fee", None).await;
    assert_eq!(
        (status, reply["error"]["code"].clone()),
        (StatusCode::METHOD_NOT_ALLOWED, json!(405))
    );
    let (status, _) = call(&app, Method::POST, "/api/v0.2/blocks", Some(json!({}))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, reply) = call(&app, Method::GET, "/api/v0.2/accounts/%FF", None).await;
    assert_eq!((status, reply["error"]["code"].clone()), (StatusCode::BAD_REQUEST, json!(207)));
    assert_eq!(n.core.queue_len().await, 0, "nothing was submitted");
}

async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_beside_json_rpc_and_a_port_in_use_fails() {
    let n = node(None).await;
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let bound = bind(RpcSettings::new(local, local).with_rest(local)).await.expect("bind");
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = bound.start(Arc::clone(&n.core), INFO, shutdown);
    let rest = running.rest_addr.expect("REST served");
    let (status, body) = http_get(rest, "/api/v0.2/blocks/lastCommitted").await;
    assert_eq!(status, 200, "{body}");
    let reply: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        (reply["status"].clone(), reply["result"]["blockNumber"].clone()),
        (json!("success"), json!(2))
    );
    let taken = bind(RpcSettings::new(local, local).with_rest(rest)).await;
    match taken {
        Err(e @ ServeError::Bind { .. }) => assert!(e.to_string().contains("REST"), "{e}"),
        Ok(_) => panic!("a port in use must fail"),
    }
    let _ = stop.send(true);
}
