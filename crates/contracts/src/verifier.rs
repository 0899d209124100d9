//! The Groth16 verifier contract generated from a verifying key.
//!
//! `contracts/src/Groth16Verifier.sol` verifies proofs of a circuit with exactly one public
//! input (Tern's block commitment, or an exit commitment). Its verifying key is set once by the
//! constructor into `immutable` values, which cost the same to read as constants. This module
//! turns an arkworks [`VerifyingKey<Bn254>`] into those constructor arguments
//! ([`constructor_args`], or the whole creation code: [`creation_code`]), encodes proofs and
//! inputs the way `verifyProof` takes them ([`encode_proof`], [`encode_input`]), and renders the same contract with the key written
//! in as constants ([`solidity_source`]), so an auditor can read one self-contained file per key.
//!
//! ## Encoding
//!
//! | item | words | order |
//! |---|---:|---|
//! | G1 point | 2 | `x, y` (the point at infinity is `0, 0`) |
//! | G2 point | 4 | `x.c1, x.c0, y.c1, y.c0`: the EVM puts the imaginary coefficient first |
//! | proof | 8 | `A` (G1), `B` (G2), `C` (G1) |
//! | public input | 1 | the scalar's canonical integer, below the scalar field modulus `r` |

use crate::bindings::Groth16Verifier;
use alloy_primitives::{keccak256, Bytes, B256, U256};
use alloy_sol_types::SolConstructor;
use ark_bn254::{Bn254, Fq, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use ark_groth16::{Proof, VerifyingKey};
use std::fmt::Write as _;

/// The verifier template, as committed.
const TEMPLATE: &str = include_str!("../../../contracts/src/Groth16Verifier.sol");

/// Why a verifying key cannot be turned into a verifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifierError {
    /// The contract supports exactly one public input (`gamma_abc_g1` has two points).
    #[error("the verifier supports exactly one public input; this key has {0}")]
    PublicInputs(usize),
    /// The committed template lacks a marker the generator relies on.
    #[error("Groth16Verifier.sol lacks the marker {0:?}")]
    Template(&'static str),
}

fn fq(x: &Fq) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// A scalar (public input) as the contract takes it.
pub fn encode_input(x: &Fr) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// A G1 point as `[x, y]`; infinity is `[0, 0]`, as the precompiles encode it.
pub fn encode_g1(p: &G1Affine) -> [U256; 2] {
    match p.xy() {
        Some((x, y)) => [fq(&x), fq(&y)],
        None => [U256::ZERO; 2],
    }
}

/// A G2 point as `[x.c1, x.c0, y.c1, y.c0]`; infinity is four zeros.
pub fn encode_g2(p: &G2Affine) -> [U256; 4] {
    match p.xy() {
        Some((x, y)) => [fq(&x.c1), fq(&x.c0), fq(&y.c1), fq(&y.c0)],
        None => [U256::ZERO; 4],
    }
}

/// A proof as `verifyProof` takes it: `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`.
pub fn encode_proof(proof: &Proof<Bn254>) -> [U256; 8] {
    let [ax, ay] = encode_g1(&proof.a);
    let [bx1, bx0, by1, by0] = encode_g2(&proof.b);
    let [cx, cy] = encode_g1(&proof.c);
    [ax, ay, bx1, bx0, by1, by0, cx, cy]
}

/// The constructor arguments of `Groth16Verifier.sol` for `vk`.
pub fn constructor_args(
    vk: &VerifyingKey<Bn254>,
) -> Result<Groth16Verifier::constructorCall, VerifierError> {
    let [ic0, ic1] = vk.gamma_abc_g1.as_slice() else {
        return Err(VerifierError::PublicInputs(vk.gamma_abc_g1.len().saturating_sub(1)));
    };
    Ok(Groth16Verifier::constructorCall {
        alpha: encode_g1(&vk.alpha_g1),
        beta: encode_g2(&vk.beta_g2),
        gamma: encode_g2(&vk.gamma_g2),
        delta: encode_g2(&vk.delta_g2),
        ic0: encode_g1(ic0),
        ic1: encode_g1(ic1),
    })
}

/// The creation code that deploys a verifier for `vk`: the committed bytecode with the
/// constructor arguments appended. Every deployment (the L1 client, the gas benchmark, tests)
/// goes through here.
pub fn creation_code(vk: &VerifyingKey<Bn254>) -> Result<Bytes, VerifierError> {
    let mut code = Groth16Verifier::BYTECODE.to_vec();
    code.extend_from_slice(&constructor_args(vk)?.abi_encode());
    Ok(code.into())
}

/// The verifying key as the 18 words `verifyingKey()` returns: alpha (2), beta (4), gamma (4),
/// delta (4), ic0 (2), ic1 (2).
pub fn vk_words(vk: &VerifyingKey<Bn254>) -> Result<[U256; 18], VerifierError> {
    let a = constructor_args(vk)?;
    let mut out = [U256::ZERO; 18];
    let words = a.alpha.iter().chain(&a.beta).chain(&a.gamma).chain(&a.delta);
    for (slot, w) in out.iter_mut().zip(words.chain(&a.ic0).chain(&a.ic1)) {
        *slot = *w;
    }
    Ok(out)
}

/// The circuit a verifying key belongs to: the slot of the rollup's constructor it may fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Circuit {
    /// The block circuit of one capacity (chunks).
    Block(u32),
    /// The token exit circuit.
    Exit,
    /// The NFT exit circuit.
    NftExit,
}

impl Circuit {
    /// The circuit id hashed into its key hash: `tern-block-<capacity>` (decimal),
    /// `tern-exit`, `tern-exit-nft`.
    pub fn id(&self) -> String {
        match self {
            Circuit::Block(chunks) => format!("tern-block-{chunks}"),
            Circuit::Exit => "tern-exit".to_owned(),
            Circuit::NftExit => "tern-exit-nft".to_owned(),
        }
    }
}

impl std::fmt::Display for Circuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id())
    }
}

/// A verifying key with the circuit it was made for, as the prover's key files name it.
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitKey {
    /// The circuit the key is for.
    pub circuit: Circuit,
    /// The Groth16 verifying key.
    pub vk: VerifyingKey<Bn254>,
}

impl CircuitKey {
    /// Labels `vk` as the key of `circuit`.
    pub fn new(circuit: Circuit, vk: VerifyingKey<Bn254>) -> Self {
        Self { circuit, vk }
    }

    /// The hash the rollup's constructor records for this key in its slot ([`key_hash`]).
    pub fn key_hash(&self) -> Result<B256, VerifierError> {
        key_hash(&self.circuit, &self.vk)
    }
}

/// `keccak256(circuit id ‖ the 18 words of verifyingKey(), 32 bytes each)`: what `Rollup`'s
/// constructor records per slot (`blockKeyHashes(chunks)`, `exitKeyHash`, `nftExitKeyHash`),
/// so anyone can check a deployment against the published keys of each circuit.
pub fn key_hash(circuit: &Circuit, vk: &VerifyingKey<Bn254>) -> Result<B256, VerifierError> {
    Ok(key_hash_of_words(circuit, &vk_words(vk)?))
}

/// [`key_hash`] of raw key words (a verifier's `verifyingKey()`).
pub fn key_hash_of_words(circuit: &Circuit, words: &[U256; 18]) -> B256 {
    let mut pre = circuit.id().into_bytes();
    for w in words {
        pre.extend_from_slice(&w.to_be_bytes::<32>());
    }
    keccak256(&pre)
}

/// The names of the 18 key values in the template, in [`vk_words`] order.
const VK_NAMES: [&str; 18] = [
    "ALPHA_X", "ALPHA_Y", "BETA_X1", "BETA_X0", "BETA_Y1", "BETA_Y0", "GAMMA_X1", "GAMMA_X0",
    "GAMMA_Y1", "GAMMA_Y0", "DELTA_X1", "DELTA_X0", "DELTA_Y1", "DELTA_Y0", "IC0_X", "IC0_Y",
    "IC1_X", "IC1_Y",
];

/// `Groth16Verifier.sol` with `vk` written in as constants: a self-contained contract with no
/// constructor arguments, for audit (and for deployments that prefer a fixed bytecode).
///
/// Only the text between the template's `// BEGIN VK` / `// END VK` markers (the immutable
/// declarations) and `// BEGIN CONSTRUCTOR` / `// END CONSTRUCTOR` (the constructor and its
/// validation helpers) changes; the verification code is the committed code, verbatim.
pub fn solidity_source(vk: &VerifyingKey<Bn254>) -> Result<String, VerifierError> {
    let words = vk_words(vk)?;
    let mut constants = String::from(
        "    // Verifying key, generated by tern-contracts (verifier.rs) from an arkworks key.\n",
    );
    for (name, w) in VK_NAMES.iter().zip(words) {
        // Writing to a String cannot fail.
        let _ = writeln!(constants, "    uint256 internal constant {name} = {w};");
    }
    let src = replace_region(TEMPLATE, "    // BEGIN VK\n", "    // END VK\n", &constants)?;
    let src = replace_region(&src, "    // BEGIN CONSTRUCTOR\n", "    // END CONSTRUCTOR\n", "")?;
    Ok(format!(
        "// Generated by tern-contracts (verifier.rs) from a Groth16 verifying key: do not edit.\n\
         // This is contracts/src/Groth16Verifier.sol with the key written in as constants in\n\
         // place of the constructor and the immutable values; the verification code is verbatim.\n\
         {src}"
    ))
}

/// Replaces `begin … end` (markers included) in `src` with `with`.
fn replace_region(
    src: &str,
    begin: &'static str,
    end: &'static str,
    with: &str,
) -> Result<String, VerifierError> {
    let start = src.find(begin).ok_or(VerifierError::Template(begin))?;
    let stop = src[start..].find(end).ok_or(VerifierError::Template(end))? + start + end.len();
    Ok(format!("{}{with}{}", &src[..start], &src[stop..]))
}
