//! Native execution and the block circuit agree on random blocks: a block of random
//! transactions, some of them broken (a wrong nonce, an expired or future time range, an
//! amount above the balance, another signer's key), is accepted natively (`State::apply_tx` on
//! every transaction) if and only if its witness satisfies the circuit.
//!
//! The block is made straight from the transactions' operations, without the builder, so the
//! circuit also sees the blocks native execution refuses; their witness comes from
//! `generate_witness_unchecked`. A replay that cannot even write the effects (a balance below
//! zero) has no witness, which counts as refused.

mod kit;

use kit::*;
use proptest::prelude::*;
use tern_circuit::witness::generate_witness_unchecked;
use tern_state::execute::{BlockContext, Fees};
use tern_state::NoFacts;
use tern_types::op::{TransferOp, WithdrawOp};
use tern_types::{Block, BlockHeader, Op, SignedTx, TimeRange, TokenId, ETH};

/// One random transaction: its kind, parties, token, size and how it is broken.
#[derive(Debug, Clone)]
struct Draw {
    withdraw: bool,
    from: usize,
    to: usize,
    token: TokenId,
    /// Thousandths of a unit; above 10,000 overdraws.
    milli: u128,
    fee: u128,
    /// 0: honest; 1: nonce + 1; 2: expired; 3: not yet valid; 4: signed by another key.
    flaw: u8,
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        any::<bool>(),
        0..4usize,
        0..4usize,
        prop_oneof![Just(ETH), Just(T1)],
        prop_oneof![1u128..5_000, Just(20_000u128)],
        prop_oneof![Just(0u128), Just(FEE)],
        prop_oneof![4 => Just(0u8), 1 => 1u8..5],
    )
        .prop_map(|(withdraw, from, to, token, milli, fee, flaw)| Draw {
            withdraw,
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
    for d in draws {
        let to = wallets[d.to].address;
        let to_id = wallets[d.to].account_id;
        let amount = d.milli * UNIT / 1000;
        let signer_index = if d.flaw == 4 { (d.from + 1) % 4 } else { d.from };
        let mut signer = wallets[signer_index].clone();
        signer.account_id = wallets[d.from].account_id;
        signer.nonce = wallets[d.from].nonce + u32::from(d.flaw == 1);
        signer.time_range = match d.flaw {
            2 => TimeRange { valid_from: 0, valid_until: TS - 1 },
            3 => TimeRange { valid_from: TS + 1, valid_until: u64::MAX },
            _ => RANGE,
        };
        let from = signer.account_id;
        let (tx, op) = if d.withdraw {
            let tx = signer.withdraw(to, d.token, amount, d.fee).expect("sign");
            let op = WithdrawOp { account_id: from, token: d.token, amount, fee: d.fee, to };
            (tx, Op::Withdraw(op))
        } else {
            let tx = signer.transfer(to, d.token, amount, d.fee).expect("sign");
            let op = TransferOp { from, to: to_id, token: d.token, amount, fee: d.fee };
            (tx, Op::Transfer(op))
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

/// Whether the circuit accepts the block of `ops`.
fn circuit_accepts(ops: Vec<Op>, txs: &[SignedTx]) -> bool {
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
    match generate_witness_unchecked(&c.state, &block, txs) {
        Ok(w) => satisfied(w),
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
        prop_assert_eq!(native, circuit_accepts(ops, &txs), "{:?}", draws);
    }
}
