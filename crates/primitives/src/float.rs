//! Decimal floats: how pubdata and signed messages carry amounts and fees compactly.
//!
//! A float is `mantissa × 10^exponent`, packed big-endian as `exponent ‖ mantissa`. Tern uses two
//! widths (see `docs/spec/floats.md`):
//!
//! | format | bits | exponent bits | mantissa bits | exact up to |
//! |---|---|---|---|---|
//! | [`AMOUNT`] | 30 | 5 | 25 | 33,554,431 × 10^31 |
//! | [`FEE`] | 12 | 5 | 7 | 127 × 10^31 |
//!
//! Packing is exact or it fails: an amount that the format cannot represent is refused with
//! [`FloatError::NotPackable`], never rounded silently. Wallets call [`FloatFormat::closest_down`]
//! (or [`FloatFormat::closest_up`] for fees) to pick a representable value first.
//!
//! ```
//! use tern_primitives::float::{AMOUNT, FEE};
//!
//! // 1.5 ETH in wei: the canonical form has the smallest exponent whose mantissa fits,
//! // 15,000,000 × 10^11.
//! let packed = AMOUNT.pack(1_500_000_000_000_000_000).unwrap();
//! assert_eq!(packed, (11 << 25) | 15_000_000);
//! assert_eq!(AMOUNT.unpack(packed).unwrap(), 1_500_000_000_000_000_000);
//!
//! // 26 significant bits do not fit a 25-bit mantissa: refused, with the closest lower value.
//! assert!(AMOUNT.pack(123_456_789).is_err());
//! assert_eq!(AMOUNT.closest_down(123_456_789), 123_456_780);
//! // A fee is rounded up, never below what the operator asked for.
//! assert_eq!(FEE.closest_up(1_271), Some(1_300));
//! ```

#[cfg(feature = "r1cs")]
pub mod r1cs;

/// A decimal float format: exponent and mantissa widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloatFormat {
    /// Bits of the base-10 exponent.
    pub exponent_bits: u32,
    /// Bits of the mantissa.
    pub mantissa_bits: u32,
}

/// Amounts in transfers and swaps: 30 bits, about 7.5 significant decimal digits.
pub const AMOUNT: FloatFormat = FloatFormat { exponent_bits: 5, mantissa_bits: 25 };
/// Fees: 12 bits, about 2 significant decimal digits.
pub const FEE: FloatFormat = FloatFormat { exponent_bits: 5, mantissa_bits: 7 };

/// Why a value could not be packed or unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FloatError {
    /// The value needs more significant digits than the format has.
    #[error(
        "{value} is not representable as a {bits}-bit float (mantissa < 2^{mantissa_bits}, \
         exponent <= {max_exponent}); the closest lower value is {closest}"
    )]
    NotPackable {
        /// The value asked for.
        value: u128,
        /// The format's total width.
        bits: u32,
        /// The format's mantissa width.
        mantissa_bits: u32,
        /// The largest exponent.
        max_exponent: u32,
        /// The closest representable value not above `value`.
        closest: u128,
    },
    /// A packed float has bits above its width set.
    #[error("packed float 0x{packed:x} has bits above its {bits}-bit width")]
    TooWide {
        /// The packed value.
        packed: u64,
        /// The format's width.
        bits: u32,
    },
    /// A packed float decodes to more than `u128::MAX`.
    #[error("packed float 0x{0:x} overflows u128")]
    Overflow(u64),
}

impl FloatFormat {
    /// Total width in bits.
    pub const fn bits(&self) -> u32 {
        self.exponent_bits + self.mantissa_bits
    }

    /// The largest mantissa.
    pub const fn max_mantissa(&self) -> u128 {
        (1u128 << self.mantissa_bits) - 1
    }

    /// The largest exponent.
    pub const fn max_exponent(&self) -> u32 {
        (1u32 << self.exponent_bits) - 1
    }

    /// Smallest exponent at which `value`'s mantissa fits, with that mantissa (truncated).
    fn split(&self, value: u128) -> Option<(u32, u128)> {
        let mut e = 0;
        let mut m = value;
        while m > self.max_mantissa() {
            if e == self.max_exponent() {
                return None;
            }
            m /= 10;
            e += 1;
        }
        Some((e, m))
    }

    /// Packs `value` exactly, with the smallest exponent (the canonical encoding).
    pub fn pack(&self, value: u128) -> Result<u64, FloatError> {
        match self.split(value) {
            Some((e, m)) if m * 10u128.pow(e) == value => {
                Ok(((e as u64) << self.mantissa_bits) | m as u64)
            }
            _ => Err(FloatError::NotPackable {
                value,
                bits: self.bits(),
                mantissa_bits: self.mantissa_bits,
                max_exponent: self.max_exponent(),
                closest: self.closest_down(value),
            }),
        }
    }

    /// Unpacks any encoding of the format, canonical or not.
    pub fn unpack(&self, packed: u64) -> Result<u128, FloatError> {
        if packed >> self.bits() != 0 {
            return Err(FloatError::TooWide { packed, bits: self.bits() });
        }
        let m = u128::from(packed & ((1u64 << self.mantissa_bits) - 1));
        let e = (packed >> self.mantissa_bits) as u32;
        10u128.checked_pow(e).and_then(|p| m.checked_mul(p)).ok_or(FloatError::Overflow(packed))
    }

    /// Whether `value` packs exactly.
    pub fn is_packable(&self, value: u128) -> bool {
        self.pack(value).is_ok()
    }

    /// The largest representable value not above `value`: what a wallet sends when asked for
    /// `value`.
    pub fn closest_down(&self, value: u128) -> u128 {
        match self.split(value) {
            // Truncating at the smallest fitting exponent is the best at that exponent; the only
            // better candidate is the largest mantissa one exponent lower (128 -> 127, not 120).
            Some((e, m)) => {
                let truncated = m * 10u128.pow(e);
                if e == 0 {
                    truncated
                } else {
                    truncated.max(self.max_mantissa() * 10u128.pow(e - 1))
                }
            }
            None => self.max_mantissa() * 10u128.pow(self.max_exponent()),
        }
    }

    /// The smallest representable value not below `value`, or `None` above the format's
    /// maximum: what a wallet offers as a fee so that it is never below the operator's quote.
    pub fn closest_up(&self, value: u128) -> Option<u128> {
        // At each exponent the representable values are multiples of 10^e; the first exponent
        // whose ceiling fits the mantissa gives the smallest one, and larger exponents only
        // round further up.
        (0..=self.max_exponent()).find_map(|e| {
            let p = 10u128.checked_pow(e)?;
            let m = value.div_ceil(p);
            (m <= self.max_mantissa()).then(|| m.checked_mul(p)).flatten()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(AMOUNT.pack(0), Ok(0));
        assert_eq!(AMOUNT.pack(33_554_431), Ok(33_554_431));
        assert_eq!(AMOUNT.pack(335_544_310), Ok((1 << 25) | 33_554_431));
        assert_eq!(AMOUNT.unpack((1 << 25) | 33_554_431), Ok(335_544_310));
        assert!(AMOUNT.pack(335_544_320).is_err());
        assert_eq!(FEE.pack(127), Ok(127));
        assert_eq!(FEE.pack(1_000_000_000_000_000), Ok((13 << 7) | 100));
        let max = AMOUNT.max_mantissa() * 10u128.pow(31);
        assert_eq!(AMOUNT.unpack(AMOUNT.pack(max).expect("max packs")), Ok(max));
    }

    #[test]
    fn refuses_unpackable_and_malformed() {
        let err = AMOUNT.pack(33_554_433).expect_err("26 significant bits");
        assert!(matches!(err, FloatError::NotPackable { closest: 33_554_431, .. }));
        assert!(FEE.pack(u128::MAX).is_err());
        assert_eq!(FEE.unpack(1 << 12), Err(FloatError::TooWide { packed: 1 << 12, bits: 12 }));
        assert_eq!(AMOUNT.closest_down(u128::MAX), AMOUNT.max_mantissa() * 10u128.pow(31));
        assert!(!AMOUNT.is_packable(123_456_789));
    }

    #[test]
    fn every_fee_encoding_unpacks_and_only_the_canonical_one_repacks_to_itself() {
        let mut canonical = std::collections::BTreeSet::new();
        for packed in 0..1u64 << FEE.bits() {
            let value = FEE.unpack(packed).expect("every 12-bit fee unpacks");
            let repacked = FEE.pack(value).expect("an unpacked value packs");
            assert_eq!(FEE.unpack(repacked), Ok(value));
            if repacked == packed {
                assert!(canonical.insert(value), "two canonical encodings of {value}");
            }
        }
        // Canonical encodings: every mantissa at exponent 0, and at each higher exponent the
        // mantissas from 13 up (m ≤ 12 would fit as 10·m one exponent lower).
        assert_eq!(canonical.len(), 128 + 31 * (127 - 12));
    }

    #[test]
    fn closest_down_is_the_largest_not_above() {
        assert_eq!(FEE.closest_down(128), 127);
        assert_eq!(FEE.closest_down(1_279), 1_270);
        assert_eq!(AMOUNT.closest_down(33_554_433), 33_554_431);
        assert_eq!(FEE.closest_down(127), 127);
    }

    /// The refused rows of the Examples table in `docs/spec/floats.md`.
    #[test]
    fn the_specs_examples_table() {
        for (format, value, down) in [
            (AMOUNT, 335_544_320, 335_544_310),
            (AMOUNT, 123_456_789, 123_456_780),
            (FEE, 128, 127),
            (FEE, 1_280, 1_270),
        ] {
            assert!(format.pack(value).is_err(), "{value} is refused");
            assert_eq!(format.closest_down(value), down, "closest_down({value})");
        }
        assert_eq!(AMOUNT.pack(335_544_310).ok(), Some(0x3ff_ffff));
        assert_eq!(FEE.pack(1_200).ok(), Some(0xf8));
        assert_eq!(FEE.pack(130).ok(), Some(0x8d));
        assert_eq!(FEE.pack(1_000_000_000_000_000).ok(), Some(0x6e4));
    }

    #[test]
    fn closest_up_rounds_fees_up() {
        assert_eq!(FEE.closest_up(128), Some(130));
        assert_eq!(FEE.closest_up(1271), Some(1300));
        assert_eq!(FEE.closest_up(100), Some(100));
        assert_eq!(FEE.closest_up(u128::MAX), None);
    }

    proptest! {
        #[test]
        fn round_trip_and_rounding(v in any::<u128>()) {
            for f in [AMOUNT, FEE] {
                let down = f.closest_down(v);
                prop_assert!(down <= v);
                // Nothing representable lies strictly between: the next one up is above v.
                if down < v {
                    if let Some(next) = f.closest_up(down + 1) {
                        prop_assert!(next > v);
                    }
                }
                let p = f.pack(down).expect("closest_down is packable");
                prop_assert_eq!(f.unpack(p), Ok(down));
                if let Some(up) = f.closest_up(v) {
                    prop_assert!(up >= v);
                    prop_assert!(f.is_packable(up));
                }
                if let Ok(p) = f.pack(v) {
                    prop_assert_eq!(f.unpack(p), Ok(v));
                }
            }
        }
    }
}
