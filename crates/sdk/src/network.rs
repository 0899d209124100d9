//! Where a network's endpoints are: flags, or the `devnet.json` that `tern devnet` writes into
//! its directory.

use crate::error::SdkError;
use alloy_primitives::Address;
use serde::Deserialize;
use std::path::Path;

/// A token as the devnet lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DevnetToken {
    /// L2 token id (0 is ETH).
    pub id: u16,
    /// Symbol, e.g. `ETH`.
    pub symbol: String,
    /// The ERC-20 on L1 (zero for ETH).
    pub address: Address,
    /// Decimals of one unit.
    pub decimals: u8,
}

/// `DIR/devnet.json`: the endpoints and deployment of a running `tern devnet`.
#[derive(Debug, Clone, Deserialize)]
pub struct DevnetInfo {
    /// JSON-RPC over HTTP, e.g. `http://127.0.0.1:3030`.
    pub rpc_http: String,
    /// JSON-RPC over WebSocket, e.g. `ws://127.0.0.1:3031`.
    pub rpc_ws: Option<String>,
    /// REST API base.
    pub rest: Option<String>,
    /// The L1 JSON-RPC endpoint (anvil).
    pub l1_rpc: String,
    /// L1 chain id.
    pub chain_id: u64,
    /// The rollup contract.
    pub contract: Address,
    /// The operator's L1 address.
    pub operator: Option<Address>,
    /// Listed tokens.
    #[serde(default)]
    pub tokens: Vec<DevnetToken>,
    /// Funded dev accounts, as the devnet describes them (kept opaque: the SDK only passes
    /// them on).
    #[serde(default)]
    pub accounts: Vec<serde_json::Value>,
}

impl DevnetInfo {
    /// Reads `dir/devnet.json`.
    pub fn load(dir: &Path) -> Result<Self, SdkError> {
        let path = dir.join("devnet.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| SdkError::Config(format!("reading {}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| {
            SdkError::Config(format!("{} is not a devnet description: {e}", path.display()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_devnet_description() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("devnet.json"),
            r#"{"rpc_http": "http://127.0.0.1:3030", "rpc_ws": "ws://127.0.0.1:3031",
                "rest": "http://127.0.0.1:3001", "l1_rpc": "http://127.0.0.1:8545",
                "chain_id": 31337, "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
                "operator": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                "tokens": [{"id": 0, "symbol": "ETH", "address": "0x0000000000000000000000000000000000000000", "decimals": 18}],
                "accounts": [{"address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"}]}"#,
        )
        .expect("write");
        let info = DevnetInfo::load(dir.path()).expect("load");
        assert_eq!(info.chain_id, 31337);
        assert_eq!(info.tokens[0].symbol, "ETH");
        assert_eq!(info.rpc_ws.as_deref(), Some("ws://127.0.0.1:3031"));
        let missing = DevnetInfo::load(&dir.path().join("nowhere")).expect_err("missing");
        assert!(missing.to_string().contains("devnet.json"), "{missing}");
    }
}
