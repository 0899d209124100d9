//! The block circuit on blocks holding every operation type, built natively by `build_block`:
//! an honest block satisfies the circuit with `Block::public_input` as its input.

mod kit;

use kit::*;
use tern_state::wallet::AuthKind;
use tern_state::PriorityOp;
use tern_types::{Op, ETH};

/// Every operation type in one block of capacity 56 (55 chunks used, one Noop).
fn every_op() -> Proven {
    let c = chain();
    let newcomer_a = newcomer(6);
    let owner1 = c.wallets[1].address;
    let owner3 = c.wallets[3].address;
    let priority = vec![
        PriorityOp::Deposit { token: ETH, amount: UNIT, to: newcomer_a.address },
        PriorityOp::Deposit { token: T1, amount: UNIT, to: c.wallets[2].address },
        PriorityOp::FullExit { account_id: c.wallets[3].account_id, owner: owner3, token: T1 },
        PriorityOp::FullExit { account_id: c.wallets[3].account_id, owner: owner1, token: ETH },
        PriorityOp::FullExitNft {
            account_id: c.wallets[1].account_id,
            owner: owner1,
            nft_id: NFT_OF_USER1,
        },
    ];
    prove(56, &priority, |w, keyless| {
        let mut fresh = newcomer_a.clone();
        fresh.account_id = tern_types::AccountId(c.state.account_count());
        fresh.time_range = RANGE;
        let (a0, a1, a2) = (w[0].address, w[1].address, w[2].address);
        let mut txs = vec![
            w[0].transfer(a1, ETH, UNIT, FEE).expect("sign"),
            w[0].transfer(newcomer(7).address, T1, UNIT, FEE).expect("sign"),
            w[1].withdraw(a2, T1, UNIT / 3, FEE).expect("sign"),
            fresh.change_pubkey(AuthKind::Ecdsa, ETH, FEE).expect("sign"),
            w[2].forced_exit(keyless.address, T1, FEE).expect("sign"),
        ];
        // A fill-or-kill order (consumes user 0's nonce) against a limit order (does not).
        let fill = w[0].order(ETH, T1, (1, 2), UNIT).expect("order");
        let limit = w[1].order(T1, ETH, (2, 1), 0).expect("order");
        w[0].nonce += 1;
        txs.extend([
            w[2].swap([fill, limit], [UNIT, 2 * UNIT], T1, FEE).expect("sign"),
            w[2].mint_nft(a0, [7; 32], ETH, FEE).expect("sign"),
            w[0].transfer_nft(a2, NFT_OF_USER0, T1, FEE).expect("sign"),
            w[1].withdraw_nft(a1, NFT2_OF_USER1, ETH, 0).expect("sign"),
        ]);
        txs
    })
}

#[test]
fn a_block_of_every_operation_satisfies_the_circuit() {
    let p = every_op();
    let names: Vec<&str> = p.block.ops.iter().map(Op::name).collect();
    assert_eq!(p.block.used_chunks(), 55, "{names:?}");
    assert!(satisfied(p.witness.clone()));
}

/// The constraint system of key generation (no witness) is the one a prover builds.
#[test]
fn setup_shape_equals_proving_shape() {
    use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
    use tern_circuit::block::BlockCircuit;
    let p = prove(8, &[], |w, _| {
        let a1 = w[1].address;
        vec![
            w[0].transfer(a1, ETH, UNIT, FEE).expect("sign"),
            w[0].transfer(newcomer(8).address, T1, UNIT, FEE).expect("sign"),
            w[1].withdraw(a1, ETH, UNIT, FEE).expect("sign"),
        ]
    });
    let proving = synthesise(BlockCircuit::with_witness(p.witness));
    let setup = ConstraintSystem::<tern_primitives::Fr>::new_ref();
    setup.set_mode(SynthesisMode::Setup);
    BlockCircuit::setup(8).generate_constraints(setup.clone()).expect("setup synthesis");
    assert_eq!(setup.num_constraints(), proving.num_constraints());
    assert_eq!(setup.num_witness_variables(), proving.num_witness_variables());
    assert_eq!(setup.num_instance_variables(), proving.num_instance_variables());
    println!("capacity 8: {} constraints", setup.num_constraints());
}

#[test]
fn priority_operations_may_be_interleaved() {
    // A transfer, then a deposit that creates an account, then a full exit: the same operations
    // as the builder's order (priority first), in another order. The circuit and native replay
    // take operations in pubdata order whatever their kind (docs/spec/circuit.md).
    let c = chain();
    let to = newcomer(90).address;
    let owner = c.wallets[3].address;
    let p = prove(
        9,
        &[
            PriorityOp::Deposit { token: ETH, amount: UNIT, to },
            PriorityOp::FullExit { account_id: c.wallets[3].account_id, owner, token: T1 },
        ],
        |w, _| {
            let a1 = w[1].address;
            vec![w[0].transfer(a1, ETH, UNIT, FEE).expect("sign")]
        },
    );
    assert!(p.block.ops[0].is_priority(), "the builder puts priority operations first");
    let mut block = p.block.clone();
    block.ops.rotate_left(2);
    assert!(!block.ops[0].is_priority() && block.ops[1].is_priority());
    let w = tern_circuit::witness::generate_witness(&p.pre, &block, &p.txs).expect("witness");
    assert_eq!(w.header.new_root, p.block.header.new_root, "the same state after the block");
    let input = |b: &tern_types::Block| b.public_input().expect("input");
    assert_ne!(input(&block), input(&p.block), "another commitment");
    assert!(satisfied(w));
}
