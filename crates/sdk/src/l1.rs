//! The wallet's L1 side: deposits (ETH, or an ERC-20 after approving the rollup), full exits
//! and claims of pending balances, through `tern-l1`'s [`L1User`] over any Ethereum JSON-RPC
//! endpoint. None of these needs the Tern node, so a user can leave while it is down or
//! censoring.

use crate::error::SdkError;
use crate::tokens::Token;
use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use tern_l1::{L1EventKind, L1User, L1Watch, RollupAdmin, RpcL1, TxOutcome};
use tern_types::{AccountId, TokenId};

/// A mined L1 transaction of the wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Receipt {
    /// Its hash.
    pub tx_hash: Option<B256>,
    /// The L1 block that holds it.
    pub block_number: u64,
    /// The serial id of the priority request it queued (deposits and full exits): what
    /// `ethop_info` takes.
    pub serial_id: Option<u64>,
}

impl From<&TxOutcome> for L1Receipt {
    fn from(o: &TxOutcome) -> Self {
        let serial_id = o.events.iter().find_map(|e| match &e.kind {
            L1EventKind::PriorityRequest(r) => Some(r.serial_id),
            _ => None,
        });
        Self { tx_hash: o.tx_hash, block_number: o.block_number, serial_id }
    }
}

/// The wallet's L1 client: its Ethereum key, over `url`, for the rollup at `contract`.
#[derive(Debug, Clone)]
pub struct L1Wallet {
    l1: RpcL1,
}

impl L1Wallet {
    /// Connects to the Ethereum JSON-RPC endpoint `url`.
    pub async fn connect(
        url: &str,
        signer: PrivateKeySigner,
        contract: Address,
    ) -> Result<Self, SdkError> {
        Ok(Self { l1: RpcL1::connect(url, signer, contract).await? })
    }

    /// The underlying client, for calls the wallet does not wrap.
    pub fn client(&self) -> &RpcL1 {
        &self.l1
    }

    /// Deposits `amount` base units of `token` to `to`'s L2 account (created if new). An
    /// ERC-20 is approved for exactly `amount` first.
    pub async fn deposit(
        &self,
        token: &Token,
        amount: u128,
        to: Address,
    ) -> Result<L1Receipt, SdkError> {
        if amount == 0 {
            return Err(SdkError::ZeroAmount);
        }
        let outcome = if token.is_eth() {
            self.l1.deposit_eth(to, amount).await?
        } else {
            let rollup = tern_l1::EthChain::rollup_address(&self.l1);
            self.l1.erc20_approve(token.address, rollup, U256::from(amount)).await?;
            self.l1.deposit_erc20(token.address, amount, to).await?
        };
        Ok(L1Receipt::from(&outcome))
    }

    /// Requests a full exit of `token` from `account_id` (which must be the wallet's own:
    /// the contract pays the account's L1 owner).
    pub async fn full_exit(
        &self,
        account_id: AccountId,
        token: TokenId,
    ) -> Result<L1Receipt, SdkError> {
        Ok(L1Receipt::from(&self.l1.request_full_exit(account_id, token).await?))
    }

    /// `setAuthPubkeyHash(pubkey_hash, nonce)`: authorises, for the signer's ChangePubKey at
    /// `nonce`, the L2 key `pubkey_hash` without a signature in the block.
    pub async fn authorize_pubkey_hash(
        &self,
        pubkey_hash: tern_primitives::eddsa::PubKeyHash,
        nonce: tern_types::Nonce,
    ) -> Result<L1Receipt, SdkError> {
        Ok(L1Receipt::from(&self.l1.set_auth_pubkey_hash(pubkey_hash.0, nonce).await?))
    }

    /// What `owner` can claim of `token` on L1 (executed withdrawals and exits).
    pub async fn pending_balance(&self, owner: Address, token: TokenId) -> Result<u128, SdkError> {
        Ok(self.l1.pending_balance(owner, token).await?)
    }

    /// Claims the wallet's whole pending balance of `token`; returns the receipt and the
    /// amount paid out.
    pub async fn claim(&self, token: TokenId) -> Result<(L1Receipt, u128), SdkError> {
        let owner = L1Watch::sender(&self.l1);
        let amount = self.pending_balance(owner, token).await?;
        if amount == 0 {
            return Err(SdkError::NothingToClaim { owner, token });
        }
        let outcome = self.l1.withdraw_pending_balance(owner, token, amount).await?;
        Ok((L1Receipt::from(&outcome), amount))
    }

    /// The wallet's L1 balance of `token` in base units (ETH, or the ERC-20's `balanceOf`).
    pub async fn balance(&self, token: &Token) -> Result<u128, SdkError> {
        let owner = L1Watch::sender(&self.l1);
        let raw = if token.is_eth() {
            tern_l1::EthChain::eth_balance(&self.l1, owner).await?
        } else {
            self.l1.erc20_balance(token.address, owner).await?
        };
        u128::try_from(raw).map_err(|_| SdkError::Node(format!("L1 balance {raw} exceeds u128")))
    }
}
