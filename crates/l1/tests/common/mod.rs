//! The anvil process the anvil tests run against (npm `@foundry-rs/anvil`, pinned in
//! `package.json`, installed by `npm ci`).
//!
//! Anvil listens on 127.0.0.1 at a free port and is killed on drop. Without the binary a test
//! is skipped with a message, unless `TERN_REQUIRE_ANVIL=1` (set by `.ci/run`): then it fails.
// Each test crate that includes this module uses a part of it.
#![allow(dead_code)]

use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use alloy_signer_local::PrivateKeySigner;
use anyhow::{bail, ensure, Context, Result};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tern_l1::RpcL1;

/// An anvil process on 127.0.0.1, killed on drop.
pub(crate) struct Anvil {
    child: Child,
    /// Its JSON-RPC endpoint.
    pub(crate) url: String,
}

impl Anvil {
    /// Starts anvil with `args` (`--chain-id`, `--timestamp`, …); `None` (skip) if the binary
    /// is missing and `TERN_REQUIRE_ANVIL` is not 1.
    pub(crate) fn start(args: &[&str]) -> Result<Option<Self>> {
        let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        if !bin.exists() {
            if std::env::var("TERN_REQUIRE_ANVIL").is_ok_and(|v| v == "1") {
                bail!("anvil is required (TERN_REQUIRE_ANVIL=1) but {} is missing", bin.display());
            }
            eprintln!(
                "SKIPPED: anvil not found at {}; run `npm ci` in the repository root to install \
                 the pinned @foundry-rs/anvil",
                bin.display()
            );
            return Ok(None);
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut anvil = Self { child, url: format!("http://127.0.0.1:{port}") };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = anvil.child.try_wait()? {
                bail!("anvil exited at start: {status}");
            }
            ensure!(start.elapsed() < Duration::from_secs(20), "anvil did not listen in 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Some(anvil))
    }

    /// Gives `who` `wei` (`anvil_setBalance`).
    pub(crate) async fn set_balance(&self, who: Address, wei: U256) -> Result<()> {
        self.rpc::<_, serde_json::Value>("anvil_setBalance", (who, wei)).await?;
        Ok(())
    }

    /// A raw JSON-RPC call (anvil's own methods: `evm_mine`, `evm_setAutomine`, …).
    pub(crate) async fn rpc<P, R>(&self, method: &'static str, params: P) -> Result<R>
    where
        P: serde::Serialize + Clone + std::fmt::Debug + Send + Sync + Unpin,
        R: serde::de::DeserializeOwned + std::fmt::Debug + Send + Sync + Unpin + 'static,
    {
        let any = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x22))?;
        let client = RpcL1::connect(&self.url, any, Address::ZERO).await?;
        Ok(client.provider().raw_request::<P, R>(method.into(), params).await?)
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
