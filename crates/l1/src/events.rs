//! The rollup contract's events as typed Rust values.
//!
//! [`decode_log`] turns one log of `Rollup.sol` into an [`L1EventKind`]; a
//! `NewPriorityRequest`'s packed `data` becomes the [`PriorityOp`] that the node feeds to
//! `tern_state::build_block` ([`decode_priority_data`], the inverse of the contract's
//! `abi.encodePacked` layouts in `docs/spec/contracts.md`). Both the JSON-RPC client and any
//! in-memory chain decode with these functions, so the node sees the same values from either.
//!
//! The decoder trusts nothing in the log: the state restored from L1 logs alone is only as good
//! as it. [`decode_log`] takes the rollup's address and refuses, with an [`EventError`]:
//!
//! - a log of any other emitter ([`EventError::WrongEmitter`]). Every event decoded here is
//!   emitted by the rollup itself (the NFT factories emit only their own ERC-721 events, which
//!   the rollup's state does not depend on), so the rollup's address is the only one accepted;
//! - a rollup log without topics, or whose `topic0` is none of the rollup's events
//!   ([`EventError::NoTopic`], [`EventError::UnknownEvent`]). This is an error, not a variant
//!   to skip: the rollup is not upgradeable and has no anonymous events, so its code emits only
//!   the events of its ABI, and the match below is over the generated `RollupEvents` enum, so it
//!   covers all of them (a new event in `Rollup.sol` does not compile until it is decoded here).
//!   An unknown signature from the rollup's address therefore means a decoder older than the
//!   deployed contract, or a log that the contract did not emit; either way a tool rebuilding
//!   the state must stop, not skip it;
//! - a wrong number of topics for the event ([`EventError::TopicCount`]), data of the wrong
//!   length ([`EventError::DataLength`]);
//! - a word that is not the canonical encoding of its field ([`EventError::DirtyWord`]): a
//!   `uint64` block number with any of its high 192 bits set (2⁶⁴ + 7 is not read as 7), a
//!   `uint128` amount above 2¹²⁸ − 1, an `address` with any of its high 96 bits set, a `bool`
//!   other than 0 or 1, a `bytes20` with nonzero padding;
//! - any other departure from the strict ABI encoding, such as a non-canonical offset, length
//!   or padding of `NewPriorityRequest`'s `data` ([`EventError::Malformed`]), and packed
//!   priority-request data that is not one of the three layouts ([`EventError::PriorityData`]).
//!
//! Acceptance is alloy-sol-types' strict, validating decoder ([`STRICT`]), which is what
//! Solidity's `emit` produces; when it refuses a log, the error names the event and, for a
//! dirty word, the field (from the rollup's JSON ABI).

use alloy_primitives::{Address, Bytes, Log, B256};
use alloy_sol_types::abi::AbiDecoderConfig;
use alloy_sol_types::SolEventInterface;
use tern_contracts::bindings::Rollup as R;
use tern_state::PriorityOp;
use tern_types::{AccountId, NftId, TokenId};

/// The decoder configuration of every rollup log: strict ABI encoding (canonical offsets, zero
/// padding, no trailing bytes) with every word validated against its Solidity type.
pub const STRICT: AbiDecoderConfig = AbiDecoderConfig::new().strict(true).validate(true);

/// Why a log is not a rollup event that [`decode_log`] accepts.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The log was emitted by another contract than the rollup.
    #[error("log emitted by {got}, not by the rollup contract {expected}")]
    WrongEmitter {
        /// The rollup contract.
        expected: Address,
        /// The log's emitter.
        got: Address,
    },
    /// A rollup log without topics (the rollup has no anonymous events).
    #[error("rollup log without topics")]
    NoTopic,
    /// A rollup log whose `topic0` is none of the rollup's event signatures.
    #[error("rollup log with unknown event signature {topic0}")]
    UnknownEvent {
        /// The log's first topic.
        topic0: B256,
    },
    /// The log has a wrong number of topics for its event.
    #[error("{event}: {got} topics, expected {expected}")]
    TopicCount {
        /// The event's name.
        event: String,
        /// Its signature and indexed fields.
        expected: usize,
        /// The log's.
        got: usize,
    },
    /// The log's data has the wrong length for its event (whose fields are all static).
    #[error("{event}: {got} data bytes, expected {expected}")]
    DataLength {
        /// The event's name.
        event: String,
        /// 32 bytes per non-indexed field.
        expected: usize,
        /// The log's.
        got: usize,
    },
    /// A topic or data word is not a valid encoding of its field's type (dirty high bits of
    /// an integer or an address, a bool other than 0 and 1, dirty padding of a `bytesN`).
    #[error("{event}.{field}: word {word} is not a {ty}")]
    DirtyWord {
        /// The event's name.
        event: String,
        /// The field's name.
        field: String,
        /// The field's Solidity type.
        ty: String,
        /// The word as the log has it.
        word: B256,
    },
    /// Any other violation of the strict ABI encoding of the event (for example the offset,
    /// length or padding of a `bytes` field).
    #[error("{event}: {source}")]
    Malformed {
        /// The event's name.
        event: String,
        /// The decoder's error.
        #[source]
        source: alloy_sol_types::Error,
    },
    /// A `NewPriorityRequest`'s packed data is not the layout of its `opType`.
    #[error("priority request type {op_type} data {data}: {reason}")]
    PriorityData {
        /// The request's `opType`.
        op_type: u8,
        /// Its packed data.
        data: Bytes,
        /// What is wrong with it.
        reason: String,
    },
}

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
    /// `NftWithdrawn`: a pending NFT minted on L1 by an NFT factory (the rollup emits it when
    /// it has the factory mint the NFT in `withdrawPendingNFT`).
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
    /// `GovernorProposed`: the governor named its successor, who takes over by accepting
    /// (address 0: the proposal is withdrawn).
    GovernorProposed {
        /// The proposed governor.
        governor: Address,
    },
    /// `FactAuthResetRequested`: an owner asked to replace its on-chain ChangePubKey fact for
    /// `nonce`; it may do so from `allowed_at` (L1 time) on.
    FactAuthResetRequested {
        /// The account owner.
        owner: Address,
        /// The nonce whose fact is to be replaced.
        nonce: u32,
        /// The earliest L1 timestamp of the replacement.
        allowed_at: alloy_primitives::U256,
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

/// Decodes one log that claims to be an event of the rollup contract at `rollup`.
///
/// Every log must come from `rollup` and be one of its events, strictly ABI-encoded with every
/// word valid for its type; anything else is an [`EventError`] (see the module docs), never a
/// silent skip. Callers that read a receipt, which also holds other contracts' logs, select
/// the rollup's logs first; callers that asked the node for the rollup's logs only pass them all,
/// so a log of another emitter among them is refused.
pub fn decode_log(rollup: Address, log: &Log) -> Result<L1EventKind, EventError> {
    if log.address != rollup {
        return Err(EventError::WrongEmitter { expected: rollup, got: log.address });
    }
    let topics = log.topics();
    let Some(&topic0) = topics.first() else { return Err(EventError::NoTopic) };
    let event = R::RollupEvents::decode_raw_log_with_config(topics, &log.data.data, STRICT)
        .map_err(|source| refusal(topic0, log, source))?;
    use R::RollupEvents as E;
    Ok(match event {
        E::NewPriorityRequest(e) => L1EventKind::PriorityRequest(PriorityRequest {
            serial_id: e.serialId,
            sender: e.sender,
            op: decode_priority_data(e.opType, &e.data)?,
            expiration: e.expiration,
            data: e.data,
        }),
        E::BlockCommit(e) => L1EventKind::BlockCommitted {
            number: e.blockNumber,
            state_root: e.stateRoot,
            commitment: e.commitment,
        },
        E::BlockProven(e) => L1EventKind::BlockProven { number: e.blockNumber },
        E::BlockExecuted(e) => {
            L1EventKind::BlockExecuted { number: e.blockNumber, state_root: e.stateRoot }
        }
        E::BlocksRevert(e) => L1EventKind::BlocksReverted {
            total_executed: e.totalBlocksExecuted,
            total_committed: e.totalBlocksCommitted,
        },
        E::PendingBalanceCredited(e) => L1EventKind::PendingBalanceCredited {
            owner: e.owner,
            token: TokenId(e.tokenId),
            amount: e.amount,
        },
        E::Withdrawal(e) => {
            L1EventKind::Withdrawal { owner: e.owner, token: TokenId(e.tokenId), amount: e.amount }
        }
        E::PendingNftCredited(e) => {
            L1EventKind::PendingNftCredited { nft_id: NftId(e.nftId), owner: e.owner }
        }
        E::NftWithdrawn(e) => L1EventKind::NftWithdrawn { nft_id: NftId(e.nftId), owner: e.owner },
        E::ExodusMode(_) => L1EventKind::ExodusMode,
        E::ExodusExit(e) => L1EventKind::ExodusExit {
            account_id: AccountId(e.accountId),
            owner: e.owner,
            token: TokenId(e.tokenId),
            amount: e.amount,
        },
        E::ExodusNftExit(e) => L1EventKind::ExodusNftExit {
            account_id: AccountId(e.accountId),
            owner: e.owner,
            nft_id: NftId(e.nftId),
        },
        E::DepositRefunded(e) => L1EventKind::DepositRefunded {
            request_id: e.requestId,
            owner: e.owner,
            token: TokenId(e.tokenId),
            amount: e.amount,
        },
        E::TokenAdded(e) => L1EventKind::TokenAdded { token: TokenId(e.tokenId), address: e.token },
        E::DepositPauseSet(e) => {
            L1EventKind::DepositPauseSet { token: TokenId(e.tokenId), paused: e.paused }
        }
        E::VerifierSet(e) => L1EventKind::VerifierSet { chunks: e.chunks, verifier: e.verifier },
        E::NftFactorySet(e) => L1EventKind::NftFactorySet { factory: e.factory },
        E::NftFactoryRegistered(e) => L1EventKind::NftFactoryRegistered {
            creator_id: AccountId(e.creatorId),
            creator_address: e.creatorAddress,
            factory: e.factory,
        },
        E::NftExitVerifierSet(e) => L1EventKind::NftExitVerifierSet { verifier: e.verifier },
        E::ValidatorSet(e) => {
            L1EventKind::ValidatorSet { validator: e.validator, active: e.active }
        }
        E::GovernorChanged(e) => L1EventKind::GovernorChanged { governor: e.governor },
        E::GovernorProposed(e) => L1EventKind::GovernorProposed { governor: e.governor },
        E::FactAuthResetRequested(e) => L1EventKind::FactAuthResetRequested {
            owner: e.owner,
            nonce: e.nonce,
            allowed_at: e.allowedAt,
        },
        E::FactAuthSet(e) => {
            L1EventKind::FactAuthSet { owner: e.owner, nonce: e.nonce, pubkey_hash: e.pubKeyHash.0 }
        }
    })
}

/// Why the strict decoder refused `log` (whose first topic is `topic0`), as precisely as the
/// rollup's JSON ABI tells: the unknown signature, the topic count, the data length, or the
/// first field whose word is dirty; else the decoder's own error.
fn refusal(topic0: B256, log: &Log, source: alloy_sol_types::Error) -> EventError {
    let Some(abi) = R::abi::events().into_values().flatten().find(|e| e.selector() == topic0)
    else {
        return EventError::UnknownEvent { topic0 };
    };
    let event = abi.name;
    let (indexed, body): (Vec<_>, Vec<_>) = abi.inputs.into_iter().partition(|p| p.indexed);
    let topics = log.topics();
    if topics.len() != 1 + indexed.len() {
        return EventError::TopicCount { event, expected: 1 + indexed.len(), got: topics.len() };
    }
    // Every non-indexed field of the rollup's events has a one-word head (a static value, or
    // the offset of a `bytes`); the data of an event without `bytes` is exactly these heads.
    let data = &log.data.data;
    let head = 32 * body.len();
    let dynamic = |ty: &str| ty == "bytes" || ty == "string" || ty.ends_with(']');
    if !body.iter().any(|p| dynamic(&p.ty)) && data.len() != head {
        return EventError::DataLength { event, expected: head, got: data.len() };
    }
    let words = topics[1..].iter().copied().chain(data.chunks_exact(32).map(B256::from_slice));
    for (param, word) in indexed.into_iter().chain(body).zip(words) {
        if !dynamic(&param.ty) && !word_is_valid(&param.ty, &word) {
            return EventError::DirtyWord { event, field: param.name, ty: param.ty, word };
        }
    }
    EventError::Malformed { event, source }
}

/// Whether `word` is a valid ABI encoding of a value of the static Solidity type `ty` (a type
/// this function does not know passes: the strict decoder has the last word).
fn word_is_valid(ty: &str, word: &B256) -> bool {
    let zero = |bytes: &[u8]| bytes.iter().all(|b| *b == 0);
    let w = word.as_slice();
    let bits = |prefix: &str| ty.strip_prefix(prefix).and_then(|n| n.parse::<usize>().ok());
    match ty {
        "address" => zero(&w[..12]),
        "bool" => zero(&w[..31]) && w[31] <= 1,
        _ => match (bits("uint"), bits("bytes")) {
            (Some(bits), _) if bits % 8 == 0 && bits <= 256 => zero(&w[..32 - bits / 8]),
            (_, Some(len)) if len <= 32 => zero(&w[len..]),
            _ => true,
        },
    }
}

/// The [`PriorityOp`] of a `NewPriorityRequest` from its `opType` and packed `data`:
/// deposit `1 ‖ token u16 ‖ amount u128 ‖ to` (39 bytes), full exit
/// `5 ‖ account u32 ‖ owner ‖ token u16` (27), NFT full exit `12 ‖ account u32 ‖ owner ‖ nft u32`
/// (29).
pub fn decode_priority_data(op_type: u8, data: &[u8]) -> Result<PriorityOp, EventError> {
    let bad = |why: &str| EventError::PriorityData {
        op_type,
        data: Bytes::copy_from_slice(data),
        reason: why.to_owned(),
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
    use alloy_primitives::{LogData, U256};
    use alloy_sol_types::SolEvent;

    const ROLLUP: Address = Address::repeat_byte(0x11);
    const OWNER: Address = Address::repeat_byte(0xab);

    fn log_of(event: &impl SolEvent) -> Log {
        Log { address: ROLLUP, data: event.encode_log_data() }
    }

    /// `log` with topic `i` replaced by `word`.
    fn with_topic(log: &Log, i: usize, word: U256) -> Log {
        let mut topics = log.topics().to_vec();
        topics[i] = word.into();
        Log { address: log.address, data: LogData::new_unchecked(topics, log.data.data.clone()) }
    }

    /// `log` with data word `i` replaced by `word`.
    fn with_data_word(log: &Log, i: usize, word: U256) -> Log {
        let mut data = log.data.data.to_vec();
        data[32 * i..32 * (i + 1)].copy_from_slice(&word.to_be_bytes::<32>());
        with_data(log, data)
    }

    fn with_data(log: &Log, data: Vec<u8>) -> Log {
        let topics = log.topics().to_vec();
        Log { address: log.address, data: LogData::new_unchecked(topics, data.into()) }
    }

    fn with_topics(log: &Log, topics: Vec<B256>) -> Log {
        Log { address: log.address, data: LogData::new_unchecked(topics, log.data.data.clone()) }
    }

    /// The event and field of the dirty word that `log` is refused for.
    fn dirty(log: &Log) -> (String, String) {
        match decode_log(ROLLUP, log) {
            Err(EventError::DirtyWord { event, field, .. }) => (event, field),
            other => panic!("not refused for a dirty word: {other:?}"),
        }
    }

    fn dirty_is(log: &Log, event: &str, field: &str) {
        assert_eq!(dirty(log), (event.to_owned(), field.to_owned()));
    }

    fn big(bits: usize, plus: u64) -> U256 {
        (U256::from(1) << bits) + U256::from(plus)
    }

    fn deposit_request() -> R::NewPriorityRequest {
        let op = PriorityOp::Deposit { token: TokenId(3), amount: 5, to: OWNER };
        R::NewPriorityRequest {
            sender: Address::repeat_byte(4),
            serialId: 9,
            opType: op_type::DEPOSIT,
            data: encode_priority_data(&op),
            expiration: 1_000,
        }
    }

    /// One clean log of every rollup event, with what it decodes to.
    fn every_event() -> Vec<(Log, L1EventKind)> {
        let (a, b, c) = (Address::repeat_byte(1), Address::repeat_byte(2), Address::repeat_byte(3));
        let (root, commitment) = (B256::repeat_byte(0x5a), B256::repeat_byte(0xc3));
        let amount = u128::MAX - 1;
        let request = deposit_request();
        vec![
            (
                log_of(&request),
                L1EventKind::PriorityRequest(PriorityRequest {
                    serial_id: 9,
                    sender: request.sender,
                    op: PriorityOp::Deposit { token: TokenId(3), amount: 5, to: OWNER },
                    expiration: 1_000,
                    data: request.data.clone(),
                }),
            ),
            (
                log_of(&R::BlockCommit { blockNumber: u64::MAX, stateRoot: root, commitment }),
                L1EventKind::BlockCommitted { number: u64::MAX, state_root: root, commitment },
            ),
            (log_of(&R::BlockProven { blockNumber: 7 }), L1EventKind::BlockProven { number: 7 }),
            (
                log_of(&R::BlockExecuted { blockNumber: 7, stateRoot: root }),
                L1EventKind::BlockExecuted { number: 7, state_root: root },
            ),
            (
                log_of(&R::BlocksRevert { totalBlocksExecuted: 4, totalBlocksCommitted: 6 }),
                L1EventKind::BlocksReverted { total_executed: 4, total_committed: 6 },
            ),
            (
                log_of(&R::PendingBalanceCredited { owner: a, tokenId: u16::MAX, amount }),
                L1EventKind::PendingBalanceCredited { owner: a, token: TokenId(u16::MAX), amount },
            ),
            (
                log_of(&R::Withdrawal { owner: a, tokenId: 1, amount }),
                L1EventKind::Withdrawal { owner: a, token: TokenId(1), amount },
            ),
            (
                log_of(&R::PendingNftCredited { nftId: u32::MAX, owner: a }),
                L1EventKind::PendingNftCredited { nft_id: NftId(u32::MAX), owner: a },
            ),
            (
                log_of(&R::NftWithdrawn { nftId: 8, owner: a }),
                L1EventKind::NftWithdrawn { nft_id: NftId(8), owner: a },
            ),
            (log_of(&R::ExodusMode {}), L1EventKind::ExodusMode),
            (
                log_of(&R::ExodusExit { accountId: 2, owner: a, tokenId: 1, amount }),
                L1EventKind::ExodusExit {
                    account_id: AccountId(2),
                    owner: a,
                    token: TokenId(1),
                    amount,
                },
            ),
            (
                log_of(&R::ExodusNftExit { accountId: 2, owner: a, nftId: 8 }),
                L1EventKind::ExodusNftExit { account_id: AccountId(2), owner: a, nft_id: NftId(8) },
            ),
            (
                log_of(&R::DepositRefunded { requestId: 9, owner: a, tokenId: 1, amount }),
                L1EventKind::DepositRefunded { request_id: 9, owner: a, token: TokenId(1), amount },
            ),
            (
                log_of(&R::TokenAdded { tokenId: 1, token: b }),
                L1EventKind::TokenAdded { token: TokenId(1), address: b },
            ),
            (
                log_of(&R::DepositPauseSet { tokenId: 1, paused: true }),
                L1EventKind::DepositPauseSet { token: TokenId(1), paused: true },
            ),
            (
                log_of(&R::VerifierSet { chunks: 120, verifier: b }),
                L1EventKind::VerifierSet { chunks: 120, verifier: b },
            ),
            (log_of(&R::NftFactorySet { factory: c }), L1EventKind::NftFactorySet { factory: c }),
            (
                log_of(&R::NftFactoryRegistered { creatorId: 5, creatorAddress: a, factory: c }),
                L1EventKind::NftFactoryRegistered {
                    creator_id: AccountId(5),
                    creator_address: a,
                    factory: c,
                },
            ),
            (
                log_of(&R::NftExitVerifierSet { verifier: b }),
                L1EventKind::NftExitVerifierSet { verifier: b },
            ),
            (
                log_of(&R::ValidatorSet { validator: b, active: false }),
                L1EventKind::ValidatorSet { validator: b, active: false },
            ),
            (
                log_of(&R::GovernorChanged { governor: b }),
                L1EventKind::GovernorChanged { governor: b },
            ),
            (
                log_of(&R::FactAuthSet { owner: a, nonce: 3, pubKeyHash: [0x77; 20].into() }),
                L1EventKind::FactAuthSet { owner: a, nonce: 3, pubkey_hash: [0x77; 20] },
            ),
            (
                log_of(&R::GovernorProposed { governor: b }),
                L1EventKind::GovernorProposed { governor: b },
            ),
            (
                log_of(&R::FactAuthResetRequested {
                    owner: a,
                    nonce: 4,
                    allowedAt: alloy_primitives::U256::from(1_700_086_400u64),
                }),
                L1EventKind::FactAuthResetRequested {
                    owner: a,
                    nonce: 4,
                    allowed_at: alloy_primitives::U256::from(1_700_086_400u64),
                },
            ),
        ]
    }

    #[test]
    fn a_clean_log_of_every_rollup_event_decodes() {
        let cases = every_event();
        for (log, kind) in &cases {
            assert_eq!(&decode_log(ROLLUP, log).expect("a clean log decodes"), kind);
        }
        let mut covered: Vec<[u8; 32]> = cases.iter().map(|(l, _)| l.topics()[0].0).collect();
        covered.sort_unstable();
        covered.dedup();
        let mut all = R::RollupEvents::SELECTORS.to_vec();
        all.sort_unstable();
        assert_eq!(covered, all, "one case per event of the rollup's ABI");
    }

    #[test]
    fn a_log_of_another_emitter_is_refused() {
        let other = Address::repeat_byte(0x22);
        for (mut log, _) in every_event() {
            log.address = other;
            match decode_log(ROLLUP, &log) {
                Err(EventError::WrongEmitter { expected, got }) => {
                    assert_eq!((expected, got), (ROLLUP, other));
                }
                res => panic!("{res:?}"),
            }
        }
    }

    #[test]
    fn a_block_number_or_serial_id_above_u64_is_refused() {
        let commit = log_of(&R::BlockCommit {
            blockNumber: 7,
            stateRoot: B256::ZERO,
            commitment: B256::ZERO,
        });
        dirty_is(&with_topic(&commit, 1, big(64, 7)), "BlockCommit", "blockNumber");
        dirty_is(&with_topic(&commit, 1, big(255, 7)), "BlockCommit", "blockNumber");
        let proven = log_of(&R::BlockProven { blockNumber: 7 });
        dirty_is(&with_topic(&proven, 1, big(64, 7)), "BlockProven", "blockNumber");
        let revert = log_of(&R::BlocksRevert { totalBlocksExecuted: 7, totalBlocksCommitted: 8 });
        dirty_is(&with_data_word(&revert, 0, big(64, 7)), "BlocksRevert", "totalBlocksExecuted");
        dirty_is(&with_data_word(&revert, 1, big(64, 8)), "BlocksRevert", "totalBlocksCommitted");
        let request = log_of(&deposit_request());
        dirty_is(&with_topic(&request, 2, big(64, 9)), "NewPriorityRequest", "serialId");
        dirty_is(&with_data_word(&request, 2, big(64, 1_000)), "NewPriorityRequest", "expiration");
    }

    #[test]
    fn an_amount_above_u128_is_refused() {
        let credit = log_of(&R::PendingBalanceCredited { owner: OWNER, tokenId: 1, amount: 5 });
        dirty_is(&with_data_word(&credit, 0, big(200, 5)), "PendingBalanceCredited", "amount");
        dirty_is(&with_data_word(&credit, 0, big(128, 5)), "PendingBalanceCredited", "amount");
        let refund =
            log_of(&R::DepositRefunded { requestId: 1, owner: OWNER, tokenId: 1, amount: 5 });
        dirty_is(&with_data_word(&refund, 1, big(200, 5)), "DepositRefunded", "amount");
    }

    #[test]
    fn an_address_with_dirty_high_bits_is_refused() {
        let dirty_address = big(160, 0x42);
        let credit = log_of(&R::PendingBalanceCredited { owner: OWNER, tokenId: 1, amount: 5 });
        dirty_is(&with_topic(&credit, 1, dirty_address), "PendingBalanceCredited", "owner");
        let added = log_of(&R::TokenAdded { tokenId: 1, token: OWNER });
        dirty_is(&with_topic(&added, 2, big(255, 0x42)), "TokenAdded", "token");
        let factory = log_of(&R::NftFactorySet { factory: OWNER });
        dirty_is(&with_data_word(&factory, 0, dirty_address), "NftFactorySet", "factory");
        let request = log_of(&deposit_request());
        dirty_is(&with_topic(&request, 1, dirty_address), "NewPriorityRequest", "sender");
    }

    #[test]
    fn other_dirty_words_are_refused() {
        let validator = log_of(&R::ValidatorSet { validator: OWNER, active: true });
        dirty_is(&with_data_word(&validator, 0, U256::from(2)), "ValidatorSet", "active");
        dirty_is(&with_data_word(&validator, 0, big(8, 1)), "ValidatorSet", "active");
        let fact = log_of(&R::FactAuthSet { owner: OWNER, nonce: 1, pubKeyHash: [7; 20].into() });
        let mut padding = fact.data.data[32..].to_vec();
        padding[31] = 1;
        dirty_is(
            &with_data_word(&fact, 1, U256::from_be_slice(&padding)),
            "FactAuthSet",
            "pubKeyHash",
        );
        dirty_is(&with_data_word(&fact, 0, big(32, 1)), "FactAuthSet", "nonce");
        let added = log_of(&R::TokenAdded { tokenId: 1, token: OWNER });
        dirty_is(&with_topic(&added, 1, big(16, 1)), "TokenAdded", "tokenId");
        let exit = log_of(&R::ExodusNftExit { accountId: 1, owner: OWNER, nftId: 2 });
        dirty_is(&with_topic(&exit, 3, big(32, 2)), "ExodusNftExit", "nftId");
        let request = log_of(&deposit_request());
        dirty_is(&with_data_word(&request, 0, big(8, 1)), "NewPriorityRequest", "opType");
    }

    #[test]
    fn data_of_the_wrong_length_is_refused() {
        let commit = log_of(&R::BlockCommit {
            blockNumber: 7,
            stateRoot: B256::ZERO,
            commitment: B256::ZERO,
        });
        for len in [0, 32, 63, 65, 96] {
            match decode_log(ROLLUP, &with_data(&commit, vec![0; len])) {
                Err(EventError::DataLength { event, expected: 64, got }) => {
                    assert_eq!((event.as_str(), got), ("BlockCommit", len));
                }
                res => panic!("{len} bytes: {res:?}"),
            }
        }
        let mode = log_of(&R::ExodusMode {});
        assert!(matches!(
            decode_log(ROLLUP, &with_data(&mode, vec![0; 32])),
            Err(EventError::DataLength { expected: 0, got: 32, .. })
        ));
        // The request's `bytes data`: truncated, trailing bytes, dirty padding, a wrong length.
        let request = log_of(&deposit_request());
        let full = request.data.data.to_vec();
        let malformed = |data: Vec<u8>| {
            matches!(
                decode_log(ROLLUP, &with_data(&request, data)),
                Err(EventError::Malformed { ref event, .. }) if event == "NewPriorityRequest"
            )
        };
        assert!(malformed(full[..full.len() - 1].to_vec()), "truncated by a byte");
        assert!(malformed(full[..full.len() - 32].to_vec()), "truncated by a word");
        assert!(malformed(full[..96].to_vec()), "heads only");
        assert!(malformed([&full[..], &[0; 32]].concat()), "a trailing word");
        let mut padding = full.clone();
        let last = padding.len() - 1;
        padding[last] = 1;
        assert!(malformed(padding), "dirty padding after the 39 bytes");
        let mut offset = full.clone();
        offset[63] = 0x80;
        assert!(malformed(offset), "non-canonical offset");
    }

    #[test]
    fn a_wrong_topic_count_is_refused() {
        let proven = log_of(&R::BlockProven { blockNumber: 7 });
        let topic0 = proven.topics()[0];
        let count = |log: &Log| match decode_log(ROLLUP, log) {
            Err(EventError::TopicCount { event, expected, got }) => (event, expected, got),
            res => panic!("{res:?}"),
        };
        let extra = with_topics(&proven, vec![topic0, B256::with_last_byte(7), B256::ZERO]);
        assert_eq!(count(&extra), ("BlockProven".to_owned(), 2, 3));
        assert_eq!(count(&with_topics(&proven, vec![topic0])), ("BlockProven".to_owned(), 2, 1));
        // A non-indexed field moved into a topic.
        let revert = log_of(&R::BlocksRevert { totalBlocksExecuted: 7, totalBlocksCommitted: 8 });
        let moved = with_topics(
            &with_data(&revert, revert.data.data[32..].to_vec()),
            vec![revert.topics()[0], B256::with_last_byte(7)],
        );
        assert_eq!(count(&moved), ("BlocksRevert".to_owned(), 1, 2));
    }

    #[test]
    fn an_unknown_or_anonymous_rollup_log_is_refused() {
        let unknown = B256::repeat_byte(0x77);
        let log =
            Log { address: ROLLUP, data: LogData::new_unchecked(vec![unknown], Bytes::new()) };
        assert!(matches!(
            decode_log(ROLLUP, &log),
            Err(EventError::UnknownEvent { topic0 }) if topic0 == unknown
        ));
        // An NFT factory's event is not the rollup's, even from the rollup's address.
        let transfer = tern_contracts::bindings::NftFactory::Transfer {
            from: Address::ZERO,
            to: OWNER,
            tokenId: U256::from(1),
        };
        assert!(matches!(
            decode_log(ROLLUP, &log_of(&transfer)),
            Err(EventError::UnknownEvent { .. })
        ));
        let anonymous = Log::empty();
        assert!(matches!(decode_log(Address::ZERO, &anonymous), Err(EventError::NoTopic)));
    }

    #[test]
    fn priority_data_not_matching_its_type_is_refused() {
        let mut request = deposit_request();
        request.opType = op_type::FULL_EXIT;
        assert!(matches!(
            decode_log(ROLLUP, &log_of(&request)),
            Err(EventError::PriorityData { op_type: op_type::FULL_EXIT, .. })
        ));
    }

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
