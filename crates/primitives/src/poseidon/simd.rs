//! Eight Poseidon permutations at once with AVX-512 IFMA (x86-64 only, chosen at run time).
//!
//! # Why this module may use `unsafe`
//!
//! The workspace denies `unsafe_code`; this module alone allows it. BN254 `Fr` multiplication is
//! most of the sequencer's time, and IFMA's 52-bit multiply-accumulate does eight of them per
//! instruction sequence: measured on the 2-core target, one lane's Montgomery product costs a
//! fraction of ark-ff's (see `docs/performance.md`). The unsafe code is limited to calling the
//! `#[target_feature]` entry point after run-time detection, and to reinterpreting a vector as
//! eight `u64` and back; every such block says why it is sound.
//!
//! # Representation
//!
//! A lane holds `x·2^260 mod r` in five 52-bit limbs (Montgomery form for `R = 2^260`), not
//! always fully reduced: every value stays below `2r` between operations, and products accept
//! inputs below `4r` (because `16r² / 2^260 < 0.2r`, the reduction then ends below `2r` with no
//! final subtraction). Conversions to and from ark's `Fr` (Montgomery form for `2^256`) are one
//! vector multiplication each, at the batch boundary.

#![allow(unsafe_code)]

use super::{params, Params, MAX_WIDTH};
use crate::field::Fr;
use ark_ff::{BigInt, BigInteger, Field, PrimeField};
use std::arch::x86_64::{
    __m512i, _mm512_add_epi64, _mm512_and_si512, _mm512_cmplt_epi64_mask, _mm512_madd52hi_epu64,
    _mm512_madd52lo_epu64, _mm512_mask_blend_epi64, _mm512_set1_epi64, _mm512_setzero_si512,
    _mm512_srai_epi64, _mm512_srli_epi64, _mm512_sub_epi64,
};
use std::sync::OnceLock;

/// Lanes per vector.
const LANES: usize = super::BATCH_LANES;
const LIMBS: usize = 5;
const MASK: u64 = (1 << 52) - 1;

/// One field element in 52-bit limbs (scalar form, for constants).
type Limbs = [u64; LIMBS];

/// Eight field elements, limb-major: `0[k]` holds limb `k` of every lane.
#[derive(Clone, Copy)]
pub(super) struct Fe([__m512i; LIMBS]);

/// The modulus and the conversion factors, in limbs.
struct Field52 {
    r: Limbs,
    two_r: Limbs,
    /// `-r⁻¹ mod 2^52`.
    r_inv: u64,
    /// `2^264 mod r`: multiplying ark's `x·2^256` by it gives `x·2^260`.
    from_ark: Limbs,
    /// `2^256 mod r`: multiplying `x·2^260` by it gives ark's `x·2^256`.
    to_ark: Limbs,
}

fn field52() -> &'static Field52 {
    static F: OnceLock<Field52> = OnceLock::new();
    F.get_or_init(|| {
        let r = Fr::MODULUS;
        let two_r = {
            let mut t = r;
            t.add_with_carry(&r);
            t
        };
        // Newton's iteration doubles the correct low bits of r⁻¹ each step (r is odd).
        let r0 = r.0[0];
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(r0.wrapping_mul(inv)));
        }
        let pow2 = |e: u64| split(Fr::from(2u64).pow([e]).into_bigint());
        Field52 {
            r: split(r),
            two_r: split(two_r),
            r_inv: inv.wrapping_neg() & MASK,
            from_ark: pow2(264),
            to_ark: pow2(256),
        }
    })
}

/// 4×64-bit limbs to 5×52-bit limbs.
fn split(x: BigInt<4>) -> Limbs {
    let w = x.0;
    [
        w[0] & MASK,
        (w[0] >> 52 | w[1] << 12) & MASK,
        (w[1] >> 40 | w[2] << 24) & MASK,
        (w[2] >> 28 | w[3] << 36) & MASK,
        w[3] >> 16,
    ]
}

/// 5×52-bit limbs (normalised, below 2^256) to 4×64-bit limbs.
fn join(l: Limbs) -> BigInt<4> {
    BigInt([
        l[0] | l[1] << 52,
        l[1] >> 12 | l[2] << 40,
        l[2] >> 24 | l[3] << 28,
        l[3] >> 36 | l[4] << 16,
    ])
}

/// A constant in this module's Montgomery form, `c·2^260 mod r`, fully reduced.
pub(super) fn constant(c: Fr) -> Limbs {
    // ark stores `y·2^256`; for `y = 16c` that is `c·2^260`, already reduced.
    split((c * Fr::from(16u64)).0)
}

fn to_lanes(v: __m512i) -> [u64; LANES] {
    // SAFETY: `__m512i` and `[u64; 8]` are both 64 plain bytes; every bit pattern is valid.
    unsafe { std::mem::transmute::<__m512i, [u64; LANES]>(v) }
}

fn from_lanes(v: [u64; LANES]) -> __m512i {
    // SAFETY: as in `to_lanes`.
    unsafe { std::mem::transmute::<[u64; LANES], __m512i>(v) }
}

#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn splat(c: &Limbs) -> Fe {
    Fe(c.map(|l| _mm512_set1_epi64(l as i64)))
}

/// Eight ark elements (their Montgomery words) as raw limbs, not yet in this module's form.
fn load_raw(xs: &[Fr; LANES]) -> [__m512i; LIMBS] {
    let mut limbs = [[0u64; LANES]; LIMBS];
    for (lane, x) in xs.iter().enumerate() {
        for (k, l) in split(x.0).into_iter().enumerate() {
            limbs[k][lane] = l;
        }
    }
    limbs.map(from_lanes)
}

/// Adds the partial products of `a·b` into the ten columns `t`.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn mul_acc(t: &mut [__m512i; 2 * LIMBS], a: &Fe, b: &Fe) {
    for i in 0..LIMBS {
        for j in 0..LIMBS {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], a.0[i], b.0[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a.0[i], b.0[j]);
        }
    }
}

/// Montgomery reduction of the columns `t` (each below 2^63 with room for the reduction's
/// terms): `t / 2^260 mod r`, normalised limbs.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn reduce(mut t: [__m512i; 2 * LIMBS]) -> Fe {
    let f = field52();
    let r = splat(&f.r);
    let r_inv = _mm512_set1_epi64(f.r_inv as i64);
    let zero = _mm512_setzero_si512();
    for i in 0..LIMBS {
        // IFMA reads only the low 52 bits, so `t[i]` needs no masking here.
        let m = _mm512_madd52lo_epu64(zero, t[i], r_inv);
        for j in 0..LIMBS {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, r.0[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, r.0[j]);
        }
        t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
    }
    let mut out = [t[5], t[6], t[7], t[8], t[9]];
    carry(&mut out);
    Fe(out)
}

/// Normalises limbs to 52 bits, pushing carries up (the top limb keeps the excess).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn carry(l: &mut [__m512i; LIMBS]) {
    let mask = _mm512_set1_epi64(MASK as i64);
    for k in 0..LIMBS - 1 {
        l[k + 1] = _mm512_add_epi64(l[k + 1], _mm512_srli_epi64::<52>(l[k]));
        l[k] = _mm512_and_si512(l[k], mask);
    }
}

/// `a·b / 2^260 mod r` for inputs below `4r`; the result is below `2r`.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
pub(super) fn mul(a: &Fe, b: &Fe) -> Fe {
    let mut t = [_mm512_setzero_si512(); 2 * LIMBS];
    mul_acc(&mut t, a, b);
    reduce(t)
}

/// `K` independent vectors of products `a·b^rounds`, through this module's form (for the
/// microbenchmark and the tests of the field layer).
#[cfg(test)]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul_ark_lanes<const K: usize>(
    a: &[[Fr; LANES]; K],
    b: &[[Fr; LANES]; K],
    rounds: usize,
) -> [[Fr; LANES]; K] {
    let from_ark = splat(&field52().from_ark);
    let mut x = a.map(|a| mul(&Fe(load_raw(&a)), &from_ark));
    let y = b.map(|b| mul(&Fe(load_raw(&b)), &from_ark));
    for _ in 0..rounds {
        for k in 0..K {
            x[k] = mul(&x[k], &y[k]);
        }
    }
    x.map(|x| store(&x))
}

/// Back to ark: fully reduced `x·2^256` per lane.
#[target_feature(enable = "avx512f,avx512ifma")]
fn store(x: &Fe) -> [Fr; LANES] {
    let f = field52();
    let y = mul(x, &splat(&f.to_ark));
    let y = sub_if_ge(&y, &f.r);
    let limbs = y.0.map(to_lanes);
    std::array::from_fn(|lane| Fr::new_unchecked(join(limbs.map(|l| l[lane]))))
}

/// `x − m` in the lanes where `x ≥ m`, else `x`; limbs of `x` normalised.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn sub_if_ge(x: &Fe, m: &Limbs) -> Fe {
    let mask = _mm512_set1_epi64(MASK as i64);
    let mut d = [_mm512_setzero_si512(); LIMBS];
    let mut borrow = _mm512_setzero_si512();
    for k in 0..LIMBS {
        let v = _mm512_add_epi64(_mm512_sub_epi64(x.0[k], _mm512_set1_epi64(m[k] as i64)), borrow);
        borrow = _mm512_srai_epi64::<52>(v);
        d[k] = if k + 1 < LIMBS { _mm512_and_si512(v, mask) } else { v };
    }
    let negative = _mm512_cmplt_epi64_mask(d[LIMBS - 1], _mm512_setzero_si512());
    Fe(std::array::from_fn(|k| _mm512_mask_blend_epi64(negative, d[k], x.0[k])))
}

/// `a + b` for `a < 2r`, `b < r` (a round constant): below `3r`, which a product accepts.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn add_const(a: &Fe, b: &Fe) -> Fe {
    let mut s: [__m512i; LIMBS] = std::array::from_fn(|k| _mm512_add_epi64(a.0[k], b.0[k]));
    carry(&mut s);
    Fe(s)
}

/// `a + b` for `a, b < 2r`, kept below `2r` (the sparse rounds add into the same element
/// 50-odd times, so it has to be reduced).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn add_mod(a: &Fe, b: &Fe) -> Fe {
    sub_if_ge(&add_const(a, b), &field52().two_r)
}

#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn sbox(x: &Fe) -> Fe {
    let x2 = mul(x, x);
    let x4 = mul(&x2, &x2);
    mul(x, &x4)
}

/// `Σ row[j]·x[j]` with one reduction for the whole row: the columns have room for 13
/// products, and the sum of products below `2r·r` reduces to below `2r`.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn dot<const W: usize>(row: &[Limbs], x: &[Fe; W]) -> Fe {
    let mut t = [_mm512_setzero_si512(); 2 * LIMBS];
    for (c, x) in row.iter().zip(x) {
        mul_acc(&mut t, &splat(c), x);
    }
    reduce(t)
}

#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn dense_layer<const W: usize>(m: &[Limbs], state: &mut [Fe; W]) {
    let s = *state;
    for (i, out) in state.iter_mut().enumerate() {
        *out = dot(&m[i * W..(i + 1) * W], &s);
    }
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn full_round<const W: usize>(t: &Tables, r: usize, state: &mut [Fe; W]) {
    for (s, c) in state.iter_mut().zip(&t.moved_ark[r * W..(r + 1) * W]) {
        *s = sbox(&add_const(s, &splat(c)));
    }
    dense_layer(&t.mds, state);
}

/// The sparse partial round `k` (see [`Params`]): the S-box on element 0, then the matrix
/// `[[n00, n_row], [w, I]]`.
#[target_feature(enable = "avx512f,avx512ifma")]
fn sparse_round<const W: usize>(t: &Tables, k: usize, state: &mut [Fe; W]) {
    let b = &t.sparse[k * (2 * W - 1)..(k + 1) * (2 * W - 1)];
    let s0 = state[0];
    let first = dot(&b[..W], state);
    for (s, w) in state[1..].iter_mut().zip(&b[W..]) {
        *s = add_mod(s, &mul(&splat(w), &s0));
    }
    state[0] = first;
}

/// The permutation of [`super::permute_width`], step for step, on eight states.
#[target_feature(enable = "avx512f,avx512ifma")]
fn permute<const W: usize>(p: &Params, t: &Tables, state: &mut [Fe; W]) {
    let half = p.full_rounds / 2;
    for r in 0..half {
        full_round(t, r, state);
    }
    for k in 0..p.partial_rounds {
        state[0] = sbox(&add_const(&state[0], &splat(&t.moved_ark[(half + k) * W])));
        if k + 1 == p.partial_rounds {
            dense_layer(&t.last_partial, state);
        } else {
            sparse_round(t, k, state);
        }
    }
    for r in half + p.partial_rounds..p.full_rounds + p.partial_rounds {
        full_round(t, r, state);
    }
}

/// A width's [`Params`] in this module's form, converted from the scalar tables so the two
/// paths cannot drift apart.
struct Tables {
    moved_ark: Vec<Limbs>,
    mds: Vec<Limbs>,
    sparse: Vec<Limbs>,
    last_partial: Vec<Limbs>,
}

fn tables(width: usize) -> &'static Tables {
    static TABLES: [OnceLock<Tables>; MAX_WIDTH + 1] = [const { OnceLock::new() }; MAX_WIDTH + 1];
    TABLES[width].get_or_init(|| {
        let p = params(width);
        let convert = |v: &[Fr]| v.iter().copied().map(constant).collect();
        Tables {
            moved_ark: convert(&p.moved_ark),
            mds: convert(&p.mds),
            sparse: convert(&p.sparse),
            last_partial: convert(&p.last_partial),
        }
    })
}

/// Hashes the rows of `flat` (each `W − 1` inputs) into `out`, eight rows at a time; missing
/// lanes of the last chunk hash zeros and are dropped.
#[target_feature(enable = "avx512f,avx512ifma")]
fn hash_rows<const W: usize>(flat: &[Fr], out: &mut [Fr]) {
    let (p, t) = (params(W), tables(W));
    let from_ark = splat(&field52().from_ark);
    let n = W - 1;
    for (rows, out) in flat.chunks(LANES * n).zip(out.chunks_mut(LANES)) {
        let mut state = [Fe([_mm512_setzero_si512(); LIMBS]); W];
        for (i, s) in state[1..].iter_mut().enumerate() {
            let lanes = std::array::from_fn(|l| rows.get(l * n + i).copied().unwrap_or_default());
            *s = mul(&Fe(load_raw(&lanes)), &from_ark);
        }
        permute(p, t, &mut state);
        out.copy_from_slice(&store(&state[0])[..out.len()]);
    }
}

/// Hashes the rows of `flat` (each `width − 1` inputs) into `out` if this CPU has IFMA;
/// `false` (and `out` untouched) otherwise.
pub(super) fn hash_rows_for_width(width: usize, flat: &[Fr], out: &mut [Fr]) -> bool {
    if !available() {
        return false;
    }
    macro_rules! dispatch {
        ($($w:literal)*) => {
            match width {
                // SAFETY: `available()` checked that the CPU supports avx512f and avx512ifma.
                $($w => unsafe { hash_rows::<$w>(flat, out) },)*
                w => unreachable!("circomlib widths are 2 to 13, got {w}"),
            }
        };
    }
    dispatch!(2 3 4 5 6 7 8 9 10 11 12 13);
    true
}

/// Whether this CPU runs the vector path.
pub(super) fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512ifma")
    })
}

/// `rounds` chained products per lane, or `None` without IFMA.
#[cfg(test)]
fn mul_chain<const K: usize>(
    a: &[[Fr; LANES]; K],
    b: &[[Fr; LANES]; K],
    rounds: usize,
) -> Option<[[Fr; LANES]; K]> {
    if !available() {
        return None;
    }
    // SAFETY: the CPU supports avx512f and avx512ifma, checked just above.
    Some(unsafe { mul_ark_lanes(a, b, rounds) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn sample(seed: u64) -> [Fr; LANES] {
        std::array::from_fn(|i| {
            let x = Fr::from(seed.wrapping_add((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)));
            x.pow([7 + i as u64])
        })
    }

    #[test]
    fn products_match_ark() {
        let (a, b) = (sample(1), sample(2));
        let Some([got]) = mul_chain(&[a], &[b], 3) else { return };
        for i in 0..LANES {
            assert_eq!(got[i], a[i] * b[i] * b[i] * b[i], "lane {i}");
        }
    }

    /// `cargo test -p tern-primitives --release mul_throughput -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn mul_throughput() {
        const ROUNDS: usize = 1_000_000;
        let (a, b) = ([sample(3), sample(5)], [sample(4), sample(6)]);
        let per_mul = |start: Instant, lanes: usize| {
            start.elapsed().as_secs_f64() * 1e9 / (ROUNDS * lanes) as f64
        };
        let start = Instant::now();
        let mut x = a;
        for _ in 0..ROUNDS {
            for (x, b) in x.iter_mut().flatten().zip(b.iter().flatten()) {
                *x *= b;
            }
        }
        let ark = per_mul(start, 2 * LANES);
        std::hint::black_box(x);
        let start = Instant::now();
        let y = mul_chain(&a, &b, ROUNDS).expect("IFMA");
        let ifma = per_mul(start, 2 * LANES);
        assert_eq!(x, y);
        let start = Instant::now();
        let one = mul_chain(&[a[0]], &[b[0]], ROUNDS).expect("IFMA");
        let latency = per_mul(start, LANES);
        assert_eq!(one[0], x[0]);
        println!(
            "16 independent products per round: ark-ff {ark:.2} ns/mul, IFMA {ifma:.2} ns/mul; \
             one 8-lane chain: {latency:.2} ns/mul"
        );
    }
}
