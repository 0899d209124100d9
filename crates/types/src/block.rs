//! Blocks: ordered operations, padded pubdata, and the commitment that is the proof's single
//! public input (`docs/spec/commitment.md`).

use crate::error::{DecodeError, EncodeError};
use crate::ids::AccountId;
use crate::op::Op;
use crate::params::CHUNK_BYTES;
use crate::tx::ChangePubKeyAuth;
use sha2::{Digest, Sha256};
use tern_primitives::field::{fr_from_be_bytes, fr_to_be_bytes};
use tern_primitives::Fr;

/// Everything a block commits to besides its pubdata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHeader {
    /// Block number; the first block after genesis is 1.
    pub number: u64,
    /// Account that receives the block's fees.
    pub fee_account: AccountId,
    /// Block timestamp in seconds; every transaction's time range must contain it.
    pub timestamp: u64,
    /// State root before the block.
    pub old_root: Fr,
    /// State root after the block.
    pub new_root: Fr,
}

/// A sealed block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Header.
    pub header: BlockHeader,
    /// Operations in execution order, without padding.
    pub ops: Vec<Op>,
    /// Capacity in chunks; pubdata is padded with Noop chunks to exactly this size.
    pub capacity: usize,
    /// L1 authorisations of the block's ChangePubKey operations, in order; passed to the
    /// contract beside the pubdata, not part of it.
    pub change_pubkey_auth: Vec<ChangePubKeyAuth>,
}

impl Block {
    /// Chunks used by real operations.
    pub fn used_chunks(&self) -> usize {
        self.ops.iter().map(Op::chunks).sum()
    }

    /// The pubdata: every operation's chunks, then zero (Noop) chunks up to the capacity.
    pub fn pubdata(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.capacity * CHUNK_BYTES);
        for op in &self.ops {
            out.extend_from_slice(&op.encode()?);
        }
        out.resize(self.capacity.max(self.used_chunks()) * CHUNK_BYTES, 0);
        Ok(out)
    }

    /// One bit per chunk, most significant bit first, set at the first chunk of every
    /// operation L1 must act on; `ceil(capacity / 8)` bytes.
    pub fn onchain_bitmap(&self) -> Vec<u8> {
        let chunks = self.capacity.max(self.used_chunks());
        let mut bitmap = vec![0u8; chunks.div_ceil(8)];
        let mut chunk = 0;
        for op in &self.ops {
            if op.is_onchain() {
                bitmap[chunk / 8] |= 0x80 >> (chunk % 8);
            }
            chunk += op.chunks();
        }
        bitmap
    }

    /// The block commitment (32 bytes, top three bits cleared).
    pub fn commitment(&self) -> Result<[u8; 32], EncodeError> {
        Ok(commitment(&self.header, &self.pubdata()?, &self.onchain_bitmap()))
    }

    /// The commitment as the proof's public input.
    pub fn public_input(&self) -> Result<Fr, EncodeError> {
        Ok(commitment_to_fr(&self.commitment()?))
    }
}

/// `sha256(number ‖ fee_account ‖ old_root ‖ new_root ‖ timestamp ‖ onchain_bitmap ‖ pubdata)`
/// with the top three bits cleared, so that it is a BN254 scalar. Integers are big-endian:
/// number and timestamp 8 bytes, fee account 4, roots 32.
///
/// ```
/// use tern_primitives::Fr;
/// use tern_types::{block::commitment, AccountId, BlockHeader};
///
/// let header = BlockHeader {
///     number: 1,
///     fee_account: AccountId(0),
///     timestamp: 1_700_000_000,
///     old_root: Fr::from(1u64),
///     new_root: Fr::from(2u64),
/// };
/// let c = commitment(&header, &[0u8; 13], &[0u8; 1]);
/// assert_eq!(c[0] & 0xe0, 0, "fits the BN254 scalar field");
/// ```
pub fn commitment(header: &BlockHeader, pubdata: &[u8], onchain_bitmap: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(header.number.to_be_bytes());
    h.update(header.fee_account.0.to_be_bytes());
    h.update(fr_to_be_bytes(&header.old_root));
    h.update(fr_to_be_bytes(&header.new_root));
    h.update(header.timestamp.to_be_bytes());
    h.update(onchain_bitmap);
    h.update(pubdata);
    mask_digest(h.finalize().into())
}

/// Clears the top three bits of a SHA-256 digest, so that read big-endian it is below 2^253 and
/// therefore a canonical BN254 scalar ([`commitment_to_fr`]). Every SHA-256 public input is
/// masked this way: the block commitment and the exit commitments ([`crate::exit`]).
pub fn mask_digest(mut digest: [u8; 32]) -> [u8; 32] {
    digest[0] &= 0x1f;
    digest
}

/// The masked commitment as a field element (always canonical: it is below 2^253).
pub fn commitment_to_fr(c: &[u8; 32]) -> Fr {
    fr_from_be_bytes(c).unwrap_or_else(|_| unreachable!("a 253-bit value is below the modulus"))
}

/// Splits pubdata into operations, dropping the trailing Noop padding. Used to rebuild state
/// from L1 data, so it must reject hostile bytes with an error.
pub fn decode_pubdata(pubdata: &[u8]) -> Result<Vec<Op>, DecodeError> {
    if !pubdata.len().is_multiple_of(CHUNK_BYTES) {
        return Err(DecodeError::NotChunkAligned(pubdata.len()));
    }
    let mut ops = Vec::new();
    let mut pos = 0;
    while pos < pubdata.len() {
        let (op, used) = Op::decode(&pubdata[pos..])?;
        pos += used;
        ops.push(op);
    }
    while ops.last() == Some(&Op::Noop) {
        ops.pop();
    }
    Ok(ops)
}
