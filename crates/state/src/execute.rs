//! The state transition of every operation (`docs/spec/operations.md`).
//!
//! Each function checks its rules and writes through the journaled mutations of [`State`];
//! [`State::apply_tx`] and [`State::apply_priority`] roll back on any error, so a rejected
//! operation leaves the state bit-identical.

use crate::account::Nft;
use crate::error::TxError;
use crate::state::State;
use std::collections::BTreeMap;
use tern_primitives::eddsa::{PubKeyHash, PublicKey};
use tern_primitives::{eth, Address};
use tern_types::op::*;
use tern_types::params::{MAX_FEE_TOKENS_PER_BLOCK, RATIO_BITS};
use tern_types::tx::*;
use tern_types::{AccountId, EncodeError, NftId, Nonce, SignedTx, TimeRange, TokenId};

/// The chain a state belongs to: ChangePubKey authorisations name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainConfig {
    /// Ethereum chain id.
    pub chain_id: u64,
    /// The rollup contract's address.
    pub contract: Address,
}

/// ChangePubKey authorisations that addresses recorded on L1 (`setAuthPubkeyHash`).
pub trait AuthFacts {
    /// Whether `address` authorised `pubkey_hash` at `nonce` on-chain.
    fn is_authorized(&self, address: &Address, pubkey_hash: &PubKeyHash, nonce: Nonce) -> bool;
}

/// No on-chain facts: on-chain ChangePubKey authorisations are all refused.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFacts;

impl AuthFacts for NoFacts {
    fn is_authorized(&self, _: &Address, _: &PubKeyHash, _: Nonce) -> bool {
        false
    }
}

impl AuthFacts for std::collections::BTreeSet<(Address, PubKeyHash, Nonce)> {
    fn is_authorized(&self, address: &Address, pubkey_hash: &PubKeyHash, nonce: Nonce) -> bool {
        self.contains(&(*address, *pubkey_hash, nonce))
    }
}

/// What a block's transactions execute against.
pub struct BlockContext<'a> {
    /// Chain.
    pub chain: ChainConfig,
    /// Block timestamp.
    pub timestamp: u64,
    /// Account that collects the fees.
    pub fee_account: AccountId,
    /// On-chain ChangePubKey authorisations.
    pub facts: &'a dyn AuthFacts,
}

/// Fees collected so far in a block, credited to the fee account when it is sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fees(BTreeMap<TokenId, u128>);

impl Fees {
    /// Fees pending in `token`.
    pub fn get(&self, token: TokenId) -> u128 {
        self.0.get(&token).copied().unwrap_or(0)
    }

    /// Pending fees by token.
    pub fn iter(&self) -> impl Iterator<Item = (&TokenId, &u128)> {
        self.0.iter()
    }

    pub(crate) fn add(&mut self, token: TokenId, fee: u128) -> Result<(), TxError> {
        if fee == 0 {
            return Ok(());
        }
        if !self.0.contains_key(&token) && self.0.len() >= MAX_FEE_TOKENS_PER_BLOCK {
            return Err(TxError::FeeTokenLimit);
        }
        let sum = self
            .get(token)
            .checked_add(fee)
            .ok_or(TxError::AmountOverflow { amount: self.get(token), fee })?;
        self.0.insert(token, sum);
        Ok(())
    }
}

/// An L1 request from the priority queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriorityOp {
    /// `depositETH` / `depositERC20`.
    Deposit {
        /// Token.
        token: TokenId,
        /// Amount.
        amount: u128,
        /// Owner of the credited account.
        to: Address,
    },
    /// `requestFullExit` for a token.
    FullExit {
        /// Account named by the requester.
        account_id: AccountId,
        /// Requester (msg.sender).
        owner: Address,
        /// Token.
        token: TokenId,
    },
    /// `requestFullExit` for an NFT.
    FullExitNft {
        /// Account named by the requester.
        account_id: AccountId,
        /// Requester.
        owner: Address,
        /// NFT.
        nft_id: NftId,
    },
}

/// Signers a transaction's signatures were checked against, computed once (in parallel) before
/// sequential execution: the key hash of each signature, or the reason it is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSigners {
    /// The transaction's own signer.
    pub signer: PubKeyHash,
    /// For a swap, the two orders' signers.
    pub orders: Option<[PubKeyHash; 2]>,
}

/// Checks every signature of `tx` (stateless), returning the signers' key hashes.
pub fn verify_signatures(tx: &SignedTx) -> Result<VerifiedSigners, TxError> {
    verify_with(tx, &|pk: &PublicKey| pk.hash())
}

/// The public keys that signed `tx`: its signer, and a swap's two order signers.
pub fn signing_keys(tx: &SignedTx) -> Vec<PublicKey> {
    match tx {
        SignedTx::Transfer(s) => vec![s.signature.pub_key],
        SignedTx::Withdraw(s) => vec![s.signature.pub_key],
        SignedTx::ChangePubKey(s) => vec![s.signature.pub_key],
        SignedTx::ForcedExit(s) => vec![s.signature.pub_key],
        SignedTx::Swap(s) => vec![
            s.signature.pub_key,
            s.tx.orders[0].signature.pub_key,
            s.tx.orders[1].signature.pub_key,
        ],
        SignedTx::MintNft(s) => vec![s.signature.pub_key],
        SignedTx::TransferNft(s) => vec![s.signature.pub_key],
        SignedTx::WithdrawNft(s) => vec![s.signature.pub_key],
    }
}

fn verify_with(
    tx: &SignedTx,
    hash_of: &(dyn Fn(&PublicKey) -> PubKeyHash + Sync),
) -> Result<VerifiedSigners, TxError> {
    let one = |s: &dyn SignedView, what: &'static str| -> Result<PubKeyHash, TxError> {
        let message = s.message()?;
        if !s.signature().verify(message) {
            return Err(TxError::BadSignature { what });
        }
        Ok(hash_of(&s.signature().pub_key))
    };
    let signer = match tx {
        SignedTx::Transfer(s) => one(s, "Transfer")?,
        SignedTx::Withdraw(s) => one(s, "Withdraw")?,
        SignedTx::ChangePubKey(s) => one(s, "ChangePubKey")?,
        SignedTx::ForcedExit(s) => one(s, "ForcedExit")?,
        SignedTx::Swap(s) => {
            let orders = [one(&s.tx.orders[0], "order 0")?, one(&s.tx.orders[1], "order 1")?];
            return Ok(VerifiedSigners { signer: one(s.as_ref(), "Swap")?, orders: Some(orders) });
        }
        SignedTx::MintNft(s) => one(s, "MintNFT")?,
        SignedTx::TransferNft(s) => one(s, "TransferNFT")?,
        SignedTx::WithdrawNft(s) => one(s, "WithdrawNFT")?,
    };
    Ok(VerifiedSigners { signer, orders: None })
}

/// A signed body seen through its message and signature, so one closure checks every type.
trait SignedView {
    fn message(&self) -> Result<tern_primitives::Fr, EncodeError>;
    fn signature(&self) -> &TxSignature;
}

impl<T: TxBody> SignedView for Signed<T> {
    fn message(&self) -> Result<tern_primitives::Fr, EncodeError> {
        self.tx.message()
    }
    fn signature(&self) -> &TxSignature {
        &self.signature
    }
}

impl State {
    /// [`verify_signatures`], with key hashes looked up in the state's memo of keys that
    /// signed applied transactions before (a key's hash is a Poseidon per transaction
    /// otherwise).
    pub fn verify_signatures(&self, tx: &SignedTx) -> Result<VerifiedSigners, TxError> {
        verify_with(tx, &|pk: &PublicKey| self.key_hash(pk))
    }
}

fn check_time(range: TimeRange, timestamp: u64) -> Result<(), TxError> {
    if timestamp < range.valid_from {
        return Err(TxError::NotYetValid { valid_from: range.valid_from, timestamp });
    }
    if timestamp > range.valid_until {
        return Err(TxError::Expired { valid_until: range.valid_until, timestamp });
    }
    Ok(())
}

impl State {
    fn check_token(&self, token: TokenId) -> Result<(), TxError> {
        if token.is_valid() && self.is_listed(token) {
            Ok(())
        } else {
            Err(TxError::UnknownToken(token))
        }
    }

    /// The rules every signed transaction shares: time range, account, key, signer, nonce.
    fn check_signer(
        &self,
        account_id: AccountId,
        nonce: Nonce,
        range: TimeRange,
        signer: &PubKeyHash,
        timestamp: u64,
    ) -> Result<(), TxError> {
        check_time(range, timestamp)?;
        let account = self.account(account_id).ok_or(TxError::AccountNotFound(account_id))?;
        if !account.has_key() {
            return Err(TxError::NoPubKey(account_id));
        }
        if account.pubkey_hash != *signer {
            return Err(TxError::WrongSigner {
                account: account_id,
                expected: account.pubkey_hash,
                got: *signer,
            });
        }
        if account.nonce != nonce {
            return Err(TxError::NonceMismatch {
                account: account_id,
                expected: account.nonce,
                got: nonce,
            });
        }
        Ok(())
    }

    /// Advances the nonce; it never wraps, so no old signature can become valid again.
    fn bump_nonce(&mut self, id: AccountId) -> Result<(), TxError> {
        let next = self.next_nonce(id)?;
        self.update_meta(id, |a| a.nonce = next)
    }

    fn next_nonce(&self, id: AccountId) -> Result<Nonce, TxError> {
        let account = self.account(id).ok_or(TxError::AccountNotFound(id))?;
        account.nonce.checked_add(1).ok_or(TxError::NonceExhausted(id))
    }

    fn charge_fee(
        &mut self,
        id: AccountId,
        token: TokenId,
        fee: u128,
        fees: &mut Fees,
    ) -> Result<(), TxError> {
        self.debit(id, token, fee)?;
        fees.add(token, fee)
    }

    /// Debits `amount + fee` in one token and queues the fee: Transfer and Withdraw.
    fn pay(
        &mut self,
        id: AccountId,
        token: TokenId,
        amount: u128,
        fee: u128,
        fees: &mut Fees,
    ) -> Result<(), TxError> {
        let total = amount.checked_add(fee).ok_or(TxError::AmountOverflow { amount, fee })?;
        self.debit(id, token, total)?;
        fees.add(token, fee)
    }

    fn credit_for(
        &mut self,
        ctx: &BlockContext<'_>,
        fees: &Fees,
        id: AccountId,
        token: TokenId,
        amount: u128,
    ) -> Result<(), TxError> {
        let reserved = if id == ctx.fee_account { fees.get(token) } else { 0 };
        self.credit(id, token, amount, reserved)
    }

    fn account_by_address(&self, address: &Address) -> Result<AccountId, TxError> {
        self.account_id_by_address(address).ok_or(TxError::AddressNotFound(*address))
    }

    /// Applies a signed transaction whose signatures `signers` were checked by
    /// [`verify_signatures`]. On error nothing changes (state and `fees`).
    pub fn apply_tx(
        &mut self,
        tx: &SignedTx,
        signers: &VerifiedSigners,
        ctx: &BlockContext<'_>,
        fees: &mut Fees,
    ) -> Result<Op, TxError> {
        let cp = self.checkpoint();
        let saved = fees.clone();
        let result = self
            .apply_tx_inner(tx, signers, ctx, fees)
            .and_then(|op| self.check_fee_room(ctx.fee_account, &saved, fees).map(|()| op));
        if result.is_err() {
            self.rollback(cp);
            *fees = saved;
        }
        result
    }

    /// The fee account must be able to take every pending fee when the block is sealed;
    /// otherwise a fee would make [`State::credit_fees`] fail and with it the whole block.
    fn check_fee_room(
        &self,
        fee_account: AccountId,
        before: &Fees,
        after: &Fees,
    ) -> Result<(), TxError> {
        for (token, total) in after.iter() {
            if self.balance(fee_account, *token).checked_add(*total).is_none() {
                let amount = total.saturating_sub(before.get(*token));
                let token = *token;
                return Err(TxError::BalanceOverflow { account: fee_account, token, amount });
            }
        }
        Ok(())
    }

    fn apply_tx_inner(
        &mut self,
        tx: &SignedTx,
        signers: &VerifiedSigners,
        ctx: &BlockContext<'_>,
        fees: &mut Fees,
    ) -> Result<Op, TxError> {
        let ts = ctx.timestamp;
        match tx {
            SignedTx::Transfer(Signed { tx: t, .. }) => {
                self.check_token(t.token)?;
                pack_amount(t.amount)?;
                pack_fee(t.fee)?;
                if t.to == Address::ZERO {
                    return Err(TxError::ZeroAddress);
                }
                self.check_signer(t.account_id, t.nonce, t.time_range, &signers.signer, ts)?;
                self.pay(t.account_id, t.token, t.amount, t.fee, fees)?;
                self.bump_nonce(t.account_id)?;
                let (to, created) = match self.account_id_by_address(&t.to) {
                    Some(id) => (id, false),
                    None => (self.create_account(t.to)?, true),
                };
                self.credit_for(ctx, fees, to, t.token, t.amount)?;
                let transfer = TransferOp {
                    from: t.account_id,
                    to,
                    token: t.token,
                    amount: t.amount,
                    fee: t.fee,
                };
                Ok(if created {
                    Op::TransferToNew(TransferToNewOp { transfer, to_address: t.to })
                } else {
                    Op::Transfer(transfer)
                })
            }
            SignedTx::Withdraw(Signed { tx: t, .. }) => {
                self.check_token(t.token)?;
                pack_fee(t.fee)?;
                if t.to == Address::ZERO {
                    return Err(TxError::ZeroAddress);
                }
                self.check_signer(t.account_id, t.nonce, t.time_range, &signers.signer, ts)?;
                self.pay(t.account_id, t.token, t.amount, t.fee, fees)?;
                self.bump_nonce(t.account_id)?;
                Ok(Op::Withdraw(WithdrawOp {
                    account_id: t.account_id,
                    token: t.token,
                    amount: t.amount,
                    fee: t.fee,
                    to: t.to,
                }))
            }
            SignedTx::ChangePubKey(Signed { tx: t, .. }) => {
                self.check_token(t.fee_token)?;
                pack_fee(t.fee)?;
                check_time(t.time_range, ts)?;
                let account =
                    self.account(t.account_id).ok_or(TxError::AccountNotFound(t.account_id))?;
                let address = account.address;
                if account.nonce != t.nonce {
                    return Err(TxError::NonceMismatch {
                        account: t.account_id,
                        expected: account.nonce,
                        got: t.nonce,
                    });
                }
                // The new key signs, proving the account owner holds it.
                if signers.signer != t.new_pubkey_hash {
                    return Err(TxError::WrongSigner {
                        account: t.account_id,
                        expected: t.new_pubkey_hash,
                        got: signers.signer,
                    });
                }
                self.check_eth_auth(t, address, ctx)?;
                self.charge_fee(t.account_id, t.fee_token, t.fee, fees)?;
                let pkh = t.new_pubkey_hash;
                let next = self.next_nonce(t.account_id)?;
                self.update_meta(t.account_id, |a| {
                    a.pubkey_hash = pkh;
                    a.nonce = next;
                })?;
                Ok(Op::ChangePubKey(ChangePubKeyOp {
                    account_id: t.account_id,
                    pubkey_hash: pkh,
                    address,
                    nonce: t.nonce,
                    fee_token: t.fee_token,
                    fee: t.fee,
                }))
            }
            SignedTx::ForcedExit(Signed { tx: t, .. }) => {
                self.check_token(t.token)?;
                pack_fee(t.fee)?;
                self.check_signer(t.account_id, t.nonce, t.time_range, &signers.signer, ts)?;
                let target = self.account_by_address(&t.target)?;
                let target_account =
                    self.account(target).ok_or(TxError::AccountNotFound(target))?;
                if target_account.has_key() {
                    return Err(TxError::TargetHasKey(target));
                }
                let amount = target_account.balance(t.token);
                if amount == 0 {
                    return Err(TxError::Invalid(
                        "nothing to force-exit: the target holds none of this token",
                    ));
                }
                self.charge_fee(t.account_id, t.token, t.fee, fees)?;
                self.bump_nonce(t.account_id)?;
                self.debit(target, t.token, amount)?;
                Ok(Op::ForcedExit(ForcedExitOp {
                    initiator: t.account_id,
                    target,
                    token: t.token,
                    amount,
                    fee: t.fee,
                    target_address: t.target,
                }))
            }
            SignedTx::Swap(s) => self.apply_swap(&s.tx, signers, ctx, fees),
            SignedTx::MintNft(Signed { tx: t, .. }) => {
                self.check_token(t.fee_token)?;
                pack_fee(t.fee)?;
                self.check_signer(t.account_id, t.nonce, t.time_range, &signers.signer, ts)?;
                let recipient = self.account_by_address(&t.recipient)?;
                let creator =
                    self.account(t.account_id).ok_or(TxError::AccountNotFound(t.account_id))?;
                let (creator_address, serial) = (creator.address, creator.nfts_minted);
                let next_serial = serial
                    .checked_add(1)
                    .ok_or(TxError::Invalid("the creator has minted the maximum number of NFTs"))?;
                self.charge_fee(t.account_id, t.fee_token, t.fee, fees)?;
                let next = self.next_nonce(t.account_id)?;
                self.update_meta(t.account_id, |a| {
                    a.nonce = next;
                    a.nfts_minted = next_serial;
                })?;
                let nft_id = self.allocate_nft_id()?;
                let info = NftInfo {
                    creator_id: t.account_id,
                    creator_address,
                    serial,
                    content_hash: t.content_hash,
                };
                self.put_nft(nft_id, Some(Nft { owner: recipient, info }));
                Ok(Op::MintNft(MintNftOp {
                    creator: t.account_id,
                    recipient,
                    nft_id,
                    content_hash: t.content_hash,
                    fee_token: t.fee_token,
                    fee: t.fee,
                }))
            }
            SignedTx::TransferNft(Signed { tx: t, .. }) => {
                self.check_token(t.fee_token)?;
                pack_fee(t.fee)?;
                self.check_signer(t.account_id, t.nonce, t.time_range, &signers.signer, ts)?;
                let mut nft = self.owned_nft(t.nft_id, t.account_id)?;
                let to = self.account_by_address(&t.to)?;
                self.charge_fee(t.account_id, t.fee_token, t.fee, fees)?;
                self.bump_nonce(t.account_id)?;
                nft.owner = to;
                self.put_nft(t.nft_id, Some(nft));
                Ok(Op::TransferNft(TransferNftOp {
                    from: t.account_id,
                    to,
                    nft_id: t.nft_id,
                    fee_token: t.fee_token,
                    fee: t.fee,
                }))
            }
            SignedTx::WithdrawNft(Signed { tx: t, .. }) => {
                self.check_token(t.fee_token)?;
                pack_fee(t.fee)?;
                if t.to == Address::ZERO {
                    return Err(TxError::ZeroAddress);
                }
                self.check_signer(t.account_id, t.nonce, t.time_range, &signers.signer, ts)?;
                let nft = self.owned_nft(t.nft_id, t.account_id)?;
                self.charge_fee(t.account_id, t.fee_token, t.fee, fees)?;
                self.bump_nonce(t.account_id)?;
                self.put_nft(t.nft_id, None);
                Ok(Op::WithdrawNft(WithdrawNftOp {
                    account_id: t.account_id,
                    nft_id: t.nft_id,
                    to: t.to,
                    fee_token: t.fee_token,
                    fee: t.fee,
                    info: nft.info,
                }))
            }
        }
    }

    fn owned_nft(&self, id: NftId, account: AccountId) -> Result<Nft, TxError> {
        let nft = self.nft(id).ok_or(TxError::NftNotFound(id))?;
        if nft.owner != account {
            return Err(TxError::NotNftOwner { nft: id, owner: nft.owner, account });
        }
        Ok(nft.clone())
    }

    fn check_eth_auth(
        &self,
        t: &ChangePubKey,
        address: Address,
        ctx: &BlockContext<'_>,
    ) -> Result<(), TxError> {
        let fail = |reason: String| TxError::EthAuth { account: t.account_id, address, reason };
        let recovered = match &t.auth {
            ChangePubKeyAuth::Onchain => {
                return if ctx.facts.is_authorized(&address, &t.new_pubkey_hash, t.nonce) {
                    Ok(())
                } else {
                    Err(fail("no on-chain authorisation recorded for this key and nonce".into()))
                };
            }
            ChangePubKeyAuth::Ecdsa(sig) => {
                let msg = eth::change_pubkey_eip191_message(
                    &t.new_pubkey_hash,
                    t.nonce,
                    t.account_id.0,
                    ctx.chain.chain_id,
                    ctx.chain.contract,
                );
                eth::recover_eip191(&msg, sig)
            }
            ChangePubKeyAuth::Eip712(sig) => eth::recover_eip712_change_pubkey(
                &t.new_pubkey_hash,
                t.nonce,
                t.account_id.0,
                ctx.chain.chain_id,
                ctx.chain.contract,
                sig,
            ),
        }
        .map_err(|e| fail(e.to_string()))?;
        if recovered != address {
            return Err(fail(format!("signature recovers to {recovered}")));
        }
        Ok(())
    }

    fn apply_swap(
        &mut self,
        s: &Swap,
        signers: &VerifiedSigners,
        ctx: &BlockContext<'_>,
        fees: &mut Fees,
    ) -> Result<Op, TxError> {
        let ts = ctx.timestamp;
        self.check_token(s.fee_token)?;
        pack_fee(s.fee)?;
        for a in s.amounts {
            pack_amount(a)?;
        }
        let order_signers = signers.orders.ok_or(TxError::BadSignature { what: "swap orders" })?;
        let [o0, o1] = [&s.orders[0].tx, &s.orders[1].tx];
        if o0.account_id == o1.account_id {
            return Err(TxError::Invalid("a swap needs two different order accounts"));
        }
        if o0.token_sell != o1.token_buy || o0.token_buy != o1.token_sell {
            return Err(TxError::Invalid("the orders' tokens do not match each other"));
        }
        if o0.token_sell == o0.token_buy {
            return Err(TxError::Invalid("an order must sell and buy different tokens"));
        }
        if s.amounts.contains(&0) {
            return Err(TxError::Invalid("a swap must move a non-zero amount each way"));
        }
        // Every nonce is checked against the state before the swap.
        self.check_signer(s.account_id, s.nonce, s.time_range, &signers.signer, ts)?;
        let mut nonce_mask = 0u8;
        for (i, (order, signer)) in [o0, o1].into_iter().zip(order_signers.iter()).enumerate() {
            let wrap = |e: TxError| TxError::Order { order: i, source: Box::new(e) };
            self.check_token(order.token_sell).map_err(wrap)?;
            self.check_token(order.token_buy).map_err(wrap)?;
            self.check_signer(order.account_id, order.nonce, order.time_range, signer, ts)
                .map_err(wrap)?;
            let (sold, bought) = (s.amounts[i], s.amounts[1 - i]);
            let (ratio_sell, ratio_buy) = order.ratio;
            if ratio_sell == 0 || ratio_buy == 0 {
                return Err(wrap(TxError::Invalid(
                    "an order's ratio must be non-zero on both sides",
                )));
            }
            if (ratio_sell | ratio_buy) >> RATIO_BITS != 0 {
                return Err(wrap(TxError::Invalid(
                    "an order's ratio must be below 2^120 on both sides",
                )));
            }
            if mul_wide(bought, ratio_sell) < mul_wide(sold, ratio_buy) {
                return Err(TxError::PriceNotMet { order: i, sold, bought, ratio_sell, ratio_buy });
            }
            if order.amount != 0 {
                if order.amount != sold {
                    return Err(TxError::OrderAmountMismatch {
                        order: i,
                        expected: order.amount,
                        got: sold,
                    });
                }
                // A submitter's own order rides on the swap's nonce: one transaction, one nonce.
                if order.account_id != s.account_id {
                    nonce_mask |= 1 << i;
                }
            }
        }
        let accounts = [o0.account_id, o1.account_id];
        let tokens = [o0.token_sell, o1.token_sell];
        for i in 0..2 {
            self.debit(accounts[i], tokens[i], s.amounts[i])?;
            self.credit_for(ctx, fees, accounts[1 - i], tokens[i], s.amounts[i])?;
        }
        self.charge_fee(s.account_id, s.fee_token, s.fee, fees)?;
        self.bump_nonce(s.account_id)?;
        for (i, id) in accounts.iter().enumerate() {
            if nonce_mask & (1 << i) != 0 {
                self.bump_nonce(*id)?;
            }
        }
        Ok(Op::Swap(SwapOp {
            submitter: s.account_id,
            accounts,
            tokens,
            amounts: s.amounts,
            fee_token: s.fee_token,
            fee: s.fee,
            nonce_mask,
        }))
    }

    /// Applies a priority operation. Deposits fail only on input L1 never sends (an unlisted
    /// token, the zero address, a balance past 2^128-1); exits never fail, they withdraw 0 when
    /// the requester does not own what it names. On error nothing changes.
    pub fn apply_priority(
        &mut self,
        op: &PriorityOp,
        ctx: &BlockContext<'_>,
        fees: &Fees,
    ) -> Result<Op, TxError> {
        let cp = self.checkpoint();
        let result = self.apply_priority_inner(op, ctx, fees);
        if result.is_err() {
            self.rollback(cp);
        }
        result
    }

    fn apply_priority_inner(
        &mut self,
        op: &PriorityOp,
        ctx: &BlockContext<'_>,
        fees: &Fees,
    ) -> Result<Op, TxError> {
        match *op {
            PriorityOp::Deposit { token, amount, to } => {
                self.check_token(token)?;
                let account_id = match self.account_id_by_address(&to) {
                    Some(id) => id,
                    None => self.create_account(to)?,
                };
                self.credit_for(ctx, fees, account_id, token, amount)?;
                Ok(Op::Deposit(DepositOp { account_id, token, amount, address: to }))
            }
            // L1 refuses requests outside the id spaces; if one arrives anyway it is a clear error
            // rather than an operation that cannot be encoded.
            PriorityOp::FullExit { account_id, .. }
            | PriorityOp::FullExitNft { account_id, .. }
                if !account_id.is_valid() =>
            {
                Err(TxError::AccountNotFound(account_id))
            }
            PriorityOp::FullExit { token, .. } if !token.is_valid() => {
                Err(TxError::UnknownToken(token))
            }
            PriorityOp::FullExitNft { nft_id, .. } if !nft_id.is_valid() => {
                Err(TxError::NftNotFound(nft_id))
            }
            PriorityOp::FullExit { account_id, owner, token } => {
                let owned = self.account(account_id).is_some_and(|a| a.address == owner);
                let amount = if owned { self.balance(account_id, token) } else { 0 };
                if amount > 0 {
                    self.debit(account_id, token, amount)?;
                }
                Ok(Op::FullExit(FullExitOp { account_id, owner, token, amount }))
            }
            PriorityOp::FullExitNft { account_id, owner, nft_id } => {
                let owned = self.account(account_id).is_some_and(|a| a.address == owner)
                    && self.nft(nft_id).is_some_and(|n| n.owner == account_id);
                let info = if owned {
                    let nft = self.owned_nft(nft_id, account_id)?;
                    self.put_nft(nft_id, None);
                    nft.info
                } else {
                    NftInfo::default()
                };
                Ok(Op::FullExitNft(FullExitNftOp {
                    account_id,
                    owner,
                    nft_id,
                    info,
                    success: owned,
                }))
            }
        }
    }

    /// Credits the block's collected fees to the fee account.
    pub fn credit_fees(&mut self, fee_account: AccountId, fees: &Fees) -> Result<(), TxError> {
        for (token, amount) in fees.iter() {
            self.credit(fee_account, *token, *amount, 0)?;
        }
        Ok(())
    }
}

/// `a·b` as a 256-bit number `(high, low)`, compared lexicographically.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & u128::from(u64::MAX));
    let (b1, b0) = (b >> 64, b & u128::from(u64::MAX));
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & u128::from(u64::MAX)) + (p10 & u128::from(u64::MAX));
    let low = (p00 & u128::from(u64::MAX)) | (mid << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (high, low)
}

#[cfg(test)]
mod tests {
    use super::mul_wide;

    #[test]
    fn wide_multiplication() {
        assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
        assert_eq!(mul_wide(1 << 64, 1 << 64), (1, 0));
        assert_eq!(mul_wide(3, 5), (0, 15));
    }
}
