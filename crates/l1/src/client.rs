//! The seam between the node and L1, one trait per role:
//!
//! - [`L1Watch`]: what anyone reads: the latest block, the rollup's events over a block range,
//!   the block counters ([`RollupProgress`]), the priority queue ([`PriorityQueueState`]),
//!   whether an account is a validator, whether exodus mode is on.
//! - [`L1Operator`]: the validator's block lifecycle (commit, prove, execute,
//!   commit-prove-execute, revert) in terms of native `tern_types::Block`s and proofs; the
//!   contract arguments are built by [`crate::calldata`].
//! - [`L1User`]: what users and wallet tools do: deposits, full-exit requests (of a token or an
//!   NFT), claiming pending balances and pending NFTs (minted on L1 as ERC-721 by the rollup's
//!   NFT factory), and the exodus calls for tokens and NFTs.
//!
//! Deployment and governance are not part of the seam; they are [`crate::RollupAdmin`]'s. A
//! crash-safe sender signs and saves before it broadcasts: [`crate::raw`].
//!
//! Every [`EthChain`] implements all three, below, so each call is written once:
//! [`crate::RpcL1`] over JSON-RPC, and [`crate::InProcessL1`] on revm in this process (the
//! in-memory L1 for tests).

use crate::calldata;
use crate::chain::{EthChain, RollupAdmin};
use crate::error::L1Error;
use crate::events::L1Event;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::future::Future;
use tern_contracts::bindings::Rollup;
use tern_contracts::bindings::Rollup::StoredBlockInfo;
use tern_types::op::NftInfo;
use tern_types::{AccountId, Block, NftId, TokenId};

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

/// The contract's block counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollupProgress {
    /// `totalBlocksCommitted`: the number of the last committed block.
    pub committed: u64,
    /// `totalBlocksProven`.
    pub proven: u64,
    /// `totalBlocksExecuted`.
    pub executed: u64,
}

/// The contract's priority queue: requests `first_id .. first_id + open` are unexecuted, the
/// first `committed` of them are in committed blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriorityQueueState {
    /// `firstPriorityRequestId`: the serial id of the oldest unexecuted request.
    pub first_id: u64,
    /// `totalOpenPriorityRequests`: unexecuted requests.
    pub open: u64,
    /// `totalCommittedPriorityRequests`: unexecuted requests that committed blocks serve.
    pub committed: u64,
}

/// What anyone reads from the rollup (see the module docs).
pub trait L1Watch: Send + Sync {
    /// The L1 account that signs this client's transactions.
    fn sender(&self) -> Address;

    /// The rollup contract.
    fn rollup(&self) -> Address;

    /// The latest L1 block number.
    fn block_number(&self) -> impl Future<Output = L1Result<u64>> + Send;

    /// The rollup's events in L1 blocks `from_block ..= to_block`, in chain order.
    fn events(
        &self,
        from_block: u64,
        to_block: u64,
    ) -> impl Future<Output = L1Result<Vec<L1Event>>> + Send;

    /// `validators(who)`: whether `who` may commit and revert blocks.
    fn is_validator(&self, who: Address) -> impl Future<Output = L1Result<bool>> + Send;

    /// The committed, proven and executed block counters.
    fn rollup_progress(&self) -> impl Future<Output = L1Result<RollupProgress>> + Send;

    /// The priority queue's counters.
    fn priority_queue_state(&self) -> impl Future<Output = L1Result<PriorityQueueState>> + Send;

    /// `exodusMode()`.
    fn exodus_mode(&self) -> impl Future<Output = L1Result<bool>> + Send;
}

/// The validator's block lifecycle, from native blocks (see the module docs). Every
/// transaction waits until it is mined and fails with [`L1Error::Revert`] if the contract
/// refuses it.
pub trait L1Operator: L1Watch {
    /// `commitBlocks(lastCommitted, blocks)` (validators only). `last_committed` is
    /// [`crate::stored_block_info`] of the last committed block, or
    /// [`crate::genesis_stored_block_info`].
    fn commit_blocks(
        &self,
        last_committed: &StoredBlockInfo,
        blocks: &[Block],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `proveBlocks(blocks, proofs)`: committed blocks, one proof per block, in order.
    fn prove_blocks(
        &self,
        blocks: &[Block],
        proofs: &[[U256; 8]],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `executeBlocks(blocks)`: proven blocks, in order.
    fn execute_blocks(&self, blocks: &[Block]) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `commitProveExecute(lastCommitted, block, proof, pendingOnchainOps)`: one block
    /// committed, proven and executed in one transaction, when every committed block is
    /// already executed (validators only).
    fn commit_prove_execute(
        &self,
        last_committed: &StoredBlockInfo,
        block: &Block,
        proof: &[U256; 8],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;

    /// `revertBlocks(blocks)`: committed, unproven blocks, newest first (validators only).
    fn revert_blocks(&self, blocks: &[Block]) -> impl Future<Output = L1Result<TxOutcome>> + Send;
}

/// What users do with the rollup (see the module docs). Every transaction waits until it is
/// mined and fails with [`L1Error::Revert`] if the contract refuses it.
pub trait L1User: L1Watch {
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
    /// `withdrawPendingBalance(owner, token, amount)`: pays `owner` on L1.
    fn withdraw_pending_balance(
        &self,
        owner: Address,
        token: TokenId,
        amount: u128,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;
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
    /// default). Anyone may call it; the token always goes to the owner.
    fn withdraw_pending_nft(
        &self,
        nft_id: NftId,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;
    /// fails cannot keep the NFT).
    fn withdraw_pending_nft_default(
        &self,
        nft_id: NftId,
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;
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
    /// packed data ([`crate::events::PriorityRequest::data`]), in queue order.
    fn cancel_outstanding_deposits(
        &self,
        requests: &[Bytes],
    ) -> impl Future<Output = L1Result<TxOutcome>> + Send;
}

impl<T: EthChain> L1Watch for T {
    fn sender(&self) -> Address {
        self.signer_address()
    }

    fn rollup(&self) -> Address {
        self.rollup_address()
    }

    async fn block_number(&self) -> L1Result<u64> {
        self.latest_block_number().await
    }

    async fn events(&self, from_block: u64, to_block: u64) -> L1Result<Vec<L1Event>> {
        self.rollup_events(from_block, to_block).await
    }

    async fn is_validator(&self, who: Address) -> L1Result<bool> {
        self.rollup_view(&Rollup::validatorsCall(who)).await
    }

    async fn rollup_progress(&self) -> L1Result<RollupProgress> {
        Ok(RollupProgress {
            committed: self.rollup_view(&Rollup::totalBlocksCommittedCall {}).await?,
            proven: self.rollup_view(&Rollup::totalBlocksProvenCall {}).await?,
            executed: self.rollup_view(&Rollup::totalBlocksExecutedCall {}).await?,
        })
    }

    async fn priority_queue_state(&self) -> L1Result<PriorityQueueState> {
        Ok(PriorityQueueState {
            first_id: self.rollup_view(&Rollup::firstPriorityRequestIdCall {}).await?,
            open: self.rollup_view(&Rollup::totalOpenPriorityRequestsCall {}).await?,
            committed: self.rollup_view(&Rollup::totalCommittedPriorityRequestsCall {}).await?,
        })
    }

    async fn exodus_mode(&self) -> L1Result<bool> {
        self.rollup_view(&Rollup::exodusModeCall {}).await
    }
}

impl<T: EthChain> L1Operator for T {
    async fn commit_blocks(
        &self,
        last_committed: &StoredBlockInfo,
        blocks: &[Block],
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&calldata::commit_blocks_call(last_committed, blocks)?).await
    }

    async fn prove_blocks(&self, blocks: &[Block], proofs: &[[U256; 8]]) -> L1Result<TxOutcome> {
        self.rollup_call(&calldata::prove_blocks_call(blocks, proofs)?).await
    }

    async fn execute_blocks(&self, blocks: &[Block]) -> L1Result<TxOutcome> {
        self.rollup_call(&calldata::execute_blocks_call(blocks)?).await
    }

    async fn commit_prove_execute(
        &self,
        last_committed: &StoredBlockInfo,
        block: &Block,
        proof: &[U256; 8],
    ) -> L1Result<TxOutcome> {
        self.rollup_call(&calldata::commit_prove_execute_call(last_committed, block, proof)?).await
    }

    async fn revert_blocks(&self, blocks: &[Block]) -> L1Result<TxOutcome> {
        self.rollup_call(&calldata::revert_blocks_call(blocks)?).await
    }
}

impl<T: EthChain> L1User for T {
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
