//! Replaying a block from its pubdata alone: how a state is rebuilt from L1 (`tern restore`).
//!
//! Pubdata records every operation's effects but no signatures, so the replay checks no
//! signature and no authorisation: L1 accepted the block only with a proof that every rule
//! held. It repeats the effects with the state's raw writes, in the order the circuit applies
//! them (`docs/spec/circuit.md`), and credits the block's fees at the end, as sealing does.
//! What it cannot trust is that the bytes are what L1 accepted: the caller compares the root
//! afterwards with the root the contract stored, and a replay that would break an invariant
//! (a balance below zero, an account id out of sequence) is an error, never a panic. On any
//! error the state is left exactly as it was.

use crate::account::Nft;
use crate::error::TxError;
use crate::execute::Fees;
use crate::state::State;
use tern_primitives::Address;
use tern_types::op::{MintNftOp, NftInfo, Op};
use tern_types::{AccountId, NftId, TokenId};

/// Why a block's operations cannot be replayed on a state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// Operation `index` contradicts the state it is replayed on.
    #[error("operation {index} ({name}) cannot be replayed: {reason}")]
    Inconsistent {
        /// Its position in the block.
        index: usize,
        /// The operation's name.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The block's fees could not be credited.
    #[error("the block's fees cannot be credited to account {account}: {source}")]
    Fees {
        /// The fee account.
        account: u32,
        /// The failure.
        source: TxError,
    },
}

/// Replays `ops` (a block's operations, in order) on `state` and credits the collected fees
/// to `fee_account`. On an error, nothing changed.
pub fn replay_block(
    state: &mut State,
    fee_account: AccountId,
    ops: &[Op],
) -> Result<(), ReplayError> {
    let checkpoint = state.checkpoint();
    let result = replay_all(state, fee_account, ops);
    match result {
        Ok(()) => state.commit(),
        Err(_) => state.rollback(checkpoint),
    }
    result
}

fn replay_all(state: &mut State, fee_account: AccountId, ops: &[Op]) -> Result<(), ReplayError> {
    let mut fees = Fees::default();
    for (index, op) in ops.iter().enumerate() {
        let mut r = Replay { state, fees: &mut fees };
        r.op(op).map_err(|e| ReplayError::Inconsistent {
            index,
            name: op.name(),
            reason: e.to_string(),
        })?;
    }
    state
        .credit_fees(fee_account, &fees)
        .map_err(|source| ReplayError::Fees { account: fee_account.0, source })
}

/// What is wrong with one operation.
#[derive(Debug, thiserror::Error)]
enum Fault {
    #[error(transparent)]
    Tx(#[from] TxError),
    #[error("{0}")]
    Wrong(&'static str),
}

struct Replay<'a> {
    state: &'a mut State,
    fees: &'a mut Fees,
}

impl Replay<'_> {
    fn op(&mut self, op: &Op) -> Result<(), Fault> {
        match op {
            Op::Noop => {}
            Op::Deposit(d) => {
                self.account_or_create(d.account_id, d.address)?;
                self.add(d.account_id, d.token, d.amount)?;
            }
            Op::FullExit(f) => self.sub(f.account_id, f.token, f.amount)?,
            Op::Transfer(t) => {
                self.exists(t.to)?;
                self.sender(t.from, t.token, t.amount, t.fee)?;
                self.add(t.to, t.token, t.amount)?;
            }
            Op::TransferToNew(n) => {
                let t = &n.transfer;
                self.sender(t.from, t.token, t.amount, t.fee)?;
                self.create_at(t.to, n.to_address)?;
                self.add(t.to, t.token, t.amount)?;
            }
            Op::Withdraw(w) => self.sender(w.account_id, w.token, w.amount, w.fee)?,
            Op::ChangePubKey(c) => {
                self.charge(c.account_id, c.fee_token, c.fee)?;
                self.state.update_meta(c.account_id, |a| {
                    a.pubkey_hash = c.pubkey_hash;
                    a.nonce = a.nonce.wrapping_add(1);
                })?;
            }
            Op::ForcedExit(f) => {
                self.exists(f.target)?;
                self.sender(f.initiator, f.token, 0, f.fee)?;
                self.sub(f.target, f.token, f.amount)?;
            }
            Op::Swap(w) => {
                for i in 0..2 {
                    let me = w.accounts[i];
                    self.sub(me, w.tokens[i], w.amounts[i])?;
                    if w.nonce_mask >> i & 1 == 1 {
                        self.bump_nonce(me, false)?;
                    }
                    self.add(me, w.tokens[1 - i], w.amounts[1 - i])?;
                }
                self.sender(w.submitter, w.fee_token, 0, w.fee)?;
            }
            Op::MintNft(m) => self.mint(m)?,
            Op::TransferNft(t) => {
                self.exists(t.to)?;
                self.charge(t.from, t.fee_token, t.fee)?;
                self.bump_nonce(t.from, false)?;
                let nft = self.state.nft(t.nft_id).cloned();
                let mut nft = nft.ok_or(TxError::NftNotFound(t.nft_id))?;
                nft.owner = t.to;
                self.state.put_nft(t.nft_id, Some(nft));
            }
            Op::WithdrawNft(w) => {
                self.charge(w.account_id, w.fee_token, w.fee)?;
                self.bump_nonce(w.account_id, false)?;
                self.take_nft(w.nft_id)?;
            }
            Op::FullExitNft(f) => {
                if f.success {
                    self.take_nft(f.nft_id)?;
                }
            }
        }
        Ok(())
    }

    fn exists(&self, id: AccountId) -> Result<(), TxError> {
        self.state.account(id).map(|_| ()).ok_or(TxError::AccountNotFound(id))
    }

    /// A deposit's account: the existing one, or a new one that must get exactly `id`.
    fn account_or_create(&mut self, id: AccountId, address: Address) -> Result<(), Fault> {
        match self.state.account(id) {
            Some(a) if a.address == address => Ok(()),
            Some(_) => Err(Fault::Wrong("the account belongs to another address")),
            None => self.create_at(id, address),
        }
    }

    /// A new account, which must get exactly `id` (accounts are created in sequence).
    fn create_at(&mut self, id: AccountId, address: Address) -> Result<(), Fault> {
        if self.state.next_account_id() != id.0 {
            return Err(Fault::Wrong("a new account's id is not the next free id"));
        }
        self.state.create_account(address)?;
        Ok(())
    }

    fn add(&mut self, id: AccountId, token: TokenId, amount: u128) -> Result<(), TxError> {
        self.exists(id)?;
        self.state.credit(id, token, amount, 0)
    }

    fn sub(&mut self, id: AccountId, token: TokenId, amount: u128) -> Result<(), TxError> {
        self.exists(id)?;
        self.state.debit(id, token, amount)
    }

    fn bump_nonce(&mut self, id: AccountId, minted: bool) -> Result<(), TxError> {
        self.state.update_meta(id, |a| {
            a.nonce = a.nonce.wrapping_add(1);
            if minted {
                a.nfts_minted = a.nfts_minted.wrapping_add(1);
            }
        })
    }

    /// A fee: debited from the payer and collected for the block's fee account.
    fn charge(&mut self, id: AccountId, token: TokenId, fee: u128) -> Result<(), TxError> {
        self.sub(id, token, fee)?;
        self.fees.add(token, fee)
    }

    /// The signer of a transfer-like operation: debit `amount + fee`, nonce + 1.
    fn sender(
        &mut self,
        id: AccountId,
        token: TokenId,
        amount: u128,
        fee: u128,
    ) -> Result<(), TxError> {
        self.sub(id, token, amount)?;
        self.charge(id, token, fee)?;
        self.bump_nonce(id, false)
    }

    /// A mint: the creator pays and counts one more NFT; the NFT gets the next id and the
    /// creator's serial before the mint.
    fn mint(&mut self, m: &MintNftOp) -> Result<(), Fault> {
        self.exists(m.recipient)?;
        let creator = self.state.account(m.creator).cloned();
        let creator = creator.ok_or(TxError::AccountNotFound(m.creator))?;
        if self.state.next_nft_id() != m.nft_id.0 {
            return Err(Fault::Wrong("a minted NFT's id is not the next free id"));
        }
        self.charge(m.creator, m.fee_token, m.fee)?;
        self.bump_nonce(m.creator, true)?;
        let info = NftInfo {
            creator_id: m.creator,
            creator_address: creator.address,
            serial: creator.nfts_minted,
            content_hash: m.content_hash,
        };
        self.state.put_nft(m.nft_id, Some(Nft { owner: m.recipient, info }));
        self.state.allocate_nft_id()?;
        Ok(())
    }

    fn take_nft(&mut self, id: NftId) -> Result<(), TxError> {
        self.state.nft(id).ok_or(TxError::NftNotFound(id))?;
        self.state.put_nft(id, None);
        Ok(())
    }
}
