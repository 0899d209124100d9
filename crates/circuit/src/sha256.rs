//! SHA-256 as R1CS constraints over BN254, for the block commitment (`docs/spec/commitment.md`).
//!
//! [`sha256_var`] hashes a byte string whose length is fixed by the circuit's shape, so the
//! padding (`0x80`, zeros, the 64-bit bit length) is made of constants and costs nothing.
//! It equals `sha2::Sha256` on every input.
//!
//! # Cost
//!
//! Measured per 64-byte block once the state is a variable (the steady state; the first block
//! starts from the constant IV and the last one holds constant padding, so both cost less).
//! Allocating the input bytes (8 booleanity constraints a byte) is the caller's and is not
//! counted:
//!
//! | gadget | constraints per block |
//! |---|---|
//! | ark-crypto-primitives `Sha256Gadget` ([`sha256_var_ark`]) | 40,880 |
//! | this module's ([`sha256_var`]) | 25,014 |
//! | circom's `Sha256` (published) | about 29,000 |
//!
//! (`sha256_constraints_per_block` in the tests measures both and prints them.)
//!
//! # How
//!
//! Words are 32 little-endian [`Boolean`]s, so rotations and shifts are free rewirings.
//!
//! - **XOR of three bits**: two constraints (`a ⊕ b`, then `⊕ c`); XOR with a constant is free.
//! - **Ch(e, f, g)** `= e ? f : g`: one constraint a bit (`e·(f − g) = ch − g`).
//! - **Maj(a, b, c)** `= (a ⊕ b) ? c : a = (b ⊕ c) ? a : b`: a select (one constraint a bit)
//!   on an XOR of two consecutive `a` words. Round `t` computes `y = A_t ⊕ A_{t−1}` and round
//!   `t + 1` reuses it as its own `b ⊕ c`, so the XOR is paid every other round: 1.5
//!   constraints a bit on average instead of 2.
//! - **Modular additions are lazy.** A sum of several words is one linear combination (free);
//!   it is split into bits only where bits are needed, once per addition chain: 32 result bits
//!   and the carry bits, each boolean-constrained, where the last carry bit is the linear
//!   combination that is left, so its booleanity constraint also enforces the sum. A sum
//!   below `2^n` (`n > 32`) costs exactly `n` constraints.
//! - **Sums that are never read as bits are never split**: the message words `W[62]` and
//!   `W[63]` and the round-63 values of `a` and `e` flow straight into the next sums.
//! - **`a` from `e`**: `new_a = T1 + T2` is taken as `new_e + (2³² − 1 − d) + 1 + T2`, a
//!   34-bit sum of already split words, instead of the 35-bit `h + Σ1 + Ch + K + W + Σ0 +
//!   Maj`.
//!
//! Nothing in the shape depends on witness values: the split widths come from bounds known at
//! synthesis time, so setup and proving build identical constraint systems.

use ark_bn254::Fr;
use ark_crypto_primitives::crh::sha256::constraints::Sha256Gadget;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::ToBitsGadget;
use ark_r1cs_std::select::CondSelectGadget;
use ark_r1cs_std::uint8::UInt8;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

/// SHA-256 round constants.
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 initial hash value.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The SHA-256 digest of `input`, computed in-circuit by this module's lean gadget.
///
/// The length of `input` is part of the circuit's shape: the padding is built from constants.
/// Constant input bytes cost nothing; see the module docs for the cost of a block. The digest
/// bytes are in the usual order (byte 0 first, as `sha2::Sha256` outputs them).
pub fn sha256_var(input: &[UInt8<Fr>]) -> Result<[UInt8<Fr>; 32], SynthesisError> {
    let padded = pad(input);
    let mut state: [Word; 8] = IV.map(Word::constant);
    for block in padded.chunks(64) {
        state = compress(&state, block)?;
    }
    let mut out = Vec::with_capacity(32);
    for word in &state {
        out.extend(word.to_be_bytes());
    }
    out.try_into().map_err(|_| SynthesisError::Unsatisfiable)
}

/// The SHA-256 digest of `input` by ark-crypto-primitives' `Sha256Gadget`: the reference the
/// lean [`sha256_var`] is checked and measured against (about 40,900 constraints a block
/// against 25,000). Use [`sha256_var`] in circuits.
pub fn sha256_var_ark(input: &[UInt8<Fr>]) -> Result<[UInt8<Fr>; 32], SynthesisError> {
    let digest = Sha256Gadget::<Fr>::digest(input)?;
    digest.0.try_into().map_err(|_| SynthesisError::Unsatisfiable)
}

/// `input ‖ 0x80 ‖ zeros ‖ bit length (u64 BE)`, a multiple of 64 bytes; the padding is constant.
fn pad(input: &[UInt8<Fr>]) -> Vec<UInt8<Fr>> {
    let bit_len = (input.len() as u64).wrapping_mul(8);
    let mut out = input.to_vec();
    out.push(UInt8::constant(0x80));
    while out.len() % 64 != 56 {
        out.push(UInt8::constant(0));
    }
    out.extend(bit_len.to_be_bytes().map(UInt8::constant));
    out
}

/// A 32-bit word as little-endian bits.
#[derive(Clone, Debug)]
struct Word([Boolean<Fr>; 32]);

impl Word {
    fn constant(v: u32) -> Self {
        Word(std::array::from_fn(|i| Boolean::constant((v >> i) & 1 == 1)))
    }

    /// The word made of 4 big-endian bytes.
    fn from_be_bytes(bytes: &[UInt8<Fr>]) -> Result<Self, SynthesisError> {
        let mut bits = Vec::with_capacity(32);
        for byte in bytes.iter().rev() {
            bits.extend(byte.to_bits_le()?);
        }
        bits.try_into().map(Word).map_err(|_| SynthesisError::Unsatisfiable)
    }

    /// The 4 big-endian bytes of the word.
    fn to_be_bytes(&self) -> [UInt8<Fr>; 4] {
        std::array::from_fn(|k| UInt8::from_bits_le(&self.0[8 * (3 - k)..8 * (4 - k)]))
    }

    /// Bit `i` of `self` rotated right by `n`.
    fn rotr(&self, n: usize, i: usize) -> &Boolean<Fr> {
        &self.0[(i + n) % 32]
    }

    /// Bit `i` of `self` shifted right by `n`.
    fn shr(&self, n: usize, i: usize) -> Boolean<Fr> {
        self.0.get(i + n).cloned().unwrap_or(Boolean::FALSE)
    }
}

/// `a ⊕ b`: one constraint, free if either is a constant.
fn xor(a: &Boolean<Fr>, b: &Boolean<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    match (a, b) {
        (Boolean::Constant(false), x) | (x, Boolean::Constant(false)) => Ok(x.clone()),
        (Boolean::Constant(true), x) | (x, Boolean::Constant(true)) => {
            let mut x = x.clone();
            x.not_in_place()?;
            Ok(x)
        }
        (Boolean::Var(x), Boolean::Var(y)) => Ok(Boolean::Var(x.xor(y)?)),
    }
}

/// `a ⊕ b ⊕ c`: two constraints.
fn xor3(a: &Boolean<Fr>, b: &Boolean<Fr>, c: &Boolean<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    xor(&xor(a, b)?, c)
}

/// `ROTR^r0(x) ⊕ ROTR^r1(x) ⊕ ROTR^r2(x)` (Σ0, Σ1).
fn big_sigma(x: &Word, r: [usize; 3]) -> Result<Word, SynthesisError> {
    let mut out = Word::constant(0);
    for (i, o) in out.0.iter_mut().enumerate() {
        *o = xor3(x.rotr(r[0], i), x.rotr(r[1], i), x.rotr(r[2], i))?;
    }
    Ok(out)
}

/// `ROTR^r0(x) ⊕ ROTR^r1(x) ⊕ SHR^s(x)` (σ0, σ1).
fn small_sigma(x: &Word, r0: usize, r1: usize, s: usize) -> Result<Word, SynthesisError> {
    let mut out = Word::constant(0);
    for (i, o) in out.0.iter_mut().enumerate() {
        *o = xor3(x.rotr(r0, i), x.rotr(r1, i), &x.shr(s, i))?;
    }
    Ok(out)
}

/// Bitwise `cond ? t : f`: one constraint a variable bit.
fn select(cond: &Word, t: &Word, f: &Word) -> Result<Word, SynthesisError> {
    let mut out = Word::constant(0);
    for (i, o) in out.0.iter_mut().enumerate() {
        *o = Boolean::conditionally_select(&cond.0[i], &t.0[i], &f.0[i])?;
    }
    Ok(out)
}

/// Bitwise `a ⊕ b`: one constraint a variable bit.
fn xor_words(a: &Word, b: &Word) -> Result<Word, SynthesisError> {
    let mut out = Word::constant(0);
    for (i, o) in out.0.iter_mut().enumerate() {
        *o = xor(&a.0[i], &b.0[i])?;
    }
    Ok(out)
}

/// A non-negative integer below `max + 1`, as a linear combination of bits plus a constant.
#[derive(Clone, Debug)]
struct Packed {
    /// The variable part.
    lc: Vec<(Fr, Variable)>,
    /// The constant part.
    constant: u64,
    /// The value, when known (not in setup mode).
    value: Option<u64>,
    /// An upper bound on the value, known at synthesis time.
    max: u64,
    cs: ConstraintSystemRef<Fr>,
}

impl Packed {
    fn constant(v: u32) -> Self {
        Packed {
            lc: Vec::new(),
            constant: u64::from(v),
            value: Some(u64::from(v)),
            max: u64::from(v),
            cs: ConstraintSystemRef::None,
        }
    }

    /// The value of a word (free). With `negate`, the value of its bitwise complement
    /// `2³² − 1 − w`.
    fn from_word(w: &Word, negate: bool) -> Self {
        let mut p = Packed::constant(0);
        for (i, bit) in w.0.iter().enumerate() {
            let weight = 1u64 << i;
            match bit {
                Boolean::Constant(b) => {
                    if *b != negate {
                        p.constant += weight;
                        p.max += weight;
                    }
                }
                Boolean::Var(v) => {
                    let coeff = Fr::from(weight);
                    if negate {
                        p.constant += weight;
                        p.lc.push((-coeff, v.variable()));
                    } else {
                        p.lc.push((coeff, v.variable()));
                    }
                    p.max += weight;
                    p.cs = p.cs.or(bit.cs());
                }
            }
        }
        p.value = bit_values(w).map(|v| u64::from(if negate { !v } else { v }));
        p
    }

    fn add(mut self, other: &Packed) -> Self {
        self.lc.extend_from_slice(&other.lc);
        self.constant += other.constant;
        self.max += other.max;
        self.value = self.value.zip(other.value).map(|(a, b)| a + b);
        self.cs = self.cs.or(other.cs.clone());
        self
    }

    fn sum(terms: &[&Packed]) -> Self {
        terms.iter().fold(Packed::constant(0), |acc, t| acc.add(t))
    }

    /// The full linear combination, constant included.
    fn full_lc(&self) -> LinearCombination<Fr> {
        let mut lc = LinearCombination(self.lc.clone());
        if self.constant != 0 {
            lc.0.push((Fr::from(self.constant), Variable::One));
        }
        lc
    }

    /// `self mod 2³²` as 32 bits. A sum bounded by `2^n − 1` costs `n` constraints: the result
    /// and carry bits are boolean-constrained, except the top carry, which is what remains of
    /// the sum and whose booleanity constraint thereby also enforces the decomposition.
    fn split(&self) -> Result<Word, SynthesisError> {
        if self.lc.is_empty() {
            return Ok(Word::constant(self.constant as u32));
        }
        let cs = self.cs.clone();
        let n = (64 - self.max.leading_zeros()) as usize;
        let value = self.value;
        let alloc_bit = |i: usize| {
            Boolean::new_witness(cs.clone(), || {
                value.map(|v| (v >> i) & 1 == 1).ok_or(SynthesisError::AssignmentMissing)
            })
        };
        let mut rest = self.full_lc();
        let mut word = Word::constant(0);
        if n <= 32 {
            for (i, bit) in word.0.iter_mut().enumerate().take(n) {
                *bit = alloc_bit(i)?;
                rest.0.push((-Fr::from(1u64 << i), bit.variable()));
            }
            cs.enforce_r1cs_constraint(|| rest, || Variable::One.into(), LinearCombination::zero)?;
            return Ok(word);
        }
        for (i, bit) in word.0.iter_mut().enumerate() {
            *bit = alloc_bit(i)?;
            rest.0.push((-Fr::from(1u64 << i), bit.variable()));
        }
        for i in 32..n - 1 {
            let carry = alloc_bit(i)?;
            rest.0.push((-Fr::from(1u64 << i), carry.variable()));
        }
        // rest = 2^(n−1) · top carry, so rest · (rest − 2^(n−1)) = 0.
        let mut shifted = rest.clone();
        shifted.0.push((-Fr::from(1u64 << (n - 1)), Variable::One));
        cs.enforce_r1cs_constraint(|| rest, || shifted, LinearCombination::zero)?;
        Ok(word)
    }
}

/// The value of a word's bits, when every bit has one.
fn bit_values(w: &Word) -> Option<u32> {
    let mut v = 0u32;
    for (i, bit) in w.0.iter().enumerate() {
        if bit.value().ok()? {
            v |= 1 << i;
        }
    }
    Some(v)
}

/// A word either split into bits or still a lazy sum; split on first use as bits.
#[derive(Clone, Debug)]
struct Lazy {
    /// The word's value as a term of a sum: its bits once split, else the unsplit sum (whose
    /// bound then exceeds 2³²; the sum it joins is split mod 2³² anyway).
    packed: Packed,
    /// The bits, once split.
    bits: Option<Word>,
}

impl Lazy {
    fn from_word(w: Word) -> Self {
        Lazy { packed: Packed::from_word(&w, false), bits: Some(w) }
    }

    fn from_sum(p: Packed) -> Self {
        Lazy { packed: p, bits: None }
    }

    /// The word's bits, splitting the sum the first time.
    fn bits(&mut self) -> Result<&Word, SynthesisError> {
        if self.bits.is_none() {
            *self = Lazy::from_word(self.packed.split()?);
        }
        self.bits.as_ref().ok_or(SynthesisError::Unsatisfiable)
    }

    fn packed(&self) -> &Packed {
        &self.packed
    }
}

/// One SHA-256 compression of a 64-byte block into `state`.
fn compress(state: &[Word; 8], block: &[UInt8<Fr>]) -> Result<[Word; 8], SynthesisError> {
    // Message schedule; W[t] is split into bits only if σ0 or σ1 reads it (t ≤ 61).
    let mut w: Vec<Lazy> = Vec::with_capacity(64);
    for chunk in block.chunks(4) {
        w.push(Lazy::from_word(Word::from_be_bytes(chunk)?));
    }
    for t in 16..64 {
        let s0 = Packed::from_word(&small_sigma(w[t - 15].bits()?, 7, 18, 3)?, false);
        let s1 = Packed::from_word(&small_sigma(w[t - 2].bits()?, 17, 19, 10)?, false);
        let sum = Packed::sum(&[&s1, w[t - 7].packed(), &s0, w[t - 16].packed()]);
        w.push(Lazy::from_sum(sum));
    }

    // Working variables: a..h are v[0..8].
    let mut v: [Lazy; 8] = state.clone().map(Lazy::from_word);
    // `A_{t−1} ⊕ A_{t−2}`, when the previous round computed it.
    let mut prev_xor: Option<Word> = None;
    for (t, wt) in w.iter().enumerate() {
        let e_bits = v[4].bits()?.clone();
        let s1 = Packed::from_word(&big_sigma(&e_bits, [6, 11, 25])?, false);
        let (f_bits, g_bits) = (v[5].bits()?.clone(), v[6].bits()?);
        let ch = Packed::from_word(&select(&e_bits, &f_bits, g_bits)?, false);
        let t1 = Packed::sum(&[v[7].packed(), &s1, &ch, &Packed::constant(K[t]), wt.packed()]);
        let mut new_e = Lazy::from_sum(v[3].packed().clone().add(&t1));

        let (a_bits, b_bits) = (v[0].bits()?.clone(), v[1].bits()?.clone());
        let c_bits = v[2].bits()?;
        let s0 = Packed::from_word(&big_sigma(&a_bits, [2, 13, 22])?, false);
        let maj = match prev_xor.take() {
            // (b ⊕ c) ? a : b, reusing the previous round's a ⊕ b.
            Some(b_xor_c) => select(&b_xor_c, &a_bits, &b_bits)?,
            // (a ⊕ b) ? c : a, keeping a ⊕ b for the next round.
            None => {
                let a_xor_b = xor_words(&a_bits, &b_bits)?;
                let maj = select(&a_xor_b, c_bits, &a_bits)?;
                prev_xor = Some(a_xor_b);
                maj
            }
        };
        let t2 = s0.add(&Packed::from_word(&maj, false));
        let new_a = if t + 1 < 64 {
            // new_a = new_e − d + T2 = new_e + (2³² − 1 − d) + 1 + T2 (mod 2³²): a sum of
            // split words, narrower than T1 + T2. The next round splits new_e anyway.
            let e_packed = Packed::from_word(new_e.bits()?, false);
            let not_d = Packed::from_word(v[3].bits()?, true);
            Packed::sum(&[&e_packed, &not_d, &Packed::constant(1), &t2])
        } else {
            // Round 63: neither new value is read as bits before the final addition.
            t1.add(&t2)
        };
        // (a, b, c, d, e, f, g, h) ← (new_a, a, b, c, new_e, e, f, g).
        v[3] = new_e;
        v[7] = Lazy::from_sum(new_a);
        v.rotate_right(1);
    }

    let mut out = state.clone();
    for (o, x) in out.iter_mut().zip(v.iter()) {
        let p = Packed::from_word(o, false).add(x.packed());
        *o = p.split()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::eq::EqGadget;
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    type Gadget = fn(&[UInt8<Fr>]) -> Result<[UInt8<Fr>; 32], SynthesisError>;

    /// Deterministic pseudo-random bytes.
    fn data(len: usize, seed: u64) -> Vec<u8> {
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

    fn native(data: &[u8]) -> [u8; 32] {
        Sha256::digest(data).into()
    }

    fn values(digest: &[UInt8<Fr>; 32]) -> [u8; 32] {
        std::array::from_fn(|i| digest[i].value().expect("digest value"))
    }

    /// Hashes `data` as witness bytes and checks satisfaction; returns the digest and the
    /// constraints the gadget alone cost.
    fn run(gadget: Gadget, data: &[u8]) -> ([u8; 32], usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let input = UInt8::new_witness_vec(cs.clone(), data).expect("allocate input");
        let before = cs.num_constraints();
        let digest = gadget(&input).expect("synthesise");
        let cost = cs.num_constraints() - before;
        assert!(cs.is_satisfied().expect("prove mode"), "unsatisfied for length {}", data.len());
        (values(&digest), cost)
    }

    #[test]
    fn matches_sha2_at_padding_boundaries() {
        for (seed, len) in [0, 1, 55, 56, 63, 64, 65, 119, 128, 200].into_iter().enumerate() {
            let msg = data(len, seed as u64);
            assert_eq!(run(sha256_var, &msg).0, native(&msg), "length {len}");
        }
    }

    #[test]
    fn ark_reference_matches_sha2() {
        for len in [0, 55, 56, 64, 119] {
            let msg = data(len, 7);
            assert_eq!(run(sha256_var_ark, &msg).0, native(&msg), "length {len}");
        }
    }

    /// Steady-state cost of one 64-byte block: a variable state and variable data. Inputs of
    /// 119 and 183 bytes end in the same kind of last block and differ by one such block.
    #[test]
    fn sha256_constraints_per_block() {
        let per_block =
            |gadget: Gadget| run(gadget, &data(183, 1)).1 - run(gadget, &data(119, 1)).1;
        let lean = per_block(sha256_var);
        let ark = per_block(sha256_var_ark);
        println!("SHA-256 constraints per 64-byte block: lean {lean}, ark-crypto-primitives {ark}");
        assert_eq!(lean, 25_014, "update the module docs if this changes");
        assert!(lean <= 30_000 && lean < ark);
        let (_, one_block) = run(sha256_var, &data(55, 1));
        println!("SHA-256 of 55 bytes (one block, constant IV and padding): {one_block}");
    }

    #[test]
    fn constant_input_costs_nothing() {
        let msg = data(70, 3);
        let digest = sha256_var(&UInt8::constant_vec(&msg)).expect("synthesise");
        assert!(digest.iter().all(|b| b.bits.iter().all(|bit| bit.is_constant())));
        assert_eq!(values(&digest), native(&msg));
    }

    #[test]
    fn mixed_constant_and_witness_bytes() {
        let msg = data(100, 4);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let input: Vec<UInt8<Fr>> = msg
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if i % 3 == 0 {
                    UInt8::constant(*b)
                } else {
                    UInt8::new_witness(cs.clone(), || Ok(*b)).expect("witness")
                }
            })
            .collect();
        let digest = sha256_var(&input).expect("synthesise");
        assert!(cs.is_satisfied().expect("prove mode"));
        assert_eq!(values(&digest), native(&msg));
    }

    /// The shape depends on the length only: setup mode (no values) and any data give the same
    /// constraint count.
    #[test]
    fn shape_is_independent_of_values() {
        let count = |bytes: Option<&[u8]>| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            if bytes.is_none() {
                cs.set_mode(SynthesisMode::Setup);
            }
            let input: Vec<UInt8<Fr>> = (0..100)
                .map(|i| {
                    UInt8::new_witness(cs.clone(), || {
                        bytes.map(|b| b[i]).ok_or(SynthesisError::AssignmentMissing)
                    })
                    .expect("witness")
                })
                .collect();
            sha256_var(&input).expect("synthesise");
            (cs.num_constraints(), cs.num_witness_variables())
        };
        let zeros = count(Some(&[0u8; 100]));
        assert_eq!(count(None), zeros);
        assert_eq!(count(Some(&[0xff; 100])), zeros);
        assert_eq!(count(Some(&data(100, 5))), zeros);
    }

    /// With the digest pinned to the honest one, changing any input byte breaks the circuit.
    #[test]
    fn tampered_byte_changes_the_digest() {
        let msg = data(70, 6);
        let honest = native(&msg);
        for pos in [0, 33, 63, 69] {
            let mut bad = msg.clone();
            bad[pos] ^= 0x10;
            let cs = ConstraintSystem::<Fr>::new_ref();
            let input = UInt8::new_witness_vec(cs.clone(), &bad).expect("witness");
            let digest = sha256_var(&input).expect("synthesise");
            assert_ne!(values(&digest), honest);
            assert!(cs.is_satisfied().expect("prove mode"));
            for (d, h) in digest.iter().zip(honest) {
                d.enforce_equal(&UInt8::constant(h)).expect("enforce");
            }
            assert!(!cs.is_satisfied().expect("prove mode"), "byte {pos}");
        }
    }

    /// Every witness the gadget allocates is pinned by the constraints: moving any one of them
    /// (a sample) breaks satisfaction.
    #[test]
    fn no_witness_is_free() {
        let msg = data(64, 8);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let input = UInt8::new_witness_vec(cs.clone(), &msg).expect("witness");
        sha256_var(&input).expect("synthesise");
        // Inline every linear combination and drop their cached values, so that satisfaction
        // is evaluated from the witness assignment alone.
        cs.finalize();
        cs.borrow_mut().expect("cs").assignments.lc_assignment.clear();
        assert!(cs.is_satisfied().expect("prove mode"));
        let n = cs.num_witness_variables();
        let sample: Vec<usize> = (0..n).step_by(n / 60 + 1).chain([n - 1]).collect();
        for i in sample {
            let old = {
                let mut inner = cs.borrow_mut().expect("cs");
                let w = &mut inner.assignments.witness_assignment[i];
                let old = *w;
                *w += Fr::from(1u64);
                old
            };
            assert!(!cs.is_satisfied().expect("prove mode"), "witness {i} is free");
            cs.borrow_mut().expect("cs").assignments.witness_assignment[i] = old;
        }
        assert!(cs.is_satisfied().expect("prove mode"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4))]
        #[test]
        fn matches_sha2_on_random_data(msg in proptest::collection::vec(any::<u8>(), 0..140)) {
            prop_assert_eq!(run(sha256_var, &msg).0, native(&msg));
        }
    }
}
