//! Poseidon over BN254 with circomlib's parameters (x^5 S-box, 8 full rounds, circomlib's
//! partial-round counts and constants), for 1 to 12 inputs (the widths whose tables light-poseidon carries).
//!
//! The constants come from `light-poseidon`, which carries circomlib's tables. The permutation
//! is our own: `light-poseidon` allocates a vector per round and needs `&mut self`, while the
//! sequencer and the trees hash millions of times from many threads. `benches/poseidon.rs`
//! measures both; `tests` proves they agree and reproduce circomlibjs's vectors.

use crate::field::Fr;
use ark_ff::{Field, Zero};
#[cfg(test)]
use proptest::prelude::*;
use std::sync::OnceLock;

#[cfg(feature = "r1cs")]
pub mod r1cs;
#[cfg(target_arch = "x86_64")]
mod simd;

/// The largest number of inputs circomlib defines parameters for.
pub const MAX_INPUTS: usize = 12;
const MAX_WIDTH: usize = MAX_INPUTS + 1;

/// Why a Poseidon call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PoseidonError {
    /// circomlib defines Poseidon for 1 to 12 inputs only.
    #[error("poseidon takes 1 to {MAX_INPUTS} inputs, got {0}")]
    BadArity(usize),
}

/// Round constants and matrices of one width, in the form the fast permutation uses.
///
/// Partial rounds apply the S-box to element 0 only, so two exact rewrites make them cheap (the
/// optimisation of the Poseidon paper, appendix B):
/// - constants: adding `c[1..]` commutes with the partial S-box, so `M·(0, c[1..])` is carried
///   into the next round's constants, and each partial round adds one scalar to element 0;
/// - matrices: a dense `N` factors as `A·B` with `A = diag(1, N̂)` and
///   `B = [[n00, n_row], [N̂⁻¹·n_col, I]]`. `A` commutes with the partial S-box and with adding a
///   constant to element 0, so it moves into the next round's matrix (`M·A`), leaving the sparse
///   `B` (2t−1 multiplications instead of t²). The last partial round keeps the dense `M·A`.
struct Params {
    width: usize,
    full_rounds: usize,
    partial_rounds: usize,
    /// Original constants, `ark[round * width + i]`.
    ark: Vec<Fr>,
    /// `mds[i * width + j]`.
    mds: Vec<Fr>,
    /// Constants with the partial rounds' constants moved (same layout as `ark`).
    moved_ark: Vec<Fr>,
    /// Per sparse partial round: `n00, n_row[0..t-1], w[0..t-1]` (2t−1 elements).
    sparse: Vec<Fr>,
    /// The dense matrix of the last partial round.
    last_partial: Vec<Fr>,
}

fn mat_mul(a: &[Fr], b: &[Fr], w: usize) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); w * w];
    for i in 0..w {
        for j in 0..w {
            out[i * w + j] = (0..w).map(|k| a[i * w + k] * b[k * w + j]).sum();
        }
    }
    out
}

/// Inverse of an `n×n` matrix by Gauss-Jordan elimination; `None` if singular.
fn invert(m: &[Fr], n: usize) -> Option<Vec<Fr>> {
    let mut a = m.to_vec();
    let mut inv = vec![Fr::zero(); n * n];
    for i in 0..n {
        inv[i * n + i] = Fr::from(1u64);
    }
    for col in 0..n {
        let pivot = (col..n).find(|&r| !a[r * n + col].is_zero())?;
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
            inv.swap(col * n + k, pivot * n + k);
        }
        let p = a[col * n + col].inverse()?;
        for k in 0..n {
            a[col * n + k] *= p;
            inv[col * n + k] *= p;
        }
        for r in 0..n {
            if r != col {
                let f = a[r * n + col];
                if !f.is_zero() {
                    for k in 0..n {
                        let (x, y) = (a[col * n + k], inv[col * n + k]);
                        a[r * n + k] -= f * x;
                        inv[r * n + k] -= f * y;
                    }
                }
            }
        }
    }
    Some(inv)
}

impl Params {
    fn new(width: usize) -> Self {
        // Widths 2..=13 are exactly those light-poseidon ships; the caller checked the range.
        let p = light_poseidon::parameters::bn254_x5::get_poseidon_parameters::<Fr>(width as u8)
            .unwrap_or_else(|e| unreachable!("circomlib parameters for width {width}: {e}"));
        let w = width;
        let mds: Vec<Fr> = p.mds.into_iter().flatten().collect();
        let (full, partial) = (p.full_rounds, p.partial_rounds);
        let half = full / 2;

        let mut moved_ark = p.ark.clone();
        for r in half..half + partial {
            let mut rest = vec![Fr::zero(); w];
            rest[1..].copy_from_slice(&moved_ark[r * w + 1..(r + 1) * w]);
            for c in &mut moved_ark[r * w + 1..(r + 1) * w] {
                *c = Fr::zero();
            }
            for i in 0..w {
                let carry: Fr = (0..w).map(|j| mds[i * w + j] * rest[j]).sum();
                moved_ark[(r + 1) * w + i] += carry;
            }
        }

        let n = w - 1;
        let mut sparse = Vec::with_capacity((partial - 1) * (2 * w - 1));
        let mut dense = mds.clone();
        for _ in 0..partial - 1 {
            let hat: Vec<Fr> = (1..w)
                .flat_map(|i| (1..w).map(move |j| (i, j)))
                .map(|(i, j)| dense[i * w + j])
                .collect();
            let hat_inv = invert(&hat, n).unwrap_or_else(|| {
                unreachable!("MDS minors of circomlib's matrices are invertible")
            });
            sparse.push(dense[0]);
            sparse.extend_from_slice(&dense[1..w]);
            for i in 0..n {
                sparse.push((0..n).map(|j| hat_inv[i * n + j] * dense[(j + 1) * w]).sum());
            }
            let mut a = vec![Fr::zero(); w * w];
            a[0] = Fr::from(1u64);
            for i in 0..n {
                for j in 0..n {
                    a[(i + 1) * w + j + 1] = hat[i * n + j];
                }
            }
            dense = mat_mul(&mds, &a, w);
        }
        Self {
            width,
            full_rounds: full,
            partial_rounds: partial,
            ark: p.ark,
            mds,
            moved_ark,
            sparse,
            last_partial: dense,
        }
    }
}

fn params(width: usize) -> &'static Params {
    static TABLES: [OnceLock<Params>; MAX_WIDTH + 1] = [const { OnceLock::new() }; MAX_WIDTH + 1];
    TABLES[width].get_or_init(|| Params::new(width))
}

#[inline(always)]
fn sbox(x: &mut Fr) {
    let x2 = x.square();
    let x4 = x2.square();
    *x *= x4;
}

/// `m` (row-major, `W×W`) times `state`. Each row is one `sum_of_products`, which reduces once per
/// row instead of once per product (BN254's spare modulus bits allow it).
#[inline(always)]
fn dense_layer<const W: usize>(m: &[Fr], state: &mut [Fr; W]) {
    let mut out = [Fr::zero(); W];
    for (i, o) in out.iter_mut().enumerate() {
        *o = Fr::sum_of_products(row::<W>(m, i), state);
    }
    *state = out;
}

#[inline(always)]
fn row<const W: usize>(m: &[Fr], i: usize) -> &[Fr; W] {
    <&[Fr; W]>::try_from(&m[i * W..(i + 1) * W])
        .unwrap_or_else(|_| unreachable!("tables hold W×W entries"))
}

#[inline(always)]
fn full_round<const W: usize>(p: &Params, r: usize, state: &mut [Fr; W]) {
    for (s, c) in state.iter_mut().zip(&p.moved_ark[r * W..(r + 1) * W]) {
        *s += c;
    }
    state.iter_mut().for_each(sbox);
    dense_layer::<W>(&p.mds, state);
}

/// The permutation with sparse partial rounds, for a width known at compile time.
fn permute_width<const W: usize>(p: &Params, state: &mut [Fr; W]) {
    let half = p.full_rounds / 2;
    for r in 0..half {
        full_round::<W>(p, r, state);
    }
    let sparse_len = 2 * W - 1;
    for k in 0..p.partial_rounds {
        let r = half + k;
        state[0] += p.moved_ark[r * W];
        sbox(&mut state[0]);
        if k + 1 == p.partial_rounds {
            dense_layer::<W>(&p.last_partial, state);
        } else {
            let b = &p.sparse[k * sparse_len..(k + 1) * sparse_len];
            let s0 = state[0];
            // The first W entries are the sparse matrix's dense first row.
            let first = Fr::sum_of_products(row::<W>(b, 0), state);
            for i in 1..W {
                state[i] += b[W - 1 + i] * s0;
            }
            state[0] = first;
        }
    }
    for r in half + p.partial_rounds..p.full_rounds + p.partial_rounds {
        full_round::<W>(p, r, state);
    }
}

/// Dispatches to the permutation of the parameters' width.
fn permute(p: &Params, state: &mut [Fr; MAX_WIDTH]) {
    macro_rules! dispatch {
        ($($w:literal)*) => {
            match p.width {
                $($w => {
                    let s = <&mut [Fr; $w]>::try_from(&mut state[..$w])
                        .unwrap_or_else(|_| unreachable!("width {} fits the state", $w));
                    permute_width::<$w>(p, s)
                })*
                w => unreachable!("circomlib widths are 2 to 13, got {w}"),
            }
        };
    }
    dispatch!(2 3 4 5 6 7 8 9 10 11 12 13)
}

/// Dense layer for the reference permutation, whose width is only known at run time.
#[cfg(test)]
fn dense_layer_dyn(m: &[Fr], state: &mut [Fr; MAX_WIDTH], w: usize) {
    let mut tmp = [Fr::zero(); MAX_WIDTH];
    for (i, t) in tmp[..w].iter_mut().enumerate() {
        *t = m[i * w..(i + 1) * w].iter().zip(&state[..w]).map(|(a, b)| *a * b).sum();
    }
    state[..w].copy_from_slice(&tmp[..w]);
}

/// The textbook permutation, kept to check the optimised one against.
#[cfg(test)]
fn permute_reference(p: &Params, state: &mut [Fr; MAX_WIDTH]) {
    let w = p.width;
    let half = p.full_rounds / 2;
    for r in 0..p.full_rounds + p.partial_rounds {
        for (s, c) in state[..w].iter_mut().zip(&p.ark[r * w..(r + 1) * w]) {
            *s += c;
        }
        if r < half || r >= half + p.partial_rounds {
            state[..w].iter_mut().for_each(sbox);
        } else {
            sbox(&mut state[0]);
        }
        dense_layer_dyn(&p.mds, state, w);
    }
}

/// `(ark, mds, full_rounds, partial_rounds)`, as [`constants`] returns them.
pub type Constants = (&'static [Fr], &'static [Fr], usize, usize);

/// The round constants and the MDS matrix of circomlib's Poseidon for `width` (2 to 13):
/// `(ark, mds, full_rounds, partial_rounds)` with `ark[round * width + i]` and
/// `mds[i * width + j]`. The R1CS gadget uses these so it cannot drift from the native hash.
pub fn constants(width: usize) -> Result<Constants, PoseidonError> {
    if !(2..=MAX_WIDTH).contains(&width) {
        return Err(PoseidonError::BadArity(width.saturating_sub(1)));
    }
    let p = params(width);
    Ok((&p.ark, &p.mds, p.full_rounds, p.partial_rounds))
}

/// circomlib's `Poseidon(n)` of `inputs` (1 to 12 elements).
///
/// ```
/// use tern_primitives::{field::fr_to_decimal, poseidon::poseidon, Fr};
///
/// // circomlibjs: poseidon([1, 2])
/// let h = poseidon(&[Fr::from(1u64), Fr::from(2u64)]).unwrap();
/// assert_eq!(
///     fr_to_decimal(&h),
///     "7853200120776062878684798364095072458815029376092732009249414926327459813530"
/// );
/// assert!(poseidon(&[]).is_err());
/// ```
pub fn poseidon(inputs: &[Fr]) -> Result<Fr, PoseidonError> {
    let n = inputs.len();
    if n == 0 || n > MAX_INPUTS {
        return Err(PoseidonError::BadArity(n));
    }
    let p = params(n + 1);
    let mut state = [Fr::zero(); MAX_WIDTH];
    state[1..=n].copy_from_slice(inputs);
    permute(p, &mut state);
    Ok(state[0])
}

/// Poseidon of a fixed number of inputs, where the arity is known to be valid at compile time.
pub fn hash<const N: usize>(inputs: [Fr; N]) -> Fr {
    const { assert!(N >= 1 && N <= MAX_INPUTS, "poseidon takes 1 to 12 inputs") };
    let p = params(N + 1);
    let mut state = [Fr::zero(); MAX_WIDTH];
    state[1..=N].copy_from_slice(&inputs);
    permute(p, &mut state);
    state[0]
}

/// How many inputs [`hash_batch`] hashes at once on the vector path; callers that split a batch
/// (across threads, say) should cut it at multiples of this.
pub const BATCH_LANES: usize = 8;

/// [`hash`] of every element of `inputs`, in order: `hash_batch(xs)[i] == hash(xs[i])`.
///
/// On CPUs with AVX-512 IFMA eight inputs are hashed at once (about as fast as one), so callers
/// that have many independent hashes should pass them together; elsewhere this is a loop over
/// [`hash`]. Either way the results are identical.
pub fn hash_batch<const N: usize>(inputs: &[[Fr; N]]) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); inputs.len()];
    hash_batch_into(inputs, &mut out);
    out
}

/// [`hash_batch`] into a caller's slice.
///
/// # Panics
///
/// If `out` and `inputs` differ in length.
pub fn hash_batch_into<const N: usize>(inputs: &[[Fr; N]], out: &mut [Fr]) {
    batch_with(inputs, out, true);
}

/// [`hash_batch_into`], with the vector path allowed or not (tests exercise both).
fn batch_with<const N: usize>(inputs: &[[Fr; N]], out: &mut [Fr], vector: bool) {
    const { assert!(N >= 1 && N <= MAX_INPUTS, "poseidon takes 1 to 12 inputs") };
    assert_eq!(inputs.len(), out.len(), "hash_batch_into: one output per input");
    if vector && vector_rows(N + 1, inputs.as_flattened(), out) {
        return;
    }
    for (o, x) in out.iter_mut().zip(inputs) {
        *o = hash(*x);
    }
}

/// Hashes the rows of `flat` on the vector path; `false` where there is none.
#[cfg(target_arch = "x86_64")]
fn vector_rows(width: usize, flat: &[Fr], out: &mut [Fr]) -> bool {
    simd::hash_rows_for_width(width, flat, out)
}

#[cfg(not(target_arch = "x86_64"))]
fn vector_rows(_: usize, _: &[Fr], _: &mut [Fr]) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use light_poseidon::{Poseidon, PoseidonHasher};

    #[test]
    fn agrees_with_light_poseidon_for_every_width() {
        for n in 1..=MAX_INPUTS {
            let inputs: Vec<Fr> = (0..n).map(|i| Fr::from((i * 7919 + 3) as u64)).collect();
            let mut reference = Poseidon::<Fr>::new_circom(n).expect("circom params");
            assert_eq!(poseidon(&inputs), Ok(reference.hash(&inputs).expect("hash")), "n={n}");
        }
    }

    proptest! {
        #[test]
        fn sparse_rounds_equal_textbook_rounds(seed in any::<[u64; 13]>(), width in 2usize..=13) {
            let p = params(width);
            let mut a = [Fr::zero(); MAX_WIDTH];
            for (x, s) in a[..width].iter_mut().zip(seed) {
                *x = Fr::from(s);
            }
            let mut b = a;
            permute(p, &mut a);
            permute_reference(p, &mut b);
            prop_assert_eq!(a, b);
        }
    }

    /// Random inputs of `N` elements, `count` of them.
    fn rows<const N: usize>(seed: u64, count: usize) -> Vec<[Fr; N]> {
        let mut x = Fr::from(seed) + Fr::from(7u64);
        (0..count)
            .map(|_| {
                std::array::from_fn(|_| {
                    x = x.square() + Fr::from(3u64);
                    x
                })
            })
            .collect()
    }

    fn batch_equals_scalar<const N: usize>(seed: u64, count: usize) {
        let inputs = rows::<N>(seed, count);
        let scalar: Vec<Fr> = inputs.iter().map(|x| hash(*x)).collect();
        for vector in [true, false] {
            let mut out = vec![Fr::zero(); count];
            batch_with(&inputs, &mut out, vector);
            assert_eq!(out, scalar, "N={N} count={count} vector={vector}");
        }
        assert_eq!(hash_batch(&inputs), scalar);
    }

    proptest! {
        #[test]
        fn batch_equals_scalar_for_every_width(seed in any::<u64>(), count in 1usize..=20) {
            batch_equals_scalar::<1>(seed, count);
            batch_equals_scalar::<2>(seed, count);
            batch_equals_scalar::<3>(seed, count);
            batch_equals_scalar::<4>(seed, count);
            batch_equals_scalar::<5>(seed, count);
            batch_equals_scalar::<6>(seed, count);
            batch_equals_scalar::<7>(seed, count);
            batch_equals_scalar::<8>(seed, count);
            batch_equals_scalar::<9>(seed, count);
            batch_equals_scalar::<10>(seed, count);
            batch_equals_scalar::<11>(seed, count);
            batch_equals_scalar::<12>(seed, count);
        }
    }

    #[test]
    fn batch_handles_edge_values() {
        let minus_one = -Fr::from(1u64);
        let inputs =
            [[Fr::zero(); 4], [minus_one; 4], [Fr::from(1u64), minus_one, Fr::zero(), minus_one]];
        let scalar: Vec<Fr> = inputs.iter().map(|x| hash(*x)).collect();
        assert_eq!(hash_batch(&inputs), scalar);
        assert!(hash_batch::<2>(&[]).is_empty());
    }

    #[test]
    fn rejects_bad_arity() {
        assert_eq!(poseidon(&[]), Err(PoseidonError::BadArity(0)));
        assert_eq!(poseidon(&[Fr::zero(); 16]), Err(PoseidonError::BadArity(16)));
    }
}
