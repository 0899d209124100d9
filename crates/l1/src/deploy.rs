//! `tern deploy`'s library side: a complete rollup deployed over JSON-RPC with its ERC-20
//! tokens listed, and the report the command prints ([`DeployReport::to_json`]).

use crate::chain::{DeployConfig, Deployment, RollupAdmin};
use crate::client::L1Result;
use crate::error::L1Error;
use crate::rpc::RpcL1;
use alloy_primitives::Address;
use serde_json::{json, Map, Value};
use tern_contracts::rollup::root_bytes;
use tern_types::TokenId;

/// An ERC-20 listed by the deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListedToken {
    /// Its rollup token id.
    pub id: TokenId,
    /// Its L1 contract.
    pub address: Address,
}

/// What [`deploy_rollup`] made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployReport {
    /// The chain the rollup lives on.
    pub chain_id: u64,
    /// The genesis state root the rollup was deployed with.
    pub genesis_root: tern_primitives::Fr,
    /// Where everything landed.
    pub deployment: Deployment,
    /// The listed tokens, in order.
    pub tokens: Vec<ListedToken>,
}

impl DeployReport {
    /// One JSON object: `contract`, `deploy_block`, `chain_id`, `genesis_root` (32-byte hex as
    /// the contract stores it), `verifiers` (`block` by capacity, `exit`, `nft_exit`),
    /// `nft_factory`, and `tokens` (`id`, `address`).
    pub fn to_json(&self) -> Value {
        let d = &self.deployment;
        let block: Map<String, Value> =
            d.block_verifiers.iter().map(|(c, a)| (c.to_string(), json!(a.to_string()))).collect();
        let tokens: Vec<Value> = self
            .tokens
            .iter()
            .map(|t| json!({ "id": t.id.0, "address": t.address.to_string() }))
            .collect();
        json!({
            "contract": d.rollup.to_string(),
            "deploy_block": d.block_number,
            "chain_id": self.chain_id,
            "genesis_root": root_bytes(&self.genesis_root).to_string(),
            "verifiers": {
                "block": block,
                "exit": d.exit_verifier.to_string(),
                "nft_exit": d.nft_exit_verifier.to_string(),
            },
            "nft_factory": d.nft_factory.to_string(),
            "tokens": tokens,
        })
    }
}

/// Deploys `config` from `chain`'s signer (the governor; see [`RollupAdmin::deploy`]) and lists
/// `tokens` in order, each of which must have code on the chain (a typo is refused before
/// anything is deployed). Returns a client for the new rollup and the report.
pub async fn deploy_rollup(
    chain: &RpcL1,
    config: &DeployConfig,
    tokens: &[Address],
) -> L1Result<(RpcL1, DeployReport)> {
    config.check_keys()?;
    let chain_id = chain.chain_id().await?;
    for token in tokens {
        if chain.code_at(*token).await?.is_empty() {
            return Err(L1Error::NoCode(*token));
        }
    }
    let (rollup, deployment) = chain.deploy(config).await?;
    let mut listed = Vec::with_capacity(tokens.len());
    for address in tokens {
        let (id, _) = rollup.add_token(*address).await?;
        listed.push(ListedToken { id, address: *address });
    }
    let report =
        DeployReport { chain_id, genesis_root: config.genesis_root, deployment, tokens: listed };
    Ok((rollup, report))
}
