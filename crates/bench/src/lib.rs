//! Tern's benchmarks that prove blocks, and the sample blocks they prove.
//!
//! - [`gas`]: `tern bench gas`, a full block of transfers at one capacity through commit, a
//!   real Groth16 proof and execute on revm, with the gas of every contract function.
//! - [`prover`]: `tern prover bench`, setup, matrices and proofs of a full sample block at one
//!   capacity, timed, with the peak memory of each phase.
//! - [`node`]: `tern bench node`, the sequencer's throughput (admission and sealing of signed
//!   transfers, with the state root), in memory.
//! - [`workers`]: `tern bench workers`, blocks proven per minute by 1, 2, … remote prover
//!   workers over the node's worker API on 127.0.0.1.
//! - [`sample`]: deterministic sample blocks to prove while there is no node (`tern prover
//!   prove` proves one).
//!
//! They live apart from `tern-l1` and `tern-prover` so that the L1 client does not depend on
//! the prover. Groth16's prover is generic over the RNG and instantiated here, so the crate is
//! built at opt-level 3 in every profile (the root `Cargo.toml`). The library prints nothing.

pub mod gas;
pub mod node;
pub mod prover;
pub mod sample;
pub mod workers;
