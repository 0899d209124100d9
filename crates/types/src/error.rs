//! Errors of the types crate: decoding hostile bytes and building messages.

use tern_primitives::float::FloatError;

/// Why bytes could not be decoded as a transaction, operation or block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended early.
    #[error("input truncated: needed at least {needed} bytes")]
    Truncated {
        /// Bytes needed to continue.
        needed: usize,
    },
    /// Bytes were left after the last field.
    #[error("{0} trailing bytes after the encoding")]
    TrailingBytes(usize),
    /// The type tag or opcode is not one Tern defines.
    #[error("unknown {what} {value}")]
    UnknownTag {
        /// What was being read.
        what: &'static str,
        /// The value found.
        value: u8,
    },
    /// A token id is outside the token space.
    #[error("token id {0} is out of range (max {max})", max = crate::params::MAX_TOKENS - 1)]
    TokenOutOfRange(u32),
    /// A packed point or signature is invalid.
    #[error("invalid {what}: {reason}")]
    BadCrypto {
        /// Which field.
        what: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    /// Padding bits inside an operation's chunks were not zero.
    #[error("non-zero padding bit at bit {bit} of the operation")]
    NonZeroPadding {
        /// Bit offset within the operation.
        bit: usize,
    },
    /// A float in pubdata is not in its canonical (smallest-exponent) form.
    #[error("non-canonical {what} float 0x{packed:x}")]
    NonCanonicalFloat {
        /// Which field.
        what: &'static str,
        /// The packed bits.
        packed: u64,
    },
    /// A float field is malformed.
    #[error(transparent)]
    Float(#[from] FloatError),
    /// Pubdata length is not a whole number of chunks.
    #[error("pubdata length {0} is not a multiple of the chunk size")]
    NotChunkAligned(usize),
    /// A field holds a value the protocol forbids.
    #[error("invalid field {field}: {reason}")]
    InvalidField {
        /// Which field.
        field: &'static str,
        /// Why it is invalid.
        reason: &'static str,
    },
}

/// Why an operation could not be encoded or a message built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// An amount or fee does not fit its float format.
    #[error("{field}: {source}")]
    NotPackable {
        /// Which field.
        field: &'static str,
        /// The float error.
        source: FloatError,
    },
    /// An identifier does not fit its pubdata width.
    #[error("{field} {value} does not fit in {bits} bits")]
    OutOfRange {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The width available.
        bits: usize,
    },
    /// The operation's fields contradict each other.
    #[error("invalid operation: {0}")]
    Invalid(&'static str),
}
