//! The block commitment in-circuit: the twin of [`tern_types::block::commitment`] and
//! [`tern_types::block::commitment_to_fr`] (`docs/spec/commitment.md`).
//!
//! The commitment is `sha256(number ‖ fee_account ‖ old_root ‖ new_root ‖ timestamp ‖
//! onchain_bitmap ‖ pubdata)` with the top three bits of byte 0 cleared, read big-endian as
//! one field element: the proof's single public input. Integers are big-endian (number and
//! timestamp 8 bytes, fee account 4); each root is its canonical 32-byte big-endian encoding.
//!
//! # Cost
//!
//! - the SHA-256 of the `84 + bitmap + pubdata` bytes: about 25,000 constraints per 64 bytes
//!   (see [`crate::sha256`]);
//! - 640 constraints per root for its strict bit decomposition (254 booleans, the sum, and the
//!   check that the bits encode a value below the modulus);
//! - the booleanity of the header integers' bits (160) and of the bitmap and pubdata bytes
//!   (8 a byte) when they are allocated as witnesses;
//! - packing the digest into a field element is free (253 bits, below the modulus), and
//!   binding it to the public input costs one constraint.
//!
//! A block of 10 chunks of 13 bytes with a 2-byte bitmap (216 bytes, 4 SHA-256 blocks) costs
//! 101,523 constraints in all, 1,216 of them allocating the witnesses
//! (`small_block_cost_and_shape` prints it).

use crate::sha256::sha256_var;
use ark_bn254::Fr;
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::{ToBitsGadget, ToBytesGadget};
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::uint32::UInt32;
use ark_r1cs_std::uint64::UInt64;
use ark_r1cs_std::uint8::UInt8;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{
    ConstraintSystemRef, LinearCombination, Namespace, SynthesisError, Variable,
};
use std::borrow::Borrow;
use tern_types::BlockHeader;

/// Bytes of the header part of the commitment preimage: 8 + 4 + 32 + 32 + 8.
pub const HEADER_BYTES: usize = 84;

/// Number of low bits of the digest kept by the commitment (the top three are cleared).
pub const COMMITMENT_BITS: usize = 253;

/// The in-circuit [`BlockHeader`]: everything the commitment binds besides the pubdata and
/// the on-chain bitmap.
///
/// The fields are public so that a block circuit can build the header from variables it
/// already has (the roots from the state-tree gadgets, for instance).
#[derive(Clone, Debug)]
pub struct HeaderVar {
    /// Block number.
    pub number: UInt64<Fr>,
    /// Account that receives the block's fees.
    pub fee_account: UInt32<Fr>,
    /// State root before the block.
    pub old_root: FpVar<Fr>,
    /// State root after the block.
    pub new_root: FpVar<Fr>,
    /// Block timestamp in seconds.
    pub timestamp: UInt64<Fr>,
}

impl AllocVar<BlockHeader, Fr> for HeaderVar {
    /// Allocates every field in `mode`: `HeaderVar::new_witness(cs, || Ok(header))`.
    fn new_variable<T: Borrow<BlockHeader>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let header: Result<BlockHeader, SynthesisError> = f().map(|h| *h.borrow());
        Ok(HeaderVar {
            number: UInt64::new_variable(cs.clone(), || header.map(|h| h.number), mode)?,
            fee_account: UInt32::new_variable(
                cs.clone(),
                || header.map(|h| h.fee_account.0),
                mode,
            )?,
            old_root: FpVar::new_variable(cs.clone(), || header.map(|h| h.old_root), mode)?,
            new_root: FpVar::new_variable(cs.clone(), || header.map(|h| h.new_root), mode)?,
            timestamp: UInt64::new_variable(cs, || header.map(|h| h.timestamp), mode)?,
        })
    }
}

impl HeaderVar {
    /// The 84-byte header part of the commitment preimage: number (8 bytes BE), fee account
    /// (4 BE), old root (32 BE), new root (32 BE), timestamp (8 BE).
    ///
    /// Each root goes through a strict bit decomposition, so its bytes are its canonical
    /// encoding: no second encoding (the value plus the modulus) can be substituted.
    pub fn to_preimage_bytes(&self) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
        let mut out = Vec::with_capacity(HEADER_BYTES);
        out.extend(self.number.to_bytes_be()?);
        out.extend(self.fee_account.to_bytes_be()?);
        out.extend(fr_to_be_bytes_var(&self.old_root)?);
        out.extend(fr_to_be_bytes_var(&self.new_root)?);
        out.extend(self.timestamp.to_bytes_be()?);
        Ok(out)
    }
}

/// The canonical 32-byte big-endian encoding of a field element (the twin of
/// [`tern_primitives::field::fr_to_be_bytes`]), by a strict bit decomposition that also
/// enforces the value encoded is below the modulus.
pub fn fr_to_be_bytes_var(x: &FpVar<Fr>) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    let mut bytes = x.to_bytes_le()?;
    bytes.truncate(32);
    bytes.reverse();
    Ok(bytes)
}

/// The block commitment as a field element: the twin of
/// `commitment_to_fr(&commitment(header, pubdata, onchain_bitmap))`.
///
/// Note the argument order of the preimage: the bitmap comes before the pubdata.
pub fn commitment_var(
    header: &HeaderVar,
    onchain_bitmap: &[UInt8<Fr>],
    pubdata: &[UInt8<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut preimage = header.to_preimage_bytes()?;
    preimage.extend_from_slice(onchain_bitmap);
    preimage.extend_from_slice(pubdata);
    masked_sha256_var(&preimage)
}

/// `SHA-256(preimage)` with the top three bits cleared, read big-endian as a field element: the
/// twin of `commitment_to_fr(&mask_digest(sha256(preimage)))` in `tern_types::block`. Every
/// SHA-256 public input (the block commitment, the exit commitments) is made this way.
pub fn masked_sha256_var(preimage: &[UInt8<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let digest = sha256_var(preimage)?;
    // Little-endian bits of the big-endian digest, then the top three dropped.
    let mut bits = Vec::with_capacity(256);
    for byte in digest.iter().rev() {
        bits.extend(byte.to_bits_le()?);
    }
    bits.truncate(COMMITMENT_BITS);
    pack_le_bits(&bits)
}

/// Allocates the commitment as the circuit's public input and enforces that it equals
/// [`commitment_var`] of the arguments; returns the input variable.
///
/// `public_input` is the value the verifier will use (`Block::public_input`). With `None` the
/// input takes the value computed in-circuit, which is what an honest prover gets anyway and
/// what key generation (setup mode, where no value is read) needs. Costs one constraint beyond
/// [`commitment_var`].
pub fn enforce_commitment(
    cs: impl Into<Namespace<Fr>>,
    header: &HeaderVar,
    onchain_bitmap: &[UInt8<Fr>],
    pubdata: &[UInt8<Fr>],
    public_input: Option<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let computed = commitment_var(header, onchain_bitmap, pubdata)?;
    enforce_public_input(cs, &computed, public_input)
}

/// Allocates the circuit's public input and enforces that it equals `computed` (one
/// constraint); returns the input variable.
///
/// With `public_input: None` the input takes the value of `computed`: what an honest prover
/// gets anyway, and what key generation (setup mode, where no value is read) needs.
pub fn enforce_public_input(
    cs: impl Into<Namespace<Fr>>,
    computed: &FpVar<Fr>,
    public_input: Option<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let input = FpVar::new_input(cs, || match public_input {
        Some(v) => Ok(v),
        None => computed.value(),
    })?;
    input.enforce_equal(computed)?;
    Ok(input)
}

/// `Σ 2^i · bits[i]` as one linear combination (free). The caller keeps `bits` shorter than
/// the modulus, so the sum does not wrap.
fn pack_le_bits(bits: &[Boolean<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut constant = Fr::from(0u64);
    let mut terms = Vec::new();
    let mut value = Some(Fr::from(0u64));
    let mut cs = ConstraintSystemRef::None;
    let mut weight = Fr::from(1u64);
    for bit in bits {
        match bit {
            Boolean::Constant(true) => constant += weight,
            Boolean::Constant(false) => {}
            Boolean::Var(v) => {
                terms.push((weight, v.variable()));
                cs = cs.or(bit.cs());
            }
        }
        value = value.zip(bit.value().ok()).map(|(acc, b)| if b { acc + weight } else { acc });
        weight += weight;
    }
    if terms.is_empty() {
        return Ok(FpVar::Constant(constant));
    }
    let lc = move || {
        let mut lc = LinearCombination(terms);
        lc.0.push((constant, Variable::One));
        lc
    };
    let var = cs.new_lc(lc)?;
    Ok(FpVar::Var(AllocatedFp::new(value, var, cs)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::PrimeField;
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
    use proptest::prelude::*;
    use tern_primitives::field::fr_to_be_bytes;
    use tern_types::block::{commitment, commitment_to_fr};
    use tern_types::params::CHUNK_BYTES;
    use tern_types::AccountId;

    /// Deterministic pseudo-random bytes.
    fn bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    fn fr(seed: u64) -> Fr {
        Fr::from_be_bytes_mod_order(&bytes(32, seed))
    }

    fn header(seed: u64) -> BlockHeader {
        BlockHeader {
            number: seed.wrapping_mul(0x0123_4567_89ab_cdef),
            fee_account: AccountId((seed as u32).wrapping_mul(2_654_435_761) >> 8),
            timestamp: 1_700_000_000 + seed,
            old_root: fr(seed ^ 1),
            new_root: fr(seed ^ 2),
        }
    }

    fn native(header: &BlockHeader, bitmap: &[u8], pubdata: &[u8]) -> Fr {
        commitment_to_fr(&commitment(header, pubdata, bitmap))
    }

    /// Synthesises `enforce_commitment` over witnesses; returns the constraint system and the
    /// value of the public input.
    fn synthesise(
        header: &BlockHeader,
        bitmap: &[u8],
        pubdata: &[u8],
        public_input: Option<Fr>,
    ) -> (ConstraintSystemRef<Fr>, Fr) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let h = HeaderVar::new_witness(cs.clone(), || Ok(*header)).expect("header");
        let bm = UInt8::new_witness_vec(cs.clone(), bitmap).expect("bitmap");
        let pd = UInt8::new_witness_vec(cs.clone(), pubdata).expect("pubdata");
        let input = enforce_commitment(cs.clone(), &h, &bm, &pd, public_input).expect("enforce");
        (cs, input.value().expect("value"))
    }

    fn satisfied(cs: &ConstraintSystemRef<Fr>) -> bool {
        cs.is_satisfied().expect("prove mode")
    }

    #[test]
    fn root_bytes_are_canonical_big_endian() {
        let max = Fr::from(0u64) - Fr::from(1u64);
        for x in [Fr::from(0u64), Fr::from(1u64), max, fr(9)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let v = FpVar::new_witness(cs.clone(), || Ok(x)).expect("witness");
            let before = cs.num_constraints();
            let b = fr_to_be_bytes_var(&v).expect("bytes");
            let cost = cs.num_constraints() - before;
            assert_eq!(cost, 640, "strict decomposition of a root; update the module docs");
            let got: Vec<u8> = b.iter().map(|b| b.value().expect("value")).collect();
            assert_eq!(got, fr_to_be_bytes(&x));
            assert!(satisfied(&cs));
            // A constant takes the same path.
            let c = fr_to_be_bytes_var(&FpVar::Constant(x)).expect("bytes");
            let got: Vec<u8> = c.iter().map(|b| b.value().expect("value")).collect();
            assert_eq!(got, fr_to_be_bytes(&x));
        }
    }

    #[test]
    fn header_preimage_matches_native_layout() {
        let hd = header(3);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let h = HeaderVar::new_witness(cs.clone(), || Ok(hd)).expect("header");
        let got: Vec<u8> =
            h.to_preimage_bytes().expect("bytes").iter().map(|b| b.value().expect("v")).collect();
        let mut want = Vec::new();
        want.extend(hd.number.to_be_bytes());
        want.extend(hd.fee_account.0.to_be_bytes());
        want.extend(fr_to_be_bytes(&hd.old_root));
        want.extend(fr_to_be_bytes(&hd.new_root));
        want.extend(hd.timestamp.to_be_bytes());
        assert_eq!(got.len(), HEADER_BYTES);
        assert_eq!(got, want);
    }

    /// Every field of the preimage is bound: changing any of them with the public input left at
    /// the honest commitment leaves the circuit unsatisfied.
    #[test]
    fn every_field_is_bound_to_the_public_input() {
        let hd = header(11);
        let bitmap = bytes(2, 12);
        let pubdata = bytes(10 * CHUNK_BYTES, 13);
        let honest = native(&hd, &bitmap, &pubdata);
        let (cs, _) = synthesise(&hd, &bitmap, &pubdata, Some(honest));
        assert!(satisfied(&cs));

        let one = Fr::from(1u64);
        let mut cases: Vec<(String, BlockHeader, Vec<u8>, Vec<u8>)> = Vec::new();
        for pos in [0, 63, 100, pubdata.len() - 1] {
            let mut p = pubdata.clone();
            p[pos] ^= 1 << (pos % 8);
            cases.push((format!("pubdata byte {pos}"), hd, bitmap.clone(), p));
        }
        for pos in 0..bitmap.len() {
            let mut b = bitmap.clone();
            b[pos] ^= 0x80;
            cases.push((format!("bitmap byte {pos}"), hd, b, pubdata.clone()));
        }
        let variants = [
            ("old root", BlockHeader { old_root: hd.old_root + one, ..hd }),
            ("new root", BlockHeader { new_root: hd.new_root + one, ..hd }),
            ("number", BlockHeader { number: hd.number ^ 1, ..hd }),
            ("timestamp", BlockHeader { timestamp: hd.timestamp + 1, ..hd }),
            ("fee account", BlockHeader { fee_account: AccountId(hd.fee_account.0 ^ 1), ..hd }),
        ];
        for (name, h) in variants {
            cases.push((name.to_string(), h, bitmap.clone(), pubdata.clone()));
        }
        for (name, h, b, p) in cases {
            assert_ne!(native(&h, &b, &p), honest, "{name}");
            let (cs, input) = synthesise(&h, &b, &p, Some(honest));
            assert_eq!(input, honest);
            assert!(!satisfied(&cs), "{name} is not bound to the commitment");
        }

        // And a wrong public input with the honest witness.
        let (cs, _) = synthesise(&hd, &bitmap, &pubdata, Some(honest + one));
        assert!(!satisfied(&cs));
    }

    /// A block of 10 chunks: the cost, the single public input, and the same shape in setup
    /// mode (key generation) as when proving.
    #[test]
    fn small_block_cost_and_shape() {
        let hd = header(21);
        let bitmap = bytes(2, 22);
        let pubdata = bytes(10 * CHUNK_BYTES, 23);
        let (cs, input) = synthesise(&hd, &bitmap, &pubdata, None);
        assert!(satisfied(&cs));
        assert_eq!(input, native(&hd, &bitmap, &pubdata));
        assert_eq!(cs.num_instance_variables(), 2, "the constant one and the commitment");
        assert_eq!(cs.instance_assignment().expect("inputs")[1], input);

        // Key generation: no values at all.
        let setup = ConstraintSystem::<Fr>::new_ref();
        setup.set_mode(SynthesisMode::Setup);
        let missing = || Err::<u8, _>(SynthesisError::AssignmentMissing);
        let h = HeaderVar::new_witness(setup.clone(), || {
            Err::<BlockHeader, _>(SynthesisError::AssignmentMissing)
        })
        .expect("header");
        let alloc = |n: usize| -> Vec<UInt8<Fr>> {
            (0..n).map(|_| UInt8::new_witness(setup.clone(), missing).expect("byte")).collect()
        };
        let (bm, pd) = (alloc(bitmap.len()), alloc(pubdata.len()));
        let inputs = setup.num_constraints();
        let _ = enforce_commitment(setup.clone(), &h, &bm, &pd, None).expect("enforce in setup");
        assert_eq!(setup.num_constraints(), cs.num_constraints());
        assert_eq!(setup.num_witness_variables(), cs.num_witness_variables());
        assert_eq!(setup.num_instance_variables(), 2);

        let preimage = HEADER_BYTES + bitmap.len() + pubdata.len();
        let total = cs.num_constraints();
        println!(
            "commitment over {preimage} bytes (10 chunks of {CHUNK_BYTES}, {} SHA-256 blocks): \
             {total} constraints, {} of them allocating the witnesses",
            (preimage + 9).div_ceil(64),
            inputs,
        );
        assert!(total - inputs < 4 * 25_100 + 1_300, "{total}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3))]
        #[test]
        fn matches_native_commitment(
            seed in any::<u64>(),
            chunks in 0usize..12,
            bitmap_len in 0usize..3,
        ) {
            let hd = header(seed);
            let bitmap = bytes(bitmap_len, seed ^ 5);
            let pubdata = bytes(chunks * CHUNK_BYTES, seed ^ 6);
            let cs = ConstraintSystem::<Fr>::new_ref();
            let h = HeaderVar::new_witness(cs.clone(), || Ok(hd)).expect("header");
            let bm = UInt8::new_witness_vec(cs.clone(), &bitmap).expect("bitmap");
            let pd = UInt8::new_witness_vec(cs.clone(), &pubdata).expect("pubdata");
            let c = commitment_var(&h, &bm, &pd).expect("commitment");
            prop_assert_eq!(c.value().expect("value"), native(&hd, &bitmap, &pubdata));
            prop_assert!(satisfied(&cs));
        }
    }
}
