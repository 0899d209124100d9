//! [`EthChain`]: the little a client needs from an Ethereum chain (send a call, read a view,
//! deploy code, read the rollup's logs), so that the rollup's calls are written once over it:
//! [`crate::L1Client`] for every `EthChain`, and deployment and governance in [`RollupAdmin`].
//!
//! Two chains implement it: [`crate::RpcL1`] (any JSON-RPC endpoint, with alloy) and
//! [`crate::InProcessL1`] (revm in this process: the same contracts, no node, for tests of the
//! node and its tools).

use crate::client::{L1Result, TxOutcome};
use crate::events::L1Event;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use std::future::Future;
use tern_contracts::bindings::NftFactory;
use tern_contracts::bindings::Rollup;
use tern_contracts::rollup::root_bytes;
use tern_contracts::verifier::creation_code;
use tern_primitives::Fr;
use tern_types::TokenId;

alloy_sol_types::sol! {
    /// The ERC-20 functions the client needs around deposits.
    #[derive(Debug, PartialEq, Eq)]
    interface IERC20 {
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
    }
}

/// An Ethereum chain with one signing account and one rollup contract (see the module docs).
/// Method names differ from [`crate::L1Client`]'s, which every `EthChain` also implements.
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
/// verifiers, and the validators. The default `NftFactory` is always deployed with it.
#[derive(Clone, Debug)]
pub struct DeployConfig {
    /// The state root of block 0.
    pub genesis_root: Fr,
    /// `(capacity, verifying key)` of each block circuit; each gets a `Groth16Verifier` and
    /// `setVerifier`.
    pub block_verifiers: Vec<(u32, VerifyingKey<Bn254>)>,
    /// The token exit circuit's verifying key (exodus mode).
    pub exit_vk: VerifyingKey<Bn254>,
    /// The NFT exit circuit's verifying key (`performExodusNFT`). `None` deploys no NFT exit
    /// verifier: the rollup then refuses NFT exits (`NftExitVerifierNotSet`) until the governor
    /// sets one ([`RollupAdmin::set_nft_exit_verifier`]), which it can do once.
    pub nft_exit_vk: Option<VerifyingKey<Bn254>>,
    /// Seconds until an unserved priority request allows exodus mode.
    pub priority_expiration: u64,
    /// Accounts allowed to commit and revert blocks.
    pub validators: Vec<Address>,
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
    /// The `NftFactory` that mints withdrawn NFTs as ERC-721 (set on the rollup).
    pub nft_factory: Address,
    /// The NFT exit verifier (set on the rollup), if [`DeployConfig::nft_exit_vk`] was given.
    pub nft_exit_verifier: Option<Address>,
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

    /// Deploys `config` with this client's signer as governor: the exit verifier, the rollup,
    /// a block verifier and `setVerifier` per capacity, the `NftFactory` for this rollup and
    /// `setNftFactory`, the NFT exit verifier and `setNftExitVerifier` (if its key is given),
    /// and `setValidator` per validator. Returns a client for the new rollup and where
    /// everything is.
    fn deploy(
        &self,
        config: &DeployConfig,
    ) -> impl Future<Output = L1Result<(Self, Deployment)>> + Send {
        async move {
            let mut gas = Vec::new();
            let (exit_verifier, r) =
                self.deploy_code("Groth16Verifier (exit)", creation_code(&config.exit_vk)?).await?;
            gas.push(("deploy exit verifier".to_owned(), r.gas_used));
            let args = Rollup::constructorCall {
                governor_: self.signer_address(),
                genesisStateRoot: root_bytes(&config.genesis_root),
                exitVerifier_: exit_verifier,
                priorityExpiration_: config.priority_expiration,
            };
            let (rollup, r) = self.deploy_contract("Rollup", &Rollup::BYTECODE, &args).await?;
            gas.push(("deploy rollup".to_owned(), r.gas_used));
            let block_number = r.block_number;
            let client = self.with_rollup(rollup);
            let mut block_verifiers = Vec::new();
            for (chunks, vk) in &config.block_verifiers {
                let (verifier, r) = self.deploy_code("Groth16Verifier", creation_code(vk)?).await?;
                gas.push((format!("deploy verifier (capacity {chunks})"), r.gas_used));
                let r = client.set_verifier(*chunks, verifier).await?;
                gas.push((format!("setVerifier (capacity {chunks})"), r.gas_used));
                block_verifiers.push((*chunks, verifier));
            }
            // The factory's minter is fixed at construction, so it can only follow the rollup.
            let args = NftFactory::constructorCall { rollup_: rollup };
            let (nft_factory, r) =
                self.deploy_contract("NftFactory", &NftFactory::BYTECODE, &args).await?;
            gas.push(("deploy NftFactory".to_owned(), r.gas_used));
            let r = client.set_nft_factory(nft_factory).await?;
            gas.push(("setNftFactory".to_owned(), r.gas_used));
            let nft_exit_verifier = match &config.nft_exit_vk {
                Some(vk) => {
                    let (verifier, r) =
                        self.deploy_code("Groth16Verifier (NFT exit)", creation_code(vk)?).await?;
                    gas.push(("deploy NFT exit verifier".to_owned(), r.gas_used));
                    let r = client.set_nft_exit_verifier(verifier).await?;
                    gas.push(("setNftExitVerifier".to_owned(), r.gas_used));
                    Some(verifier)
                }
                None => None,
            };
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

    /// `setValidator(validator, active)` (governor).
    fn set_validator(
        &self,
        validator: Address,
        active: bool,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        async move { self.rollup_call(&Rollup::setValidatorCall { validator, active }).await }
    }

    /// `setVerifier(chunks, verifier)` (governor).
    fn set_verifier(
        &self,
        chunks: u32,
        verifier: Address,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        async move { self.rollup_call(&Rollup::setVerifierCall { chunks, verifier }).await }
    }

    /// `setNftFactory(factory)` (governor; once).
    fn set_nft_factory(
        &self,
        factory: Address,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        async move { self.rollup_call(&Rollup::setNftFactoryCall { factory }).await }
    }

    /// `setNftExitVerifier(verifier)` (governor; once).
    fn set_nft_exit_verifier(
        &self,
        verifier: Address,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send {
        async move { self.rollup_call(&Rollup::setNftExitVerifierCall { verifier }).await }
    }

    /// `nftFactory()`: the ERC-721 that withdrawn NFTs are minted on (zero before it is set).
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

    /// `totalBlocksCommitted`, `totalBlocksProven`, `totalBlocksExecuted`.
    fn block_totals(&self) -> impl Future<Output = L1Result<(u64, u64, u64)>> + Send {
        async move {
            let committed = self.rollup_view(&Rollup::totalBlocksCommittedCall {}).await?;
            let proven = self.rollup_view(&Rollup::totalBlocksProvenCall {}).await?;
            let executed = self.rollup_view(&Rollup::totalBlocksExecutedCall {}).await?;
            Ok((committed, proven, executed))
        }
    }
}

impl<T: EthChain> RollupAdmin for T {}
