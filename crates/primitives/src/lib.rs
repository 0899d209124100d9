//! Tern's primitives: the BN254 field, Poseidon (circomlib parameters), Baby Jubjub, EdDSA-Poseidon
//! signatures, L2 keys, Ethereum signature recovery and the decimal floats used in pubdata.
//!
//! Everything here is pure: no I/O, no async, no global mutable state. The block circuit
//! (`tern-circuit`) implements the same functions as gadgets and is tested against these.

pub mod babyjubjub;
pub mod eddsa;
pub mod eth;
pub mod field;
pub mod float;
pub mod keys;
pub mod poseidon;

pub use alloy_primitives::{Address, B256};
pub use field::Fr;
