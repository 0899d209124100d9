//! The node's configuration: command-line flags, `TERN_*` environment variables and a TOML
//! file (`--config`), in that order of precedence, then defaults.

use crate::error::NodeError;
use crate::fees::{FeeConfig, FixedPrices, Price};
use crate::sender::SenderConfig;
use crate::sequencer::MempoolLimits;
use crate::watcher::WatcherConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tern_primitives::Address;

/// Every option, each optional: what flags, the environment and the file give.
#[derive(Debug, Clone, Default, PartialEq, clap::Args, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NodeOptions {
    /// A TOML file with any of these options (kebab-case keys).
    #[arg(long, env = "TERN_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Ethereum JSON-RPC endpoint.
    #[arg(long, env = "TERN_L1_RPC")]
    pub l1_rpc: Option<String>,
    /// The rollup contract (from `tern deploy`).
    #[arg(long, env = "TERN_CONTRACT")]
    pub contract: Option<Address>,
    /// The operator's L1 private key (hex); it must be a validator of the contract.
    #[arg(long, env = "TERN_OPERATOR_KEY", hide_env_values = true)]
    pub operator_key: Option<String>,
    /// Where the SQLite database (`tern.db`) lives.
    #[arg(long, env = "TERN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` (or `sqlite://…`) instead of the data directory's SQLite file.
    #[arg(long, env = "TERN_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Block capacity in chunks (the contract must have a verifier for it).
    #[arg(long, env = "TERN_CAPACITY")]
    pub capacity: Option<usize>,
    /// Seconds between a pending transaction and its block, at most.
    #[arg(long, env = "TERN_BLOCK_TIME")]
    pub block_time: Option<f64>,
    /// In-process prover workers (0 to rely on remote workers).
    #[arg(long, env = "TERN_PROVERS")]
    pub provers: Option<usize>,
    /// The directory with the proving keys (`tern prover setup`).
    #[arg(long, env = "TERN_KEYS")]
    pub keys: Option<PathBuf>,
    /// L1 blocks the watcher stays behind the head (default 0 on a dev chain, 12 elsewhere).
    #[arg(long, env = "TERN_CONFIRMATIONS")]
    pub confirmations: Option<u64>,
    /// The L1 block that deployed the contract (where the watcher starts).
    #[arg(long, env = "TERN_DEPLOY_BLOCK")]
    pub deploy_block: Option<u64>,
    /// The operator's fee account id.
    #[arg(long, env = "TERN_FEE_ACCOUNT")]
    pub fee_account: Option<u32>,
    /// Where the node's JSON-RPC endpoint listens.
    #[arg(long, env = "TERN_RPC_ADDR")]
    pub rpc_addr: Option<SocketAddr>,
    /// Where the JSON-RPC WebSocket endpoint (subscriptions) listens.
    #[arg(long, env = "TERN_WS_ADDR")]
    pub ws_addr: Option<SocketAddr>,
    /// Where the REST API (`/api/v0.2`, zkSync Lite's v0.2) listens.
    #[arg(long, env = "TERN_REST_ADDR")]
    pub rest_addr: Option<SocketAddr>,
    /// Where Prometheus metrics (`/metrics`), the status (`/status`) and, with
    /// `--prover-token`, the prover worker API (`/prover/v1`) are served.
    #[arg(long, env = "TERN_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// The bearer token remote prover workers present; without it the worker API is off.
    #[arg(long, env = "TERN_PROVER_TOKEN", hide_env_values = true)]
    pub prover_token: Option<String>,
    /// Seconds a prover job stays leased without a heartbeat before it returns to the queue
    /// (default 60).
    #[arg(long, env = "TERN_LEASE_TIMEOUT")]
    pub lease_timeout: Option<u64>,
    /// L1 blocks an L1 transaction may wait before it is resent with a higher fee.
    #[arg(long, env = "TERN_RESEND_AFTER_BLOCKS")]
    pub resend_after_blocks: Option<u64>,
    /// The highest `maxFeePerGas` the sender offers, in gwei.
    #[arg(long, env = "TERN_MAX_FEE_GWEI")]
    pub max_fee_gwei: Option<u64>,
    /// Whether the mempool refuses fees below the quote (default: off on a dev chain, on
    /// elsewhere).
    #[arg(long, env = "TERN_FEE_CHECK")]
    pub fee_check: Option<bool>,
    /// How far below the quote a fee may be, percent (default 5).
    #[arg(long, env = "TERN_FEE_TOLERANCE_PERCENT")]
    pub fee_tolerance_percent: Option<u8>,
    /// A fixed L1 gas price for fee quotes, in gwei (default: L1's estimate).
    #[arg(long, env = "TERN_FEE_GAS_PRICE_GWEI")]
    pub fee_gas_price_gwei: Option<u64>,
    /// L1 gas a block costs whatever it holds, shared by its chunks (default 600000).
    #[arg(long, env = "TERN_FEE_BLOCK_GAS")]
    pub fee_block_gas: Option<u64>,
    /// Proving cost per chunk, in gwei (default 1000).
    #[arg(long, env = "TERN_FEE_PROVING_GWEI_PER_CHUNK")]
    pub fee_proving_gwei_per_chunk: Option<u64>,
    /// Prices of fee tokens other than ETH: `ID=WEI/UNITS` (wei per that many base units),
    /// comma-separated.
    #[arg(long, env = "TERN_TOKEN_PRICES", value_delimiter = ',')]
    pub token_prices: Option<Vec<String>>,
}

/// A resolved configuration.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Ethereum JSON-RPC endpoint.
    pub l1_rpc: String,
    /// The rollup contract.
    pub contract: Address,
    /// The operator's key (hex).
    pub operator_key: String,
    /// The database URL.
    pub database_url: String,
    /// Block capacity.
    pub capacity: usize,
    /// Block time.
    pub block_time: Duration,
    /// In-process provers.
    pub provers: usize,
    /// Key directory.
    pub keys: Option<PathBuf>,
    /// Watcher confirmations (`None`: by chain).
    pub confirmations: Option<u64>,
    /// Deployment block.
    pub deploy_block: u64,
    /// Fee account.
    pub fee_account: u32,
    /// JSON-RPC address.
    pub rpc_addr: SocketAddr,
    /// WebSocket JSON-RPC address.
    pub ws_addr: SocketAddr,
    /// REST API address.
    pub rest_addr: SocketAddr,
    /// Metrics, status and prover worker API address.
    pub metrics_addr: SocketAddr,
    /// The remote workers' token (`None`: the worker API is off).
    pub prover_token: Option<String>,
    /// Lease length of prover jobs, seconds.
    pub lease_timeout: u64,
    /// The fee model (`enforce` as configured; see `fee_check`).
    pub fees: FeeConfig,
    /// `--fee-check` (`None`: by chain, resolved at start-up).
    pub fee_check: Option<bool>,
    /// Mempool limits.
    pub limits: MempoolLimits,
    /// The sender.
    pub sender: SenderConfig,
    /// The watcher (confirmations resolved at start-up).
    pub watcher: WatcherConfig,
}

/// Chunks of the largest operation: the smallest capacity a node can run with.
pub fn largest_op_chunks() -> usize {
    (0..=u8::MAX).filter_map(tern_types::op::op_chunks).max().unwrap_or(1)
}

fn missing(flag: &str, env: &str) -> NodeError {
    NodeError::Config(format!("--{flag} is required (or {env}, or `{flag} = …` in --config)"))
}

impl NodeOptions {
    /// `self` where set, else `other`.
    pub fn or(self, other: NodeOptions) -> NodeOptions {
        NodeOptions {
            config: self.config.or(other.config),
            l1_rpc: self.l1_rpc.or(other.l1_rpc),
            contract: self.contract.or(other.contract),
            operator_key: self.operator_key.or(other.operator_key),
            data_dir: self.data_dir.or(other.data_dir),
            database_url: self.database_url.or(other.database_url),
            capacity: self.capacity.or(other.capacity),
            block_time: self.block_time.or(other.block_time),
            provers: self.provers.or(other.provers),
            keys: self.keys.or(other.keys),
            confirmations: self.confirmations.or(other.confirmations),
            deploy_block: self.deploy_block.or(other.deploy_block),
            fee_account: self.fee_account.or(other.fee_account),
            rpc_addr: self.rpc_addr.or(other.rpc_addr),
            ws_addr: self.ws_addr.or(other.ws_addr),
            rest_addr: self.rest_addr.or(other.rest_addr),
            metrics_addr: self.metrics_addr.or(other.metrics_addr),
            prover_token: self.prover_token.or(other.prover_token),
            lease_timeout: self.lease_timeout.or(other.lease_timeout),
            resend_after_blocks: self.resend_after_blocks.or(other.resend_after_blocks),
            max_fee_gwei: self.max_fee_gwei.or(other.max_fee_gwei),
            fee_check: self.fee_check.or(other.fee_check),
            fee_tolerance_percent: self.fee_tolerance_percent.or(other.fee_tolerance_percent),
            fee_gas_price_gwei: self.fee_gas_price_gwei.or(other.fee_gas_price_gwei),
            fee_block_gas: self.fee_block_gas.or(other.fee_block_gas),
            fee_proving_gwei_per_chunk: self
                .fee_proving_gwei_per_chunk
                .or(other.fee_proving_gwei_per_chunk),
            token_prices: self.token_prices.or(other.token_prices),
        }
    }

    /// Adds what `--config` names, under what flags and the environment gave.
    pub fn with_file(self) -> Result<NodeOptions, NodeError> {
        let Some(path) = self.config.clone() else { return Ok(self) };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| NodeError::Config(format!("reading {}: {e}", path.display())))?;
        let file: NodeOptions = toml::from_str(&text)
            .map_err(|e| NodeError::Config(format!("{}: {e}", path.display())))?;
        Ok(self.or(file))
    }

    /// The fee model's parameters (`enforce` left off: it depends on the chain).
    fn fee_config(&self, capacity: usize) -> Result<FeeConfig, NodeError> {
        const GWEI: u128 = 1_000_000_000;
        let mut prices = FixedPrices::default();
        for entry in self.token_prices.iter().flatten() {
            let bad = |why: String| {
                NodeError::Config(format!("--token-prices {entry:?}: {why}; use ID=WEI/UNITS"))
            };
            let (id, price) = entry.split_once('=').ok_or_else(|| bad("no '='".into()))?;
            let id: u16 = id.trim().parse().map_err(|e| bad(format!("token id: {e}")))?;
            prices.0.insert(tern_types::TokenId(id), Price::parse(price).map_err(bad)?);
        }
        let tolerance_percent = self.fee_tolerance_percent.unwrap_or(5);
        if tolerance_percent > 100 {
            return Err(NodeError::Config("--fee-tolerance-percent is at most 100".into()));
        }
        Ok(FeeConfig {
            gas_per_pubdata_byte: 16,
            block_fixed_gas: u128::from(self.fee_block_gas.unwrap_or(600_000)),
            capacity: capacity as u128,
            proving_wei_per_chunk: u128::from(self.fee_proving_gwei_per_chunk.unwrap_or(1_000))
                * GWEI,
            gas_price_override: self.fee_gas_price_gwei.map(|g| u128::from(g) * GWEI),
            prices,
            tolerance_percent,
            enforce: false,
        })
    }

    /// Checks and fills in defaults.
    pub fn resolve(self) -> Result<NodeConfig, NodeError> {
        let block_time = self.block_time.unwrap_or(1.0);
        if !(0.05..=3600.0).contains(&block_time) {
            return Err(NodeError::Config(format!(
                "--block-time {block_time} is out of range; use 0.05 to 3600 seconds"
            )));
        }
        let capacity = self.capacity.unwrap_or(8);
        let largest = largest_op_chunks();
        if !(largest..=120).contains(&capacity) {
            return Err(NodeError::Config(format!(
                "--capacity {capacity}: use {largest} to 120 chunks (a block must hold the \
                 largest priority operation, or the queue would stall)"
            )));
        }
        let fees = self.fee_config(capacity)?;
        let provers = self.provers.unwrap_or(1);
        if provers > 0 && self.keys.is_none() {
            return Err(NodeError::Config(
                "--keys DIR is required with in-process provers (or pass --provers 0)".into(),
            ));
        }
        let prover_token = self.prover_token.filter(|t| !t.trim().is_empty());
        if prover_token.is_some() && self.keys.is_none() {
            return Err(NodeError::Config(
                "--keys DIR is required with --prover-token (the node serves the proving key \
                 and checks proofs with the verifying key)"
                    .into(),
            ));
        }
        let lease_timeout = self.lease_timeout.unwrap_or(60);
        if !(2..=86_400).contains(&lease_timeout) {
            return Err(NodeError::Config(format!(
                "--lease-timeout {lease_timeout}: use 2 to 86400 seconds"
            )));
        }
        let database_url = match (self.database_url, self.data_dir) {
            (Some(url), _) => url,
            (None, dir) => {
                let dir = dir.unwrap_or_else(|| PathBuf::from("tern-data"));
                format!("sqlite://{}", dir.join("tern.db").display())
            }
        };
        let mut sender = SenderConfig::default();
        if let Some(n) = self.resend_after_blocks {
            sender.resend_after_blocks = n.max(1);
        }
        if let Some(gwei) = self.max_fee_gwei {
            sender.max_fee_cap = u128::from(gwei) * 1_000_000_000;
        }
        Ok(NodeConfig {
            l1_rpc: self.l1_rpc.ok_or_else(|| missing("l1-rpc", "TERN_L1_RPC"))?,
            contract: self.contract.ok_or_else(|| missing("contract", "TERN_CONTRACT"))?,
            operator_key: self
                .operator_key
                .ok_or_else(|| missing("operator-key", "TERN_OPERATOR_KEY"))?,
            database_url,
            capacity,
            block_time: Duration::from_secs_f64(block_time),
            provers,
            keys: self.keys,
            confirmations: self.confirmations,
            deploy_block: self.deploy_block.unwrap_or(0),
            fee_account: self.fee_account.unwrap_or(0),
            rpc_addr: self.rpc_addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 3030))),
            ws_addr: self.ws_addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 3031))),
            rest_addr: self.rest_addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 3001))),
            metrics_addr: self.metrics_addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 9898))),
            prover_token,
            lease_timeout,
            fees,
            fee_check: self.fee_check,
            limits: MempoolLimits::default(),
            sender,
            watcher: WatcherConfig::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let file: NodeOptions = toml::from_str(
            "l1-rpc = \"http://file\"\ncontract = \"0x00000000000000000000000000000000000000c0\"\n\
             operator-key = \"0x01\"\nprovers = 0\ncapacity = 16\n",
        )
        .expect("toml");
        let flags = NodeOptions { l1_rpc: Some("http://flag".into()), ..Default::default() };
        let config = flags.or(file).resolve().expect("resolves");
        assert_eq!(config.l1_rpc, "http://flag");
        assert_eq!(config.capacity, 16);
        assert_eq!(config.block_time, Duration::from_secs(1));
        assert!(config.database_url.ends_with("tern-data/tern.db"));
        assert_eq!(config.rest_addr, SocketAddr::from(([127, 0, 0, 1], 3001)));
        let file: NodeOptions =
            toml::from_str("rest-addr = \"127.0.0.1:4001\"\n").expect("rest-addr in TOML");
        assert_eq!(file.rest_addr, Some(SocketAddr::from(([127, 0, 0, 1], 4001))));
    }

    #[test]
    fn bad_configuration_is_a_clear_error() {
        let err = NodeOptions::default().resolve().map(|_| ()).expect_err("refused").to_string();
        assert!(err.contains("--keys"), "{err}");
        let no_rpc = NodeOptions { provers: Some(0), ..Default::default() };
        let err = no_rpc.resolve().map(|_| ()).expect_err("refused").to_string();
        assert!(err.contains("--l1-rpc"), "{err}");
        let unknown = toml::from_str::<NodeOptions>("l1_rpcc = 1");
        assert!(unknown.is_err());
        let slow = NodeOptions { block_time: Some(0.0), provers: Some(0), ..Default::default() };
        assert!(slow.resolve().is_err());
        assert_eq!(largest_op_chunks(), 7);
        let token =
            NodeOptions { provers: Some(0), prover_token: Some("t".into()), ..Default::default() };
        let err = token.resolve().map(|_| ()).expect_err("refused").to_string();
        assert!(err.contains("--keys DIR is required with --prover-token"), "{err}");
        let lease = NodeOptions { provers: Some(0), lease_timeout: Some(1), ..Default::default() };
        let err = lease.resolve().map(|_| ()).expect_err("refused").to_string();
        assert!(err.contains("--lease-timeout"), "{err}");
        let small = NodeOptions { capacity: Some(6), provers: Some(0), ..Default::default() };
        let err = small.resolve().map(|_| ()).expect_err("refused").to_string();
        assert!(err.contains("use 7 to 120"), "{err}");
    }
}
