//! [`L1Port`] over any Ethereum JSON-RPC endpoint, with `tern-l1`'s [`RpcL1`].

use crate::error::NodeError;
use crate::l1::{Broadcast, L1Fees, L1Port, L1Receipt, PortError, SignedL1Tx};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use tern_l1::raw::{self, Fees};
use tern_l1::{EthChain, L1Error, L1Event, L1Watch, RpcL1};

/// The node's L1 over JSON-RPC, signing as the operator.
#[derive(Debug, Clone)]
pub struct RpcPort {
    l1: RpcL1,
    /// Gas limit headroom over the estimate, in percent.
    gas_margin_percent: u64,
}

fn port_error(e: L1Error) -> PortError {
    match e {
        L1Error::Revert { .. } => PortError::Revert(e.to_string()),
        L1Error::Rpc(_) | L1Error::Node(_) => PortError::Unavailable(e.to_string()),
        other => PortError::Invalid(other.to_string()),
    }
}

impl RpcPort {
    /// Connects to `url` with the operator's hex key for the rollup at `contract`, and checks
    /// that a contract is there and the key is one of its validators.
    pub async fn connect(
        url: &str,
        operator_key: &str,
        contract: Address,
    ) -> Result<Self, NodeError> {
        let key = operator_key.strip_prefix("0x").unwrap_or(operator_key);
        let signer: PrivateKeySigner = key.parse().map_err(|_| {
            NodeError::Config("--operator-key is not a 32-byte hex private key".into())
        })?;
        let operator = signer.address();
        let l1 = RpcL1::connect(url, signer, contract)
            .await
            .map_err(|e| NodeError::Config(format!("cannot use L1 at {url}: {e}")))?;
        let code = l1.code_at(contract).await.map_err(|e| {
            NodeError::Config(format!("L1 at {url} does not answer ({e}); is it running?"))
        })?;
        if code.is_empty() {
            return Err(NodeError::Config(format!(
                "no contract at {contract} on L1 at {url}; deploy one with `tern deploy`"
            )));
        }
        let validator = l1.is_validator(operator).await.map_err(|e| {
            NodeError::Config(format!("{contract} does not look like a Tern rollup: {e}"))
        })?;
        if !validator {
            return Err(NodeError::Config(format!(
                "the operator key's address {operator} is not a validator of {contract}"
            )));
        }
        Ok(Self { l1, gas_margin_percent: 25 })
    }

    /// The underlying client.
    pub fn client(&self) -> &RpcL1 {
        &self.l1
    }
}

impl L1Port for RpcPort {
    async fn token_metadata(
        &self,
        token: Address,
    ) -> Result<(Option<String>, Option<u8>), PortError> {
        use tern_l1::RollupAdmin as _;
        self.l1.erc20_metadata(token).await.map_err(port_error)
    }

    async fn chain_id(&self) -> Result<u64, PortError> {
        self.l1.chain_id().await.map_err(port_error)
    }

    async fn latest_block(&self) -> Result<(u64, [u8; 32]), PortError> {
        let (n, h) = self.l1.latest_block().await.map_err(port_error)?;
        Ok((n, h.0))
    }

    async fn block_hash(&self, number: u64) -> Result<Option<[u8; 32]>, PortError> {
        Ok(self.l1.block_hash(number).await.map_err(port_error)?.map(|h| h.0))
    }

    async fn rollup_events(&self, from: u64, to: u64) -> Result<Vec<L1Event>, PortError> {
        self.l1.rollup_events(from, to).await.map_err(port_error)
    }

    async fn operator_nonce(&self, pending: bool) -> Result<u64, PortError> {
        self.l1.nonce(self.l1.signer_address(), pending).await.map_err(port_error)
    }

    async fn fees(&self) -> Result<L1Fees, PortError> {
        let f = self.l1.fee_estimate().await.map_err(port_error)?;
        Ok(L1Fees { max_fee: f.max_fee, priority_fee: f.priority_fee })
    }

    async fn sign_call(
        &self,
        calldata: Vec<u8>,
        nonce: u64,
        fees: L1Fees,
    ) -> Result<SignedL1Tx, PortError> {
        let to = self.l1.rollup_address();
        let data = Bytes::from(calldata);
        let estimate =
            self.l1.estimate_gas(to, data.clone(), U256::ZERO).await.map_err(port_error)?;
        let gas = estimate.saturating_mul(100 + self.gas_margin_percent) / 100;
        let fees =
            Fees { max_fee: fees.max_fee, priority_fee: fees.priority_fee.min(fees.max_fee) };
        let signed =
            self.l1.sign_call(to, data, U256::ZERO, nonce, gas, fees).await.map_err(port_error)?;
        Ok(SignedL1Tx { raw: signed.raw.to_vec(), hash: signed.hash.0 })
    }

    async fn broadcast(&self, raw: &[u8]) -> Result<Broadcast, PortError> {
        Ok(match self.l1.send_raw(raw).await.map_err(port_error)? {
            raw::Broadcast::Sent(_) => Broadcast::Sent,
            raw::Broadcast::AlreadyKnown(_) => Broadcast::AlreadyKnown,
            raw::Broadcast::NonceUsed(_) => Broadcast::NonceUsed,
        })
    }

    async fn receipt(&self, hash: &[u8; 32]) -> Result<Option<L1Receipt>, PortError> {
        let r = self.l1.receipt(B256::from(*hash)).await.map_err(port_error)?;
        Ok(r.map(|r| L1Receipt {
            block_number: r.block_number,
            success: r.success,
            gas_used: r.gas_used,
        }))
    }

    async fn revert_reason(&self, calldata: Vec<u8>) -> String {
        let to = self.l1.rollup_address();
        match self.l1.estimate_gas(to, Bytes::from(calldata), U256::ZERO).await {
            Ok(_) => "it reverted when mined, but would not revert now".to_owned(),
            Err(e) => e.to_string(),
        }
    }
}
