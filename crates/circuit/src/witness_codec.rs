//! A compact, versioned binary encoding of [`BlockWitness`], for remote prover workers.
//!
//! The node builds a block's witness (which needs the whole state) and a worker proves from it
//! (which needs only the witness), so this is what goes over the wire between them
//! (`docs/spec/node.md`, "Prover workers"). The layout, every integer big-endian:
//!
//! ```text
//! "TWIT" version:u16
//! header: number:u64 fee_account:u32 timestamp:u64 old_root:Fr new_root:Fr
//! account_root:Fr nft_root:Fr next_nft_id:u32 next_account_id:u32
//! public_input: flag:u8 (0 none, 1 present) [Fr]
//! chunks: count:u32, then per chunk
//!     pubdata:[u8; 13] opcode:u8 position:u32 args:[Fr; ARGS] aux:[Fr; AUX]
//!     unit unit signature
//! fees: nonce:u32 nfts_minted:u32 pubkey_hash:[u8; 20] address:[u8; 20] account_proof
//!     slots: count:u8, then per slot token:u16 amount:u128 balance:u128 balance_proof
//!
//! unit: index:u32 token:u16 fields:[Fr; 4] balance:u128 balance_proof path
//!     empty_before:u8 empty_after:u8 (0 or 1)
//! proof: index:u64 depth:u16 siblings:[[Fr; 3]; depth]
//! signature: pub_key:Point r8:Point s:Scalar nonce:Fr valid_from:Fr valid_until:Fr
//!     order_amount:Fr ratio:[Fr; 2]
//! Point: x:Fr y:Fr (on the curve); Fr, Scalar: 32 bytes, canonical
//! ```
//!
//! Decoding checks every length against the bytes left before allocating, every field
//! element for canonical form, every point for being on the curve and refuses trailing bytes,
//! so hostile input costs at most its own size. It does not check that the witness satisfies
//! the circuit: a wrong witness only makes a proof that the node refuses.

use crate::layout::{ARGS, AUX};
use crate::witness::{
    AccountFields, BlockWitness, ChunkWitness, FeeSlotWitness, FeeWitness, SignatureWitness,
    UnitWitness,
};
use ark_ff::{BigInt, PrimeField};
use tern_primitives::babyjubjub::{Point, Scalar};
use tern_primitives::eddsa::{PubKeyHash, Signature};
use tern_primitives::{Address, Fr};
use tern_state::tree::MerkleProof;
use tern_types::params::CHUNK_BYTES;
use tern_types::{AccountId, BlockHeader, TokenId};

/// The first bytes of an encoded witness.
pub const MAGIC: &[u8; 4] = b"TWIT";
/// The encoding's version; a decoder refuses any other.
pub const VERSION: u16 = 1;
/// The most chunk slots a witness may declare (the node's largest capacity is far below).
pub const MAX_CHUNKS: usize = 4096;
/// The deepest Merkle proof a witness may declare.
const MAX_DEPTH: usize = 64;

/// Why bytes are not an encoded witness.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The bytes do not start with [`MAGIC`].
    #[error("not an encoded block witness (bad magic)")]
    Magic,
    /// Another version of the encoding.
    #[error("witness encoding version {0}, this build reads version {VERSION}")]
    Version(u16),
    /// The bytes end inside a value.
    #[error("the witness is truncated (reading {0})")]
    Truncated(&'static str),
    /// Bytes are left after the witness.
    #[error("{0} bytes after the witness")]
    Trailing(usize),
    /// A value is out of its range.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// Encodes `w` (see the module docs).
pub fn encode_witness(w: &BlockWitness) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(64 + w.chunks.len() * 4_200));
    out.bytes(MAGIC);
    out.u16(VERSION);
    let h = &w.header;
    out.u64(h.number);
    out.u32(h.fee_account.0);
    out.u64(h.timestamp);
    out.fr(&h.old_root);
    out.fr(&h.new_root);
    out.fr(&w.account_root);
    out.fr(&w.nft_root);
    out.u32(w.next_nft_id);
    out.u32(w.next_account_id);
    match &w.public_input {
        None => out.u8(0),
        Some(x) => {
            out.u8(1);
            out.fr(x);
        }
    }
    out.u32(w.chunks.len() as u32);
    for c in &w.chunks {
        out.chunk(c);
    }
    let f = &w.fees;
    out.account_fields(&f.fields);
    out.proof(&f.account_proof);
    out.u8(f.slots.len() as u8);
    for s in &f.slots {
        out.u16(s.token.0);
        out.u128(s.amount);
        out.u128(s.balance);
        out.proof(&s.balance_proof);
    }
    out.0
}

/// Decodes what [`encode_witness`] wrote (see the module docs for what is checked).
pub fn decode_witness(bytes: &[u8]) -> Result<BlockWitness, CodecError> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4, "magic")? != MAGIC {
        return Err(CodecError::Magic);
    }
    let version = r.u16("version")?;
    if version != VERSION {
        return Err(CodecError::Version(version));
    }
    let header = BlockHeader {
        number: r.u64("block number")?,
        fee_account: AccountId(r.u32("fee account")?),
        timestamp: r.u64("timestamp")?,
        old_root: r.fr("old root")?,
        new_root: r.fr("new root")?,
    };
    let account_root = r.fr("account root")?;
    let nft_root = r.fr("NFT root")?;
    let next_nft_id = r.u32("next NFT id")?;
    let next_account_id = r.u32("next account id")?;
    let public_input = match r.u8("public input flag")? {
        0 => None,
        1 => Some(r.fr("public input")?),
        _ => return Err(CodecError::Invalid("public input flag")),
    };
    let count = r.u32("chunk count")? as usize;
    // A chunk takes well over 100 bytes: a count the bytes cannot hold is refused before any
    // allocation.
    if count > MAX_CHUNKS || count.saturating_mul(100) > r.left() {
        return Err(CodecError::Invalid("chunk count"));
    }
    let chunks = (0..count).map(|_| r.chunk()).collect::<Result<Vec<_>, _>>()?;
    let fields = r.account_fields()?;
    let account_proof = r.proof()?;
    let slots = (0..r.u8("fee slot count")?)
        .map(|_| {
            Ok(FeeSlotWitness {
                token: TokenId(r.u16("fee token")?),
                amount: r.u128("fee amount")?,
                balance: r.u128("fee balance")?,
                balance_proof: r.proof()?,
            })
        })
        .collect::<Result<Vec<_>, CodecError>>()?;
    if r.left() != 0 {
        return Err(CodecError::Trailing(r.left()));
    }
    Ok(BlockWitness {
        header,
        account_root,
        nft_root,
        next_nft_id,
        next_account_id,
        chunks,
        fees: FeeWitness { fields, account_proof, slots },
        public_input,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_be_bytes());
    }
    fn u128(&mut self, v: u128) {
        self.bytes(&v.to_be_bytes());
    }
    fn field<F: PrimeField<BigInt = BigInt<4>>>(&mut self, x: &F) {
        for limb in x.into_bigint().0.iter().rev() {
            self.u64(*limb);
        }
    }
    fn fr(&mut self, x: &Fr) {
        self.field(x);
    }
    fn point(&mut self, p: &Point) {
        self.fr(&p.x);
        self.fr(&p.y);
    }
    fn proof(&mut self, p: &MerkleProof) {
        self.u64(p.index);
        self.u16(p.siblings.len() as u16);
        for level in &p.siblings {
            level.iter().for_each(|x| self.fr(x));
        }
    }
    fn account_fields(&mut self, f: &AccountFields) {
        self.u32(f.nonce);
        self.u32(f.nfts_minted);
        self.bytes(f.pubkey_hash.as_bytes());
        self.bytes(f.address.as_slice());
    }
    fn unit(&mut self, u: &UnitWitness) {
        self.u32(u.index);
        self.u16(u.token);
        u.fields.iter().for_each(|x| self.fr(x));
        self.u128(u.balance);
        self.proof(&u.balance_proof);
        self.proof(&u.path);
        self.u8(u8::from(u.empty_before));
        self.u8(u8::from(u.empty_after));
    }
    fn signature(&mut self, s: &SignatureWitness) {
        self.point(&s.pub_key);
        self.point(&s.signature.r8);
        self.field(&s.signature.s);
        for x in [&s.nonce, &s.valid_from, &s.valid_until, &s.order_amount, &s.ratio.0, &s.ratio.1]
        {
            self.fr(x);
        }
    }
    fn chunk(&mut self, c: &ChunkWitness) {
        self.bytes(&c.pubdata);
        self.u8(c.opcode);
        self.u32(c.position as u32);
        c.args.iter().for_each(|x| self.fr(x));
        c.aux.iter().for_each(|x| self.fr(x));
        c.units.iter().for_each(|u| self.unit(u));
        self.signature(&c.signature);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.bytes.len() - self.pos
    }
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], CodecError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(CodecError::Truncated(what))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], CodecError> {
        let b = self.take(N, what)?;
        <[u8; N]>::try_from(b).map_err(|_| CodecError::Truncated(what))
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, CodecError> {
        Ok(self.array::<1>(what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, CodecError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, CodecError> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, CodecError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }
    fn u128(&mut self, what: &'static str) -> Result<u128, CodecError> {
        Ok(u128::from_be_bytes(self.array(what)?))
    }
    fn bool(&mut self, what: &'static str) -> Result<bool, CodecError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(CodecError::Invalid(what)),
        }
    }
    fn field<F: PrimeField<BigInt = BigInt<4>>>(
        &mut self,
        what: &'static str,
    ) -> Result<F, CodecError> {
        let mut limbs = [0u64; 4];
        for limb in limbs.iter_mut().rev() {
            *limb = self.u64(what)?;
        }
        F::from_bigint(BigInt(limbs)).ok_or(CodecError::Invalid(what))
    }
    fn fr(&mut self, what: &'static str) -> Result<Fr, CodecError> {
        self.field(what)
    }
    fn point(&mut self, what: &'static str) -> Result<Point, CodecError> {
        let (x, y) = (self.fr(what)?, self.fr(what)?);
        Point::new(x, y).map_err(|_| CodecError::Invalid(what))
    }
    fn proof(&mut self) -> Result<MerkleProof, CodecError> {
        let index = self.u64("proof index")?;
        let depth = usize::from(self.u16("proof depth")?);
        if depth > MAX_DEPTH || depth * 96 > self.left() {
            return Err(CodecError::Invalid("proof depth"));
        }
        let siblings = (0..depth)
            .map(|_| Ok([self.fr("sibling")?, self.fr("sibling")?, self.fr("sibling")?]))
            .collect::<Result<Vec<_>, CodecError>>()?;
        Ok(MerkleProof { index, siblings })
    }
    fn account_fields(&mut self) -> Result<AccountFields, CodecError> {
        Ok(AccountFields {
            nonce: self.u32("nonce")?,
            nfts_minted: self.u32("NFTs minted")?,
            pubkey_hash: PubKeyHash(self.array("pubkey hash")?),
            address: Address::new(self.array("address")?),
        })
    }
    fn unit(&mut self) -> Result<UnitWitness, CodecError> {
        Ok(UnitWitness {
            index: self.u32("leaf index")?,
            token: self.u16("token")?,
            fields: [
                self.fr("leaf field")?,
                self.fr("leaf field")?,
                self.fr("leaf field")?,
                self.fr("leaf field")?,
            ],
            balance: self.u128("balance")?,
            balance_proof: self.proof()?,
            path: self.proof()?,
            empty_before: self.bool("empty-before flag")?,
            empty_after: self.bool("empty-after flag")?,
        })
    }
    fn signature(&mut self) -> Result<SignatureWitness, CodecError> {
        let pub_key = self.point("public key")?;
        let r8 = self.point("signature R8")?;
        let s: Scalar = self.field("signature S")?;
        Ok(SignatureWitness {
            pub_key,
            signature: Signature { r8, s },
            nonce: self.fr("signed nonce")?,
            valid_from: self.fr("valid from")?,
            valid_until: self.fr("valid until")?,
            order_amount: self.fr("order amount")?,
            ratio: (self.fr("ratio")?, self.fr("ratio")?),
        })
    }
    fn chunk(&mut self) -> Result<ChunkWitness, CodecError> {
        let pubdata: [u8; CHUNK_BYTES] = self.array("pubdata")?;
        let opcode = self.u8("opcode")?;
        let position = self.u32("position")? as usize;
        let mut args = [Fr::from(0u64); ARGS];
        for a in &mut args {
            *a = self.fr("argument")?;
        }
        let mut aux = [Fr::from(0u64); AUX];
        for a in &mut aux {
            *a = self.fr("auxiliary value")?;
        }
        let units = [self.unit()?, self.unit()?];
        let signature = self.signature()?;
        Ok(ChunkWitness { pubdata, opcode, position, args, aux, units, signature })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dummy_witness_round_trips_and_damage_is_refused() {
        let mut w = BlockWitness::dummy(3);
        w.public_input = Some(Fr::from(7u64));
        w.chunks[1].units[0].empty_after = true;
        w.chunks[2].units[1].balance = u128::MAX;
        let bytes = encode_witness(&w);
        assert_eq!(decode_witness(&bytes), Ok(w));
        for cut in [0, 5, 100, bytes.len() - 1] {
            assert!(decode_witness(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode_witness(&longer), Err(CodecError::Trailing(1)));
        let mut version = bytes.clone();
        version[5] = 9;
        assert_eq!(decode_witness(&version), Err(CodecError::Version(9)));
        // The old root is not canonical (all ones is above the modulus).
        let mut big = bytes.clone();
        big[26..58].fill(0xff);
        assert_eq!(decode_witness(&big), Err(CodecError::Invalid("old root")));
        let mut huge = bytes;
        let at = 6 + 20 + 64 + 64 + 8 + 1 + 32;
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(decode_witness(&huge), Err(CodecError::Invalid("chunk count")));
    }
}
