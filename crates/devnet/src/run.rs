//! One devnet start, from an empty or existing data directory to a running rollup, and its
//! clean stop.

use crate::accounts::{dev_accounts, fund, send_eth, DevAccount};
use crate::anvil::{self, Anvil};
use crate::deploy::{self, DeploymentRecord};
use crate::{keys, write_json, DevnetError, Event, Report};
use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tern_l1::RpcL1;
use tern_node::config::NodeOptions;
use tern_rpc::server::RpcSettings;
use tern_sdk::Provider;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The devnet's prover worker token: the devnet is local and INSECURE, so the token only
/// keeps a stray worker of another devnet from leasing this one's jobs.
pub(crate) const PROVER_TOKEN: &str = "tern-devnet-insecure";

/// The operator, governor and deployer: anvil's first default account (its key is public).
pub const OPERATOR_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// How a devnet runs.
#[derive(Debug, Clone)]
pub struct DevnetOptions {
    /// Its data directory (keys, anvil's state, the node's database, `devnet.json`).
    pub data_dir: PathBuf,
    /// Chunks per block.
    pub capacity: usize,
    /// Seconds the sequencer waits before sealing a block that is not full.
    pub block_time: f64,
    /// In-process prover workers.
    pub provers: usize,
    /// Added to every port.
    pub port_offset: u16,
    /// Start from an empty data directory.
    pub fresh: bool,
    /// A running Ethereum node instead of anvil (with anvil's default funded accounts).
    pub l1_rpc: Option<String>,
    /// The anvil binary (default: the npm package, then `PATH`).
    pub anvil: Option<PathBuf>,
    /// A directory of proving keys shared between devnets (default: `DIR/keys`).
    pub keys: Option<PathBuf>,
    /// Dev accounts to fund.
    pub accounts: usize,
}

impl Default for DevnetOptions {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from(".tern-devnet"),
            capacity: 8,
            block_time: 1.0,
            provers: 1,
            port_offset: 0,
            fresh: false,
            l1_rpc: None,
            anvil: None,
            keys: None,
            accounts: 10,
        }
    }
}

/// The devnet's ports: the defaults plus `--port-offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ports {
    /// anvil's JSON-RPC.
    pub l1: u16,
    /// The node's JSON-RPC over HTTP.
    pub rpc_http: u16,
    /// The node's JSON-RPC over WebSocket.
    pub rpc_ws: u16,
    /// The REST API.
    pub rest: u16,
    /// Prometheus metrics.
    pub metrics: u16,
}

impl Ports {
    /// The defaults moved by `offset` (use a multiple of 10 for devnets side by side).
    pub fn with_offset(offset: u16) -> Result<Self, DevnetError> {
        let add = |base: u16| {
            base.checked_add(offset).ok_or_else(|| {
                DevnetError::State(format!("--port-offset {offset} moves port {base} past 65535"))
            })
        };
        Ok(Self {
            l1: add(8545)?,
            rpc_http: add(3030)?,
            rpc_ws: add(3031)?,
            rest: add(3001)?,
            metrics: add(9898)?,
        })
    }

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }
}

/// A listed token in `devnet.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// L2 token id.
    pub id: u16,
    /// Symbol.
    pub symbol: String,
    /// The ERC-20 (zero for ETH).
    pub address: Address,
    /// Decimals.
    pub decimals: u8,
}

/// `DIR/devnet.json`: where everything is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DevnetInfo {
    /// JSON-RPC over HTTP.
    pub rpc_http: String,
    /// JSON-RPC over WebSocket.
    pub rpc_ws: String,
    /// The REST API's base.
    pub rest: String,
    /// Prometheus metrics.
    pub metrics: String,
    /// The node's HTTP server: `/status`, `/metrics` and the prover worker API.
    pub node_http: String,
    /// The bearer token of the prover worker API (`tern prover worker --devnet DIR`).
    pub prover_token: String,
    /// The L1 JSON-RPC endpoint.
    pub l1_rpc: String,
    /// L1 chain id.
    pub chain_id: u64,
    /// The rollup contract.
    pub contract: Address,
    /// The L1 block of its deployment.
    pub deploy_block: u64,
    /// The operator (and governor).
    pub operator: Address,
    /// Chunks per block.
    pub capacity: usize,
    /// ETH and the faucet tokens.
    pub tokens: Vec<TokenInfo>,
    /// The funded dev accounts.
    pub accounts: Vec<DevAccount>,
}

/// Runs a devnet until `shutdown` turns true (or a part of it fails).
pub async fn run(
    options: DevnetOptions,
    shutdown: watch::Receiver<bool>,
    report: Arc<Report>,
) -> Result<(), DevnetError> {
    let dir = prepare_dir(&options)?;
    let ports = Ports::with_offset(options.port_offset)?;
    let keys_dir = options.keys.clone().unwrap_or_else(|| dir.join("keys"));
    let anvil = match &options.l1_rpc {
        Some(_) => None,
        None => {
            let bin = anvil::locate(options.anvil.as_deref())?;
            Some(Anvil::start(&bin, ports.l1, &dir.join("anvil")).await?)
        }
    };
    let l1_url = match (&anvil, &options.l1_rpc) {
        (Some(a), _) => a.url().to_owned(),
        (None, Some(url)) => url.clone(),
        (None, None) => unreachable!("anvil starts when no --l1-rpc is given"),
    };
    report(Event::L1Ready { url: l1_url.clone(), started: anvil.is_some() });
    // Anvil first, so that a port in use fails before minutes of key generation.
    let mut interrupted = shutdown.clone();
    let keys = tokio::select! {
        r = ensure_keys(&keys_dir, options.capacity, &report) => r.map(|()| true),
        _ = interrupted.wait_for(|s| *s) => Ok(false),
    };
    let outcome = match keys {
        Ok(false) => Ok(()),
        Ok(true) => with_l1(&options, &dir, &keys_dir, ports, &l1_url, shutdown, &*report).await,
        Err(e) => Err(e),
    };
    // Nothing answers at its endpoints any more: a script must not take the file for a
    // running devnet (a devnet killed with SIGKILL leaves it; the next start deletes it).
    let info = dir.join("devnet.json");
    if info.exists() {
        if let Err(e) = std::fs::remove_file(&info) {
            tracing::warn!("could not delete {}: {e}", info.display());
        }
    }
    if let Some(anvil) = anvil {
        anvil.stop().await;
    }
    outcome
}

async fn ensure_keys(dir: &Path, capacity: usize, report: &Arc<Report>) -> Result<(), DevnetError> {
    let (dir, report) = (dir.to_path_buf(), Arc::clone(report));
    tokio::task::spawn_blocking(move || keys::ensure(&dir, capacity, &*report))
        .await
        .map_err(|e| DevnetError::Keys(format!("key generation stopped: {e}")))?
}

fn prepare_dir(options: &DevnetOptions) -> Result<PathBuf, DevnetError> {
    let dir = options.data_dir.clone();
    if options.fresh && dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| DevnetError::io(&dir, e))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| DevnetError::io(&dir, e))?;
    // A devnet.json from an earlier run would tell scripts that this one is ready.
    let info = dir.join("devnet.json");
    if info.exists() {
        std::fs::remove_file(&info).map_err(|e| DevnetError::io(&info, e))?;
    }
    Ok(dir)
}

/// Deploys or finds the contracts, then runs the node until shutdown.
async fn with_l1(
    options: &DevnetOptions,
    dir: &Path,
    keys_dir: &Path,
    ports: Ports,
    l1_url: &str,
    shutdown: watch::Receiver<bool>,
    report: &Report,
) -> Result<(), DevnetError> {
    let signer: PrivateKeySigner =
        OPERATOR_KEY.parse().map_err(|e| DevnetError::State(format!("operator key: {e}")))?;
    let operator_address = signer.address();
    let mut accounts = dev_accounts(options.accounts);
    let prepare = async {
        let chain = RpcL1::connect(l1_url, signer, Address::ZERO).await?;
        let (record, deployed) = contracts(&chain, dir, keys_dir, options.capacity).await?;
        report(Event::Contracts { contract: record.contract, deployed });
        if !record.funded {
            send_eth(&chain, &accounts).await?;
        }
        Ok::<DeploymentRecord, DevnetError>(record)
    };
    let mut interrupted = shutdown.clone();
    let record = tokio::select! {
        r = prepare => r?,
        _ = interrupted.wait_for(|s| *s) => return Ok(()),
    };
    let node = start_node(options, dir, keys_dir, ports, l1_url, &record).await?;
    let provider = Provider::new(&format!("http://127.0.0.1:{}", ports.rpc_http))?
        .with_ws(&format!("ws://127.0.0.1:{}", ports.rpc_ws))
        .with_timeout(Duration::from_secs(600));
    let ready = async {
        wait_for_api(&provider, &node).await?;
        report(Event::NodeStarted);
        let mut record = record.clone();
        if !record.funded {
            fund(l1_url, &provider, &record, &mut accounts, report).await?;
            record.funded = true;
            record.save(dir)?;
        }
        for account in &mut accounts {
            account.account_id = provider.account_info(account.address).await?.id;
        }
        wait_for_l1(&provider, &node, report).await?;
        let info = devnet_info(ports, l1_url, &record, operator_address, accounts);
        write_json(&dir.join("devnet.json"), &info)?;
        report(Event::Ready(Box::new(info)));
        Ok::<(), DevnetError>(())
    };
    let mut stop = shutdown.clone();
    let outcome = tokio::select! {
        r = ready => r,
        _ = stop.wait_for(|s| *s) => Ok(()),
    };
    let outcome = match outcome {
        Ok(()) => node.run_until(shutdown).await,
        Err(e) => Err(e),
    };
    node.stop().await;
    outcome
}

/// The record of an earlier start, checked against L1, or a fresh deployment.
async fn contracts(
    chain: &RpcL1,
    dir: &Path,
    keys_dir: &Path,
    capacity: usize,
) -> Result<(DeploymentRecord, bool), DevnetError> {
    let chain_id = chain.chain_id().await?;
    if let Some(record) = DeploymentRecord::load(dir)? {
        if record.chain_id != chain_id || chain.code_at(record.contract).await?.is_empty() {
            return Err(DevnetError::State(format!(
                "the L1 chain has no rollup at {} (chain {chain_id}; the devnet deployed on chain \
                 {}): its state in {} is gone; start again with --fresh",
                record.contract,
                record.chain_id,
                dir.join("anvil").display()
            )));
        }
        if record.capacity != capacity {
            return Err(DevnetError::State(format!(
                "this devnet was deployed for capacity {}; pass --capacity {} or start again \
                 with --fresh",
                record.capacity, record.capacity
            )));
        }
        return Ok((record, false));
    }
    let record = deploy::deploy(chain, keys_dir, capacity).await?;
    record.save(dir)?;
    Ok((record, true))
}

fn devnet_info(
    ports: Ports,
    l1_url: &str,
    record: &DeploymentRecord,
    operator: Address,
    accounts: Vec<DevAccount>,
) -> DevnetInfo {
    let mut tokens =
        vec![TokenInfo { id: 0, symbol: "ETH".into(), address: Address::ZERO, decimals: 18 }];
    tokens.extend(record.tokens.iter().map(|t| TokenInfo {
        id: t.id,
        symbol: t.symbol.clone(),
        address: t.address,
        decimals: t.decimals,
    }));
    DevnetInfo {
        rpc_http: format!("http://127.0.0.1:{}", ports.rpc_http),
        rpc_ws: format!("ws://127.0.0.1:{}", ports.rpc_ws),
        rest: format!("http://127.0.0.1:{}/api/v0.2", ports.rest),
        metrics: format!("http://127.0.0.1:{}/metrics", ports.metrics),
        node_http: format!("http://127.0.0.1:{}", ports.metrics),
        prover_token: PROVER_TOKEN.to_owned(),
        l1_rpc: l1_url.to_owned(),
        chain_id: record.chain_id,
        contract: record.contract,
        deploy_block: record.deploy_block,
        operator,
        capacity: record.capacity,
        tokens,
        accounts,
    }
}

/// The node with its API, running in a task.
struct RunningNode {
    task: JoinHandle<Result<(), tern_node::error::NodeError>>,
    stop: watch::Sender<bool>,
}

async fn start_node(
    options: &DevnetOptions,
    dir: &Path,
    keys_dir: &Path,
    ports: Ports,
    l1_url: &str,
    record: &DeploymentRecord,
) -> Result<RunningNode, DevnetError> {
    let config = NodeOptions {
        l1_rpc: Some(l1_url.to_owned()),
        contract: Some(record.contract),
        operator_key: Some(OPERATOR_KEY.to_owned()),
        data_dir: Some(dir.join("node")),
        capacity: Some(options.capacity),
        block_time: Some(options.block_time),
        provers: Some(options.provers),
        keys: Some(keys_dir.to_path_buf()),
        deploy_block: Some(record.deploy_block),
        rpc_addr: Some(Ports::addr(ports.rpc_http)),
        ws_addr: Some(Ports::addr(ports.rpc_ws)),
        rest_addr: Some(Ports::addr(ports.rest)),
        metrics_addr: Some(Ports::addr(ports.metrics)),
        prover_token: Some(PROVER_TOKEN.to_owned()),
        ..NodeOptions::default()
    }
    .resolve()?;
    let settings = RpcSettings::new(config.rpc_addr, config.ws_addr).with_rest(config.rest_addr);
    let api =
        tern_rpc::server::bind(settings).await.map_err(|e| DevnetError::Api(e.to_string()))?;
    let (stop, shutdown) = watch::channel(false);
    let api_shutdown = shutdown.clone();
    let task = tokio::spawn(tern_node::launch::launch(config, shutdown, move |core, chain| {
        api.start(core, chain, api_shutdown);
    }));
    Ok(RunningNode { task, stop })
}

impl RunningNode {
    /// The node's error if it stopped.
    fn check(&self) -> Result<(), DevnetError> {
        if self.task.is_finished() {
            return Err(DevnetError::State("the node stopped; its log above says why".into()));
        }
        Ok(())
    }

    /// Runs until `shutdown`, or returns the node's error if it stops first.
    async fn run_until(&self, mut shutdown: watch::Receiver<bool>) -> Result<(), DevnetError> {
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            self.check()?;
            let _ = tokio::time::timeout(Duration::from_millis(500), shutdown.changed()).await;
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        match tokio::time::timeout(Duration::from_secs(30), self.task).await {
            Ok(Ok(Err(e))) => tracing::error!("the node stopped with an error: {e}"),
            Ok(Err(e)) => tracing::error!("the node task failed: {e}"),
            Err(_) => tracing::warn!("the node did not stop within 30 s"),
            Ok(Ok(Ok(()))) => {}
        }
    }
}

async fn wait_for_api(provider: &Provider, node: &RunningNode) -> Result<(), DevnetError> {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        node.check()?;
        if provider.status().await.is_ok() {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(DevnetError::Api("the node's JSON-RPC did not answer in 2 minutes".into()));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until every sealed block is executed on L1 and nothing is queued.
async fn wait_for_l1(
    provider: &Provider,
    node: &RunningNode,
    report: &Report,
) -> Result<(), DevnetError> {
    let mut last = None;
    loop {
        node.check()?;
        let status = provider.status().await?;
        let now = (status.last_executed, status.last_sealed);
        if last != Some(now) {
            report(Event::Proving { executed: now.0, sealed: now.1 });
            last = Some(now);
        }
        if status.last_executed >= status.last_sealed
            && status.mempool == 0
            && status.priority_pending == 0
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
