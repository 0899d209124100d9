//! The block circuit: every operation type, the end-of-block fee credit and the block
//! commitment (`docs/spec/circuit.md`).
//!
//! [`BlockCircuit`] proves that the operations whose pubdata the commitment binds turn the old
//! state root into the new one under the rules of `docs/spec/operations.md`. Its only public
//! input is the commitment ([`crate::commitment`]). Its shape depends only on the capacity: key
//! generation synthesises it without a witness ([`BlockCircuit::setup`]) and gets the same
//! constraint system as a prover.
//!
//! Each chunk slot (`chunk.rs`) does the same work whatever operation it belongs to: it
//! checks its 104 pubdata bits against the operation's carried arguments, applies two leaf
//! updates (account or NFT) and checks one signature, under the rules of its role. After the
//! last slot the fee account is credited once per fee token (at most four), and the
//! commitment hashes the header, the on-chain bitmap and the pubdata bytes.
//!
//! Rules that are native only by design (`docs/spec/operations.md`): whether a token is listed,
//! the fee account's reserved room during the block (the circuit checks that the final fee
//! balances fit 128 bits instead), and ChangePubKey's L1 authorisation (the contract checks it).

use crate::chunk::{chunk_slot, Carry};
use crate::commitment::{enforce_commitment, HeaderVar};
use crate::util::{le_value, range_check, siblings, sum, witness, witness_bits_le, Cs};
use crate::witness::{BlockWitness, FeeWitness};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::ToBitsGadget;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::uint32::UInt32;
use ark_r1cs_std::uint64::UInt64;
use ark_r1cs_std::uint8::UInt8;
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError};
use tern_primitives::field::fr_from_be_short;
use tern_primitives::poseidon::r1cs::poseidon_var;
use tern_primitives::Fr;
use tern_state::tree::r1cs::MerklePathVar;
use tern_types::params::{
    ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH, CHUNK_BYTES, MAX_FEE_TOKENS_PER_BLOCK, TOKEN_BITS,
};

/// Bits of a balance (`u128`).
const BALANCE_BITS: usize = 128;

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
    let next_account_id = witness(cs, Fr::from(w.next_account_id))?;
    let old_root = poseidon_var(&[
        account_root.clone(),
        nft_root.clone(),
        next_nft_id.clone(),
        next_account_id.clone(),
    ])?;

    // The fee slots' tokens, 10 bits each (they index the fee account's balance tree).
    let slot_bits = w
        .fees
        .slots
        .iter()
        .map(|s| witness_bits_le(cs, u128::from(s.token.0), TOKEN_BITS))
        .collect::<Result<Vec<_>, _>>()?;
    let slot_tokens = slot_bits.iter().map(|b| le_value(b)).collect::<Result<Vec<_>, _>>()?;
    let mut collected = vec![FpVar::zero(); MAX_FEE_TOKENS_PER_BLOCK];

    let mut carry = Carry::start(account_root, nft_root, next_nft_id, next_account_id);
    let mut pubdata = Vec::with_capacity(w.chunks.len() * CHUNK_BYTES);
    let mut onchain = Vec::with_capacity(w.chunks.len());
    for chunk in &w.chunks {
        let out = chunk_slot(cs, chunk, &mut carry, &ts)?;
        pubdata.extend(out.bytes);
        onchain.push(out.onchain);
        // The fee goes to the one slot whose token matches (none needed for a zero fee).
        let mut placed = FpVar::zero();
        for (total, token) in collected.iter_mut().zip(&slot_tokens) {
            let share = &out.fee * FpVar::from(out.fee_token.is_eq(token)?);
            *total += &share;
            placed += share;
        }
        placed.enforce_equal(&out.fee)?;
    }
    carry.finish()?;

    let root = fee_update(cs, &w.fees, &fee_account, &slot_bits, &collected, &carry.account_root)?;
    let new_root = poseidon_var(&[
        root,
        carry.nft_root.clone(),
        carry.next_nft_id.clone(),
        carry.next_account_id.clone(),
    ])?;

    let header = HeaderVar { number, fee_account, old_root, new_root, timestamp };
    // Bit 7 of byte k is chunk 8k (`Block::onchain_bitmap`).
    let bitmap: Vec<UInt8<Fr>> = onchain
        .chunks(8)
        .map(|bits| {
            let mut le: Vec<Boolean<Fr>> = vec![Boolean::FALSE; 8 - bits.len()];
            le.extend(bits.iter().rev().cloned());
            UInt8::from_bits_le(&le)
        })
        .collect();
    let _input = enforce_commitment(cs.clone(), &header, &bitmap, &pubdata, w.public_input)?;
    Ok(())
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
