//! Float gadgets: decode a packed decimal float from its bits and check that it is canonical.
//!
//! The bits come as pubdata carries them: big-endian, the exponent's bits then the mantissa's
//! (see [`FloatFormat`]). They must already be constrained to be booleans (as every allocated
//! [`Boolean`] is).
//!
//! # Cost
//!
//! - [`unpack_var`]: `exponent_bits` constraints (5 for [`AMOUNT`](super::AMOUNT) and
//!   [`FEE`](super::FEE)). The mantissa is a free linear combination of its bits, and
//!   `10^e = Π (1 + b_i·(10^(2^i) − 1))` over the exponent bits `b_i` is a product of linear
//!   factors, so each multiplication costs one constraint.
//! - [`enforce_canonical`]: one constraint per mantissa bit at most, minus the low bits that
//!   constant folding removes, plus one: 23 for `AMOUNT`, 7 for `FEE`.
//! - [`is_canonical_var`]: the same comparison, an "exponent is zero" bit and an OR: 25 for
//!   `AMOUNT`, 9 for `FEE`.
//!
//! # Canonical form
//!
//! The native decoder accepts a packed float only if it equals `pack(unpack(packed))`, that is
//! the encoding with the smallest exponent. `(e, m)` is that encoding exactly when `e = 0` or
//! `10·m > max_mantissa`: if `10·m` fits the mantissa, `(e − 1, 10·m)` encodes the same value
//! with a smaller exponent; if it does not, no smaller exponent can hold the value. (So zero is
//! canonical only with `e = 0`, and divisibility of `m` by 10 does not matter.) Since `m` is an
//! integer, `10·m > max_mantissa` is `m > ⌊max_mantissa / 10⌋`, a comparison with a constant
//! that the gadget evaluates bit by bit.

use super::FloatFormat;
use crate::field::Fr;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{LinearCombination, SynthesisError, Variable};

/// The exponent bits and the mantissa bits of a packed float, both big-endian.
type Parts<'a> = (&'a [Boolean<Fr>], &'a [Boolean<Fr>]);

/// Splits `bits` into (exponent, mantissa), both big-endian, after checking the width and that
/// every value of the format fits a u128 (as the native decoder requires).
fn split(bits: &[Boolean<Fr>], format: FloatFormat) -> Result<Parts<'_>, SynthesisError> {
    if format.bits() > 64 || bits.len() != format.bits() as usize {
        return Err(SynthesisError::Unsatisfiable);
    }
    // Only formats whose every encoding decodes natively: then the field value equals it.
    10u128
        .checked_pow(format.max_exponent())
        .and_then(|p| p.checked_mul(format.max_mantissa()))
        .ok_or(SynthesisError::Unsatisfiable)?;
    Ok(bits.split_at(format.exponent_bits as usize))
}

/// `Σ bits[i]·2^(n−1−i)` for big-endian `bits`: a free linear combination.
fn be_bits_value(bits: &[Boolean<Fr>]) -> FpVar<Fr> {
    let mut acc = FpVar::Constant(Fr::from(0u64));
    let mut power = Fr::from(1u64);
    for b in bits.iter().rev() {
        acc += FpVar::from(b.clone()) * power;
        power = power + power;
    }
    acc
}

fn and(a: &Boolean<Fr>, b: &Boolean<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    Ok(match (a, b) {
        (Boolean::Constant(false), _) | (_, Boolean::Constant(false)) => Boolean::FALSE,
        (Boolean::Constant(true), x) | (x, Boolean::Constant(true)) => x.clone(),
        (Boolean::Var(x), Boolean::Var(y)) => Boolean::Var(x.and(y)?),
    })
}

fn or(a: &Boolean<Fr>, b: &Boolean<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    Ok(match (a, b) {
        (Boolean::Constant(true), _) | (_, Boolean::Constant(true)) => Boolean::TRUE,
        (Boolean::Constant(false), x) | (x, Boolean::Constant(false)) => x.clone(),
        (Boolean::Var(x), Boolean::Var(y)) => Boolean::Var(x.or(y)?),
    })
}

/// The bit `m > c` for the big-endian bits of `m` and a constant `c < 2^len`.
///
/// Scans from the least significant bit: with `g` meaning "the low bits of `m` exceed those of
/// `c`", a bit where `c` has 1 gives `g = m_i ∧ g` and one where `c` has 0 gives `g = m_i ∨ g`.
/// Steps that meet a constant are free.
fn greater_than_constant(m: &[Boolean<Fr>], c: u128) -> Result<Boolean<Fr>, SynthesisError> {
    let mut g = Boolean::FALSE;
    for (i, bit) in m.iter().rev().enumerate() {
        let c_i = i < 128 && (c >> i) & 1 == 1;
        g = if c_i { and(bit, &g)? } else { or(bit, &g)? };
    }
    Ok(g)
}

/// The value `mantissa · 10^exponent` of a packed float given by its `bits` (big-endian,
/// exponent bits then mantissa bits, `format.bits()` of them), equal to
/// [`FloatFormat::unpack`] of the same encoding.
///
/// Costs `format.exponent_bits` constraints. Any encoding is decoded, canonical or not; use
/// [`enforce_canonical`] to reject what the native decoder rejects. Returns
/// [`SynthesisError::Unsatisfiable`] if `bits` has the wrong length, or for a format wider than
/// 64 bits or whose largest value exceeds `u128::MAX` (the native decoder fails on those).
pub fn unpack_var(bits: &[Boolean<Fr>], format: FloatFormat) -> Result<FpVar<Fr>, SynthesisError> {
    let (exponent, mantissa) = split(bits, format)?;
    let mut value = be_bits_value(mantissa);
    let mut step = Fr::from(10u64); // 10^(2^i)
    for b in exponent.iter().rev() {
        // 1 + b·(10^(2^i) − 1): 10^(2^i) if the bit is set, else 1.
        let factor = FpVar::from(b.clone()) * (step - Fr::from(1u64)) + Fr::from(1u64);
        value *= factor;
        step = step * step;
    }
    Ok(value)
}

/// The smallest mantissa that makes a non-zero exponent canonical, minus one:
/// `⌊max_mantissa / 10⌋`.
fn canonical_threshold(format: FloatFormat) -> u128 {
    format.max_mantissa() / 10
}

/// The bit "`bits` is the canonical encoding of its value", i.e. `pack(unpack(bits)) == bits`
/// natively (see the module docs for why this is `exponent = 0 ∨ mantissa > ⌊max/10⌋`).
///
/// Returns [`SynthesisError::Unsatisfiable`] for the inputs [`unpack_var`] refuses.
pub fn is_canonical_var(
    bits: &[Boolean<Fr>],
    format: FloatFormat,
) -> Result<Boolean<Fr>, SynthesisError> {
    let (exponent, mantissa) = split(bits, format)?;
    let large = greater_than_constant(mantissa, canonical_threshold(format))?;
    let exponent_zero = if exponent.is_empty() {
        Boolean::TRUE
    } else {
        let mut any = Boolean::kary_or(exponent)?;
        any.not_in_place()?;
        any
    };
    or(&large, &exponent_zero)
}

/// Enforces that `bits` is the canonical encoding of its value, so the circuit accepts exactly
/// the floats the native pubdata decoder accepts.
///
/// Costs the mantissa comparison (22 constraints for [`AMOUNT`](super::AMOUNT), 6 for
/// [`FEE`](super::FEE)) plus one: `(Σ exponent bits) · (1 − large) = 0`, since the sum of the
/// exponent bits is zero exactly when the exponent is. Returns
/// [`SynthesisError::Unsatisfiable`] for the inputs [`unpack_var`] refuses, and when every bit
/// is a constant and the encoding is not canonical.
pub fn enforce_canonical(bits: &[Boolean<Fr>], format: FloatFormat) -> Result<(), SynthesisError> {
    let (exponent, mantissa) = split(bits, format)?;
    let large = greater_than_constant(mantissa, canonical_threshold(format))?;
    let mut exponent_sum = LinearCombination::zero();
    let mut constant_sum = 0u32;
    for b in exponent {
        match b {
            Boolean::Constant(v) => constant_sum += u32::from(*v),
            Boolean::Var(v) => exponent_sum = exponent_sum + v.variable(),
        }
    }
    if large == Boolean::TRUE || (constant_sum == 0 && exponent_sum.is_empty()) {
        return Ok(());
    }
    let cs = bits.cs();
    if cs.is_none() {
        // Every bit is a constant, the exponent is not zero and the mantissa is small.
        return Err(SynthesisError::Unsatisfiable);
    }
    let exponent_sum = exponent_sum + (Fr::from(constant_sum), Variable::One);
    let not_large = LinearCombination::from(Variable::One) - large.lc();
    cs.enforce_r1cs_constraint(|| exponent_sum, || not_large, LinearCombination::zero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_u128;
    use crate::float::{AMOUNT, FEE};
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
    use proptest::prelude::*;

    fn packed_bits(
        cs: &ConstraintSystemRef<Fr>,
        packed: u64,
        format: FloatFormat,
    ) -> Vec<Boolean<Fr>> {
        (0..format.bits())
            .rev()
            .map(|i| Boolean::new_witness(cs.clone(), || Ok((packed >> i) & 1 == 1)).expect("bit"))
            .collect()
    }

    fn natively_canonical(format: FloatFormat, packed: u64) -> bool {
        format.unpack(packed).and_then(|v| format.pack(v)) == Ok(packed)
    }

    /// Runs every gadget on `packed` and checks each against the native decoder.
    fn check(format: FloatFormat, packed: u64) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bits = packed_bits(&cs, packed, format);
        let value = unpack_var(&bits, format).expect("unpack");
        let native = format.unpack(packed).expect("every encoding of these formats decodes");
        assert_eq!(value.value().expect("value"), fr_from_u128(native), "{format:?} {packed:#x}");
        let canonical = natively_canonical(format, packed);
        let bit = is_canonical_var(&bits, format).expect("is_canonical");
        assert_eq!(bit.value().expect("value"), canonical, "{format:?} {packed:#x}");
        assert!(cs.is_satisfied().expect("satisfiable check"));
        enforce_canonical(&bits, format).expect("enforce");
        assert_eq!(cs.is_satisfied().expect("satisfiable check"), canonical, "{packed:#x}");

        // The same with constant bits: no constraints, same answers.
        let consts: Vec<Boolean<Fr>> =
            (0..format.bits()).rev().map(|i| Boolean::constant((packed >> i) & 1 == 1)).collect();
        let value = unpack_var(&consts, format).expect("unpack");
        assert!(value.is_constant());
        assert_eq!(value.value().expect("value"), fr_from_u128(native));
        assert_eq!(is_canonical_var(&consts, format).expect("bit"), Boolean::constant(canonical));
        assert_eq!(enforce_canonical(&consts, format).is_ok(), canonical);
    }

    #[test]
    fn exhaustive_on_small_formats() {
        for (exponent_bits, mantissa_bits) in
            [(0, 4), (1, 1), (1, 3), (2, 3), (2, 4), (3, 4), (2, 7), (3, 5), (5, 7)]
        {
            let format = FloatFormat { exponent_bits, mantissa_bits };
            for packed in 0..1u64 << format.bits() {
                check(format, packed);
            }
        }
    }

    #[test]
    fn amount_edges() {
        let m = AMOUNT.mantissa_bits;
        let t = canonical_threshold(AMOUNT) as u64;
        assert_eq!(t, 3_355_443);
        for e in [0u64, 1, 2, 16, 30, 31] {
            for mant in [0, 1, 9, 10, t - 1, t, t + 1, t + 10, (1 << m) - 2, (1 << m) - 1] {
                check(AMOUNT, (e << m) | mant);
            }
        }
    }

    #[test]
    fn constraint_counts() {
        for (name, format, unpack, canonical) in [("AMOUNT", AMOUNT, 5, 23), ("FEE", FEE, 5, 7)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let bits = packed_bits(&cs, 1, format);
            let before = cs.num_constraints();
            let _value = unpack_var(&bits, format).expect("unpack");
            let after_unpack = cs.num_constraints();
            enforce_canonical(&bits, format).expect("enforce");
            let after_enforce = cs.num_constraints();
            let _bit = is_canonical_var(&bits, format).expect("bit");
            let after_bit = cs.num_constraints();
            println!(
                "{name}: unpack_var {} constraints, enforce_canonical {}, is_canonical_var {}",
                after_unpack - before,
                after_enforce - after_unpack,
                after_bit - after_enforce
            );
            assert_eq!(after_unpack - before, unpack);
            assert_eq!(after_enforce - after_unpack, canonical);
            assert!(cs.is_satisfied().expect("satisfiable check"));
        }
    }

    #[test]
    fn refuses_wrong_width_and_huge_formats() {
        let bits = vec![Boolean::FALSE; 29];
        assert_eq!(unpack_var(&bits, AMOUNT).err(), Some(SynthesisError::Unsatisfiable));
        assert_eq!(enforce_canonical(&bits, AMOUNT).err(), Some(SynthesisError::Unsatisfiable));
        let huge = FloatFormat { exponent_bits: 6, mantissa_bits: 20 };
        let bits = vec![Boolean::FALSE; 26];
        assert_eq!(unpack_var(&bits, huge).err(), Some(SynthesisError::Unsatisfiable));
    }

    proptest! {
        #[test]
        fn random_amounts_and_fees(a in 0u64..1 << 30, f in 0u64..1 << 12) {
            check(AMOUNT, a);
            check(FEE, f);
        }

        #[test]
        fn packed_values_are_canonical(v in any::<u128>()) {
            for format in [AMOUNT, FEE] {
                let packed = format.pack(format.closest_down(v)).expect("packable");
                check(format, packed);
                prop_assert!(natively_canonical(format, packed));
            }
        }
    }
}
