//! Tern's Groth16 prover over BN254 for the block circuit ([`BlockCircuit`]).
//!
//! - [`dev_setup`]: a circuit-specific Groth16 setup whose toxic waste comes from a
//!   **seeded RNG**. Anyone who knows the seed can forge proofs: the keys it makes are
//!   **INSECURE** and for development and tests only. A production deployment needs keys from
//!   a multi-party ceremony instead.
//! - [`write_keys`] / [`read_keys`]: the keys as files `tern-dev-INSECURE-cap{N}.pk` and
//!   `.vk` (ark-serialize, uncompressed), plus `tern-dev-INSECURE-cap{N}.sha256` in
//!   `sha256sum` format (`<hex>  <file name>`, one line per key), so `sha256sum -c` checks
//!   them too. Reading always checks the SHA-256; a `trusted` read then skips the curve-point
//!   checks (fast loading of local files this machine wrote), an untrusted one validates every
//!   point.
//! - [`prove`] / [`verify`]: one proof per block; the single public input is the block
//!   commitment (`Block::public_input`).
//! - [`staged::prove_staged`]: the same proofs with the constraint matrices built once per
//!   capacity ([`staged::ConstraintMatrices`]) and each stage reported to a
//!   [`progress::Progress`] observer; its MSMs are [`msm::msm`], with batch-affine buckets.
//! - [`proof_file::ProofFile`]: the JSON proof file. The sample blocks `tern prover prove`
//!   proves and the prover benchmark are `tern_bench::sample` and `tern_bench::prover`.
//!
//! The library prints and logs nothing.

pub mod exit;
pub mod msm;
pub mod progress;
pub mod proof_file;
pub mod staged;

use ark_bn254::Bn254;
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::SynthesisError;
use ark_serialize::{
    CanonicalDeserialize, CanonicalSerialize, Compress, SerializationError, Validate,
};
use ark_snark::SNARK;
use ark_std::rand::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use tern_circuit::block::BlockCircuit;
use tern_primitives::Fr;

/// Errors of key generation, key files, proving and verification.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    /// Reading or writing a key file failed.
    #[error("I/O on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A key failed to (de)serialise, or an untrusted key holds an invalid point.
    #[error("key serialisation: {0}")]
    Serialization(#[from] SerializationError),
    /// A key file's SHA-256 differs from the one recorded beside it.
    #[error("SHA-256 mismatch for {path}: expected {expected}, found {actual}")]
    HashMismatch {
        /// The key file.
        path: PathBuf,
        /// The hex digest recorded in the `.sha256` file.
        expected: String,
        /// The hex digest of the file's contents.
        actual: String,
    },
    /// The `.sha256` file has no well-formed line for a key file.
    #[error("{path} records no SHA-256 for {file}")]
    MissingHash {
        /// The `.sha256` file.
        path: PathBuf,
        /// The key file's name it should name.
        file: String,
    },
    /// The circuit's capacity is not the one the keys were made for.
    #[error("circuit capacity {circuit} does not match the keys' capacity {keys}")]
    CapacityMismatch {
        /// The keys' capacity.
        keys: usize,
        /// The circuit's capacity.
        circuit: usize,
    },
    /// Synthesis, setup, proving or verification failed in the proof system.
    #[error("synthesis: {0}")]
    Synthesis(#[from] SynthesisError),
    /// The keys (or an assignment) do not have the sizes of the circuit's constraint system:
    /// they were made for another version of the circuit.
    #[error("{what}: the keys have {keys}, the circuit {circuit}; regenerate the keys")]
    KeyShapeMismatch {
        /// Which part.
        what: &'static str,
        /// Its size in the keys (or the matrices).
        keys: usize,
        /// Its size in the circuit.
        circuit: usize,
    },
    /// The constraint system has no R1CS matrices.
    #[error("the constraint system is not plain R1CS")]
    NotR1cs,
    /// The circuit is too large for an FFT domain over BN254.
    #[error("the circuit is too large for an evaluation domain")]
    DomainTooLarge,
    /// The witness does not satisfy the circuit.
    #[error("the witness does not satisfy constraint {constraint}")]
    Unsatisfied {
        /// The first unsatisfied constraint's index.
        constraint: usize,
    },
    /// A block could not be encoded.
    #[error("block encoding: {0}")]
    Encode(#[from] tern_types::EncodeError),
    /// A proof file is not valid JSON of the expected shape.
    #[error("proof file: {0}")]
    Json(#[source] serde_json::Error),
    /// A proof file has an unknown format.
    #[error("proof file format {0:?} is not {fmt}", fmt = proof_file::FORMAT)]
    Format(String),
}

/// A Groth16 key pair for the block circuit of one capacity.
#[derive(Clone, Debug, PartialEq)]
pub struct Keys {
    /// The circuit's number of chunk slots.
    pub capacity: usize,
    /// The proving key.
    pub pk: ProvingKey<Bn254>,
    /// The verifying key.
    pub vk: VerifyingKey<Bn254>,
}

/// The files [`write_keys`] wrote and their SHA-256 digests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFiles {
    /// The proving key file, `{stem}.pk` (`tern-dev-INSECURE-cap{N}.pk` for a block circuit).
    pub pk: PathBuf,
    /// The verifying key file, `{stem}.vk` (`tern-dev-INSECURE-cap{N}.vk` for a block circuit).
    pub vk: PathBuf,
    /// The digest file, `{stem}.sha256` (`sha256sum` format).
    pub sha256: PathBuf,
    /// SHA-256 hex of the proving key file.
    pub pk_sha256: String,
    /// SHA-256 hex of the verifying key file.
    pub vk_sha256: String,
}

/// The common stem of the dev key files for `capacity`: `tern-dev-INSECURE-cap{N}`.
pub fn dev_key_stem(capacity: usize) -> String {
    format!("tern-dev-INSECURE-cap{capacity}")
}

/// **INSECURE** development setup: a Groth16 circuit-specific setup of the block circuit of
/// `capacity` chunk slots, with randomness from `ChaCha20Rng::seed_from_u64(seed)`.
///
/// Deterministic: the same capacity and seed give the same keys. Whoever knows the seed knows
/// the toxic waste and can forge proofs, so these keys must never secure real funds.
pub fn dev_setup(capacity: usize, seed: u64) -> Result<Keys, ProverError> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (pk, vk) =
        Groth16::<Bn254>::circuit_specific_setup(BlockCircuit::setup(capacity), &mut rng)?;
    Ok(Keys { capacity, pk, vk })
}

/// Writes `keys` into `dir` as `tern-dev-INSECURE-cap{N}.pk`, `.vk` (uncompressed) and
/// `.sha256`, replacing existing files.
pub fn write_keys(keys: &Keys, dir: &Path) -> Result<KeyFiles, ProverError> {
    write_key_pair(&keys.pk, &keys.vk, dir, &dev_key_stem(keys.capacity))
}

/// Writes a key pair into `dir` as `{stem}.pk`, `{stem}.vk` (uncompressed) and
/// `{stem}.sha256`, replacing existing files: the format of [`write_keys`] for any circuit's
/// keys (the exit keys use it too).
pub(crate) fn write_key_pair(
    pk_value: &ProvingKey<Bn254>,
    vk_value: &VerifyingKey<Bn254>,
    dir: &Path,
    stem: &str,
) -> Result<KeyFiles, ProverError> {
    let pk_name = format!("{stem}.pk");
    let vk_name = format!("{stem}.vk");
    let pk = dir.join(&pk_name);
    let vk = dir.join(&vk_name);
    let sha256 = dir.join(format!("{stem}.sha256"));
    let pk_sha256 = write_serialized(pk_value, &pk)?;
    let vk_sha256 = write_serialized(vk_value, &vk)?;
    let digests = format!("{pk_sha256}  {pk_name}\n{vk_sha256}  {vk_name}\n");
    fs::write(&sha256, digests).map_err(|source| io(&sha256, source))?;
    Ok(KeyFiles { pk, vk, sha256, pk_sha256, vk_sha256 })
}

/// Reads the keys for `capacity` that [`write_keys`] wrote into `dir`.
///
/// Both files must match the SHA-256 recorded in the `.sha256` file. With `trusted` the keys
/// are then deserialised without curve-point validation ([`Validate::No`]): only for files
/// this machine wrote itself. Otherwise every point is checked to be on the curve and in the
/// right subgroup.
pub fn read_keys(dir: &Path, capacity: usize, trusted: bool) -> Result<Keys, ProverError> {
    let (pk, vk) = read_key_pair(dir, &dev_key_stem(capacity), trusted)?;
    Ok(Keys { capacity, pk, vk })
}

/// Reads the key pair that [`write_key_pair`] wrote into `dir` under `stem`, as [`read_keys`]
/// does: both files checked against their SHA-256, points validated unless `trusted`.
pub(crate) fn read_key_pair(
    dir: &Path,
    stem: &str,
    trusted: bool,
) -> Result<(ProvingKey<Bn254>, VerifyingKey<Bn254>), ProverError> {
    let sha256 = dir.join(format!("{stem}.sha256"));
    let digests = fs::read_to_string(&sha256).map_err(|source| io(&sha256, source))?;
    let validate = if trusted { Validate::No } else { Validate::Yes };
    let pk_bytes = read_checked(dir, &format!("{stem}.pk"), &sha256, &digests)?;
    let vk_bytes = read_checked(dir, &format!("{stem}.vk"), &sha256, &digests)?;
    let pk = ProvingKey::deserialize_with_mode(&pk_bytes[..], Compress::No, validate)?;
    let vk = VerifyingKey::deserialize_with_mode(&vk_bytes[..], Compress::No, validate)?;
    Ok((pk, vk))
}

/// Reads only the verifying key for `capacity` from `dir` (see [`read_keys`]), checking its
/// SHA-256 and every curve point: cheap, since the key is small.
pub fn read_verifying_key(dir: &Path, capacity: usize) -> Result<VerifyingKey<Bn254>, ProverError> {
    read_verifying_key_of(dir, &dev_key_stem(capacity))
}

/// Reads only the verifying key `{stem}.vk` from `dir`, as [`read_verifying_key`].
pub(crate) fn read_verifying_key_of(
    dir: &Path,
    stem: &str,
) -> Result<VerifyingKey<Bn254>, ProverError> {
    let sha256 = dir.join(format!("{stem}.sha256"));
    let digests = fs::read_to_string(&sha256).map_err(|source| io(&sha256, source))?;
    let vk_bytes = read_checked(dir, &format!("{stem}.vk"), &sha256, &digests)?;
    Ok(VerifyingKey::deserialize_with_mode(&vk_bytes[..], Compress::No, Validate::Yes)?)
}

/// Proves `circuit` (built with [`BlockCircuit::with_witness`]) under `keys`.
///
/// Groth16 does not check that the witness satisfies the circuit: an unsatisfied witness
/// yields a proof that fails [`verify`].
pub fn prove<R: RngCore + CryptoRng>(
    keys: &Keys,
    circuit: BlockCircuit,
    rng: &mut R,
) -> Result<Proof<Bn254>, ProverError> {
    if circuit.capacity != keys.capacity {
        return Err(ProverError::CapacityMismatch {
            keys: keys.capacity,
            circuit: circuit.capacity,
        });
    }
    Ok(Groth16::<Bn254>::prove(&keys.pk, circuit, rng)?)
}

/// Verifies `proof` for the block whose public input (commitment) is `public_input`.
pub fn verify(
    vk: &VerifyingKey<Bn254>,
    public_input: Fr,
    proof: &Proof<Bn254>,
) -> Result<bool, ProverError> {
    verify_prepared(&prepare(vk), public_input, proof)
}

/// Prepares `vk` for repeated verification with [`verify_prepared`].
pub fn prepare(vk: &VerifyingKey<Bn254>) -> PreparedVerifyingKey<Bn254> {
    ark_groth16::prepare_verifying_key(vk)
}

/// Verifies `proof` against a prepared verifying key ([`prepare`]).
pub fn verify_prepared(
    pvk: &PreparedVerifyingKey<Bn254>,
    public_input: Fr,
    proof: &Proof<Bn254>,
) -> Result<bool, ProverError> {
    Ok(Groth16::<Bn254>::verify_with_processed_vk(pvk, &[public_input], proof)?)
}

fn io(path: &Path, source: std::io::Error) -> ProverError {
    ProverError::Io { path: path.to_path_buf(), source }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Serialises `value` uncompressed into `path`; returns the file's SHA-256 hex.
fn write_serialized<T: CanonicalSerialize>(value: &T, path: &Path) -> Result<String, ProverError> {
    let mut bytes = Vec::with_capacity(value.serialized_size(Compress::No));
    value.serialize_uncompressed(&mut bytes)?;
    fs::write(path, &bytes).map_err(|source| io(path, source))?;
    Ok(sha256_hex(&bytes))
}

/// Reads `dir/name` and checks it against its line in `digests` (from `sha256_path`).
fn read_checked(
    dir: &Path,
    name: &str,
    sha256_path: &Path,
    digests: &str,
) -> Result<Vec<u8>, ProverError> {
    let expected = digests
        .lines()
        .filter_map(|line| line.split_once("  "))
        .find(|(_, file)| file.trim_end() == name)
        .map(|(digest, _)| digest.trim().to_ascii_lowercase())
        .filter(|digest| digest.len() == 64)
        .ok_or_else(|| ProverError::MissingHash {
            path: sha256_path.to_path_buf(),
            file: name.to_owned(),
        })?;
    let path = dir.join(name);
    let bytes = fs::read(&path).map_err(|source| io(&path, source))?;
    let actual = sha256_hex(&bytes);
    if actual != expected {
        return Err(ProverError::HashMismatch { path, expected, actual });
    }
    Ok(bytes)
}
