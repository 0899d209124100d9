//! The BN254 scalar field `Fr`, which is the native field of every Tern hash, tree and circuit.

use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
use std::str::FromStr;

/// An element of the BN254 scalar field.
pub type Fr = ark_bn254::Fr;

/// Why a value could not be read as a field element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The text is not a decimal number.
    #[error("not a decimal field element: {0:?}")]
    NotDecimal(String),
    /// The number is not below the BN254 scalar modulus.
    #[error("value is not below the BN254 scalar field modulus: {0}")]
    NotCanonical(String),
    /// A 32-byte encoding is above the modulus.
    #[error("32-byte value is not a canonical field element (>= modulus)")]
    NonCanonicalBytes,
}

/// Parses a canonical decimal field element, rejecting values at or above the modulus.
pub fn fr_from_decimal(s: &str) -> Result<Fr, FieldError> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::NotDecimal(s.to_string()));
    }
    let n = BigUint::from_str(s).map_err(|_| FieldError::NotDecimal(s.to_string()))?;
    if n >= modulus() {
        return Err(FieldError::NotCanonical(s.to_string()));
    }
    Ok(Fr::from(n))
}

/// Decimal text of a field element.
pub fn fr_to_decimal(x: &Fr) -> String {
    BigUint::from(*x).to_string()
}

/// The BN254 scalar modulus.
pub fn modulus() -> BigUint {
    BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le())
}

/// 32-byte big-endian encoding, the byte order used in pubdata, commitments and on L1.
pub fn fr_to_be_bytes(x: &Fr) -> [u8; 32] {
    let v = x.into_bigint().to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(&v);
    out
}

/// Reads a canonical 32-byte big-endian field element.
pub fn fr_from_be_bytes(bytes: &[u8; 32]) -> Result<Fr, FieldError> {
    let n = BigUint::from_bytes_be(bytes);
    if n >= modulus() {
        return Err(FieldError::NonCanonicalBytes);
    }
    Ok(Fr::from(n))
}

/// Reads a 32-byte little-endian field element, the byte order of circomlib's packed points.
pub fn fr_from_le_bytes(bytes: &[u8; 32]) -> Result<Fr, FieldError> {
    let mut be = *bytes;
    be.reverse();
    fr_from_be_bytes(&be)
}

/// 32-byte little-endian encoding.
pub fn fr_to_le_bytes(x: &Fr) -> [u8; 32] {
    let mut b = fr_to_be_bytes(x);
    b.reverse();
    b
}

/// Interprets up to 31 big-endian bytes as a field element; always canonical.
pub fn fr_from_be_short(bytes: &[u8]) -> Fr {
    debug_assert!(bytes.len() <= 31, "at most 248 bits fit without reduction");
    Fr::from_be_bytes_mod_order(bytes)
}

/// The value of a u128 as a field element.
pub fn fr_from_u128(v: u128) -> Fr {
    Fr::from(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trip_and_rejections() {
        let p = modulus().to_string();
        assert!(matches!(fr_from_decimal(&p), Err(FieldError::NotCanonical(_))));
        assert!(matches!(fr_from_decimal("12a"), Err(FieldError::NotDecimal(_))));
        assert!(matches!(fr_from_decimal(""), Err(FieldError::NotDecimal(_))));
        let x = fr_from_decimal("123456789").expect("valid");
        assert_eq!(fr_to_decimal(&x), "123456789");
        assert_eq!(fr_from_be_bytes(&fr_to_be_bytes(&x)), Ok(x));
        assert_eq!(fr_from_le_bytes(&fr_to_le_bytes(&x)), Ok(x));
        assert_eq!(fr_from_be_bytes(&[0xff; 32]), Err(FieldError::NonCanonicalBytes));
    }
}
