//! The narrow seam between the node and L1: the [`L1Client`] trait.
//!
//! It holds what the node and the wallet tools do with the rollup contract once it is deployed:
//! deposits and full-exit requests (of a token or an NFT), the block lifecycle (commit, prove,
//! execute, revert), claiming pending balances and pending NFTs (minted on L1 as ERC-721 by the
//! rollup's NFT factory), the exodus calls for tokens and NFTs, and reading the contract's
//! events over a block range. Block arguments are the contract's own types
//! (`tern_contracts::bindings::Rollup`), which `tern_contracts::rollup` builds from a native
//! `tern_types::Block`. Deployment and governance are not part of the seam; they are
//! [`crate::RollupAdmin`]'s.
//!
//! Every [`EthChain`] implements it, below, so each call is written once: [`crate::RpcL1`] over
//! JSON-RPC, and [`crate::InProcessL1`] on revm in this process (the in-memory L1 for tests).

use crate::chain::{EthChain, RollupAdmin};
use crate::error::L1Error;
use crate::events::L1Event;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::future::Future;
use tern_contracts::bindings::Rollup;
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

    /// `commitProveExecute(lastCommitted, block, proof, pendingOnchainOps)`: one block
    /// committed, proven and executed in one transaction, when every committed block is
    /// already executed (validators only). `pending_onchain_ops` are the block's operations
    /// that execution acts on (`tern_contracts::rollup::pending_onchain_ops`).
    fn commit_prove_execute(
        &self,
        last_committed: &StoredBlockInfo,
        block: &CommitBlockInfo,
        proof: &[U256; 8],
        pending_onchain_ops: &[Bytes],
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

    /// `withdrawPendingBalanceTo(token, amount, to)`: pays the signer's own pending balance to
    /// `to` (for an owner that cannot receive the payment itself).
    fn withdraw_pending_balance_to(
        &self,
        token: TokenId,
        amount: u128,
        to: Address,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `pendingBalances(owner, token)`: what `owner` can claim.
    fn pending_balance(
        &self,
        owner: Address,
        token: TokenId,
    ) -> impl Future<Output = L1Result<u128>> + Send;

    /// `withdrawPendingNFT(nftId)`: mints the pending NFT as an ERC-721 (token id = `nft_id`)
    /// to its owner through the factory fixed when it was withdrawn (its creator's, or the
    /// default). Anyone may call it; the token always goes to the owner.
    fn withdraw_pending_nft(
        &self,
        nft_id: NftId,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `withdrawPendingNFTDefault(nftId)`: as [`L1Client::withdraw_pending_nft`], through the
    /// rollup's default factory; only the NFT's owner may call it (a creator's factory that
    /// fails cannot keep the NFT).
    fn withdraw_pending_nft_default(
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

impl<T: EthChain> L1Client for T {
    fn sender(&self) -> Address {
        self.signer_address()
    }

    fn rollup(&self) -> Address {
        self.rollup_address()
    }

    async fn block_number(&self) -> L1Result<u64> {
        self.latest_block_number().await
    }

    async fn deposit_eth(&self, to: Address, amount: u128) -> L1Result<TxOutcome> {
        self.transact(self.rollup_address(), U256::from(amount), &Rollup::depositETHCall { to })
            .await
    }

    async fn deposit_erc20(
        &self,
        token: Address,
        amount: u128,
        to: Address,
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::depositERC20Call { token, amount, to }).await
    }

    async fn request_full_exit(
        &self,
        account_id: AccountId,
        token: TokenId,
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::requestFullExitCall { accountId: account_id.0, tokenId: token.0 })
            .await
    }

    async fn request_full_exit_nft(
        &self,
        account_id: AccountId,
        nft_id: NftId,
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::requestFullExitNFTCall {
            accountId: account_id.0,
            nftId: nft_id.0,
        })
        .await
    }

    async fn commit_blocks(
        &self,
        last_committed: &StoredBlockInfo,
        blocks: &[CommitBlockInfo],
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::commitBlocksCall {
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
        self.rollup_call(&Rollup::proveBlocksCall {
            blocks: blocks.to_vec(),
            proofs: proofs.to_vec(),
        })
        .await
    }

    async fn execute_blocks(&self, blocks: &[ExecuteBlockInfo]) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::executeBlocksCall { blocks: blocks.to_vec() }).await
    }

    async fn commit_prove_execute(
        &self,
        last_committed: &StoredBlockInfo,
        block: &CommitBlockInfo,
        proof: &[U256; 8],
        pending_onchain_ops: &[Bytes],
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::commitProveExecuteCall {
            lastCommitted: last_committed.clone(),
            newBlock: block.clone(),
            proof: *proof,
            pendingOnchainOps: pending_onchain_ops.to_vec(),
        })
        .await
    }

    async fn revert_blocks(&self, blocks: &[StoredBlockInfo]) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::revertBlocksCall { blocks: blocks.to_vec() }).await
    }

    async fn withdraw_pending_balance(
        &self,
        owner: Address,
        token: TokenId,
        amount: u128,
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::withdrawPendingBalanceCall { owner, tokenId: token.0, amount })
            .await
    }

    async fn withdraw_pending_balance_to(
        &self,
        token: TokenId,
        amount: u128,
        to: Address,
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::withdrawPendingBalanceToCall { tokenId: token.0, amount, to })
            .await
    }

    async fn pending_balance(&self, owner: Address, token: TokenId) -> L1Result<u128> {
        self.rollup_view(&Rollup::pendingBalancesCall { _0: owner, _1: token.0 }).await
    }

    async fn withdraw_pending_nft(&self, nft_id: NftId) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::withdrawPendingNFTCall { nftId: nft_id.0 }).await
    }

    async fn withdraw_pending_nft_default(&self, nft_id: NftId) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::withdrawPendingNFTDefaultCall { nftId: nft_id.0 }).await
    }

    async fn pending_nft(&self, nft_id: NftId) -> L1Result<Option<PendingNft>> {
        let r = self.rollup_view(&Rollup::pendingNftsCall(nft_id.0)).await?;
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
        self.rollup_call(&Rollup::activateExodusModeCall {}).await
    }

    async fn perform_exodus(&self, claim: &ExodusClaim) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::performExodusCall {
            accountId: claim.account_id.0,
            owner: claim.owner,
            tokenId: claim.token.0,
            amount: claim.amount,
            proof: claim.proof,
        })
        .await
    }

    async fn perform_exodus_nft(&self, claim: &NftExodusClaim) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::performExodusNFTCall {
            accountId: claim.account_id.0,
            nftId: claim.nft_id.0,
            nft: pending_nft_record(claim.owner, &claim.info),
            proof: claim.proof,
        })
        .await
    }

    async fn cancel_outstanding_deposits(&self, requests: &[Bytes]) -> L1Result<TxOutcome> {
        self.rollup_call(&Rollup::cancelOutstandingDepositsForExodusModeCall {
            requestsData: requests.to_vec(),
        })
        .await
    }

    async fn events(&self, from_block: u64, to_block: u64) -> L1Result<Vec<L1Event>> {
        self.rollup_events(from_block, to_block).await
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
