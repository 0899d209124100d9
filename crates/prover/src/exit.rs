//! Groth16 for the exit circuits of exodus mode ([`ExitCircuit`], [`NftExitCircuit`];
//! `docs/spec/exit.md`): dev setup, key files, prove and verify, as for the block circuit.
//!
//! - [`dev_exit_setup`]: a Groth16 setup whose toxic waste comes from a **seeded RNG**
//!   (`ChaCha20Rng::seed_from_u64(seed)`, as [`crate::dev_setup`]). Anyone who knows the seed
//!   can forge exit proofs, and so drain the frozen rollup: the keys are **INSECURE**, for
//!   development and tests only.
//! - [`write_exit_keys`] / [`read_exit_keys`]: the block keys' file format ([`crate::write_keys`],
//!   [`crate::read_keys`]) under the stems `tern-dev-INSECURE-exit` (token) and
//!   `tern-dev-INSECURE-exit-nft` (NFT): `.pk`, `.vk` and a `.sha256` checked on every read.
//! - [`prove_exit`] / [`verify_exit`]: one proof per exit; the single public input is the exit
//!   commitment (`tern_types::exit::exit_public_input` or `nft_exit_public_input`).
//!
//! Which circuit a key pair belongs to is part of its type ([`ExitKeys<TokenExit>`] or
//! [`ExitKeys<NftExit>`]), so keys of one circuit cannot be used to prove the other.

use crate::{read_key_pair, write_key_pair, KeyFiles, ProverError};
use ark_bn254::Bn254;
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisError};
use ark_snark::SNARK;
use ark_std::rand::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::marker::PhantomData;
use std::path::Path;
use tern_circuit::exit::{ExitCircuit, NftExitCircuit};
use tern_primitives::Fr;

/// One of the two exit circuits, as a type: [`TokenExit`] or [`NftExit`].
pub trait ExitKind: private::Sealed {
    /// The circuit.
    type Circuit: ConstraintSynthesizer<Fr> + Clone;
    /// The stem of its dev key files.
    const KEY_STEM: &'static str;
    /// The circuit for key generation (no witness).
    fn setup_circuit() -> Self::Circuit;
}

mod private {
    /// Only this module's kinds exist.
    pub trait Sealed {}
    impl Sealed for super::TokenExit {}
    impl Sealed for super::NftExit {}
}

/// The token exit circuit ([`ExitCircuit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenExit;

/// The NFT exit circuit ([`NftExitCircuit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NftExit;

impl ExitKind for TokenExit {
    type Circuit = ExitCircuit;
    const KEY_STEM: &'static str = "tern-dev-INSECURE-exit";
    fn setup_circuit() -> ExitCircuit {
        ExitCircuit::setup()
    }
}

impl ExitKind for NftExit {
    type Circuit = NftExitCircuit;
    const KEY_STEM: &'static str = "tern-dev-INSECURE-exit-nft";
    fn setup_circuit() -> NftExitCircuit {
        NftExitCircuit::setup()
    }
}

/// A Groth16 key pair for the exit circuit `K`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExitKeys<K: ExitKind> {
    /// The proving key.
    pub pk: ProvingKey<Bn254>,
    /// The verifying key.
    pub vk: VerifyingKey<Bn254>,
    kind: PhantomData<K>,
}

/// **INSECURE** development setup of the exit circuit `K`, with randomness from
/// `ChaCha20Rng::seed_from_u64(seed)`.
///
/// Deterministic: the same kind and seed give the same keys. Whoever knows the seed knows the
/// toxic waste and can prove any exit, so these keys must never secure real funds.
pub fn dev_exit_setup<K: ExitKind>(seed: u64) -> Result<ExitKeys<K>, ProverError> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(K::setup_circuit(), &mut rng)?;
    Ok(ExitKeys { pk, vk, kind: PhantomData })
}

/// Writes `keys` into `dir` as `{K::KEY_STEM}.pk`, `.vk` (uncompressed) and `.sha256`, in the
/// format of [`crate::write_keys`], replacing existing files.
pub fn write_exit_keys<K: ExitKind>(
    keys: &ExitKeys<K>,
    dir: &Path,
) -> Result<KeyFiles, ProverError> {
    write_key_pair(&keys.pk, &keys.vk, dir, K::KEY_STEM)
}

/// Reads the keys of the exit circuit `K` that [`write_exit_keys`] wrote into `dir`.
///
/// As [`crate::read_keys`]: both files must match their recorded SHA-256; `trusted` skips the
/// curve-point checks (only for files this machine wrote itself).
pub fn read_exit_keys<K: ExitKind>(dir: &Path, trusted: bool) -> Result<ExitKeys<K>, ProverError> {
    let (pk, vk) = read_key_pair(dir, K::KEY_STEM, trusted)?;
    Ok(ExitKeys { pk, vk, kind: PhantomData })
}

/// Reads only the verifying key of the exit circuit `K` from `dir` (what a deployment needs),
/// checking its SHA-256 and every curve point.
pub fn read_exit_verifying_key<K: ExitKind>(
    dir: &Path,
) -> Result<VerifyingKey<Bn254>, ProverError> {
    crate::read_verifying_key_of(dir, K::KEY_STEM)
}

/// Proves `circuit` (built with `ExitCircuit::with_witness` or `NftExitCircuit::with_witness`)
/// under `keys`.
///
/// The witness is checked first: one that does not satisfy the circuit (a false claim) is
/// refused with [`SynthesisError::Unsatisfiable`] rather than proven (Groth16 would make a
/// proof that fails [`verify_exit`], and panics on it in builds with debug assertions). The
/// check synthesises the circuit once more, a fraction of the proving time; on a false claim
/// arkworks' satisfiability check writes one line to stderr.
pub fn prove_exit<K: ExitKind, R: RngCore + CryptoRng>(
    keys: &ExitKeys<K>,
    circuit: K::Circuit,
    rng: &mut R,
) -> Result<Proof<Bn254>, ProverError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.clone().generate_constraints(cs.clone())?;
    if !cs.is_satisfied()? {
        return Err(SynthesisError::Unsatisfiable.into());
    }
    Ok(Groth16::<Bn254>::prove(&keys.pk, circuit, rng)?)
}

/// Verifies `proof` for the exit whose public input (exit commitment) is `public_input`.
/// Only the verifying key (`keys.vk`) is needed; it is the one the L1 verifier is generated from.
pub fn verify_exit(
    vk: &VerifyingKey<Bn254>,
    public_input: Fr,
    proof: &Proof<Bn254>,
) -> Result<bool, ProverError> {
    crate::verify(vk, public_input, proof)
}
