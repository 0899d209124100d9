//! Big-endian bit packing for pubdata, where fields are not byte aligned.

use crate::error::DecodeError;

/// Appends big-endian bit fields to a byte buffer.
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    bytes: Vec<u8>,
    len: usize,
}

impl BitWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes the low `width` bits of `value`, most significant first.
    pub fn put(&mut self, value: u128, width: usize) {
        debug_assert!(width <= 128 && (width == 128 || value >> width == 0), "field overflow");
        for i in (0..width).rev() {
            self.push_bit((value >> i) & 1 == 1);
        }
    }

    /// Writes whole bytes.
    pub fn put_bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.put(u128::from(*b), 8);
        }
    }

    fn push_bit(&mut self, bit: bool) {
        if self.len.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 0x80 >> (self.len % 8);
        }
        self.len += 1;
    }

    /// Bits written so far.
    pub fn len_bits(&self) -> usize {
        self.len
    }

    /// Pads with zero bits to `bytes` bytes and returns the buffer.
    pub fn finish_padded(mut self, bytes: usize) -> Vec<u8> {
        debug_assert!(self.len <= bytes * 8, "operation longer than its chunks");
        self.bytes.resize(bytes, 0);
        self.bytes
    }
}

/// Reads big-endian bit fields from a byte slice.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at bit 0 of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// Reads `width` (at most 128) bits as an unsigned integer.
    pub fn get(&mut self, width: usize) -> Result<u128, DecodeError> {
        if width > 128 || self.pos + width > self.bytes.len() * 8 {
            return Err(DecodeError::Truncated { needed: (self.pos + width).div_ceil(8) });
        }
        let mut v = 0u128;
        for _ in 0..width {
            let bit = (self.bytes[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | u128::from(bit);
            self.pos += 1;
        }
        Ok(v)
    }

    /// Reads `N` whole bytes.
    pub fn get_bytes<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        for b in &mut out {
            *b = self.get(8)? as u8;
        }
        Ok(out)
    }

    /// Checks that every bit from here to the end is zero: padding must be canonical.
    pub fn expect_zero_tail(&mut self) -> Result<(), DecodeError> {
        while self.pos < self.bytes.len() * 8 {
            if self.get(1)? != 0 {
                return Err(DecodeError::NonZeroPadding { bit: self.pos - 1 });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_unaligned_fields() {
        let mut w = BitWriter::new();
        w.put(0xA, 4);
        w.put(0xABCDEF, 24);
        w.put(u128::MAX, 128);
        w.put(1, 1);
        let bytes = w.finish_padded(26);
        let mut r = BitReader::new(&bytes);
        assert_eq!(r.get(4), Ok(0xA));
        assert_eq!(r.get(24), Ok(0xABCDEF));
        assert_eq!(r.get(128), Ok(u128::MAX));
        assert_eq!(r.get(1), Ok(1));
        assert_eq!(r.expect_zero_tail(), Ok(()));
        assert!(r.get(1).is_err());
    }
}
