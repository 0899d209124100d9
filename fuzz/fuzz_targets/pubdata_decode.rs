//! Pubdata decoding, which rebuilds state from L1 data: hostile bytes must give an error, never
//! a panic, and every operation that decodes must re-encode to exactly the bytes it used.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_types::block::decode_pubdata;
use tern_types::Op;

fuzz_target!(|data: &[u8]| {
    let _ = decode_pubdata(data);
    if let Ok((op, used)) = Op::decode(data) {
        assert!(used <= data.len(), "decode used {used} bytes of {}", data.len());
        assert_eq!(op.encode(), Ok(data[..used].to_vec()), "pubdata of {op:?} is not canonical");
    }
});
