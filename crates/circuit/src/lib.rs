//! Tern's block circuit: R1CS over BN254 proving that a block's operations turn the old state
//! root into the new one, bound to the block commitment (the single public input).
//!
//! The gadgets live beside their native twins, behind the `r1cs` feature: Poseidon, Baby
//! Jubjub, EdDSA-Poseidon and floats in `tern-primitives`, the Merkle path in `tern-state`.
//! This crate composes them. The circuit is pure: no I/O, no async.

pub mod block;
pub(crate) mod chunk;
pub mod commitment;
pub mod exit;
pub mod layout;
pub mod sha256;
pub mod stats;
pub(crate) mod util;
pub mod witness;
pub mod witness_codec;
