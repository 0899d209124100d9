//! EdDSA-Poseidon verification as an R1CS gadget: the twin of [`PublicKey::check`] for the
//! block circuit.
//!
//! [`verify_var`] returns a [`Boolean`] that is true exactly when the native check accepts:
//!
//! - `A` and `R8` lie on the curve (**enforced**, not part of the result: the complete
//!   addition formulas need it, so padding for an unused signature slot must still be curve
//!   points, e.g. [`crate::babyjubjub::Point::base8`]);
//! - `A` is not of low order: `8·A ≠ O`, tested as `(8A).x ≠ 0`;
//! - `S < l` (the subgroup order), with `S` given as little-endian bits;
//! - `S·B8 == R8 + hm·(8A)` with `hm = Poseidon(R8.x, R8.y, A.x, A.y, msg)` taken as the
//!   full 254-bit integer (its canonical bit decomposition, [`to_bits_le_strict`]), unreduced,
//!   exactly as natively;
//! - `R8` is not of low order. When the equation holds, `R8 = S·B8 − hm·8A` lies in the
//!   prime-order subgroup, where the only low-order point is the identity, the only point with
//!   `x = 0` there; so the gadget tests `R8.x ≠ 0` instead of three doublings. When the
//!   equation fails the result is false anyway.
//!
//! [`enforce_valid`] enforces the same conditions directly, a little cheaper.
//!
//! # Cost
//!
//! 4,218 constraints for [`verify_var`] on allocated inputs, plus 251 for allocating `S`'s bits
//! ([`SignatureVar`]): 4,469 in all, against about 5,900 with arkworks' generic gadgets. The
//! parts: Poseidon with five inputs (321, from [`crate::poseidon::r1cs`]), the strict
//! decomposition of `hm` (255 + 130), `hm·8A` (2,541, plus 15 for `8A`), `S·B8` with constant
//! tables (748), `S < l` (186), on-curve checks (6), the final addition (6) and the five tests
//! combined into the result (10). [`enforce_valid`] needs 4,177. The tests pin these figures.

use super::{PublicKey, Signature};
use crate::babyjubjub::r1cs::PointVar;
use crate::babyjubjub::SUB_ORDER;
use crate::field::Fr;
use crate::poseidon::r1cs::poseidon_var;
use ark_ff::{BigInt, BigInteger, Field, PrimeField};
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::ToBitsGadget;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{Namespace, SynthesisError};
use std::borrow::Borrow;

/// The number of bits of `S` that [`SignatureVar`] allocates: the bit length of the subgroup
/// order, so every valid `S` fits.
pub const S_BITS: usize = 251;

/// The AND of `bits`, folding constants first (no constraint for constants or a single
/// variable, one per extra variable up to three, two beyond).
fn and_all(bits: &[Boolean<Fr>]) -> Result<Boolean<Fr>, SynthesisError> {
    let mut vars = Vec::with_capacity(bits.len());
    for b in bits {
        match b {
            Boolean::Constant(false) => return Ok(Boolean::FALSE),
            Boolean::Constant(true) => {}
            Boolean::Var(_) => vars.push(b.clone()),
        }
    }
    match vars.as_slice() {
        [] => Ok(Boolean::TRUE),
        [b] => Ok(b.clone()),
        _ => Boolean::kary_and(&vars),
    }
}

/// The OR of `bits`, folding constants first (costs as [`and_all`]).
fn or_any(bits: &[Boolean<Fr>]) -> Result<Boolean<Fr>, SynthesisError> {
    let mut vars = Vec::with_capacity(bits.len());
    for b in bits {
        match b {
            Boolean::Constant(true) => return Ok(Boolean::TRUE),
            Boolean::Constant(false) => {}
            Boolean::Var(_) => vars.push(b.clone()),
        }
    }
    match vars.as_slice() {
        [] => Ok(Boolean::FALSE),
        [b] => Ok(b.clone()),
        _ => Boolean::kary_or(&vars),
    }
}

/// The runs of equal bits of `m` over positions `0..len`, least significant first: each run's
/// bit value and the matching entries of `bits`, padded with constant zeros past its end.
fn runs(m: &BigInt<4>, bits: &[Boolean<Fr>], len: usize) -> Vec<(bool, Vec<Boolean<Fr>>)> {
    let bit = |i: usize| bits.get(i).cloned().unwrap_or(Boolean::FALSE);
    let mut out = Vec::new();
    let mut start = 0;
    while start < len {
        let value = m.get_bit(start);
        let mut end = start + 1;
        while end < len && m.get_bit(end) == value {
            end += 1;
        }
        out.push((value, (start..end).map(bit).collect()));
        start = end;
    }
    out
}

/// Whether the little-endian integer `bits` is strictly below the constant `bound`.
///
/// A borrow chain over the runs of equal bits of `bound − 1`: a run of ones ANDs the borrow
/// with its bits, a run of zeros ORs them in, each at most two constraints (one for a short
/// run); 186 constraints for 251 bits against the subgroup order. Bits beyond `bound`'s
/// length must be zero for the result to be true.
pub fn is_lt_constant_le(
    bits: &[Boolean<Fr>],
    bound: &BigInt<4>,
) -> Result<Boolean<Fr>, SynthesisError> {
    let mut m = *bound;
    if m.sub_with_borrow(&BigInt::from(1u64)) {
        // bound = 0: nothing is below it.
        return Ok(Boolean::FALSE);
    }
    let len = bits.len().max(m.num_bits() as usize);
    // `gt` = the low bits read so far exceed the same bits of m = bound − 1.
    let mut gt = Boolean::FALSE;
    for (one, mut terms) in runs(&m, bits, len) {
        terms.push(gt);
        gt = if one { and_all(&terms)? } else { or_any(&terms)? };
    }
    Ok(!gt)
}

/// Enforces that the little-endian integer `bits` is at most the constant `bound`.
///
/// From the most significant bit down, `eq` tracks "every bit so far equals `bound`'s": a run
/// where `bound` has ones updates it with one AND (at most two constraints); a run where
/// `bound` has zeros costs one constraint, `eq · Σ bits = 0`, which forces those bits to zero
/// while the prefix is still equal. 130 constraints against `p − 1` for 254 bits.
pub fn enforce_le_constant_le(
    bits: &[Boolean<Fr>],
    bound: &BigInt<4>,
) -> Result<(), SynthesisError> {
    let len = bits.len().max(bound.num_bits() as usize);
    let mut eq = Boolean::TRUE;
    for (one, mut run) in runs(bound, bits, len).into_iter().rev() {
        if one {
            run.push(eq);
            eq = and_all(&run)?;
        } else {
            let sum: FpVar<Fr> = run.iter().map(|b| FpVar::from(b.clone())).sum();
            FpVar::from(eq.clone()).mul_equals(&sum, &FpVar::zero())?;
        }
    }
    Ok(())
}

/// The canonical little-endian bits of a field variable (254 of them, as an integer below the
/// modulus): 255 constraints for the decomposition and 130 for the range check (385 in all), against
/// 640 for arkworks' `to_bits_le`, which it equals.
pub fn to_bits_le_strict(v: &FpVar<Fr>) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let bits = v.to_non_unique_bits_le()?;
    if !v.is_constant() {
        enforce_le_constant_le(&bits, &(-Fr::ONE).into_bigint())?;
    }
    Ok(bits)
}

/// A signature `(R8, S)` as variables: `R8`'s coordinates (not checked on allocation:
/// [`verify_var`] enforces the curve equation) and the [`S_BITS`] little-endian bits of `S`.
#[derive(Clone, Debug)]
pub struct SignatureVar {
    /// The nonce point `R8`.
    pub r8: PointVar,
    /// `S`, little-endian.
    pub s_bits: Vec<Boolean<Fr>>,
}

impl AllocVar<Signature, Fr> for SignatureVar {
    /// Allocates `R8`'s coordinates and `S`'s bits (251 booleanity constraints).
    fn new_variable<T: Borrow<Signature>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        let value = f().map(|s| *s.borrow());
        let r8 = PointVar::new_variable_unchecked(cs.clone(), || value.map(|s| s.r8), mode)?;
        let s = value.map(|s| s.s.into_bigint());
        let s_bits = (0..S_BITS)
            .map(|i| Boolean::new_variable(cs.clone(), || s.map(|s| s.get_bit(i)), mode))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SignatureVar { r8, s_bits })
    }
}

/// Everything one signature check reads, as variables: the key `A`, the signature and the
/// message.
#[derive(Clone, Debug)]
pub struct VerifyVars {
    /// The public key `A` (not checked on allocation; [`verify_var`] enforces the curve
    /// equation).
    pub a: PointVar,
    /// The signature.
    pub sig: SignatureVar,
    /// The signed field element.
    pub msg: FpVar<Fr>,
}

impl VerifyVars {
    /// Allocates a key, message and signature as witnesses. `f` may fail with
    /// [`SynthesisError::AssignmentMissing`] in setup mode.
    pub fn new_witness(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<(PublicKey, Fr, Signature), SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        let value = f();
        let a = PointVar::new_witness_unchecked(cs.clone(), || value.map(|v| *v.0.point()))?;
        let msg = FpVar::new_witness(cs.clone(), || value.map(|v| v.1))?;
        let sig = SignatureVar::new_witness(cs, || value.map(|v| v.2))?;
        Ok(VerifyVars { a, sig, msg })
    }

    /// [`verify_var`] on these variables.
    pub fn verify(&self) -> Result<Boolean<Fr>, SynthesisError> {
        verify_var(&self.a, &self.sig.r8, &self.sig.s_bits, &self.msg)
    }

    /// [`enforce_valid`] on these variables.
    pub fn enforce_valid(&self) -> Result<(), SynthesisError> {
        enforce_valid(&self.a, &self.sig.r8, &self.sig.s_bits, &self.msg)
    }
}

/// The shared part of [`verify_var`] and [`enforce_valid`]: curve checks, `8A`, and both sides
/// of the verification equation.
struct Sides {
    a8: PointVar,
    lhs: PointVar,
    rhs: PointVar,
}

fn sides(
    a: &PointVar,
    r8: &PointVar,
    s_bits: &[Boolean<Fr>],
    msg: &FpVar<Fr>,
) -> Result<Sides, SynthesisError> {
    a.enforce_on_curve()?;
    r8.enforce_on_curve()?;
    let a8 = a.mul_by_cofactor()?;
    let hm = poseidon_var(&[r8.x.clone(), r8.y.clone(), a.x.clone(), a.y.clone(), msg.clone()])?;
    let hm_bits = to_bits_le_strict(&hm)?;
    let lhs = PointVar::mul_base8_le(s_bits)?;
    let rhs = r8.add(&a8.scalar_mul_le(&hm_bits)?)?;
    Ok(Sides { a8, lhs, rhs })
}

/// Whether `(r8, s_bits)` is a valid EdDSA-Poseidon signature of `msg` under `a`, with exactly
/// the rules of [`PublicKey::check`] (see the module docs).
///
/// Enforces that `a` and `r8` lie on the curve; everything else goes into the result, so the
/// caller can combine it (e.g. "valid, or this chunk needs no signature"). `s_bits` is `S`
/// little-endian, at most 258 bits ([`SignatureVar`] allocates 251); the bits need not be
/// canonical, since `S < l` is part of the result.
pub fn verify_var(
    a: &PointVar,
    r8: &PointVar,
    s_bits: &[Boolean<Fr>],
    msg: &FpVar<Fr>,
) -> Result<Boolean<Fr>, SynthesisError> {
    let Sides { a8, lhs, rhs } = sides(a, r8, s_bits, msg)?;
    let zero = FpVar::zero();
    and_all(&[
        a8.x.is_neq(&zero)?,
        r8.x.is_neq(&zero)?,
        is_lt_constant_le(s_bits, &SUB_ORDER)?,
        lhs.x.is_eq(&rhs.x)?,
        lhs.y.is_eq(&rhs.y)?,
    ])
}

/// Enforces that `(r8, s_bits)` is a valid signature of `msg` under `a`: the conditions of
/// [`verify_var`] as constraints (41 fewer: 4,177).
pub fn enforce_valid(
    a: &PointVar,
    r8: &PointVar,
    s_bits: &[Boolean<Fr>],
    msg: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    let Sides { a8, lhs, rhs } = sides(a, r8, s_bits, msg)?;
    let zero = FpVar::zero();
    a8.x.enforce_not_equal(&zero)?;
    r8.x.enforce_not_equal(&zero)?;
    let mut l_minus_one = SUB_ORDER;
    l_minus_one.sub_with_borrow(&BigInt::from(1u64));
    enforce_le_constant_le(s_bits, &l_minus_one)?;
    lhs.enforce_equal(&rhs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babyjubjub::r1cs::tests::torsion;
    use crate::babyjubjub::{Point, Scalar};
    use crate::eddsa::{EddsaError, PrivateKey};
    use crate::field::fr_from_decimal;
    use ark_ff::AdditiveGroup;
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef, SynthesisMode};
    use proptest::prelude::*;

    type Cs = ConstraintSystemRef<Fr>;

    fn alloc_point_unchecked(cs: Cs, p: Point) -> Result<PointVar, SynthesisError> {
        PointVar::new_witness_unchecked(cs, || Ok(p))
    }

    /// Bits of an arbitrary integer below 2^256, as witnesses.
    fn bits_of(cs: &Cs, v: &BigInt<4>, n: usize) -> Vec<Boolean<Fr>> {
        (0..n)
            .map(|i| Boolean::new_witness(cs.clone(), || Ok(v.get_bit(i))).expect("alloc bit"))
            .collect()
    }

    fn alloc_msg(cs: &Cs, msg: Fr) -> FpVar<Fr> {
        FpVar::new_witness(cs.clone(), || Ok(msg)).expect("alloc msg")
    }

    /// Runs `verify_var` on raw values (any points, any integer S) and returns
    /// (result, satisfied). Also checks `enforce_valid` agrees on a fresh system.
    fn run_raw(a: Point, r8: Point, s: &BigInt<4>, s_len: usize, msg: Fr) -> (bool, bool) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let av = alloc_point_unchecked(cs.clone(), a).expect("synthesis");
        let rv = alloc_point_unchecked(cs.clone(), r8).expect("synthesis");
        let sb = bits_of(&cs, s, s_len);
        let m = alloc_msg(&cs, msg);
        let ok = verify_var(&av, &rv, &sb, &m).expect("synthesis");
        let result = ok.value().expect("value");
        let satisfied = cs.is_satisfied().expect("satisfiability");

        let cs2 = ConstraintSystem::<Fr>::new_ref();
        let av = alloc_point_unchecked(cs2.clone(), a).expect("synthesis");
        let rv = alloc_point_unchecked(cs2.clone(), r8).expect("synthesis");
        let sb = bits_of(&cs2, s, s_len);
        let m = alloc_msg(&cs2, msg);
        enforce_valid(&av, &rv, &sb, &m).expect("synthesis");
        assert_eq!(
            cs2.is_satisfied().expect("satisfiability"),
            result && satisfied,
            "enforce_valid disagrees with verify_var"
        );
        (result, satisfied)
    }

    fn run(pk: &PublicKey, msg: Fr, sig: &Signature) -> (bool, bool) {
        run_raw(*pk.point(), sig.r8, &sig.s.into_bigint(), S_BITS, msg)
    }

    fn key(seed: &[u8]) -> PrivateKey {
        PrivateKey::from_seed(seed)
    }

    #[derive(serde::Deserialize)]
    struct P {
        x: String,
        y: String,
    }
    #[derive(serde::Deserialize)]
    struct Sig {
        r8: P,
        s: String,
    }
    #[derive(serde::Deserialize)]
    struct Vector {
        public_key: P,
        message: String,
        signature: Sig,
        valid: bool,
    }
    #[derive(serde::Deserialize)]
    struct File {
        vectors: Vec<Vector>,
    }

    fn point(p: &P) -> Point {
        Point {
            x: fr_from_decimal(&p.x).expect("decimal"),
            y: fr_from_decimal(&p.y).expect("decimal"),
        }
    }

    #[test]
    fn agrees_with_circomlibjs_vectors() {
        let file: File = serde_json::from_str(include_str!("../../tests/data/eddsa_poseidon.json"))
            .expect("synthesis");
        assert!(file.vectors.len() >= 13);
        for (i, v) in file.vectors.iter().enumerate() {
            let a = point(&v.public_key);
            let msg = fr_from_decimal(&v.message).expect("synthesis");
            let s = Scalar::from_bigint(
                fr_from_decimal(&v.signature.s).expect("synthesis").into_bigint(),
            )
            .expect("S below l");
            let sig = Signature { r8: point(&v.signature.r8), s };
            let pk = PublicKey::from_point(a).expect("synthesis");
            assert_eq!(pk.verify(msg, &sig), v.valid, "native, vector {i}");
            let (result, satisfied) = run(&pk, msg, &sig);
            assert!(satisfied, "vector {i}: constraint system unsatisfied");
            assert_eq!(result, v.valid, "vector {i}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4))]

        #[test]
        fn random_keys_and_messages(seed in any::<[u8; 16]>(), m in any::<[u8; 32]>(), other in any::<[u8; 32]>()) {
            let sk = key(&seed);
            let pk = sk.public_key();
            let msg = Fr::from_le_bytes_mod_order(&m);
            let sig = sk.sign(msg);
            prop_assert_eq!(run(&pk, msg, &sig), (true, true));
            let other_msg = Fr::from_le_bytes_mod_order(&other);
            prop_assume!(other_msg != msg);
            prop_assert!(!pk.verify(other_msg, &sig));
            prop_assert_eq!(run(&pk, other_msg, &sig), (false, true));
        }
    }

    #[test]
    fn tampered_witnesses_are_refused() {
        let sk = key(b"eddsa r1cs tamper");
        let pk = sk.public_key();
        let a = *pk.point();
        let msg = Fr::from(1234u64);
        let sig = sk.sign(msg);
        assert_eq!(run(&pk, msg, &sig), (true, true));
        let t = torsion();

        // Wrong message, S, R8 and key: the native check refuses each, and so does the gadget.
        let cases: Vec<(&str, Point, Signature, Fr)> = vec![
            ("msg", a, sig, msg + Fr::ONE),
            ("S + 1", a, Signature { s: sig.s + Scalar::ONE, ..sig }, msg),
            ("R8 + B8", a, Signature { r8: sig.r8.add(&Point::base8()), ..sig }, msg),
            ("R8 + T2", a, Signature { r8: sig.r8.add(&t[4]), ..sig }, msg),
            ("R8 + T8", a, Signature { r8: sig.r8.add(&t[1]), ..sig }, msg),
            ("other A", *key(b"other").public_key().point(), sig, msg),
            ("R8 = O", a, Signature { r8: Point::identity(), ..sig }, msg),
        ];
        for (what, a, sig, msg) in cases {
            let native = PublicKey::from_point(a).map(|pk| pk.verify(msg, &sig)).unwrap_or(false);
            assert!(!native, "{what}: native accepts");
            assert_eq!(
                run_raw(a, sig.r8, &sig.s.into_bigint(), S_BITS, msg),
                (false, true),
                "{what}"
            );
        }

        // A torsion-shifted key is a different key (its coordinates enter hm): both refuse.
        let shifted = a.add(&t[3]);
        assert!(!PublicKey::from_point(shifted).expect("synthesis").verify(msg, &sig));
        assert_eq!(run_raw(shifted, sig.r8, &sig.s.into_bigint(), S_BITS, msg), (false, true));
    }

    #[test]
    fn s_at_or_above_the_subgroup_order_is_refused() {
        let sk = key(b"eddsa r1cs malleability");
        let pk = sk.public_key();
        let msg = Fr::from(77u64);
        let sig = sk.sign(msg);
        // S + l satisfies the equation (l·B8 = O) but must be refused, as natively, where
        // such an S cannot even be represented.
        let mut s_plus_l = sig.s.into_bigint();
        s_plus_l.add_with_carry(&SUB_ORDER);
        assert_eq!(run_raw(*pk.point(), sig.r8, &s_plus_l, 253, msg), (false, true));
        // The same S padded with zero bits is still fine; a bit above 251 set is not.
        assert_eq!(run_raw(*pk.point(), sig.r8, &sig.s.into_bigint(), 256, msg), (true, true));
        let mut s_high = sig.s.into_bigint();
        s_high.0[3] |= 1 << 60;
        assert_eq!(run_raw(*pk.point(), sig.r8, &s_high, 256, msg), (false, true));
        // S = l exactly.
        assert_eq!(run_raw(*pk.point(), sig.r8, &SUB_ORDER, S_BITS, msg), (false, true));
    }

    #[test]
    fn low_order_keys_are_refused_even_when_the_equation_holds() {
        // With A of small order, 8A = O and S·B8 == R8 holds for any message.
        let s = Scalar::from(5u64);
        let r8 = Point::mul_base8(&s);
        for (k, t) in torsion().into_iter().enumerate() {
            assert_eq!(
                PublicKey::from_point(t),
                Err(EddsaError::PublicKey(crate::babyjubjub::BabyJubjubError::LowOrder))
            );
            assert_eq!(
                run_raw(t, r8, &s.into_bigint(), S_BITS, Fr::from(99u64)),
                (false, true),
                "torsion point {k}"
            );
        }
        // Sanity: the forged equation really holds in-circuit for A = O (only the low-order
        // test refuses it).
        let cs = ConstraintSystem::<Fr>::new_ref();
        let av = alloc_point_unchecked(cs.clone(), Point::identity()).expect("synthesis");
        let rv = alloc_point_unchecked(cs.clone(), r8).expect("synthesis");
        let sb = bits_of(&cs, &s.into_bigint(), S_BITS);
        let m = alloc_msg(&cs, Fr::from(99u64));
        let Sides { a8, lhs, rhs } = sides(&av, &rv, &sb, &m).expect("synthesis");
        assert_eq!(lhs.value().expect("value"), rhs.value().expect("value"));
        assert!(a8.value().expect("value").is_identity());
    }

    #[test]
    fn off_curve_points_make_the_system_unsatisfiable() {
        let sk = key(b"eddsa r1cs off curve");
        let pk = sk.public_key();
        let msg = Fr::from(5u64);
        let sig = sk.sign(msg);
        let a = *pk.point();
        let off_a = Point { x: a.x, y: a.y + Fr::ONE };
        let off_r8 = Point { x: sig.r8.x + Fr::ONE, y: sig.r8.y };
        for (a, r8) in [(off_a, sig.r8), (a, off_r8)] {
            let (_, satisfied) = run_raw(a, r8, &sig.s.into_bigint(), S_BITS, msg);
            assert!(!satisfied);
        }
    }

    #[test]
    fn comparisons_against_constants() {
        let l = SUB_ORDER;
        let mut l_minus_one = l;
        l_minus_one.sub_with_borrow(&BigInt::from(1u64));
        let mut l_plus_one = l;
        l_plus_one.add_with_carry(&BigInt::from(1u64));
        let p_minus_one = (-Fr::ONE).into_bigint();
        let p = Fr::MODULUS;
        let ones_251 = BigInt::<4>([u64::MAX, u64::MAX, u64::MAX, (1 << 59) - 1]);
        let values = [BigInt::from(0u64), BigInt::from(1u64), l_minus_one, l, l_plus_one, ones_251];
        for bound in [l, p, BigInt::from(1u64), BigInt::from(0u64), BigInt::from(6u64)] {
            for v in values.iter().chain([&p_minus_one, &p]) {
                for n in [3usize, 251, 254, 256] {
                    let truncated = {
                        let mut t = *v;
                        for i in n..256 {
                            t.0[i / 64] &= !(1u64 << (i % 64));
                        }
                        t
                    };
                    let cs = ConstraintSystem::<Fr>::new_ref();
                    let bits = bits_of(&cs, v, n);
                    let lt = is_lt_constant_le(&bits, &bound)
                        .expect("synthesis")
                        .value()
                        .expect("value");
                    assert_eq!(lt, truncated < bound, "{truncated} < {bound}, {n} bits");
                    enforce_le_constant_le(&bits, &bound).expect("synthesis");
                    assert_eq!(
                        cs.is_satisfied().expect("satisfiability"),
                        truncated <= bound,
                        "{truncated} <= {bound}, {n} bits"
                    );
                }
            }
        }
    }

    #[test]
    fn strict_decomposition_matches_arkworks_and_refuses_the_other_one() {
        for v in [Fr::ZERO, Fr::ONE, -Fr::ONE, Fr::from(1u64 << 40), -Fr::from(12345u64)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let var = FpVar::new_witness(cs.clone(), || Ok(v)).expect("synthesis");
            let ours = to_bits_le_strict(&var).expect("synthesis");
            let theirs = var.to_bits_le().expect("synthesis");
            assert_eq!(ours.value().expect("value"), theirs.value().expect("value"));
            assert!(cs.is_satisfied().expect("satisfiability"));
            let constant = to_bits_le_strict(&FpVar::constant(v)).expect("synthesis");
            assert_eq!(constant.value().expect("value"), ours.value().expect("value"));
        }
        // v + p still fits in 254 bits for small v: the non-unique decomposition accepts it,
        // the range check must not.
        let v = Fr::from(5u64);
        let mut alias = v.into_bigint();
        alias.add_with_carry(&Fr::MODULUS);
        assert!(alias.num_bits() <= 254);
        for strict in [false, true] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let var = FpVar::new_witness(cs.clone(), || Ok(v)).expect("synthesis");
            let bits = bits_of(&cs, &alias, 254);
            let sum: FpVar<Fr> = bits
                .iter()
                .enumerate()
                .map(|(i, b)| FpVar::from(b.clone()) * Fr::from(2u64).pow([i as u64]))
                .sum();
            sum.enforce_equal(&var).expect("synthesis");
            if strict {
                enforce_le_constant_le(&bits, &(-Fr::ONE).into_bigint()).expect("synthesis");
            }
            assert_eq!(cs.is_satisfied().expect("satisfiability"), !strict);
        }
    }

    fn count(cs: &Cs, f: impl FnOnce()) -> usize {
        let before = cs.num_constraints();
        f();
        cs.num_constraints() - before
    }

    #[test]
    fn constraint_counts() {
        let sk = key(b"eddsa r1cs counts");
        let pk = sk.public_key();
        let msg = Fr::from(42u64);
        let sig = sk.sign(msg);

        let cs = ConstraintSystem::<Fr>::new_ref();
        let mut vars = None;
        let alloc = count(&cs, || {
            vars = Some(
                VerifyVars::new_witness(cs.clone(), || Ok((pk, msg, sig))).expect("synthesis"),
            );
        });
        let vars = vars.expect("synthesis");
        let mut ok = Boolean::FALSE;
        let verify = count(&cs, || ok = vars.verify().expect("synthesis"));
        assert!(ok.value().expect("value"));
        assert!(cs.is_satisfied().expect("satisfiability"));

        let cs2 = ConstraintSystem::<Fr>::new_ref();
        let vars2 = VerifyVars::new_witness(cs2.clone(), || Ok((pk, msg, sig))).expect("synthesis");
        let enforce = count(&cs2, || vars2.enforce_valid().expect("synthesis"));
        assert!(cs2.is_satisfied().expect("satisfiability"));

        // The parts.
        let cs3 = ConstraintSystem::<Fr>::new_ref();
        let hm = FpVar::new_witness(cs3.clone(), || Ok(-Fr::from(3u64))).expect("synthesis");
        let strict_bits = count(&cs3, || {
            to_bits_le_strict(&hm).expect("synthesis");
        });
        let ark_bits = count(&cs3, || {
            hm.to_bits_le().expect("synthesis");
        });
        let s_bits = bits_of(&cs3, &sig.s.into_bigint(), S_BITS);
        let s_lt = count(&cs3, || {
            let _ = is_lt_constant_le(&s_bits, &SUB_ORDER).expect("synthesis");
        });
        let inputs: Vec<_> = (0..5u64)
            .map(|i| FpVar::new_witness(cs3.clone(), || Ok(Fr::from(i))).expect("synthesis"))
            .collect();
        let poseidon5 = count(&cs3, || {
            let _ = poseidon_var(&inputs).expect("synthesis");
        });

        println!(
            "EdDSA-Poseidon gadget constraints: verify_var {verify} (+ {alloc} to allocate the \
             witness, total {}), enforce_valid {enforce}; parts: Poseidon(5) {poseidon5}, strict \
             254-bit decomposition {strict_bits} (arkworks to_bits_le {ark_bits}), S < l {s_lt}",
            verify + alloc
        );
        // Pinned apart from Poseidon, whose gadget lives elsewhere.
        assert_eq!(alloc, S_BITS);
        assert_eq!(strict_bits, 385);
        assert_eq!(s_lt, 186);
        assert_eq!(verify - poseidon5, 3_897);
        assert_eq!(enforce - poseidon5, 3_856);
        assert!(verify + alloc <= 4_600, "verify grew: {}", verify + alloc);
    }

    #[test]
    fn setup_mode_needs_no_values_and_counts_the_same() {
        let sk = key(b"eddsa r1cs setup");
        let pk = sk.public_key();
        let msg = Fr::from(1u64);
        let sig = sk.sign(msg);
        let setup = ConstraintSystem::<Fr>::new_ref();
        setup.set_mode(SynthesisMode::Setup);
        let vars =
            VerifyVars::new_witness(setup.clone(), || Err(SynthesisError::AssignmentMissing))
                .expect("synthesis");
        let _ = vars.verify().expect("synthesis");
        let prove = ConstraintSystem::<Fr>::new_ref();
        let vars =
            VerifyVars::new_witness(prove.clone(), || Ok((pk, msg, sig))).expect("synthesis");
        assert!(vars.verify().expect("synthesis").value().expect("value"));
        assert_eq!(setup.num_constraints(), prove.num_constraints());
        assert!(prove.is_satisfied().expect("satisfiability"));
    }
}
