//! Decimal floats: any packed value that unpacks must pack again, canonically, to a packing that
//! unpacks to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_primitives::float::{AMOUNT, FEE};

fuzz_target!(|data: &[u8]| {
    let mut word = [0u8; 8];
    let n = data.len().min(8);
    word[..n].copy_from_slice(&data[..n]);
    let packed = u64::from_le_bytes(word);
    for (name, format) in [("AMOUNT", AMOUNT), ("FEE", FEE)] {
        // The raw word (mostly too wide) and the word masked to the format's width.
        for p in [packed, packed & ((1u64 << format.bits()) - 1)] {
            if let Ok(value) = format.unpack(p) {
                let repacked = format.pack(value).unwrap_or_else(|e| {
                    panic!("{name}: unpack(0x{p:x}) = {value} does not pack: {e}")
                });
                assert_eq!(
                    format.unpack(repacked),
                    Ok(value),
                    "{name}: 0x{p:x} -> {value} -> 0x{repacked:x}"
                );
            }
        }
    }
});
