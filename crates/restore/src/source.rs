//! [`L1Source`] over an Ethereum JSON-RPC endpoint (`tern-l1`'s client).

use crate::{L1Source, SourceError};
use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use tern_l1::{EthChain, L1Event, RpcL1};

/// Reads the rollup at a contract address from a JSON-RPC endpoint. It signs nothing: the
/// client's signer is a throwaway key.
#[derive(Debug)]
pub struct RpcSource(RpcL1);

fn err(e: impl std::fmt::Display) -> SourceError {
    SourceError(e.to_string())
}

impl RpcSource {
    /// Connects to `url` for the rollup at `contract`, and checks a contract is there.
    pub async fn connect(url: &str, contract: Address) -> Result<Self, SourceError> {
        let l1 = RpcL1::connect(url, PrivateKeySigner::random(), contract)
            .await
            .map_err(|e| SourceError(format!("cannot use L1 at {url}: {e}")))?;
        let code = l1.code_at(contract).await.map_err(|e| {
            SourceError(format!("L1 at {url} does not answer ({e}); is it running?"))
        })?;
        if code.is_empty() {
            return Err(SourceError(format!("no contract at {contract} on L1 at {url}")));
        }
        Ok(Self(l1))
    }
}

impl L1Source for RpcSource {
    async fn chain_id(&self) -> Result<u64, SourceError> {
        self.0.chain_id().await.map_err(err)
    }

    async fn head(&self) -> Result<u64, SourceError> {
        Ok(self.0.latest_block().await.map_err(err)?.0)
    }

    async fn block_hash(&self, number: u64) -> Result<Option<[u8; 32]>, SourceError> {
        Ok(self.0.block_hash(number).await.map_err(err)?.map(|h| h.0))
    }

    async fn events(&self, from: u64, to: u64) -> Result<Vec<L1Event>, SourceError> {
        self.0.rollup_events(from, to).await.map_err(err)
    }

    async fn tx_input(&self, hash: [u8; 32]) -> Result<Option<Vec<u8>>, SourceError> {
        Ok(self.0.tx_input(B256::from(hash)).await.map_err(err)?.map(|b| b.to_vec()))
    }

    async fn token_metadata(
        &self,
        token: Address,
    ) -> Result<(Option<String>, Option<u8>), SourceError> {
        use tern_l1::RollupAdmin as _;
        self.0.erc20_metadata(token).await.map_err(err)
    }
}
