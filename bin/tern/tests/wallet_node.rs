//! `tern wallet` against a node core and `tern-rpc`'s servers in this process (SQLite, no L1):
//! balance as `account_info` returns it, change-pubkey, a signed-only transfer as `tx_submit`
//! takes it, a transfer waited for, `wait`, an insufficient balance, and the local history.

use serde_json::Value;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use tern_node::launch::ChainInfo;
use tern_node::metrics::Metrics;
use tern_node::node::NodeCore;
use tern_node::sequencer::{MempoolLimits, SealOutcome, Sequencer, SequencerConfig};
use tern_primitives::Address;
use tern_rpc::server::{bind, RpcSettings};
use tern_rpc::types::TxParam;
use tern_state::{ChainConfig, PriorityOp, State};
use tern_storage::{BlockStore, SqlStore, StoredPriorityOp, WatchedRange, WatcherStore};
use tern_types::{AccountId, SignedTx, ETH};

/// Anvil's account 1.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ALICE: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };
const ETHER: u128 = 1_000_000_000_000_000_000;

/// A node core whose first block holds the fee account (0) and Alice's 10 ETH.
async fn core(dir: &std::path::Path) -> Arc<NodeCore<SqlStore>> {
    let store = SqlStore::open_data_dir(dir).await.expect("sqlite");
    let alice: Address = ALICE.parse().expect("address");
    let deposits: Vec<StoredPriorityOp> = [(Address::new([0xfe; 20]), 0), (alice, 10 * ETHER)]
        .iter()
        .enumerate()
        .map(|(i, &(to, amount))| StoredPriorityOp {
            serial_id: i as u64,
            op: PriorityOp::Deposit { token: ETH, amount, to },
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
    let config = SequencerConfig {
        chain: CHAIN,
        capacity: 8,
        fee_account: AccountId(0),
        limits: MempoolLimits::default(),
    };
    let mut seq = Sequencer::new(config, State::new(), 0, 0, vec![]);
    let SealOutcome::Block(s) = seq.seal(&deposits, 1_000).expect("seal") else {
        panic!("the deposits make a block")
    };
    store.write_sealed_block(&s.sealed).await.expect("write");
    seq.finish_seal(*s);
    Arc::new(NodeCore::new(store, seq, Metrics::new().expect("metrics")))
}

/// Runs `tern wallet` with the node's endpoints and Alice's key (off the async threads).
async fn wallet(rpc: &str, home: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tern"));
    cmd.args(["wallet", "--rpc", rpc, "--key", KEY, "--timeout", "30"])
        .args(args)
        .env("TERN_WALLET_HOME", home);
    tokio::task::spawn_blocking(move || cmd.output().expect("run tern")).await.expect("join")
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "tern failed: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON object")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_commands_against_a_running_node() {
    let dir = tempfile::tempdir().expect("dir");
    let core = core(dir.path()).await;
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let any = "127.0.0.1:0".parse().expect("addr");
    let info = ChainInfo { chain_id: CHAIN.chain_id, contract: CHAIN.contract, confirmations: 0 };
    let running = bind(RpcSettings::new(any, any)).await.expect("bind").start(
        Arc::clone(&core),
        info,
        shutdown,
    );
    let sealer = Arc::clone(&core);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = sealer.seal().await;
        }
    });
    let rpc = format!("http://{}", running.http_addr);
    let home = dir.path().join("home");

    let balance = json(&wallet(&rpc, &home, &["balance", "--json"]).await);
    assert_eq!(balance["id"], 1, "{balance}");
    assert_eq!(balance["committed"]["balances"]["ETH"], (10 * ETHER).to_string(), "{balance}");

    let cpk = json(&wallet(&rpc, &home, &["change-pubkey", "--wait", "--json"]).await);
    assert!(cpk["hash"].as_str().is_some_and(|h| h.starts_with("0x")), "{cpk}");
    assert_eq!(cpk["fee"], "0", "{cpk}");
    assert!(cpk["block"].as_u64().is_some(), "{cpk}");

    let transfer = ["transfer", "--to", BOB, "--token", "ETH", "--amount", "1.5"];
    let signed =
        json(&wallet(&rpc, &home, &[&transfer[..], &["--sign-only", "--json"]].concat()).await);
    assert_eq!(signed["signature"], Value::Null, "{signed}");
    let param: TxParam = serde_json::from_value(signed["tx"].clone()).expect("tx_submit's tx");
    let Ok(SignedTx::Transfer(t)) = param.to_signed() else { panic!("a transfer: {signed}") };
    assert!(t.verify());
    assert_eq!(t.tx.amount, 3 * ETHER / 2);

    let sent = json(&wallet(&rpc, &home, &[&transfer[..], &["--wait", "--json"]].concat()).await);
    let hash = sent["hash"].as_str().expect("hash");
    let waited = json(&wallet(&rpc, &home, &["wait", hash, "--json"]).await);
    assert_eq!(waited["success"], true, "{waited}");
    let bob = json(&wallet(&rpc, &home, &["balance", BOB, "--json"]).await);
    assert_eq!(bob["committed"]["balances"]["ETH"], (3 * ETHER / 2).to_string(), "{bob}");

    let too_much =
        wallet(&rpc, &home, &["transfer", "--to", BOB, "--token", "ETH", "--amount", "100"]).await;
    assert!(!too_much.status.success());
    let stderr = String::from_utf8_lossy(&too_much.stderr);
    assert!(stderr.contains("insufficient balance: 100 ETH needed"), "{stderr}");
    assert!(stderr.contains("8.5 ETH available"), "{stderr}");

    let history = json(&wallet(&rpc, &home, &["history", "--json"]).await);
    let rows = history["history"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{history}");
    assert_eq!(rows[1]["entry"]["hash"], hash, "{history}");
    assert!(
        rows[1]["state"].as_str().is_some_and(|s| s.starts_with("sealed in block")),
        "{history}"
    );

    let text = wallet(&rpc, &home, &["balance"]).await;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("8.5 ETH") && text.contains("account 1"), "{text}");
}
