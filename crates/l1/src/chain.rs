//! [`EthChain`]: the little a client needs from an Ethereum chain (send a call, read a view,
//! deploy code, read the rollup's logs), so that the rollup's calls are written once over it:
//! [`crate::L1Watch`], [`crate::L1Operator`] and [`crate::L1User`] for every `EthChain`, and
//! deployment and governance in [`RollupAdmin`].
//!
//! Two chains implement it: [`crate::RpcL1`] (any JSON-RPC endpoint, with alloy) and
//! [`crate::InProcessL1`] (revm in this process: the same contracts, no node, for tests of the
//! node and its tools).

use crate::client::{L1Result, TxOutcome};
use crate::error::L1Error;
use crate::events::L1Event;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use std::future::Future;
use tern_contracts::bindings::Rollup;
use tern_contracts::rollup::root_bytes;
use tern_contracts::verifier::{creation_code, Circuit, CircuitKey};
use tern_primitives::Fr;
use tern_types::TokenId;

alloy_sol_types::sol! {
    /// The ERC-20 functions the client needs around deposits.
    #[derive(Debug, PartialEq, Eq)]
    interface IERC20 {
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
    }
}

/// An Ethereum chain with one signing account and one rollup contract (see the module docs).
/// Method names differ from the role traits' ([`crate::L1Watch`], [`crate::L1Operator`],
/// [`crate::L1User`]), which every `EthChain` also implements.
pub trait EthChain: Clone + Send + Sync {
    /// The account that signs this client's transactions.
    fn signer_address(&self) -> Address;

    /// The rollup contract ([`Address::ZERO`] before one is deployed).
    fn rollup_address(&self) -> Address;

    /// The same chain and signer for another rollup.
    fn with_rollup(&self, rollup: Address) -> Self;

    /// The latest block number.
    fn latest_block_number(&self) -> impl Future<Output = L1Result<u64>> + Send;

    /// The latest block's timestamp (what a committed block's timestamp is checked against).
    fn latest_timestamp(&self) -> impl Future<Output = L1Result<u64>> + Send;

    /// `who`'s ETH balance in wei.
    fn eth_balance(&self, who: Address) -> impl Future<Output = L1Result<U256>> + Send;

    /// Sends `call` with `value` wei to `to` and waits until it is mined; a revert is
    /// [`L1Error::Revert`] with the contract's error decoded.
    fn transact<C: SolCall + Sync>(
        &self,
        to: Address,
        value: U256,
        call: &C,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// Calls view function `call` on `to` at the latest block.
    fn call_view<C: SolCall + Sync>(
        &self,
        to: Address,
        call: &C,
    ) -> impl Future<Output = L1Result<C::Return>> + Send;

    /// Deploys raw creation code (constructor arguments already appended).
    fn deploy_code(
        &self,
        name: &'static str,
        code: Bytes,
    ) -> impl Future<Output = L1Result<(Address, TxOutcome)>> + Send;

    /// The rollup's events in blocks `from_block ..= to_block`, in chain order.
    fn rollup_events(
        &self,
        from_block: u64,
        to_block: u64,
    ) -> impl Future<Output = L1Result<Vec<L1Event>>> + Send;
}

/// What to deploy: the rollup with its genesis root, one block verifier per capacity, the exit
/// verifiers, and the validators. The rollup's constructor fixes all of them (no setter exists)
/// and deploys the default `NftFactory` itself.
#[derive(Clone, Debug)]
pub struct DeployConfig {
    /// The state root of block 0.
    pub genesis_root: Fr,
    /// The key of each block circuit, labelled [`Circuit::Block`] with its capacity; each gets
    /// a `Groth16Verifier` for that capacity.
    pub block_verifiers: Vec<CircuitKey>,
    /// The token exit circuit's key, labelled [`Circuit::Exit`] (exodus mode).
    pub exit_vk: CircuitKey,
    /// The NFT exit circuit's key, labelled [`Circuit::NftExit`] (`performExodusNFT`).
    pub nft_exit_vk: CircuitKey,
    /// Seconds until an unserved priority request allows exodus mode (1 to 30 days).
    pub priority_expiration: u64,
    /// Accounts allowed to commit and revert blocks.
    pub validators: Vec<Address>,
}

impl DeployConfig {
    /// Checks that every key fills the slot its circuit is for: a block key only as a block
    /// verifier (once per capacity), the token exit key only as the exit verifier, the NFT exit
    /// key only as the NFT exit verifier, each with one public input. A key deployed in the
    /// wrong slot would make the rollup accept, for example, block proofs as exit proofs.
    pub fn check_keys(&self) -> Result<(), L1Error> {
        let mismatch =
            |slot: String, key: &CircuitKey| L1Error::KeyMismatch { slot, circuit: key.circuit };
        let mut seen = std::collections::BTreeSet::new();
        for key in &self.block_verifiers {
            let Circuit::Block(chunks) = key.circuit else {
                return Err(mismatch("a block verifier".to_owned(), key));
            };
            if !seen.insert(chunks) {
                return Err(mismatch(format!("a second block verifier of capacity {chunks}"), key));
            }
        }
        if self.exit_vk.circuit != Circuit::Exit {
            return Err(mismatch("the exit verifier".to_owned(), &self.exit_vk));
        }
        if self.nft_exit_vk.circuit != Circuit::NftExit {
            return Err(mismatch("the NFT exit verifier".to_owned(), &self.nft_exit_vk));
        }
        for key in self.block_verifiers.iter().chain([&self.exit_vk, &self.nft_exit_vk]) {
            // One public input: the verifier contract takes exactly one (VerifierError).
            key.key_hash()?;
        }
        Ok(())
    }
}

/// The block circuit's verifying key for blocks of `capacity` chunk slots (as the prover's key
/// files record it: `tern_prover::Keys::capacity` and `vk`), labelled [`Circuit::Block`].
pub fn block_circuit_key(capacity: usize, vk: &VerifyingKey<Bn254>) -> Result<CircuitKey, L1Error> {
    let chunks = u32::try_from(capacity)
        .map_err(|_| L1Error::Args(tern_contracts::rollup::RollupArgsError::Capacity(capacity)))?;
    Ok(CircuitKey::new(Circuit::Block(chunks), vk.clone()))
}

/// The token exit circuit's verifying key (`tern_prover::exit::ExitKeys<TokenExit>::vk`),
/// labelled [`Circuit::Exit`].
pub fn exit_circuit_key(vk: &VerifyingKey<Bn254>) -> CircuitKey {
    CircuitKey::new(Circuit::Exit, vk.clone())
}

/// The NFT exit circuit's verifying key (`tern_prover::exit::ExitKeys<NftExit>::vk`), labelled
/// [`Circuit::NftExit`].
pub fn nft_exit_circuit_key(vk: &VerifyingKey<Bn254>) -> CircuitKey {
    CircuitKey::new(Circuit::NftExit, vk.clone())
}

/// Where a [`DeployConfig`] landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The rollup contract.
    pub rollup: Address,
    /// `(capacity, verifier)` per block circuit.
    pub block_verifiers: Vec<(u32, Address)>,
    /// The token exit verifier.
    pub exit_verifier: Address,
    /// The default `NftFactory`, deployed by the rollup's constructor.
    pub nft_factory: Address,
    /// The NFT exit verifier.
    pub nft_exit_verifier: Address,
    /// The L1 block of the rollup's deployment: scan events from here.
    pub block_number: u64,
    /// Gas of every deployment and set-up transaction, by name.
    pub gas: Vec<(String, u64)>,
}

/// Deployment, governance and the few reads around them, for every [`EthChain`].
pub trait RollupAdmin: EthChain {
    /// Sends `call` to the rollup with no value.
    fn rollup_call<C: SolCall + Sync>(
        &self,
        call: &C,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        self.transact(self.rollup_address(), U256::ZERO, call)
    }

    /// Calls the rollup's view `call`.
    fn rollup_view<C: SolCall + Sync>(
        &self,
        call: &C,
    ) -> impl Future<Output = L1Result<C::Return>> + Send {
        self.call_view(self.rollup_address(), call)
    }

    /// Deploys creation code `bytecode` with constructor arguments `args`.
    fn deploy_contract<C: SolConstructor + Sync>(
        &self,
        name: &'static str,
        bytecode: &[u8],
        args: &C,
    ) -> impl Future<Output = L1Result<(Address, TxOutcome)>> + Send {
        let mut code = bytecode.to_vec();
        code.extend_from_slice(&args.abi_encode());
        self.deploy_code(name, code.into())
    }

    /// Deploys `config` with this client's signer as governor: the keys are checked against
    /// their slots ([`DeployConfig::check_keys`]), then a verifier per block capacity, the exit
    /// verifiers, the rollup (whose constructor fixes them and deploys the default
    /// `NftFactory`), and `setValidator` per validator. The key hashes the rollup recorded are
    /// read back and compared with the labelled keys' ([`CircuitKey::key_hash`]). Returns a
    /// client for the new rollup and where everything is.
    fn deploy(
        &self,
        config: &DeployConfig,
    ) -> impl Future<Output = L1Result<(Self, Deployment)>> + Send {
        async move {
            config.check_keys()?;
            let mut gas = Vec::new();
            let mut capacities = Vec::new();
            let mut block_verifiers = Vec::new();
            for key in &config.block_verifiers {
                let code = creation_code(&key.vk)?;
                let (verifier, r) = self.deploy_code("Groth16Verifier", code).await?;
                gas.push((format!("deploy verifier ({})", key.circuit), r.gas_used));
                if let Circuit::Block(chunks) = key.circuit {
                    capacities.push(chunks);
                    block_verifiers.push((chunks, verifier));
                }
            }
            let code = creation_code(&config.exit_vk.vk)?;
            let (exit_verifier, r) = self.deploy_code("Groth16Verifier (exit)", code).await?;
            gas.push(("deploy exit verifier".to_owned(), r.gas_used));
            let code = creation_code(&config.nft_exit_vk.vk)?;
            let (nft_exit_verifier, r) =
                self.deploy_code("Groth16Verifier (NFT exit)", code).await?;
            gas.push(("deploy NFT exit verifier".to_owned(), r.gas_used));
            let args = Rollup::constructorCall {
                governor_: self.signer_address(),
                genesisStateRoot: root_bytes(&config.genesis_root),
                capacities,
                blockVerifiers: block_verifiers.iter().map(|(_, v)| *v).collect(),
                exitVerifier_: exit_verifier,
                nftExitVerifier_: nft_exit_verifier,
                priorityExpiration_: config.priority_expiration,
            };
            let (rollup, r) = self.deploy_contract("Rollup", &Rollup::BYTECODE, &args).await?;
            gas.push(("deploy rollup".to_owned(), r.gas_used));
            let block_number = r.block_number;
            let client = self.with_rollup(rollup);
            // What the constructor recorded must be the labelled keys' hashes.
            for key in &config.block_verifiers {
                if let Circuit::Block(chunks) = key.circuit {
                    let recorded = client.rollup_view(&Rollup::blockKeyHashesCall(chunks)).await?;
                    check_recorded(key, recorded)?;
                }
            }
            check_recorded(
                &config.exit_vk,
                client.rollup_view(&Rollup::exitKeyHashCall {}).await?,
            )?;
            let recorded = client.rollup_view(&Rollup::nftExitKeyHashCall {}).await?;
            check_recorded(&config.nft_exit_vk, recorded)?;
            let nft_factory = client.nft_factory().await?;
            for v in &config.validators {
                let r = client.set_validator(*v, true).await?;
                gas.push(("setValidator".to_owned(), r.gas_used));
            }
            let deployment = Deployment {
                rollup,
                block_verifiers,
                exit_verifier,
                nft_factory,
                nft_exit_verifier,
                block_number,
                gas,
            };
            Ok((client, deployment))
        }
    }

    /// `approve(spender, amount)` on ERC-20 `token` from the signer.
    fn erc20_approve(
        &self,
        token: Address,
        spender: Address,
        amount: U256,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        async move { self.transact(token, U256::ZERO, &IERC20::approveCall { spender, amount }).await }
    }

    /// `balanceOf(owner)` on ERC-20 `token`.
    fn erc20_balance(
        &self,
        token: Address,
        owner: Address,
    ) -> impl Future<Output = L1Result<U256>> + Send {
        async move { self.call_view(token, &IERC20::balanceOfCall { owner }).await }
    }

    /// `symbol()` and `decimals()` of ERC-20 `token`, each `None` if the contract reverts or
    /// answers something else (both are optional in ERC-20, and some tokens answer `bytes32`);
    /// an unreachable L1 is an error.
    fn erc20_metadata(
        &self,
        token: Address,
    ) -> impl Future<Output = L1Result<(Option<String>, Option<u8>)>> + Send {
        async move {
            let symbol = optional(self.call_view(token, &IERC20::symbolCall {}).await)?;
            let decimals = optional(self.call_view(token, &IERC20::decimalsCall {}).await)?;
            Ok((symbol, decimals))
        }
    }

    /// `setValidator(validator, active)` (governor).
    fn set_validator(
        &self,
        validator: Address,
        active: bool,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        async move { self.rollup_call(&Rollup::setValidatorCall { validator, active }).await }
    }

    /// `nftFactory()`: the default ERC-721 that withdrawn NFTs are minted on.
    fn nft_factory(&self) -> impl Future<Output = L1Result<Address>> + Send {
        async move { self.rollup_view(&Rollup::nftFactoryCall {}).await }
    }

    /// `addToken(token)` (governor); returns the new token id.
    fn add_token(
        &self,
        token: Address,
    ) -> impl Future<Output = L1Result<(TokenId, TxOutcome)>> + Send {
        async move {
            let outcome = self.rollup_call(&Rollup::addTokenCall { token }).await?;
            let id = self.rollup_view(&Rollup::tokenIdOfCall { token }).await?;
            Ok((TokenId(id), outcome))
        }
    }

    /// `setDepositsPaused(token, paused)` (governor).
    fn set_deposits_paused(
        &self,
        token: TokenId,
        paused: bool,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        async move { self.rollup_call(&Rollup::setDepositsPausedCall { id: token.0, paused }).await }
    }

    /// `setAuthPubkeyHash(pubKeyHash, nonce)`: authorises a ChangePubKey on chain.
    fn set_auth_pubkey_hash(
        &self,
        pubkey_hash: [u8; 20],
        nonce: u32,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        async move {
            let call = Rollup::setAuthPubkeyHashCall { pubKeyHash: pubkey_hash.into(), nonce };
            self.rollup_call(&call).await
        }
    }
}

impl<T: EthChain> RollupAdmin for T {}

/// [`L1Error::KeyMismatch`] unless `recorded` (a key hash the rollup's constructor recorded) is
/// `key`'s hash.
/// A view call's answer, `None` if the contract cannot give it; transport failures stay errors.
fn optional<T>(r: L1Result<T>) -> L1Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(L1Error::Rpc(_) | L1Error::Node(_)) => r.map(Some),
        Err(_) => Ok(None),
    }
}

fn check_recorded(key: &CircuitKey, recorded: alloy_primitives::B256) -> Result<(), L1Error> {
    if key.key_hash()? == recorded {
        Ok(())
    } else {
        Err(L1Error::KeyMismatch {
            slot: "the key hash the rollup recorded".to_owned(),
            circuit: key.circuit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G1Affine;
    use ark_ec::AffineRepr;

    /// A key of the verifier's shape (one public input); its points do not matter here.
    fn one_input_key() -> VerifyingKey<Bn254> {
        VerifyingKey::<Bn254> {
            gamma_abc_g1: vec![G1Affine::generator(), G1Affine::generator()],
            ..Default::default()
        }
    }

    fn config(blocks: Vec<CircuitKey>, exit: CircuitKey, nft_exit: CircuitKey) -> DeployConfig {
        DeployConfig {
            genesis_root: Fr::from(1u64),
            block_verifiers: blocks,
            exit_vk: exit,
            nft_exit_vk: nft_exit,
            priority_expiration: 3 * 24 * 3600,
            validators: Vec::new(),
        }
    }

    /// A key labelled for one circuit cannot fill another circuit's slot: a block key as the
    /// exit key, an exit key as a block key, the two exit keys swapped, a capacity twice, or a
    /// key with other than one public input.
    #[test]
    fn keys_must_fill_the_slot_of_their_circuit() {
        let vk = one_input_key();
        let block = |c| CircuitKey::new(Circuit::Block(c), vk.clone());
        let exit = CircuitKey::new(Circuit::Exit, vk.clone());
        let nft = CircuitKey::new(Circuit::NftExit, vk.clone());
        config(vec![block(8), block(16)], exit.clone(), nft.clone())
            .check_keys()
            .expect("every key in its slot");
        for (bad, slot) in [
            (config(vec![block(8)], block(8), nft.clone()), "the exit verifier"),
            (config(vec![block(8)], exit.clone(), block(8)), "the NFT exit verifier"),
            (config(vec![block(8)], nft.clone(), exit.clone()), "the exit verifier"),
            (config(vec![exit.clone()], exit.clone(), nft.clone()), "a block verifier"),
            (config(vec![block(8), block(8)], exit.clone(), nft.clone()), "a second block"),
        ] {
            match bad.check_keys() {
                Err(L1Error::KeyMismatch { slot: s, .. }) => assert!(s.starts_with(slot), "{s}"),
                other => panic!("{slot}: {other:?}"),
            }
        }
        let two_inputs = {
            let mut k = vk.clone();
            k.gamma_abc_g1.push(G1Affine::generator());
            CircuitKey::new(Circuit::Exit, k)
        };
        let e = config(vec![block(8)], two_inputs, nft).check_keys().expect_err("shape");
        assert!(matches!(e, L1Error::Verifier(_)), "{e:?}");
        // The circuit ids hashed into the key hashes differ per slot.
        assert_ne!(block(8).key_hash().ok(), exit.key_hash().ok());
        assert_ne!(block(8).key_hash().ok(), block(16).key_hash().ok());
        assert_eq!(Circuit::Block(120).id(), "tern-block-120");
    }
}
