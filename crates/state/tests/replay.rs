//! Replaying blocks from their pubdata alone (`tern_state::replay`), as a restore from L1 does:
//! the demo chain (every operation kind, NFTs and swaps included) replays to each block's root,
//! and hostile operations are refused without changing the state.

use tern_primitives::Address;
use tern_state::replay::{replay_block, ReplayError};
use tern_state::{demo, State};
use tern_types::block::decode_pubdata;
use tern_types::op::{DepositOp, MintNftOp, TransferOp};
use tern_types::{AccountId, NftId, Op, ETH};

fn genesis() -> State {
    State::new()
}

#[test]
fn the_demo_chain_replays_from_pubdata_to_every_root() {
    let blocks = demo::blocks().expect("demo");
    let mut state = genesis();
    let mut kinds = std::collections::BTreeSet::new();
    for built in &blocks {
        let block = &built.block;
        assert_eq!(state.root(), block.header.old_root, "block {}", block.header.number);
        let ops = decode_pubdata(&block.pubdata().expect("pubdata")).expect("decodes");
        kinds.extend(ops.iter().map(Op::name));
        replay_block(&mut state, block.header.fee_account, &ops).expect("replays");
        assert_eq!(state.root(), block.header.new_root, "block {}", block.header.number);
    }
    let mut last = blocks.last().expect("blocks").state.clone();
    assert_eq!(state.root(), last.root());
    assert!(kinds.len() >= 10, "the demo covers most operation kinds: {kinds:?}");
}

fn deposit(id: u32, byte: u8, amount: u128) -> Op {
    Op::Deposit(DepositOp {
        account_id: AccountId(id),
        token: ETH,
        amount,
        address: Address::new([byte; 20]),
    })
}

fn transfer(from: u32, to: u32, amount: u128, fee: u128) -> Op {
    Op::Transfer(TransferOp { from: AccountId(from), to: AccountId(to), token: ETH, amount, fee })
}

/// Replays `ops` on a two-account state and checks it is refused with nothing changed.
fn refused(ops: &[Op]) -> ReplayError {
    let mut state = genesis();
    replay_block(&mut state, AccountId(0), &[deposit(0, 1, 100), deposit(1, 2, 5)]).expect("setup");
    let before = state.root();
    let err = replay_block(&mut state, AccountId(0), ops).expect_err("refused");
    assert_eq!(state.root(), before, "a refused replay changed the state");
    assert_eq!(state.account_count(), 2);
    err
}

#[test]
fn hostile_operations_are_refused_and_change_nothing() {
    // An overdraft, even after a valid operation in the same block.
    let err = refused(&[transfer(0, 1, 10, 0), transfer(1, 0, 1_000, 0)]);
    assert!(matches!(err, ReplayError::Inconsistent { index: 1, .. }), "{err}");
    // Unknown accounts.
    refused(&[transfer(7, 0, 1, 0)]);
    refused(&[transfer(0, 7, 1, 0)]);
    // A deposit that skips an account id, or lands on another address's account.
    refused(&[deposit(5, 9, 1)]);
    let err = refused(&[deposit(1, 9, 1)]);
    assert!(err.to_string().contains("another address"), "{err}");
    // A mint at an NFT id that is not the next one.
    refused(&[Op::MintNft(MintNftOp {
        creator: AccountId(0),
        recipient: AccountId(1),
        nft_id: NftId(3),
        content_hash: [1; 32],
        fee_token: ETH,
        fee: 0,
    })]);
    // Fees that overflow the fee account.
    let mut state = genesis();
    replay_block(&mut state, AccountId(0), &[deposit(0, 1, u128::MAX), deposit(1, 2, 5)])
        .expect("setup");
    let before = state.root();
    let err =
        replay_block(&mut state, AccountId(0), &[transfer(1, 1, 0, 5)]).expect_err("overflow");
    assert!(matches!(err, ReplayError::Fees { .. }), "{err}");
    assert_eq!(state.root(), before);
}
