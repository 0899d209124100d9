//! Multi-scalar multiplication with **batch-affine** bucket accumulation, for the prover's
//! five MSMs over BN254 G1 and G2.
//!
//! Pippenger's method with signed `c`-bit digits: every point is added into one bucket per
//! window, then each window's buckets are summed with a running sum, and the windows are
//! combined by doubling. arkworks adds into buckets in extended Jacobian coordinates (about 8
//! multiplications and 2 squarings a mixed addition in G1). Here buckets stay **affine**: an
//! affine addition costs one multiplication, one squaring and one inversion, and the inversions
//! of a whole batch of independent additions share one field inversion (Montgomery's trick,
//! three multiplications each), so an addition costs about 6 multiplications. A batch never
//! holds two additions into the same bucket: a colliding addition goes to that bucket's
//! projective overflow instead, which keeps concentrated inputs (the many `±1` values of a
//! witness all land in one bucket) linear.
//!
//! Windows run in parallel (rayon). Special cases are exact: an empty bucket takes the point,
//! `P + P` doubles, `P + (−P)` empties the bucket; points at infinity and zero scalars are
//! skipped. The tests compare with arkworks' MSM on random and adversarial inputs.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInteger, BigInteger256, Field, PrimeField, Zero};
use rayon::prelude::*;
use tern_primitives::Fr;

/// Additions computed together, sharing one inversion.
const BATCH: usize = 512;

/// Bits of a BN254 scalar.
const SCALAR_BITS: usize = Fr::MODULUS_BIT_SIZE as usize;

/// The window width for `n` points (measured on the 2-core reference machine).
fn window_bits(n: usize) -> usize {
    match n {
        0..=31 => 3,
        32..=1023 => 6,
        _ => (usize::BITS - n.leading_zeros()) as usize * 3 / 4,
    }
    .clamp(3, 16)
}

/// `Σ scalars[i] · bases[i]` over the shorter of the two slices.
///
/// Full-size scalars go through the batch-affine Pippenger below; zeros, `±1` and values
/// below 2⁶⁴ in absolute value (most of a witness's non-zero values by count, few by cost)
/// through arkworks' MSM, which has dedicated paths for them.
pub fn msm<P>(bases: &[Affine<P>], scalars: &[BigInteger256]) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
{
    let n = bases.len().min(scalars.len());
    let full: Vec<bool> = scalars[..n].par_iter().map(is_full_size).collect();
    let (mut big, mut small) = (Vec::new(), Vec::new());
    for ((b, s), f) in bases.iter().zip(scalars).zip(&full) {
        if !b.is_zero() && !s.is_zero() {
            if *f {
                big.push((*b, *s))
            } else {
                small.push((*b, *s))
            }
        }
    }
    let (small_bases, small_scalars): (Vec<_>, Vec<_>) = small.into_iter().unzip();
    let (big_sum, small_sum) = rayon::join(
        || pippenger(&big, window_bits(big.len()), batch_len(window_bits(big.len()))),
        || <Projective<P> as VariableBaseMSM>::msm_bigint(&small_bases, &small_scalars),
    );
    big_sum + small_sum
}

/// Whether `s` is at least 2⁶⁴ away from zero on both sides.
fn is_full_size(s: &BigInteger256) -> bool {
    if s.num_bits() <= 64 {
        return false;
    }
    let mut neg = Fr::MODULUS;
    neg.sub_with_borrow(s);
    neg.num_bits() > 64
}

/// Additions per batch for `c`-bit windows: small against the `2^(c−1)` buckets, so that
/// few additions collide with the batch.
fn batch_len(c: usize) -> usize {
    (1usize << (c - 1) >> 4).clamp(16, BATCH)
}

/// The batch-affine Pippenger over `pairs` (no zero scalars, no points at infinity).
fn pippenger<P>(pairs: &[(Affine<P>, BigInteger256)], c: usize, batch: usize) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
{
    if pairs.is_empty() {
        return Projective::<P>::zero();
    }
    let windows = SCALAR_BITS.div_ceil(c) + 1;
    let digits = signed_digits(pairs, c, windows);
    let sums: Vec<Projective<P>> = (0..windows)
        .into_par_iter()
        .map(|w| window_sum(pairs, &digits, windows, w, c, batch))
        .collect();
    let mut total = Projective::<P>::zero();
    for sum in sums.iter().rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += sum;
    }
    total
}

/// Every scalar's signed base-`2^c` digits, `windows` per scalar, each in
/// `[−2^(c−1), 2^(c−1)]`, scalar-major.
fn signed_digits<P: SWCurveConfig>(
    pairs: &[(Affine<P>, BigInteger256)],
    c: usize,
    windows: usize,
) -> Vec<i32> {
    let mut digits = vec![0i32; pairs.len() * windows];
    digits.par_chunks_mut(windows).zip(pairs.par_iter()).for_each(|(out, (_, s))| {
        let limbs = s.as_ref();
        let half = 1i64 << (c - 1);
        let mut carry = 0i64;
        for (w, d) in out.iter_mut().enumerate() {
            let bit = w * c;
            let mut v = 0u64;
            if bit < 256 {
                let (limb, off) = (bit / 64, bit % 64);
                v = limbs[limb] >> off;
                if off + c > 64 && limb + 1 < 4 {
                    v |= limbs[limb + 1] << (64 - off);
                }
                v &= (1u64 << c) - 1;
            }
            let mut digit = v as i64 + carry;
            carry = 0;
            if digit > half {
                digit -= 1 << c;
                carry = 1;
            }
            *d = digit as i32;
        }
    });
    digits
}

/// An affine bucket.
#[derive(Clone, Copy)]
struct Bucket<F> {
    x: F,
    y: F,
    empty: bool,
}

/// Window `w`'s sum `Σ_k k · bucket_k`.
fn window_sum<P: SWCurveConfig>(
    pairs: &[(Affine<P>, BigInteger256)],
    digits: &[i32],
    windows: usize,
    w: usize,
    c: usize,
    batch: usize,
) -> Projective<P> {
    let mut acc = Accumulator::<P>::new(1usize << (c - 1), batch);
    for (i, (base, _)) in pairs.iter().enumerate() {
        let d = digits[i * windows + w];
        if d == 0 {
            continue;
        }
        if let Some((x, y)) = base.xy() {
            let y = if d < 0 { -y } else { y };
            acc.add(d.unsigned_abs() as usize - 1, x, y);
        }
    }
    acc.flush();

    // Σ k · bucket_k = Σ_k (Σ_{j ≥ k} bucket_j), from the top.
    let mut running = Projective::<P>::zero();
    let mut sum = Projective::<P>::zero();
    for (b, extra) in acc.buckets.iter().zip(&acc.overflow).rev() {
        if !b.empty {
            running += Affine::<P>::new_unchecked(b.x, b.y);
        }
        if !extra.is_zero() {
            running += extra;
        }
        sum += running;
    }
    sum
}

/// Affine buckets, with pending additions into distinct buckets computed in batches.
///
/// An addition into a bucket that the current batch already touches goes to that bucket's
/// projective overflow instead (rare for full-size scalars; the common case for the many
/// `±1` values, which all land in one bucket).
struct Accumulator<P: SWCurveConfig> {
    buckets: Vec<Bucket<P::BaseField>>,
    overflow: Vec<Projective<P>>,
    /// The batch: bucket index and the point to add.
    batch: Vec<(usize, P::BaseField, P::BaseField)>,
    /// Buckets that the batch touches.
    busy: Vec<bool>,
    /// Scratch for the denominators and the prefix products.
    den: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
    /// Additions per batch.
    limit: usize,
}

impl<P: SWCurveConfig> Accumulator<P> {
    fn new(n: usize, limit: usize) -> Self {
        let empty = Bucket { x: P::BaseField::ZERO, y: P::BaseField::ZERO, empty: true };
        Self {
            buckets: vec![empty; n],
            overflow: vec![Projective::<P>::zero(); n],
            batch: Vec::with_capacity(limit),
            busy: vec![false; n],
            den: Vec::with_capacity(limit),
            prefix: Vec::with_capacity(limit),
            limit,
        }
    }

    /// Schedules `bucket_k += (x, y)`.
    fn add(&mut self, k: usize, x: P::BaseField, y: P::BaseField) {
        if self.busy[k] {
            self.overflow[k] += Affine::<P>::new_unchecked(x, y);
            return;
        }
        let b = &mut self.buckets[k];
        if b.empty {
            *b = Bucket { x, y, empty: false };
            return;
        }
        self.busy[k] = true;
        self.batch.push((k, x, y));
        if self.batch.len() >= self.limit {
            self.flush();
        }
    }

    /// Computes the batch's additions with one shared inversion.
    fn flush(&mut self) {
        // Denominators: x₂ − x₁, or 2y for a doubling; 1 where the result is the identity.
        self.den.clear();
        for &(k, x, y) in &self.batch {
            let b = &self.buckets[k];
            let d = if b.x != x {
                x - b.x
            } else if b.y == y && !y.is_zero() {
                y.double()
            } else {
                P::BaseField::ONE
            };
            self.den.push(d);
        }
        // Montgomery's trick: one inversion for the batch.
        self.prefix.clear();
        let mut acc = P::BaseField::ONE;
        for d in &self.den {
            self.prefix.push(acc);
            acc *= d;
        }
        let mut inv = acc.inverse().unwrap_or(P::BaseField::ZERO);
        for i in (0..self.den.len()).rev() {
            let d = self.den[i];
            self.den[i] = inv * self.prefix[i];
            inv *= d;
        }
        for (&(k, x, y), inv) in self.batch.iter().zip(&self.den) {
            let b = &mut self.buckets[k];
            self.busy[k] = false;
            let lambda = if b.x != x {
                (y - b.y) * inv
            } else if b.y == y && !y.is_zero() {
                // λ = (3x² + a) / 2y
                let xx = x.square();
                (xx.double() + xx + P::mul_by_a(P::BaseField::ONE)) * inv
            } else {
                // P + (−P): the bucket empties.
                b.empty = true;
                continue;
            };
            let x3 = lambda.square() - b.x - x;
            let y3 = lambda * (b.x - x3) - b.y;
            b.x = x3;
            b.y = y3;
        }
        self.batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    fn scalars(n: usize, rng: &mut ChaCha20Rng) -> Vec<BigInteger256> {
        (0..n)
            .map(|i| match i % 7 {
                0 => Fr::zero(),
                1 => Fr::from(1u64),
                2 => -Fr::from(1u64),
                3 => Fr::from(rng.gen::<u32>()),
                4 => -Fr::from(rng.gen::<u64>()),
                _ => Fr::rand(rng),
            })
            .map(|s| s.into_bigint())
            .collect()
    }

    #[test]
    fn g1_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for n in [0, 1, 2, 5, 31, 32, 100, 1000, 5000] {
            let bases: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
            let s = scalars(n, &mut rng);
            assert_eq!(msm(&bases, &s), G1Projective::msm_bigint(&bases, &s), "n = {n}");
        }
    }

    #[test]
    fn g2_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for n in [1, 3, 64, 700] {
            let bases: Vec<G2Affine> = (0..n).map(|_| G2Affine::rand(&mut rng)).collect();
            let s = scalars(n, &mut rng);
            assert_eq!(msm(&bases, &s), G2Projective::msm_bigint(&bases, &s), "n = {n}");
        }
    }

    /// Repeated and opposite points with full-size scalars force doublings and cancellations
    /// in the affine buckets; points at infinity are skipped.
    #[test]
    fn doublings_cancellations_and_infinity() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let p = G1Affine::rand(&mut rng);
        let q = G1Affine::rand(&mut rng);
        // Full size, with equal high digits: every window above the lowest is shared.
        let big = Fr::from(3u64).pow([150u64]);
        assert!(is_full_size(&big.into_bigint()));
        let mut bases = Vec::new();
        let mut s = Vec::new();
        for i in 0..3000u64 {
            let (base, scalar) = match i % 5 {
                0 => (p, big + Fr::from(i % 4)),
                1 => (-p, big + Fr::from(i % 4)),
                2 => (q, big),
                3 => (G1Affine::identity(), Fr::rand(&mut rng)),
                _ => (p, -big),
            };
            bases.push(base);
            s.push(scalar.into_bigint());
        }
        let pairs: Vec<_> =
            bases.iter().copied().zip(s.iter().copied()).filter(|(b, _)| !b.is_zero()).collect();
        let want = G1Projective::msm_bigint(&bases, &s);
        assert_eq!(msm(&bases, &s), want);
        for (c, batch) in [(3, 1), (5, 2), (8, 16), (12, 512)] {
            assert_eq!(pippenger(&pairs, c, batch), want, "c = {c}, batch = {batch}");
        }
        // All equal points, all equal scalars.
        let bases = vec![q; 4096];
        let s = vec![big.into_bigint(); 4096];
        let want = (q * (big * Fr::from(4096u64))).into_affine();
        assert_eq!(msm(&bases, &s).into_affine(), want);
    }

    /// Timing against arkworks: `cargo test --release -p tern-prover --lib msm_speed --
    /// --ignored --nocapture`.
    #[test]
    #[ignore = "timing; run in release"]
    fn msm_speed() {
        use std::time::Instant;
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for n in [1 << 14, 1 << 16, 1 << 18] {
            let bases: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
            let dense: Vec<BigInteger256> =
                (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
            let mixed = scalars(n, &mut rng);
            for (name, s) in [("dense", &dense), ("mixed", &mixed)] {
                let t = Instant::now();
                let a = G1Projective::msm_bigint(&bases, s);
                let ark = t.elapsed();
                let t = Instant::now();
                let b = msm(&bases, s);
                let ours = t.elapsed();
                assert_eq!(a, b);
                println!("G1 {name} n={n}: ark {ark:?}, batch-affine {ours:?}");
            }
        }
        // Window and batch sweep on dense G1 and G2 scalars.
        let n = 1 << 16;
        let g1: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
        let g2: Vec<G2Affine> = (0..n / 4).map(|_| G2Affine::rand(&mut rng)).collect();
        let s: Vec<BigInteger256> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        let p1: Vec<_> = g1.iter().copied().zip(s.iter().copied()).collect();
        let p2: Vec<_> = g2.iter().copied().zip(s.iter().copied()).collect();
        for c in [10, 11, 12, 13, 14, 15] {
            for batch in [64, 128, 256, 512] {
                let t = Instant::now();
                let _ = pippenger(&p1, c, batch);
                let t1 = t.elapsed();
                let t = Instant::now();
                let _ = pippenger(&p2, c - 2, batch);
                let t2 = t.elapsed();
                println!("c={c} batch={batch}: G1 {t1:?}, G2 (c={}) {t2:?}", c - 2);
            }
        }
        for n in [1 << 14, 1 << 16] {
            let bases: Vec<G2Affine> = (0..n).map(|_| G2Affine::rand(&mut rng)).collect();
            let s: Vec<BigInteger256> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
            let t = Instant::now();
            let a = G2Projective::msm_bigint(&bases, &s);
            let ark = t.elapsed();
            let t = Instant::now();
            let b = msm(&bases, &s);
            let ours = t.elapsed();
            assert_eq!(a, b);
            println!("G2 dense n={n}: ark {ark:?}, batch-affine {ours:?}");
        }
    }
}
