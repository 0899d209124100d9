//! The rollup contract's block arguments, computed natively from a [`Block`].
//!
//! `Rollup.sol` keeps only a hash of each committed block (`StoredBlockInfo`); the operator
//! passes the block's stored info back to prove and execute it. These functions build, from a
//! native block, exactly what the contract computes at commit ([`stored_block_info`]), the
//! commit argument ([`commit_block_info`]), and the execute argument ([`execute_block_info`]),
//! so a node never has to read them back from L1.

use crate::bindings::Rollup::{CommitBlockInfo, ExecuteBlockInfo, StoredBlockInfo};
use alloy_primitives::{keccak256, Bytes, FixedBytes, B256};
use alloy_sol_types::SolValue;
use tern_primitives::field::fr_to_be_bytes;
use tern_primitives::Fr;
use tern_types::tx::ChangePubKeyAuth;
use tern_types::{Block, EncodeError, Op};

/// Why a block cannot be turned into contract arguments.
#[derive(Debug, thiserror::Error)]
pub enum RollupArgsError {
    /// An operation does not encode (an id or float out of range).
    #[error("block does not encode: {0}")]
    Encode(#[from] EncodeError),
    /// The block's capacity does not fit the contract's `uint32` chunk count.
    #[error("capacity {0} does not fit in a uint32")]
    Capacity(usize),
}

/// A state root as the contract stores it: the 32-byte big-endian encoding.
pub fn root_bytes(root: &Fr) -> B256 {
    B256::from(fr_to_be_bytes(root))
}

/// The stored info of the genesis block (block 0) for a rollup deployed with `genesis_root`.
pub fn genesis_stored_block_info(genesis_root: &Fr) -> StoredBlockInfo {
    StoredBlockInfo {
        blockNumber: 0,
        priorityOperations: 0,
        chunks: 0,
        timestamp: 0,
        pendingOnchainOpsHash: B256::ZERO,
        stateRoot: root_bytes(genesis_root),
        commitment: B256::ZERO,
    }
}

/// Whether execution acts on `op` (it joins the block's pending-ops hash chain).
pub fn is_pending_onchain(op: &Op) -> bool {
    matches!(
        op,
        Op::Withdraw(_)
            | Op::ForcedExit(_)
            | Op::FullExit(_)
            | Op::WithdrawNft(_)
            | Op::FullExitNft(_)
    )
}

/// The pubdata of the block's operations that execution acts on, in order.
pub fn pending_onchain_ops(block: &Block) -> Result<Vec<Bytes>, RollupArgsError> {
    block
        .ops
        .iter()
        .filter(|op| is_pending_onchain(op))
        .map(|op| Ok(Bytes::from(op.encode()?)))
        .collect()
}

/// The stored info the contract records when it commits `block`.
pub fn stored_block_info(block: &Block) -> Result<StoredBlockInfo, RollupArgsError> {
    let chunks = block.capacity.max(block.used_chunks());
    let mut ops_hash = B256::ZERO;
    for op in pending_onchain_ops(block)? {
        let mut buf = Vec::with_capacity(32 + op.len());
        buf.extend_from_slice(ops_hash.as_slice());
        buf.extend_from_slice(&op);
        ops_hash = keccak256(&buf);
    }
    let priority = block.ops.iter().filter(|op| op.is_priority()).count();
    Ok(StoredBlockInfo {
        blockNumber: block.header.number,
        priorityOperations: priority as u64,
        chunks: u32::try_from(chunks).map_err(|_| RollupArgsError::Capacity(chunks))?,
        timestamp: block.header.timestamp,
        pendingOnchainOpsHash: ops_hash,
        stateRoot: root_bytes(&block.header.new_root),
        commitment: B256::from(block.commitment()?),
    })
}

/// `keccak256(abi.encode(info))`, as `Rollup.hashStoredBlockInfo`.
pub fn hash_stored_block_info(info: &StoredBlockInfo) -> B256 {
    keccak256(info.abi_encode())
}

/// A ChangePubKey authorisation as `commitBlocks` takes it: the kind byte, then the 65-byte
/// signature for kinds 1 (EIP-191) and 2 (EIP-712).
pub fn auth_bytes(auth: &ChangePubKeyAuth) -> Bytes {
    match auth {
        ChangePubKeyAuth::Onchain => Bytes::from(vec![0u8]),
        ChangePubKeyAuth::Ecdsa(sig) => [&[1u8][..], &sig[..]].concat().into(),
        ChangePubKeyAuth::Eip712(sig) => [&[2u8][..], &sig[..]].concat().into(),
    }
}

/// The chunks whose bit is set in an onchain bitmap (most significant bit first), in order:
/// the first chunks of the block's onchain operations, as `commitBlocks` takes them.
pub fn onchain_op_chunks(bitmap: &[u8]) -> Vec<u32> {
    let mut chunks = Vec::new();
    for (i, byte) in (0u32..).zip(bitmap) {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                chunks.push(i * 8 + bit);
            }
        }
    }
    chunks
}

/// The `commitBlocks` argument for `block`.
pub fn commit_block_info(block: &Block) -> Result<CommitBlockInfo, RollupArgsError> {
    Ok(CommitBlockInfo {
        blockNumber: block.header.number,
        feeAccount: block.header.fee_account.0,
        timestamp: block.header.timestamp,
        newStateRoot: root_bytes(&block.header.new_root),
        onchainOps: onchain_op_chunks(&block.onchain_bitmap()),
        pubdata: block.pubdata()?.into(),
        changePubKeyAuth: block.change_pubkey_auth.iter().map(auth_bytes).collect(),
    })
}

/// The `executeBlocks` argument for `block`.
pub fn execute_block_info(block: &Block) -> Result<ExecuteBlockInfo, RollupArgsError> {
    Ok(ExecuteBlockInfo {
        storedBlock: stored_block_info(block)?,
        pendingOnchainOps: pending_onchain_ops(block)?,
    })
}

/// A 20-byte value (address-sized) as `bytes20`.
pub fn bytes20(b: &[u8; 20]) -> FixedBytes<20> {
    FixedBytes::from(*b)
}

/// Why a commit transaction's input does not give back blocks.
#[derive(Debug, thiserror::Error)]
pub enum CommitDecodeError {
    /// The input is not a `commitBlocks` or `commitProveExecute` call.
    #[error("not a commitBlocks or commitProveExecute call (selector {0})")]
    NotACommit(String),
    /// The call's arguments do not ABI-decode.
    #[error("the commit call does not decode: {0}")]
    Abi(String),
    /// The pubdata does not decode into operations.
    #[error("block {number}'s pubdata does not decode: {source}")]
    Pubdata {
        /// The block.
        number: u64,
        /// The failure.
        source: tern_types::DecodeError,
    },
    /// Another field is malformed (a root out of the field, an unknown authorisation kind).
    #[error("block {number}: {reason}")]
    Field {
        /// The block.
        number: u64,
        /// What is wrong.
        reason: String,
    },
    /// Rebuilt from its parts, the block does not give back the committed arguments.
    #[error("block {0} does not re-encode to the committed arguments")]
    NotCanonical(u64),
}

/// The blocks a `commitBlocks` or `commitProveExecute` transaction's input commits.
pub fn committed_blocks(input: &[u8]) -> Result<Vec<CommitBlockInfo>, CommitDecodeError> {
    use crate::bindings::Rollup::{commitBlocksCall, commitProveExecuteCall};
    use alloy_sol_types::SolCall;
    let selector = input.get(..4).ok_or_else(|| CommitDecodeError::NotACommit("none".into()))?;
    if selector == commitBlocksCall::SELECTOR {
        let call = commitBlocksCall::abi_decode(input)
            .map_err(|e| CommitDecodeError::Abi(e.to_string()))?;
        Ok(call.newBlocks)
    } else if selector == commitProveExecuteCall::SELECTOR {
        let call = commitProveExecuteCall::abi_decode(input)
            .map_err(|e| CommitDecodeError::Abi(e.to_string()))?;
        Ok(vec![call.newBlock])
    } else {
        Err(CommitDecodeError::NotACommit(alloy_primitives::hex::encode_prefixed(selector)))
    }
}

/// A ChangePubKey authorisation from its `commitBlocks` encoding ([`auth_bytes`]).
pub fn auth_from_bytes(bytes: &[u8]) -> Option<ChangePubKeyAuth> {
    let sig = |rest: &[u8]| <[u8; 65]>::try_from(rest).ok();
    match bytes.split_first()? {
        (0, []) => Some(ChangePubKeyAuth::Onchain),
        (1, rest) => sig(rest).map(ChangePubKeyAuth::Ecdsa),
        (2, rest) => sig(rest).map(ChangePubKeyAuth::Eip712),
        _ => None,
    }
}

/// The native block behind committed arguments, on a chain whose previous root is
/// `old_root`. The block must re-encode to exactly `info`, so nothing in the arguments is
/// left unread or read two ways.
pub fn block_from_commit(info: &CommitBlockInfo, old_root: Fr) -> Result<Block, CommitDecodeError> {
    let number = info.blockNumber;
    let field = |reason: String| CommitDecodeError::Field { number, reason };
    let ops = tern_types::block::decode_pubdata(&info.pubdata)
        .map_err(|source| CommitDecodeError::Pubdata { number, source })?;
    let new_root = tern_primitives::field::fr_from_be_bytes(&info.newStateRoot.0)
        .map_err(|e| field(format!("new state root: {e}")))?;
    let change_pubkey_auth = info
        .changePubKeyAuth
        .iter()
        .map(|b| {
            auth_from_bytes(b).ok_or_else(|| field("unknown ChangePubKey authorisation".into()))
        })
        .collect::<Result<_, _>>()?;
    let block = Block {
        header: tern_types::BlockHeader {
            number,
            fee_account: tern_types::AccountId(info.feeAccount),
            timestamp: info.timestamp,
            old_root,
            new_root,
        },
        ops,
        capacity: info.pubdata.len() / tern_types::params::CHUNK_BYTES,
        change_pubkey_auth,
    };
    match commit_block_info(&block) {
        Ok(again) if &again == info => Ok(block),
        _ => Err(CommitDecodeError::NotCanonical(number)),
    }
}
