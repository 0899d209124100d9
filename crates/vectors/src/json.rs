//! The JSON conventions of the vectors: hex byte strings, field elements as 32-byte big-endian
//! hex, decimal-string amounts, and one stable rendering (sorted keys, two-space indent, a
//! trailing newline) whatever features `serde_json` was built with.

use serde_json::Value;
use tern_primitives::field::fr_to_be_bytes;
use tern_primitives::{Address, Fr};

/// `0x`-prefixed lowercase hex of a byte string.
pub fn hex(bytes: impl AsRef<[u8]>) -> Value {
    Value::String(format!("0x{}", ::hex::encode(bytes.as_ref())))
}

/// A field element as 32-byte big-endian hex.
pub fn fr(x: &Fr) -> Value {
    hex(fr_to_be_bytes(x))
}

/// An address as 20-byte lowercase hex.
pub fn address(a: &Address) -> Value {
    hex(a.as_slice())
}

/// An amount (or any integer that may exceed 2^53) as a decimal string.
pub fn dec(v: impl Into<u128>) -> Value {
    Value::String(v.into().to_string())
}

/// The name of an error enum's variant, from its `Debug` form (`Truncated { needed: 1 }` gives
/// `Truncated`).
pub fn variant_name(debug: &str) -> String {
    debug.split([' ', '(', '{']).next().unwrap_or(debug).to_string()
}

/// Renders `v` as pretty JSON with object keys sorted, two-space indent and a trailing newline.
pub fn render(v: &Value) -> String {
    let mut out = String::new();
    write(v, 0, &mut out);
    out.push('\n');
    out
}

fn write(v: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write(item, indent + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, k) in keys.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push_str(": ");
                if let Some(item) = map.get(*k) {
                    write(item, indent + 1, out);
                }
                out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn render_sorts_keys_and_ends_with_a_newline() {
        let v = json!({"b": [1, {"z": null, "a": "x"}], "a": [], "c": {}});
        assert_eq!(
            render(&v),
            "{\n  \"a\": [],\n  \"b\": [\n    1,\n    {\n      \"a\": \"x\",\n      \"z\": null\n    }\n  ],\n  \"c\": {}\n}\n"
        );
        assert_eq!(variant_name("Truncated { needed: 1 }"), "Truncated");
        assert_eq!(variant_name("NotChunkAligned(12)"), "NotChunkAligned");
        assert_eq!(variant_name("ZeroAddress"), "ZeroAddress");
    }
}
