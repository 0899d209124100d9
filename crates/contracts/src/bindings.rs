//! `sol!` bindings over the committed artifacts (`contracts/out/<Name>.json`).
//!
//! Each module holds the contract's calls, events, errors and constructor, plus `BYTECODE`
//! (creation code) and `DEPLOYED_BYTECODE` (runtime code) from the artifact.

#![allow(missing_docs, unreachable_pub)] // generated code: documented by the Solidity sources

alloy_sol_types::sol!(
    #[derive(Debug, PartialEq, Eq)]
    Groth16Verifier,
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/Groth16Verifier.json")
);

alloy_sol_types::sol!(
    #[derive(Debug, PartialEq, Eq)]
    GasProbe,
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/GasProbe.json")
);
