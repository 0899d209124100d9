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

// `abi`: `Rollup::abi::events()`, with which `tern_l1::events` names the field of a refused log.
alloy_sol_types::sol!(
    #[sol(abi)]
    #[derive(Debug, PartialEq, Eq)]
    Rollup,
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/Rollup.json")
);

alloy_sol_types::sol!(
    #[derive(Debug, PartialEq, Eq)]
    NftFactory,
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/NftFactory.json")
);

// The devnet's faucet token (`contracts/src/DevToken.sol`): mintable by anyone, never deployed
// outside a devnet.
alloy_sol_types::sol!(
    #[derive(Debug, PartialEq, Eq)]
    DevToken,
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/DevToken.json")
);

/// Test helpers (`contracts/test/`): tokens, reentrancy attackers, a mock verifier, an ERC-721
/// receiver, a failing NFT factory and an owner that refuses ETH.
pub mod test_helpers {
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        TestERC20,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/TestERC20.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        FeeOnTransferERC20,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/FeeOnTransferERC20.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        NoopERC20,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/NoopERC20.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        RebasingERC20,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/RebasingERC20.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        FalseReturningERC20,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/FalseReturningERC20.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        ReentrantERC20,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/ReentrantERC20.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        ReentrantReceiver,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/ReentrantReceiver.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        MockVerifier,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/MockVerifier.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        BadNftFactory,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/BadNftFactory.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        EthRefuser,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/EthRefuser.json")
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        NftReceiver,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/NftReceiver.json")
    );
}
