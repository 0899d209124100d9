//! Wire decoding of signed transactions: hostile bytes must give an error, never a panic, and
//! whatever decodes must re-encode to bytes that decode to the same transaction.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_types::SignedTx;

fuzz_target!(|data: &[u8]| {
    let Ok(tx) = SignedTx::decode(data) else {
        return;
    };
    let encoded = tx.encode();
    assert_eq!(SignedTx::decode(&encoded), Ok(tx.clone()), "re-encoding changed the transaction");
    // The decoder refuses non-canonical keys, signatures and trailing bytes, so the wire form
    // should be exactly the input.
    assert_eq!(encoded, data, "a decodable transaction has a non-canonical wire form");
    // The id must be computable (or refused with an error) for anything that decodes.
    let _ = tx.hash();
});
