//! Baby Jubjub as R1CS gadgets over BN254, in circomlib's coordinates: the twin of
//! [`crate::babyjubjub`] for the block circuit.
//!
//! [`PointVar`] holds the affine circomlib coordinates `(x, y)` of a point on
//! `a·x² + y² = 1 + d·x²·y²` (`a = 168700`, `d = 168696`), the same coordinates the native
//! code hashes and packs, so a point's variables can go straight into Poseidon. arkworks'
//! `EdwardsVar` for `ark-ed-on-bn254` works on a rescaled curve (`x·√168700`) with the same
//! 6-constraint addition and 5-constraint doubling, but its scalar multiplication is plain
//! double-and-add-and-select (3,299 constraints for 254 bits, measured, against 2,541 here), it
//! has no fixed-base tables, and allocating a witness point checks subgroup membership (21
//! constraints), which EdDSA does not want for `A`.
//!
//! # Completeness
//!
//! Additions and doublings use the unified twisted Edwards formulas. Because `a` is a square and
//! `d` is not, their denominators `1 ± d·x₁x₂y₁y₂` never vanish for points on the curve, so the
//! formulas are complete: the identity, equal operands, opposite operands and points of small
//! order need no special case, and every quotient is uniquely determined by its constraint.
//! Every gadget therefore assumes that its input points lie on the curve: allocate them with
//! [`AllocVar`] (which enforces it) or call [`PointVar::enforce_on_curve`]. Sums, multiples and
//! constants built here stay on the curve by construction.
//!
//! # Cost (constraints, every input a variable)
//!
//! | operation | constraints |
//! |---|---|
//! | [`PointVar::add`] | 6 (3 when one operand is a constant) |
//! | [`PointVar::double`] | 5 |
//! | [`PointVar::enforce_on_curve`] | 3 |
//! | [`PointVar::mul_by_cofactor`] | 15 |
//! | [`PointVar::is_low_order`] / [`PointVar::enforce_not_low_order`] | 17 / 16 |
//! | [`PointVar::scalar_mul_le`], `n ≥ 2` bits | `20·⌊(n−1)/2⌋ + 19`, plus 2 for even `n` (2,541 for 254 bits) |
//! | [`PointVar::mul_base8_le`], `n` bits | about `3·n` (748 for 251 bits) |
//!
//! The variable-base multiplication recodes the scalar into signed digits `±1` (two per window,
//! so each window adds one of `±P`, `±3P`) and runs left to right: two doublings, a 4-constraint
//! signed lookup and one addition per two bits. The fixed-base multiplication by Base8 needs no
//! doublings at all: each 3-bit window selects one of 8 constant points `w·8^j·B8` (3
//! constraints) and adds it to the accumulator (6 constraints).

use super::{Point, A, D};
use crate::field::Fr;
use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};
use std::borrow::Borrow;
use std::sync::OnceLock;

/// Number of 3-bit windows in the fixed-base table for Base8.
const BASE8_WINDOWS: usize = 86;

/// The longest scalar, in bits, that [`PointVar::mul_base8_le`] accepts (`3 · 86`).
pub const MUL_BASE8_MAX_BITS: usize = 3 * BASE8_WINDOWS;

/// A Baby Jubjub point as two field variables, in circomlib's affine coordinates.
///
/// Nothing about the type guarantees that the point is on the curve: [`AllocVar`] enforces it
/// for witnesses and inputs, [`PointVar::new`] and [`PointVar::new_variable_unchecked`] do not
/// (call [`PointVar::enforce_on_curve`] before using such a point in arithmetic).
#[derive(Clone, Debug)]
#[must_use]
pub struct PointVar {
    /// The x coordinate (circomlib's).
    pub x: FpVar<Fr>,
    /// The y coordinate.
    pub y: FpVar<Fr>,
}

/// `num / den` as a new witness `q` with the single constraint `q · den = num`; free when `den`
/// is a constant. The caller guarantees `den ≠ 0` (true for every denominator of the complete
/// formulas on curve points); a zero denominator makes the constraint system unsatisfiable
/// unless `num` is zero too.
fn div(num: &FpVar<Fr>, den: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    if let FpVar::Constant(d) = den {
        let inv = d.inverse().ok_or(SynthesisError::Unsatisfiable)?;
        return Ok(num * inv);
    }
    let cs = num.cs().or(den.cs());
    let q = FpVar::new_witness(cs, || {
        let d = den.value()?;
        let n = num.value()?;
        Ok(n * d.inverse().unwrap_or(Fr::ZERO))
    })?;
    q.mul_equals(den, num)?;
    Ok(q)
}

/// A Boolean as a field variable (a linear combination, no constraint).
fn fp(b: &Boolean<Fr>) -> FpVar<Fr> {
    FpVar::from(b.clone())
}

/// `v[0] + c0·(v[1]−v[0]) + c1·(v[2]−v[0]) + c0c1·(v[3]−v[2]−v[1]+v[0])`: the entry of a
/// 4-element constant table indexed by `(c0, c1)`, linear in `c0`, `c1` and `c0c1` (free).
fn lookup4(c0: &FpVar<Fr>, c1: &FpVar<Fr>, c01: &FpVar<Fr>, v: [Fr; 4]) -> FpVar<Fr> {
    c0 * (v[1] - v[0]) + c1 * (v[2] - v[0]) + c01 * (v[3] - v[2] - v[1] + v[0]) + v[0]
}

/// The entry `table[index]` of 8 constant points, `index` given by 1 to 3 little-endian bits.
/// Costs 0 constraints for one bit, 1 for two and 3 for three.
fn lookup_constant(bits: &[Boolean<Fr>], table: &[Point; 8]) -> Result<PointVar, SynthesisError> {
    let xs: [Fr; 8] = std::array::from_fn(|i| table[i].x);
    let ys: [Fr; 8] = std::array::from_fn(|i| table[i].y);
    match bits {
        [c0] => Ok(PointVar {
            x: FpVar::conditionally_select(c0, &FpVar::constant(xs[1]), &FpVar::constant(xs[0]))?,
            y: FpVar::conditionally_select(c0, &FpVar::constant(ys[1]), &FpVar::constant(ys[0]))?,
        }),
        [c0, c1] | [c0, c1, _] => {
            let c01 = fp(&(c0 & c1));
            let (c0, c1) = (fp(c0), fp(c1));
            let low = |v: &[Fr; 8]| lookup4(&c0, &c1, &c01, [v[0], v[1], v[2], v[3]]);
            let high = |v: &[Fr; 8]| lookup4(&c0, &c1, &c01, [v[4], v[5], v[6], v[7]]);
            match bits.get(2) {
                None => Ok(PointVar { x: low(&xs), y: low(&ys) }),
                Some(c2) => Ok(PointVar {
                    x: FpVar::conditionally_select(c2, &high(&xs), &low(&xs))?,
                    y: FpVar::conditionally_select(c2, &high(&ys), &low(&ys))?,
                }),
            }
        }
        _ => Err(SynthesisError::Unsatisfiable),
    }
}

/// The signed lookup `(2·c1 − 1)·2 + (2·c0 − 1)` times `P`, i.e. one of `−3P, −P, P, 3P`, from
/// `p1 = P` and `p3 = 3P`. Four constraints:
/// `x = −x₃ + c0·(x₃ − x₁) + c1·(x₁ + x₃)` and `y = y₃ + (c0 ⊕ c1)·(y₁ − y₃)`.
fn signed_lookup(
    c0: &Boolean<Fr>,
    c1: &Boolean<Fr>,
    p1: &PointVar,
    p3: &PointVar,
) -> Result<PointVar, SynthesisError> {
    let x = fp(c0) * (&p3.x - &p1.x) + fp(c1) * (&p1.x + &p3.x) - &p3.x;
    let y = fp(&(c0 ^ c1)) * (&p1.y - &p3.y) + &p3.y;
    Ok(PointVar { x, y })
}

/// `table[j][w] = w·8^j·B8` for `j < 86`, `w < 8`: the constants of the fixed-base method.
fn base8_table() -> &'static [[Point; 8]] {
    static TABLE: OnceLock<Vec<[Point; 8]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows = Vec::with_capacity(BASE8_WINDOWS);
        let mut base = Point::base8();
        for _ in 0..BASE8_WINDOWS {
            let mut row = [Point::identity(); 8];
            for w in 1..8 {
                row[w] = row[w - 1].add(&base);
            }
            rows.push(row);
            base = base.double().double().double();
        }
        rows
    })
}

impl PointVar {
    /// A point from two coordinate variables, unchecked (see [`PointVar::enforce_on_curve`]).
    pub fn new(x: FpVar<Fr>, y: FpVar<Fr>) -> Self {
        PointVar { x, y }
    }

    /// A constant point (no variables, no constraints).
    pub fn constant(p: Point) -> Self {
        PointVar { x: FpVar::constant(p.x), y: FpVar::constant(p.y) }
    }

    /// The neutral element `(0, 1)` as a constant.
    pub fn identity() -> Self {
        Self::constant(Point::identity())
    }

    /// Allocates the coordinates of a point without enforcing that it lies on the curve.
    ///
    /// For callers that enforce it later anyway (as [`crate::eddsa::r1cs::verify_var`] does);
    /// anything else should use [`AllocVar`], which spends the 3 constraints.
    pub fn new_variable_unchecked<T: Borrow<Point>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        let value = f().map(|p| *p.borrow());
        let x = FpVar::new_variable(cs.clone(), || value.map(|p| p.x), mode)?;
        let y = FpVar::new_variable(cs, || value.map(|p| p.y), mode)?;
        Ok(PointVar { x, y })
    }

    /// Allocates a witness point without enforcing that it lies on the curve; see
    /// [`PointVar::new_variable_unchecked`].
    pub fn new_witness_unchecked<T: Borrow<Point>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        Self::new_variable_unchecked(cs, f, AllocationMode::Witness)
    }

    /// Enforces `a·x² + y² = 1 + d·x²·y²`. Three constraints (none for a constant point, which
    /// is only checked natively: a constant off the curve is refused with
    /// [`SynthesisError::Unsatisfiable`]).
    pub fn enforce_on_curve(&self) -> Result<(), SynthesisError> {
        if let (FpVar::Constant(x), FpVar::Constant(y)) = (&self.x, &self.y) {
            return if (Point { x: *x, y: *y }).is_on_curve() {
                Ok(())
            } else {
                Err(SynthesisError::Unsatisfiable)
            };
        }
        let xx = self.x.square()?;
        let yy = self.y.square()?;
        // (d·x²) · y² = a·x² + y² − 1
        (&xx * D).mul_equals(&yy, &(&xx * A + &yy - Fr::ONE))
    }

    /// `self + other` by circomlib's `BabyAdd`: six constraints, three when `other` is a
    /// constant, none when both are. Both points must be on the curve.
    pub fn add(&self, other: &Self) -> Result<Self, SynthesisError> {
        let beta = &self.x * &other.y;
        let gamma = &self.y * &other.x;
        let delta = (&self.y - &self.x * A) * (&other.x + &other.y);
        let d_tau = &beta * &gamma * D;
        let x = div(&(&beta + &gamma), &(&d_tau + Fr::ONE))?;
        let y = div(&(delta + &beta * A - &gamma), &(FpVar::one() - &d_tau))?;
        Ok(PointVar { x, y })
    }

    /// `2·self` in five constraints: `x' = 2xy / (a·x² + y²)`,
    /// `y' = (y² − a·x²) / (2 − a·x² − y²)`. The point must be on the curve (where the
    /// denominators equal `1 ± d·x²y²`, never zero).
    pub fn double(&self) -> Result<Self, SynthesisError> {
        let xx = self.x.square()?;
        let yy = self.y.square()?;
        let xy = &self.x * &self.y;
        let a_xx = &xx * A;
        let x = div(&xy.double()?, &(&a_xx + &yy))?;
        let y = div(&(&yy - &a_xx), &(FpVar::constant(Fr::from(2u64)) - &a_xx - &yy))?;
        Ok(PointVar { x, y })
    }

    /// The inverse `(-x, y)`; free.
    pub fn negate(&self) -> Self {
        PointVar { x: FpVar::zero() - &self.x, y: self.y.clone() }
    }

    /// `8·self`, three doublings (15 constraints).
    pub fn mul_by_cofactor(&self) -> Result<Self, SynthesisError> {
        self.double()?.double()?.double()
    }

    /// Whether `8·self` is the identity, i.e. whether the point has order dividing 8 (17
    /// constraints). On the curve, `8·P` has x = 0 only when it is the identity: the other
    /// point with x = 0, `(0, −1)`, has order 2 and is never 8 times a point because the group
    /// has no element of order 16.
    pub fn is_low_order(&self) -> Result<Boolean<Fr>, SynthesisError> {
        self.mul_by_cofactor()?.x.is_zero()
    }

    /// Enforces that the point does not have order dividing 8: `8·P` has an x coordinate with
    /// an inverse (16 constraints). See [`PointVar::is_low_order`].
    pub fn enforce_not_low_order(&self) -> Result<(), SynthesisError> {
        self.mul_by_cofactor()?.x.enforce_not_equal(&FpVar::zero())
    }

    /// `k·self` for the integer `k = Σ bits[i]·2^i` (any number of bits, not reduced modulo
    /// anything), for a variable point on the curve. Equals [`Point::mul_bytes_le`] natively.
    ///
    /// The bits are recoded into signed digits: with `d_i = 2·bits[i+1] − 1 ∈ {±1}`,
    /// `k = 2^(n−1) + Σ_{i<n−1} d_i·2^i + bits[0] − 1`. The accumulator starts at `P` (the
    /// leading `2^(n−1)`), takes the digits two at a time (`acc = 4·acc + v·P`,
    /// `v ∈ {±1, ±3}`), and finally subtracts `P` when `bits[0] = 0`. Cost for `n ≥ 2` bits:
    /// 11 to compute `3P`, 2 for a leading lone digit when `n − 1` is odd, 20 per digit pair
    /// and 8 for the final correction; 2,541 constraints for 254 bits.
    pub fn scalar_mul_le(&self, bits: &[Boolean<Fr>]) -> Result<Self, SynthesisError> {
        let Some((b0, digits)) = bits.split_first() else {
            return Ok(Self::identity());
        };
        if digits.is_empty() {
            return Self::conditionally_select(b0, self, &Self::identity());
        }
        let p3 = self.double()?.add(self)?;
        let mut remaining = digits.len();
        let mut acc = if remaining % 2 == 1 {
            remaining -= 1;
            // 2·P + d·P with d = 2·bit − 1: 3P or P.
            Self::conditionally_select(&digits[remaining], &p3, self)?
        } else {
            self.clone()
        };
        while remaining >= 2 {
            let t = signed_lookup(&digits[remaining - 2], &digits[remaining - 1], self, &p3)?;
            acc = acc.double()?.double()?.add(&t)?;
            remaining -= 2;
        }
        let corrected = acc.add(&self.negate())?;
        Self::conditionally_select(b0, &acc, &corrected)
    }

    /// `k·B8` for the integer `k = Σ bits[i]·2^i` and circomlib's Base8 (equal to
    /// [`Point::mul_base8`] for `k` below the subgroup order). At most
    /// [`MUL_BASE8_MAX_BITS`] bits; more give [`SynthesisError::Unsatisfiable`].
    ///
    /// Each 3-bit window selects `w·8^j·B8` from a constant table (3 constraints; 1 for a
    /// final 2-bit window) and is added to the accumulator (6 constraints; none for the first
    /// window): 748 constraints for 251 bits.
    pub fn mul_base8_le(bits: &[Boolean<Fr>]) -> Result<Self, SynthesisError> {
        if bits.len() > MUL_BASE8_MAX_BITS {
            return Err(SynthesisError::Unsatisfiable);
        }
        let mut acc: Option<Self> = None;
        for (window, row) in bits.chunks(3).zip(base8_table()) {
            let term = lookup_constant(window, row)?;
            acc = Some(match acc {
                None => term,
                Some(acc) => acc.add(&term)?,
            });
        }
        Ok(acc.unwrap_or_else(Self::identity))
    }
}

impl GR1CSVar<Fr> for PointVar {
    type Value = Point;

    fn cs(&self) -> ConstraintSystemRef<Fr> {
        self.x.cs().or(self.y.cs())
    }

    fn value(&self) -> Result<Point, SynthesisError> {
        Ok(Point { x: self.x.value()?, y: self.y.value()? })
    }
}

impl AllocVar<Point, Fr> for PointVar {
    /// Allocates the coordinates and, for witnesses and inputs, enforces that the point lies
    /// on the curve (3 constraints). Constants are not checked.
    fn new_variable<T: Borrow<Point>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let p = Self::new_variable_unchecked(cs, f, mode)?;
        if mode != AllocationMode::Constant {
            p.enforce_on_curve()?;
        }
        Ok(p)
    }
}

impl EqGadget<Fr> for PointVar {
    /// Both coordinates equal (5 constraints).
    fn is_eq(&self, other: &Self) -> Result<Boolean<Fr>, SynthesisError> {
        Ok(self.x.is_eq(&other.x)? & self.y.is_eq(&other.y)?)
    }

    /// One constraint per coordinate.
    fn conditional_enforce_equal(
        &self,
        other: &Self,
        should_enforce: &Boolean<Fr>,
    ) -> Result<(), SynthesisError> {
        self.x.conditional_enforce_equal(&other.x, should_enforce)?;
        self.y.conditional_enforce_equal(&other.y, should_enforce)
    }
}

impl CondSelectGadget<Fr> for PointVar {
    /// One constraint per coordinate (none for a constant condition).
    fn conditionally_select(
        cond: &Boolean<Fr>,
        true_value: &Self,
        false_value: &Self,
    ) -> Result<Self, SynthesisError> {
        Ok(PointVar {
            x: FpVar::conditionally_select(cond, &true_value.x, &false_value.x)?,
            y: FpVar::conditionally_select(cond, &true_value.y, &false_value.y)?,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::babyjubjub::{Scalar, SUB_ORDER};
    use ark_ff::{BigInteger, PrimeField};
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
    use proptest::prelude::*;

    type Cs = ConstraintSystemRef<Fr>;

    /// A point of exact order 8, found by clearing the prime-order part of a point outside the
    /// subgroup.
    pub(crate) fn order8_point() -> Point {
        let l_bytes: [u8; 32] = {
            let mut out = [0u8; 32];
            out.copy_from_slice(&SUB_ORDER.to_bytes_le());
            out
        };
        let mut y = Fr::from(2u64);
        loop {
            let y2 = y.square();
            let x2 = (Fr::ONE - y2) * (A - D * y2).inverse().unwrap_or(Fr::ZERO);
            if let Some(x) = x2.sqrt() {
                let t = Point { x, y }.mul_bytes_le(&l_bytes);
                if !t.double().double().is_identity() {
                    return t;
                }
            }
            y += Fr::ONE;
        }
    }

    /// The 8 points of small order: `k·T8`.
    pub(crate) fn torsion() -> Vec<Point> {
        let t8 = order8_point();
        let mut out = vec![Point::identity()];
        for k in 1..8 {
            out.push(out[k - 1].add(&t8));
        }
        out
    }

    fn point_from_seed(seed: u64) -> Point {
        Point::mul_base8(&Scalar::from(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1))
    }

    fn witness(cs: &Cs, p: Point) -> PointVar {
        PointVar::new_witness(cs.clone(), || Ok(p)).expect("alloc")
    }

    fn bits_witness(cs: &Cs, bytes: &[u8], n: usize) -> Vec<Boolean<Fr>> {
        (0..n)
            .map(|i| {
                let bit = bytes.get(i / 8).is_some_and(|b| (b >> (i % 8)) & 1 == 1);
                Boolean::new_witness(cs.clone(), || Ok(bit)).expect("alloc bit")
            })
            .collect()
    }

    fn count(cs: &Cs, f: impl FnOnce()) -> usize {
        let before = cs.num_constraints();
        f();
        cs.num_constraints() - before
    }

    #[test]
    fn torsion_points_are_low_order_and_on_curve() {
        let t = torsion();
        assert!(t.iter().all(|p| p.is_on_curve() && p.is_low_order()));
        // Orders 1, 8, 4, 8, 2, 8, 4, 8: all distinct points.
        for i in 0..8 {
            for j in 0..i {
                assert_ne!(t[i], t[j]);
            }
        }
        assert_eq!(t[4], Point { x: Fr::ZERO, y: -Fr::ONE });
    }

    #[test]
    fn add_double_negate_agree_with_native_including_edge_cases() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let mut points: Vec<Point> = (1..6).map(point_from_seed).collect();
        points.extend(torsion());
        let shifted = points[0].add(&torsion()[3]);
        points.push(shifted);
        for (i, p) in points.iter().enumerate() {
            let pv = witness(&cs, *p);
            assert_eq!(pv.double().expect("synthesis").value().expect("value"), p.double());
            assert_eq!(pv.negate().value().expect("value"), p.neg());
            assert_eq!(
                pv.mul_by_cofactor().expect("synthesis").value().expect("value"),
                p.double().double().double()
            );
            for q in points.iter().skip(i) {
                let qv = witness(&cs, *q);
                assert_eq!(pv.add(&qv).expect("synthesis").value().expect("value"), p.add(q));
                // p + (−p) and p + p through the addition formula.
                assert!(pv
                    .add(&pv.negate())
                    .expect("synthesis")
                    .value()
                    .expect("value")
                    .is_identity());
                assert_eq!(pv.add(&pv).expect("synthesis").value().expect("value"), p.double());
                // Mixed with a constant operand.
                assert_eq!(
                    pv.add(&PointVar::constant(*q)).expect("synthesis").value().expect("value"),
                    p.add(q)
                );
            }
        }
        assert!(cs.is_satisfied().expect("satisfiability"));
    }

    #[test]
    fn on_curve_and_low_order_checks() {
        let t = torsion();
        for (k, p) in t.iter().enumerate() {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let pv = witness(&cs, *p);
            assert!(pv.is_low_order().expect("synthesis").value().expect("value"), "k = {k}");
            assert!(cs.is_satisfied().expect("satisfiability"));
            pv.enforce_not_low_order().expect("synthesis");
            assert!(!cs.is_satisfied().expect("satisfiability"), "low-order point {k} accepted");
        }
        for seed in 1..4 {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let p = point_from_seed(seed).add(&t[seed as usize]);
            let pv = witness(&cs, p);
            assert!(!pv.is_low_order().expect("synthesis").value().expect("value"));
            pv.enforce_not_low_order().expect("synthesis");
            assert!(cs.is_satisfied().expect("satisfiability"));
        }
        // Off the curve: allocation itself enforces the equation.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let p = point_from_seed(7);
        let _ = witness(&cs, Point { x: p.x, y: p.y + Fr::ONE });
        assert!(!cs.is_satisfied().expect("satisfiability"));
        let cs = ConstraintSystem::<Fr>::new_ref();
        let off =
            PointVar::new_witness_unchecked(cs.clone(), || Ok(Point { x: Fr::ONE, y: Fr::ONE }))
                .expect("synthesis");
        assert!(cs.is_satisfied().expect("satisfiability"));
        off.enforce_on_curve().expect("synthesis");
        assert!(!cs.is_satisfied().expect("satisfiability"));
        assert_eq!(
            PointVar::constant(Point { x: Fr::ONE, y: Fr::ONE }).enforce_on_curve(),
            Err(SynthesisError::Unsatisfiable)
        );
        assert_eq!(PointVar::constant(p).enforce_on_curve(), Ok(()));
    }

    #[test]
    fn scalar_mul_edge_scalars_and_bases() {
        let t = torsion();
        let bases = [point_from_seed(11), Point::base8(), t[0], t[1], t[2], t[4]];
        let scalars: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![1],
            vec![2],
            vec![3],
            vec![0xff; 32],
            SUB_ORDER.to_bytes_le(),
            (-Fr::ONE).into_bigint().to_bytes_le(),
        ];
        for base in &bases {
            for k in &scalars {
                for n in [0usize, 1, 2, 3, 4, 5, 254, 256] {
                    let cs = ConstraintSystem::<Fr>::new_ref();
                    let pv = witness(&cs, *base);
                    let bits = bits_witness(&cs, k, n);
                    let got = pv.scalar_mul_le(&bits).expect("synthesis").value().expect("value");
                    let mut truncated = [0u8; 32];
                    for i in 0..n.min(256) {
                        if k.get(i / 8).is_some_and(|b| (b >> (i % 8)) & 1 == 1) {
                            truncated[i / 8] |= 1 << (i % 8);
                        }
                    }
                    assert_eq!(got, base.mul_bytes_le(&truncated), "n = {n}, k = {k:?}");
                    assert!(cs.is_satisfied().expect("satisfiability"));
                }
            }
        }
    }

    #[test]
    fn fixed_base_edge_scalars() {
        for k in [Scalar::ZERO, Scalar::ONE, Scalar::from(7u64), Scalar::from(8u64), -Scalar::ONE] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let bits = bits_witness(&cs, &k.into_bigint().to_bytes_le(), 251);
            let got = PointVar::mul_base8_le(&bits).expect("synthesis").value().expect("value");
            assert_eq!(got, Point::mul_base8(&k));
            assert!(cs.is_satisfied().expect("satisfiability"));
        }
        // Unreduced scalars: 2^258 − 1 in 258 bits, and too many bits.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bits = bits_witness(&cs, &[0xff; 33], MUL_BASE8_MAX_BITS);
        let got = PointVar::mul_base8_le(&bits).expect("synthesis").value().expect("value");
        let mut expected = Point::base8().mul_bytes_le(&[0xff; 32]);
        let mut top = Point::base8();
        for _ in 0..256 {
            top = top.double();
        }
        expected = expected.add(&top).add(&top.double());
        assert_eq!(got, expected);
        let too_long = bits_witness(&cs, &[0xff; 33], MUL_BASE8_MAX_BITS + 1);
        assert!(PointVar::mul_base8_le(&too_long).is_err());
        // Constant bits give a constant point and no constraints.
        let before = cs.num_constraints();
        let constant_bits: Vec<_> = (0..10).map(|i| Boolean::constant(i % 3 == 0)).collect();
        let c = PointVar::mul_base8_le(&constant_bits).expect("synthesis");
        assert!(c.x.is_constant() && c.y.is_constant());
        assert_eq!(c.value().expect("value"), Point::mul_base8(&Scalar::from(0b1001001001u64)));
        assert_eq!(cs.num_constraints(), before);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6))]

        #[test]
        fn scalar_mul_matches_native(seed in any::<u64>(), k in any::<[u8; 32]>(), t in 0usize..8) {
            let base = point_from_seed(seed).add(&torsion()[t]);
            let mut k = k;
            k[31] &= 0x3f; // 254 bits
            let cs = ConstraintSystem::<Fr>::new_ref();
            let pv = witness(&cs, base);
            let bits = bits_witness(&cs, &k, 254);
            let got = pv.scalar_mul_le(&bits).expect("synthesis").value().expect("value");
            prop_assert_eq!(got, base.mul_bytes_le(&k));
            prop_assert!(cs.is_satisfied().expect("satisfiability"));
        }

        #[test]
        fn fixed_base_matches_native(k in any::<[u8; 32]>()) {
            let s = Scalar::from_le_bytes_mod_order(&k);
            let cs = ConstraintSystem::<Fr>::new_ref();
            let bits = bits_witness(&cs, &s.into_bigint().to_bytes_le(), 251);
            let got = PointVar::mul_base8_le(&bits).expect("synthesis").value().expect("value");
            prop_assert_eq!(got, Point::mul_base8(&s));
            prop_assert!(cs.is_satisfied().expect("satisfiability"));
        }

        #[test]
        fn add_matches_native(a in any::<u64>(), b in any::<u64>(), ta in 0usize..8, tb in 0usize..8) {
            let t = torsion();
            let p = point_from_seed(a).add(&t[ta]);
            let q = point_from_seed(b).add(&t[tb]);
            let cs = ConstraintSystem::<Fr>::new_ref();
            let sum = witness(&cs, p).add(&witness(&cs, q)).expect("synthesis");
            prop_assert_eq!(sum.value().expect("value"), p.add(&q));
            prop_assert!(cs.is_satisfied().expect("satisfiability"));
        }
    }

    #[test]
    fn a_wrong_quotient_is_caught() {
        // Every coordinate the gadgets produce is pinned by its constraint: corrupt the
        // witness of an addition's output and the system must fail.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let p = witness(&cs, point_from_seed(1));
        let q = witness(&cs, point_from_seed(2));
        let sum = p.add(&q).expect("synthesis");
        let claimed = witness(&cs, point_from_seed(1).add(&point_from_seed(3)));
        sum.enforce_equal(&claimed).expect("synthesis");
        assert!(!cs.is_satisfied().expect("satisfiability"));
    }

    #[test]
    fn constraint_counts() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let p = witness(&cs, point_from_seed(1));
        let q = witness(&cs, point_from_seed(2));
        let on_curve = count(&cs, || p.enforce_on_curve().expect("synthesis"));
        let add = count(&cs, || {
            let _ = p.add(&q).expect("synthesis");
        });
        let add_const = count(&cs, || {
            let _ = p.add(&PointVar::constant(Point::base8())).expect("synthesis");
        });
        let double = count(&cs, || {
            let _ = p.double().expect("synthesis");
        });
        let low = count(&cs, || {
            let _ = p.is_low_order().expect("synthesis");
        });
        let not_low = count(&cs, || p.enforce_not_low_order().expect("synthesis"));
        let k = [0x5au8; 32];
        let bits254 = bits_witness(&cs, &k, 254);
        let bits251 = bits_witness(&cs, &k, 251);
        let var_mul = count(&cs, || {
            let _ = p.scalar_mul_le(&bits254).expect("synthesis");
        });
        let fixed_mul = count(&cs, || {
            let _ = PointVar::mul_base8_le(&bits251).expect("synthesis");
        });
        println!(
            "Baby Jubjub gadget constraints: on-curve {on_curve}, add {add}, add constant \
             {add_const}, double {double}, is_low_order {low}, enforce_not_low_order {not_low}, \
             var-base mul (254 bits) {var_mul}, fixed-base mul (251 bits) {fixed_mul}"
        );
        assert_eq!(on_curve, 3);
        assert_eq!(add, 6);
        assert_eq!(add_const, 3);
        assert_eq!(double, 5);
        assert_eq!(low, 17);
        assert_eq!(not_low, 16);
        assert_eq!(var_mul, 2541);
        assert_eq!(fixed_mul, 748);
        assert!(cs.is_satisfied().expect("satisfiability"));
    }

    #[test]
    fn setup_mode_needs_no_values_and_counts_the_same() {
        let build = |cs: &Cs, setup: bool| {
            let val = |p: Point| {
                move || if setup { Err(SynthesisError::AssignmentMissing) } else { Ok(p) }
            };
            let p = PointVar::new_witness(cs.clone(), val(point_from_seed(1))).expect("synthesis");
            let bits: Vec<_> = (0..254)
                .map(|i| {
                    Boolean::new_witness(cs.clone(), || {
                        if setup {
                            Err(SynthesisError::AssignmentMissing)
                        } else {
                            Ok(i % 3 == 0)
                        }
                    })
                    .expect("synthesis")
                })
                .collect();
            let r = p.scalar_mul_le(&bits).expect("synthesis");
            let f = PointVar::mul_base8_le(&bits[..251]).expect("synthesis");
            r.add(&f).expect("synthesis").enforce_not_low_order().expect("synthesis");
        };
        let setup = ConstraintSystem::<Fr>::new_ref();
        setup.set_mode(SynthesisMode::Setup);
        build(&setup, true);
        let prove = ConstraintSystem::<Fr>::new_ref();
        build(&prove, false);
        assert_eq!(setup.num_constraints(), prove.num_constraints());
        assert!(prove.is_satisfied().expect("satisfiability"));
    }
}
