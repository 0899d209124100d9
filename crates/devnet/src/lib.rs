//! `tern devnet`: a whole Tern rollup on 127.0.0.1 from one command.
//!
//! On first start it generates the INSECURE dev keys (cached in the data directory), starts
//! anvil (or uses `--l1-rpc`), deploys two faucet ERC-20s and the rollup with verifiers made
//! from those keys, starts the node (SQLite, in-process prover, JSON-RPC, WebSocket and
//! metrics), funds ten dev accounts (L1 ETH and tokens, a deposit of each into L2, their L2 key
//! set), and once the node has proven and executed every block on L1 it writes
//! `DIR/devnet.json`. A later start resumes the same chain: anvil reloads its saved state and
//! the node its database.
//!
//! The library prints nothing; it reports [`Event`]s, which the command line renders.

pub mod accounts;
pub mod anvil;
pub mod deploy;
pub mod keys;
mod run;

pub use accounts::DevAccount;
pub use deploy::{deploy_config, DeploymentRecord};
pub use keys::KeyJob;
pub use run::{run, DevnetInfo, DevnetOptions, Ports, OPERATOR_KEY};

use std::path::Path;
use std::time::Duration;

/// What can stop a devnet.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// anvil is missing or would not start.
    #[error("anvil: {0}")]
    NoAnvil(String),
    /// A file in the data directory.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// Key generation or key files.
    #[error("proving keys: {0}")]
    Keys(String),
    /// The data directory does not match the chain (or is damaged).
    #[error("{0}")]
    State(String),
    /// An L1 call.
    #[error("L1: {0}")]
    L1(String),
    /// The L1 client.
    #[error(transparent)]
    L1Client(#[from] tern_l1::L1Error),
    /// The SDK (the node's API, or a wallet's L1 call).
    #[error(transparent)]
    Sdk(#[from] tern_sdk::SdkError),
    /// The node (boxed: its error is large, and every devnet result carries this type).
    #[error(transparent)]
    Node(Box<tern_node::error::NodeError>),
    /// The API servers.
    #[error("API: {0}")]
    Api(String),
}

impl From<tern_node::error::NodeError> for DevnetError {
    fn from(e: tern_node::error::NodeError) -> Self {
        Self::Node(Box::new(e))
    }
}

impl DevnetError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.display().to_string(), source }
    }

    pub(crate) fn keys(e: impl std::fmt::Display) -> Self {
        Self::Keys(e.to_string())
    }
}

/// Progress of a start, for the command line to show.
#[derive(Debug, Clone)]
pub enum Event {
    /// L1 is up at this URL (`started`: anvil was started by the devnet).
    L1Ready {
        /// Its JSON-RPC endpoint.
        url: String,
        /// Whether the devnet started anvil.
        started: bool,
    },
    /// These keys are about to be generated.
    KeysPlanned(Vec<KeyJob>),
    /// One key generation started.
    KeyStarted(KeyJob),
    /// One key generation finished, in this time.
    KeyDone(KeyJob, Duration),
    /// The contracts were deployed (first start) or found (later starts).
    Contracts {
        /// The rollup.
        contract: alloy_primitives::Address,
        /// Whether this start deployed them.
        deployed: bool,
    },
    /// The node's API is up.
    NodeStarted,
    /// Funding the dev accounts: `done` of `total` through the step `what`.
    Funding {
        /// Accounts done.
        done: usize,
        /// Accounts in all.
        total: usize,
        /// The step.
        what: &'static str,
    },
    /// Waiting for L1: the last executed and the last sealed block.
    Proving {
        /// Last block executed on L1.
        executed: u64,
        /// Last block sealed.
        sealed: u64,
    },
    /// Everything runs; `devnet.json` is written.
    Ready(Box<DevnetInfo>),
}

/// Where a devnet reports its [`Event`]s.
pub type Report = dyn Fn(Event) + Send + Sync;

/// Writes `value` as pretty JSON to `path` atomically (a temporary file, then a rename), so a
/// reader never sees half a file.
pub(crate) fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), DevnetError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| DevnetError::State(format!("encoding {}: {e}", path.display())))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n").map_err(|e| DevnetError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| DevnetError::io(path, e))
}
