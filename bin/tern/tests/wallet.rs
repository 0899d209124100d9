//! `tern wallet` without a node: the key, the devnet file, argument and amount errors, and a
//! node that does not answer. (The commands against a running node are in
//! `crates/sdk/tests/`.)

use serde_json::Value;
use std::process::{Command, Output};

/// Anvil's account 1.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDRESS: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CONTRACT: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/// Nothing listens here.
const NO_NODE: &str = "http://127.0.0.1:9";

fn wallet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tern"))
        .arg("wallet")
        .args(args)
        .env_remove("TERN_WALLET_KEY")
        .env("TERN_WALLET_HOME", std::env::temp_dir().join("tern-wallet-test"))
        .output()
        .expect("run tern")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "tern failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    assert!(!o.status.success(), "tern should have failed: {}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn address_needs_only_the_key() {
    let out = stdout(&wallet(&["--rpc", NO_NODE, "--key", KEY, "address"]));
    assert!(out.contains(ADDRESS), "{out}");
    assert!(out.contains("unknown"), "{out}");
}

#[test]
fn address_with_a_chain_shows_the_l2_key_as_json() {
    let o = wallet(&[
        "--rpc",
        NO_NODE,
        "--chain-id",
        "31337",
        "--contract",
        CONTRACT,
        "--key",
        KEY,
        "address",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["address"], ADDRESS);
    let pkh = v["pubkey_hash"].as_str().expect("pubkey hash");
    assert_eq!(pkh.len(), 42, "{pkh}");
}

#[test]
fn the_key_comes_from_the_environment_too() {
    let o = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["wallet", "--rpc", NO_NODE, "address", "--json"])
        .env("TERN_WALLET_KEY", KEY)
        .output()
        .expect("run tern");
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["address"], ADDRESS);
}

#[test]
fn devnet_file_gives_chain_tokens_and_endpoints() {
    let dir = tempfile::tempdir().expect("tempdir");
    let devnet = serde_json::json!({
        "rpc_http": NO_NODE, "rpc_ws": "ws://127.0.0.1:9", "rest": "http://127.0.0.1:9",
        "l1_rpc": "http://127.0.0.1:9", "chain_id": 31337, "contract": CONTRACT,
        "operator": ADDRESS,
        "tokens": [{"id": 0, "symbol": "ETH", "address": "0x0000000000000000000000000000000000000000", "decimals": 18},
                   {"id": 1, "symbol": "USDC", "address": "0x00000000000000000000000000000000000000aa", "decimals": 6}],
        "accounts": []
    });
    std::fs::write(dir.path().join("devnet.json"), devnet.to_string()).expect("write");
    let d = dir.path().to_str().expect("utf-8");
    let v: Value =
        serde_json::from_str(&stdout(&wallet(&["--devnet", d, "--key", KEY, "address", "--json"])))
            .expect("JSON");
    let chained: Value = serde_json::from_str(&stdout(&wallet(&[
        "--rpc",
        NO_NODE,
        "--chain-id",
        "31337",
        "--contract",
        CONTRACT,
        "--key",
        KEY,
        "address",
        "--json",
    ])))
    .expect("JSON");
    assert_eq!(v["pubkey_hash"], chained["pubkey_hash"]);

    // The devnet's token decimals apply: USDC has 6.
    let e = stderr(&wallet(&[
        "--devnet",
        d,
        "--key",
        KEY,
        "deposit",
        "--token",
        "usdc",
        "--amount",
        "0.0000001",
    ]));
    assert!(e.contains("7 decimals, the token has 6"), "{e}");
    let e = stderr(&wallet(&[
        "--devnet", d, "--key", KEY, "deposit", "--token", "DAI", "--amount", "1",
    ]));
    assert!(e.contains("unknown token \"DAI\""), "{e}");
    // The L1 is down: the deposit names the endpoint's failure and exits non-zero.
    let e = stderr(&wallet(&[
        "--devnet", d, "--key", KEY, "deposit", "--token", "ETH", "--amount", "1",
    ]));
    assert!(e.contains("error:"), "{e}");
}

#[test]
fn errors_name_the_problem_and_exit_non_zero() {
    let e = stderr(&wallet(&["--rpc", NO_NODE, "--key", "0x1234", "address"]));
    assert!(e.contains("invalid Ethereum private key"), "{e}");
    let e = stderr(&wallet(&["--rpc", NO_NODE, "--key", KEY, "balance"]));
    assert!(e.contains("127.0.0.1:9"), "{e}");
    let chain = ["--rpc", NO_NODE, "--chain-id", "1", "--contract", CONTRACT, "--key", KEY];
    let mut args = chain.to_vec();
    args.extend(["transfer", "--to", ADDRESS, "--token", "ETH", "--amount=-1"]);
    assert!(stderr(&wallet(&args)).contains("negative"));
    let mut args = chain.to_vec();
    args.extend(["transfer", "--to", "nobody", "--token", "ETH", "--amount", "1"]);
    assert!(stderr(&wallet(&args)).contains("\"nobody\" is not an address"));
    let mut args = chain.to_vec();
    args.extend(["claim", "--token", "ETH"]);
    assert!(stderr(&wallet(&args)).contains("no L1 endpoint"));
}
