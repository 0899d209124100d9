//! `tern devnet` end to end: it starts from an empty directory (anvil from `npm ci`, real
//! proofs), writes `devnet.json`, runs the README's walk-through (a transfer, verified; a
//! withdrawal, verified and claimed on L1) with `tern wallet --devnet`, stops cleanly on
//! SIGINT, and a second start resumes the same chain.
//!
//! Needs anvil (`npm ci`); skipped without it unless `TERN_REQUIRE_ANVIL=1`. The INSECURE dev
//! keys are cached in cargo's test scratch directory, so later runs skip key generation.

use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const ETHER: u128 = 1_000_000_000_000_000_000;

fn anvil_present() -> bool {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if bin.exists() {
        return true;
    }
    let required = std::env::var("TERN_REQUIRE_ANVIL").is_ok_and(|v| v == "1");
    assert!(!required, "anvil is required (TERN_REQUIRE_ANVIL=1) but {} is missing", bin.display());
    eprintln!("SKIPPED: anvil not found at {}; run `npm ci`", bin.display());
    false
}

/// A port offset whose five ports are all free.
fn port_offset() -> u16 {
    for _ in 0..200 {
        let probe = TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("a").port();
        let offset = (probe % 20_000 + 10_000) / 10 * 10;
        let free = [8545u16, 3030, 3031, 3001, 9898]
            .iter()
            .all(|base| TcpListener::bind(("127.0.0.1", base + offset)).is_ok());
        if free {
            return offset;
        }
    }
    panic!("no free port offset")
}

struct Devnet {
    args: Vec<String>,
    dir: PathBuf,
    child: Option<Child>,
    log: PathBuf,
}

impl Devnet {
    fn new(dir: &Path) -> Self {
        let keys = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("devnet-keys");
        let data = dir.join("devnet");
        let args = [
            "devnet",
            "--data-dir",
            data.to_str().expect("utf-8"),
            "--keys",
            keys.to_str().expect("utf-8"),
            "--accounts",
            "2",
            "--block-time",
            "0.5",
            "--port-offset",
            &port_offset().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        Self { args, dir: data, child: None, log: dir.join("devnet.log") }
    }

    /// Starts it and waits for `devnet.json` (key generation and the funding blocks' proofs
    /// included).
    fn start(&mut self) -> Value {
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_tern"))
            .args(&self.args)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start tern devnet");
        self.child = Some(child);
        let info = self.dir.join("devnet.json");
        let start = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&info) {
                return serde_json::from_str(&text).expect("devnet.json is JSON");
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("tern devnet exited ({status}) before it was ready:\n{}", self.tail());
            }
            assert!(
                start.elapsed() < Duration::from_secs(900),
                "no devnet.json after 15 minutes:\n{}",
                self.tail()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Ctrl-C: the devnet must stop every part and exit 0.
    fn interrupt(&mut self) {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().expect("kill");
        assert!(sent.success());
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no exit 60 s after SIGINT");
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(status.success(), "tern devnet exited with {status} on SIGINT:\n{}", self.tail());
        assert!(!self.dir.join("devnet.json").exists(), "a stopped devnet leaves no devnet.json");
    }

    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
            std::thread::sleep(Duration::from_secs(3));
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `tern wallet --devnet DIR --key KEY ARGS… --json`.
fn wallet(net: &Devnet, key: &str, args: &[&str]) -> Value {
    let devnet = &net.dir;
    let out: Output = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["wallet", "--devnet", devnet.to_str().expect("utf-8"), "--key", key])
        .args(["--timeout", "300"])
        .args(args)
        .arg("--json")
        .env("TERN_WALLET_HOME", devnet.join("wallet-home"))
        .output()
        .expect("run tern wallet");
    assert!(
        out.status.success(),
        "tern wallet {args:?} failed: {}\ndevnet log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        net.tail()
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn balance(state: &Value, symbol: &str) -> u128 {
    state["balances"][symbol].as_str().map_or(0, |s| s.parse().expect("decimal"))
}

#[test]
fn the_devnet_starts_runs_the_walkthrough_and_resumes() {
    if !anvil_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let mut devnet = Devnet::new(dir.path());
    let info = devnet.start();
    let accounts = info["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 2);
    let symbols: Vec<&str> = info["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter_map(|t| t["symbol"].as_str())
        .collect();
    assert_eq!(symbols, ["ETH", "DAI", "USDC"]);
    let key = |i: usize| accounts[i]["private_key"].as_str().expect("key").to_owned();
    let bob = accounts[1]["address"].as_str().expect("address").to_owned();
    for a in accounts {
        assert!(a["account_id"].as_u64().is_some(), "every dev account has an L2 id: {a}");
    }
    let data = devnet.dir.clone();

    // Funded: 10,000 DAI (token 1) and 10,000 USDC (6 decimals) in L2, verified, and the L2
    // key set.
    let alice = wallet(&devnet, &key(0), &["balance"]);
    assert_eq!(balance(&alice["verified"], "DAI"), 10_000 * ETHER);
    assert_eq!(balance(&alice["verified"], "USDC"), 10_000 * 1_000_000);
    assert_ne!(alice["verified"]["pubKeyHash"], "sync:0000000000000000000000000000000000000000");
    let bob_before = balance(&wallet(&devnet, &key(1), &["balance"])["verified"], "ETH");

    // A remote prover worker joins over HTTP with the devnet's token.
    let worker_log = dir.path().join("worker.log");
    let log = std::fs::File::create(&worker_log).expect("log");
    let mut worker = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["prover", "worker", "--devnet", data.to_str().expect("utf-8"), "--threads", "1"])
        .args(["--cache-dir", dir.path().join("worker-cache").to_str().expect("utf-8")])
        .args(["--name", "walkthrough-worker"])
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start tern prover worker");

    // The README's walk-through.
    let sent =
        wallet(&devnet, &key(0), &["transfer", "--to", &bob, "--token", "ETH", "--amount", "1"]);
    let hash = sent["hash"].as_str().expect("hash").to_owned();
    wallet(&devnet, &key(0), &["wait", &hash, "--verified"]);
    let bob_after = balance(&wallet(&devnet, &key(1), &["balance"])["verified"], "ETH");
    assert_eq!(bob_after, bob_before + ETHER);
    let out = wallet(&devnet, &key(1), &["withdraw", "--token", "ETH", "--amount", "0.5"]);
    wallet(&devnet, &key(1), &["wait", out["hash"].as_str().expect("hash"), "--verified"]);
    let claimed = wallet(&devnet, &key(1), &["claim", "--token", "ETH"]);
    assert!(claimed.to_string().contains("500000000000000000"), "claimed 0.5 ETH: {claimed}");

    // A newcomer (anvil's third default account, 10,000 ETH on L1) deposits and sets its L2
    // key with an on-chain authorisation: `setAuthPubkeyHash` on L1, then a ChangePubKey with
    // no signature in the block.
    let carol = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
    let dep = wallet(&devnet, carol, &["deposit", "--token", "ETH", "--amount", "1", "--wait"]);
    assert!(dep["block"].as_u64().is_some(), "the deposit is in a block: {dep}");
    let cpk = wallet(&devnet, carol, &["change-pubkey", "--auth", "onchain", "--wait"]);
    assert!(cpk["block"].as_u64().is_some(), "the ChangePubKey is in a block: {cpk}");
    let carol_state = wallet(&devnet, carol, &["balance"]);
    assert_ne!(
        carol_state["committed"]["pubKeyHash"],
        "sync:0000000000000000000000000000000000000000"
    );
    assert!(balance(&carol_state["committed"], "ETH") < ETHER, "the fee was paid in ETH");

    // `tern status` sees the chain, the worker and the operator's L1 balance.
    let status = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["status", "--devnet", data.to_str().expect("utf-8"), "--json"])
        .output()
        .expect("run tern status");
    let report: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert!(status.status.success(), "tern status: {report}");
    assert!(report["chain"]["lastExecuted"].as_u64().is_some_and(|b| b >= 3), "{report}");
    let workers = report["node"]["workers"].as_array().expect("workers");
    assert!(
        workers.iter().any(|w| w["name"] == "walkthrough-worker"),
        "the remote worker is listed: {report}\n{}",
        std::fs::read_to_string(&worker_log).unwrap_or_default()
    );
    assert!(report["operator_balance_wei"].as_str().is_some(), "{report}");
    worker.kill().expect("kill the worker");
    let _ = worker.wait();

    // Ctrl-C, then a second start resumes the same chain.
    let bob_stopped = balance(&wallet(&devnet, &key(1), &["balance"])["verified"], "ETH");
    assert!(bob_stopped < bob_after - ETHER / 2, "0.5 ETH and the fee withdrawn");
    devnet.interrupt();
    let again = devnet.start();
    assert_eq!(again["contract"], info["contract"]);
    let bob_resumed = wallet(&devnet, &key(1), &["balance"]);
    assert_eq!(balance(&bob_resumed["verified"], "ETH"), bob_stopped);
    devnet.interrupt();
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    if !anvil_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let devnet = Devnet::new(dir.path());
    let offset: u16 = devnet.args.last().expect("offset").parse().expect("number");
    let _busy = TcpListener::bind(("127.0.0.1", 8545 + offset)).expect("hold anvil's port");
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(&devnet.args)
        .output()
        .expect("run tern devnet");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("port") && err.contains("--port-offset"), "{err}");
    assert!(TcpStream::connect(("127.0.0.1", 3030 + offset)).is_err(), "nothing else started");
}
