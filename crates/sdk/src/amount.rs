//! Token amounts at the edge: decimal strings in a token's units (`"1.5"` ETH) to exact
//! integer base units (`1_500_000_000_000_000_000` wei) and back. Everything inside the SDK and
//! on the wire is base units; only user input and human output are decimal.

use std::fmt;

/// Why a decimal amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing to parse.
    #[error("empty amount")]
    Empty,
    /// A minus sign: amounts are never negative.
    #[error("amount {0:?} is negative")]
    Negative(String),
    /// Not a plain decimal number (digits, at most one `.`).
    #[error("amount {0:?} is not a decimal number")]
    Malformed(String),
    /// More fractional digits than the token has decimals.
    #[error("amount {amount:?} has {given} decimals, the token has {max}")]
    TooManyDecimals {
        /// The amount as given.
        amount: String,
        /// Its fractional digits.
        given: usize,
        /// The token's decimals.
        max: u8,
    },
    /// The amount does not fit in a balance (u128 base units).
    #[error("amount {0:?} is too large for a balance (2^128 - 1 base units)")]
    Overflow(String),
}

/// Parses a decimal amount of a token with `decimals` decimals into base units:
/// `parse_units("1.5", 18)` is 1.5 × 10¹⁸. Leading `+` and surrounding spaces are refused like
/// any other malformed input, so what the user typed is exactly what is parsed.
pub fn parse_units(amount: &str, decimals: u8) -> Result<u128, AmountError> {
    if amount.is_empty() {
        return Err(AmountError::Empty);
    }
    if amount.starts_with('-') {
        return Err(AmountError::Negative(amount.to_owned()));
    }
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return Err(AmountError::Malformed(amount.to_owned()));
    }
    // Trailing zeros past the token's precision change nothing ("1.50" of a 1-decimal token).
    let frac = frac.trim_end_matches('0');
    if frac.len() > usize::from(decimals) {
        return Err(AmountError::TooManyDecimals {
            amount: amount.to_owned(),
            given: frac.len(),
            max: decimals,
        });
    }
    let overflow = || AmountError::Overflow(amount.to_owned());
    // frac.len() <= decimals <= 255, so the exponents fit.
    let frac_exp = u32::from(decimals) - frac.len() as u32;
    let whole = scaled(parse_digits(whole), u32::from(decimals)).ok_or_else(overflow)?;
    let frac = scaled(parse_digits(frac), frac_exp).ok_or_else(overflow)?;
    whole.checked_add(frac).ok_or_else(overflow)
}

/// `x × 10^exp`, `None` on overflow; zero stays zero at any scale, so a token with more than 38
/// decimals still has small amounts.
fn scaled(x: Option<u128>, exp: u32) -> Option<u128> {
    match x? {
        0 => Some(0),
        x => x.checked_mul(10u128.checked_pow(exp)?),
    }
}

/// Digits as a u128 (empty is 0); `None` on overflow.
fn parse_digits(s: &str) -> Option<u128> {
    s.bytes().try_fold(0u128, |acc, b| acc.checked_mul(10)?.checked_add(u128::from(b - b'0')))
}

/// Base units as a decimal amount of a token with `decimals` decimals, without trailing zeros:
/// `format_units(1_500_000_000_000_000_000, 18)` is `"1.5"`.
pub fn format_units(value: u128, decimals: u8) -> String {
    Units { value, decimals }.to_string()
}

/// Base units shown in a token's decimal units (see [`format_units`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Units {
    /// Base units.
    pub value: u128,
    /// The token's decimals.
    pub decimals: u8,
}

impl fmt::Display for Units {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.value.to_string();
        let d = usize::from(self.decimals);
        if d == 0 {
            return f.write_str(&digits);
        }
        let padded = format!("{digits:0>width$}", width = d + 1);
        let (whole, frac) = padded.split_at(padded.len() - d);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            f.write_str(whole)
        } else {
            write!(f, "{whole}.{frac}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_and_fractional_amounts() {
        assert_eq!(parse_units("1.5", 18), Ok(1_500_000_000_000_000_000));
        assert_eq!(parse_units("1", 18), Ok(1_000_000_000_000_000_000));
        assert_eq!(parse_units("0.000001", 6), Ok(1));
        assert_eq!(parse_units(".5", 1), Ok(5));
        assert_eq!(parse_units("5.", 1), Ok(50));
        assert_eq!(parse_units("007", 0), Ok(7));
        assert_eq!(parse_units("1.50", 1), Ok(15));
        assert_eq!(parse_units("0", 18), Ok(0));
    }

    #[test]
    fn refuses_with_typed_errors() {
        assert_eq!(parse_units("", 18), Err(AmountError::Empty));
        assert_eq!(parse_units("-1", 18), Err(AmountError::Negative("-1".into())));
        for bad in [".", "1.2.3", "1e18", " 1", "+1", "0x10", "1,5", "abc"] {
            assert_eq!(parse_units(bad, 18), Err(AmountError::Malformed(bad.into())), "{bad}");
        }
        assert_eq!(
            parse_units("0.0000001", 6),
            Err(AmountError::TooManyDecimals { amount: "0.0000001".into(), given: 7, max: 6 })
        );
        assert_eq!(
            parse_units("1.5", 0).expect_err("too precise").to_string(),
            "amount \"1.5\" has 1 decimals, the token has 0"
        );
    }

    #[test]
    fn overflow_is_an_error_at_the_u128_edge() {
        let max = u128::MAX.to_string();
        assert_eq!(parse_units(&max, 0), Ok(u128::MAX));
        let over = "340282366920938463463374607431768211456"; // 2^128
        assert_eq!(parse_units(over, 0), Err(AmountError::Overflow(over.into())));
        assert_eq!(
            parse_units("340282366920938463464", 18),
            Err(AmountError::Overflow("340282366920938463464".into()))
        );
        assert_eq!(
            parse_units("340282366920938463463", 18),
            Ok(340_282_366_920_938_463_463 * 10u128.pow(18))
        );
        assert_eq!(parse_units("1", 40), Err(AmountError::Overflow("1".into())));
        assert_eq!(parse_units("0", 40), Ok(0));
        assert_eq!(parse_units("0.0000000000000000000000000000000000000001", 40), Ok(1));
    }

    #[test]
    fn formats_without_trailing_zeros_and_round_trips() {
        assert_eq!(format_units(1_500_000_000_000_000_000, 18), "1.5");
        assert_eq!(format_units(1, 18), "0.000000000000000001");
        assert_eq!(format_units(0, 18), "0");
        assert_eq!(format_units(10, 1), "1");
        assert_eq!(format_units(123, 0), "123");
        for (v, d) in
            [(0u128, 6u8), (1, 6), (999_999, 6), (1_000_000, 6), (u128::MAX, 18), (u128::MAX, 38)]
        {
            assert_eq!(parse_units(&format_units(v, d), d), Ok(v), "{v} {d}");
        }
    }
}
