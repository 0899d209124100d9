//! `tern wallet`'s L1 commands against anvil with no Tern node running, as a user leaving a
//! rollup whose operator is down would run them: a deposit of ETH (the rollup's balance grows,
//! the priority request is queued), a deposit of a listed ERC-20 (approved first) with the
//! token named as a devnet file names it, a full-exit request, and a claim with nothing
//! pending.
//!
//! INSECURE dev keys at capacity 1 (`tern prover setup`, `tern prover setup-exit`) and
//! `tern deploy`. Anvil is `node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil` (`npm ci`);
//! without it the test is skipped with a message, unless `TERN_REQUIRE_ANVIL=1`.

use alloy_primitives::{Address, U256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tern_contracts::bindings::test_helpers::TestERC20;
use tern_l1::{EthChain, L1User, RollupAdmin, RpcL1};

/// Anvil's account 0: deployer and governor.
const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// Anvil's account 1: the wallet.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDRESS: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/// Nothing listens here: no Tern node.
const NO_NODE: &str = "http://127.0.0.1:9";

fn tern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(args)
        .env("TERN_WALLET_HOME", std::env::temp_dir().join("tern-wallet-l1-test"))
        .output()
        .expect("run tern")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "tern failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("utf-8")
}

struct Anvil(Child, String);

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn anvil() -> Option<Anvil> {
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
    let port = TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let child = Command::new(&bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--chain-id", "31337"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start anvil");
    let anvil = Anvil(child, format!("http://127.0.0.1:{port}"));
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "anvil did not listen in 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(anvil)
}

/// Dev keys and a deployment listing `token` as token 1; the rollup's address.
fn deploy(url: &str, keys: &Path, token: &str) -> String {
    let k = keys.to_str().expect("utf-8 path");
    ok(tern(&["prover", "setup", "--capacity", "1", "--out", k, "--seed", "7"]));
    ok(tern(&["prover", "setup-exit", "--out", k, "--seed", "7"]));
    let args = ["deploy", "--l1-rpc", url, "--key", DEV_KEY, "--keys", k, "--capacity", "1"];
    let out = ok(tern(&[&args[..], &["--token", token, "--json"]].concat()));
    let report: Value = serde_json::from_str(&out).expect("deploy JSON");
    report["contract"].as_str().expect("contract").to_owned()
}

fn wallet(url: &str, contract: &str, command: &[&str]) -> Output {
    let base = ["wallet", "--rpc", NO_NODE, "--l1-rpc", url, "--chain-id", "31337"];
    tern(&[&base[..], &["--contract", contract, "--key", KEY], command, &["--json"]].concat())
}

/// A test ERC-20 with 5 tokens minted to `owner`.
async fn erc20(gov: &RpcL1, owner: Address) -> Address {
    let code = TestERC20::BYTECODE.clone();
    let (token, _) = gov.deploy_code("TestERC20", code).await.expect("deploy TestERC20");
    let mint = TestERC20::mintCall { to: owner, amount: U256::from(5_000_000_000_000_000_000u128) };
    gov.transact(token, U256::ZERO, &mint).await.expect("mint");
    token
}

#[test]
fn deposit_full_exit_and_claim_need_no_node() {
    let dir = std::env::temp_dir().join(format!("tern-wallet-l1-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let Some(anvil) = anvil() else { return };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let signer: PrivateKeySigner = DEV_KEY.parse().expect("key");
    let gov = runtime.block_on(RpcL1::connect(&anvil.1, signer, Address::ZERO)).expect("l1");
    let owner: Address = ADDRESS.parse().expect("address");
    let token = runtime.block_on(erc20(&gov, owner));
    let contract = deploy(&anvil.1, &dir, &token.to_string());
    let rollup: Address = contract.parse().expect("address");
    let l1 = gov.with_rollup(rollup);

    let out = ok(wallet(&anvil.1, &contract, &["deposit", "--token", "ETH", "--amount", "1.5"]));
    let deposit: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(deposit["serial_id"], 0, "{deposit}");
    assert!(deposit["l1_tx_hash"].as_str().is_some_and(|h| h.len() == 66), "{deposit}");

    let held = runtime.block_on(l1.eth_balance(rollup)).expect("balance");
    assert_eq!(held, U256::from(1_500_000_000_000_000_000u128));

    // The token as a devnet file lists it (the node, which would list it too, is down).
    let devnet = serde_json::json!({
        "rpc_http": NO_NODE, "l1_rpc": anvil.1, "chain_id": 31337, "contract": contract,
        "tokens": [{"id": 0, "symbol": "ETH", "address": Address::ZERO, "decimals": 18},
                   {"id": 1, "symbol": "TST", "address": token, "decimals": 18}]
    });
    std::fs::write(dir.join("devnet.json"), devnet.to_string()).expect("devnet file");
    let d = dir.to_str().expect("utf-8 path");
    let out = ok(tern(&[
        "wallet", "--devnet", d, "--key", KEY, "deposit", "--token", "tst", "--amount", "2",
        "--json",
    ]));
    let deposit: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(deposit["serial_id"], 1, "{deposit}");
    let held = runtime.block_on(l1.erc20_balance(token, rollup)).expect("balance");
    assert_eq!(held, U256::from(2_000_000_000_000_000_000u128));
    let left = runtime.block_on(l1.erc20_balance(token, owner)).expect("balance");
    assert_eq!(left, U256::from(3_000_000_000_000_000_000u128));

    // The account id is given: the node that would tell it is down.
    let out =
        ok(wallet(&anvil.1, &contract, &["full-exit", "--token", "ETH", "--account-id", "1"]));
    let exit: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(exit["serial_id"], 2, "{exit}");

    let refused = wallet(&anvil.1, &contract, &["claim", "--token", "ETH"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains(&format!("{ADDRESS} has no pending balance")), "{stderr}");
    let pending = runtime.block_on(l1.pending_balance(owner, tern_types::ETH)).expect("pending");
    assert_eq!(pending, 0);
    let _ = std::fs::remove_dir_all(&dir);
}
