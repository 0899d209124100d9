//! The exodus drill: a rollup on anvil whose operator stops, and every user leaves with
//! `tern exit` (the real binary) with exactly what the last executed root holds.
//!
//! 1. `tern prover setup` (capacity 8) and `setup-exit`, a TestERC20 listed by `tern deploy`.
//! 2. The operator and three users deposit ETH and the token; `tern node` (real proofs) runs
//!    ChangePubKeys, transfers, a swap, two NFT mints and a withdrawal, over several blocks,
//!    all executed on L1. The L2 balances are read from the node (`account_info`, verified),
//!    then the node stops.
//! 3. `tern exit` refuses to run while nothing has expired. A user requests a full exit that
//!    is never served, another address deposits (never processed), and anvil's clock moves
//!    past the deadline (`evm_increaseTime`, `evm_mine`).
//! 4. The operator's `tern exit` activates exodus mode; a dry run sends nothing; a forged
//!    exit (a real proof of another amount, built with `tern_exit`) is refused; every account
//!    exits. Each L1 balance moves by exactly its L2 balance (ETH net of the gas of the
//!    transactions `tern exit` reports), the NFTs are minted to their owners, the unprocessed
//!    deposit is refunded, and the rollup holds nothing. A second exit is refused, by the
//!    contract (`AlreadyExited`) and by the tool.
//!
//! Anvil is required as in the other anvil tests (`TERN_REQUIRE_ANVIL=1` fails instead of
//! skipping).

use alloy_primitives::{Address, U256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tern_contracts::bindings::test_helpers::TestERC20;
use tern_contracts::bindings::{NftFactory, Rollup};
use tern_l1::{EthChain, L1User, L1Watch, RollupAdmin, RpcL1};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::ChainConfig;
use tern_types::{AccountId, SignedTx, TokenId, ETH};

/// Anvil's dev accounts 0 to 4: the operator (deployer, validator, fee account), three users,
/// and an address whose only deposit is never processed.
const KEYS: [&str; 5] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
];
const CAPACITY: &str = "8";
const T1: TokenId = TokenId(1);
const GWEI: u128 = 1_000_000_000;

fn signer(i: usize) -> PrivateKeySigner {
    KEYS[i].parse().expect("dev key")
}

fn address(i: usize) -> Address {
    signer(i).address()
}

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

fn anvil() -> Option<(Proc, u16)> {
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
    Some((p, port))
}

/// One JSON-RPC call over a fresh HTTP/1.1 connection (anvil or the node).
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
    let v: Value = serde_json::from_str(json).map_err(|e| format!("{e}: {response}"))?;
    match v.get("result") {
        Some(r) => Ok(r.clone()),
        None => Err(v["error"].to_string()),
    }
}

fn hex_u128(v: &Value) -> u128 {
    let s = v.as_str().expect("hex quantity");
    u128::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex")
}

/// The gas paid for the transactions `tern exit` reported, in wei.
fn gas_paid(anvil: u16, report: &Value) -> u128 {
    let txs = report["transactions"].as_array().expect("transactions");
    txs.iter()
        .map(|tx| {
            let r = rpc(anvil, "eth_getTransactionReceipt", json!([tx])).expect("receipt");
            hex_u128(&r["gasUsed"]) * hex_u128(&r["effectiveGasPrice"])
        })
        .sum()
}

struct Node {
    _proc: Proc,
    port: u16,
}

fn start_node(url: &str, contract: &str, keys: &Path, deploy_block: u64, dir: &Path) -> Node {
    let port = free_port();
    let log = std::fs::File::create(dir.join("node.log")).expect("log");
    let child = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["node", "--l1-rpc", url, "--contract", contract, "--operator-key", KEYS[0]])
        .args(["--capacity", CAPACITY, "--block-time", "2", "--provers", "1"])
        .args(["--keys".as_ref(), keys.as_os_str()])
        .args(["--deploy-block", &deploy_block.to_string()])
        .args(["--rpc-addr", &format!("127.0.0.1:{port}")])
        .args(["--ws-addr", &format!("127.0.0.1:{}", free_port())])
        .args(["--metrics-addr", &format!("127.0.0.1:{}", free_port())])
        .args(["--data-dir".as_ref(), dir.join("node").as_os_str()])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start tern node");
    let mut proc = Proc(child);
    wait_port(port, &mut proc.0, "tern node");
    Node { _proc: proc, port }
}

impl Node {
    fn wait_for(&self, what: &str, dir: &Path, mut done: impl FnMut(&Value) -> bool) {
        let start = Instant::now();
        loop {
            let status = rpc(self.port, "tern_status", json!([])).ok();
            if status.as_ref().is_some_and(&mut done) {
                return;
            }
            if start.elapsed() > Duration::from_secs(600) {
                let log = std::fs::read_to_string(dir.join("node.log")).unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(40)..].join("\n");
                panic!("timed out waiting for {what}; status {status:?}; node log:\n{tail}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn submit(&self, tx: &SignedTx) {
        let hex = format!("0x{}", hex::encode(tx.encode()));
        rpc(self.port, "tx_submit", json!([hex])).expect("the node accepts the transaction");
    }

    /// Waits until every submitted transaction is in a block executed on L1.
    fn settle(&self, dir: &Path) {
        self.wait_for("every block executed on L1", dir, |st| {
            st["mempool"] == 0
                && st["priorityPending"] == 0
                && st["lastSealed"] == st["lastExecuted"]
        });
    }
}

/// What the last executed state holds for an address: balances by token, NFT ids.
#[derive(Debug, Default, Clone)]
struct L2Holding {
    balances: BTreeMap<u16, u128>,
    nfts: Vec<u32>,
}

/// `who`'s verified balances and NFTs as the node reports them (ETH is token 0; the only
/// other listed token is T1).
fn verified_holding(node: &Node, who: Address) -> L2Holding {
    let info = rpc(node.port, "account_info", json!([who.to_string()])).expect("account_info");
    let verified = &info["verified"];
    let mut h = L2Holding::default();
    for (symbol, amount) in verified["balances"].as_object().expect("balances") {
        let token = if symbol == "ETH" { 0 } else { T1.0 };
        h.balances.insert(token, amount.as_str().expect("decimal").parse().expect("u128"));
    }
    // The node lists NFTs in the committed state only; every block is executed, so the
    // committed state is the verified one (its balances are checked to be).
    let committed = &info["committed"];
    assert_eq!(committed["balances"], verified["balances"], "every block is executed");
    for id in committed["nfts"].as_object().expect("nfts").keys() {
        h.nfts.push(id.parse().expect("NFT id"));
    }
    h
}

struct Drill {
    url: String,
    anvil: u16,
    contract: Address,
    keys: PathBuf,
    dir: PathBuf,
    token: Address,
    deploy_block: u64,
}

impl Drill {
    /// Dev account `i`'s L1 client (used on `rt` only: its connections live there).
    fn client(&self, rt: &tokio::runtime::Runtime, i: usize) -> RpcL1 {
        rt.block_on(RpcL1::connect(&self.url, signer(i), self.contract)).expect("L1")
    }

    async fn client_async(&self, i: usize) -> RpcL1 {
        RpcL1::connect(&self.url, signer(i), self.contract).await.expect("L1")
    }

    /// `tern exit` for dev account `i`, with `extra` arguments; its own data directory.
    fn exit(&self, i: usize, extra: &[&str]) -> Output {
        self.exit_with_keys(i, &self.keys, extra)
    }

    /// As [`Drill::exit`], with the exit keys in `keys`.
    fn exit_with_keys(&self, i: usize, keys: &Path, extra: &[&str]) -> Output {
        let data = self.dir.join(format!("exit-{i}"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tern"));
        cmd.args(["exit", "--l1-rpc", &self.url, "--contract", &self.contract.to_string()])
            .args(["--key", KEYS[i], "--from-block", &self.deploy_block.to_string()])
            .args(["--data-dir".as_ref(), data.as_os_str()])
            .args(["--exit-keys".as_ref(), keys.as_os_str()])
            .args(extra);
        cmd.output().expect("run tern exit")
    }

    fn l1_balances(&self, rt: &tokio::runtime::Runtime, who: Address) -> (u128, u128) {
        let l1 = self.client(rt, 0);
        rt.block_on(async {
            let eth = l1.eth_balance(who).await.expect("balance");
            let t1 = l1.erc20_balance(self.token, who).await.expect("balanceOf");
            (eth.to::<u128>(), t1.to::<u128>())
        })
    }
}

fn setup(dir: &Path, url: &str, rt: &tokio::runtime::Runtime) -> (PathBuf, Address, Address, u64) {
    let keys = dir.join("keys");
    let k = keys.to_str().expect("utf-8");
    ok(tern(&["prover", "setup", "--capacity", CAPACITY, "--out", k]));
    ok(tern(&["prover", "setup-exit", "--out", k]));
    let gov = rt.block_on(RpcL1::connect(url, signer(0), Address::ZERO)).expect("L1");
    let (token, _) = rt
        .block_on(gov.deploy_code("TestERC20", TestERC20::BYTECODE.clone()))
        .expect("deploy the token");
    let out = ok(tern(&[
        "deploy",
        "--l1-rpc",
        url,
        "--key",
        KEYS[0],
        "--keys",
        k,
        "--capacity",
        CAPACITY,
        "--token",
        &token.to_string(),
        "--json",
    ]));
    let report: Value = serde_json::from_str(&out).expect("deploy JSON");
    let contract = report["contract"].as_str().expect("contract").parse().expect("address");
    let deploy_block = report["deploy_block"].as_u64().expect("deploy block");
    (keys, contract, token, deploy_block)
}

/// Step 2: deposits on L1, then L2 transactions through the node, all executed on L1.
/// Returns each account's id.
fn activity(d: &Drill, rt: &tokio::runtime::Runtime, node: &Node) -> Vec<AccountId> {
    let gov = d.client(rt, 0);
    rt.block_on(async {
        gov.deposit_eth(address(0), 1_000).await.expect("fee account deposit");
        for i in 1..=3usize {
            let amount = U256::from(1_000_000u64);
            let mint = TestERC20::mintCall { to: address(i), amount };
            gov.transact(d.token, U256::ZERO, &mint).await.expect("mint");
            let u = d.client_async(i).await;
            u.erc20_approve(d.token, d.contract, U256::MAX).await.expect("approve");
            u.deposit_eth(address(i), 10 * GWEI * i as u128).await.expect("deposit ETH");
            // c gets its T1 on L2 (a transfer); its only T1 deposit is the one never processed.
            if i < 3 {
                u.deposit_erc20(d.token, 100_000 * i as u128, address(i))
                    .await
                    .expect("deposit T1");
            }
        }
    });
    node.wait_for("the deposits", &d.dir, |st| {
        st["priorityPending"] == 0 && st["lastSealed"].as_u64() >= Some(1)
    });
    let chain = ChainConfig { chain_id: 31337, contract: d.contract };
    let ids: Vec<AccountId> = (0..=3)
        .map(|i| {
            let info =
                rpc(node.port, "account_info", json!([address(i).to_string()])).expect("info");
            AccountId(info["id"].as_u64().expect("an account") as u32)
        })
        .collect();
    let mut w: Vec<Wallet> = (1..=3)
        .map(|i| {
            let mut w =
                Wallet::from_eth_key(signer(i).credential().clone(), chain).expect("wallet");
            w.account_id = ids[i];
            w
        })
        .collect();
    let (a, b, c) = (0, 1, 2);
    for u in w.iter_mut() {
        node.submit(&u.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign"));
    }
    node.submit(&w[a].transfer(address(2), ETH, GWEI, 1).expect("sign"));
    node.submit(&w[b].transfer(address(3), T1, 5_000, 1).expect("sign"));
    // a sells 1,000 wei of ETH for 2,000 of T1 to b (limit orders: no nonce used), c submits.
    let sell = w[a].order(ETH, T1, (1, 2), 0).expect("sign");
    let buy = w[b].order(T1, ETH, (2, 1), 0).expect("sign");
    node.submit(&w[c].swap([sell, buy], [1_000, 2_000], ETH, 1).expect("sign"));
    node.submit(&w[a].mint_nft(address(2), [0x11; 32], ETH, 1).expect("sign"));
    node.submit(&w[c].mint_nft(address(3), [0x22; 32], ETH, 1).expect("sign"));
    node.submit(&w[b].withdraw(address(2), ETH, GWEI, 1).expect("sign"));
    node.settle(&d.dir);
    // The withdrawal is paid out now (by anyone: the operator), so that the exits alone move
    // the users' L1 balances later.
    rt.block_on(gov.withdraw_pending_balance(address(2), ETH, GWEI)).expect("claim");
    ids
}

/// `tern exit --json` for account `i`, which must succeed; its report.
fn exit_json(d: &Drill, i: usize, extra: &[&str]) -> Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let out = ok(d.exit(i, &args));
    serde_json::from_str(out.trim()).expect("one JSON object")
}

fn amount(v: &Value) -> u128 {
    v.as_str().expect("decimal").parse().expect("u128")
}

/// A real exit proof of account 1's ETH, built from a restored data directory with the
/// library: submitted for another amount or another owner it is a forged exit.
fn real_claim(d: &Drill, rt: &tokio::runtime::Runtime, id: AccountId) -> tern_l1::ExodusClaim {
    use tern_storage::{SqlStore, StateStore};
    rt.block_on(async {
        let store = SqlStore::open_data_dir(&d.dir.join("exit-0")).await.expect("restored");
        let s = store.state_at(None).await.expect("state");
        let mut state = tern_state::State::from_parts(s.accounts, s.nfts, s.next_nft_id, s.tokens)
            .expect("state");
        let chain = d.client_async(1).await;
        let prover = tern_exit::ExitProver::load(&d.keys, &chain, true, false).await.expect("keys");
        prover.token_claim(&mut state, id, address(1), ETH).expect("proof")
    })
}

#[test]
fn every_account_leaves_a_frozen_rollup_with_tern_exit() {
    let start = Instant::now();
    let Some((_anvil, port)) = anvil() else { return };
    let url = format!("http://127.0.0.1:{port}");
    let tmp = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (keys, contract, token, deploy_block) = setup(tmp.path(), &url, &rt);
    eprintln!("drill: keys and deployment in {:.0?}", start.elapsed());
    let d =
        Drill { url, anvil: port, contract, keys, dir: tmp.path().to_owned(), token, deploy_block };

    // 2. Activity over several proven blocks, then the operator stops.
    let node = start_node(&d.url, &contract.to_string(), &d.keys, deploy_block, &d.dir);
    let ids = activity(&d, &rt, &node);
    let held: Vec<L2Holding> = (0..=4).map(|i| verified_holding(&node, address(i))).collect();
    eprintln!("drill: activity executed on L1 in {:.0?}; L2: {held:?}", start.elapsed());
    drop(node);
    assert_eq!(held[2].nfts.len() + held[3].nfts.len(), 2, "two NFTs minted");

    // 3. Nothing has expired: the tool says so and changes nothing.
    let refused = d.exit(1, &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("not in exodus mode") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    let l1 = |i| d.client(&rt, i);
    rt.block_on(l1(2).request_full_exit(ids[2], ETH)).expect("full exit request");
    rt.block_on(l1(4).deposit_eth(address(4), 3 * GWEI)).expect("unprocessed ETH deposit");
    rt.block_on(l1(3).deposit_erc20(token, 777, address(3))).expect("unprocessed T1 deposit");
    rpc(port, "evm_increaseTime", json!([3 * 24 * 3600 + 60])).expect("time");
    rpc(port, "evm_mine", json!([])).expect("mine");
    let before: Vec<(u128, u128)> = (0..=4).map(|i| d.l1_balances(&rt, address(i))).collect();

    // 4. The operator's exit activates exodus mode.
    let mut reports = BTreeMap::new();
    let r0 = exit_json(&d, 0, &[]);
    assert_eq!(r0["exodus"], "activated", "{r0}");
    reports.insert(0, r0);
    // A dry run lists the exits with their amounts and sends nothing.
    let dry = exit_json(&d, 1, &["--dry-run"]);
    assert_eq!(dry["transactions"], json!([]), "{dry}");
    let listed: BTreeMap<u16, u128> = dry["exits"]
        .as_array()
        .expect("exits")
        .iter()
        .map(|e| (e["token"].as_u64().expect("id") as u16, amount(&e["amount"])))
        .collect();
    assert_eq!(listed, held[1].balances, "the dry run lists the L2 balances");
    // Keys that are not the deployed verifier's (the NFT exit keys under the token exit keys'
    // names) are refused before anything is proven or sent.
    let wrong = wrong_keys(&d.keys, &d.dir.join("wrong-keys"));
    let refused = d.exit_with_keys(1, &wrong, &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("do not match the rollup's token exit verifier"), "{stderr}");
    // Forged exits: a real proof, claimed for more, or for another owner.
    let claim = real_claim(&d, &rt, ids[1]);
    let forged = [
        tern_l1::ExodusClaim { amount: claim.amount + 1, ..claim.clone() },
        tern_l1::ExodusClaim { owner: address(2), ..claim.clone() },
    ];
    for f in &forged {
        let e = rt.block_on(l1(2).perform_exodus(f)).expect_err("a forged exit");
        assert!(e.to_string().contains("InvalidExitProof"), "{e}");
    }
    // Account 3 exits its token first (by address), then the rest.
    let t1_only = exit_json(&d, 3, &["--token", &token.to_string()]);
    assert!(t1_only["nft_exits"].as_array().is_some_and(|n| n.is_empty()), "{t1_only}");
    reports.insert(30, t1_only);
    for i in 1..=4 {
        reports.insert(i, exit_json(&d, i, &[]));
    }
    eprintln!("drill: every account exited in {:.0?}", start.elapsed());
    check_balances(&d, &rt, &before, &held, &reports);

    // 5. A second exit is refused: by the contract, and by the tool.
    let e = rt.block_on(l1(1).perform_exodus(&claim)).expect_err("a second exit");
    assert!(e.to_string().contains("AlreadyExited"), "{e}");
    let again = d.exit(1, &[]);
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already exited"), "{stderr}");
    let stdout = String::from_utf8_lossy(&again.stdout);
    let eth = held[1].balances[&0];
    assert!(stdout.contains(&format!("token 0: {eth} already exited")), "{stdout}");
    eprintln!("drill: done in {:.0?}", start.elapsed());
}

/// Every L1 balance moved by exactly the L2 balance (and refunds; ETH net of gas), the NFTs
/// are minted to their owners, and the rollup holds nothing.
fn check_balances(
    d: &Drill,
    rt: &tokio::runtime::Runtime,
    before: &[(u128, u128)],
    held: &[L2Holding],
    reports: &BTreeMap<usize, Value>,
) {
    let refunds = [(0, 0), (0, 0), (0, 0), (0, 777), (3 * GWEI, 0)];
    for i in 0..=4usize {
        let gas: u128 = reports
            .iter()
            .filter(|(k, _)| **k == i || **k == i * 10)
            .map(|(_, r)| gas_paid(d.anvil, r))
            .sum();
        let after = d.l1_balances(rt, address(i));
        let eth = held[i].balances.get(&0).copied().unwrap_or(0) + refunds[i].0;
        let t1 = held[i].balances.get(&1).copied().unwrap_or(0) + refunds[i].1;
        assert_eq!(after.0 + gas - before[i].0, eth, "account {i}: ETH moved by its L2 balance");
        assert_eq!(after.1 - before[i].1, t1, "account {i}: T1 moved by its L2 balance");
    }
    let gov = d.client(rt, 0);
    rt.block_on(async {
        let factory = gov.rollup_view(&Rollup::nftFactoryCall {}).await.expect("factory");
        for (i, h) in held.iter().enumerate() {
            for nft in &h.nfts {
                let call = NftFactory::ownerOfCall { tokenId: U256::from(*nft) };
                let owner = gov.call_view(factory, &call).await.expect("minted");
                assert_eq!(owner, address(i), "NFT {nft} minted to its owner");
            }
        }
        let eth = gov.eth_balance(d.contract).await.expect("balance");
        let t1 = gov.erc20_balance(d.token, d.contract).await.expect("balance");
        assert_eq!((eth, t1), (U256::ZERO, U256::ZERO), "the rollup paid out everything");
        let _ = gov.exodus_mode().await.expect("exodus");
    });
}

/// A copy of the exit keys in which the token exit keys are the NFT exit circuit's (with their
/// checksum file renamed to match): readable keys of the wrong circuit.
fn wrong_keys(keys: &Path, out: &Path) -> PathBuf {
    std::fs::create_dir_all(out).expect("dir");
    let (token, nft) = ("tern-dev-INSECURE-exit", "tern-dev-INSECURE-exit-nft");
    for ext in ["pk", "vk", "sha256"] {
        let from = keys.join(format!("{nft}.{ext}"));
        std::fs::copy(&from, out.join(format!("{nft}.{ext}"))).expect("copy");
        let to = out.join(format!("{token}.{ext}"));
        if ext == "sha256" {
            let text = std::fs::read_to_string(&from).expect("read");
            std::fs::write(&to, text.replace(nft, token)).expect("write");
        } else {
            std::fs::copy(&from, &to).expect("copy");
        }
    }
    out.to_owned()
}
