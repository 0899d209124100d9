//! Negative tests of the block circuit: a witness that breaks a rule must leave the circuit
//! unsatisfied. Each test starts from an honest, satisfying witness (checked first) and
//! tampers with one thing; the public input is taken from the circuit (`kit::open`), so what
//! refuses the witness is a rule of the state transition, not the commitment. Blocks that
//! native execution refuses outright get their witness from `generate_witness_unchecked`.

mod kit;

use kit::*;
use tern_circuit::layout::Arg;
use tern_circuit::witness::{generate_witness_unchecked, BlockWitness, SignatureWitness};
use tern_primitives::babyjubjub::Scalar;
use tern_primitives::Fr;
use tern_state::wallet::AuthKind;
use tern_state::PriorityOp;
use tern_types::op::{FullExitNftOp, FullExitOp, NftInfo, SwapOp};
use tern_types::{Block, Op, SignedTx, TimeRange, ETH};

/// Asserts the honest witness satisfies the circuit, then that `tamper`ed it does not.
fn refuses(w: &BlockWitness, tamper: impl FnOnce(&mut BlockWitness)) {
    assert!(satisfied(w.clone()), "the honest witness must satisfy the circuit");
    let mut bad = open(w.clone());
    tamper(&mut bad);
    assert!(!satisfied(bad), "the tampered witness must not satisfy the circuit");
}

/// A block of one transfer (user 0 → user 1, 1 ETH, fee 0.001 ETH) and a Noop.
fn transfer_block() -> Proven {
    prove(2, &[], |w, _| {
        let to = w[1].address;
        vec![w[0].transfer(to, ETH, UNIT, FEE).expect("sign")]
    })
}

/// The signature witness of `tx` (a transfer re-signed with other values).
fn signature_of(tx: &SignedTx) -> SignatureWitness {
    let SignedTx::Transfer(s) = tx else { panic!("a transfer") };
    SignatureWitness {
        pub_key: *s.signature.pub_key.point(),
        signature: s.signature.signature,
        nonce: Fr::from(s.tx.nonce),
        valid_from: Fr::from(s.tx.time_range.valid_from),
        valid_until: Fr::from(s.tx.time_range.valid_until),
        order_amount: Fr::from(0u64),
        ratio: (Fr::from(0u64), Fr::from(0u64)),
    }
}

#[test]
fn signature_must_verify() {
    let p = transfer_block();
    refuses(&p.witness, |w| {
        let s = &mut w.chunks[0].signature.signature;
        s.s += Scalar::from(1u64);
    });
}

#[test]
fn signature_must_be_the_senders_key() {
    let p = transfer_block();
    let c = chain();
    // User 2 signs the very same transfer from user 0's account.
    let mut other = c.wallets[2].clone();
    other.account_id = c.wallets[0].account_id;
    other.nonce = c.wallets[0].nonce;
    let forged = other.transfer(c.wallets[1].address, ETH, UNIT, FEE).expect("sign");
    refuses(&p.witness, |w| w.chunks[0].signature = signature_of(&forged));
}

#[test]
fn nonce_must_be_the_accounts() {
    let p = transfer_block();
    let c = chain();
    for delta in [1u32, u32::MAX] {
        // A correctly signed transfer with a future or a stale nonce.
        let mut w0 = c.wallets[0].clone();
        w0.nonce = w0.nonce.wrapping_add(delta);
        let tx = w0.transfer(c.wallets[1].address, ETH, UNIT, FEE).expect("sign");
        refuses(&p.witness, |w| w.chunks[0].signature = signature_of(&tx));
    }
}

#[test]
fn timestamp_must_be_in_the_validity_range() {
    let p = transfer_block();
    let c = chain();
    for range in [
        TimeRange { valid_from: 0, valid_until: TS - 1 },
        TimeRange { valid_from: TS + 1, valid_until: u64::MAX },
    ] {
        let mut w0 = c.wallets[0].clone();
        w0.time_range = range;
        let tx = w0.transfer(c.wallets[1].address, ETH, UNIT, FEE).expect("sign");
        refuses(&p.witness, |w| w.chunks[0].signature = signature_of(&tx));
    }
}

#[test]
fn balance_must_not_underflow() {
    let p = transfer_block();
    // The sender holds less than amount + fee.
    refuses(&p.witness, |w| w.chunks[0].units[0].balance = UNIT);
}

#[test]
fn merkle_siblings_are_checked() {
    let p = transfer_block();
    for unit in 0..2 {
        refuses(&p.witness, |w| w.chunks[0].units[unit].path.siblings[5][1] += Fr::from(1u64));
        refuses(&p.witness, |w| {
            w.chunks[0].units[unit].balance_proof.siblings[2][0] += Fr::from(1u64)
        });
    }
    refuses(&p.witness, |w| w.fees.account_proof.siblings[0][2] += Fr::from(1u64));
}

#[test]
fn fees_must_reach_the_fee_account() {
    let p = transfer_block();
    refuses(&p.witness, |w| w.fees.slots[0].amount += 1);
    refuses(&p.witness, |w| w.fees.slots[0].amount = 0);
    // The fee credited in another token.
    refuses(&p.witness, |w| w.fees.slots.swap(0, 1));
}

#[test]
fn pubdata_must_match_the_operations() {
    let p = transfer_block();
    // The amount's last bit, the recipient's, the fee's, and a bit of the padding Noop.
    for (chunk, byte, bit) in [(0, 10, 2), (0, 5, 0), (0, 12, 0), (1, 7, 3)] {
        refuses(&p.witness, |w| w.chunks[chunk].pubdata[byte] ^= 1 << bit);
    }
    // The carried argument disagrees with the bits.
    refuses(&p.witness, |w| w.chunks[0].args[Arg::AmountA as usize] += Fr::from(1u64));
}

/// A block of one FullExit of user 3's T1, owned (4 chunks).
fn full_exit_block(account: usize) -> Proven {
    let c = chain();
    let id = c.wallets[account].account_id;
    let owner = c.wallets[account].address;
    prove(4, &[PriorityOp::FullExit { account_id: id, owner, token: T1 }], |_, _| vec![])
}

#[test]
fn priority_operation_is_bound_to_its_account() {
    let p = full_exit_block(3);
    let other = full_exit_block(2);
    // The pubdata names account 3; the update empties account 2.
    refuses(&p.witness, |w| w.chunks[0].units[0] = other.witness.chunks[0].units[0].clone());
}

#[test]
fn full_exit_must_withdraw_an_owned_balance() {
    let c = chain();
    let p = full_exit_block(3);
    assert!(satisfied(p.witness.clone()));
    // A block whose FullExit claims the owner holds nothing.
    let id = c.wallets[3].account_id;
    let owner = c.wallets[3].address;
    let zero = Op::FullExit(FullExitOp { account_id: id, owner, token: T1, amount: 0 });
    let w = unchecked(&p.block, vec![zero], &[]);
    assert!(!satisfied(open(w)));
}

/// `block` with other operations, its witness from the unchecked replay.
fn unchecked(block: &Block, ops: Vec<Op>, txs: &[SignedTx]) -> BlockWitness {
    let mut b = block.clone();
    b.ops = ops;
    generate_witness_unchecked(&chain().state, &b, txs).expect("replay")
}

/// A ChangePubKey setting the keyless account's first key, fee in ETH (4 chunks).
fn change_pubkey_block() -> Proven {
    prove(4, &[], |_, keyless| {
        let mut k = keyless.clone();
        k.time_range = RANGE;
        vec![k.change_pubkey(AuthKind::Ecdsa, ETH, FEE).expect("sign")]
    })
}

#[test]
fn change_pubkey_rules_hold_in_every_chunk() {
    let p = change_pubkey_block();
    // The nonce field sits in chunk 3, the address in chunks 1-3: each chunk's bits must spell
    // the operation's arguments.
    for (chunk, byte) in [(1, 0), (2, 5), (3, 4), (3, 12)] {
        refuses(&p.witness, |w| w.chunks[chunk].pubdata[byte] ^= 0x10);
    }
    // A later chunk carrying another key hash than the first.
    refuses(&p.witness, |w| w.chunks[2].args[Arg::Pkh as usize] += Fr::from(1u64));
    // The update moved from the first chunk to a later one.
    refuses(&p.witness, |w| {
        let unit = w.chunks[0].units[0].clone();
        w.chunks[0].units[0] = w.chunks[1].units[0].clone();
        w.chunks[1].units[0] = unit;
        w.chunks.swap(0, 1);
    });
}

#[test]
fn change_pubkey_must_be_signed_by_the_new_key() {
    let p = change_pubkey_block();
    let c = chain();
    // Another key signs; the nonce is the account's.
    let mut other = c.wallets[1].clone();
    let tx = other.transfer(c.wallets[0].address, ETH, 1, 0).expect("sign");
    refuses(&p.witness, |w| {
        let mut s = signature_of(&tx);
        s.nonce = w.chunks[0].signature.nonce;
        w.chunks[0].signature = s;
    });
}

/// A swap: user 0's fill-or-kill order (1 ETH for 2 T1) against user 1's limit order,
/// submitted by user 2 (3 chunks).
fn swap_block() -> Proven {
    prove(3, &[], |w, _| {
        let fill = w[0].order(ETH, T1, (1, 2), UNIT).expect("order");
        let limit = w[1].order(T1, ETH, (2, 1), 0).expect("order");
        vec![w[2].swap([fill, limit], [UNIT, 2 * UNIT], T1, FEE).expect("sign")]
    })
}

#[test]
fn swap_fill_or_kill_consumes_the_nonce() {
    let p = swap_block();
    let Op::Swap(s) = &p.block.ops[0] else { panic!("a swap") };
    assert_eq!(s.nonce_mask, 1);
    let ops = vec![Op::Swap(SwapOp { nonce_mask: 0, ..s.clone() })];
    let w = unchecked(&p.block, ops, &p.txs);
    assert!(!satisfied(open(w)), "a fill-or-kill order must consume its nonce");
    let ops = vec![Op::Swap(SwapOp { nonce_mask: 3, ..s.clone() })];
    let w = unchecked(&p.block, ops, &p.txs);
    assert!(!satisfied(open(w)), "a limit order must not consume its nonce");
}

#[test]
fn swap_amounts_and_ratios_are_checked() {
    let p = swap_block();
    let Op::Swap(s) = &p.block.ops[0] else { panic!("a swap") };
    // Order 1 (2 T1 for at least 1 ETH) would get less than its price.
    refuses(&p.witness, |w| w.chunks[1].signature.ratio = (Fr::from(2u64), Fr::from(3u64)));
    // Order 0's fill-or-kill amount is not what it sells.
    refuses(&p.witness, |w| w.chunks[0].signature.order_amount = Fr::from(UNIT / 2));
    // The swap moves other amounts than order 0 accepts (1 ETH for 1 T1), signed by the
    // submitter.
    let c = chain();
    let (mut w0, w1, mut w2) = (c.wallets[0].clone(), c.wallets[1].clone(), c.wallets[2].clone());
    let fill = w0.order(ETH, T1, (1, 2), UNIT).expect("order");
    let limit = w1.order(T1, ETH, (2, 1), 0).expect("order");
    w0.nonce += 1;
    let tx = w2.swap([fill, limit], [UNIT, UNIT], T1, FEE).expect("sign");
    let ops = vec![Op::Swap(SwapOp { amounts: [UNIT, UNIT], ..s.clone() })];
    let w = unchecked(&p.block, ops, &[tx]);
    assert!(!satisfied(open(w)));
}

/// A FullExitNFT of NFT 0 by its owner, user 1 (7 chunks).
fn full_exit_nft_block() -> Proven {
    let c = chain();
    let (id, owner) = (c.wallets[1].account_id, c.wallets[1].address);
    prove(
        7,
        &[PriorityOp::FullExitNft { account_id: id, owner, nft_id: NFT_OF_USER1 }],
        |_, _| vec![],
    )
}

#[test]
fn full_exit_nft_must_exit_an_owned_nft() {
    let p = full_exit_nft_block();
    assert!(satisfied(p.witness.clone()));
    let Op::FullExitNft(f) = &p.block.ops[0] else { panic!("a FullExitNFT") };
    assert_ne!(f.info, NftInfo::default());
    // Claiming the owner does not own it.
    let ops = vec![Op::FullExitNft(FullExitNftOp {
        info: NftInfo::default(),
        success: false,
        ..f.clone()
    })];
    assert!(!satisfied(open(unchecked(&p.block, ops, &[]))));
    // Exiting an NFT the requester does not own.
    let c = chain();
    let ops = vec![Op::FullExitNft(FullExitNftOp {
        account_id: c.wallets[0].account_id,
        owner: c.wallets[0].address,
        ..f.clone()
    })];
    assert!(!satisfied(open(unchecked(&p.block, ops, &[]))));
}

#[test]
fn nft_transfer_needs_the_owner() {
    let p = prove(2, &[], |w, _| {
        let to = w[1].address;
        vec![w[0].transfer_nft(to, NFT_OF_USER0, ETH, FEE).expect("sign")]
    });
    // The NFT leaf replaced by one owned by another account.
    let other = full_exit_nft_block();
    refuses(&p.witness, |w| w.chunks[0].units[1] = other.witness.chunks[0].units[1].clone());
}

#[test]
fn mint_takes_the_next_nft_id() {
    let p = prove(4, &[], |w, _| {
        let to = w[1].address;
        vec![w[0].mint_nft(to, [9; 32], ETH, FEE).expect("sign")]
    });
    refuses(&p.witness, |w| w.next_nft_id += 1);
}

#[test]
fn forced_exit_only_empties_keyless_accounts_whole() {
    let p =
        prove(4, &[], |w, keyless| vec![w[0].forced_exit(keyless.address, T1, FEE).expect("sign")]);
    let Op::ForcedExit(f) = &p.block.ops[0] else { panic!("a ForcedExit") };
    let mut partial = f.clone();
    partial.amount -= 1;
    let w = unchecked(&p.block, vec![Op::ForcedExit(partial)], &p.txs);
    assert!(!satisfied(open(w)));
    // A keyed target (user 1), emptied of its T1.
    let c = chain();
    let mut w0 = c.wallets[0].clone();
    let tx = w0.forced_exit(c.wallets[1].address, T1, FEE).expect("sign");
    let mut keyed = f.clone();
    keyed.target = c.wallets[1].account_id;
    keyed.target_address = c.wallets[1].address;
    keyed.amount = c.state.balance(keyed.target, T1);
    let w = unchecked(&p.block, vec![Op::ForcedExit(keyed)], &[tx]);
    assert!(!satisfied(open(w)));
}

#[test]
fn deposit_credits_the_named_account() {
    let c = chain();
    let p = prove(
        4,
        &[PriorityOp::Deposit { token: ETH, amount: UNIT, to: c.wallets[1].address }],
        |_, _| vec![],
    );
    let other = prove(
        4,
        &[PriorityOp::Deposit { token: ETH, amount: UNIT, to: c.wallets[2].address }],
        |_, _| vec![],
    );
    refuses(&p.witness, |w| w.chunks[0].units[0] = other.witness.chunks[0].units[0].clone());
}

#[test]
fn withdrawals_never_go_to_the_zero_address() {
    let p = prove(4, &[], |w, _| {
        let to = w[2].address;
        vec![w[1].withdraw(to, T1, UNIT, FEE).expect("sign")]
    });
    assert!(satisfied(p.witness.clone()));
    // The same withdrawal, signed to the zero address (native execution refuses it).
    let mut w1 = chain().wallets[1].clone();
    let tx = w1.withdraw(tern_primitives::Address::ZERO, T1, UNIT, FEE).expect("sign");
    let Op::Withdraw(op) = &p.block.ops[0] else { panic!("a withdrawal") };
    let mut zero = op.clone();
    zero.to = tern_primitives::Address::ZERO;
    let w = unchecked(&p.block, vec![Op::Withdraw(zero)], &[tx]);
    assert!(!satisfied(open(w)));
}
