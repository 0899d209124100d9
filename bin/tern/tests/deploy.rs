//! `tern deploy` against anvil: INSECURE dev keys at capacity 1 (`tern prover setup`,
//! `tern prover setup-exit`), a deployment printed as JSON, a second one that lists a token,
//! and the errors for a missing key file and an address without code.
//!
//! Anvil is `node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil` (`npm ci`); without it the
//! anvil part is skipped with a message, unless `TERN_REQUIRE_ANVIL=1`: then the test fails.

use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Anvil's first dev account (funded with 10,000 ETH at start).
const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn tern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tern")).args(args).output().expect("run tern")
}

fn ok(o: Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "tern failed: {stderr}");
    String::from_utf8(o.stdout).expect("utf-8")
}

/// An anvil process, killed on drop.
struct Anvil(Child, String);

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts anvil; `None` if it is missing and not required.
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

fn deploy(url: &str, keys: &Path, extra: &[&str]) -> Output {
    let keys = keys.to_str().expect("utf-8 path");
    let mut args = vec!["deploy", "--l1-rpc", url, "--key", DEV_KEY, "--keys", keys];
    args.extend_from_slice(&["--capacity", "1"]);
    args.extend_from_slice(extra);
    tern(&args)
}

fn is_address(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 42 && s.starts_with("0x"))
}

#[test]
fn deploy_prints_the_rollup_and_lists_tokens() {
    let dir = std::env::temp_dir().join(format!("tern-deploy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let keys = dir.to_str().expect("utf-8 path");

    // No keys yet: the error names the command that makes them (nothing is contacted).
    let missing = deploy("http://127.0.0.1:9", &dir, &[]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("tern prover setup --capacity 1"), "{stderr}");

    ok(tern(&["prover", "setup", "--capacity", "1", "--out", keys, "--seed", "7"]));
    let missing = deploy("http://127.0.0.1:9", &dir, &[]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("tern prover setup-exit"), "{stderr}");
    ok(tern(&["prover", "setup-exit", "--out", keys, "--seed", "7"]));

    let Some(anvil) = anvil() else { return };
    let first: Value =
        serde_json::from_str(&ok(deploy(&anvil.1, &dir, &["--json"]))).expect("one JSON object");
    assert!(is_address(&first["contract"]), "{first}");
    assert_eq!(first["chain_id"], 31337);
    assert!(first["deploy_block"].as_u64().is_some_and(|b| b > 0), "{first}");
    let root = first["genesis_root"].as_str().expect("root");
    assert_eq!(root.len(), 66, "32 bytes of hex");
    assert!(is_address(&first["verifiers"]["block"]["1"]), "{first}");
    assert!(is_address(&first["verifiers"]["exit"]) && is_address(&first["verifiers"]["nft_exit"]));
    assert_eq!(first["tokens"], Value::Array(vec![]));

    // A second rollup lists a contract as its token 1 (the contract does not check that it is
    // an ERC-20; the command checks that it has code). An address without code is refused.
    let token = first["verifiers"]["exit"].as_str().expect("address");
    let second: Value =
        serde_json::from_str(&ok(deploy(&anvil.1, &dir, &["--token", token, "--json"])))
            .expect("JSON");
    assert_ne!(second["contract"], first["contract"]);
    assert_eq!(second["tokens"][0]["id"], 1);
    assert_eq!(second["tokens"][0]["address"].as_str(), Some(token));
    let nowhere = "0x00000000000000000000000000000000000000aa";
    let refused = deploy(&anvil.1, &dir, &["--token", nowhere]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("no contract at"), "{stderr}");

    // Without --json: lines.
    let text = ok(deploy(&anvil.1, &dir, &[]));
    assert!(text.contains("contract: 0x") && text.contains("chain_id: 31337"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
