//! `tern node`: from a resolved configuration to a running node, with every start-up check
//! a clear error (an unreachable L1, no contract, a key that is not a validator, a database of
//! another chain, missing proving keys, a port in use).

use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::fees::FeeConfig;
use crate::http::{router_with, HttpOptions};
use crate::l1::L1Port;
use crate::metrics::Metrics;
use crate::node::{run, NodeCore, NodeSettings, Shutdown};
use crate::prover::WorkerConfig;
use crate::rpc_port::RpcPort;
use crate::sequencer::SequencerConfig;
use crate::watcher::WatcherConfig;
use crate::worker_api::{ProverApi, ProverApiConfig};
use std::sync::Arc;
use std::time::Duration;
use tern_state::ChainConfig;
use tern_storage::SqlStore;
use tern_types::AccountId;
use tokio::net::TcpListener;

/// Anvil's and Hardhat's chain id: a dev chain, where the watcher needs no confirmations.
pub const DEV_CHAIN_ID: u64 = 31337;

async fn listen(addr: std::net::SocketAddr, what: &str) -> Result<TcpListener, NodeError> {
    TcpListener::bind(addr).await.map_err(|e| {
        NodeError::Config(format!("cannot listen for {what} on {addr}: {e}; pick another address"))
    })
}

async fn open_store(url: &str) -> Result<SqlStore, NodeError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if let Some(dir) = std::path::Path::new(path).parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                NodeError::Config(format!(
                    "cannot create the data directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
    }
    Ok(SqlStore::connect(url).await?)
}

/// The in-process provers' staged prover (constraint matrices built once, all cores), shared
/// by the `--provers` workers.
async fn load_keys(
    config: &NodeConfig,
) -> Result<Option<Arc<crate::worker_http::StagedProver>>, NodeError> {
    if config.provers == 0 {
        return Ok(None);
    }
    let Some(dir) = config.keys.clone() else {
        return Err(NodeError::Config("--keys DIR is required with in-process provers".into()));
    };
    let capacity = config.capacity;
    let keys = tokio::task::spawn_blocking(move || tern_prover::read_keys(&dir, capacity, true))
        .await
        .map_err(|e| NodeError::Prover(e.to_string()))?
        .map_err(|e| {
            NodeError::Config(format!(
                "proving keys for capacity {capacity}: {e}; make them with `tern prover setup \
                 --capacity {capacity}`"
            ))
        })?;
    let no_progress = crate::worker_http::no_progress();
    let prover = tokio::task::spawn_blocking(move || {
        crate::worker_http::StagedProver::new(keys, None, no_progress)
    })
    .await
    .map_err(|e| NodeError::Prover(e.to_string()))??;
    Ok(Some(Arc::new(prover)))
}

/// The remote prover worker API, if `--prover-token` is set (it needs the key directory).
async fn prover_api(
    config: &NodeConfig,
    store: &SqlStore,
) -> Result<Option<Arc<ProverApi<SqlStore>>>, NodeError> {
    let (Some(token), Some(keys_dir)) = (config.prover_token.clone(), config.keys.clone()) else {
        return Ok(None);
    };
    let api_config = ProverApiConfig {
        token,
        lease_secs: config.lease_timeout,
        keys_dir,
        capacity: config.capacity,
        max_attempts: 5,
    };
    let store = store.clone();
    let api = tokio::task::spawn_blocking(move || ProverApi::load(store, api_config))
        .await
        .map_err(|e| NodeError::Prover(e.to_string()))??;
    tracing::info!(lease_secs = config.lease_timeout, "prover worker API on at /prover/v1");
    Ok(Some(Arc::new(api)))
}

/// What the API needs to know about the chain, besides the node's core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainInfo {
    /// L1 chain id.
    pub chain_id: u64,
    /// The rollup contract.
    pub contract: tern_primitives::Address,
    /// L1 blocks the watcher stays behind the head.
    pub confirmations: u64,
}

/// Starts the node and runs it until `shutdown`. `api` is called once the node's core is
/// ready, to start the servers that use it (the binary passes `tern-rpc`'s, bound before this
/// is called so that a port in use fails at once).
pub async fn launch(
    config: NodeConfig,
    shutdown: Shutdown,
    api: impl FnOnce(Arc<NodeCore<SqlStore>>, ChainInfo),
) -> Result<(), NodeError> {
    let l1 = RpcPort::connect(&config.l1_rpc, &config.operator_key, config.contract).await?;
    let chain_id = l1.chain_id().await?;
    let store = open_store(&config.database_url).await?;
    let keys = load_keys(&config).await?;
    let provers = prover_api(&config, &store).await?;
    let metrics_listener = listen(config.metrics_addr, "metrics").await?;
    let confirmations =
        config.confirmations.unwrap_or(if chain_id == DEV_CHAIN_ID { 0 } else { 12 });
    let settings = NodeSettings {
        sequencer: SequencerConfig {
            chain: ChainConfig { chain_id, contract: config.contract },
            capacity: config.capacity,
            fee_account: AccountId(config.fee_account),
            limits: config.limits,
        },
        block_time: config.block_time,
        provers: config.provers,
        worker: WorkerConfig {
            lease_secs: config.lease_timeout,
            heartbeat: Duration::from_secs((config.lease_timeout / 4).max(1)),
        },
        watcher: WatcherConfig { confirmations, ..config.watcher },
        sender: config.sender,
        deploy_block: config.deploy_block,
        poll: Duration::from_millis(if chain_id == DEV_CHAIN_ID { 250 } else { 2_000 }),
        fees: FeeConfig {
            enforce: config.fee_check.unwrap_or(chain_id != DEV_CHAIN_ID),
            ..config.fees.clone()
        },
    };
    let info = ChainInfo { chain_id, contract: config.contract, confirmations };
    let metrics = Metrics::new().map_err(|e| NodeError::Config(format!("metrics: {e}")))?;
    let metrics_addr = config.metrics_addr;
    // The key parsed already when L1 connected; the address is only shown by `/status`.
    let key = config.operator_key.strip_prefix("0x").unwrap_or(&config.operator_key);
    let operator = key.parse::<alloy_signer_local::PrivateKeySigner>().ok().map(|s| s.address());
    let mut stop = shutdown.clone();
    run(store, Arc::new(l1), settings, keys, metrics, shutdown, move |core| {
        let app = router_with(Arc::clone(&core), HttpOptions { provers, operator });
        tokio::spawn(async move {
            let served = axum::serve(metrics_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.changed().await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!("metrics server on {metrics_addr}: {e}");
            }
        });
        tracing::info!("metrics listening on {metrics_addr}");
        api(core, info);
    })
    .await
}
