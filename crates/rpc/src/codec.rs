//! Serde forms of the values the API carries: amounts as decimal strings, addresses, keys and
//! signatures as `0x` hex, public key hashes as `sync:` hex (zkSync Lite's forms).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::str::FromStr;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::Address;

fn hex_body(s: &str) -> &str {
    s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s)
}

/// Parses `0x`-prefixed (or bare) hex of exactly `N` bytes.
pub fn parse_hex_array<const N: usize>(s: &str) -> Result<[u8; N], String> {
    let bytes = hex::decode(hex_body(s)).map_err(|e| format!("bad hex: {e}"))?;
    let len = bytes.len();
    bytes.try_into().map_err(|_| format!("expected {N} bytes of hex, got {len}"))
}

/// Parses a decimal string of base units: digits only, no sign, at most `u128::MAX`.
pub fn parse_decimal(s: &str) -> Result<u128, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a decimal string of base units"));
    }
    u128::from_str(s).map_err(|_| format!("{s} is out of range (at most {})", u128::MAX))
}

/// `0x` followed by lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Exactly `N` bytes as `0x` hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hex<const N: usize>(pub [u8; N]);

impl<const N: usize> Serialize for Hex<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(&self.0))
    }
}

impl<'de, const N: usize> Deserialize<'de> for Hex<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_hex_array(&s).map(Hex).map_err(D::Error::custom)
    }
}

/// An Ethereum address as a JSON value (`0x` and 40 hex digits; a checksum is not required).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Addr(pub Address);

impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        address::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Addr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        address::deserialize(d).map(Addr)
    }
}

/// `#[serde(with = "address")]` for [`Address`] fields.
pub mod address {
    use super::*;

    /// Lowercase `0x` hex.
    pub fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(a.as_slice()))
    }

    /// `0x` and 40 hex digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        let s = String::deserialize(d)?;
        parse_hex_array::<20>(&s).map(Address::new).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "opt_address")]` for optional [`Address`] fields.
pub mod opt_address {
    use super::*;

    /// `null` or lowercase `0x` hex.
    pub fn serialize<S: Serializer>(a: &Option<Address>, s: S) -> Result<S::Ok, S::Error> {
        a.map(Addr).serialize(s)
    }

    /// `null`, absent, or an address.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Address>, D::Error> {
        Ok(Option::<Addr>::deserialize(d)?.map(|a| a.0))
    }
}

/// `#[serde(with = "decimal")]` for `u128` amounts: a decimal string of base units.
pub mod decimal {
    use super::*;

    /// Decimal digits.
    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Decimal digits only; out-of-range values are an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        parse_decimal(&s).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "decimal_pair")]` for two `u128`s: `["1", "2"]`.
pub mod decimal_pair {
    use super::*;

    /// Two decimal strings.
    pub fn serialize<S: Serializer>(v: &[u128; 2], s: S) -> Result<S::Ok, S::Error> {
        [v[0].to_string(), v[1].to_string()].serialize(s)
    }

    /// Two decimal strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u128; 2], D::Error> {
        let [a, b] = <[String; 2]>::deserialize(d)?;
        Ok([
            parse_decimal(&a).map_err(D::Error::custom)?,
            parse_decimal(&b).map_err(D::Error::custom)?,
        ])
    }
}

/// `#[serde(with = "pubkey_hash")]`: `sync:` and 40 hex digits (`0x` is accepted too).
pub mod pubkey_hash {
    use super::*;

    /// `sync:…`.
    pub fn serialize<S: Serializer>(h: &PubKeyHash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("sync:{}", hex::encode(h.0)))
    }

    /// `sync:…` or `0x…`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PubKeyHash, D::Error> {
        let s = String::deserialize(d)?;
        let body = s.strip_prefix("sync:").unwrap_or(&s);
        parse_hex_array::<20>(body).map(PubKeyHash).map_err(D::Error::custom)
    }
}

/// A transaction hash: serialized as `0x` and 64 hex digits; `sync-tx:` hex is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxHash(pub [u8; 32]);

impl std::fmt::Display for TxHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

impl FromStr for TxHash {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let body = s.strip_prefix("sync-tx:").unwrap_or(s);
        parse_hex_array::<32>(body).map(TxHash)
    }
}

impl Serialize for TxHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for TxHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(D::Error::custom)
    }
}

pub(crate) fn always_from() -> u64 {
    0
}

pub(crate) fn always_until() -> u64 {
    u64::MAX
}
