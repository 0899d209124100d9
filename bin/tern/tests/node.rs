//! `tern node` end to end against anvil, killed with SIGKILL and restarted while it works.
//!
//! INSECURE dev keys at capacity 8 (the smallest that holds every operation) (`tern prover setup`, `tern prover setup-exit`), a rollup
//! deployed with `tern deploy`, then the node: deposits on L1, ChangePubKeys and transfers
//! through its JSON-RPC endpoint, each block sealed, proven with a real Groth16 proof,
//! committed and executed on L1. Between rounds of transfers the node is killed at a random
//! moment and started again. At the end:
//! - every transaction the node acknowledged is in a block (none is lost);
//! - no block was committed twice (L1's `BlockCommit` events name each block once);
//! - L1's last executed root is the node's last root;
//! - a native replay of the stored blocks (the deterministic builder on the stored priority
//!   requests and transactions) rebuilds every block and its root.
//!
//!
//! Then `tern restore` rebuilds the chain from L1 alone into a fresh database (killed once
//! after its first block, then run again): it must end on L1's last executed root, and a node
//! started on the restored database must go on producing blocks that L1 executes.
//!
//! `TERN_CRASH_ITERATIONS` sets the number of kills (default 3; the recorded long run used
//! 100). With `TERN_POSTGRES_URL` set, the same runs on PostgreSQL too
//! (`TERN_REQUIRE_POSTGRES=1` makes its absence a failure). Anvil is required as in the other
//! anvil tests (`TERN_REQUIRE_ANVIL=1`).

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tern_l1::{L1EventKind, L1User, L1Watch, RpcL1};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, State, TxItem};
use tern_storage::{BlockStore, MempoolStore, PriorityStore, SqlStore};
use tern_types::{AccountId, SignedTx, ETH};

/// Anvil's first dev account: deployer, operator (validator) and fee account owner.
const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const CAPACITY: &str = "8";
const USERS: u64 = 3;

fn tern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tern")).args(args).output().expect("run tern")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "tern failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("utf-8")
}

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port()
}

fn wait_port(port: u16, child: &mut Child, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited at start: {status}");
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{what} did not listen in 120 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn anvil() -> Option<(Proc, String)> {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if !bin.exists() {
        let required = std::env::var("TERN_REQUIRE_ANVIL").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "anvil is required (TERN_REQUIRE_ANVIL=1) but {} is missing",
            bin.display()
        );
        eprintln!("SKIPPED: anvil not found at {}; run `npm ci`", bin.display());
        return None;
    }
    let port = free_port();
    let child = Command::new(&bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--chain-id", "31337"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start anvil");
    let mut p = Proc(child);
    wait_port(port, &mut p.0, "anvil");
    Some((p, format!("http://127.0.0.1:{port}")))
}

/// One JSON-RPC call over a fresh HTTP/1.1 connection; `Err` if the node is unreachable.
fn rpc(port: u16, method: &str, params: Value) -> Result<Value, String> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
    let json = response.split("\r\n\r\n").nth(1).ok_or("no body")?;
    serde_json::from_str(json).map_err(|e| format!("{e}: {response}"))
}

struct Setup {
    keys: PathBuf,
    contract: String,
    deploy_block: u64,
}

fn setup(dir: &Path, url: &str) -> Setup {
    let keys = dir.join("keys");
    let k = keys.to_str().expect("utf-8");
    ok(tern(&["prover", "setup", "--capacity", CAPACITY, "--out", k]));
    ok(tern(&["prover", "setup-exit", "--out", k]));
    deploy(url, keys)
}

/// Deploys a rollup with the keys in `keys`.
fn deploy(url: &str, keys: PathBuf) -> Setup {
    let k = keys.to_str().expect("utf-8");
    let out = ok(tern(&[
        "deploy",
        "--l1-rpc",
        url,
        "--key",
        DEV_KEY,
        "--keys",
        k,
        "--capacity",
        CAPACITY,
        "--json",
    ]));
    let report: Value = serde_json::from_str(&out).expect("deploy JSON");
    Setup {
        keys,
        contract: report["contract"].as_str().expect("contract").to_owned(),
        deploy_block: report["deploy_block"].as_u64().expect("deploy block"),
    }
}

struct Node {
    args: Vec<String>,
    rpc_port: u16,
    child: Option<Proc>,
    log: PathBuf,
}

impl Node {
    fn new(url: &str, s: &Setup, dir: &Path, database_url: Option<&str>) -> Self {
        let rpc_port = free_port();
        let mut args: Vec<String> = [
            "node",
            "--l1-rpc",
            url,
            "--contract",
            &s.contract,
            "--operator-key",
            DEV_KEY,
            "--capacity",
            CAPACITY,
            "--block-time",
            "0.5",
            "--provers",
            "1",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.extend(["--keys".into(), s.keys.display().to_string()]);
        args.extend(["--deploy-block".into(), s.deploy_block.to_string()]);
        args.extend(["--rpc-addr".into(), format!("127.0.0.1:{rpc_port}")]);
        args.extend(["--ws-addr".into(), format!("127.0.0.1:{}", free_port())]);
        args.extend(["--rest-addr".into(), format!("127.0.0.1:{}", free_port())]);
        args.extend(["--metrics-addr".into(), format!("127.0.0.1:{}", free_port())]);
        match database_url {
            Some(db) => args.extend(["--database-url".into(), db.to_owned()]),
            None => args.extend(["--data-dir".into(), dir.join("data").display().to_string()]),
        }
        Self { args, rpc_port, child: None, log: dir.join("node.log") }
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_tern"))
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start tern node");
        let mut p = Proc(child);
        wait_port(self.rpc_port, &mut p.0, "tern node");
        self.child = Some(p);
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(&mut self) {
        if let Some(mut p) = self.child.take() {
            let _ = p.0.kill();
            let _ = p.0.wait();
        }
    }

    fn status(&self) -> Option<Value> {
        rpc(self.rpc_port, "tern_status", json!([])).ok().and_then(|v| v.get("result").cloned())
    }

    fn wait_for(&self, what: &str, timeout: Duration, mut done: impl FnMut(&Value) -> bool) {
        let start = Instant::now();
        loop {
            let status = self.status();
            if status.as_ref().is_some_and(&mut done) {
                return;
            }
            if start.elapsed() > timeout {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(40)..].join("\n");
                panic!("timed out waiting for {what}; status {status:?}; node log:\n{tail}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// What the test submitted, and what the node acknowledged.
struct Submissions {
    acknowledged: Vec<String>,
}

impl Submissions {
    /// Submits until the node gives an answer: acknowledged, or refused as already known
    /// (then an earlier attempt was persisted before a crash cut the reply).
    fn submit(&mut self, node: &mut Node, tx: &SignedTx) {
        let hex = format!("0x{}", hex::encode(tx.encode()));
        for _ in 0..3 {
            match rpc(node.rpc_port, "tx_submit", json!([hex])) {
                Ok(v) if v.get("result").is_some() => {
                    self.acknowledged.push(v["result"].as_str().expect("hash").to_owned());
                    return;
                }
                Ok(v) => {
                    let message = v["error"]["message"].as_str().unwrap_or_default().to_owned();
                    assert!(message.contains("already queued"), "refused: {message}");
                    return;
                }
                Err(_) => {
                    node.kill();
                    node.start();
                }
            }
        }
        panic!("the node never answered");
    }
}

fn iterations() -> usize {
    std::env::var("TERN_CRASH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(3)
}

fn run_against(url: &str, s: &Setup, dir: &Path, database_url: Option<&str>) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let operator: PrivateKeySigner = DEV_KEY.parse().expect("key");
    let contract: Address = s.contract.parse().expect("address");
    let l1 = runtime.block_on(RpcL1::connect(url, operator.clone(), contract)).expect("L1");
    let chain = ChainConfig { chain_id: 31337, contract };
    let mut users: Vec<Wallet> =
        (1..=USERS).map(|i| Wallet::from_seed(i, chain).expect("wallet")).collect();
    runtime.block_on(async {
        l1.deposit_eth(operator.address(), 1_000).await.expect("operator deposit");
        for u in &users {
            l1.deposit_eth(u.address, 1_000_000_000).await.expect("deposit");
        }
    });
    let mut node = Node::new(url, s, dir, database_url);
    node.start();
    node.wait_for("the deposits", Duration::from_secs(120), |st| {
        st["priorityPending"] == 0 && st["lastSealed"].as_u64() >= Some(1)
    });
    let mut subs = Submissions { acknowledged: Vec::new() };
    for (i, u) in users.iter_mut().enumerate() {
        u.account_id = AccountId(i as u32 + 1);
        let cpk = u.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
        subs.submit(&mut node, &cpk);
    }
    let mut seed = 0x5eed_u64;
    for round in 0..iterations() {
        for k in 0..4u64 {
            let from = ((round as u64 + k) % USERS) as usize;
            let to = users[(from + 1) % USERS as usize].address;
            let tx = users[from].transfer(to, ETH, 1 + k as u128, 1).expect("sign");
            subs.submit(&mut node, &tx);
        }
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(seed >> 54));
        node.kill();
        node.start();
    }
    // Kills cut proofs short, so most blocks are proven after the last restart.
    let drain = Duration::from_secs(600 + 30 * iterations() as u64);
    node.wait_for("every block executed on L1", drain, |st| {
        st["mempool"] == 0 && st["lastSealed"] == st["lastExecuted"]
    });
    for hash in &subs.acknowledged {
        let info = rpc(node.rpc_port, "tx_info", json!([hash])).expect("tx_info");
        assert_eq!(info["result"]["success"], true, "acknowledged {hash} is in a block: {info}");
    }
    let last = node.status().expect("status")["lastSealed"].as_u64().expect("number");
    node.kill();
    let db = database_url
        .map(str::to_owned)
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("data").join("tern.db").display()));
    let root = runtime.block_on(replay(&db, last, chain));
    let events = runtime
        .block_on(async { l1.events(s.deploy_block, l1.block_number().await?).await })
        .expect("events");
    check_l1(&events, last, root);
    restore_and_continue(url, s, dir, database_url.is_some(), last, root);
}

/// `tern restore` rebuilds the chain from L1 alone (killed once on the way), and a node
/// started on the restored database goes on producing blocks that L1 executes.
fn restore_and_continue(url: &str, s: &Setup, dir: &Path, postgres: bool, last: u64, root: B256) {
    let restored = dir.join("restored");
    let target = match postgres {
        true => ["--database-url".to_owned(), postgres_url().expect("PostgreSQL")],
        false => ["--data-dir".to_owned(), restored.join("data").display().to_string()],
    };
    let args = |step: &str| -> Vec<String> {
        let mut a: Vec<String> = ["restore", "--l1-rpc", url, "--contract", &s.contract]
            .iter()
            .map(|x| x.to_string())
            .collect();
        a.extend(["--from-block".into(), s.deploy_block.to_string(), "--step".into(), step.into()]);
        a.extend(target.iter().cloned());
        a.push("--json".into());
        a
    };
    // Killed as soon as it has written its first block.
    std::fs::create_dir_all(&restored).expect("dir");
    let log_path = restored.join("restore.log");
    let log = std::fs::File::create(&log_path).expect("log");
    let child = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(args("1"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start tern restore");
    let mut p = Proc(child);
    let start = Instant::now();
    while !std::fs::read_to_string(&log_path).unwrap_or_default().contains("block restored") {
        if p.0.try_wait().expect("wait").is_some() || start.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(p);
    let out = ok(Command::new(env!("CARGO_BIN_EXE_tern")).args(args("7")).output().expect("run"));
    let report: Value = serde_json::from_str(out.trim()).expect("restore JSON");
    assert_eq!(report["block"].as_u64(), Some(last), "restored up to the last executed block");
    assert_eq!(report["root"].as_str(), Some(root.to_string().as_str()), "restored root");
    if postgres {
        return;
    }
    // A node on the restored database: a new deposit becomes block last + 1, executed on L1.
    let mut node = Node::new(url, s, &restored, None);
    node.start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let operator: PrivateKeySigner = DEV_KEY.parse().expect("key");
    let contract: Address = s.contract.parse().expect("address");
    runtime.block_on(async {
        let l1 = RpcL1::connect(url, operator.clone(), contract).await.expect("L1");
        l1.deposit_eth(operator.address(), 77).await.expect("deposit");
    });
    node.wait_for("a block after the restored ones", Duration::from_secs(300), |st| {
        st["lastExecuted"].as_u64() > Some(last)
    });
    node.kill();
}

/// Rebuilds every stored block with the deterministic builder and returns the last root.
async fn replay(db: &str, last: u64, chain: ChainConfig) -> B256 {
    let store = SqlStore::connect(db).await.expect("database");
    let mut state = State::new();
    for n in 1..=last {
        let stored = store.block(n).await.expect("read").expect("stored block");
        let block = stored.block;
        let mut priority = Vec::new();
        for serial in &stored.priority_ops {
            priority.push(store.priority_op(*serial).await.expect("read").expect("request").op);
        }
        let txs: Vec<TxItem> = store
            .block_txs(n)
            .await
            .expect("read")
            .iter()
            .map(|b| TxItem::Single(SignedTx::decode(b).expect("stored tx")))
            .collect();
        let params = BlockParams {
            chain,
            number: n,
            fee_account: block.header.fee_account,
            timestamp: block.header.timestamp,
            capacity: block.capacity,
        };
        let built = build_block(state, &params, &priority, &txs, &NoFacts).expect("replays");
        assert_eq!(built.block, block, "block {n} replays to the stored block");
        state = built.state;
    }
    B256::from(tern_primitives::field::fr_to_be_bytes(&state.root()))
}

fn check_l1(events: &[tern_l1::L1Event], last: u64, root: B256) {
    let mut committed = std::collections::BTreeMap::new();
    let mut executed_root = None;
    for e in events {
        match &e.kind {
            L1EventKind::BlockCommitted { number, .. } => {
                *committed.entry(*number).or_insert(0) += 1;
            }
            L1EventKind::BlockExecuted { number, state_root } if *number == last => {
                executed_root = Some(*state_root);
            }
            _ => {}
        }
    }
    assert_eq!(committed.len() as u64, last, "every block committed: {committed:?}");
    assert!(committed.values().all(|c| *c == 1), "no block committed twice: {committed:?}");
    assert_eq!(executed_root, Some(root), "L1's last executed root is the replayed root");
}

/// A fresh PostgreSQL schema for the node, or `None` (skip) when `TERN_POSTGRES_URL` is unset
/// and PostgreSQL is not required.
fn postgres_url() -> Option<String> {
    let Ok(url) = std::env::var("TERN_POSTGRES_URL") else {
        let required = std::env::var("TERN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        assert!(!required, "TERN_REQUIRE_POSTGRES=1 but TERN_POSTGRES_URL is unset");
        eprintln!("SKIPPED on PostgreSQL: TERN_POSTGRES_URL is unset");
        return None;
    };
    // One schema per call: the node and the restore each get a fresh one.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let schema = format!("node_e2e_{}_{call}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = SqlStore::connect(&url).await.expect("connect to PostgreSQL");
        let create = format!("CREATE SCHEMA {schema}");
        sqlx_execute(&store, &create).await;
        store.close().await;
    });
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}options=-c%20search_path%3D{schema}"))
}

async fn sqlx_execute(store: &SqlStore, sql: &str) {
    use sqlx::Executor;
    store.pool().execute(sql).await.expect("create schema");
}

#[test]
fn the_node_survives_sigkill_and_loses_nothing() {
    let Some((_anvil, url)) = anvil() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let s = setup(dir.path(), &url);
    run_against(&url, &s, dir.path(), None);
    if let Some(db) = postgres_url() {
        // A second rollup on the same L1, so the PostgreSQL node starts from genesis too.
        let second = deploy(&url, s.keys.clone());
        let pg_dir = dir.path().join("postgres");
        std::fs::create_dir_all(&pg_dir).expect("dir");
        run_against(&url, &second, &pg_dir, Some(&db));
    }
}
