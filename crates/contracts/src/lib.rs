//! Tern's L1 contracts from Rust.
//!
//! - [`bindings`]: alloy `sol!` bindings generated from the committed artifacts in
//!   `contracts/out/` (ABI, creation and runtime bytecode). The artifacts are compiled by
//!   `node contracts/compile.js` with the pinned solc-js, and CI checks that they match the
//!   sources, so building this crate needs no Node.js.
//! - [`verifier`]: the Groth16 verifier generated from a verifying key: constructor arguments
//!   for `Groth16Verifier.sol`, the proof encoding, and a standalone Solidity source with the key
//!   as constants for audit.
//! - [`rollup`]: the rollup contract's block arguments (commit, stored info, execute) computed
//!   natively from a `tern_types::Block`.
//! - [`evm`]: an in-process revm chain to deploy, call and transact against the contracts, with
//!   gas, logs and custom-error reverts decoded.

pub mod bindings;
pub mod evm;
pub mod rollup;
pub mod verifier;

pub use evm::{Evm, EvmError, Receipt};
