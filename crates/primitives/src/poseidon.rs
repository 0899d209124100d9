//! Poseidon over BN254 with circomlib's parameters (x^5 S-box, 8 full rounds, circomlib's
//! partial-round counts and constants), for 1 to 12 inputs (the widths whose tables light-poseidon carries).
//!
//! The constants come from `light-poseidon`, which carries circomlib's tables. The permutation
//! is our own: `light-poseidon` allocates a vector per round and needs `&mut self`, while the
//! sequencer and the trees hash millions of times from many threads. `benches/poseidon.rs`
//! measures both; `tests` proves they agree and reproduce circomlibjs's vectors.

use crate::field::Fr;
use ark_ff::{Field, Zero};
use std::sync::OnceLock;

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

struct Params {
    width: usize,
    full_rounds: usize,
    partial_rounds: usize,
    /// `ark[round * width + i]`.
    ark: Vec<Fr>,
    /// `mds[i * width + j]`.
    mds: Vec<Fr>,
}

fn params(width: usize) -> &'static Params {
    static TABLES: [OnceLock<Params>; MAX_WIDTH + 1] = [const { OnceLock::new() }; MAX_WIDTH + 1];
    TABLES[width].get_or_init(|| {
        // Widths 2..=16 are exactly those light-poseidon ships; the caller checked the range.
        let p = light_poseidon::parameters::bn254_x5::get_poseidon_parameters::<Fr>(width as u8)
            .unwrap_or_else(|e| unreachable!("circomlib parameters for width {width}: {e}"));
        Params {
            width,
            full_rounds: p.full_rounds,
            partial_rounds: p.partial_rounds,
            ark: p.ark,
            mds: p.mds.into_iter().flatten().collect(),
        }
    })
}

#[inline(always)]
fn sbox(x: &mut Fr) {
    let x2 = x.square();
    let x4 = x2.square();
    *x *= x4;
}

fn permute(p: &Params, state: &mut [Fr; MAX_WIDTH]) {
    let w = p.width;
    let half = p.full_rounds / 2;
    let rounds = p.full_rounds + p.partial_rounds;
    let mut tmp = [Fr::zero(); MAX_WIDTH];
    for r in 0..rounds {
        let ark = &p.ark[r * w..(r + 1) * w];
        for (s, c) in state[..w].iter_mut().zip(ark) {
            *s += c;
        }
        if r < half || r >= half + p.partial_rounds {
            state[..w].iter_mut().for_each(sbox);
        } else {
            sbox(&mut state[0]);
        }
        for (i, t) in tmp[..w].iter_mut().enumerate() {
            let row = &p.mds[i * w..(i + 1) * w];
            let mut acc = Fr::zero();
            for (s, m) in state[..w].iter().zip(row) {
                acc += *s * m;
            }
            *t = acc;
        }
        state[..w].copy_from_slice(&tmp[..w]);
    }
}

/// circomlib's `Poseidon(n)` of `inputs` (1 to 12 elements).
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

    #[test]
    fn rejects_bad_arity() {
        assert_eq!(poseidon(&[]), Err(PoseidonError::BadArity(0)));
        assert_eq!(poseidon(&[Fr::zero(); 16]), Err(PoseidonError::BadArity(16)));
    }
}
