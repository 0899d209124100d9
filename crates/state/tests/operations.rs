//! The native state transition, operation by operation: a positive test for every operation
//! (exact balances, nonces, keys, NFT ownership and the `Op` it records), a negative test for
//! every rejection rule (exact `TxError`, state unchanged), and block-level properties of the
//! builder (determinism, roots, padding, commitment, pubdata decoding).
//!
//! Every block built through `Env::build` is also checked by `common::check_block`: header
//! roots equal the state roots, the incremental root equals the one rebuilt from scratch, the
//! pubdata is `capacity × 13` bytes with zero padding and decodes back to the block's ops, and
//! every op round-trips through its encoding.

mod common;

use common::*;
use tern_primitives::eddsa::{PrivateKey, PubKeyHash};
use tern_primitives::eth::{self, EthSigError};
use tern_primitives::Address;
use tern_state::execute::{BlockContext, Fees, VerifiedSigners};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{BlockError, Nft, PriorityOp, Rejected, TxError, TxItem};
use tern_types::block::{commitment, decode_pubdata};
use tern_types::op::*;
use tern_types::params::CHUNK_BYTES;
use tern_types::tx::{pack_amount, pack_fee, ChangePubKeyAuth, TxBody, TxSignature};
use tern_types::{AccountId, NftId, Op, SignedTx, TimeRange, TokenId, ETH};

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/// A wallet whose account exists (funded by deposits) but has no L2 key yet.
fn keyless(env: &mut Env, seed: u64, deposits: &[(TokenId, u128)]) -> Wallet {
    let mut w = wallet(seed);
    let ops: Vec<PriorityOp> = deposits
        .iter()
        .map(|(token, amount)| PriorityOp::Deposit {
            token: *token,
            amount: *amount,
            to: w.address,
        })
        .collect();
    env.priority(&ops);
    w.account_id =
        env.state.account_id_by_address(&w.address).expect("deposit created the account");
    assert!(!env.state.account(w.account_id).expect("account").has_key());
    w
}

/// Three users with keys, each holding 10 ETH and 1,000,000 of T1.
fn three_users(env: &mut Env) -> (Wallet, Wallet, Wallet) {
    let mut w = env.users(&[1, 2, 3], &[(ETH, 10 * UNIT), (T1, 1_000_000)]).into_iter();
    let (a, b, c) = (w.next(), w.next(), w.next());
    (a.expect("a"), b.expect("b"), c.expect("c"))
}

fn single(tx: SignedTx) -> TxItem {
    TxItem::Single(tx)
}

/// A fresh address no account owns.
fn fresh_address(byte: u8) -> Address {
    Address::new([byte; 20])
}

fn change_pubkey_auth_mut(tx: &mut SignedTx) -> &mut ChangePubKeyAuth {
    match tx {
        SignedTx::ChangePubKey(s) => &mut s.tx.auth,
        other => panic!("expected a ChangePubKey, got {}", other.name()),
    }
}

// ---------------------------------------------------------------------------------------------
// priority operations
// ---------------------------------------------------------------------------------------------

#[test]
fn deposit_creates_account_then_credits_existing_account() {
    let mut env = Env::new();
    let to = fresh_address(0x11);
    let id = AccountId(env.state.account_count());
    assert_eq!(env.state.account_id_by_address(&to), None);

    let ops = env.priority(&[PriorityOp::Deposit { token: ETH, amount: 5 * UNIT, to }]);
    let expected =
        Op::Deposit(DepositOp { account_id: id, token: ETH, amount: 5 * UNIT, address: to });
    assert_eq!(ops, vec![expected.clone()]);
    assert_roundtrip(&expected);
    let account = env.state.account(id).expect("created").clone();
    assert_eq!(account.address, to);
    assert_eq!(account.nonce, 0);
    assert!(!account.has_key());
    assert_eq!(account.balance(ETH), 5 * UNIT);
    assert_eq!(env.state.account_id_by_address(&to), Some(id));

    // A second deposit, in another token and the same token, credits the same account.
    let count = env.state.account_count();
    let ops = env.priority(&[
        PriorityOp::Deposit { token: T1, amount: 123, to },
        PriorityOp::Deposit { token: ETH, amount: 7, to },
    ]);
    assert_eq!(
        ops,
        vec![
            Op::Deposit(DepositOp { account_id: id, token: T1, amount: 123, address: to }),
            Op::Deposit(DepositOp { account_id: id, token: ETH, amount: 7, address: to }),
        ]
    );
    assert_eq!(env.state.account_count(), count, "no new account");
    assert_eq!(env.balance(id, ETH), 5 * UNIT + 7);
    assert_eq!(env.balance(id, T1), 123);
    assert_eq!(env.nonce(id), 0, "deposits do not move the nonce");
}

#[test]
fn full_exit_by_owner_withdraws_the_whole_balance() {
    let mut env = Env::new();
    let w = keyless(&mut env, 10, &[(ETH, 5 * UNIT), (T1, 777)]);
    let supply_before = env.state.total_supply(T1);

    let ops = env.priority(&[PriorityOp::FullExit {
        account_id: w.account_id,
        owner: w.address,
        token: T1,
    }]);
    let expected = Op::FullExit(FullExitOp {
        account_id: w.account_id,
        owner: w.address,
        token: T1,
        amount: 777,
    });
    assert_eq!(ops, vec![expected.clone()]);
    assert_roundtrip(&expected);
    assert_eq!(env.balance(w.account_id, T1), 0);
    assert_eq!(env.balance(w.account_id, ETH), 5 * UNIT, "other tokens stay");
    assert_eq!(env.nonce(w.account_id), 0);
    assert_eq!(env.state.total_supply(T1), supply_before - 777);

    // A second full exit of the now empty token withdraws 0.
    let ops = env.priority(&[PriorityOp::FullExit {
        account_id: w.account_id,
        owner: w.address,
        token: T1,
    }]);
    assert_eq!(
        ops,
        vec![Op::FullExit(FullExitOp {
            account_id: w.account_id,
            owner: w.address,
            token: T1,
            amount: 0
        })]
    );
}

#[test]
fn full_exit_by_non_owner_withdraws_nothing() {
    let mut env = Env::new();
    let w = keyless(&mut env, 10, &[(ETH, 5 * UNIT)]);
    let intruder = fresh_address(0x66);
    let before = snapshot(&mut env.state);

    let ops = env.priority(&[
        PriorityOp::FullExit { account_id: w.account_id, owner: intruder, token: ETH },
        // An account id that does not exist at all.
        PriorityOp::FullExit { account_id: AccountId(999), owner: w.address, token: ETH },
    ]);
    assert_eq!(
        ops,
        vec![
            Op::FullExit(FullExitOp {
                account_id: w.account_id,
                owner: intruder,
                token: ETH,
                amount: 0
            }),
            Op::FullExit(FullExitOp {
                account_id: AccountId(999),
                owner: w.address,
                token: ETH,
                amount: 0
            }),
        ]
    );
    for op in &ops {
        assert_roundtrip(op);
    }
    assert_eq!(snapshot(&mut env.state), before, "a refused full exit changes nothing");
    assert_eq!(env.balance(w.account_id, ETH), 5 * UNIT);
}

#[test]
fn full_exit_nft_by_owner_and_non_owner() {
    let mut env = Env::new();
    let (mut a, b, _) = three_users(&mut env);
    let content = [0xab; 32];
    env.apply(a.mint_nft(a.address, content, ETH, 0).expect("sign"));
    let nft_id = NftId(0);
    let info = NftInfo {
        creator_id: a.account_id,
        creator_address: a.address,
        serial: 0,
        content_hash: content,
    };
    assert_eq!(env.state.nft(nft_id), Some(&Nft { owner: a.account_id, info: info.clone() }));

    // Not the owner: B's own account and address, but B does not own the NFT; and A's account
    // requested from an address that does not own it.
    let before = snapshot(&mut env.state);
    let ops = env.priority(&[
        PriorityOp::FullExitNft { account_id: b.account_id, owner: b.address, nft_id },
        PriorityOp::FullExitNft { account_id: a.account_id, owner: b.address, nft_id },
        PriorityOp::FullExitNft { account_id: a.account_id, owner: a.address, nft_id: NftId(55) },
    ]);
    assert_eq!(
        ops,
        vec![
            Op::FullExitNft(FullExitNftOp {
                account_id: b.account_id,
                owner: b.address,
                nft_id,
                info: NftInfo::default(),
                success: false,
            }),
            Op::FullExitNft(FullExitNftOp {
                account_id: a.account_id,
                owner: b.address,
                nft_id,
                info: NftInfo::default(),
                success: false,
            }),
            Op::FullExitNft(FullExitNftOp {
                account_id: a.account_id,
                owner: a.address,
                nft_id: NftId(55),
                info: NftInfo::default(),
                success: false,
            }),
        ]
    );
    assert_eq!(snapshot(&mut env.state), before, "refused NFT exits change nothing");

    // The owner.
    let ops = env.priority(&[PriorityOp::FullExitNft {
        account_id: a.account_id,
        owner: a.address,
        nft_id,
    }]);
    let expected = Op::FullExitNft(FullExitNftOp {
        account_id: a.account_id,
        owner: a.address,
        nft_id,
        info,
        success: true,
    });
    assert_eq!(ops, vec![expected.clone()]);
    assert_roundtrip(&expected);
    assert_eq!(env.state.nft(nft_id), None, "the NFT left L2");
    assert_eq!(env.state.next_nft_id(), 1, "ids are never reused");
    assert_eq!(env.state.account(a.account_id).expect("a").nfts_minted, 1);
}

#[test]
fn deposit_overflow_fails_the_block_with_a_priority_error() {
    let mut env = Env::new();
    let to = fresh_address(0x21);
    let id = AccountId(env.state.account_count());
    let result = env.try_build(
        &[
            PriorityOp::Deposit { token: T1, amount: u128::MAX, to },
            PriorityOp::Deposit { token: T1, amount: 1, to },
        ],
        &[],
    );
    assert_eq!(
        result.err(),
        Some(BlockError::Priority {
            index: 1,
            error: TxError::BalanceOverflow { account: id, token: T1, amount: 1 }
        })
    );

    // The same through apply_priority on a state that already holds u128::MAX: nothing changes.
    env.priority(&[PriorityOp::Deposit { token: T1, amount: u128::MAX, to }]);
    assert_eq!(env.balance(id, T1), u128::MAX);
    let before = snapshot(&mut env.state);
    let mut copy = env.state.clone();
    let ctx =
        BlockContext { chain: CHAIN, timestamp: TS, fee_account: FEE_ACCOUNT, facts: &env.facts };
    let err = copy.apply_priority(
        &PriorityOp::Deposit { token: T1, amount: 1, to },
        &ctx,
        &Fees::default(),
    );
    assert_eq!(err, Err(TxError::BalanceOverflow { account: id, token: T1, amount: 1 }));
    assert_eq!(snapshot(&mut copy), before);
}

#[test]
fn deposit_of_unlisted_token_or_to_zero_address_is_refused() {
    let mut env = Env::new();
    let before = snapshot(&mut env.state);
    let ctx =
        BlockContext { chain: CHAIN, timestamp: TS, fee_account: FEE_ACCOUNT, facts: &env.facts };
    let cases = [
        (
            PriorityOp::Deposit { token: UNLISTED, amount: 1, to: fresh_address(1) },
            TxError::UnknownToken(UNLISTED),
        ),
        (
            PriorityOp::Deposit { token: TokenId(1024), amount: 1, to: fresh_address(1) },
            TxError::UnknownToken(TokenId(1024)),
        ),
        (PriorityOp::Deposit { token: ETH, amount: 1, to: Address::ZERO }, TxError::ZeroAddress),
    ];
    for (op, expected) in cases {
        let mut copy = env.state.clone();
        assert_eq!(copy.apply_priority(&op, &ctx, &Fees::default()), Err(expected.clone()));
        assert_eq!(snapshot(&mut copy), before);
        assert_eq!(
            env.try_build(&[op], &[]).err(),
            Some(BlockError::Priority { index: 0, error: expected })
        );
    }
}

// ---------------------------------------------------------------------------------------------
// signed transactions: positive
// ---------------------------------------------------------------------------------------------

#[test]
fn transfer_to_existing_account() {
    let mut env = Env::new();
    let (mut a, b, _) = three_users(&mut env);
    let count = env.state.account_count();
    let fee_before = env.balance(FEE_ACCOUNT, ETH);

    let built = env.build(&[], vec![single(a.transfer(b.address, ETH, UNIT, 10).expect("sign"))]);
    let expected = Op::Transfer(TransferOp {
        from: a.account_id,
        to: b.account_id,
        token: ETH,
        amount: UNIT,
        fee: 10,
    });
    assert_eq!(built.block.ops, vec![expected.clone()]);
    assert_roundtrip(&expected);
    assert_eq!(built.rejected, vec![]);
    assert_eq!(built.fees.get(ETH), 10);
    assert_eq!(env.balance(a.account_id, ETH), 9 * UNIT - 10);
    assert_eq!(env.balance(b.account_id, ETH), 11 * UNIT);
    assert_eq!(env.balance(FEE_ACCOUNT, ETH), fee_before + 10);
    assert_eq!(env.nonce(a.account_id), 2);
    assert_eq!(env.nonce(b.account_id), 1, "the recipient's nonce does not move");
    assert_eq!(env.state.account_count(), count);
    assert_eq!(a.nonce, 2, "the wallet tracks the nonce");
}

#[test]
fn transfer_to_new_address_creates_the_account() {
    let mut env = Env::new();
    let (mut a, _, _) = three_users(&mut env);
    let to = fresh_address(0x42);
    let new_id = AccountId(env.state.account_count());

    let op = env.apply(a.transfer(to, T1, 2_500, 3).expect("sign"));
    let expected = Op::TransferToNew(TransferToNewOp {
        transfer: TransferOp { from: a.account_id, to: new_id, token: T1, amount: 2_500, fee: 3 },
        to_address: to,
    });
    assert_eq!(op, expected);
    assert_roundtrip(&expected);
    let created = env.state.account(new_id).expect("created").clone();
    assert_eq!(created.address, to);
    assert_eq!(created.nonce, 0);
    assert!(!created.has_key());
    assert_eq!(created.balance(T1), 2_500);
    assert_eq!(env.state.account_id_by_address(&to), Some(new_id));
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 2_503);
    assert_eq!(env.balance(FEE_ACCOUNT, T1), 3);
    assert_eq!(env.nonce(a.account_id), 2);

    // A second transfer to the same address is a plain Transfer.
    let op = env.apply(a.transfer(to, T1, 100, 0).expect("sign"));
    assert_eq!(
        op,
        Op::Transfer(TransferOp { from: a.account_id, to: new_id, token: T1, amount: 100, fee: 0 })
    );
    assert_eq!(env.balance(new_id, T1), 2_600);
}

#[test]
fn withdraw_debits_amount_and_fee() {
    let mut env = Env::new();
    let (mut a, _, _) = three_users(&mut env);
    let l1 = fresh_address(0x77);
    let supply = env.state.total_supply(ETH);
    // Withdraw amounts are exact 128-bit integers, not floats.
    let amount = 1_234_567_891_234_567u128;

    let op = env.apply(a.withdraw(l1, ETH, amount, 20).expect("sign"));
    let expected =
        Op::Withdraw(WithdrawOp { account_id: a.account_id, token: ETH, amount, fee: 20, to: l1 });
    assert_eq!(op, expected);
    assert_roundtrip(&expected);
    assert_eq!(env.balance(a.account_id, ETH), 10 * UNIT - amount - 20);
    assert_eq!(env.balance(FEE_ACCOUNT, ETH), 20);
    assert_eq!(env.nonce(a.account_id), 2);
    assert_eq!(env.state.total_supply(ETH), supply - amount, "only the fee stays on L2");
    assert_eq!(env.state.account_id_by_address(&l1), None, "withdrawing creates no account");
}

fn change_pubkey_positive(kind: AuthKind) {
    let mut env = Env::new();
    let mut w = keyless(&mut env, 20, &[(ETH, UNIT), (T1, 1_000)]);
    if kind == AuthKind::Onchain {
        env.facts.insert((w.address, w.pubkey_hash(), 0));
    }
    let tx = w.change_pubkey(kind, T1, 5).expect("sign");
    let auth = match &tx {
        SignedTx::ChangePubKey(s) => s.tx.auth,
        _ => unreachable!(),
    };
    match (kind, auth) {
        (AuthKind::Ecdsa, ChangePubKeyAuth::Ecdsa(_))
        | (AuthKind::Eip712, ChangePubKeyAuth::Eip712(_))
        | (AuthKind::Onchain, ChangePubKeyAuth::Onchain) => {}
        other => panic!("wallet built the wrong authorisation: {other:?}"),
    }
    let built = env.build(&[], vec![single(tx)]);
    let expected = Op::ChangePubKey(ChangePubKeyOp {
        account_id: w.account_id,
        pubkey_hash: w.pubkey_hash(),
        address: w.address,
        nonce: 0,
        fee_token: T1,
        fee: 5,
    });
    assert_eq!(built.rejected, vec![]);
    assert_eq!(built.block.ops, vec![expected.clone()]);
    assert_eq!(
        built.block.change_pubkey_auth,
        vec![auth],
        "the authorisation travels with the block"
    );
    assert_roundtrip(&expected);
    let account = env.state.account(w.account_id).expect("account").clone();
    assert_eq!(account.pubkey_hash, w.pubkey_hash());
    assert_eq!(account.nonce, 1);
    assert_eq!(account.balance(T1), 995);
    assert_eq!(account.balance(ETH), UNIT);
    assert_eq!(env.balance(FEE_ACCOUNT, T1), 5);

    // The key now signs transactions.
    let op = env.apply(w.transfer(FEE_ADDRESS, ETH, 1, 0).expect("sign"));
    assert!(matches!(op, Op::Transfer(_)));
}

#[test]
fn change_pubkey_with_ecdsa_authorisation() {
    change_pubkey_positive(AuthKind::Ecdsa);
}

#[test]
fn change_pubkey_with_eip712_authorisation() {
    change_pubkey_positive(AuthKind::Eip712);
}

#[test]
fn change_pubkey_with_onchain_authorisation() {
    change_pubkey_positive(AuthKind::Onchain);
}

#[test]
fn change_pubkey_rotates_an_existing_key() {
    let mut env = Env::new();
    let (mut a, b, _) = three_users(&mut env);
    let old = a.clone();
    let new_key = PrivateKey::from_seed(b"rotated key");
    let new_hash = new_key.public_key().hash();
    let nonce = a.nonce;
    let msg = eth::change_pubkey_eip191_message(
        &new_hash,
        nonce,
        a.account_id.0,
        CHAIN.chain_id,
        CHAIN.contract,
    );
    let tx = tern_types::tx::ChangePubKey {
        account_id: a.account_id,
        new_pubkey_hash: new_hash,
        fee_token: ETH,
        fee: 0,
        nonce,
        time_range: TimeRange::ALWAYS,
        auth: ChangePubKeyAuth::Ecdsa(eth::sign_eip191(&a.eth_key, &msg).expect("eth sign")),
    }
    .sign(&new_key)
    .expect("sign");
    let op = env.apply(SignedTx::ChangePubKey(tx));
    assert_eq!(
        op,
        Op::ChangePubKey(ChangePubKeyOp {
            account_id: a.account_id,
            pubkey_hash: new_hash,
            address: a.address,
            nonce,
            fee_token: ETH,
            fee: 0,
        })
    );
    assert_eq!(env.state.account(a.account_id).expect("a").pubkey_hash, new_hash);

    // The old key no longer controls the account.
    let mut stale = old;
    stale.nonce = nonce + 1;
    env.assert_rejected(
        &stale.transfer(b.address, ETH, 1, 0).expect("sign"),
        TxError::WrongSigner { account: a.account_id, expected: new_hash, got: a.pubkey_hash() },
    );
    // The new key does.
    a.l2_key = new_key;
    a.nonce = nonce + 1;
    env.apply(a.transfer(b.address, ETH, 1, 0).expect("sign"));
    assert_eq!(env.nonce(a.account_id), nonce + 2);
}

#[test]
fn forced_exit_empties_a_keyless_account() {
    let mut env = Env::new();
    let (mut a, _, _) = three_users(&mut env);
    let k = keyless(&mut env, 30, &[(T1, 500), (ETH, 7)]);
    let supply = env.state.total_supply(T1);

    let op = env.apply(a.forced_exit(k.address, T1, 3).expect("sign"));
    let expected = Op::ForcedExit(ForcedExitOp {
        initiator: a.account_id,
        target: k.account_id,
        token: T1,
        amount: 500,
        fee: 3,
        target_address: k.address,
    });
    assert_eq!(op, expected);
    assert_roundtrip(&expected);
    assert_eq!(env.balance(k.account_id, T1), 0);
    assert_eq!(env.balance(k.account_id, ETH), 7, "only the named token leaves");
    assert_eq!(env.nonce(k.account_id), 0);
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 3);
    assert_eq!(env.nonce(a.account_id), 2);
    assert_eq!(env.balance(FEE_ACCOUNT, T1), 3);
    assert_eq!(env.state.total_supply(T1), supply - 500);
}

#[test]
fn swap_of_two_fill_or_kill_orders() {
    let mut env = Env::new();
    let (a, b, mut c) = three_users(&mut env);
    // A sells 100 T1 and wants at least 2 wei per T1; B sells 200 wei and wants 1 T1 per 2 wei.
    let oa = a.order(T1, ETH, (1, 2), 100).expect("order a");
    let ob = b.order(ETH, T1, (2, 1), 200).expect("order b");
    let op = env.apply(c.swap([oa, ob], [100, 200], ETH, 5).expect("sign"));
    let expected = Op::Swap(SwapOp {
        submitter: c.account_id,
        accounts: [a.account_id, b.account_id],
        tokens: [T1, ETH],
        amounts: [100, 200],
        fee_token: ETH,
        fee: 5,
        nonce_mask: 0b11,
    });
    assert_eq!(op, expected);
    assert_roundtrip(&expected);
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 100);
    assert_eq!(env.balance(a.account_id, ETH), 10 * UNIT + 200);
    assert_eq!(env.balance(b.account_id, T1), 1_000_000 + 100);
    assert_eq!(env.balance(b.account_id, ETH), 10 * UNIT - 200);
    assert_eq!(env.balance(c.account_id, ETH), 10 * UNIT - 5);
    assert_eq!(env.balance(c.account_id, T1), 1_000_000);
    assert_eq!(env.balance(FEE_ACCOUNT, ETH), 5);
    assert_eq!(env.nonce(a.account_id), 2, "fill-or-kill orders consume their nonce");
    assert_eq!(env.nonce(b.account_id), 2);
    assert_eq!(env.nonce(c.account_id), 2);

    // The filled orders cannot be replayed: their nonce moved.
    let oa = a.order(T1, ETH, (1, 2), 100).expect("order a");
    let ob = b.order(ETH, T1, (2, 1), 200).expect("order b");
    env.assert_rejected(
        &c.clone().swap([oa, ob], [100, 200], ETH, 5).expect("sign"),
        TxError::Order {
            order: 0,
            source: Box::new(TxError::NonceMismatch { account: a.account_id, expected: 2, got: 1 }),
        },
    );
}

#[test]
fn limit_order_is_filled_twice_at_its_ratio_without_consuming_its_nonce() {
    let mut env = Env::new();
    let (mut a, mut b, mut c) = three_users(&mut env);
    // A's limit order: sell T1 for at least 2 wei each, any amount.
    let limit = a.order(T1, ETH, (1, 2), 0).expect("limit order");

    // First partial fill: 10 T1 for 20 wei, against B's fill-or-kill order.
    let ob = b.order(ETH, T1, (2, 1), 20).expect("order b");
    let op = env.apply(c.swap([limit.clone(), ob], [10, 20], ETH, 1).expect("sign"));
    assert_eq!(
        op,
        Op::Swap(SwapOp {
            submitter: c.account_id,
            accounts: [a.account_id, b.account_id],
            tokens: [T1, ETH],
            amounts: [10, 20],
            fee_token: ETH,
            fee: 1,
            nonce_mask: 0b10,
        })
    );
    b.nonce += 1; // B's fill-or-kill order consumed its nonce.
    assert_eq!(env.nonce(a.account_id), 1, "a limit order does not consume the nonce");
    assert_eq!(env.nonce(b.account_id), 2);

    // Second partial fill of the same signed order, at a better price for A (30 T1 for 75 wei).
    let ob = b.order(ETH, T1, (5, 2), 75).expect("order b");
    let op = env.apply(c.swap([limit.clone(), ob], [30, 75], ETH, 1).expect("sign"));
    assert_eq!(
        op,
        Op::Swap(SwapOp {
            submitter: c.account_id,
            accounts: [a.account_id, b.account_id],
            tokens: [T1, ETH],
            amounts: [30, 75],
            fee_token: ETH,
            fee: 1,
            nonce_mask: 0b10,
        })
    );
    b.nonce += 1;
    assert_eq!(env.nonce(a.account_id), 1);
    assert_eq!(env.nonce(b.account_id), 3);
    assert_eq!(env.nonce(c.account_id), 3);
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 40);
    assert_eq!(env.balance(a.account_id, ETH), 10 * UNIT + 95);
    assert_eq!(env.balance(b.account_id, T1), 1_000_000 + 40);
    assert_eq!(env.balance(b.account_id, ETH), 10 * UNIT - 95);
    assert_eq!(env.balance(FEE_ACCOUNT, ETH), 2);

    // A fill below A's price is refused.
    let ob = b.order(ETH, T1, (1, 1), 10).expect("order b");
    env.assert_rejected(
        &c.clone().swap([limit.clone(), ob], [10, 19], ETH, 1).expect("sign"),
        TxError::PriceNotMet { order: 0, sold: 10, bought: 19, ratio_sell: 1, ratio_buy: 2 },
    );

    // Once A's nonce moves, the limit order is dead.
    env.apply(a.transfer(b.address, ETH, 1, 0).expect("sign"));
    let ob = b.order(ETH, T1, (2, 1), 20).expect("order b");
    env.assert_rejected(
        &c.clone().swap([limit, ob], [10, 20], ETH, 1).expect("sign"),
        TxError::Order {
            order: 0,
            source: Box::new(TxError::NonceMismatch { account: a.account_id, expected: 2, got: 1 }),
        },
    );
}

#[test]
fn swap_submitted_by_one_of_the_order_accounts() {
    let mut env = Env::new();
    let (mut a, mut b, _) = three_users(&mut env);

    // A submits and pays the fee; its own order is a limit order, B's is fill-or-kill.
    let oa = a.order(T1, ETH, (1, 2), 0).expect("order a");
    let ob = b.order(ETH, T1, (2, 1), 20).expect("order b");
    let op = env.apply(a.swap([oa, ob], [10, 20], ETH, 4).expect("sign"));
    b.nonce += 1;
    assert_eq!(
        op,
        Op::Swap(SwapOp {
            submitter: a.account_id,
            accounts: [a.account_id, b.account_id],
            tokens: [T1, ETH],
            amounts: [10, 20],
            fee_token: ETH,
            fee: 4,
            nonce_mask: 0b10,
        })
    );
    assert_eq!(env.nonce(a.account_id), 2, "the swap consumed the submitter's nonce");
    assert_eq!(env.nonce(b.account_id), 2);
    assert_eq!(a.nonce, 2, "the wallet agrees");
    assert_eq!(env.balance(a.account_id, ETH), 10 * UNIT + 20 - 4);
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 10);
    assert_eq!(env.balance(b.account_id, ETH), 10 * UNIT - 20);
    assert_eq!(env.balance(b.account_id, T1), 1_000_000 + 10);

    // B submits with its own fill-or-kill order: its nonce is consumed once, by the swap.
    let oa = a.order(T1, ETH, (1, 2), 0).expect("order a");
    let ob = b.order(ETH, T1, (2, 1), 40).expect("order b");
    let op = env.apply(b.swap([oa, ob], [20, 40], T1, 2).expect("sign"));
    assert_eq!(
        op,
        Op::Swap(SwapOp {
            submitter: b.account_id,
            accounts: [a.account_id, b.account_id],
            tokens: [T1, ETH],
            amounts: [20, 40],
            fee_token: T1,
            fee: 2,
            nonce_mask: 0b00,
        })
    );
    assert_eq!(env.nonce(b.account_id), 3);
    assert_eq!(b.nonce, 3, "the wallet agrees: one transaction, one nonce");
    assert_eq!(env.nonce(a.account_id), 2);
    assert_eq!(env.balance(b.account_id, T1), 1_000_000 + 10 + 20 - 2);
    // And B's next transaction, signed with the wallet's nonce, is accepted.
    env.apply(b.transfer(a.address, ETH, 1, 0).expect("sign"));
}

#[test]
fn mint_nft_assigns_sequential_ids_and_per_creator_serials() {
    let mut env = Env::new();
    let (mut a, mut b, _) = three_users(&mut env);
    let built = env.build(
        &[],
        vec![
            single(a.mint_nft(b.address, [1; 32], T1, 2).expect("sign")),
            single(a.mint_nft(a.address, [2; 32], ETH, 0).expect("sign")),
            single(b.mint_nft(a.address, [3; 32], ETH, 1).expect("sign")),
        ],
    );
    assert_eq!(built.rejected, vec![]);
    let mint = |creator: &Wallet,
                recipient: &Wallet,
                id: u32,
                content: u8,
                fee_token: TokenId,
                fee: u128| {
        Op::MintNft(MintNftOp {
            creator: creator.account_id,
            recipient: recipient.account_id,
            nft_id: NftId(id),
            content_hash: [content; 32],
            fee_token,
            fee,
        })
    };
    assert_eq!(
        built.block.ops,
        vec![mint(&a, &b, 0, 1, T1, 2), mint(&a, &a, 1, 2, ETH, 0), mint(&b, &a, 2, 3, ETH, 1)]
    );
    let nft = |owner: &Wallet, creator: &Wallet, serial: u32, content: u8| Nft {
        owner: owner.account_id,
        info: NftInfo {
            creator_id: creator.account_id,
            creator_address: creator.address,
            serial,
            content_hash: [content; 32],
        },
    };
    assert_eq!(env.state.nft(NftId(0)), Some(&nft(&b, &a, 0, 1)));
    assert_eq!(env.state.nft(NftId(1)), Some(&nft(&a, &a, 1, 2)));
    assert_eq!(env.state.nft(NftId(2)), Some(&nft(&a, &b, 0, 3)));
    assert_eq!(env.state.next_nft_id(), 3);
    assert_eq!(env.state.account(a.account_id).expect("a").nfts_minted, 2);
    assert_eq!(env.state.account(b.account_id).expect("b").nfts_minted, 1);
    assert_eq!(env.nonce(a.account_id), 3);
    assert_eq!(env.nonce(b.account_id), 2);
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 2);
    assert_eq!(env.balance(b.account_id, ETH), 10 * UNIT - 1);
    assert_eq!(env.balance(FEE_ACCOUNT, T1), 2);
    assert_eq!(env.balance(FEE_ACCOUNT, ETH), 1);

    // The next mint continues the sequence in a later block.
    let op = env.apply(a.mint_nft(b.address, [4; 32], ETH, 0).expect("sign"));
    assert_eq!(op, mint(&a, &b, 3, 4, ETH, 0));
    assert_eq!(env.state.nft(NftId(3)), Some(&nft(&b, &a, 2, 4)));
}

#[test]
fn transfer_nft_changes_the_owner() {
    let mut env = Env::new();
    let (mut a, b, _) = three_users(&mut env);
    env.apply(a.mint_nft(a.address, [9; 32], ETH, 0).expect("sign"));
    let info = env.state.nft(NftId(0)).expect("minted").info.clone();

    let op = env.apply(a.transfer_nft(b.address, NftId(0), T1, 7).expect("sign"));
    let expected = Op::TransferNft(TransferNftOp {
        from: a.account_id,
        to: b.account_id,
        nft_id: NftId(0),
        fee_token: T1,
        fee: 7,
    });
    assert_eq!(op, expected);
    assert_roundtrip(&expected);
    assert_eq!(env.state.nft(NftId(0)), Some(&Nft { owner: b.account_id, info }));
    assert_eq!(env.nonce(a.account_id), 3);
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 7);
    assert_eq!(env.balance(FEE_ACCOUNT, T1), 7);
}

#[test]
fn withdraw_nft_removes_it_from_l2() {
    let mut env = Env::new();
    let (mut a, mut b, _) = three_users(&mut env);
    env.apply(a.mint_nft(b.address, [5; 32], ETH, 0).expect("sign"));
    let info = env.state.nft(NftId(0)).expect("minted").info.clone();
    let l1 = fresh_address(0x99);

    let op = env.apply(b.withdraw_nft(l1, NftId(0), ETH, 9).expect("sign"));
    let expected = Op::WithdrawNft(WithdrawNftOp {
        account_id: b.account_id,
        nft_id: NftId(0),
        to: l1,
        fee_token: ETH,
        fee: 9,
        info: info.clone(),
    });
    assert_eq!(op, expected);
    assert_roundtrip(&expected);
    assert_eq!(info.creator_id, a.account_id);
    assert_eq!(info.creator_address, a.address);
    assert_eq!(info.serial, 0);
    assert_eq!(env.state.nft(NftId(0)), None);
    assert_eq!(env.state.next_nft_id(), 1);
    assert_eq!(env.nonce(b.account_id), 2);
    assert_eq!(env.balance(b.account_id, ETH), 10 * UNIT - 9);
    assert_eq!(env.balance(FEE_ACCOUNT, ETH), 9);

    // Gone from L2: it can be neither transferred nor withdrawn again.
    env.assert_rejected(
        &b.clone().transfer_nft(a.address, NftId(0), ETH, 0).expect("sign"),
        TxError::NftNotFound(NftId(0)),
    );
}

#[test]
fn noop_padding_fills_the_block_to_capacity() {
    assert_eq!(Op::Noop.encode().expect("noop"), vec![0u8; CHUNK_BYTES]);
    assert_roundtrip(&Op::Noop);

    let mut env = Env::new();
    let (mut a, b, _) = three_users(&mut env);
    env.capacity = 10;
    // An empty block is all padding.
    let built = env.build(&[], vec![]);
    let pubdata = built.block.pubdata().expect("pubdata");
    assert_eq!(pubdata, vec![0u8; 10 * CHUNK_BYTES]);
    assert_eq!(decode_pubdata(&pubdata).expect("decodes"), vec![]);
    assert_eq!(built.block.header.old_root, built.block.header.new_root);

    // One transfer (one chunk) and nine Noop chunks.
    let built = env.build(&[], vec![single(a.transfer(b.address, ETH, 1, 0).expect("sign"))]);
    assert_eq!(built.block.used_chunks(), 1);
    let pubdata = built.block.pubdata().expect("pubdata");
    assert_eq!(pubdata.len(), 10 * CHUNK_BYTES);
    assert_eq!(&pubdata[..CHUNK_BYTES], &built.block.ops[0].encode().expect("op")[..]);
    assert!(pubdata[CHUNK_BYTES..].iter().all(|x| *x == 0));
    assert_ne!(pubdata[0] >> 4, 0, "the first chunk starts with a real opcode");
}

#[test]
fn fees_in_several_tokens_are_credited_at_the_end_of_the_block() {
    let mut env = Env::new();
    let users = env.users(&[1, 2, 3], &[(ETH, UNIT), (T1, 1_000_000), (T2, 1_000_000)]);
    let (mut a, mut b, mut c) = (users[0].clone(), users[1].clone(), users[2].clone());

    // Applied alone, a transaction's fee is pending, not yet in the fee account.
    let mut copy = env.state.clone();
    let (op, fees) =
        apply_one(&mut copy, &a.clone().transfer(b.address, T1, 10, 4).expect("sign"), &env.facts)
            .expect("applies");
    assert!(matches!(op, Op::Transfer(_)));
    assert_eq!(fees.get(T1), 4);
    assert_eq!(copy.balance(FEE_ACCOUNT, T1), 0, "fees are credited when the block is sealed");
    copy.credit_fees(FEE_ACCOUNT, &fees).expect("credit fees");
    assert_eq!(copy.balance(FEE_ACCOUNT, T1), 4);

    let built = env.build(
        &[],
        vec![
            single(a.transfer(b.address, T1, 10, 4).expect("sign")),
            single(b.withdraw(b.address, T2, 10, 6).expect("sign")),
            single(c.transfer(a.address, ETH, 10, 8).expect("sign")),
            single(c.mint_nft(c.address, [1; 32], T2, 1).expect("sign")),
            single(a.transfer(c.address, T1, 10, 0).expect("sign")),
        ],
    );
    assert_eq!(built.rejected, vec![]);
    assert_eq!(built.block.ops.len(), 5);
    assert_eq!(
        built.fees.iter().map(|(t, f)| (*t, *f)).collect::<Vec<_>>(),
        vec![(ETH, 8), (T1, 4), (T2, 7)]
    );
    assert_eq!(env.balance(FEE_ACCOUNT, ETH), 8);
    assert_eq!(env.balance(FEE_ACCOUNT, T1), 4);
    assert_eq!(env.balance(FEE_ACCOUNT, T2), 7);
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 14 - 10);
}

#[test]
fn a_batch_is_applied_whole() {
    let mut env = Env::new();
    let (mut a, mut b, c) = three_users(&mut env);
    let built = env.build(
        &[],
        vec![TxItem::Batch(vec![
            a.transfer(b.address, T1, 1_000, 0).expect("sign"),
            b.transfer(c.address, T1, 1_500, 5).expect("sign"),
        ])],
    );
    assert_eq!(built.rejected, vec![]);
    assert_eq!(built.block.ops.len(), 2);
    assert_eq!(env.balance(a.account_id, T1), 1_000_000 - 1_000);
    assert_eq!(env.balance(b.account_id, T1), 1_000_000 + 1_000 - 1_505);
    assert_eq!(env.balance(c.account_id, T1), 1_000_000 + 1_500);
    assert_eq!(env.nonce(a.account_id), 2);
    assert_eq!(env.nonce(b.account_id), 2);
}

// ---------------------------------------------------------------------------------------------
// signed transactions: rejections
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_nonce_is_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    for got in [5, 0] {
        let mut w = a.clone();
        w.nonce = got;
        env.assert_rejected(
            &w.transfer(b.address, ETH, 1, 0).expect("sign"),
            TxError::NonceMismatch { account: a.account_id, expected: 1, got },
        );
    }
    let mut w = a.clone();
    w.nonce = 3;
    env.assert_rejected(
        &w.withdraw(a.address, ETH, 1, 0).expect("sign"),
        TxError::NonceMismatch { account: a.account_id, expected: 1, got: 3 },
    );
}

#[test]
fn time_range_not_yet_valid_and_expired_are_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    let mut w = a.clone();
    w.time_range = TimeRange { valid_from: TS + 1, valid_until: u64::MAX };
    env.assert_rejected(
        &w.transfer(b.address, ETH, 1, 0).expect("sign"),
        TxError::NotYetValid { valid_from: TS + 1, timestamp: TS },
    );
    let mut w = a.clone();
    w.time_range = TimeRange { valid_from: 0, valid_until: TS - 1 };
    env.assert_rejected(
        &w.transfer(b.address, ETH, 1, 0).expect("sign"),
        TxError::Expired { valid_until: TS - 1, timestamp: TS },
    );
    // Both bounds are inclusive.
    let mut w = a.clone();
    w.time_range = TimeRange { valid_from: TS, valid_until: TS };
    env.apply(w.transfer(b.address, ETH, 1, 0).expect("sign"));
}

#[test]
fn tampered_transactions_have_bad_signatures() {
    let mut env = Env::new();
    let (a, b, c) = three_users(&mut env);
    let mut a2 = a.clone();
    env.apply(a2.mint_nft(a.address, [1; 32], ETH, 0).expect("sign"));
    let a = a2;
    let k = keyless(&mut env, 40, &[(ETH, 100)]);

    let mut cases: Vec<(SignedTx, &'static str)> = Vec::new();
    let mut tx = a.clone().transfer(b.address, ETH, 1_000, 10).expect("sign");
    if let SignedTx::Transfer(s) = &mut tx {
        s.tx.amount = 2_000;
    }
    cases.push((tx, "Transfer"));
    let mut tx = a.clone().withdraw(a.address, ETH, 1_000, 10).expect("sign");
    if let SignedTx::Withdraw(s) = &mut tx {
        s.tx.amount = 1_001;
    }
    cases.push((tx, "Withdraw"));
    let mut w = keyless(&mut env, 41, &[(ETH, 100)]);
    let mut tx = w.change_pubkey(AuthKind::Ecdsa, ETH, 10).expect("sign");
    if let SignedTx::ChangePubKey(s) = &mut tx {
        s.tx.fee = 11;
    }
    cases.push((tx, "ChangePubKey"));
    let mut tx = a.clone().forced_exit(k.address, ETH, 10).expect("sign");
    if let SignedTx::ForcedExit(s) = &mut tx {
        s.tx.fee = 12;
    }
    cases.push((tx, "ForcedExit"));
    let orders = [
        a.order(T1, ETH, (1, 2), 100).expect("order"),
        b.order(ETH, T1, (2, 1), 200).expect("order"),
    ];
    let mut tx = c.clone().swap(orders.clone(), [100, 200], ETH, 5).expect("sign");
    if let SignedTx::Swap(s) = &mut tx {
        s.tx.amounts[1] = 201;
    }
    cases.push((tx, "Swap"));
    // A swap whose order carries another message's signature: the swap's own signature (over the
    // order bodies) is still valid.
    let mut bad_orders = orders.clone();
    bad_orders[1].signature = TxSignature::sign(&b.l2_key, tern_primitives::Fr::from(42u64));
    cases.push((c.clone().swap(bad_orders, [100, 200], ETH, 5).expect("sign"), "order 1"));
    let mut bad_orders = orders;
    bad_orders[0].tx.amount = 101;
    cases.push((c.clone().swap(bad_orders, [100, 200], ETH, 5).expect("sign"), "order 0"));
    let mut tx = a.clone().mint_nft(b.address, [2; 32], ETH, 1).expect("sign");
    if let SignedTx::MintNft(s) = &mut tx {
        s.tx.content_hash[31] ^= 1;
    }
    cases.push((tx, "MintNFT"));
    let mut tx = a.clone().transfer_nft(b.address, NftId(0), ETH, 1).expect("sign");
    if let SignedTx::TransferNft(s) = &mut tx {
        s.tx.to = c.address;
    }
    cases.push((tx, "TransferNFT"));
    let mut tx = a.clone().withdraw_nft(a.address, NftId(0), ETH, 1).expect("sign");
    if let SignedTx::WithdrawNft(s) = &mut tx {
        s.tx.to = b.address;
    }
    cases.push((tx, "WithdrawNFT"));

    for (tx, what) in cases {
        env.assert_rejected(&tx, TxError::BadSignature { what });
    }
}

#[test]
fn transaction_signed_by_another_key_is_rejected() {
    let mut env = Env::new();
    let (a, b, c) = three_users(&mut env);
    // A's key signs a transaction for B's account.
    let mut w = a.clone();
    w.account_id = b.account_id;
    w.nonce = 1;
    env.assert_rejected(
        &w.transfer(c.address, ETH, 1, 0).expect("sign"),
        TxError::WrongSigner {
            account: b.account_id,
            expected: b.pubkey_hash(),
            got: a.pubkey_hash(),
        },
    );
}

#[test]
fn account_without_key_cannot_sign() {
    let mut env = Env::new();
    let (a, _, _) = three_users(&mut env);
    let k = keyless(&mut env, 50, &[(ETH, UNIT)]);
    env.assert_rejected(
        &k.clone().transfer(a.address, ETH, 1, 0).expect("sign"),
        TxError::NoPubKey(k.account_id),
    );
    env.assert_rejected(
        &k.clone().withdraw(k.address, ETH, 1, 0).expect("sign"),
        TxError::NoPubKey(k.account_id),
    );
}

#[test]
fn insufficient_balance_for_amount_plus_fee_is_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    let balance = 1_000_000;
    env.assert_rejected(
        &a.clone().transfer(b.address, T1, 2_000_000, 0).expect("sign"),
        TxError::InsufficientBalance {
            account: a.account_id,
            token: T1,
            balance,
            needed: 2_000_000,
        },
    );
    // The amount alone fits; amount plus fee does not.
    env.assert_rejected(
        &a.clone().transfer(b.address, T1, balance, 1).expect("sign"),
        TxError::InsufficientBalance {
            account: a.account_id,
            token: T1,
            balance,
            needed: balance + 1,
        },
    );
    env.assert_rejected(
        &a.clone().withdraw(a.address, T1, balance - 5, 6).expect("sign"),
        TxError::InsufficientBalance {
            account: a.account_id,
            token: T1,
            balance,
            needed: balance + 1,
        },
    );
    // A token the account holds none of.
    env.assert_rejected(
        &a.clone().transfer(b.address, T2, 1, 0).expect("sign"),
        TxError::InsufficientBalance { account: a.account_id, token: T2, balance: 0, needed: 1 },
    );
    // Fees of other transaction types.
    env.assert_rejected(
        &a.clone().mint_nft(a.address, [0; 32], T2, 1).expect("sign"),
        TxError::InsufficientBalance { account: a.account_id, token: T2, balance: 0, needed: 1 },
    );
    // Exactly the balance is fine.
    let mut w = a.clone();
    env.apply(w.transfer(b.address, T1, balance - 10, 10).expect("sign"));
    assert_eq!(env.balance(a.account_id, T1), 0);
}

#[test]
fn withdraw_amount_plus_fee_overflowing_is_rejected() {
    let mut env = Env::new();
    let (a, _, _) = three_users(&mut env);
    env.assert_rejected(
        &a.clone().withdraw(a.address, ETH, u128::MAX, 1).expect("sign"),
        TxError::AmountOverflow { amount: u128::MAX, fee: 1 },
    );
}

#[test]
fn unknown_token_is_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    for token in [UNLISTED, TokenId(1024), TokenId(u16::MAX)] {
        env.assert_rejected(
            &a.clone().transfer(b.address, token, 1, 0).expect("sign"),
            TxError::UnknownToken(token),
        );
    }
    env.assert_rejected(
        &a.clone().withdraw(a.address, UNLISTED, 1, 0).expect("sign"),
        TxError::UnknownToken(UNLISTED),
    );
    env.assert_rejected(
        &a.clone().mint_nft(a.address, [0; 32], UNLISTED, 0).expect("sign"),
        TxError::UnknownToken(UNLISTED),
    );
    // Listing it makes the same transaction valid (here: insufficient balance instead).
    env.state.list_token(UNLISTED).expect("list");
    env.assert_rejected(
        &a.clone().transfer(b.address, UNLISTED, 1, 0).expect("sign"),
        TxError::InsufficientBalance {
            account: a.account_id,
            token: UNLISTED,
            balance: 0,
            needed: 1,
        },
    );
}

#[test]
fn unpackable_amount_and_fee_are_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    let amount = 123_456_789u128; // nine significant digits: more than the amount float holds
    let fee = 1_234u128; // four significant digits: more than the fee float holds
    let amount_err = pack_amount(amount).expect_err("amount is not packable");
    let fee_err = pack_fee(fee).expect_err("fee is not packable");

    let mut tx = a.clone().transfer(b.address, ETH, 1, 0).expect("sign");
    if let SignedTx::Transfer(s) = &mut tx {
        s.tx.amount = amount;
    }
    env.assert_rejected(&tx, TxError::Encode(amount_err.clone()));
    let mut tx = a.clone().transfer(b.address, ETH, 1, 0).expect("sign");
    if let SignedTx::Transfer(s) = &mut tx {
        s.tx.fee = fee;
    }
    env.assert_rejected(&tx, TxError::Encode(fee_err.clone()));
    let mut tx = a.clone().withdraw(a.address, ETH, 1, 0).expect("sign");
    if let SignedTx::Withdraw(s) = &mut tx {
        s.tx.fee = fee;
    }
    env.assert_rejected(&tx, TxError::Encode(fee_err.clone()));
    // Withdraw amounts are exact, so any amount is encodable.
    env.apply(a.clone().withdraw(a.address, ETH, amount, 0).expect("sign"));

    // The wallet refuses to sign them in the first place.
    assert!(a.clone().transfer(b.address, ETH, amount, 0).is_err());

    // apply_tx checks packing itself, even if handed signers it did not verify.
    let mut tx = a.clone().transfer(b.address, ETH, 1, 0).expect("sign");
    if let SignedTx::Transfer(s) = &mut tx {
        s.tx.amount = amount;
        s.tx.nonce = 2;
    }
    let mut copy = env.state.clone();
    let before = snapshot(&mut copy);
    let ctx =
        BlockContext { chain: CHAIN, timestamp: TS, fee_account: FEE_ACCOUNT, facts: &env.facts };
    let signers = VerifiedSigners { signer: a.pubkey_hash(), orders: None };
    let mut fees = Fees::default();
    assert_eq!(copy.apply_tx(&tx, &signers, &ctx, &mut fees), Err(TxError::Encode(amount_err)));
    assert_eq!(snapshot(&mut copy), before);
    assert_eq!(fees, Fees::default());
}

#[test]
fn zero_address_cannot_receive() {
    let mut env = Env::new();
    let (mut a, _, _) = three_users(&mut env);
    env.apply(a.mint_nft(a.address, [1; 32], ETH, 0).expect("sign"));
    env.assert_rejected(
        &a.clone().transfer(Address::ZERO, ETH, 1, 0).expect("sign"),
        TxError::ZeroAddress,
    );
    env.assert_rejected(
        &a.clone().withdraw(Address::ZERO, ETH, 1, 0).expect("sign"),
        TxError::ZeroAddress,
    );
    env.assert_rejected(
        &a.clone().withdraw_nft(Address::ZERO, NftId(0), ETH, 0).expect("sign"),
        TxError::ZeroAddress,
    );
}

#[test]
fn unknown_account_is_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    let mut w = a.clone();
    w.account_id = AccountId(999);
    env.assert_rejected(
        &w.clone().transfer(b.address, ETH, 1, 0).expect("sign"),
        TxError::AccountNotFound(AccountId(999)),
    );
    env.assert_rejected(
        &w.clone().change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign"),
        TxError::AccountNotFound(AccountId(999)),
    );
}

#[test]
fn unknown_recipient_address_is_rejected_where_no_account_is_created() {
    let mut env = Env::new();
    let (mut a, _, _) = three_users(&mut env);
    env.apply(a.mint_nft(a.address, [1; 32], ETH, 0).expect("sign"));
    let nobody = fresh_address(0x55);
    env.assert_rejected(
        &a.clone().transfer_nft(nobody, NftId(0), ETH, 0).expect("sign"),
        TxError::AddressNotFound(nobody),
    );
    env.assert_rejected(
        &a.clone().mint_nft(nobody, [2; 32], ETH, 0).expect("sign"),
        TxError::AddressNotFound(nobody),
    );
    env.assert_rejected(
        &a.clone().forced_exit(nobody, ETH, 0).expect("sign"),
        TxError::AddressNotFound(nobody),
    );
}

#[test]
fn change_pubkey_with_bad_ecdsa_signature_is_rejected() {
    let mut env = Env::new();
    let w = keyless(&mut env, 60, &[(ETH, UNIT)]);
    let mut tx = w.clone().change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    if let ChangePubKeyAuth::Ecdsa(sig) = change_pubkey_auth_mut(&mut tx) {
        sig[64] = 29;
    }
    env.assert_rejected(
        &tx,
        TxError::EthAuth {
            account: w.account_id,
            address: w.address,
            reason: EthSigError::InvalidV(29).to_string(),
        },
    );
    // A high-s (malleable) signature is refused too.
    let mut tx = w.clone().change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    if let ChangePubKeyAuth::Ecdsa(sig) = change_pubkey_auth_mut(&mut tx) {
        sig[32..64].copy_from_slice(&[0xff; 32]);
    }
    env.assert_rejected(
        &tx,
        TxError::EthAuth {
            account: w.account_id,
            address: w.address,
            reason: EthSigError::HighS.to_string(),
        },
    );
}

#[test]
fn change_pubkey_authorised_by_another_address_is_rejected() {
    let mut env = Env::new();
    let w = keyless(&mut env, 61, &[(ETH, UNIT)]);
    let other = wallet(62);
    let mut tx = w.clone().change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    let msg = eth::change_pubkey_eip191_message(
        &w.pubkey_hash(),
        0,
        w.account_id.0,
        CHAIN.chain_id,
        CHAIN.contract,
    );
    *change_pubkey_auth_mut(&mut tx) =
        ChangePubKeyAuth::Ecdsa(eth::sign_eip191(&other.eth_key, &msg).expect("eth sign"));
    env.assert_rejected(
        &tx,
        TxError::EthAuth {
            account: w.account_id,
            address: w.address,
            reason: format!("signature recovers to {}", other.address),
        },
    );
    // The same with EIP-712.
    let mut tx = w.clone().change_pubkey(AuthKind::Eip712, ETH, 0).expect("sign");
    let sig = eth::sign_eip712_change_pubkey(
        &other.eth_key,
        &w.pubkey_hash(),
        0,
        w.account_id.0,
        CHAIN.chain_id,
        CHAIN.contract,
    )
    .expect("eth sign");
    *change_pubkey_auth_mut(&mut tx) = ChangePubKeyAuth::Eip712(sig);
    env.assert_rejected(
        &tx,
        TxError::EthAuth {
            account: w.account_id,
            address: w.address,
            reason: format!("signature recovers to {}", other.address),
        },
    );
}

#[test]
fn change_pubkey_eip712_for_another_chain_is_rejected() {
    let mut env = Env::new();
    let w = keyless(&mut env, 63, &[(ETH, UNIT)]);
    for (chain_id, contract) in [(1, CHAIN.contract), (CHAIN.chain_id, Address::new([0x11; 20]))] {
        let sig = eth::sign_eip712_change_pubkey(
            &w.eth_key,
            &w.pubkey_hash(),
            0,
            w.account_id.0,
            chain_id,
            contract,
        )
        .expect("eth sign");
        let recovered = eth::recover_eip712_change_pubkey(
            &w.pubkey_hash(),
            0,
            w.account_id.0,
            CHAIN.chain_id,
            CHAIN.contract,
            &sig,
        )
        .expect("recovers to some address");
        assert_ne!(recovered, w.address);
        let mut tx = w.clone().change_pubkey(AuthKind::Eip712, ETH, 0).expect("sign");
        *change_pubkey_auth_mut(&mut tx) = ChangePubKeyAuth::Eip712(sig);
        env.assert_rejected(
            &tx,
            TxError::EthAuth {
                account: w.account_id,
                address: w.address,
                reason: format!("signature recovers to {recovered}"),
            },
        );
    }
}

#[test]
fn change_pubkey_without_onchain_fact_is_rejected() {
    let mut env = Env::new();
    let w = keyless(&mut env, 64, &[(ETH, UNIT)]);
    let expected = TxError::EthAuth {
        account: w.account_id,
        address: w.address,
        reason: "no on-chain authorisation recorded for this key and nonce".into(),
    };
    let tx = w.clone().change_pubkey(AuthKind::Onchain, ETH, 0).expect("sign");
    env.assert_rejected(&tx, expected.clone());
    // Facts for another nonce, another key or another address do not count.
    env.facts.insert((w.address, w.pubkey_hash(), 1));
    env.facts.insert((w.address, PubKeyHash([7; 20]), 0));
    env.facts.insert((fresh_address(3), w.pubkey_hash(), 0));
    env.assert_rejected(&tx, expected);
    // The right fact authorises it.
    env.facts.insert((w.address, w.pubkey_hash(), 0));
    assert!(matches!(env.apply(tx), Op::ChangePubKey(_)));
}

#[test]
fn change_pubkey_must_be_signed_by_the_new_key() {
    let mut env = Env::new();
    let w = keyless(&mut env, 65, &[(ETH, UNIT)]);
    let other = PrivateKey::from_seed(b"not the new key");
    let mut tx = w.clone().change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    if let SignedTx::ChangePubKey(s) = &mut tx {
        s.signature = TxSignature::sign(&other, s.tx.message().expect("message"));
    }
    env.assert_rejected(
        &tx,
        TxError::WrongSigner {
            account: w.account_id,
            expected: w.pubkey_hash(),
            got: other.public_key().hash(),
        },
    );
    // ChangePubKey checks its nonce too.
    let mut w2 = w.clone();
    w2.nonce = 4;
    env.assert_rejected(
        &w2.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign"),
        TxError::NonceMismatch { account: w.account_id, expected: 0, got: 4 },
    );
}

#[test]
fn forced_exit_of_keyed_or_empty_account_is_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    let k = keyless(&mut env, 70, &[(ETH, UNIT)]);
    env.assert_rejected(
        &a.clone().forced_exit(b.address, ETH, 0).expect("sign"),
        TxError::TargetHasKey(b.account_id),
    );
    env.assert_rejected(
        &a.clone().forced_exit(k.address, T1, 0).expect("sign"),
        TxError::Invalid("nothing to force-exit: the target holds none of this token"),
    );
}

#[test]
fn swap_rule_violations_are_rejected() {
    let mut env = Env::new();
    let (a, b, c) = three_users(&mut env);
    let sub = |orders, amounts| c.clone().swap(orders, amounts, ETH, 1).expect("sign");
    let oa = a.order(T1, ETH, (1, 2), 100).expect("order");
    let ob = b.order(ETH, T1, (2, 1), 200).expect("order");

    // The same account on both sides.
    let oa2 = a.order(ETH, T1, (2, 1), 200).expect("order");
    env.assert_rejected(
        &sub([oa.clone(), oa2], [100, 200]),
        TxError::Invalid("a swap needs two different order accounts"),
    );
    // Tokens that do not match.
    let ob_t2 = b.order(ETH, T2, (2, 1), 200).expect("order");
    env.assert_rejected(
        &sub([oa.clone(), ob_t2], [100, 200]),
        TxError::Invalid("the orders' tokens do not match each other"),
    );
    // An order that sells what it buys.
    let same_a = a.order(ETH, ETH, (1, 1), 0).expect("order");
    let same_b = b.order(ETH, ETH, (1, 1), 0).expect("order");
    env.assert_rejected(
        &sub([same_a, same_b], [10, 10]),
        TxError::Invalid("an order must sell and buy different tokens"),
    );
    // A zero amount.
    let la = a.order(T1, ETH, (1, 2), 0).expect("order");
    let lb = b.order(ETH, T1, (2, 1), 0).expect("order");
    env.assert_rejected(
        &sub([la.clone(), lb.clone()], [0, 0]),
        TxError::Invalid("a swap must move a non-zero amount each way"),
    );
    env.assert_rejected(
        &sub([la.clone(), lb.clone()], [10, 0]),
        TxError::Invalid("a swap must move a non-zero amount each way"),
    );
    // Price not met, for either order.
    env.assert_rejected(
        &sub([la.clone(), lb.clone()], [10, 19]),
        TxError::PriceNotMet { order: 0, sold: 10, bought: 19, ratio_sell: 1, ratio_buy: 2 },
    );
    env.assert_rejected(
        &sub([la.clone(), lb.clone()], [9, 20]),
        TxError::PriceNotMet { order: 1, sold: 20, bought: 9, ratio_sell: 2, ratio_buy: 1 },
    );
    // A fill-or-kill order filled with another amount.
    env.assert_rejected(
        &sub([oa.clone(), lb.clone()], [50, 100]),
        TxError::OrderAmountMismatch { order: 0, expected: 100, got: 50 },
    );
    env.assert_rejected(
        &sub([la.clone(), ob.clone()], [50, 100]),
        TxError::OrderAmountMismatch { order: 1, expected: 200, got: 100 },
    );
    // An order with the wrong nonce.
    let mut b_late = b.clone();
    b_late.nonce = 9;
    let ob_late = b_late.order(ETH, T1, (2, 1), 200).expect("order");
    env.assert_rejected(
        &sub([oa.clone(), ob_late], [100, 200]),
        TxError::Order {
            order: 1,
            source: Box::new(TxError::NonceMismatch { account: b.account_id, expected: 1, got: 9 }),
        },
    );
    // An order signed by a key that is not its account's.
    let mut forged = a.clone();
    forged.account_id = b.account_id;
    let ob_forged = forged.order(ETH, T1, (2, 1), 200).expect("order");
    env.assert_rejected(
        &sub([oa.clone(), ob_forged], [100, 200]),
        TxError::Order {
            order: 1,
            source: Box::new(TxError::WrongSigner {
                account: b.account_id,
                expected: b.pubkey_hash(),
                got: a.pubkey_hash(),
            }),
        },
    );
    // An expired order.
    let mut a_exp = a.clone();
    a_exp.time_range = TimeRange { valid_from: 0, valid_until: TS - 1 };
    let oa_exp = a_exp.order(T1, ETH, (1, 2), 100).expect("order");
    env.assert_rejected(
        &sub([oa_exp, ob.clone()], [100, 200]),
        TxError::Order {
            order: 0,
            source: Box::new(TxError::Expired { valid_until: TS - 1, timestamp: TS }),
        },
    );
    // An unlisted token.
    let ou_a = a.order(UNLISTED, ETH, (1, 1), 0).expect("order");
    let ou_b = b.order(ETH, UNLISTED, (1, 1), 0).expect("order");
    env.assert_rejected(
        &sub([ou_a, ou_b], [10, 10]),
        TxError::Order { order: 0, source: Box::new(TxError::UnknownToken(UNLISTED)) },
    );
    // A zero ratio.
    let oz = a.order(T1, ETH, (0, 1), 0).expect("order");
    env.assert_rejected(
        &sub([oz, lb.clone()], [10, 20]),
        TxError::Order {
            order: 0,
            source: Box::new(TxError::Invalid("an order's ratio must be non-zero on both sides")),
        },
    );
    // A ratio side of 2^120 or more (the circuit compares prices in one field element).
    for ratio in [(1u128 << 120, 1), (1, 1u128 << 120), (u128::MAX, u128::MAX)] {
        let big = a.order(T1, ETH, ratio, 0).expect("order");
        env.assert_rejected(
            &sub([big, lb.clone()], [10, 20]),
            TxError::Order {
                order: 0,
                source: Box::new(TxError::Invalid(
                    "an order's ratio must be below 2^120 on both sides",
                )),
            },
        );
    }
    // An order account that cannot pay.
    env.assert_rejected(
        &sub([la.clone(), lb.clone()], [2_000_000, 4_000_000]),
        TxError::InsufficientBalance {
            account: a.account_id,
            token: T1,
            balance: 1_000_000,
            needed: 2_000_000,
        },
    );
    // A keyless order account.
    let k = keyless(&mut env, 71, &[(T1, 100)]);
    let ok = k.order(T1, ETH, (1, 2), 0).expect("order");
    env.assert_rejected(
        &c.clone().swap([ok, lb.clone()], [10, 20], ETH, 1).expect("sign"),
        TxError::Order { order: 0, source: Box::new(TxError::NoPubKey(k.account_id)) },
    );
    // The submitter's own nonce.
    let mut c_late = c.clone();
    c_late.nonce = 7;
    env.assert_rejected(
        &c_late.swap([la, lb], [10, 20], ETH, 1).expect("sign"),
        TxError::NonceMismatch { account: c.account_id, expected: 1, got: 7 },
    );
}

#[test]
fn nft_not_owned_or_missing_is_rejected() {
    let mut env = Env::new();
    let (mut a, b, c) = three_users(&mut env);
    env.apply(a.mint_nft(b.address, [1; 32], ETH, 0).expect("sign"));
    env.assert_rejected(
        &a.clone().transfer_nft(c.address, NftId(0), ETH, 0).expect("sign"),
        TxError::NotNftOwner { nft: NftId(0), owner: b.account_id, account: a.account_id },
    );
    env.assert_rejected(
        &a.clone().withdraw_nft(a.address, NftId(0), ETH, 0).expect("sign"),
        TxError::NotNftOwner { nft: NftId(0), owner: b.account_id, account: a.account_id },
    );
    env.assert_rejected(
        &b.clone().transfer_nft(c.address, NftId(1), ETH, 0).expect("sign"),
        TxError::NftNotFound(NftId(1)),
    );
    env.assert_rejected(
        &b.clone().withdraw_nft(b.address, NftId(12345), ETH, 0).expect("sign"),
        TxError::NftNotFound(NftId(12345)),
    );
}

#[test]
fn transfer_overflowing_the_recipient_is_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    env.priority(&[PriorityOp::Deposit { token: T2, amount: u128::MAX, to: b.address }]);
    env.priority(&[PriorityOp::Deposit { token: T2, amount: 100, to: a.address }]);
    env.assert_rejected(
        &a.clone().transfer(b.address, T2, 10, 0).expect("sign"),
        TxError::BalanceOverflow { account: b.account_id, token: T2, amount: 10 },
    );
    // A swap credit overflowing is refused the same way.
    let la = a.order(T2, ETH, (1, 1), 0).expect("order");
    let lb = b.order(ETH, T2, (1, 1), 0).expect("order");
    env.assert_rejected(
        &a.clone().swap([la, lb], [10, 10], ETH, 0).expect("sign"),
        TxError::BalanceOverflow { account: b.account_id, token: T2, amount: 10 },
    );
}

#[test]
fn fee_that_would_overflow_the_fee_account_is_rejected() {
    let mut env = Env::new();
    let (a, b, _) = three_users(&mut env);
    env.priority(&[PriorityOp::Deposit { token: T1, amount: u128::MAX - 5, to: FEE_ADDRESS }]);
    // A fee of 5 fits exactly; a fee of 10 cannot be credited at the end of the block, so the
    // transaction (not the whole block) is refused.
    env.assert_rejected(
        &a.clone().transfer(b.address, T1, 1, 10).expect("sign"),
        TxError::BalanceOverflow { account: FEE_ACCOUNT, token: T1, amount: 10 },
    );
    let built = env.build(
        &[],
        vec![
            single(a.clone().transfer(b.address, T1, 1, 5).expect("sign")),
            single(b.clone().transfer(a.address, T1, 1, 1).expect("sign")),
        ],
    );
    assert_eq!(built.block.ops.len(), 1);
    assert_eq!(
        built.rejected,
        vec![Rejected {
            index: 1,
            error: TxError::BalanceOverflow { account: FEE_ACCOUNT, token: T1, amount: 1 }
        }]
    );
    assert_eq!(env.balance(FEE_ACCOUNT, T1), u128::MAX);
}

#[test]
fn failing_batch_applies_nothing() {
    let mut env = Env::new();
    let (a, b, c) = three_users(&mut env);
    let before = snapshot(&mut env.state);
    let mut wa = a.clone();
    let items = vec![TxItem::Batch(vec![
        wa.transfer(b.address, T1, 1_000, 1).expect("sign"),
        wa.transfer(c.address, T1, 5_000_000, 1).expect("sign"),
    ])];
    let built = env.build(&[], items);
    assert_eq!(
        built.rejected,
        vec![Rejected {
            index: 0,
            error: TxError::Batch {
                index: 1,
                source: Box::new(TxError::InsufficientBalance {
                    account: a.account_id,
                    token: T1,
                    balance: 1_000_000 - 1_001,
                    needed: 5_000_001,
                }),
            },
        }]
    );
    assert_eq!(built.block.ops, vec![]);
    assert_eq!(built.fees, Fees::default());
    assert_eq!(snapshot(&mut env.state), before, "the batch's first transfer was rolled back");
    assert_eq!(env.nonce(a.account_id), 1);

    // A failing batch between two good transactions affects neither.
    let mut wb = b.clone();
    let mut wc = c.clone();
    let built = env.build(
        &[],
        vec![
            single(wb.transfer(c.address, ETH, 1, 1).expect("sign")),
            TxItem::Batch(vec![
                a.clone().transfer(b.address, T1, 1, 1).expect("sign"),
                a.clone().transfer(b.address, T1, 1, 1).expect("sign"), // same nonce again
            ]),
            single(wc.transfer(b.address, ETH, 1, 1).expect("sign")),
            TxItem::Batch(vec![]),
        ],
    );
    assert_eq!(
        built.rejected,
        vec![
            Rejected {
                index: 1,
                error: TxError::Batch {
                    index: 1,
                    source: Box::new(TxError::NonceMismatch {
                        account: a.account_id,
                        expected: 2,
                        got: 1
                    }),
                },
            },
            Rejected { index: 3, error: TxError::Invalid("empty batch") },
        ]
    );
    assert_eq!(built.block.ops.len(), 2);
    assert_eq!(env.nonce(a.account_id), 1);
    assert_eq!(env.balance(FEE_ACCOUNT, ETH), 2);
}

#[test]
fn fifth_fee_token_in_a_block_is_deferred_not_rejected() {
    let mut env = Env::new();
    env.capacity = 160;
    let tokens = [ETH, T1, T2, T3, T4];
    let deposits: Vec<(TokenId, u128)> = tokens.iter().map(|t| (*t, 1_000)).collect();
    let mut users = env.users(&[1, 2, 3, 4, 5, 6], &deposits);
    let to = users[5].address;
    let mut items: Vec<TxItem> = Vec::new();
    for (w, token) in users.iter_mut().zip(tokens) {
        items.push(single(w.transfer(to, token, 10, 1).expect("sign")));
    }
    // A fee in a token already collected, and a zero fee in the fifth token, still fit.
    let a0 = users[0].address;
    items.push(single(users[5].transfer(a0, T1, 10, 1).expect("sign")));
    items.push(single(users[5].transfer(a0, T4, 10, 0).expect("sign")));
    let mut later = users[4].clone();
    later.nonce = 1;
    let built = env.build(&[], items);
    assert_eq!(built.rejected, vec![]);
    assert_eq!(built.deferred, vec![4]);
    assert_eq!(built.block.ops.len(), 6);
    assert_eq!(built.fees.iter().count(), 4);
    assert_eq!(built.fees.get(T4), 0);
    assert_eq!(env.nonce(users[4].account_id), 1, "the deferred transaction was not applied");
    assert_eq!(env.nonce(users[5].account_id), 3);

    // The deferred transaction goes into the next block unchanged.
    let built = env.build(&[], vec![single(later.transfer(to, T4, 10, 1).expect("sign"))]);
    assert_eq!(built.rejected, vec![]);
    assert_eq!(built.block.ops.len(), 1);
    assert_eq!(env.balance(FEE_ACCOUNT, T4), 1);

    // In a batch, the whole batch is deferred.
    let mut items = Vec::new();
    for (w, token) in users.iter_mut().zip([ETH, T1, T2, T3]) {
        items.push(single(w.transfer(to, token, 10, 1).expect("sign")));
    }
    let mut w5 = users[4].clone();
    w5.nonce = 2;
    items.push(TxItem::Batch(vec![
        w5.transfer(to, ETH, 1, 1).expect("sign"),
        w5.transfer(to, T4, 1, 1).expect("sign"),
    ]));
    let built = env.build(&[], items);
    assert_eq!(built.deferred, vec![4]);
    assert_eq!(built.rejected, vec![]);
    assert_eq!(env.nonce(users[4].account_id), 2);
}

#[test]
fn transactions_that_do_not_fit_are_deferred() {
    let mut env = Env::new();
    let (mut a, mut b, mut c) = three_users(&mut env);
    let transfer_chunks = op_chunks(tern_types::tx::tx_type::TRANSFER).expect("chunks");
    let withdraw_chunks = op_chunks(tern_types::tx::tx_type::WITHDRAW).expect("chunks");
    assert_eq!(transfer_chunks, 1);
    assert!(withdraw_chunks > 1);
    env.capacity = 2 * transfer_chunks + withdraw_chunks - 1;
    let built = env.build(
        &[],
        vec![
            single(a.transfer(b.address, ETH, 1, 0).expect("sign")),
            single(b.transfer(c.address, ETH, 1, 0).expect("sign")),
            single(c.withdraw(c.address, ETH, 1, 0).expect("sign")),
            single(a.transfer(c.address, ETH, 1, 0).expect("sign")),
        ],
    );
    assert_eq!(built.deferred, vec![2], "the withdrawal does not fit");
    assert_eq!(built.rejected, vec![]);
    assert_eq!(built.block.ops.len(), 3, "a smaller transaction after it still fits");
    assert_eq!(built.block.used_chunks(), 3 * transfer_chunks);
    assert_eq!(env.nonce(c.account_id), 1);

    // A sender whose transaction waits keeps its later transactions waiting too: they would
    // only fail on the nonce, and a node must not drop them as rejected.
    env.capacity = withdraw_chunks - 1;
    c.nonce -= 1; // the withdrawal above was deferred, so its nonce is still unused
    let built = env.build(
        &[],
        vec![
            single(c.withdraw(c.address, ETH, 1, 0).expect("sign")),
            single(a.transfer(b.address, ETH, 1, 0).expect("sign")),
            single(c.transfer(a.address, ETH, 1, 0).expect("sign")),
        ],
    );
    assert_eq!(built.deferred, vec![0, 2]);
    assert_eq!(built.rejected, vec![]);
    assert_eq!(built.block.ops.len(), 1);
    c.nonce -= 2;

    // Priority operations that do not fit stay in the queue.
    env.capacity = op_chunks(tern_types::tx::tx_type::DEPOSIT).expect("chunks");
    let built = env.build(
        &[
            PriorityOp::Deposit { token: ETH, amount: 1, to: a.address },
            PriorityOp::Deposit { token: ETH, amount: 1, to: b.address },
        ],
        vec![],
    );
    assert_eq!(built.priority_processed, 1);
    assert_eq!(built.block.ops.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// blocks
// ---------------------------------------------------------------------------------------------

/// A block with priority operations, several transaction types, a rejection and a deferral.
fn mixed_inputs(env: &mut Env) -> (Vec<PriorityOp>, Vec<TxItem>) {
    let (mut a, mut b, mut c) = three_users(env);
    let oa = a.order(T1, ETH, (1, 2), 0).expect("order");
    let ob = b.order(ETH, T1, (2, 1), 20).expect("order");
    let swap = c.swap([oa, ob], [10, 20], ETH, 1).expect("sign");
    b.nonce += 1;
    let priority = vec![
        PriorityOp::Deposit { token: T2, amount: 1_000, to: fresh_address(0x31) },
        PriorityOp::FullExit { account_id: a.account_id, owner: a.address, token: T2 },
    ];
    let txs = vec![
        single(swap),
        single(a.transfer(b.address, ETH, 1_000, 1).expect("sign")),
        single(a.transfer(fresh_address(0x32), T1, 500, 2).expect("sign")),
        single(b.withdraw(b.address, T1, 7, 0).expect("sign")),
        single(c.clone().transfer(b.address, ETH, 10 * UNIT, 0).expect("sign")), // rejected
        single(a.mint_nft(c.address, [8; 32], T1, 1).expect("sign")),
        TxItem::Batch(vec![
            b.change_pubkey(AuthKind::Eip712, ETH, 0).expect("sign"),
            b.transfer(a.address, ETH, 5, 0).expect("sign"),
        ]),
    ];
    (priority, txs)
}

#[test]
fn build_block_is_deterministic() {
    let mut env = Env::new();
    let (priority, txs) = mixed_inputs(&mut env);
    let first = env.try_build(&priority, &txs).expect("builds");
    let second = env.try_build(&priority, &txs).expect("builds");
    assert_eq!(first.block, second.block);
    assert_eq!(first.rejected, second.rejected);
    assert_eq!(first.deferred, second.deferred);
    assert_eq!(first.fees, second.fees);
    assert_eq!(first.priority_processed, second.priority_processed);
    let (mut s1, mut s2) = (first.state, second.state);
    assert_eq!(snapshot(&mut s1), snapshot(&mut s2));
    assert_eq!(first.block.commitment().expect("c"), second.block.commitment().expect("c"));
    // The inputs exercise a real mix.
    assert_eq!(first.rejected.len(), 1, "{:?}", first.rejected);
    assert!(first.block.ops.len() >= 9, "{:?}", first.block.ops);
}

#[test]
fn block_roots_pubdata_and_ops_agree() {
    let mut env = Env::new();
    let (priority, txs) = mixed_inputs(&mut env);
    let before = env.state.root();
    let built = env.build(&priority, txs);
    let block = &built.block;
    assert_eq!(block.header.old_root, before);
    assert_eq!(block.header.new_root, env.state.root());
    assert_ne!(block.header.old_root, block.header.new_root);
    assert_eq!(block.header.number, env.number);
    assert_eq!(block.header.fee_account, FEE_ACCOUNT);
    assert_eq!(block.header.timestamp, TS);
    let pubdata = block.pubdata().expect("pubdata");
    assert_eq!(decode_pubdata(&pubdata).expect("decodes"), block.ops);
    let names: Vec<&str> = block.ops.iter().map(Op::name).collect();
    for name in [
        "Deposit",
        "FullExit",
        "Transfer",
        "TransferToNew",
        "Swap",
        "Withdraw",
        "MintNFT",
        "ChangePubKey",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    // Chunks are laid out back to back: each op's encoding sits at its offset.
    let mut offset = 0;
    for op in &block.ops {
        let bytes = op.encode().expect("encodes");
        assert_eq!(&pubdata[offset..offset + bytes.len()], &bytes[..]);
        offset += bytes.len();
    }
    assert_eq!(offset, block.used_chunks() * CHUNK_BYTES);
}

#[test]
fn commitment_changes_with_any_pubdata_byte() {
    let mut env = Env::new();
    env.capacity = 40;
    let (priority, txs) = mixed_inputs(&mut env);
    let built = env.build(&priority, txs);
    let block = &built.block;
    let pubdata = block.pubdata().expect("pubdata");
    let bitmap = block.onchain_bitmap();
    let c = block.commitment().expect("commitment");
    assert_eq!(c, commitment(&block.header, &pubdata, &bitmap));
    assert_eq!(c[0] & 0xe0, 0, "masked to 253 bits");
    for i in 0..pubdata.len() {
        for bit in [0x01u8, 0x80] {
            let mut changed = pubdata.clone();
            changed[i] ^= bit;
            assert_ne!(commitment(&block.header, &changed, &bitmap), c, "byte {i} bit {bit:#x}");
        }
    }
    let mut header = block.header;
    header.new_root = header.old_root;
    assert_ne!(commitment(&header, &pubdata, &bitmap), c);
    let mut header = block.header;
    header.number += 1;
    assert_ne!(commitment(&header, &pubdata, &bitmap), c);
    let mut header = block.header;
    header.timestamp += 1;
    assert_ne!(commitment(&header, &pubdata, &bitmap), c);
    let mut other_bitmap = bitmap.clone();
    other_bitmap[0] ^= 1;
    assert_ne!(commitment(&block.header, &pubdata, &other_bitmap), c);
}

#[test]
fn missing_fee_account_fails_the_block() {
    let state = tern_state::State::new();
    let params = tern_state::BlockParams {
        chain: CHAIN,
        number: 1,
        fee_account: FEE_ACCOUNT,
        timestamp: TS,
        capacity: CAPACITY,
    };
    let result = tern_state::build_block(state.clone(), &params, &[], &[], &tern_state::NoFacts);
    assert_eq!(result.err(), Some(BlockError::FeeAccountNotFound(FEE_ACCOUNT)));
    // On a new chain, a deposit in the same block creates it (priority operations run first).
    let built = tern_state::build_block(
        state,
        &params,
        &[PriorityOp::Deposit { token: ETH, amount: 1, to: FEE_ADDRESS }],
        &[],
        &tern_state::NoFacts,
    )
    .expect("builds");
    assert_eq!(built.state.account(FEE_ACCOUNT).map(|a| a.address), Some(FEE_ADDRESS));
}

/// Signers checked beforehand (at admission) give the same block as signers checked by the
/// builder; an item without an entry is checked by the builder.
#[test]
fn a_block_built_with_checked_signers_is_the_same_block() {
    let mut env = Env::new();
    let (mut a, b, _) = three_users(&mut env);
    let txs: Vec<TxItem> =
        (0..3).map(|k| single(a.transfer(b.address, ETH, 10 + k, 1).expect("sign"))).collect();
    let checked: Vec<Vec<VerifiedSigners>> = txs[..2]
        .iter()
        .map(|item| match item {
            TxItem::Single(tx) => {
                vec![tern_state::execute::verify_signatures(tx).expect("valid")]
            }
            TxItem::Batch(_) => unreachable!("singles"),
        })
        .collect();
    let plain = env.try_build(&[], &txs).expect("builds");
    let with = tern_state::build_block_with_signers(
        env.state.clone(),
        &env.params(),
        &[],
        &txs,
        &checked,
        &env.facts,
    )
    .expect("builds");
    assert_eq!(with.block, plain.block);
    assert_eq!(with.block.ops.len(), 3);
}
