//! The operator's calls to the rollup, from native blocks: the ABI calldata a raw-transaction
//! sender signs ([`crate::raw`]), and the call values [`crate::L1Operator`] sends.
//!
//! The contract keeps only the hash of each committed block's [`StoredBlockInfo`]; every call
//! after commit passes the stored info back. [`stored_block_info`] computes it from the native
//! block alone: the block number, its count of priority operations, its chunks (its capacity),
//! its own header timestamp (the one committed, not the L1 block's), the hash chain of its
//! operations that execution acts on, its new state root and its commitment. So a node that
//! keeps its native blocks never reads stored infos back from L1; before the first block the
//! last committed block is genesis ([`genesis_stored_block_info`], from the genesis root the
//! rollup was deployed with).

use crate::client::L1Result;
use crate::error::L1Error;
use alloy_primitives::{Bytes, U256};
use alloy_sol_types::SolCall;
use tern_contracts::bindings::Rollup;
use tern_contracts::bindings::Rollup::StoredBlockInfo;
use tern_contracts::rollup::{commit_block_info, execute_block_info, pending_onchain_ops};
use tern_primitives::Fr;
use tern_types::Block;

/// The stored info of genesis (block 0) for a rollup deployed with `genesis_root`: the "last
/// committed block" of the first commit.
pub fn genesis_stored_block_info(genesis_root: &Fr) -> StoredBlockInfo {
    tern_contracts::rollup::genesis_stored_block_info(genesis_root)
}

/// The stored info the contract records when it commits `block` (see the module docs: the
/// block alone determines it).
pub fn stored_block_info(block: &Block) -> L1Result<StoredBlockInfo> {
    Ok(tern_contracts::rollup::stored_block_info(block)?)
}

/// `commitBlocks(lastCommitted, blocks)`.
pub fn commit_blocks_call(
    last_committed: &StoredBlockInfo,
    blocks: &[Block],
) -> L1Result<Rollup::commitBlocksCall> {
    let new_blocks = blocks.iter().map(commit_block_info).collect::<Result<Vec<_>, _>>()?;
    Ok(Rollup::commitBlocksCall { lastCommitted: last_committed.clone(), newBlocks: new_blocks })
}

/// `proveBlocks(blocks, proofs)`: one proof per block, in order
/// (`tern_contracts::verifier::encode_proof`).
pub fn prove_blocks_call(
    blocks: &[Block],
    proofs: &[[U256; 8]],
) -> L1Result<Rollup::proveBlocksCall> {
    if blocks.len() != proofs.len() {
        return Err(L1Error::ProofCount { blocks: blocks.len(), proofs: proofs.len() });
    }
    Ok(Rollup::proveBlocksCall { blocks: stored_infos(blocks)?, proofs: proofs.to_vec() })
}

/// `executeBlocks(blocks)`.
pub fn execute_blocks_call(blocks: &[Block]) -> L1Result<Rollup::executeBlocksCall> {
    let infos = blocks.iter().map(execute_block_info).collect::<Result<Vec<_>, _>>()?;
    Ok(Rollup::executeBlocksCall { blocks: infos })
}

/// `commitProveExecute(lastCommitted, block, proof, pendingOnchainOps)`: one block in one
/// transaction, when every committed block is executed.
pub fn commit_prove_execute_call(
    last_committed: &StoredBlockInfo,
    block: &Block,
    proof: &[U256; 8],
) -> L1Result<Rollup::commitProveExecuteCall> {
    Ok(Rollup::commitProveExecuteCall {
        lastCommitted: last_committed.clone(),
        newBlock: commit_block_info(block)?,
        proof: *proof,
        pendingOnchainOps: pending_onchain_ops(block)?,
    })
}

/// `revertBlocks(blocks)`: committed, unproven blocks, newest first.
pub fn revert_blocks_call(blocks: &[Block]) -> L1Result<Rollup::revertBlocksCall> {
    Ok(Rollup::revertBlocksCall { blocks: stored_infos(blocks)? })
}

/// The calldata of [`commit_blocks_call`].
pub fn commit_blocks(last_committed: &StoredBlockInfo, blocks: &[Block]) -> L1Result<Bytes> {
    Ok(commit_blocks_call(last_committed, blocks)?.abi_encode().into())
}

/// The calldata of [`prove_blocks_call`].
pub fn prove_blocks(blocks: &[Block], proofs: &[[U256; 8]]) -> L1Result<Bytes> {
    Ok(prove_blocks_call(blocks, proofs)?.abi_encode().into())
}

/// The calldata of [`execute_blocks_call`].
pub fn execute_blocks(blocks: &[Block]) -> L1Result<Bytes> {
    Ok(execute_blocks_call(blocks)?.abi_encode().into())
}

/// The calldata of [`commit_prove_execute_call`].
pub fn commit_prove_execute(
    last_committed: &StoredBlockInfo,
    block: &Block,
    proof: &[U256; 8],
) -> L1Result<Bytes> {
    Ok(commit_prove_execute_call(last_committed, block, proof)?.abi_encode().into())
}

/// The calldata of [`revert_blocks_call`].
pub fn revert_blocks(blocks: &[Block]) -> L1Result<Bytes> {
    Ok(revert_blocks_call(blocks)?.abi_encode().into())
}

fn stored_infos(blocks: &[Block]) -> L1Result<Vec<StoredBlockInfo>> {
    blocks.iter().map(stored_block_info).collect()
}
