//! The block circuit, first version: Transfer and Noop chunks, the end-of-block fee credit and
//! the block commitment (`docs/spec/circuit.md`).
//!
//! [`BlockCircuit`] proves that the operations whose pubdata the commitment binds turn the old
//! state root into the new one under the rules of `docs/spec/operations.md`. Its only public
//! input is the commitment ([`crate::commitment`]). Its shape depends only on the capacity: key
//! generation synthesises it without a witness ([`BlockCircuit::setup`]) and gets the same
//! constraint system as a prover.
//!
//! # Per chunk slot
//!
//! The slot's 104 pubdata bits are Boolean witnesses, and the very same variables are decoded
//! into the fields, index the Merkle paths, enter the signed message and feed SHA-256 as the
//! chunk's 13 bytes. Layout (`docs/spec/pubdata.md`): opcode 4 | from 24 | to 24 | token 10 |
//! amount float 30 | fee float 12.
//!
//! - **Opcode**: bits 0, 2 and 3 are zero, so the opcode is 0 (Noop) or 4 (Transfer), and bit 1
//!   is the selector `is_transfer`. A Noop's other 100 bits are zero, and the root passes the
//!   slot unchanged; every Transfer rule below is enforced under `is_transfer`.
//! - **Floats**: amount and fee are decoded ([`unpack_var`]) and must be canonical
//!   ([`enforce_canonical`]), as the native pubdata decoder requires.
//! - **Signature**: the message is `Poseidon(m0, m1)` with `m0 = 4 ‖ from ‖ nonce ‖ valid_from
//!   ‖ valid_until` and `m1 = to_address ‖ token ‖ amount_packed ‖ fee_packed`
//!   (`docs/spec/transactions.md`), built from the pubdata bits, the signed nonce and time
//!   range, and the **recipient's address from its account leaf**, so the signature binds the
//!   recipient. EdDSA-Poseidon must verify ([`verify_var`]); the low 160 bits of
//!   `Poseidon(A.x, A.y)` must equal the sender's `pubkey_hash`, which must be non-zero.
//! - **Nonce**: the signed nonce equals the sender's; the sender's `nonce` and `nfts_minted`
//!   are 32-bit decompositions of the leaf's first input (so no other split of it exists), and
//!   the nonce is not `2³² − 1` (nonces never wrap).
//! - **Time**: `valid_until`, `timestamp − valid_from` and `valid_until − timestamp` are all
//!   64-bit values, i.e. `valid_from ≤ timestamp ≤ valid_until` and the signed range is the
//!   one `m0` holds.
//! - **Sender**: balance path (index: the token bits), account leaf, account path (index: the
//!   `from` bits); the old root must be the current root; new balance `balance − amount − fee`
//!   is a 128-bit value (no underflow); nonce + 1.
//! - **Recipient**: the same against the root after the sender's update (index: the `to`
//!   bits); new balance `balance + amount` is a 128-bit value; its address is not zero (an
//!   empty slot cannot be credited).
//! - **Fees**: four slots, each a 10-bit token; the chunk's fee is added to the slot whose token
//!   equals the chunk's token, and exactly one slot must match unless the fee is zero.
//!
//! # End of block
//!
//! The fee account (the header's, below 2²⁴, with a non-zero address) is updated once: its
//! balance tree takes the four slot credits in sequence (each a 128-bit result; an unused slot
//! credits 0), then its account leaf moves from the first balance root to the last along one
//! account path, checked against the root after the last chunk. The state roots are
//! `Poseidon(account_root, nft_root, next_nft_id)` before and after, with the NFT root and
//! counter witnessed once (Transfers do not touch them). The commitment hashes the header,
//! an all-zero on-chain bitmap (no chunk of a Transfer or Noop is on-chain) and the pubdata
//! bytes.
//!
//! # Cost
//!
//! Measured (`constraints_per_chunk` in `tests/transfer_block.rs` prints the totals):
//!
//! | part, per chunk slot | constraints |
//! |---|---:|
//! | pubdata bits (104 booleans) | 104 |
//! | opcode and Noop rules | 2 |
//! | amount and fee floats (unpack, canonical) | 40 |
//! | time range (three 64-bit decompositions) | 195 |
//! | sender nonce and `nfts_minted` bits, nonce rules, key present | 67 |
//! | sender and recipient balance range checks (128 bits each), recipient address | 259 |
//! | sender update: balance path, leaf, account path, old and new | 10,862 |
//! | recipient update, the same | 10,862 |
//! | signer key hash: `S` bits 251, Poseidon 240, strict decomposition 385 | 876 |
//! | message Poseidon(m0, m1) | 240 |
//! | EdDSA verification | 4,218 |
//! | root checks, selection, signature gate, key hash equality | 5 |
//! | fee slot selection | 13 |
//! | **per slot, before SHA-256** | **27,743** |
//! | its 13 bytes of SHA-256 (about 13/64 of a 25,014-constraint block) | about 5,080 |
//!
//! Once per block: the header's integers (160), the two state roots (261 each), the fee-slot
//! tokens (40), the fee account's update (20,448) and the commitment's root decompositions and
//! SHA-256 (`84 + ⌈C/8⌉ + 13·C` bytes). Capacity 4 costs 207,166 constraints in all.
//!
//! # Not yet enforced
//!
//! This version proves blocks of Transfers and Noops only. Not in the circuit yet:
//!
//! - every other operation (opcodes 1–3 and 5–12): a chunk with such an opcode makes the
//!   circuit unsatisfiable, so such blocks cannot be proven at all (nothing is accepted
//!   unchecked);
//! - multi-chunk bookkeeping (`opcode`, `index_in_op` carried between slots) and the on-chain
//!   bitmap's bit for on-chain operations: the bitmap is the constant zero, correct for
//!   Transfers and Noops only;
//! - the NFT tree and `next_nft_id` transitions (both are carried unchanged).
//!
//! Rules that are native only by design (`docs/spec/operations.md`): whether a token is listed,
//! and the fee account's reserved room during the block (the circuit checks the final fee
//! balances fit 128 bits instead).

use crate::commitment::{enforce_commitment, HeaderVar};
use crate::util::{
    be_value, le_value, pow2, range_check, reversed, siblings, sum, witness, witness_bits_le, Cs,
};
use crate::witness::{AccountWitness, BlockWitness, ChunkWitness, FeeWitness};
use ark_ff::Field;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::ToBitsGadget;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_r1cs_std::uint32::UInt32;
use ark_r1cs_std::uint64::UInt64;
use ark_r1cs_std::uint8::UInt8;
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError};
use tern_primitives::babyjubjub::r1cs::PointVar;
use tern_primitives::eddsa::r1cs::{to_bits_le_strict, verify_var, SignatureVar};
use tern_primitives::field::fr_from_be_short;
use tern_primitives::float::r1cs::{enforce_canonical, unpack_var};
use tern_primitives::float::{AMOUNT, FEE};
use tern_primitives::poseidon::r1cs::poseidon_var;
use tern_primitives::Fr;
use tern_state::tree::r1cs::MerklePathVar;
use tern_types::params::{
    ACCOUNT_BITS, ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH, CHUNK_BITS, CHUNK_BYTES,
    MAX_FEE_TOKENS_PER_BLOCK, OPCODE_BITS, TOKEN_BITS,
};
use tern_types::tx::tx_type;

/// Bit offsets of a Transfer's fields in its chunk.
const FROM_AT: usize = OPCODE_BITS;
const TO_AT: usize = FROM_AT + ACCOUNT_BITS;
const TOKEN_AT: usize = TO_AT + ACCOUNT_BITS;
const AMOUNT_AT: usize = TOKEN_AT + TOKEN_BITS;
const FEE_AT: usize = AMOUNT_AT + AMOUNT.bits() as usize;
const _: () = assert!(FEE_AT + FEE.bits() as usize == CHUNK_BITS, "a Transfer fills one chunk");
const _: () = assert!(tx_type::TRANSFER == 4 && tx_type::NOOP == 0, "opcode bit 1 selects");

/// Bits of a balance (`u128`).
const BALANCE_BITS: usize = 128;
/// Bits of a nonce, and of `nfts_minted`.
const NONCE_BITS: usize = 32;
/// Bits of a time bound and of the block timestamp.
const TIME_BITS: usize = 64;

/// The block circuit over BN254 for `capacity` chunk slots (see the module docs).
///
/// With `witness: None` it synthesises placeholder values of the right shape, which key
/// generation never reads: the constraint system is the same as with a witness.
#[derive(Clone, Debug)]
pub struct BlockCircuit {
    /// Number of chunk slots; the circuit's shape depends on nothing else.
    pub capacity: usize,
    /// The block's witness ([`crate::witness::generate_witness`]), or `None` for key
    /// generation. Its number of chunks must equal `capacity`.
    pub witness: Option<BlockWitness>,
}

impl BlockCircuit {
    /// The circuit for key generation: no witness.
    pub fn setup(capacity: usize) -> Self {
        Self { capacity, witness: None }
    }

    /// The circuit for proving `witness`, with the capacity it was built for.
    pub fn with_witness(witness: BlockWitness) -> Self {
        Self { capacity: witness.capacity(), witness: Some(witness) }
    }
}

impl ConstraintSynthesizer<Fr> for BlockCircuit {
    /// Synthesises the block (see the module docs). Fails with
    /// [`SynthesisError::Unsatisfiable`] if the witness's shape does not match the capacity.
    fn generate_constraints(self, cs: Cs) -> Result<(), SynthesisError> {
        let witness = self.witness.unwrap_or_else(|| BlockWitness::dummy(self.capacity));
        if witness.chunks.len() != self.capacity
            || witness.fees.slots.len() != MAX_FEE_TOKENS_PER_BLOCK
        {
            return Err(SynthesisError::Unsatisfiable);
        }
        synthesize(&cs, &witness)
    }
}

/// The whole block.
fn synthesize(cs: &Cs, w: &BlockWitness) -> Result<(), SynthesisError> {
    let header = &w.header;
    let number = UInt64::new_witness(cs.clone(), || Ok(header.number))?;
    let fee_account = UInt32::new_witness(cs.clone(), || Ok(header.fee_account.0))?;
    let timestamp = UInt64::new_witness(cs.clone(), || Ok(header.timestamp))?;
    let ts = le_value(&timestamp.to_bits_le()?)?;

    let account_root = witness(cs, w.account_root)?;
    let nft_root = witness(cs, w.nft_root)?;
    let next_nft_id = witness(cs, Fr::from(w.next_nft_id))?;
    let old_root = poseidon_var(&[account_root.clone(), nft_root.clone(), next_nft_id.clone()])?;

    // The fee slots' tokens, 10 bits each (they index the fee account's balance tree).
    let slot_bits = w
        .fees
        .slots
        .iter()
        .map(|s| witness_bits_le(cs, u128::from(s.token.0), TOKEN_BITS))
        .collect::<Result<Vec<_>, _>>()?;
    let slot_tokens = slot_bits.iter().map(|b| le_value(b)).collect::<Result<Vec<_>, _>>()?;
    let mut collected = vec![FpVar::zero(); MAX_FEE_TOKENS_PER_BLOCK];

    let mut root = account_root;
    let mut pubdata = Vec::with_capacity(w.chunks.len() * CHUNK_BYTES);
    for chunk in &w.chunks {
        let out = chunk_slot(cs, chunk, &root, &ts)?;
        root = out.root;
        pubdata.extend(out.bytes);
        // The fee goes to the one slot whose token matches (none needed for a zero fee).
        let mut placed = FpVar::zero();
        for (total, token) in collected.iter_mut().zip(&slot_tokens) {
            let share = &out.fee * FpVar::from(out.token.is_eq(token)?);
            *total += &share;
            placed += share;
        }
        placed.enforce_equal(&out.fee)?;
    }

    let root = fee_update(cs, &w.fees, &fee_account, &slot_bits, &collected, &root)?;
    let new_root = poseidon_var(&[root, nft_root, next_nft_id])?;

    let header = HeaderVar { number, fee_account, old_root, new_root, timestamp };
    let bitmap = vec![UInt8::constant(0); w.chunks.len().div_ceil(8)];
    let _input = enforce_commitment(cs.clone(), &header, &bitmap, &pubdata, w.public_input)?;
    Ok(())
}

/// What a chunk slot hands to the block: the root after it, its pubdata bytes, and its fee
/// with the fee's token.
struct ChunkOut {
    root: FpVar<Fr>,
    bytes: Vec<UInt8<Fr>>,
    token: FpVar<Fr>,
    fee: FpVar<Fr>,
}

/// One chunk slot: a Transfer or a Noop (see the module docs).
fn chunk_slot(
    cs: &Cs,
    w: &ChunkWitness,
    root: &FpVar<Fr>,
    ts: &FpVar<Fr>,
) -> Result<ChunkOut, SynthesisError> {
    let bits = (0..CHUNK_BITS)
        .map(|k| {
            let bit = (w.pubdata[k / 8] >> (7 - k % 8)) & 1 == 1;
            Boolean::new_witness(cs.clone(), || Ok(bit))
        })
        .collect::<Result<Vec<_>, _>>()?;

    // Opcode 0 or 4; bit 1 selects the Transfer rules. A Noop's other bits are zero.
    sum(&[bits[0].clone(), bits[2].clone(), bits[3].clone()])?.enforce_equal(&FpVar::zero())?;
    let is_transfer = bits[1].clone();
    FpVar::from(!&is_transfer).mul_equals(&sum(&bits[OPCODE_BITS..])?, &FpVar::zero())?;

    let from_bits = &bits[FROM_AT..TO_AT];
    let to_bits = &bits[TO_AT..TOKEN_AT];
    let token_bits = &bits[TOKEN_AT..AMOUNT_AT];
    let amount_bits = &bits[AMOUNT_AT..FEE_AT];
    let fee_bits = &bits[FEE_AT..];
    let from = be_value(from_bits)?;
    let token = be_value(token_bits)?;
    let amount = unpack_var(amount_bits, AMOUNT)?;
    enforce_canonical(amount_bits, AMOUNT)?;
    let fee = unpack_var(fee_bits, FEE)?;
    enforce_canonical(fee_bits, FEE)?;
    let token_index = reversed(token_bits);

    // The signed transaction: nonce and time range.
    let sig = &w.signature;
    let signed_nonce = witness(cs, Fr::from(sig.nonce))?;
    let valid_from = witness(cs, Fr::from(sig.valid_from))?;
    let valid_until = witness(cs, Fr::from(sig.valid_until))?;
    range_check(&valid_until, TIME_BITS)?;
    range_check(&(ts - &valid_from), TIME_BITS)?;
    range_check(&(&valid_until - ts), TIME_BITS)?;

    // Sender: debit amount + fee, nonce + 1.
    let sender = AccountVars::new(cs, &w.sender)?;
    let nonce_bits = witness_bits_le(cs, u128::from(w.sender.fields.nonce), NONCE_BITS)?;
    let minted_bits = witness_bits_le(cs, u128::from(w.sender.fields.nfts_minted), NONCE_BITS)?;
    let nonce = le_value(&nonce_bits)?;
    let meta = le_value(&[nonce_bits, minted_bits].concat())?;
    nonce.conditional_enforce_not_equal(&FpVar::constant(pow2(32) - Fr::ONE), &is_transfer)?;
    signed_nonce.conditional_enforce_equal(&nonce, &is_transfer)?;
    sender.pubkey_hash.conditional_enforce_not_equal(&FpVar::zero(), &is_transfer)?;
    let sender_balance = &sender.balance - &amount - &fee;
    range_check(&sender_balance, BALANCE_BITS)?;
    let (old, middle) = sender.update(
        &token_index,
        &reversed(from_bits),
        (&meta, &(&meta + Fr::ONE)),
        &sender_balance,
    )?;
    old.conditional_enforce_equal(root, &is_transfer)?;

    // Recipient: credit amount, against the root after the sender's update.
    let recipient = AccountVars::new(cs, &w.recipient)?;
    let recipient_meta = witness(cs, meta_of(&w.recipient))?;
    recipient.address.conditional_enforce_not_equal(&FpVar::zero(), &is_transfer)?;
    let recipient_balance = &recipient.balance + &amount;
    range_check(&recipient_balance, BALANCE_BITS)?;
    let (before, new) = recipient.update(
        &token_index,
        &reversed(to_bits),
        (&recipient_meta, &recipient_meta),
        &recipient_balance,
    )?;
    before.conditional_enforce_equal(&middle, &is_transfer)?;

    // The signature: the key is the sender's, the message names the recipient's address.
    let key = PointVar::new_witness_unchecked(cs.clone(), || Ok(sig.pub_key))?;
    let signature = SignatureVar::new_witness(cs.clone(), || Ok(sig.signature))?;
    let key_hash = to_bits_le_strict(&poseidon_var(&[key.x.clone(), key.y.clone()])?)?;
    le_value(&key_hash[..160])?.conditional_enforce_equal(&sender.pubkey_hash, &is_transfer)?;
    let m0 = FpVar::constant(Fr::from(u64::from(tx_type::TRANSFER)) * pow2(192))
        + from * pow2(160)
        + signed_nonce * pow2(128)
        + valid_from * pow2(64)
        + valid_until;
    let m1 = &recipient.address * pow2(64)
        + &token * pow2(48)
        + be_value(amount_bits)? * pow2(16)
        + be_value(fee_bits)?;
    let message = poseidon_var(&[m0, m1])?;
    let valid = verify_var(&key, &signature.r8, &signature.s_bits, &message)?;
    valid.conditional_enforce_equal(&Boolean::TRUE, &is_transfer)?;

    let root = FpVar::conditionally_select(&is_transfer, &new, root)?;
    let bytes = bits.chunks(8).map(|byte| UInt8::from_bits_le(&reversed(byte))).collect();
    Ok(ChunkOut { root, bytes, token, fee })
}

/// An account's leaf inputs other than the nonce field, and its balance path's witnesses.
struct AccountVars {
    pubkey_hash: FpVar<Fr>,
    address: FpVar<Fr>,
    balance: FpVar<Fr>,
    balance_siblings: Vec<[FpVar<Fr>; 3]>,
    account_siblings: Vec<[FpVar<Fr>; 3]>,
}

impl AccountVars {
    fn new(cs: &Cs, w: &AccountWitness) -> Result<Self, SynthesisError> {
        Ok(Self {
            pubkey_hash: witness(cs, w.fields.pubkey_hash.to_fr())?,
            address: witness(cs, fr_from_be_short(w.fields.address.as_slice()))?,
            balance: witness(cs, Fr::from(w.balance))?,
            balance_siblings: siblings(cs, &w.balance_proof, BALANCE_TREE_DEPTH)?,
            account_siblings: siblings(cs, &w.account_proof, ACCOUNT_TREE_DEPTH)?,
        })
    }

    /// The account-tree roots before and after setting the balance at `token_index` to
    /// `new_balance` and the leaf's first input from `meta.0` to `meta.1`, along the account
    /// path at `account_index` (both little-endian bits).
    fn update(
        &self,
        token_index: &[Boolean<Fr>],
        account_index: &[Boolean<Fr>],
        meta: (&FpVar<Fr>, &FpVar<Fr>),
        new_balance: &FpVar<Fr>,
    ) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
        let balances =
            MerklePathVar::from_parts(token_index.to_vec(), self.balance_siblings.clone())?;
        let (old_balances, new_balances) = balances.update(&self.balance, new_balance)?;
        let leaf = |meta: &FpVar<Fr>, balance_root: FpVar<Fr>| {
            poseidon_var(&[
                meta.clone(),
                self.pubkey_hash.clone(),
                self.address.clone(),
                balance_root,
            ])
        };
        let old_leaf = leaf(meta.0, old_balances)?;
        let new_leaf = leaf(meta.1, new_balances)?;
        let path =
            MerklePathVar::from_parts(account_index.to_vec(), self.account_siblings.clone())?;
        path.update(&old_leaf, &new_leaf)
    }
}

/// The fee account's update after the last chunk: each slot's total credited in turn to its
/// token's balance, then the account leaf along one path. Returns the account root after it.
fn fee_update(
    cs: &Cs,
    w: &FeeWitness,
    fee_account: &UInt32<Fr>,
    slot_bits: &[Vec<Boolean<Fr>>],
    collected: &[FpVar<Fr>],
    root: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let id_bits = fee_account.to_bits_le()?;
    let (index, high) = id_bits.split_at(2 * ACCOUNT_TREE_DEPTH);
    sum(high)?.enforce_equal(&FpVar::zero())?;

    let fields = &w.fields;
    let meta =
        witness(cs, Fr::from(u64::from(fields.nonce) | u64::from(fields.nfts_minted) << 32))?;
    let pubkey_hash = witness(cs, fields.pubkey_hash.to_fr())?;
    let address = witness(cs, fr_from_be_short(fields.address.as_slice()))?;
    address.enforce_not_equal(&FpVar::zero())?;

    let mut roots: Option<(FpVar<Fr>, FpVar<Fr>)> = None;
    for ((slot, bits), total) in w.slots.iter().zip(slot_bits).zip(collected) {
        let credited = witness(cs, Fr::from(slot.amount))?;
        credited.enforce_equal(total)?;
        let balance = witness(cs, Fr::from(slot.balance))?;
        let new_balance = &balance + &credited;
        range_check(&new_balance, BALANCE_BITS)?;
        let siblings = siblings(cs, &slot.balance_proof, BALANCE_TREE_DEPTH)?;
        let path = MerklePathVar::from_parts(bits.clone(), siblings)?;
        let (old, new) = path.update(&balance, &new_balance)?;
        roots = Some(match roots {
            None => (old, new),
            Some((first, last)) => {
                old.enforce_equal(&last)?;
                (first, new)
            }
        });
    }
    let (first, last) = roots.ok_or(SynthesisError::Unsatisfiable)?;
    let leaf = |balance_root: FpVar<Fr>| {
        poseidon_var(&[meta.clone(), pubkey_hash.clone(), address.clone(), balance_root])
    };
    let (old_leaf, new_leaf) = (leaf(first)?, leaf(last)?);
    let path = MerklePathVar::from_parts(
        index.to_vec(),
        siblings(cs, &w.account_proof, ACCOUNT_TREE_DEPTH)?,
    )?;
    let (old, new) = path.update(&old_leaf, &new_leaf)?;
    old.enforce_equal(root)?;
    Ok(new)
}

/// The leaf's first input, `nonce + 2³²·nfts_minted`, of an account witness.
fn meta_of(w: &AccountWitness) -> Fr {
    Fr::from(u64::from(w.fields.nonce) | u64::from(w.fields.nfts_minted) << 32)
}
