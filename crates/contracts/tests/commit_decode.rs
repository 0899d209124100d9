//! Blocks read back from commit transactions' input (what `tern restore` does with L1 data):
//! every demo block round-trips through `commitBlocks` and `commitProveExecute` calldata, and
//! hostile input is refused with an error.

use alloy_primitives::{Bytes, U256};
use alloy_sol_types::SolCall;
use tern_contracts::bindings::Rollup::{commitBlocksCall, commitProveExecuteCall};
use tern_contracts::rollup::{
    block_from_commit, commit_block_info, committed_blocks, genesis_stored_block_info,
    CommitDecodeError,
};
use tern_state::demo;

#[test]
fn demo_blocks_come_back_from_commit_calldata() {
    let blocks: Vec<_> = demo::blocks().expect("demo").into_iter().map(|b| b.block).collect();
    let genesis = genesis_stored_block_info(&blocks[0].header.old_root);
    let infos: Vec<_> = blocks.iter().map(|b| commit_block_info(b).expect("info")).collect();
    let input =
        commitBlocksCall { lastCommitted: genesis.clone(), newBlocks: infos.clone() }.abi_encode();
    let back = committed_blocks(&input).expect("decodes");
    assert_eq!(back, infos);
    for (info, block) in back.iter().zip(&blocks) {
        assert_eq!(&block_from_commit(info, block.header.old_root).expect("block"), block);
    }
    let one = commitProveExecuteCall {
        lastCommitted: genesis,
        newBlock: infos[0].clone(),
        proof: [U256::ZERO; 8],
        pendingOnchainOps: vec![],
    }
    .abi_encode();
    assert_eq!(committed_blocks(&one).expect("decodes"), vec![infos[0].clone()]);
}

#[test]
fn hostile_commit_input_is_an_error() {
    let blocks: Vec<_> = demo::blocks().expect("demo").into_iter().map(|b| b.block).collect();
    let info = commit_block_info(&blocks[1]).expect("info");
    let genesis = genesis_stored_block_info(&blocks[0].header.old_root);
    let input =
        commitBlocksCall { lastCommitted: genesis, newBlocks: vec![info.clone()] }.abi_encode();
    assert!(matches!(committed_blocks(&[]), Err(CommitDecodeError::NotACommit(_))));
    assert!(matches!(committed_blocks(&[1, 2, 3, 4, 5]), Err(CommitDecodeError::NotACommit(_))));
    for cut in [5, 40, input.len() / 2, input.len() - 1] {
        assert!(committed_blocks(&input[..cut]).is_err(), "cut at {cut}");
    }
    let old_root = blocks[1].header.old_root;
    let mut bad = info.clone();
    bad.pubdata = Bytes::from(vec![0xff; 13]);
    assert!(matches!(block_from_commit(&bad, old_root), Err(CommitDecodeError::Pubdata { .. })));
    let mut bad = info.clone();
    bad.newStateRoot = [0xff; 32].into();
    assert!(matches!(block_from_commit(&bad, old_root), Err(CommitDecodeError::Field { .. })));
    let mut bad = info.clone();
    bad.changePubKeyAuth = vec![Bytes::from(vec![3u8])];
    assert!(block_from_commit(&bad, old_root).is_err());
    let mut bad = info.clone();
    bad.onchainOps.push(1);
    assert!(matches!(block_from_commit(&bad, old_root), Err(CommitDecodeError::NotCanonical(_))));
    let mut bad = info;
    let mut pubdata = bad.pubdata.to_vec();
    pubdata.truncate(pubdata.len() - 1);
    bad.pubdata = pubdata.into();
    assert!(block_from_commit(&bad, old_root).is_err());
}
