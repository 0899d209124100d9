//! Byte-aligned big-endian encoding for transactions on the wire.

use crate::error::DecodeError;
use crate::ids::TokenId;
use crate::params::MAX_TOKENS;
use crate::tx::TxSignature;
use tern_primitives::eddsa::{PublicKey, Signature};
use tern_primitives::Address;

/// Appends big-endian fields.
#[derive(Debug, Default)]
pub(crate) struct ByteWriter(Vec<u8>);

impl ByteWriter {
    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub(crate) fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    pub(crate) fn u128(&mut self, v: u128) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    pub(crate) fn address(&mut self, a: &Address) -> &mut Self {
        self.bytes(a.as_slice())
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    pub(crate) fn sig(&mut self, s: &TxSignature) -> &mut Self {
        self.bytes(&s.pub_key.pack()).bytes(&s.signature.pack())
    }
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// Reads big-endian fields, failing cleanly on short input.
#[derive(Debug)]
pub(crate) struct ByteReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }
    pub(crate) fn bytes<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let end = self.pos + N;
        let slice = self.bytes.get(self.pos..end).ok_or(DecodeError::Truncated { needed: end })?;
        self.pos = end;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.bytes::<1>()?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.bytes()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.bytes()?))
    }
    pub(crate) fn u128(&mut self) -> Result<u128, DecodeError> {
        Ok(u128::from_be_bytes(self.bytes()?))
    }
    pub(crate) fn address(&mut self) -> Result<Address, DecodeError> {
        Ok(Address::from(self.bytes::<20>()?))
    }
    pub(crate) fn token(&mut self) -> Result<TokenId, DecodeError> {
        let t = u16::from_be_bytes(self.bytes()?);
        if t >= MAX_TOKENS {
            return Err(DecodeError::TokenOutOfRange(u32::from(t)));
        }
        Ok(TokenId(t))
    }
    pub(crate) fn sig(&mut self) -> Result<TxSignature, DecodeError> {
        let pk = self.bytes::<32>()?;
        let sig = self.bytes::<64>()?;
        let pub_key = PublicKey::unpack(&pk)
            .map_err(|e| DecodeError::BadCrypto { what: "public key", reason: e.to_string() })?;
        let signature = Signature::unpack(&sig)
            .map_err(|e| DecodeError::BadCrypto { what: "signature", reason: e.to_string() })?;
        Ok(TxSignature { pub_key, signature })
    }
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }
}
