//! The rollup contract's events as typed Rust values.
//!
//! [`decode_log`] turns one log of `Rollup.sol` into an [`L1EventKind`]; a
//! `NewPriorityRequest`'s packed `data` becomes the [`PriorityOp`] that the node feeds to
//! `tern_state::build_block` ([`decode_priority_data`], the inverse of the contract's
//! `abi.encodePacked` layouts in `docs/spec/contracts.md`). Both the JSON-RPC client and any
//! in-memory chain decode with these functions, so the node sees the same values from either.

use crate::error::L1Error;
use alloy_primitives::{Address, Bytes, Log, B256};
use alloy_sol_types::SolEvent;
use tern_contracts::bindings::Rollup as R;
use tern_state::PriorityOp;
use tern_types::{AccountId, NftId, TokenId};

/// Priority-request opcodes (the `opType` of `NewPriorityRequest`).
pub mod op_type {
    /// `depositETH` / `depositERC20`.
    pub const DEPOSIT: u8 = 1;
    /// `requestFullExit`.
    pub const FULL_EXIT: u8 = 5;
    /// `requestFullExitNFT`.
    pub const FULL_EXIT_NFT: u8 = 12;
}

/// A request that entered the priority queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityRequest {
    /// Its position in the queue (sequential from 0).
    pub serial_id: u64,
    /// Who sent it (`msg.sender`).
    pub sender: Address,
    /// The operation the next blocks must process, in queue order.
    pub op: PriorityOp,
    /// The L1 timestamp after which an unserved request allows exodus mode.
    pub expiration: u64,
    /// The packed request data, as `cancelOutstandingDepositsForExodusMode` takes it back.
    pub data: Bytes,
}

/// What an event of the rollup contract says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum L1EventKind {
    /// `NewPriorityRequest`: a deposit or a full-exit request.
    PriorityRequest(PriorityRequest),
    /// `BlockCommit`.
    BlockCommitted {
        /// The block number.
        number: u64,
        /// Its new state root (big-endian field element).
        state_root: B256,
        /// Its commitment (the proof's public input).
        commitment: B256,
    },
    /// `BlockProven`.
    BlockProven {
        /// The block number.
        number: u64,
    },
    /// `BlockExecuted`.
    BlockExecuted {
        /// The block number.
        number: u64,
        /// The state root now final on L1.
        state_root: B256,
    },
    /// `BlocksRevert`: committed blocks above `total_committed` were removed.
    BlocksReverted {
        /// Blocks executed.
        total_executed: u64,
        /// Blocks committed after the revert.
        total_committed: u64,
    },
    /// `PendingBalanceCredited`: an executed withdrawal, forced or full exit, exodus exit or
    /// refunded deposit that the owner can now claim.
    PendingBalanceCredited {
        /// Who may claim it.
        owner: Address,
        /// The token.
        token: TokenId,
        /// The amount added.
        amount: u128,
    },
    /// `Withdrawal`: a pending balance paid out on L1.
    Withdrawal {
        /// Who was paid.
        owner: Address,
        /// The token.
        token: TokenId,
        /// The amount.
        amount: u128,
    },
    /// `PendingNftCredited`: an executed WithdrawNFT or FullExitNFT, or an NFT exodus exit,
    /// that anyone can now mint to the owner (`withdrawPendingNFT`).
    PendingNftCredited {
        /// The NFT.
        nft_id: NftId,
        /// Its L1 owner.
        owner: Address,
    },
    /// `NftWithdrawn`: a pending NFT minted on L1 by the NFT factory.
    NftWithdrawn {
        /// The NFT.
        nft_id: NftId,
        /// Its L1 owner.
        owner: Address,
    },
    /// `ExodusMode`: the rollup is frozen.
    ExodusMode,
    /// `ExodusExit`: an account exited with an exit proof.
    ExodusExit {
        /// The account.
        account_id: AccountId,
        /// Its L1 owner.
        owner: Address,
        /// The token.
        token: TokenId,
        /// The exited balance.
        amount: u128,
    },
    /// `ExodusNftExit`: an NFT left with an NFT exit proof (it is now pending for its owner).
    ExodusNftExit {
        /// The account that owned it.
        account_id: AccountId,
        /// Its L1 owner.
        owner: Address,
        /// The NFT.
        nft_id: NftId,
    },
    /// `DepositRefunded`: an unprocessed deposit returned in exodus mode.
    DepositRefunded {
        /// The deposit's request id.
        request_id: u64,
        /// The recipient credited.
        owner: Address,
        /// The token.
        token: TokenId,
        /// The amount.
        amount: u128,
    },
    /// `TokenAdded`.
    TokenAdded {
        /// Its id.
        token: TokenId,
        /// Its ERC-20 address.
        address: Address,
    },
    /// `DepositPauseSet`.
    DepositPauseSet {
        /// The token.
        token: TokenId,
        /// Whether its deposits are paused.
        paused: bool,
    },
    /// `VerifierSet`.
    VerifierSet {
        /// The block capacity.
        chunks: u32,
        /// The verifier contract.
        verifier: Address,
    },
    /// `NftFactorySet`.
    NftFactorySet {
        /// The factory that mints withdrawn NFTs.
        factory: Address,
    },
    /// `NftFactoryRegistered`: a creator's own factory, which mints the NFTs they create.
    NftFactoryRegistered {
        /// The creator's L2 account.
        creator_id: AccountId,
        /// The creator's L1 address.
        creator_address: Address,
        /// The factory.
        factory: Address,
    },
    /// `NftExitVerifierSet`.
    NftExitVerifierSet {
        /// The verifier of NFT exit proofs.
        verifier: Address,
    },
    /// `ValidatorSet`.
    ValidatorSet {
        /// The validator.
        validator: Address,
        /// Whether it may commit.
        active: bool,
    },
    /// `GovernorChanged`.
    GovernorChanged {
        /// The new governor.
        governor: Address,
    },
    /// `FactAuthSet`: an on-chain ChangePubKey authorisation.
    FactAuthSet {
        /// The account owner.
        owner: Address,
        /// The nonce it authorises.
        nonce: u32,
        /// The L2 key hash.
        pubkey_hash: [u8; 20],
    },
}

/// An event with where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Event {
    /// The L1 block that holds it.
    pub block_number: u64,
    /// The transaction that emitted it (unknown for some in-memory chains).
    pub tx_hash: Option<B256>,
    /// Its index in the L1 block.
    pub log_index: Option<u64>,
    /// What it says.
    pub kind: L1EventKind,
}

/// Decodes one log of the rollup contract; `Ok(None)` for a log that is none of the events
/// above (another contract's, or an event this client does not know yet).
pub fn decode_log(log: &Log) -> Result<Option<L1EventKind>, L1Error> {
    let Some(topic0) = log.topics().first().copied() else { return Ok(None) };
    let kind = if topic0 == R::NewPriorityRequest::SIGNATURE_HASH {
        let e = decode::<R::NewPriorityRequest>(log)?;
        L1EventKind::PriorityRequest(PriorityRequest {
            serial_id: e.serialId,
            sender: e.sender,
            op: decode_priority_data(e.opType, &e.data)?,
            expiration: e.expiration,
            data: e.data,
        })
    } else if topic0 == R::BlockCommit::SIGNATURE_HASH {
        let e = decode::<R::BlockCommit>(log)?;
        L1EventKind::BlockCommitted {
            number: e.blockNumber,
            state_root: e.stateRoot,
            commitment: e.commitment,
        }
    } else if topic0 == R::BlockProven::SIGNATURE_HASH {
        L1EventKind::BlockProven { number: decode::<R::BlockProven>(log)?.blockNumber }
    } else if topic0 == R::BlockExecuted::SIGNATURE_HASH {
        let e = decode::<R::BlockExecuted>(log)?;
        L1EventKind::BlockExecuted { number: e.blockNumber, state_root: e.stateRoot }
    } else if topic0 == R::BlocksRevert::SIGNATURE_HASH {
        let e = decode::<R::BlocksRevert>(log)?;
        L1EventKind::BlocksReverted {
            total_executed: e.totalBlocksExecuted,
            total_committed: e.totalBlocksCommitted,
        }
    } else if topic0 == R::PendingBalanceCredited::SIGNATURE_HASH {
        let e = decode::<R::PendingBalanceCredited>(log)?;
        L1EventKind::PendingBalanceCredited {
            owner: e.owner,
            token: TokenId(e.tokenId),
            amount: e.amount,
        }
    } else if topic0 == R::Withdrawal::SIGNATURE_HASH {
        let e = decode::<R::Withdrawal>(log)?;
        L1EventKind::Withdrawal { owner: e.owner, token: TokenId(e.tokenId), amount: e.amount }
    } else if topic0 == R::PendingNftCredited::SIGNATURE_HASH {
        let e = decode::<R::PendingNftCredited>(log)?;
        L1EventKind::PendingNftCredited { nft_id: NftId(e.nftId), owner: e.owner }
    } else if topic0 == R::NftWithdrawn::SIGNATURE_HASH {
        let e = decode::<R::NftWithdrawn>(log)?;
        L1EventKind::NftWithdrawn { nft_id: NftId(e.nftId), owner: e.owner }
    } else if topic0 == R::ExodusMode::SIGNATURE_HASH {
        decode::<R::ExodusMode>(log)?;
        L1EventKind::ExodusMode
    } else if topic0 == R::ExodusExit::SIGNATURE_HASH {
        let e = decode::<R::ExodusExit>(log)?;
        L1EventKind::ExodusExit {
            account_id: AccountId(e.accountId),
            owner: e.owner,
            token: TokenId(e.tokenId),
            amount: e.amount,
        }
    } else if topic0 == R::ExodusNftExit::SIGNATURE_HASH {
        let e = decode::<R::ExodusNftExit>(log)?;
        L1EventKind::ExodusNftExit {
            account_id: AccountId(e.accountId),
            owner: e.owner,
            nft_id: NftId(e.nftId),
        }
    } else if topic0 == R::DepositRefunded::SIGNATURE_HASH {
        let e = decode::<R::DepositRefunded>(log)?;
        L1EventKind::DepositRefunded {
            request_id: e.requestId,
            owner: e.owner,
            token: TokenId(e.tokenId),
            amount: e.amount,
        }
    } else if topic0 == R::TokenAdded::SIGNATURE_HASH {
        let e = decode::<R::TokenAdded>(log)?;
        L1EventKind::TokenAdded { token: TokenId(e.tokenId), address: e.token }
    } else if topic0 == R::DepositPauseSet::SIGNATURE_HASH {
        let e = decode::<R::DepositPauseSet>(log)?;
        L1EventKind::DepositPauseSet { token: TokenId(e.tokenId), paused: e.paused }
    } else if topic0 == R::VerifierSet::SIGNATURE_HASH {
        let e = decode::<R::VerifierSet>(log)?;
        L1EventKind::VerifierSet { chunks: e.chunks, verifier: e.verifier }
    } else if topic0 == R::NftFactorySet::SIGNATURE_HASH {
        L1EventKind::NftFactorySet { factory: decode::<R::NftFactorySet>(log)?.factory }
    } else if topic0 == R::NftFactoryRegistered::SIGNATURE_HASH {
        let e = decode::<R::NftFactoryRegistered>(log)?;
        L1EventKind::NftFactoryRegistered {
            creator_id: AccountId(e.creatorId),
            creator_address: e.creatorAddress,
            factory: e.factory,
        }
    } else if topic0 == R::NftExitVerifierSet::SIGNATURE_HASH {
        L1EventKind::NftExitVerifierSet { verifier: decode::<R::NftExitVerifierSet>(log)?.verifier }
    } else if topic0 == R::ValidatorSet::SIGNATURE_HASH {
        let e = decode::<R::ValidatorSet>(log)?;
        L1EventKind::ValidatorSet { validator: e.validator, active: e.active }
    } else if topic0 == R::GovernorChanged::SIGNATURE_HASH {
        L1EventKind::GovernorChanged { governor: decode::<R::GovernorChanged>(log)?.governor }
    } else if topic0 == R::FactAuthSet::SIGNATURE_HASH {
        let e = decode::<R::FactAuthSet>(log)?;
        L1EventKind::FactAuthSet { owner: e.owner, nonce: e.nonce, pubkey_hash: e.pubKeyHash.0 }
    } else {
        return Ok(None);
    };
    Ok(Some(kind))
}

fn decode<E: SolEvent>(log: &Log) -> Result<E, L1Error> {
    E::decode_raw_log(log.topics(), &log.data.data)
        .map_err(|e| L1Error::Event(format!("{}: {e}", E::SIGNATURE)))
}

/// The [`PriorityOp`] of a `NewPriorityRequest` from its `opType` and packed `data`:
/// deposit `1 ‖ token u16 ‖ amount u128 ‖ to` (39 bytes), full exit
/// `5 ‖ account u32 ‖ owner ‖ token u16` (27), NFT full exit `12 ‖ account u32 ‖ owner ‖ nft u32`
/// (29).
pub fn decode_priority_data(op_type: u8, data: &[u8]) -> Result<PriorityOp, L1Error> {
    let bad = |why: &str| {
        L1Error::Event(format!(
            "priority request type {op_type} data 0x{}: {why}",
            alloy_primitives::hex::encode(data)
        ))
    };
    let expected = match op_type {
        op_type::DEPOSIT => 39,
        op_type::FULL_EXIT => 27,
        op_type::FULL_EXIT_NFT => 29,
        _ => return Err(bad("unknown request type")),
    };
    if data.len() != expected {
        return Err(bad(&format!("{} bytes, expected {expected}", data.len())));
    }
    if data[0] != op_type {
        return Err(bad("first byte is not the request type"));
    }
    let mut r = Reader { data, at: 1 };
    Ok(match op_type {
        op_type::DEPOSIT => {
            let token = TokenId(u16::from_be_bytes(r.take()));
            let amount = u128::from_be_bytes(r.take());
            let to = Address::from(r.take::<20>());
            PriorityOp::Deposit { token, amount, to }
        }
        op_type::FULL_EXIT => {
            let account_id = AccountId(u32::from_be_bytes(r.take()));
            let owner = Address::from(r.take::<20>());
            let token = TokenId(u16::from_be_bytes(r.take()));
            PriorityOp::FullExit { account_id, owner, token }
        }
        _ => {
            let account_id = AccountId(u32::from_be_bytes(r.take()));
            let owner = Address::from(r.take::<20>());
            let nft_id = NftId(u32::from_be_bytes(r.take()));
            PriorityOp::FullExitNft { account_id, owner, nft_id }
        }
    })
}

/// Big-endian fields out of a slice whose length was checked beforehand.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let end = (self.at + N).min(self.data.len());
        let src = &self.data[self.at.min(end)..end];
        out[..src.len()].copy_from_slice(src);
        self.at += N;
        out
    }
}

/// The packed `data` of a priority request, as the contract emits and stores it (the inverse
/// of [`decode_priority_data`]).
pub fn encode_priority_data(op: &PriorityOp) -> Bytes {
    let mut out = Vec::with_capacity(39);
    match op {
        PriorityOp::Deposit { token, amount, to } => {
            out.push(op_type::DEPOSIT);
            out.extend_from_slice(&token.0.to_be_bytes());
            out.extend_from_slice(&amount.to_be_bytes());
            out.extend_from_slice(to.as_slice());
        }
        PriorityOp::FullExit { account_id, owner, token } => {
            out.push(op_type::FULL_EXIT);
            out.extend_from_slice(&account_id.0.to_be_bytes());
            out.extend_from_slice(owner.as_slice());
            out.extend_from_slice(&token.0.to_be_bytes());
        }
        PriorityOp::FullExitNft { account_id, owner, nft_id } => {
            out.push(op_type::FULL_EXIT_NFT);
            out.extend_from_slice(&account_id.0.to_be_bytes());
            out.extend_from_slice(owner.as_slice());
            out.extend_from_slice(&nft_id.0.to_be_bytes());
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_data_round_trips() {
        let owner = Address::repeat_byte(0xab);
        for op in [
            PriorityOp::Deposit { token: TokenId(7), amount: u128::MAX - 3, to: owner },
            PriorityOp::FullExit { account_id: AccountId(0x00ab_cdef), owner, token: TokenId(1) },
            PriorityOp::FullExitNft { account_id: AccountId(5), owner, nft_id: NftId(0x0012_3456) },
        ] {
            let data = encode_priority_data(&op);
            let ty = data[0];
            assert_eq!(decode_priority_data(ty, &data).expect("decodes"), op);
            assert!(decode_priority_data(ty, &data[..data.len() - 1]).is_err(), "short");
            let mut other = data.to_vec();
            other[0] ^= 0xff;
            assert!(decode_priority_data(ty, &other).is_err(), "wrong type byte");
        }
        assert!(decode_priority_data(2, &[2u8; 39]).is_err(), "unknown type");
    }
}
