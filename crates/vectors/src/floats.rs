//! `floats.json`: packing, unpacking, refusals and the rounding helpers of both float formats
//! at every boundary, and the non-canonical encodings the pubdata decoder refuses.

use crate::json::{dec, hex, variant_name};
use serde_json::{json, Value};
use tern_primitives::float::{FloatError, FloatFormat, AMOUNT, FEE};

/// The `floats.json` fixture.
pub fn floats() -> Value {
    json!({
        "description": "Tern's decimal floats (docs/spec/floats.md): value = mantissa * 10^exponent, \
                        packed big-endian as exponent || mantissa. pack is exact and canonical \
                        (smallest exponent); other encodings unpack but the pubdata decoder \
                        refuses them (NonCanonicalFloat).",
        "formats": [format_json("AMOUNT", AMOUNT), format_json("FEE", FEE)],
    })
}

fn pow10(e: u32) -> u128 {
    10u128.pow(e)
}

/// The values whose packing and rounding the fixture records: every boundary of the format.
fn boundary_values(f: FloatFormat) -> Vec<u128> {
    let m = f.max_mantissa();
    let top = f.max_exponent();
    let mut v = vec![0, 1, 9, 10, 11, 99, 100, 101, m - 1, m, m + 1, m + 9, m + 10];
    // Where the exponent steps up: the largest value of each exponent and the next ones.
    for e in [1, 2, top - 1, top] {
        let p = pow10(e);
        v.extend([m * p, m * p + 1, m * p - 1, (m + 1) * p, m * p + p, (m / 10 + 1) * p]);
    }
    // Every exponent's first canonical value and the exponent's step.
    for e in 0..=top {
        v.push((m / 10 + 1) * pow10(e));
    }
    v.extend([
        pow10(18),
        1_500_000_000_000_000_000,
        123_456_789,
        1_271,
        m * pow10(top) + 1,
        u128::MAX - 1,
        u128::MAX,
    ]);
    v.sort_unstable();
    v.dedup();
    v
}

fn error_name(e: &FloatError) -> String {
    variant_name(&format!("{e:?}"))
}

fn format_json(name: &str, f: FloatFormat) -> Value {
    let values = boundary_values(f);
    let pack: Vec<Value> = values
        .iter()
        .map(|&value| match f.pack(value) {
            Ok(packed) => json!({
                "value": dec(value),
                "packed": hex_packed(f, packed),
                "exponent": packed >> f.mantissa_bits,
                "mantissa": packed & ((1 << f.mantissa_bits) - 1),
            }),
            Err(e) => json!({
                "value": dec(value),
                "error": error_name(&e),
                "closest_down": dec(f.closest_down(value)),
            }),
        })
        .collect();
    let rounding: Vec<Value> = values
        .iter()
        .map(|&value| {
            json!({
                "value": dec(value),
                "closest_down": dec(f.closest_down(value)),
                "closest_up": f.closest_up(value).map(dec).unwrap_or(Value::Null),
            })
        })
        .collect();
    let bits = f.bits();
    let all_ones = (1u64 << bits) - 1;
    let unpack: Vec<Value> = [0, 1, (1 << f.mantissa_bits) - 1, 1 << f.mantissa_bits, all_ones]
        .into_iter()
        .chain([1u64 << bits, u64::MAX])
        .map(|packed| match f.unpack(packed) {
            Ok(value) => json!({"packed": hex_packed(f, packed), "value": dec(value)}),
            Err(e) => json!({"packed": format!("0x{packed:x}"), "error": error_name(&e)}),
        })
        .collect();
    json!({
        "name": name,
        "bits": bits,
        "exponent_bits": f.exponent_bits,
        "mantissa_bits": f.mantissa_bits,
        "max_mantissa": dec(f.max_mantissa()),
        "max_exponent": f.max_exponent(),
        "max_value": dec(f.max_mantissa() * pow10(f.max_exponent())),
        "pack": pack,
        "unpack": unpack,
        "non_canonical": non_canonical(f),
        "rounding": rounding,
    })
}

/// A packed float as hex of its whole bytes (`ceil(bits / 8)` bytes, big-endian).
fn hex_packed(f: FloatFormat, packed: u64) -> Value {
    let len = (f.bits() as usize).div_ceil(8);
    hex(&packed.to_be_bytes()[8 - len..])
}

/// Encodings that unpack to a value whose canonical encoding differs.
fn non_canonical(f: FloatFormat) -> Vec<Value> {
    let mb = f.mantissa_bits;
    let top = u64::from(f.max_exponent());
    let m = f.max_mantissa() as u64;
    let cases: [(u64, u64); 6] = [(1, 0), (top, 0), (1, 1), (1, m / 10), (top, m / 10), (2, 10)];
    cases
        .into_iter()
        .filter_map(|(e, mant)| {
            let packed = (e << mb) | mant;
            let value = f.unpack(packed).ok()?;
            let canonical = f.pack(value).ok()?;
            (canonical != packed).then(|| {
                json!({
                    "packed": hex_packed(f, packed),
                    "exponent": e,
                    "mantissa": mant,
                    "value": dec(value),
                    "canonical": hex_packed(f, canonical),
                })
            })
        })
        .collect()
}
