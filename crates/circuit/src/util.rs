//! Small circuit helpers shared by the block and exit circuits: witnesses, bit
//! decompositions and free linear combinations of bits.

use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use tern_primitives::Fr;
use tern_state::tree::MerkleProof;

/// The constraint system over BN254's scalar field.
pub(crate) type Cs = ConstraintSystemRef<Fr>;

/// `2^k` in the field.
pub(crate) fn pow2(k: u64) -> Fr {
    Fr::from(2u64).pow([k])
}

/// A field witness.
pub(crate) fn witness(cs: &Cs, value: Fr) -> Result<FpVar<Fr>, SynthesisError> {
    FpVar::new_witness(cs.clone(), || Ok(value))
}

/// The `n` low bits of `value` as Boolean witnesses, little-endian (`n` constraints).
pub(crate) fn witness_bits_le(
    cs: &Cs,
    value: u128,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    (0..n)
        .map(|i| {
            let bit = i < 128 && (value >> i) & 1 == 1;
            Boolean::new_witness(cs.clone(), || Ok(bit))
        })
        .collect()
}

/// The siblings of a Merkle proof as witnesses; the proof must have `depth` levels.
pub(crate) fn siblings(
    cs: &Cs,
    proof: &MerkleProof,
    depth: usize,
) -> Result<Vec<[FpVar<Fr>; 3]>, SynthesisError> {
    if proof.siblings.len() != depth {
        return Err(SynthesisError::Unsatisfiable);
    }
    proof
        .siblings
        .iter()
        .map(|level| {
            let [a, b, c] = level.map(|s| witness(cs, s));
            Ok([a?, b?, c?])
        })
        .collect()
}

/// Enforces `0 ≤ x < 2^n` by decomposing `x` into `n` Boolean witnesses (`n + 1`
/// constraints); returns the bits, little-endian.
pub(crate) fn range_check(x: &FpVar<Fr>, n: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let value = x.value().map(|v| v.into_bigint());
    if let FpVar::Constant(c) = x {
        let c = c.into_bigint();
        if c.num_bits() as usize > n {
            return Err(SynthesisError::Unsatisfiable);
        }
        return Ok((0..n).map(|i| Boolean::constant(c.get_bit(i))).collect());
    }
    let cs = x.cs();
    let bits = (0..n)
        .map(|i| Boolean::new_witness(cs.clone(), || value.map(|v| v.get_bit(i))))
        .collect::<Result<Vec<_>, _>>()?;
    le_value(&bits)?.enforce_equal(x)?;
    Ok(bits)
}

/// `bits` in the opposite order.
pub(crate) fn reversed(bits: &[Boolean<Fr>]) -> Vec<Boolean<Fr>> {
    bits.iter().rev().cloned().collect()
}

/// The big-endian integer `bits` (free).
pub(crate) fn be_value(bits: &[Boolean<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    le_value(&reversed(bits))
}

/// `Σ bits[i]` (free).
pub(crate) fn sum(bits: &[Boolean<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    combine(bits, |_| Fr::ONE)
}

/// The little-endian integer `Σ 2^i·bits[i]` (free); at most 253 bits, so it never wraps.
pub(crate) fn le_value(bits: &[Boolean<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    if bits.len() >= Fr::MODULUS_BIT_SIZE as usize {
        return Err(SynthesisError::Unsatisfiable);
    }
    combine(bits, |i| pow2(i as u64))
}

/// `Σ weight(i)·bits[i]` as one linear combination (no constraint).
pub(crate) fn combine(
    bits: &[Boolean<Fr>],
    weight: impl Fn(usize) -> Fr,
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut constant = Fr::ZERO;
    let mut terms = Vec::with_capacity(bits.len());
    let mut value = Some(Fr::ZERO);
    let mut cs = ConstraintSystemRef::None;
    for (i, bit) in bits.iter().enumerate() {
        let w = weight(i);
        match bit {
            Boolean::Constant(true) => constant += w,
            Boolean::Constant(false) => {}
            Boolean::Var(v) => {
                terms.push((w, v.variable()));
                cs = cs.or(bit.cs());
            }
        }
        value = value.zip(bit.value().ok()).map(|(acc, b)| if b { acc + w } else { acc });
    }
    if terms.is_empty() {
        return Ok(FpVar::Constant(constant));
    }
    let var = cs.new_lc(move || {
        let mut lc = LinearCombination(terms);
        lc.0.push((constant, Variable::One));
        lc
    })?;
    Ok(FpVar::Var(AllocatedFp::new(value, var, cs)))
}
