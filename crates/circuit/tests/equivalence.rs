//! Native execution and the block circuit agree on random blocks: a block of random
//! transactions (transfers, transfers that create the recipient, withdrawals), some of them
//! broken (a wrong nonce, an expired or future time range, an amount above the balance,
//! another signer's key, a cancelled transaction replayed through the `valid_from` wrap), is
//! accepted natively (`State::apply_tx` on every transaction) if and only if its witness
//! satisfies the circuit.
//!
//! The block is made straight from the transactions' operations, without the builder, so the
//! circuit also sees the blocks native execution refuses; their witness comes from
//! `generate_witness_unchecked`. A replay that cannot even write the effects (a balance below
//! zero) has no witness, which counts as refused.

mod kit;

use ark_ff::Field;
use kit::*;
use proptest::prelude::*;
use tern_circuit::witness::{generate_witness_unchecked, BlockWitness};
use tern_primitives::Fr;
use tern_state::execute::{BlockContext, Fees};
use tern_state::NoFacts;
use tern_types::op::{TransferOp, TransferToNewOp, WithdrawOp};
use tern_types::{Block, BlockHeader, Op, SignedTx, TimeRange, TokenId, ETH};

/// One random transaction: its kind, parties, token, size and how it is broken.
#[derive(Debug, Clone)]
struct Draw {
    /// 0: transfer; 1: withdrawal; 2: transfer to a new address (creates the account).
    kind: u8,
    from: usize,
    to: usize,
    token: TokenId,
    /// Thousandths of a unit; above 10,000 overdraws.
    milli: u128,
    fee: u128,
    /// 0: honest; 1: nonce + 1; 2: expired; 3: not yet valid; 4: signed by another key;
    /// 5: signed at the previous nonce and not yet valid, presented as the current nonce with
    /// `valid_from − 2⁶⁴` (the witness is tampered after generation).
    flaw: u8,
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        0..3u8,
        0..4usize,
        0..4usize,
        prop_oneof![Just(ETH), Just(T1)],
        prop_oneof![1u128..5_000, Just(20_000u128)],
        prop_oneof![Just(0u128), Just(FEE)],
        prop_oneof![4 => Just(0u8), 2 => 1u8..6],
    )
        .prop_map(|(kind, from, to, token, milli, fee, flaw)| Draw {
            kind,
            from,
            to,
            token,
            milli,
            fee,
            flaw,
        })
}

/// Signs the draws in order; returns the transactions and their operations.
fn sign(draws: &[Draw]) -> (Vec<SignedTx>, Vec<Op>) {
    let c = chain();
    let mut wallets = c.wallets.clone();
    let mut txs = Vec::new();
    let mut ops = Vec::new();
    let mut next_id = c.state.next_account_id();
    for (k, d) in draws.iter().enumerate() {
        let fresh = newcomer(1000 + k as u64).address;
        let (to, to_id) = if d.kind == 2 {
            (fresh, tern_types::AccountId(next_id))
        } else {
            (wallets[d.to].address, wallets[d.to].account_id)
        };
        let amount = d.milli * UNIT / 1000;
        let signer_index = if d.flaw == 4 { (d.from + 1) % 4 } else { d.from };
        let mut signer = wallets[signer_index].clone();
        signer.account_id = wallets[d.from].account_id;
        signer.nonce = wallets[d.from].nonce + u32::from(d.flaw == 1);
        if d.flaw == 5 {
            signer.nonce -= 1;
        }
        signer.time_range = match d.flaw {
            2 => TimeRange { valid_from: 0, valid_until: TS - 1 },
            3 => TimeRange { valid_from: TS + 1, valid_until: u64::MAX },
            5 => TimeRange { valid_from: TS + 100, valid_until: TS + 1000 },
            _ => RANGE,
        };
        let from = signer.account_id;
        let (tx, op) = if d.kind == 1 {
            let tx = signer.withdraw(to, d.token, amount, d.fee).expect("sign");
            let op = WithdrawOp { account_id: from, token: d.token, amount, fee: d.fee, to };
            (tx, Op::Withdraw(op))
        } else {
            let tx = signer.transfer(to, d.token, amount, d.fee).expect("sign");
            let op = TransferOp { from, to: to_id, token: d.token, amount, fee: d.fee };
            if d.kind == 2 {
                next_id += 1;
                (tx, Op::TransferToNew(TransferToNewOp { transfer: op, to_address: to }))
            } else {
                (tx, Op::Transfer(op))
            }
        };
        wallets[d.from].nonce += 1;
        txs.push(tx);
        ops.push(op);
    }
    (txs, ops)
}

/// Whether native execution accepts every transaction, in order.
fn native_accepts(txs: &[SignedTx]) -> bool {
    let mut state = chain().state.clone();
    let ctx =
        BlockContext { chain: CHAIN, timestamp: TS, fee_account: FEE_ACCOUNT, facts: &NoFacts };
    let mut fees = Fees::default();
    txs.iter().all(|tx| {
        state
            .verify_signatures(tx)
            .and_then(|signers| state.apply_tx(tx, &signers, &ctx, &mut fees))
            .is_ok()
    })
}

/// The `valid_from` wrap of flaw 5: the chunk of each such draw claims the account's current
/// nonce and `valid_from − 2⁶⁴`, which leaves the signed message unchanged.
fn wrap_valid_from(w: &mut BlockWitness, draws: &[Draw], ops: &[Op]) {
    let two64 = Fr::from(2u64).pow([64]);
    let mut chunk = 0;
    for (d, op) in draws.iter().zip(ops) {
        if d.flaw == 5 {
            let s = &mut w.chunks[chunk].signature;
            s.nonce += Fr::from(1u64);
            s.valid_from -= two64;
        }
        chunk += op.chunks();
    }
}

/// Whether the circuit accepts the block of `ops`.
fn circuit_accepts(ops: Vec<Op>, txs: &[SignedTx], draws: &[Draw]) -> bool {
    let c = chain();
    let mut pre = c.state.clone();
    let block = Block {
        header: BlockHeader {
            number: 4,
            fee_account: FEE_ACCOUNT,
            timestamp: TS,
            old_root: pre.root(),
            new_root: pre.root(),
        },
        ops,
        capacity: 8,
        change_pubkey_auth: vec![],
    };
    let ops = block.ops.clone();
    match generate_witness_unchecked(&c.state, &block, txs) {
        Ok(mut w) => {
            wrap_valid_from(&mut w, draws, &ops);
            satisfied(w)
        }
        Err(_) => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn native_accepts_iff_the_circuit_is_satisfied(draws in prop::collection::vec(draw(), 1..4)) {
        let (txs, ops) = sign(&draws);
        let chunks: usize = ops.iter().map(Op::chunks).sum();
        prop_assume!(chunks <= 8);
        let native = native_accepts(&txs);
        prop_assert_eq!(native, circuit_accepts(ops, &txs, &draws), "{:?}", draws);
    }
}
