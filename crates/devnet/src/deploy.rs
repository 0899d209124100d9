//! The devnet's contracts: two faucet ERC-20s and the rollup, deployed on first start, and
//! the record of where they are (`DIR/deployment.json`), which later starts reuse.

use crate::DevnetError;
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolConstructor;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tern_contracts::bindings::DevToken;
use tern_l1::{CircuitKey, DeployConfig, EthChain, L1User, RpcL1};
use tern_prover::exit::{read_exit_verifying_key, ExitKind, NftExit, TokenExit};

/// A listed ERC-20 with its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// L2 token id.
    pub id: u16,
    /// Symbol.
    pub symbol: String,
    /// The ERC-20 on L1.
    pub address: Address,
    /// Decimals.
    pub decimals: u8,
}

/// `DIR/deployment.json`: what the first start deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentRecord {
    /// L1 chain id.
    pub chain_id: u64,
    /// The rollup contract.
    pub contract: Address,
    /// The L1 block of its deployment.
    pub deploy_block: u64,
    /// The block capacity its verifier was made for.
    pub capacity: usize,
    /// The listed ERC-20s.
    pub tokens: Vec<TokenRecord>,
    /// Whether the dev accounts were funded (deposits and ChangePubKey in L2).
    pub funded: bool,
}

impl DeploymentRecord {
    /// Reads `dir/deployment.json` (`None` if absent).
    pub fn load(dir: &Path) -> Result<Option<Self>, DevnetError> {
        let path = dir.join("deployment.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(DevnetError::io(&path, e)),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            DevnetError::State(format!("{} is damaged ({e}); start with --fresh", path.display()))
        })
    }

    /// Writes `dir/deployment.json` atomically.
    pub fn save(&self, dir: &Path) -> Result<(), DevnetError> {
        crate::write_json(&dir.join("deployment.json"), self)
    }
}

/// What the operator deposits to itself to open the fee account (0.001 ETH).
const OPERATOR_DEPOSIT: u128 = 1_000_000_000_000_000;

/// The faucet tokens: symbol and decimals.
const TOKENS: [(&str, &str, u8); 2] = [("Devnet DAI", "DAI", 18), ("Devnet USDC", "USDC", 6)];

/// The rollup's deployment parameters from the key files in `keys`: one block verifier per
/// capacity and the two exit verifiers (what `tern deploy` deploys too).
pub fn deploy_config(
    keys: &Path,
    capacities: &[usize],
    validators: Vec<Address>,
    priority_expiration: u64,
) -> Result<DeployConfig, DevnetError> {
    let block_verifiers = capacities
        .iter()
        .map(|&capacity| {
            let vk = tern_prover::read_verifying_key(keys, capacity).map_err(|e| {
                DevnetError::Keys(format!(
                    "no usable block verifying key of capacity {capacity} in {dir} ({e}); make \
                     it with `tern prover setup --capacity {capacity} --out {dir}`",
                    dir = keys.display()
                ))
            })?;
            Ok(tern_l1::block_circuit_key(capacity, &vk)?)
        })
        .collect::<Result<Vec<CircuitKey>, DevnetError>>()?;
    let config = DeployConfig {
        genesis_root: tern_state::State::new().root(),
        block_verifiers,
        exit_vk: tern_l1::exit_circuit_key(&exit_vk::<TokenExit>(keys)?),
        nft_exit_vk: tern_l1::nft_exit_circuit_key(&exit_vk::<NftExit>(keys)?),
        priority_expiration,
        validators,
    };
    config.check_keys()?;
    Ok(config)
}

fn exit_vk<K: ExitKind>(
    dir: &Path,
) -> Result<ark_groth16::VerifyingKey<ark_bn254::Bn254>, DevnetError> {
    read_exit_verifying_key::<K>(dir).map_err(|e| {
        DevnetError::Keys(format!(
            "no usable exit verifying key {}.vk in {dir} ({e}); make the exit keys with `tern \
             prover setup-exit --out {dir}`",
            K::KEY_STEM,
            dir = dir.display()
        ))
    })
}

/// Deploys the faucet tokens and the rollup (governed and operated by `chain`'s signer), lists
/// the tokens, and returns the record (not yet funded).
pub async fn deploy(
    chain: &RpcL1,
    keys: &Path,
    capacity: usize,
) -> Result<DeploymentRecord, DevnetError> {
    let mut tokens = Vec::new();
    for (name, symbol, decimals) in TOKENS {
        let ctor = DevToken::constructorCall {
            name_: name.into(),
            symbol_: symbol.into(),
            decimals_: decimals,
        };
        let mut code = DevToken::BYTECODE.to_vec();
        code.extend(ctor.abi_encode());
        let (address, _) = chain.deploy_code("DevToken", code.into()).await?;
        tokens.push((address, symbol, decimals));
    }
    // Three days, as zkSync Lite: the exodus drill moves anvil's clock past it.
    let config = deploy_config(keys, &[capacity], vec![chain.signer_address()], 3 * 24 * 3600)?;
    let addresses: Vec<Address> = tokens.iter().map(|t| t.0).collect();
    let (rollup, report) = tern_l1::deploy_rollup(chain, &config, &addresses).await?;
    // The operator's deposit comes first, so its account is 0: the node's fee account.
    rollup.deposit_eth(chain.signer_address(), OPERATOR_DEPOSIT).await?;
    let tokens = report
        .tokens
        .iter()
        .zip(&tokens)
        .map(|(listed, (address, symbol, decimals))| TokenRecord {
            id: listed.id.0,
            symbol: (*symbol).to_owned(),
            address: *address,
            decimals: *decimals,
        })
        .collect();
    Ok(DeploymentRecord {
        chain_id: report.chain_id,
        contract: report.deployment.rollup,
        deploy_block: report.deployment.block_number,
        capacity,
        tokens,
        funded: false,
    })
}

/// Mints `amount` base units of the faucet token at `token` to `to`.
pub async fn mint(
    chain: &RpcL1,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), DevnetError> {
    chain.transact(token, U256::ZERO, &DevToken::mintCall { to, amount }).await?;
    Ok(())
}
