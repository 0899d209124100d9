//! Native witness generation for the block circuit ([`crate::block::BlockCircuit`]).
//!
//! [`generate_witness`] replays a built block on a clone of its pre-state and records, chunk
//! slot by chunk slot, everything the circuit reads (`docs/spec/circuit.md`):
//!
//! - the chunk's pubdata bytes, its operation's opcode and its position in the operation;
//! - the operation's arguments ([`crate::layout::Arg`]), read from the operation's own pubdata bits with the
//!   circuit's layout table, and its auxiliary values ([`Aux`]);
//! - two leaf updates ([`UnitWitness`]) in the order the circuit applies them, each with the
//!   leaf's fields and proofs at that moment;
//! - the signature the chunk checks, if any.
//!
//! The replay repeats the *effects* of operations that native execution already checked, with
//! the state's raw writes, in the circuit's order (a Swap's five updates, say, in three
//! chunks). It checks no rule: the circuit does. At the end the replayed root must equal the
//! block's new root, so a replay that disagrees with native execution is an error here
//! ([`WitnessError::NewRootMismatch`]) rather than an unsatisfied circuit.

use crate::layout::{chunks, fields, Aux, ARGS, AUX};
use ark_ff::AdditiveGroup;
use std::collections::BTreeMap;
use tern_primitives::babyjubjub::{Point, Scalar};
use tern_primitives::eddsa::{PubKeyHash, Signature};
use tern_primitives::field::fr_from_be_short;
use tern_primitives::{Address, Fr};
use tern_state::account::Nft;
use tern_state::state::state_root;
use tern_state::tree::{MerkleProof, SparseMerkleTree, TreeError};
use tern_state::{State, TxError};
use tern_types::op::*;
use tern_types::params::{
    ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH, CHUNK_BYTES, MAX_FEE_TOKENS_PER_BLOCK, MAX_TOKENS,
};
use tern_types::tx::{Signed, TxSignature};
use tern_types::{AccountId, Block, BlockHeader, EncodeError, NftId, Nonce, Op, SignedTx, TokenId};

/// Why no witness could be generated for a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The block's operations need more chunks than its capacity.
    #[error("the operations need {used} chunks, more than the capacity {capacity}")]
    OverCapacity {
        /// Chunks the operations use.
        used: usize,
        /// The block's capacity.
        capacity: usize,
    },
    /// There are fewer signed transactions than signed operations.
    #[error("operation {index} is a signed {name} but no signed transaction is left for it")]
    MissingTx {
        /// Position of the operation in the block.
        index: usize,
        /// The operation's name.
        name: &'static str,
    },
    /// Signed transactions are left over after the last signed operation.
    #[error("{0} signed transactions are left over after the block's operations")]
    ExtraTxs(usize),
    /// A signed transaction is not the one its operation was made from.
    #[error("signed transaction {tx} does not match operation {index}")]
    TxMismatch {
        /// Position of the operation in the block.
        index: usize,
        /// Position of the transaction in the input.
        tx: usize,
    },
    /// Replaying an operation's effects failed.
    #[error("replaying operation {index} failed: {source}")]
    Replay {
        /// Position of the operation in the block.
        index: usize,
        /// The native error.
        source: TxError,
    },
    /// The pre-state's root is not the block's old root.
    #[error("the pre-state's root is not the block's old root")]
    OldRootMismatch,
    /// The replayed post-state's root is not the block's new root.
    #[error("the replayed state's root is not the block's new root")]
    NewRootMismatch,
    /// An account the block reads does not exist.
    #[error("{0} does not exist")]
    AccountNotFound(AccountId),
    /// The block collects fees in more tokens than a block has fee slots.
    #[error("the block collects fees in {0} tokens, more than {MAX_FEE_TOKENS_PER_BLOCK}")]
    TooManyFeeTokens(usize),
    /// The replay found a value that native execution could not have produced.
    #[error("inconsistent block: {0}")]
    Inconsistent(&'static str),
    /// A tree refused an index.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// The block's pubdata could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// The fields of an account leaf other than its balance tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountFields {
    /// The account's nonce.
    pub nonce: Nonce,
    /// NFTs the account has minted.
    pub nfts_minted: u32,
    /// Hash of the account's L2 key (zero: none).
    pub pubkey_hash: PubKeyHash,
    /// The account's L1 address.
    pub address: Address,
}

/// One leaf update of a chunk slot, as the leaf is before it.
///
/// In an account slot `fields` are `[nonce + 2³²·nfts_minted, pubkey_hash, address, 0]` and the
/// leaf's fourth input is the balance tree's root, recomputed from `balance` and
/// `balance_proof`. In an NFT slot they are the NFT leaf's four inputs (`docs/spec/state.md`),
/// and the balance fields are unused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitWitness {
    /// The leaf's index in its tree (account id or NFT id).
    pub index: u32,
    /// The token whose balance the update touches.
    pub token: u16,
    /// The leaf's inputs before the update (see above).
    pub fields: [Fr; 4],
    /// The balance of `token` before the update.
    pub balance: u128,
    /// Proof of that balance in the account's balance tree.
    pub balance_proof: MerkleProof,
    /// Proof of the leaf in its tree at the moment of the update.
    pub path: MerkleProof,
    /// An NFT slot that is empty (leaf 0) before the update.
    pub empty_before: bool,
    /// An NFT slot that is empty after it.
    pub empty_after: bool,
}

impl UnitWitness {
    /// A unit the chunk does not use: zero fields and siblings.
    pub fn dummy() -> Self {
        Self {
            index: 0,
            token: 0,
            fields: [Fr::from(0u64); 4],
            balance: 0,
            balance_proof: zero_proof(BALANCE_TREE_DEPTH),
            path: zero_proof(ACCOUNT_TREE_DEPTH),
            empty_before: false,
            empty_after: false,
        }
    }
}

fn zero_proof(depth: usize) -> MerkleProof {
    MerkleProof { index: 0, siblings: vec![[Fr::from(0u64); 3]; depth] }
}

/// The signature a chunk checks: what it covers beyond the pubdata and the leaves.
///
/// The message fields are field elements, as the circuit sees them: a prover may put any value
/// there, and the circuit range-checks each at its declared width (`docs/spec/circuit.md`).
/// [`SignatureWitness::of`] fills them from a signed transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureWitness {
    /// The signer's public key `A`.
    pub pub_key: Point,
    /// The signature `(R8, S)`.
    pub signature: Signature,
    /// The nonce the message signs (a `u32`).
    pub nonce: Fr,
    /// First valid block timestamp (a `u64`).
    pub valid_from: Fr,
    /// Last valid block timestamp (a `u64`).
    pub valid_until: Fr,
    /// For a swap order: its `amount` (a `u128`; 0 for a limit order).
    pub order_amount: Fr,
    /// For a swap order: its `ratio` (each side below 2¹²⁰).
    pub ratio: (Fr, Fr),
}

impl SignatureWitness {
    /// The placeholder of an unsigned chunk: `A = R8 = Base8` (curve points, as the circuit
    /// enforces for every slot), `S = 0`, nonce 0, valid at every timestamp.
    pub fn dummy() -> Self {
        Self {
            pub_key: Point::base8(),
            signature: Signature { r8: Point::base8(), s: Scalar::from(0u64) },
            nonce: Fr::ZERO,
            valid_from: Fr::ZERO,
            valid_until: Fr::from(u64::MAX),
            order_amount: Fr::ZERO,
            ratio: (Fr::ZERO, Fr::ZERO),
        }
    }

    /// The witness of `signed`'s signature over a message with `nonce` and `range`.
    pub fn of<T>(signed: &Signed<T>, nonce: Nonce, range: tern_types::TimeRange) -> Self {
        let TxSignature { pub_key, signature } = signed.signature;
        Self {
            pub_key: *pub_key.point(),
            signature,
            nonce: Fr::from(nonce),
            valid_from: Fr::from(range.valid_from),
            valid_until: Fr::from(range.valid_until),
            order_amount: Fr::ZERO,
            ratio: (Fr::ZERO, Fr::ZERO),
        }
    }
}

/// Everything one chunk slot of the circuit reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkWitness {
    /// The chunk's 13 pubdata bytes.
    pub pubdata: [u8; CHUNK_BYTES],
    /// The opcode of the operation the chunk belongs to.
    pub opcode: u8,
    /// The chunk's position in its operation (0 = first).
    pub position: usize,
    /// The operation's arguments ([`crate::layout::Arg`] order), the same in all its chunks.
    pub args: [Fr; ARGS],
    /// The operation's auxiliary values ([`Aux`] order).
    pub aux: [Fr; AUX],
    /// The two leaf updates.
    pub units: [UnitWitness; 2],
    /// The signature checked in this chunk, or [`SignatureWitness::dummy`].
    pub signature: SignatureWitness,
}

impl ChunkWitness {
    /// A Noop chunk: zero pubdata and placeholders.
    pub fn noop() -> Self {
        Self {
            pubdata: [0u8; CHUNK_BYTES],
            opcode: 0,
            position: 0,
            args: [Fr::from(0u64); ARGS],
            aux: [Fr::from(0u64); AUX],
            units: [UnitWitness::dummy(), UnitWitness::dummy()],
            signature: SignatureWitness::dummy(),
        }
    }
}

/// One fee slot: a token and the block's total fee in it, credited to the fee account after
/// the last chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSlotWitness {
    /// The slot's token (an unused slot holds a token no chunk pays a fee in).
    pub token: TokenId,
    /// The total credited: the circuit enforces that it equals the sum of the pubdata fees
    /// in this token.
    pub amount: u128,
    /// The fee account's balance of `token` before this slot's credit.
    pub balance: u128,
    /// Proof of that balance in the fee account's balance tree, after the earlier slots'
    /// credits.
    pub balance_proof: MerkleProof,
}

/// The fee account's update at the end of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeWitness {
    /// The fee account's fields (unchanged by the credits).
    pub fields: AccountFields,
    /// Proof of the fee account's leaf after the last chunk.
    pub account_proof: MerkleProof,
    /// The [`MAX_FEE_TOKENS_PER_BLOCK`] slots; used tokens first, in increasing token order.
    pub slots: Vec<FeeSlotWitness>,
}

impl FeeWitness {
    /// A placeholder of the right shape (key generation).
    pub fn dummy() -> Self {
        let slots = (0..MAX_FEE_TOKENS_PER_BLOCK)
            .map(|k| FeeSlotWitness {
                token: TokenId(k as u16),
                amount: 0,
                balance: 0,
                balance_proof: zero_proof(BALANCE_TREE_DEPTH),
            })
            .collect();
        Self {
            fields: AccountFields::default(),
            account_proof: zero_proof(ACCOUNT_TREE_DEPTH),
            slots,
        }
    }
}

/// The complete witness of a block for [`crate::block::BlockCircuit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockWitness {
    /// The block's header (number, fee account, timestamp, roots).
    pub header: BlockHeader,
    /// Root of the account tree before the block.
    pub account_root: Fr,
    /// Root of the NFT tree before the block.
    pub nft_root: Fr,
    /// The next NFT id before the block.
    pub next_nft_id: u32,
    /// The next account id before the block.
    pub next_account_id: u32,
    /// One entry per chunk slot: the circuit's capacity.
    pub chunks: Vec<ChunkWitness>,
    /// The fee account's update after the last chunk.
    pub fees: FeeWitness,
    /// The public input the verifier will use (`Block::public_input`). With `None` the circuit
    /// takes the commitment it computes, which is what key generation needs and what an honest
    /// prover gets anyway.
    pub public_input: Option<Fr>,
}

impl BlockWitness {
    /// A witness of the right shape for `capacity` chunks with placeholder values, for key
    /// generation (the values are never read there). It does not satisfy the circuit.
    pub fn dummy(capacity: usize) -> Self {
        let zero = Fr::from(0u64);
        Self {
            header: BlockHeader {
                number: 0,
                fee_account: AccountId(0),
                timestamp: 0,
                old_root: zero,
                new_root: zero,
            },
            account_root: zero,
            nft_root: zero,
            next_nft_id: 0,
            next_account_id: 0,
            chunks: vec![ChunkWitness::noop(); capacity],
            fees: FeeWitness::dummy(),
            public_input: None,
        }
    }

    /// The number of chunk slots.
    pub fn capacity(&self) -> usize {
        self.chunks.len()
    }
}

/// Generates the witness of `block` from the state before it.
///
/// `txs` are the signed transactions behind the block's L2 operations, in operation order
/// (`BuiltBlock::included`); priority operations and Noops have none. The witness's public
/// input is `block.public_input()`.
pub fn generate_witness(
    pre_state: &State,
    block: &Block,
    txs: &[SignedTx],
) -> Result<BlockWitness, WitnessError> {
    replay(pre_state, block, txs, true)
}

/// Like [`generate_witness`], but for a block that native execution never built: the replayed
/// root becomes the block's new root (and the public input follows), instead of being checked.
///
/// For soundness tests: a block whose operations break a rule (a FullExit that withdraws
/// nothing from its owner, a wrong swap nonce mask) still gets a witness, and the circuit must
/// refuse it. The replay still refuses effects that cannot be written (a balance below zero).
pub fn generate_witness_unchecked(
    pre_state: &State,
    block: &Block,
    txs: &[SignedTx],
) -> Result<BlockWitness, WitnessError> {
    replay(pre_state, block, txs, false)
}

fn replay(
    pre_state: &State,
    block: &Block,
    txs: &[SignedTx],
    check: bool,
) -> Result<BlockWitness, WitnessError> {
    let mut block = block.clone();
    let capacity = block.capacity;
    let used = block.used_chunks();
    if used > capacity {
        return Err(WitnessError::OverCapacity { used, capacity });
    }
    let mut r = Replay { state: pre_state.clone(), fees: BTreeMap::new() };
    let (account_root, nft_root) = r.state.sub_roots();
    let next_nft_id = r.state.next_nft_id();
    let next_account_id = r.state.next_account_id();
    if state_root(account_root, nft_root, next_nft_id, next_account_id) != block.header.old_root {
        return Err(WitnessError::OldRootMismatch);
    }

    let mut chunks = Vec::with_capacity(capacity);
    let mut next_tx = 0;
    for (index, op) in block.ops.iter().enumerate() {
        let tx = if is_signed(op) {
            let tx = txs.get(next_tx).ok_or(WitnessError::MissingTx { index, name: op.name() })?;
            next_tx += 1;
            Some(tx)
        } else {
            None
        };
        let mismatch = WitnessError::TxMismatch { index, tx: next_tx.saturating_sub(1) };
        let mut op_chunks =
            r.op(op, tx).map_err(|e| e.at(index)).and_then(|c| c.ok_or(mismatch.clone()))?;
        let bytes = op.encode()?;
        let args = args_of(op.opcode(), &bytes);
        for (position, c) in op_chunks.iter_mut().enumerate() {
            c.pubdata = bytes
                .get(position * CHUNK_BYTES..(position + 1) * CHUNK_BYTES)
                .and_then(|b| <[u8; CHUNK_BYTES]>::try_from(b).ok())
                .ok_or(WitnessError::Inconsistent("an operation shorter than its chunks"))?;
            c.opcode = op.opcode();
            c.position = position;
            c.args = args;
        }
        chunks.extend(op_chunks);
    }
    if next_tx != txs.len() {
        return Err(WitnessError::ExtraTxs(txs.len() - next_tx));
    }
    chunks.resize(capacity, ChunkWitness::noop());

    let fees = r.fee_update(block.header.fee_account)?;
    let root = r.state.root();
    if !check {
        block.header.new_root = root;
    } else if root != block.header.new_root {
        return Err(WitnessError::NewRootMismatch);
    }
    Ok(BlockWitness {
        header: block.header,
        account_root,
        nft_root,
        next_nft_id,
        next_account_id,
        chunks,
        fees,
        public_input: Some(block.public_input()?),
    })
}

/// Whether an operation comes from a signed L2 transaction.
fn is_signed(op: &Op) -> bool {
    !matches!(op, Op::Noop | Op::Deposit(_) | Op::FullExit(_) | Op::FullExitNft(_))
}

/// The arguments an operation's encoding spells, by the circuit's layout table (what the
/// chunks of that operation carry in [`ChunkWitness::args`]).
pub fn args_of(opcode: u8, bytes: &[u8]) -> [Fr; ARGS] {
    let bit = |k: usize| bytes.get(k / 8).is_some_and(|b| (b >> (7 - k % 8)) & 1 == 1);
    let mut args = [Fr::from(0u64); ARGS];
    for &(arg, offset, width) in fields(opcode) {
        let mut value = Fr::from(0u64);
        for k in offset..offset + width {
            value = value.double() + Fr::from(u64::from(bit(k)));
        }
        args[arg as usize] = value;
    }
    args
}

impl WitnessError {
    fn at(self, index: usize) -> Self {
        match self {
            WitnessError::Replay { source, .. } => WitnessError::Replay { index, source },
            other => other,
        }
    }
}

/// The replay: the state as the circuit sees it, and the fees collected so far.
struct Replay {
    state: State,
    fees: BTreeMap<TokenId, u128>,
}

fn replay_err(source: TxError) -> WitnessError {
    WitnessError::Replay { index: 0, source }
}

impl Replay {
    /// The account leaf `id` and its `token` balance, with proofs, as they are now. An empty
    /// slot reads as the all-zero account with an empty balance tree.
    fn account_unit(&mut self, id: AccountId, token: TokenId) -> Result<UnitWitness, WitnessError> {
        let (_, path) = self.state.account_proof(id)?;
        let Some(a) = self.state.account(id).cloned() else {
            let mut empty = SparseMerkleTree::new(BALANCE_TREE_DEPTH as u8, Fr::from(0u64))?;
            return Ok(UnitWitness {
                index: id.0,
                token: token.0,
                balance_proof: empty.proof(u64::from(token.0))?,
                path,
                ..UnitWitness::dummy()
            });
        };
        let (_, balance_proof) =
            self.state.balance_proof(id, token)?.ok_or(WitnessError::AccountNotFound(id))?;
        Ok(UnitWitness {
            index: id.0,
            token: token.0,
            fields: [
                Fr::from(u64::from(a.nonce) | u64::from(a.nfts_minted) << 32),
                a.pubkey_hash.to_fr(),
                fr_from_be_short(a.address.as_slice()),
                Fr::ZERO,
            ],
            balance: a.balance(token),
            balance_proof,
            path,
            empty_before: false,
            empty_after: false,
        })
    }

    /// NFT slot `id` as it is now.
    fn nft_unit(&mut self, id: NftId) -> Result<UnitWitness, WitnessError> {
        let (_, path) = self.state.nft_proof(id)?;
        let nft = self.state.nft(id).cloned();
        Ok(UnitWitness {
            index: id.0,
            fields: nft.as_ref().map(Nft::leaf_inputs).unwrap_or([Fr::ZERO; 4]),
            path,
            empty_before: nft.is_none(),
            empty_after: nft.is_none(),
            ..UnitWitness::dummy()
        })
    }

    fn add_balance(
        &mut self,
        id: AccountId,
        token: TokenId,
        delta: Delta,
    ) -> Result<(), WitnessError> {
        let balance = self.state.balance(id, token);
        let new = match delta {
            Delta::Plus(x) => balance.checked_add(x),
            Delta::Minus(x) => balance.checked_sub(x),
        }
        .ok_or(WitnessError::Inconsistent("a balance leaves the u128 range"))?;
        self.state.set_balance(id, token, new);
        Ok(())
    }

    fn bump_nonce(&mut self, id: AccountId, minted: bool) -> Result<(), WitnessError> {
        self.state
            .update_meta(id, |a| {
                a.nonce = a.nonce.wrapping_add(1);
                if minted {
                    a.nfts_minted = a.nfts_minted.wrapping_add(1);
                }
            })
            .map_err(replay_err)
    }

    fn charge(&mut self, id: AccountId, token: TokenId, fee: u128) -> Result<(), WitnessError> {
        self.add_balance(id, token, Delta::Minus(fee))?;
        if fee != 0 {
            let total = self.fees.entry(token).or_insert(0);
            *total = total
                .checked_add(fee)
                .ok_or(WitnessError::Inconsistent("the block's fees overflow"))?;
        }
        Ok(())
    }

    fn address_of(&self, id: AccountId) -> Result<Address, WitnessError> {
        self.state.account(id).map(|a| a.address).ok_or(WitnessError::AccountNotFound(id))
    }

    /// Replays one operation; `None` if `tx` is not the operation's transaction.
    fn op(
        &mut self,
        op: &Op,
        tx: Option<&SignedTx>,
    ) -> Result<Option<Vec<ChunkWitness>>, WitnessError> {
        let n = chunks(op.opcode());
        let mut out = vec![ChunkWitness::noop(); n];
        match (op, tx) {
            (Op::Noop, None) => {}
            (Op::Deposit(d), None) => {
                out[0].units[0] = self.account_unit(d.account_id, d.token)?;
                if self.state.account(d.account_id).is_none() {
                    let id = self.state.create_account(d.address).map_err(replay_err)?;
                    if id != d.account_id {
                        return Err(WitnessError::Inconsistent("a deposit's new account id"));
                    }
                }
                self.add_balance(d.account_id, d.token, Delta::Plus(d.amount))?;
            }
            (Op::FullExit(f), None) => {
                out[0].units[0] = self.account_unit(f.account_id, f.token)?;
                if f.amount != 0 {
                    self.add_balance(f.account_id, f.token, Delta::Minus(f.amount))?;
                }
            }
            (Op::Transfer(t), Some(SignedTx::Transfer(s))) => {
                let to = self.address_of(t.to)?;
                if s.tx.account_id != t.from || s.tx.to != to || !same_transfer(t, &s.tx) {
                    return Ok(None);
                }
                out[0].units[0] = self.sender(t.from, t.token, t.amount, t.fee)?;
                out[0].units[1] = self.account_unit(t.to, t.token)?;
                self.add_balance(t.to, t.token, Delta::Plus(t.amount))?;
                out[0].signature = SignatureWitness::of(s, s.tx.nonce, s.tx.time_range);
            }
            (Op::TransferToNew(n), Some(SignedTx::Transfer(s))) => {
                let t = &n.transfer;
                if s.tx.account_id != t.from || s.tx.to != n.to_address || !same_transfer(t, &s.tx)
                {
                    return Ok(None);
                }
                out[0].units[0] = self.sender(t.from, t.token, t.amount, t.fee)?;
                out[0].units[1] = self.account_unit(t.to, t.token)?;
                let id = self.state.create_account(n.to_address).map_err(replay_err)?;
                if id != t.to {
                    return Err(WitnessError::Inconsistent("a transfer's new account id"));
                }
                self.add_balance(t.to, t.token, Delta::Plus(t.amount))?;
                out[0].signature = SignatureWitness::of(s, s.tx.nonce, s.tx.time_range);
            }
            (Op::Withdraw(w), Some(SignedTx::Withdraw(s))) => {
                let x = &s.tx;
                if (x.account_id, x.to, x.token, x.amount, x.fee)
                    != (w.account_id, w.to, w.token, w.amount, w.fee)
                {
                    return Ok(None);
                }
                out[0].units[0] = self.sender(w.account_id, w.token, w.amount, w.fee)?;
                out[0].signature = SignatureWitness::of(s, x.nonce, x.time_range);
            }
            (Op::ChangePubKey(c), Some(SignedTx::ChangePubKey(s))) => {
                let x = &s.tx;
                if (x.account_id, x.new_pubkey_hash, x.fee_token, x.fee, x.nonce)
                    != (c.account_id, c.pubkey_hash, c.fee_token, c.fee, c.nonce)
                {
                    return Ok(None);
                }
                out[0].units[0] = self.account_unit(c.account_id, c.fee_token)?;
                self.charge(c.account_id, c.fee_token, c.fee)?;
                self.state
                    .update_meta(c.account_id, |a| {
                        a.pubkey_hash = c.pubkey_hash;
                        a.nonce = a.nonce.wrapping_add(1);
                    })
                    .map_err(replay_err)?;
                out[0].signature = SignatureWitness::of(s, x.nonce, x.time_range);
            }
            (Op::ForcedExit(f), Some(SignedTx::ForcedExit(s))) => {
                let x = &s.tx;
                if (x.account_id, x.target, x.token, x.fee)
                    != (f.initiator, f.target_address, f.token, f.fee)
                {
                    return Ok(None);
                }
                out[0].units[0] = self.sender(f.initiator, f.token, 0, f.fee)?;
                out[0].units[1] = self.account_unit(f.target, f.token)?;
                self.add_balance(f.target, f.token, Delta::Minus(f.amount))?;
                out[0].signature = SignatureWitness::of(s, x.nonce, x.time_range);
            }
            (Op::Swap(w), Some(SignedTx::Swap(s))) => {
                let x = &s.tx;
                let [o0, o1] = [&x.orders[0], &x.orders[1]];
                if x.account_id != w.submitter
                    || [o0.tx.account_id, o1.tx.account_id] != w.accounts
                    || [o0.tx.token_sell, o1.tx.token_sell] != w.tokens
                    || x.amounts != w.amounts
                    || (x.fee_token, x.fee) != (w.fee_token, w.fee)
                {
                    return Ok(None);
                }
                for (i, order) in [o0, o1].into_iter().enumerate() {
                    let (me, sell, buy) = (w.accounts[i], w.tokens[i], w.tokens[1 - i]);
                    let c = &mut out[i];
                    c.units[0] = self.account_unit(me, sell)?;
                    self.add_balance(me, sell, Delta::Minus(w.amounts[i]))?;
                    if w.nonce_mask >> i & 1 == 1 {
                        self.bump_nonce(me, false)?;
                    }
                    out[i].units[1] = self.account_unit(me, buy)?;
                    self.add_balance(me, buy, Delta::Plus(w.amounts[1 - i]))?;
                    let mut sig = SignatureWitness::of(order, order.tx.nonce, order.tx.time_range);
                    sig.order_amount = Fr::from(order.tx.amount);
                    sig.ratio = (Fr::from(order.tx.ratio.0), Fr::from(order.tx.ratio.1));
                    out[i].signature = sig;
                    let message = tern_types::tx::TxBody::message(&order.tx)?;
                    out[0].aux[if i == 0 { Aux::Msg0 } else { Aux::Msg1 } as usize] = message;
                }
                out[0].aux[Aux::Bit0 as usize] = Fr::from(u64::from(w.nonce_mask & 1));
                out[0].aux[Aux::Bit1 as usize] = Fr::from(u64::from(w.nonce_mask >> 1 & 1));
                out[2].units[0] = self.sender(w.submitter, w.fee_token, 0, w.fee)?;
                out[2].signature = SignatureWitness::of(s.as_ref(), x.nonce, x.time_range);
            }
            (Op::MintNft(m), Some(SignedTx::MintNft(s))) => {
                let x = &s.tx;
                let recipient = self.address_of(m.recipient)?;
                if (x.account_id, x.recipient, x.content_hash, x.fee_token, x.fee)
                    != (m.creator, recipient, m.content_hash, m.fee_token, m.fee)
                {
                    return Ok(None);
                }
                let creator = self.state.account(m.creator).cloned();
                let creator = creator.ok_or(WitnessError::AccountNotFound(m.creator))?;
                out[0].units[0] = self.account_unit(m.creator, m.fee_token)?;
                self.charge(m.creator, m.fee_token, m.fee)?;
                self.bump_nonce(m.creator, true)?;
                out[0].units[1] = self.account_unit(m.recipient, TokenId(0))?;
                out[0].signature = SignatureWitness::of(s, x.nonce, x.time_range);
                out[0].aux[Aux::Addr as usize] = fr_from_be_short(recipient.as_slice());
                out[0].aux[Aux::CreatorAddr as usize] =
                    fr_from_be_short(creator.address.as_slice());
                out[0].aux[Aux::Serial as usize] = Fr::from(creator.nfts_minted);
                out[1].units[1] = self.nft_unit(m.nft_id)?;
                out[1].units[1].empty_after = false;
                let nft = Nft {
                    owner: m.recipient,
                    info: NftInfo {
                        creator_id: m.creator,
                        creator_address: creator.address,
                        serial: creator.nfts_minted,
                        content_hash: m.content_hash,
                    },
                };
                self.state.put_nft(m.nft_id, Some(nft));
                if self.state.allocate_nft_id().map_err(replay_err)? != m.nft_id {
                    return Err(WitnessError::Inconsistent("a minted NFT's id"));
                }
            }
            (Op::TransferNft(t), Some(SignedTx::TransferNft(s))) => {
                let x = &s.tx;
                let to = self.address_of(t.to)?;
                if (x.account_id, x.to, x.nft_id, x.fee_token, x.fee)
                    != (t.from, to, t.nft_id, t.fee_token, t.fee)
                {
                    return Ok(None);
                }
                out[0].units[0] = self.account_unit(t.from, t.fee_token)?;
                self.charge(t.from, t.fee_token, t.fee)?;
                self.bump_nonce(t.from, false)?;
                out[0].units[1] = self.nft_unit(t.nft_id)?;
                let mut nft = self
                    .state
                    .nft(t.nft_id)
                    .cloned()
                    .ok_or(WitnessError::Inconsistent("a transferred NFT does not exist"))?;
                nft.owner = t.to;
                self.state.put_nft(t.nft_id, Some(nft));
                out[0].signature = SignatureWitness::of(s, x.nonce, x.time_range);
                out[0].aux[Aux::Addr as usize] = fr_from_be_short(to.as_slice());
                out[1].units[1] = self.account_unit(t.to, TokenId(0))?;
            }
            (Op::WithdrawNft(w), Some(SignedTx::WithdrawNft(s))) => {
                let x = &s.tx;
                if (x.account_id, x.to, x.nft_id, x.fee_token, x.fee)
                    != (w.account_id, w.to, w.nft_id, w.fee_token, w.fee)
                {
                    return Ok(None);
                }
                out[0].units[0] = self.account_unit(w.account_id, w.fee_token)?;
                self.charge(w.account_id, w.fee_token, w.fee)?;
                self.bump_nonce(w.account_id, false)?;
                out[0].units[1] = self.nft_unit(w.nft_id)?;
                out[0].units[1].empty_after = true;
                self.state.put_nft(w.nft_id, None);
                out[0].signature = SignatureWitness::of(s, x.nonce, x.time_range);
            }
            (Op::FullExitNft(f), None) => {
                out[0].units[0] = self.account_unit(f.account_id, TokenId(0))?;
                out[0].units[1] = self.nft_unit(f.nft_id)?;
                if f.success {
                    out[0].units[1].empty_after = true;
                    self.state.put_nft(f.nft_id, None);
                }
            }
            _ => return Ok(None),
        }
        // The operation's auxiliary values ride in every chunk of it.
        let aux = out[0].aux;
        out.iter_mut().for_each(|c| c.aux = aux);
        Ok(Some(out))
    }

    /// The signer's update: debit `amount + fee` of `token`, fee collected, nonce + 1.
    fn sender(
        &mut self,
        id: AccountId,
        token: TokenId,
        amount: u128,
        fee: u128,
    ) -> Result<UnitWitness, WitnessError> {
        let unit = self.account_unit(id, token)?;
        self.add_balance(id, token, Delta::Minus(amount))?;
        self.charge(id, token, fee)?;
        self.bump_nonce(id, false)?;
        Ok(unit)
    }

    /// Credits the collected fees to the fee account and records the update: the slots in
    /// increasing token order, padded with tokens that collected nothing; each slot's balance
    /// proof taken after the earlier slots' credits.
    fn fee_update(&mut self, id: AccountId) -> Result<FeeWitness, WitnessError> {
        let a = self.state.account(id).cloned().ok_or(WitnessError::AccountNotFound(id))?;
        let fields = AccountFields {
            nonce: a.nonce,
            nfts_minted: a.nfts_minted,
            pubkey_hash: a.pubkey_hash,
            address: a.address,
        };
        let (_, account_proof) = self.state.account_proof(id)?;
        let mut used: Vec<(TokenId, u128)> = self.fees.iter().map(|(t, a)| (*t, *a)).collect();
        if used.len() > MAX_FEE_TOKENS_PER_BLOCK {
            return Err(WitnessError::TooManyFeeTokens(used.len()));
        }
        let mut spare = (0..MAX_TOKENS).map(TokenId).filter(|t| !self.fees.contains_key(t));
        while used.len() < MAX_FEE_TOKENS_PER_BLOCK {
            let token = spare.next().ok_or(WitnessError::Inconsistent("no spare fee token"))?;
            used.push((token, 0));
        }
        let mut slots = Vec::with_capacity(MAX_FEE_TOKENS_PER_BLOCK);
        for (token, amount) in used {
            let balance = self.state.balance(id, token);
            let (_, balance_proof) =
                self.state.balance_proof(id, token)?.ok_or(WitnessError::AccountNotFound(id))?;
            self.add_balance(id, token, Delta::Plus(amount))?;
            slots.push(FeeSlotWitness { token, amount, balance, balance_proof });
        }
        Ok(FeeWitness { fields, account_proof, slots })
    }
}

/// A signed change of a balance.
#[derive(Debug, Clone, Copy)]
enum Delta {
    Plus(u128),
    Minus(u128),
}

fn same_transfer(t: &TransferOp, x: &tern_types::tx::Transfer) -> bool {
    (x.token, x.amount, x.fee) == (t.token, t.amount, t.fee)
}
