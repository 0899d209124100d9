//! The block-proof file: a JSON object with the proof, its public input, and the block fields
//! the commitment hashes, so that anyone can recheck the commitment and then the proof with
//! nothing but the verifying key.
//!
//! ```json
//! {
//!   "format": "tern-block-proof/1",
//!   "capacity": 2,
//!   "block_number": 3,
//!   "fee_account": 0,
//!   "timestamp": 1700000000,
//!   "old_root": "0x…", "new_root": "0x…",
//!   "onchain_bitmap": "0x00",
//!   "pubdata": "0x…",
//!   "commitment": "0x…",
//!   "public_input": "0x…",
//!   "proof": "0x…"
//! }
//! ```
//!
//! Roots, the commitment and the public input are 32-byte big-endian hex; `proof` is the
//! ark-serialize **compressed** encoding of the Groth16 proof (`A`, `B`, `C`: 128 bytes).
//! [`ProofFile::check`] recomputes the commitment from the header, bitmap and pubdata
//! (`tern_types::block::commitment`), requires it to equal both `commitment` and
//! `public_input`, and then verifies the proof against `public_input`. Nothing secret is
//! involved: the verifying key is public.

use crate::{verify, ProverError};
use ark_bn254::Bn254;
use ark_groth16::{Proof, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};
use tern_primitives::field::{fr_from_be_bytes, fr_to_be_bytes};
use tern_primitives::Fr;
use tern_types::block::{commitment, commitment_to_fr};
use tern_types::params::CHUNK_BYTES;
use tern_types::{AccountId, Block, BlockHeader};

/// The `format` of the files this version writes and reads.
pub const FORMAT: &str = "tern-block-proof/1";

/// A block proof with the data to recheck it (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The circuit's capacity in chunks; names the keys that verify it.
    pub capacity: usize,
    /// Block number.
    pub block_number: u64,
    /// Fee account.
    pub fee_account: u32,
    /// Block timestamp.
    pub timestamp: u64,
    /// State root before the block, 0x-hex, 32 bytes big-endian.
    pub old_root: String,
    /// State root after the block.
    pub new_root: String,
    /// The on-chain operations bitmap, 0x-hex, `ceil(capacity / 8)` bytes.
    pub onchain_bitmap: String,
    /// The pubdata, 0x-hex, `capacity × 13` bytes.
    pub pubdata: String,
    /// The block commitment, 0x-hex, 32 bytes.
    pub commitment: String,
    /// The proof's public input (the commitment as a field element), 0x-hex, 32 bytes.
    pub public_input: String,
    /// The Groth16 proof, compressed, 0x-hex.
    pub proof: String,
}

/// What [`ProofFile::check`] concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The commitment matches the block fields and the proof verifies.
    Valid,
    /// It does not; the reason says why.
    Invalid(String),
}

impl ProofFile {
    /// The file for `proof` of `block`.
    pub fn new(block: &Block, proof: &Proof<Bn254>) -> Result<Self, ProverError> {
        let pubdata = block.pubdata()?;
        let bitmap = block.onchain_bitmap();
        let c = commitment(&block.header, &pubdata, &bitmap);
        let mut bytes = Vec::with_capacity(proof.compressed_size());
        proof.serialize_compressed(&mut bytes)?;
        let h = &block.header;
        Ok(Self {
            format: FORMAT.to_owned(),
            capacity: block.capacity,
            block_number: h.number,
            fee_account: h.fee_account.0,
            timestamp: h.timestamp,
            old_root: hex0x(&fr_to_be_bytes(&h.old_root)),
            new_root: hex0x(&fr_to_be_bytes(&h.new_root)),
            onchain_bitmap: hex0x(&bitmap),
            pubdata: hex0x(&pubdata),
            commitment: hex0x(&c),
            public_input: hex0x(&fr_to_be_bytes(&commitment_to_fr(&c))),
            proof: hex0x(&bytes),
        })
    }

    /// Pretty JSON, with a final newline.
    pub fn to_json(&self) -> Result<String, ProverError> {
        let mut s = serde_json::to_string_pretty(self).map_err(ProverError::Json)?;
        s.push('\n');
        Ok(s)
    }

    /// Parses a file's text; fails on anything that is not a proof file of [`FORMAT`].
    pub fn from_json(text: &str) -> Result<Self, ProverError> {
        let file: Self = serde_json::from_str(text).map_err(ProverError::Json)?;
        if file.format != FORMAT {
            return Err(ProverError::Format(file.format));
        }
        Ok(file)
    }

    /// The public input, as a field element.
    pub fn public_input(&self) -> Result<Fr, String> {
        fr_from_be_bytes(&hex_array::<32>(&self.public_input, "public_input")?)
            .map_err(|e| format!("public_input: {e}"))
    }

    /// The proof; its points are checked to be on the curve and in the right subgroup.
    pub fn proof(&self) -> Result<Proof<Bn254>, String> {
        let bytes = hex_vec(&self.proof, "proof")?;
        Proof::deserialize_compressed(&bytes[..]).map_err(|e| format!("proof: {e}"))
    }

    /// Rechecks the commitment against the block fields, then the proof against the public
    /// input under `vk`. Malformed fields make the file [`Verdict::Invalid`], not an error.
    pub fn check(&self, vk: &VerifyingKey<Bn254>) -> Result<Verdict, ProverError> {
        let (input, proof) = match self.recheck_commitment().and_then(|input| {
            let proof = self.proof()?;
            Ok((input, proof))
        }) {
            Ok(parts) => parts,
            Err(reason) => return Ok(Verdict::Invalid(reason)),
        };
        Ok(if verify(vk, input, &proof)? {
            Verdict::Valid
        } else {
            Verdict::Invalid("the proof does not verify against the public input".into())
        })
    }

    /// Recomputes the commitment from the header, bitmap and pubdata; returns the public
    /// input if it and `commitment` agree with it.
    fn recheck_commitment(&self) -> Result<Fr, String> {
        let root = |s: &str, what| {
            fr_from_be_bytes(&hex_array::<32>(s, what)?).map_err(|e| format!("{what}: {e}"))
        };
        let header = BlockHeader {
            number: self.block_number,
            fee_account: AccountId(self.fee_account),
            timestamp: self.timestamp,
            old_root: root(&self.old_root, "old_root")?,
            new_root: root(&self.new_root, "new_root")?,
        };
        let pubdata = hex_vec(&self.pubdata, "pubdata")?;
        let bitmap = hex_vec(&self.onchain_bitmap, "onchain_bitmap")?;
        let want_pubdata = self.capacity.checked_mul(CHUNK_BYTES);
        if want_pubdata != Some(pubdata.len()) {
            return Err(format!(
                "pubdata has {} bytes, capacity {} needs {}",
                pubdata.len(),
                self.capacity,
                self.capacity.saturating_mul(CHUNK_BYTES)
            ));
        }
        if bitmap.len() != self.capacity.div_ceil(8) {
            return Err(format!("onchain_bitmap has {} bytes", bitmap.len()));
        }
        let c = commitment(&header, &pubdata, &bitmap);
        if hex_array::<32>(&self.commitment, "commitment")? != c {
            return Err("commitment does not match the block fields".into());
        }
        let input = self.public_input()?;
        if input != commitment_to_fr(&c) {
            return Err("public_input is not the commitment".into());
        }
        Ok(input)
    }
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn hex_vec(s: &str, what: &str) -> Result<Vec<u8>, String> {
    let digits = s.strip_prefix("0x").ok_or_else(|| format!("{what}: no 0x prefix"))?;
    hex::decode(digits).map_err(|e| format!("{what}: {e}"))
}

fn hex_array<const N: usize>(s: &str, what: &str) -> Result<[u8; N], String> {
    let bytes = hex_vec(s, what)?;
    bytes.try_into().map_err(|b: Vec<u8>| format!("{what}: {} bytes, expected {N}", b.len()))
}
