//! The narrow seam between the node and L1: the [`L1Client`] trait.
//!
//! It holds what the node and the wallet tools do with the rollup contract once it is deployed:
//! deposits and full-exit requests (of a token or an NFT), the block lifecycle (commit, prove,
//! execute, revert), claiming pending balances and pending NFTs (minted on L1 as ERC-721 by the
//! rollup's NFT factory), the exodus calls for tokens and NFTs, and reading the contract's
//! events over a block range. Block arguments are the contract's own types
//! (`tern_contracts::bindings::Rollup`), which `tern_contracts::rollup` builds from a native
//! `tern_types::Block`. Deployment and governance are not part of the seam; [`crate::RpcL1`]
//! has them as inherent methods.
//!
//! [`crate::RpcL1`] implements it over JSON-RPC; a node's tests can implement it in memory.

use crate::error::L1Error;
use crate::events::L1Event;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::future::Future;
use tern_contracts::bindings::Rollup::{CommitBlockInfo, ExecuteBlockInfo, StoredBlockInfo};
use tern_types::op::NftInfo;
use tern_types::{AccountId, NftId, TokenId};

/// A mined, successful transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOutcome {
    /// Its hash (`None` on in-memory chains that have none).
    pub tx_hash: Option<B256>,
    /// The L1 block that holds it.
    pub block_number: u64,
    /// Gas used, as the receipt reports it.
    pub gas_used: u64,
    /// The rollup events it emitted, decoded.
    pub events: Vec<L1Event>,
}

/// An exit in exodus mode: the account's balance of one token at the last executed root, and
/// the exit proof for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExodusClaim {
    /// The exiting account.
    pub account_id: AccountId,
    /// Its L1 owner, who is credited.
    pub owner: Address,
    /// The token.
    pub token: TokenId,
    /// The whole balance.
    pub amount: u128,
    /// The exit proof, encoded for the verifier (`tern_contracts::verifier::encode_proof`).
    pub proof: [U256; 8],
}

/// An NFT exit in exodus mode: an NFT that the last executed root shows owned by an account,
/// with its L2 identity, and the NFT exit proof for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NftExodusClaim {
    /// The account that owns the NFT.
    pub account_id: AccountId,
    /// The NFT.
    pub nft_id: NftId,
    /// The account's L1 owner, who gets the NFT.
    pub owner: Address,
    /// The NFT's identity fixed at mint (creator, serial, content hash), as the state holds it.
    pub info: NftInfo,
    /// The NFT exit proof, encoded for the verifier (`tern_contracts::verifier::encode_proof`).
    pub proof: [U256; 8],
}

/// An NFT withdrawn from L2 (by WithdrawNFT, FullExitNFT or an NFT exodus exit) that waits in
/// the rollup's `pendingNfts` to be minted on L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNft {
    /// Who gets the ERC-721.
    pub owner: Address,
    /// The L2 identity the factory records with it (its `origins`).
    pub info: NftInfo,
}

/// Result of an L1 call.
pub type L1Result<T> = Result<T, L1Error>;

/// What Tern does with its rollup contract on L1 (see the module docs). Every transaction
/// waits until it is mined and fails with [`L1Error::Revert`] if the contract refuses it.
pub trait L1Client: Send + Sync {
    /// The L1 account that signs this client's transactions.
    fn sender(&self) -> Address;

    /// The rollup contract.
    fn rollup(&self) -> Address;

    /// The latest L1 block number.
    fn block_number(&self) -> impl Future<Output = L1Result<u64>> + Send;

    /// `depositETH(to)` with `amount` wei.
    fn deposit_eth(
        &self,
        to: Address,
        amount: u128,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `depositERC20(token, amount, to)`; the sender must have approved the rollup.
    fn deposit_erc20(
        &self,
        token: Address,
        amount: u128,
        to: Address,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `requestFullExit(accountId, token)` for the sender's account.
    fn request_full_exit(
        &self,
        account_id: AccountId,
        token: TokenId,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `requestFullExitNFT(accountId, nftId)` for the sender's account.
    fn request_full_exit_nft(
        &self,
        account_id: AccountId,
        nft_id: NftId,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `commitBlocks(lastCommitted, blocks)` (validators only).
    fn commit_blocks(
        &self,
        last_committed: &StoredBlockInfo,
        blocks: &[CommitBlockInfo],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `proveBlocks(blocks, proofs)`: one proof per block, in order.
    fn prove_blocks(
        &self,
        blocks: &[StoredBlockInfo],
        proofs: &[[U256; 8]],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `executeBlocks(blocks)`.
    fn execute_blocks(
        &self,
        blocks: &[ExecuteBlockInfo],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `revertBlocks(blocks)`: committed, unproven blocks, newest first (validators only).
    fn revert_blocks(
        &self,
        blocks: &[StoredBlockInfo],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `withdrawPendingBalance(owner, token, amount)`: pays `owner` on L1.
    fn withdraw_pending_balance(
        &self,
        owner: Address,
        token: TokenId,
        amount: u128,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `pendingBalances(owner, token)`: what `owner` can claim.
    fn pending_balance(
        &self,
        owner: Address,
        token: TokenId,
    ) -> impl Future<Output = L1Result<u128>> + Send;

    /// `withdrawPendingNFT(nftId)`: mints the pending NFT as an ERC-721 (token id = `nft_id`)
    /// to its owner through the rollup's NFT factory. Anyone may call it; the token always goes
    /// to the owner.
    fn withdraw_pending_nft(
        &self,
        nft_id: NftId,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `pendingNfts(nftId)`: the withdrawn NFT waiting to be minted, `None` if there is none
    /// (never withdrawn, or already minted).
    fn pending_nft(
        &self,
        nft_id: NftId,
    ) -> impl Future<Output = L1Result<Option<PendingNft>>> + Send;

    /// `activateExodusMode()`.
    fn activate_exodus_mode(&self) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `performExodus(...)` with an exit proof.
    fn perform_exodus(
        &self,
        claim: &ExodusClaim,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `performExodusNFT(...)` with an NFT exit proof; the NFT becomes pending for its owner.
    fn perform_exodus_nft(
        &self,
        claim: &NftExodusClaim,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `cancelOutstandingDepositsForExodusMode(requestsData)`: the next unexecuted requests'
    /// packed data ([`crate::events::PriorityRequest::data`]), in queue order.
    fn cancel_outstanding_deposits(
        &self,
        requests: &[Bytes],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// The rollup's events in L1 blocks `from_block ..= to_block`, in chain order.
    fn events(
        &self,
        from_block: u64,
        to_block: u64,
    ) -> impl Future<Output = L1Result<Vec<L1Event>>> + Send;
}
