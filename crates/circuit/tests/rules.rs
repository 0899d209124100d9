//! Negative tests of the block circuit for the rules that protect accounts: signed fields at
//! their widths, account creation in sequence, empty slots, overflows and exhaustion, NFT and
//! swap rules, opcodes, the end of the block and the fee account (`docs/spec/circuit.md`).
//!
//! Where the forbidden effects cannot be held by the native state (an account at an arbitrary
//! index, a balance past 2¹²⁸, a nonce carried into `nfts_minted`), the test replays them on
//! [`Model`], a field-element copy of the account tree, and takes every unit and proof from it.
//! So each tampered witness is consistent everywhere except the rule under test; a control
//! built the same way with honest values satisfies the circuit.

mod kit;

use ark_ff::{AdditiveGroup, Field};
use kit::*;
use tern_circuit::layout::Aux;
use tern_circuit::witness::{generate_witness_unchecked, BlockWitness, SignatureWitness};
use tern_primitives::field::fr_from_be_short;
use tern_primitives::{Address, Fr};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{PriorityOp, State};
use tern_types::op::{
    ChangePubKeyOp, DepositOp, SwapOp, TransferNftOp, TransferOp, TransferToNewOp, WithdrawNftOp,
    WithdrawOp,
};
use tern_types::tx::tx_type;
use tern_types::{AccountId, Op, SignedTx, TimeRange, TokenId, ETH};

/// Asserts the honest witness satisfies the circuit, then that `tamper`ed it does not.
fn refuses(w: &BlockWitness, tamper: impl FnOnce(&mut BlockWitness)) {
    assert!(satisfied(w.clone()), "the honest witness must satisfy the circuit");
    let mut bad = open(w.clone());
    tamper(&mut bad);
    assert!(!satisfied(bad), "the tampered witness must not satisfy the circuit");
}

/// The signature witness of a signed transaction, as the witness generator fills it.
fn sig(tx: &SignedTx) -> SignatureWitness {
    match tx {
        SignedTx::Transfer(s) => SignatureWitness::of(s, s.tx.nonce, s.tx.time_range),
        SignedTx::Withdraw(s) => SignatureWitness::of(s, s.tx.nonce, s.tx.time_range),
        SignedTx::ChangePubKey(s) => SignatureWitness::of(s, s.tx.nonce, s.tx.time_range),
        SignedTx::MintNft(s) => SignatureWitness::of(s, s.tx.nonce, s.tx.time_range),
        SignedTx::TransferNft(s) => SignatureWitness::of(s, s.tx.nonce, s.tx.time_range),
        SignedTx::WithdrawNft(s) => SignatureWitness::of(s, s.tx.nonce, s.tx.time_range),
        other => panic!("no single signature: {other:?}"),
    }
}

fn wallet(i: usize) -> Wallet {
    chain().wallets[i].clone()
}

fn id(i: usize) -> u32 {
    chain().wallets[i].account_id.0
}

/// The leaf's first input with the nonce incremented (a carry runs into `nfts_minted`).
fn bumped(fields: [Fr; 3]) -> [Fr; 3] {
    [fields[0] + Fr::ONE, fields[1], fields[2]]
}

/// A block of one transfer (user 0 → user 1, 1 ETH, fee 0.001 ETH) and a Noop.
fn transfer_block() -> Proven {
    prove(2, &[], |w, _| {
        let to = w[1].address;
        vec![w[0].transfer(to, ETH, UNIT, FEE).expect("sign")]
    })
}

/// Replays a signer's debit of `amount` of `token` and its nonce increment on `m`, and writes
/// its unit as chunk 0's unit 0.
fn model_sender(m: &mut Model, w: &mut BlockWitness, id: u32, token: TokenId, amount: u128) {
    w.chunks[0].units[0] = m.unit(id, token);
    m.add(id, token, -fr(amount as i128));
    let f = m.fields(id);
    m.set_fields(id, bumped(f));
}

/// Replays a transfer's effects on `m` (sender debited and bumped, recipient credited) and
/// writes its units, signature and fee path into chunk 0.
fn model_transfer(m: &mut Model, w: &mut BlockWitness, op: &TransferOp, tx: &SignedTx) {
    let (from, to) = (op.from.0, op.to.0);
    model_sender(m, w, from, op.token, op.amount + op.fee);
    w.chunks[0].units[1] = m.unit(to, op.token);
    m.add(to, op.token, Fr::from(op.amount));
    w.chunks[0].signature = sig(tx);
    set_op(w, 0, &Op::Transfer(op.clone()));
    w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
}

/// User 0's transfer of 1 ETH (fee 0.001 ETH) to user 1, signed by `signer` at its nonce.
fn one_eth_from_user0_to_user1(mut signer: Wallet) -> (TransferOp, SignedTx) {
    let tx = signer.transfer(wallet(1).address, ETH, UNIT, FEE).expect("sign");
    let op = TransferOp {
        from: AccountId(id(0)),
        to: AccountId(id(1)),
        token: ETH,
        amount: UNIT,
        fee: FEE,
    };
    (op, tx)
}

// ---- Finding 1: every signed field at its width. ----

#[test]
fn valid_from_cannot_wrap_into_the_nonce() {
    let p = transfer_block();
    // User 0 signed this transfer at nonce n − 1, valid only from TS + 100, then cancelled it
    // by spending nonce n − 1; the account is at nonce n now.
    let mut w0 = wallet(0);
    let n = w0.nonce;
    w0.nonce = n - 1;
    w0.time_range = TimeRange { valid_from: TS + 100, valid_until: TS + 1000 };
    let cancelled = w0.transfer(wallet(1).address, ETH, UNIT, FEE).expect("sign");
    // The witness claims nonce 1 and valid_from − 2⁶⁴: the message element
    // m0 = … + nonce·2¹²⁸ + valid_from·2⁶⁴ + valid_until is the same, so the signature checks,
    // and timestamp − valid_from = TS − (TS + 100) + 2⁶⁴ is a 64-bit number.
    let mut s = sig(&cancelled);
    let two64 = Fr::from(2u64).pow([64]);
    s.nonce = Fr::from(n);
    s.valid_from = Fr::from(TS + 100) - two64;
    let m0 = |nonce: Fr, from: Fr| nonce * two64 * two64 + from * two64;
    assert_eq!(m0(s.nonce, s.valid_from), m0(Fr::from(n - 1), Fr::from(TS + 100)));
    refuses(&p.witness, |w| w.chunks[0].signature = s);
}

#[test]
fn valid_until_cannot_borrow_from_valid_from() {
    let p = transfer_block();
    // valid_until + 2⁶⁴ with valid_from − 1 leaves m0 unchanged: an expired transaction would
    // look valid for 2⁶⁴ more seconds.
    refuses(&p.witness, |w| {
        let s = &mut w.chunks[0].signature;
        s.valid_until += Fr::from(2u64).pow([64]);
        s.valid_from -= Fr::ONE;
    });
}

// ---- Finding 2: accounts are created at next_account_id, in sequence. ----

fn deposit_to_newcomer() -> Proven {
    let to = newcomer(77).address;
    prove(4, &[PriorityOp::Deposit { token: ETH, amount: UNIT, to }], |_, _| vec![])
}

#[test]
fn the_account_counter_is_enforced() {
    let n = chain().state.next_account_id();
    let d = deposit_to_newcomer();
    let Op::Deposit(op) = &d.block.ops[0] else { panic!("a deposit") };
    assert_eq!(op.account_id.0, n, "a new account takes the next id");
    assert_eq!(d.post.next_account_id(), n + 1);
    refuses(&d.witness, |w| w.next_account_id += 1);
    refuses(&d.witness, |w| w.next_account_id -= 1);

    let t = prove(3, &[], |w, _| {
        vec![w[0].transfer(newcomer(78).address, ETH, UNIT, FEE).expect("sign")]
    });
    assert!(matches!(t.block.ops[0], Op::TransferToNew(_)));
    refuses(&t.witness, |w| w.next_account_id += 1);
    refuses(&t.witness, |w| w.next_account_id -= 1);
}

/// A deposit creating an account at `index` (an empty slot), replayed on the model.
fn deposit_at(index: u32) -> BlockWitness {
    let d = deposit_to_newcomer();
    let Op::Deposit(op) = &d.block.ops[0] else { panic!("a deposit") };
    let mut w = open(d.witness.clone());
    let mut m = Model::of(&d.pre);
    w.chunks[0].units[0] = m.unit(index, ETH);
    m.set_fields(index, [Fr::ZERO, Fr::ZERO, fr_from_be_short(op.address.as_slice())]);
    m.add(index, ETH, Fr::from(op.amount));
    set_op(&mut w, 0, &Op::Deposit(DepositOp { account_id: AccountId(index), ..op.clone() }));
    w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    w
}

#[test]
fn a_deposit_cannot_create_an_account_at_another_index() {
    let n = chain().state.next_account_id();
    assert!(satisfied(deposit_at(n)), "control: the model's replay of the honest deposit");
    for index in [n + 1, n + 3, (1 << 24) - 1] {
        assert!(!satisfied(deposit_at(index)), "index {index}");
    }
}

#[test]
fn a_duplicate_address_takes_the_next_id_and_replays() {
    // The circuit does not enforce one account per address (docs/spec/state.md): a deposit
    // naming user 1's address may create a second account, but only at next_account_id, and
    // native state (restore, exits) holds it.
    let c = chain();
    let n = c.state.next_account_id();
    let d = deposit_to_newcomer();
    let address = c.wallets[1].address;
    let dup = DepositOp { account_id: AccountId(n), token: ETH, amount: UNIT, address };
    let mut block = d.block.clone();
    block.ops = vec![Op::Deposit(dup.clone())];
    let w = generate_witness_unchecked(&c.state, &block, &[]).expect("replay");
    assert!(satisfied(open(w)));
    let mut replayed = c.state.clone();
    let created = replayed.create_account(address).expect("create");
    assert_eq!(created, AccountId(n));
    assert_eq!(replayed.account_id_by_address(&address), Some(c.wallets[1].account_id));
    assert_eq!(replayed.account(created).map(|a| a.address), Some(address));
    // Anywhere else it is refused (`a_deposit_cannot_create_an_account_at_another_index`).
    assert_eq!(dup.account_id.0, replayed.next_account_id() - 1);
}

// ---- Finding 3: an empty slot is nobody's. ----

#[test]
fn change_pubkey_on_an_empty_slot_is_refused() {
    let p = prove(4, &[], |_, keyless| {
        let mut k = keyless.clone();
        k.time_range = RANGE;
        vec![k.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign")]
    });
    let n = chain().state.next_account_id();
    // A key for the empty slot n, whose address is 0: the pubdata names address 0, nonce 0.
    let mut stranger = newcomer(79);
    stranger.account_id = AccountId(n);
    stranger.time_range = RANGE;
    let tx = stranger.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    let op = ChangePubKeyOp {
        account_id: AccountId(n),
        pubkey_hash: stranger.pubkey_hash(),
        address: Address::ZERO,
        nonce: 0,
        fee_token: ETH,
        fee: 0,
    };
    refuses(&p.witness, |w| {
        let mut m = Model::of(&p.pre);
        w.chunks[0].units[0] = m.unit(n, ETH);
        m.set_fields(n, [Fr::ONE, stranger.pubkey_hash().to_fr(), Fr::ZERO]);
        w.chunks[0].signature = sig(&tx);
        set_op(w, 0, &Op::ChangePubKey(op));
        w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    });
}

#[test]
fn a_transfer_needs_an_existing_recipient() {
    let p = transfer_block();
    let n = chain().state.next_account_id();
    // Signed to the empty slot's address, 0.
    let tx = wallet(0).transfer(Address::ZERO, ETH, UNIT, FEE).expect("sign");
    let op =
        TransferOp { from: AccountId(id(0)), to: AccountId(n), token: ETH, amount: UNIT, fee: FEE };
    let mut control = open(p.witness.clone());
    let honest = TransferOp { to: AccountId(id(1)), ..op.clone() };
    model_transfer(&mut Model::of(&p.pre), &mut control, &honest, &p.txs[0]);
    assert!(satisfied(control), "control: the model's replay of the honest transfer");
    refuses(&p.witness, |w| model_transfer(&mut Model::of(&p.pre), w, &op, &tx));
}

#[test]
fn transfer_to_new_needs_an_empty_slot() {
    let newbie = newcomer(80).address;
    let p = prove(3, &[], |w, _| vec![w[0].transfer(newbie, ETH, UNIT, FEE).expect("sign")]);
    let Op::TransferToNew(honest) = &p.block.ops[0] else { panic!("a TransferToNew") };
    let occupied = id(2);
    let forged = TransferToNewOp {
        transfer: TransferOp { to: AccountId(occupied), ..honest.transfer.clone() },
        to_address: newbie,
    };
    let replay = |w: &mut BlockWitness, op: &TransferToNewOp| {
        let mut m = Model::of(&p.pre);
        let t = &op.transfer;
        model_sender(&mut m, w, t.from.0, ETH, t.amount + t.fee);
        w.chunks[0].units[1] = m.unit(t.to.0, ETH);
        let f = m.fields(t.to.0);
        m.set_fields(t.to.0, [f[0], f[1], fr_from_be_short(newbie.as_slice())]);
        m.add(t.to.0, ETH, Fr::from(t.amount));
        set_op(w, 0, &Op::TransferToNew(op.clone()));
        w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    };
    let mut control = open(p.witness.clone());
    replay(&mut control, honest);
    assert!(satisfied(control), "control: the model's replay of the honest TransferToNew");
    // The counter is moved to the occupied id, so only the emptiness rule is left to refuse.
    refuses(&p.witness, |w| {
        replay(w, &forged);
        w.next_account_id = occupied;
    });
}

// ---- Overflow and exhaustion. ----

#[test]
fn a_recipient_balance_cannot_pass_2_128() {
    let mut pre = chain().state.clone();
    let full = u128::MAX - UNIT / 2;
    pre.set_balance(AccountId(id(1)), ETH, full);
    let p = prove_on(&pre, 2, &[], |w, _| {
        let to = w[1].address;
        vec![w[0].transfer(to, ETH, UNIT / 4, FEE).expect("sign")]
    });
    let (op, tx) = one_eth_from_user0_to_user1(wallet(0));
    refuses(&p.witness, |w| model_transfer(&mut Model::of(&pre), w, &op, &tx));
}

#[test]
fn balances_cannot_underflow() {
    // Transfer and Withdraw from an account holding half of what they take.
    let mut pre = chain().state.clone();
    pre.set_balance(AccountId(id(0)), ETH, UNIT / 2);
    let p = prove_on(&pre, 2, &[], |w, _| {
        let to = w[1].address;
        vec![w[0].transfer(to, ETH, UNIT / 4, FEE).expect("sign")]
    });
    let (op, tx) = one_eth_from_user0_to_user1(wallet(0));
    refuses(&p.witness, |w| model_transfer(&mut Model::of(&pre), w, &op, &tx));

    let to = wallet(2).address;
    let p =
        prove_on(&pre, 4, &[], |w, _| vec![w[0].withdraw(to, ETH, UNIT / 4, FEE).expect("sign")]);
    let tx = wallet(0).withdraw(to, ETH, UNIT, FEE).expect("sign");
    let op = WithdrawOp { account_id: AccountId(id(0)), token: ETH, amount: UNIT, fee: FEE, to };
    refuses(&p.witness, |w| {
        let mut m = Model::of(&pre);
        model_sender(&mut m, w, id(0), ETH, UNIT + FEE);
        w.chunks[0].signature = sig(&tx);
        set_op(w, 0, &Op::Withdraw(op));
        w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    });
}

#[test]
fn nonces_cannot_be_exhausted() {
    // User 0 at nonce 2³² − 1 signs a transfer: the increment would carry into nfts_minted.
    let mut pre = chain().state.clone();
    pre.update_meta(AccountId(id(0)), |a| a.nonce = u32::MAX).expect("account");
    let p = transfer_block();
    let mut w0 = wallet(0);
    w0.nonce = u32::MAX;
    let (op, tx) = one_eth_from_user0_to_user1(w0);
    refuses(&p.witness, |w| {
        let mut m = Model::of(&pre);
        w.account_root = m.root();
        model_transfer(&mut m, w, &op, &tx);
    });
}

/// User 0 mints an NFT for user 1 (4 chunks).
fn mint_block() -> Proven {
    prove(4, &[], |w, _| {
        let to = w[1].address;
        vec![w[0].mint_nft(to, [9; 32], ETH, FEE).expect("sign")]
    })
}

#[test]
fn nft_counters_cannot_be_exhausted() {
    let mut pre = chain().state.clone();
    pre.update_meta(AccountId(id(0)), |a| a.nfts_minted = u32::MAX).expect("account");
    let p = mint_block();
    refuses(&p.witness, |w| {
        let mut m = Model::of(&pre);
        w.account_root = m.root();
        w.chunks[0].units[0] = m.unit(id(0), ETH);
        m.add(id(0), ETH, -Fr::from(FEE));
        let f = m.fields(id(0));
        m.set_fields(id(0), [f[0] + Fr::ONE + Fr::from(1u64 << 32), f[1], f[2]]);
        w.chunks[0].units[1] = m.unit(id(1), ETH);
        for c in &mut w.chunks {
            c.aux[Aux::Serial as usize] = Fr::from(u32::MAX);
        }
        w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    });
}

#[test]
fn a_signer_needs_a_key() {
    // The keyless account signs with the key it would derive; it never registered it. (The
    // key-hash check refuses this too: no key hashes to 0.)
    let p = transfer_block();
    let mut k = chain().keyless.clone();
    k.time_range = RANGE;
    let tx = k.transfer(wallet(1).address, ETH, UNIT, FEE).expect("sign");
    let op =
        TransferOp { from: k.account_id, to: AccountId(id(1)), token: ETH, amount: UNIT, fee: FEE };
    refuses(&p.witness, |w| model_transfer(&mut Model::of(&p.pre), w, &op, &tx));
}

// ---- NFTs. ----

#[test]
fn mint_records_the_creators_serial_address_and_the_signed_content() {
    let p = mint_block();
    let all = |w: &mut BlockWitness, aux: Aux, v: Fr| {
        w.chunks.iter_mut().take(4).for_each(|c| c.aux[aux as usize] = v);
    };
    refuses(&p.witness, |w| {
        let v = w.chunks[0].aux[Aux::Serial as usize] + Fr::ONE;
        all(w, Aux::Serial, v);
    });
    refuses(&p.witness, |w| {
        all(w, Aux::CreatorAddr, fr_from_be_short(wallet(2).address.as_slice()))
    });
    let Op::MintNft(m) = &p.block.ops[0] else { panic!("a mint") };
    let mut other = m.clone();
    other.content_hash[31] ^= 1;
    refuses(&p.witness, |w| set_op(w, 0, &Op::MintNft(other)));
}

#[test]
fn withdraw_nft_carries_the_info_and_empties_the_slot() {
    let to = wallet(0).address;
    let p =
        prove(7, &[], |w, _| vec![w[0].withdraw_nft(to, NFT_OF_USER0, ETH, FEE).expect("sign")]);
    let Op::WithdrawNft(op) = &p.block.ops[0] else { panic!("a WithdrawNFT") };
    for tamper in 0..4 {
        let mut info = op.info.clone();
        match tamper {
            0 => info.serial += 1,
            1 => info.creator_id = AccountId(id(2)),
            2 => info.creator_address = wallet(2).address,
            _ => info.content_hash[0] ^= 1,
        }
        let forged = Op::WithdrawNft(WithdrawNftOp { info, ..op.clone() });
        refuses(&p.witness, |w| set_op(w, 0, &forged));
    }
    refuses(&p.witness, |w| w.chunks[0].units[1].empty_after = false);
}

#[test]
fn transfer_nft_goes_to_the_signed_recipient() {
    let transfer_to = |r: usize| {
        prove(2, &[], |w, _| {
            let to = w[r].address;
            vec![w[0].transfer_nft(to, NFT_OF_USER0, ETH, FEE).expect("sign")]
        })
    };
    let (p, other) = (transfer_to(1), transfer_to(2));
    let Op::TransferNft(op) = &p.block.ops[0] else { panic!("a TransferNFT") };
    let forged = Op::TransferNft(TransferNftOp { to: AccountId(id(2)), ..op.clone() });
    // Signed to user 1; the NFT goes to user 2, whose leaf is read in chunk 1.
    refuses(&p.witness, |w| {
        set_op(w, 0, &forged);
        w.chunks[1].units[1] = other.witness.chunks[1].units[1].clone();
    });
}

// ---- Swaps. ----

/// The block of `p` with the swap replaced by `op` signed as `tx`, from the unchecked replay.
fn swap_as(p: &Proven, op: SwapOp, tx: SignedTx) -> BlockWitness {
    let mut b = p.block.clone();
    b.ops = vec![Op::Swap(op)];
    open(generate_witness_unchecked(&p.pre, &b, &[tx]).expect("replay"))
}

/// User 0's fill-or-kill order (1 ETH for 2 T1) against user 1's limit order, submitted by
/// user 2 (3 chunks).
fn honest_swap() -> Proven {
    prove(3, &[], |w, _| {
        let fill = w[0].order(ETH, T1, (1, 2), UNIT).expect("order");
        let limit = w[1].order(T1, ETH, (2, 1), 0).expect("order");
        vec![w[2].swap([fill, limit], [UNIT, 2 * UNIT], T1, FEE).expect("sign")]
    })
}

#[test]
fn swap_orders_need_two_accounts_and_two_tokens() {
    let p = honest_swap();
    assert!(satisfied(p.witness.clone()));
    let Op::Swap(s) = &p.block.ops[0] else { panic!("a swap") };
    // Both orders from user 0.
    let w0 = wallet(0);
    let a = w0.order(ETH, T1, (1, 2), 0).expect("order");
    let b = w0.order(T1, ETH, (2, 1), 0).expect("order");
    let tx = wallet(2).swap([a, b], [UNIT, 2 * UNIT], T1, FEE).expect("sign");
    let op = SwapOp { accounts: [AccountId(id(0)), AccountId(id(0))], nonce_mask: 0, ..s.clone() };
    assert!(!satisfied(swap_as(&p, op, tx)), "one account on both sides");
    // Both sell and buy ETH.
    let a = wallet(0).order(ETH, ETH, (1, 1), 0).expect("order");
    let b = wallet(1).order(ETH, ETH, (1, 1), 0).expect("order");
    let tx = wallet(2).swap([a, b], [UNIT, UNIT], T1, FEE).expect("sign");
    let op = SwapOp { tokens: [ETH, ETH], amounts: [UNIT, UNIT], nonce_mask: 0, ..s.clone() };
    assert!(!satisfied(swap_as(&p, op, tx)), "one token on both sides");
}

#[test]
fn swap_amounts_are_non_zero_and_ratios_in_range() {
    let p = honest_swap();
    let Op::Swap(s) = &p.block.ops[0] else { panic!("a swap") };
    let limits = |r0: (u128, u128), r1: (u128, u128), amounts: [u128; 2]| {
        let a = wallet(0).order(ETH, T1, r0, 0).expect("order");
        let b = wallet(1).order(T1, ETH, r1, 0).expect("order");
        let tx = wallet(2).swap([a, b], amounts, T1, FEE).expect("sign");
        swap_as(&p, SwapOp { amounts, nonce_mask: 0, ..s.clone() }, tx)
    };
    assert!(satisfied(limits((1, 2), (2, 1), [UNIT, 2 * UNIT])), "control: two limit orders");
    assert!(!satisfied(limits((1, 2), (2, 1), [0, 0])), "nothing swapped");
    assert!(!satisfied(limits((1, 0), (2, 1), [UNIT, 2 * UNIT])), "a zero ratio side");
    assert!(!satisfied(limits((0, 1), (2, 1), [UNIT, 2 * UNIT])), "a zero ratio side");
    let big = 1u128 << 120;
    assert!(!satisfied(limits((big, big), (2, 1), [UNIT, 2 * UNIT])), "a ratio past 2^120");
}

#[test]
fn the_submitters_own_order_takes_no_extra_nonce() {
    // User 2 submits and fills its own fill-or-kill order: its swap increment covers it.
    let p = prove(3, &[], |w, _| {
        let fill = w[2].order(ETH, T1, (1, 2), UNIT).expect("order");
        let limit = w[1].order(T1, ETH, (2, 1), 0).expect("order");
        vec![w[2].swap([fill, limit], [UNIT, 2 * UNIT], T1, FEE).expect("sign")]
    });
    let Op::Swap(s) = &p.block.ops[0] else { panic!("a swap") };
    assert_eq!(s.nonce_mask, 0);
    let ops = vec![Op::Swap(SwapOp { nonce_mask: 1, ..s.clone() })];
    let mut b = p.block.clone();
    b.ops = ops;
    let w = generate_witness_unchecked(&p.pre, &b, &p.txs).expect("replay");
    assert!(!satisfied(open(w)));
}

// ---- The frame: opcodes and the end of the block. ----

#[test]
fn unknown_opcodes_are_refused() {
    let p = transfer_block();
    for opcode in [13u8, 14, 15] {
        refuses(&p.witness, |w| {
            w.chunks[1].pubdata[0] = opcode << 4;
            w.chunks[1].opcode = opcode;
        });
        // The opcode's bits under a Noop's frame.
        refuses(&p.witness, |w| w.chunks[1].pubdata[0] = opcode << 4);
    }
}

#[test]
fn a_block_ends_with_a_whole_operation() {
    let c = chain();
    let to = c.wallets[1].address;
    let p = prove(5, &[PriorityOp::Deposit { token: ETH, amount: UNIT, to }], |_, _| vec![]);
    assert_eq!(p.witness.chunks[0].opcode, tx_type::DEPOSIT);
    // The deposit's effects are all in chunk 0; the block stops after chunk 2.
    refuses(&p.witness, |w| w.chunks.truncate(3));
}

// ---- The fee account. ----

#[test]
fn the_fee_account_exists() {
    let c = chain();
    let to = c.wallets[1].address;
    let p = prove(4, &[PriorityOp::Deposit { token: ETH, amount: UNIT, to }], |_, _| vec![]);
    let empty = c.state.next_account_id();
    let mut post: State = p.post.clone();
    let (_, path) = post.account_proof(AccountId(empty)).expect("proof");
    let mut m = Model::of(&State::new());
    let proof = m.unit(0, ETH).balance_proof;
    refuses(&p.witness, |w| {
        w.header.fee_account = AccountId(empty);
        w.fees.fields = Default::default();
        w.fees.account_proof = path;
        for (k, slot) in w.fees.slots.iter_mut().enumerate() {
            slot.balance = 0;
            slot.balance_proof = proof.clone();
            assert_eq!(slot.amount, 0, "slot {k}: a block without fees");
        }
    });
}

#[test]
fn fee_tokens_are_distinct() {
    let p = transfer_block();
    refuses(&p.witness, |w| {
        let first = w.fees.slots[0].clone();
        assert_eq!(first.token, ETH);
        w.fees.slots[1].token = ETH;
        w.fees.slots[1].amount = first.amount;
        w.fees.slots[1].balance = first.balance + first.amount;
        w.fees.slots[1].balance_proof = first.balance_proof;
    });
}

#[test]
fn every_account_leaf_field_of_an_empty_slot_is_checked() {
    // A TransferToNew into a slot whose fields sum to zero in the field but are not zero: the
    // old sum check would have passed it; each field is checked now. (A leaf like this cannot
    // be reached, which is why the check must not rest on that.)
    let newbie = newcomer(81).address;
    let p = prove(3, &[], |w, _| vec![w[0].transfer(newbie, ETH, UNIT, FEE).expect("sign")]);
    let Op::TransferToNew(op) = &p.block.ops[0] else { panic!("a TransferToNew") };
    let n = op.transfer.to.0;
    refuses(&p.witness, |w| {
        let mut m = Model::of(&p.pre);
        // Slot n holds f1 = 1, f2 = −1: f0 + f1 + f2 = 0.
        m.set_fields(n, [Fr::ZERO, Fr::ONE, -Fr::ONE]);
        w.account_root = m.root();
        let t = &op.transfer;
        model_sender(&mut m, w, t.from.0, ETH, t.amount + t.fee);
        w.chunks[0].units[1] = m.unit(n, ETH);
        m.set_fields(n, [Fr::ZERO, Fr::ONE, fr_from_be_short(newbie.as_slice())]);
        m.add(n, ETH, Fr::from(t.amount));
        w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    });
}

#[test]
fn full_exit_nft_says_whether_it_was_served() {
    let c = chain();
    let (id1, owner) = (c.wallets[1].account_id, c.wallets[1].address);
    let p = prove(
        7,
        &[PriorityOp::FullExitNft { account_id: id1, owner, nft_id: NFT_OF_USER1 }],
        |_, _| vec![],
    );
    let Op::FullExitNft(f) = &p.block.ops[0] else { panic!("a FullExitNFT") };
    assert!(f.success);
    // Served, but the flag says not (the info is carried, the slot empties).
    let bits = |w: &mut BlockWitness| {
        // Clear only the flag bit (operation bit 684: chunk 6, chunk bit 60, byte 7, mask 0x08).
        w.chunks[6].pubdata[7] &= !0x08;
        for c in w.chunks.iter_mut().take(7) {
            c.args[tern_circuit::layout::Arg::Mask as usize] = Fr::ZERO;
        }
    };
    refuses(&p.witness, bits);
    // Not served (someone else's request), but flagged.
    let q = prove(
        7,
        &[PriorityOp::FullExitNft {
            account_id: id1,
            owner: c.wallets[2].address,
            nft_id: NFT_OF_USER1,
        }],
        |_, _| vec![],
    );
    let Op::FullExitNft(g) = &q.block.ops[0] else { panic!("a FullExitNFT") };
    assert!(!g.success);
    refuses(&q.witness, |w| {
        w.chunks[6].pubdata[7] |= 0x08;
        for c in w.chunks.iter_mut().take(7) {
            c.args[tern_circuit::layout::Arg::Mask as usize] = Fr::ONE;
        }
    });
}

// ---- What the pubdata names is what the units update. ----

#[test]
fn change_pubkey_names_the_accounts_nonce() {
    // L1 checks the ChangePubKey authorisation against the pubdata's nonce, so the pubdata
    // must carry the nonce the account really had.
    let p = prove(4, &[], |_, keyless| {
        let mut k = keyless.clone();
        k.time_range = RANGE;
        vec![k.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign")]
    });
    let Op::ChangePubKey(op) = &p.block.ops[0] else { panic!("a ChangePubKey") };
    let later = ChangePubKeyOp { nonce: op.nonce + 1, ..op.clone() };
    refuses(&p.witness, |w| set_op(w, 0, &Op::ChangePubKey(later)));
}

#[test]
fn new_accounts_never_have_the_zero_address() {
    let n = chain().state.next_account_id();
    // A deposit to address 0 at the next id.
    let mut w = deposit_at(n);
    let d = deposit_to_newcomer();
    let Op::Deposit(op) = &d.block.ops[0] else { panic!("a deposit") };
    let mut m = Model::of(&d.pre);
    m.add(n, ETH, Fr::from(op.amount));
    set_op(&mut w, 0, &Op::Deposit(DepositOp { address: Address::ZERO, ..op.clone() }));
    w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    assert!(!satisfied(w), "a deposit to the zero address");

    // A transfer that creates an account for address 0, signed as such.
    let newbie = newcomer(82).address;
    let p = prove(3, &[], |w, _| vec![w[0].transfer(newbie, ETH, UNIT, FEE).expect("sign")]);
    let Op::TransferToNew(honest) = &p.block.ops[0] else { panic!("a TransferToNew") };
    let tx = wallet(0).transfer(Address::ZERO, ETH, UNIT, FEE).expect("sign");
    refuses(&p.witness, |w| {
        let mut m = Model::of(&p.pre);
        let t = &honest.transfer;
        model_sender(&mut m, w, t.from.0, ETH, t.amount + t.fee);
        w.chunks[0].units[1] = m.unit(t.to.0, ETH);
        m.add(t.to.0, ETH, Fr::from(t.amount));
        w.chunks[0].signature = sig(&tx);
        let op = TransferToNewOp { transfer: t.clone(), to_address: Address::ZERO };
        set_op(w, 0, &Op::TransferToNew(op));
        w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    });
}

#[test]
fn a_unit_updates_the_named_token() {
    // The pubdata says ETH; the sender's T1 balance pays instead.
    let p = transfer_block();
    refuses(&p.witness, |w| {
        let mut m = Model::of(&p.pre);
        model_sender(&mut m, w, id(0), T1, UNIT + FEE);
        w.chunks[0].units[1] = m.unit(id(1), ETH);
        m.add(id(1), ETH, Fr::from(UNIT));
        w.fees.account_proof = m.proof(FEE_ACCOUNT.0);
    });
}
