//! [`RpcL1`]: the [`L1Client`] over an Ethereum JSON-RPC endpoint (alloy, HTTP) with a local
//! signer, plus deployment and governance.
//!
//! [`RpcL1::deploy`] sets up a complete rollup from the committed artifacts: the token exit
//! verifier, the rollup, one block verifier per capacity, the default `NftFactory` (the ERC-721
//! that withdrawn NFTs are minted on), the NFT exit verifier when its key is given, and the
//! validators, with the gas of every step. The [`L1Client`] calls cover both the token path
//! (deposits, full exits, pending balances, `performExodus`) and the NFT path (NFT full exits,
//! pending NFTs minted through the factory, `performExodusNFT`).
//!
//! Transactions are filled by alloy (gas estimate and EIP-1559 fees, the pending nonce fetched
//! from the node each time, chain id) and signed by the local wallet; each call waits for its
//! receipt. A revert found while estimating gas comes back as [`L1Error::Revert`] with the
//! contract's custom error decoded.
//! The endpoint is plain HTTP (no TLS stack is built in): a local node, or a TLS-terminating
//! proxy in front of a remote one.

use crate::client::{ExodusClaim, L1Client, L1Result, NftExodusClaim, PendingNft, TxOutcome};
use crate::error::{revert_reason, L1Error};
use crate::events::{decode_log, L1Event};
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{
    BlockNumberOrTag, Filter, Log as RpcLog, TransactionReceipt, TransactionRequest,
};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolConstructor};
use alloy_transport::TransportError;
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use std::time::Duration;
use tern_contracts::bindings::Rollup::{self, CommitBlockInfo, ExecuteBlockInfo, StoredBlockInfo};
use tern_contracts::bindings::{Groth16Verifier, NftFactory};
use tern_contracts::rollup::root_bytes;
use tern_contracts::verifier::constructor_args;
use tern_primitives::Fr;
use tern_types::op::NftInfo;
use tern_types::{AccountId, NftId, TokenId};

/// How long a transaction may take to be mined before the client gives up on its receipt.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// How often the client asks for a sent transaction's receipt.
pub const RECEIPT_POLL: Duration = Duration::from_millis(100);

/// The widest block range one `eth_getLogs` asks for; [`L1Client::events`] splits longer
/// ranges.
pub const LOG_RANGE: u64 = 10_000;

alloy_sol_types::sol! {
    /// The ERC-20 functions the client needs around deposits.
    #[derive(Debug, PartialEq, Eq)]
    interface IERC20 {
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
    }
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
    /// sets one ([`RpcL1::set_nft_exit_verifier`]), which it can do once.
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

/// The L1 client over JSON-RPC (see the module docs).
#[derive(Clone, Debug)]
pub struct RpcL1 {
    provider: DynProvider,
    rollup: Address,
    sender: Address,
}

impl RpcL1 {
    /// Connects to the JSON-RPC endpoint `url` (`http://…`), signing with `signer`, for the
    /// rollup at `rollup` (use [`Address::ZERO`] before deploying).
    pub async fn connect(
        url: &str,
        signer: PrivateKeySigner,
        rollup: Address,
    ) -> Result<Self, L1Error> {
        let sender = signer.address();
        // The nonce comes from the node for every transaction: a cached nonce would skip one
        // whenever a transaction is refused while it is being filled (a revert found by the gas
        // estimate), and every later transaction would wait behind the gap forever.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(EthereumWallet::from(signer))
            .connect(url)
            .await
            .map_err(|e| L1Error::Url { url: url.to_owned(), reason: e.to_string() })?
            .erased();
        Ok(Self { provider, rollup, sender })
    }

    /// The same connection and signer for another rollup address.
    pub fn with_rollup(&self, rollup: Address) -> Self {
        Self { provider: self.provider.clone(), rollup, sender: self.sender }
    }

    /// The underlying alloy provider (for node-specific calls, e.g. anvil's).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Deploys `config` with this client's signer as governor: the exit verifier, the rollup,
    /// a block verifier and `setVerifier` per capacity, the `NftFactory` for this rollup and
    /// `setNftFactory`, the NFT exit verifier and `setNftExitVerifier` (if its key is given),
    /// and `setValidator` per validator. Returns a client for the new rollup and where
    /// everything is.
    pub async fn deploy(&self, config: &DeployConfig) -> Result<(Self, Deployment), L1Error> {
        let mut gas = Vec::new();
        let exit_args = constructor_args(&config.exit_vk)?;
        let (exit_verifier, r) = self
            .deploy_contract("Groth16Verifier (exit)", &Groth16Verifier::BYTECODE, &exit_args)
            .await?;
        gas.push(("deploy exit verifier".to_owned(), r.gas_used));
        let args = Rollup::constructorCall {
            governor_: self.sender,
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
            let args = constructor_args(vk)?;
            let (verifier, r) =
                self.deploy_contract("Groth16Verifier", &Groth16Verifier::BYTECODE, &args).await?;
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
                let args = constructor_args(vk)?;
                let (verifier, r) = self
                    .deploy_contract(
                        "Groth16Verifier (NFT exit)",
                        &Groth16Verifier::BYTECODE,
                        &args,
                    )
                    .await?;
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

    /// Deploys creation code `bytecode` with constructor arguments `args`.
    pub async fn deploy_contract<C: SolConstructor>(
        &self,
        name: &'static str,
        bytecode: &[u8],
        args: &C,
    ) -> Result<(Address, TxOutcome), L1Error> {
        let mut code = bytecode.to_vec();
        code.extend_from_slice(&args.abi_encode());
        self.deploy_code(name, code.into()).await
    }

    /// Deploys raw creation code (constructor arguments already appended).
    pub async fn deploy_code(
        &self,
        name: &'static str,
        code: Bytes,
    ) -> Result<(Address, TxOutcome), L1Error> {
        let tx = TransactionRequest::default().with_from(self.sender).with_deploy_code(code);
        let receipt = self.send_request(name, tx).await?;
        let address = receipt.contract_address.ok_or(L1Error::NoContractAddress(name))?;
        Ok((address, self.outcome(&receipt)?))
    }

    /// Sends `call` with `value` wei to `to` and waits for the receipt.
    pub async fn send<C: SolCall>(
        &self,
        to: Address,
        value: U256,
        call: &C,
    ) -> Result<TxOutcome, L1Error> {
        let tx = TransactionRequest::default()
            .with_from(self.sender)
            .with_to(to)
            .with_value(value)
            .with_call(call);
        let receipt = self.send_request(C::SIGNATURE, tx).await?;
        self.outcome(&receipt)
    }

    /// Calls view function `call` on `to` (an `eth_call` at the latest block).
    pub async fn view<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return, L1Error> {
        let tx = TransactionRequest::default().with_from(self.sender).with_to(to).with_call(call);
        let out = self.provider.call(tx).await.map_err(|e| rpc_error(C::SIGNATURE, e))?;
        C::abi_decode_returns(&out).map_err(|source| L1Error::Decode { call: C::SIGNATURE, source })
    }

    /// Sends `call` to the rollup with no value.
    async fn rollup_tx<C: SolCall>(&self, call: &C) -> Result<TxOutcome, L1Error> {
        self.send(self.rollup, U256::ZERO, call).await
    }

    /// `who`'s ETH balance in wei.
    pub async fn eth_balance(&self, who: Address) -> Result<U256, L1Error> {
        self.provider.get_balance(who).await.map_err(|e| rpc_error("eth_getBalance", e))
    }

    /// `approve(spender, amount)` on ERC-20 `token` from the sender.
    pub async fn erc20_approve(
        &self,
        token: Address,
        spender: Address,
        amount: U256,
    ) -> Result<TxOutcome, L1Error> {
        self.send(token, U256::ZERO, &IERC20::approveCall { spender, amount }).await
    }

    /// `balanceOf(owner)` on ERC-20 `token`.
    pub async fn erc20_balance(&self, token: Address, owner: Address) -> Result<U256, L1Error> {
        self.view(token, &IERC20::balanceOfCall { owner }).await
    }

    /// `setValidator(validator, active)` (governor).
    pub async fn set_validator(&self, validator: Address, active: bool) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::setValidatorCall { validator, active }).await
    }

    /// `setVerifier(chunks, verifier)` (governor).
    pub async fn set_verifier(&self, chunks: u32, verifier: Address) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::setVerifierCall { chunks, verifier }).await
    }

    /// `setNftFactory(factory)` (governor; once).
    pub async fn set_nft_factory(&self, factory: Address) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::setNftFactoryCall { factory }).await
    }

    /// `setNftExitVerifier(verifier)` (governor; once).
    pub async fn set_nft_exit_verifier(&self, verifier: Address) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::setNftExitVerifierCall { verifier }).await
    }

    /// `nftFactory()`: the ERC-721 that withdrawn NFTs are minted on (zero before it is set).
    pub async fn nft_factory(&self) -> L1Result<Address> {
        self.view(self.rollup, &Rollup::nftFactoryCall {}).await
    }

    /// `addToken(token)` (governor); returns the new token id.
    pub async fn add_token(&self, token: Address) -> L1Result<(TokenId, TxOutcome)> {
        let outcome = self.rollup_tx(&Rollup::addTokenCall { token }).await?;
        let id = self.view(self.rollup, &Rollup::tokenIdOfCall { token }).await?;
        Ok((TokenId(id), outcome))
    }

    /// `setDepositsPaused(token, paused)` (governor).
    pub async fn set_deposits_paused(&self, token: TokenId, paused: bool) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::setDepositsPausedCall { id: token.0, paused }).await
    }

    /// `setAuthPubkeyHash(pubKeyHash, nonce)`: authorises a ChangePubKey on chain.
    pub async fn set_auth_pubkey_hash(
        &self,
        pubkey_hash: [u8; 20],
        nonce: u32,
    ) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::setAuthPubkeyHashCall { pubKeyHash: pubkey_hash.into(), nonce })
            .await
    }

    /// The timestamp of the latest L1 block (what a block's timestamp is checked against at
    /// commit).
    pub async fn latest_timestamp(&self) -> L1Result<u64> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| rpc_error("eth_getBlockByNumber", e))?
            .ok_or_else(|| L1Error::Node("no latest block".to_owned()))?;
        Ok(block.header.timestamp)
    }

    /// `totalBlocksCommitted`, `totalBlocksProven`, `totalBlocksExecuted`.
    pub async fn block_totals(&self) -> L1Result<(u64, u64, u64)> {
        let committed = self.view(self.rollup, &Rollup::totalBlocksCommittedCall {}).await?;
        let proven = self.view(self.rollup, &Rollup::totalBlocksProvenCall {}).await?;
        let executed = self.view(self.rollup, &Rollup::totalBlocksExecutedCall {}).await?;
        Ok((committed, proven, executed))
    }

    async fn send_request(
        &self,
        call: &'static str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt, L1Error> {
        let pending = self.provider.send_transaction(tx).await.map_err(|e| rpc_error(call, e))?;
        let hash = *pending.tx_hash();
        // Poll for the receipt rather than watch new blocks through alloy's heartbeat: a block
        // filter can expire on the node while the caller is busy (proving), and then the watch
        // never fires.
        let start = std::time::Instant::now();
        let receipt = loop {
            let found = self
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(|e| rpc_error("eth_getTransactionReceipt", e))?;
            if let Some(receipt) = found {
                break receipt;
            }
            if start.elapsed() > RECEIPT_TIMEOUT {
                return Err(L1Error::Rpc(format!(
                    "{call}: transaction {hash} not mined within {RECEIPT_TIMEOUT:?}"
                )));
            }
            tokio::time::sleep(RECEIPT_POLL).await;
        };
        if !receipt.status() {
            return Err(L1Error::Failed { call, tx_hash: receipt.transaction_hash });
        }
        Ok(receipt)
    }

    fn outcome(&self, receipt: &TransactionReceipt) -> Result<TxOutcome, L1Error> {
        let block_number = receipt
            .block_number
            .ok_or_else(|| L1Error::Node("a mined receipt has no block number".to_owned()))?;
        Ok(TxOutcome {
            tx_hash: Some(receipt.transaction_hash),
            block_number,
            gas_used: receipt.gas_used,
            events: self.decode_logs(receipt.logs())?,
        })
    }

    fn decode_logs(&self, logs: &[RpcLog]) -> Result<Vec<L1Event>, L1Error> {
        let mut out = Vec::new();
        for log in logs.iter().filter(|l| l.address() == self.rollup) {
            if let Some(kind) = decode_log(&log.inner)? {
                let block_number = log
                    .block_number
                    .ok_or_else(|| L1Error::Node("a mined log has no block number".to_owned()))?;
                out.push(L1Event {
                    block_number,
                    tx_hash: log.transaction_hash,
                    log_index: log.log_index,
                    kind,
                });
            }
        }
        Ok(out)
    }
}

/// The contract's `PendingNft` record of NFT `info` owned by `owner` on L1.
fn pending_nft_record(owner: Address, info: &NftInfo) -> Rollup::PendingNft {
    Rollup::PendingNft {
        owner,
        creatorId: info.creator_id.0,
        creatorAddress: info.creator_address,
        serial: info.serial,
        contentHash: info.content_hash.into(),
    }
}

/// A transport error as an [`L1Error`]: a revert (with its data) when the node reports one.
fn rpc_error(call: &'static str, e: TransportError) -> L1Error {
    if let Some(data) = e.as_error_resp().and_then(|p| p.as_revert_data()) {
        return L1Error::Revert { call, reason: revert_reason(&data), data };
    }
    L1Error::Rpc(format!("{call}: {e}"))
}

impl L1Client for RpcL1 {
    fn sender(&self) -> Address {
        self.sender
    }

    fn rollup(&self) -> Address {
        self.rollup
    }

    async fn block_number(&self) -> L1Result<u64> {
        self.provider.get_block_number().await.map_err(|e| rpc_error("eth_blockNumber", e))
    }

    async fn deposit_eth(&self, to: Address, amount: u128) -> L1Result<TxOutcome> {
        self.send(self.rollup, U256::from(amount), &Rollup::depositETHCall { to }).await
    }

    async fn deposit_erc20(
        &self,
        token: Address,
        amount: u128,
        to: Address,
    ) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::depositERC20Call { token, amount, to }).await
    }

    async fn request_full_exit(
        &self,
        account_id: AccountId,
        token: TokenId,
    ) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::requestFullExitCall { accountId: account_id.0, tokenId: token.0 })
            .await
    }

    async fn request_full_exit_nft(
        &self,
        account_id: AccountId,
        nft_id: NftId,
    ) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::requestFullExitNFTCall { accountId: account_id.0, nftId: nft_id.0 })
            .await
    }

    async fn commit_blocks(
        &self,
        last_committed: &StoredBlockInfo,
        blocks: &[CommitBlockInfo],
    ) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::commitBlocksCall {
            lastCommitted: last_committed.clone(),
            newBlocks: blocks.to_vec(),
        })
        .await
    }

    async fn prove_blocks(
        &self,
        blocks: &[StoredBlockInfo],
        proofs: &[[U256; 8]],
    ) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::proveBlocksCall {
            blocks: blocks.to_vec(),
            proofs: proofs.to_vec(),
        })
        .await
    }

    async fn execute_blocks(&self, blocks: &[ExecuteBlockInfo]) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::executeBlocksCall { blocks: blocks.to_vec() }).await
    }

    async fn revert_blocks(&self, blocks: &[StoredBlockInfo]) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::revertBlocksCall { blocks: blocks.to_vec() }).await
    }

    async fn withdraw_pending_balance(
        &self,
        owner: Address,
        token: TokenId,
        amount: u128,
    ) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::withdrawPendingBalanceCall { owner, tokenId: token.0, amount })
            .await
    }

    async fn pending_balance(&self, owner: Address, token: TokenId) -> L1Result<u128> {
        self.view(self.rollup, &Rollup::pendingBalancesCall { _0: owner, _1: token.0 }).await
    }

    async fn withdraw_pending_nft(&self, nft_id: NftId) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::withdrawPendingNFTCall { nftId: nft_id.0 }).await
    }

    async fn pending_nft(&self, nft_id: NftId) -> L1Result<Option<PendingNft>> {
        let r = self.view(self.rollup, &Rollup::pendingNftsCall(nft_id.0)).await?;
        // A zero owner is how the contract itself tells "nothing pending" (`withdrawPendingNFT`
        // reverts with `NoPendingNft` on it), so the view reads it the same way.
        if r.owner == Address::ZERO {
            return Ok(None);
        }
        Ok(Some(PendingNft {
            owner: r.owner,
            info: NftInfo {
                creator_id: AccountId(r.creatorId),
                creator_address: r.creatorAddress,
                serial: r.serial,
                content_hash: r.contentHash.0,
            },
        }))
    }

    async fn activate_exodus_mode(&self) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::activateExodusModeCall {}).await
    }

    async fn perform_exodus(&self, claim: &ExodusClaim) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::performExodusCall {
            accountId: claim.account_id.0,
            owner: claim.owner,
            tokenId: claim.token.0,
            amount: claim.amount,
            proof: claim.proof,
        })
        .await
    }

    async fn perform_exodus_nft(&self, claim: &NftExodusClaim) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::performExodusNFTCall {
            accountId: claim.account_id.0,
            nftId: claim.nft_id.0,
            nft: pending_nft_record(claim.owner, &claim.info),
            proof: claim.proof,
        })
        .await
    }

    async fn cancel_outstanding_deposits(&self, requests: &[Bytes]) -> L1Result<TxOutcome> {
        self.rollup_tx(&Rollup::cancelOutstandingDepositsForExodusModeCall {
            requestsData: requests.to_vec(),
        })
        .await
    }

    async fn events(&self, from_block: u64, to_block: u64) -> L1Result<Vec<L1Event>> {
        let mut out = Vec::new();
        let mut start = from_block;
        while start <= to_block {
            let end = to_block.min(start.saturating_add(LOG_RANGE - 1));
            let filter = Filter::new().address(self.rollup).from_block(start).to_block(end);
            let logs =
                self.provider.get_logs(&filter).await.map_err(|e| rpc_error("eth_getLogs", e))?;
            out.extend(self.decode_logs(&logs)?);
            if end == u64::MAX {
                break;
            }
            start = end + 1;
        }
        Ok(out)
    }
}
