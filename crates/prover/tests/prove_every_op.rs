//! Groth16 at the test capacity (8 chunks) with the INSECURE dev setup: seven blocks that
//! together hold every operation type are proven, and each proof verifies against its block's
//! `Block::public_input` and against no other block's.
//!
//! The chain and block set-up is the block-circuit tests' kit, shared by path.

#[path = "../../circuit/tests/kit/mod.rs"]
mod kit;

use ark_std::rand::SeedableRng;
use kit::*;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use tern_circuit::block::BlockCircuit;
use tern_prover::{dev_setup, prove as prove_groth16, verify};
use tern_state::wallet::AuthKind;
use tern_state::PriorityOp;
use tern_types::op::op_chunks;
use tern_types::{Op, ETH};

const CAPACITY: usize = 8;

/// Seven blocks of capacity 8 that between them hold all 13 operation types.
fn blocks() -> Vec<Proven> {
    let c = chain();
    let u = |i: usize| (c.wallets[i].account_id, c.wallets[i].address);
    vec![
        prove(
            CAPACITY,
            &[PriorityOp::Deposit { token: ETH, amount: UNIT, to: newcomer(9).address }],
            |w, _| {
                let to = w[2].address;
                vec![w[1].withdraw(to, T1, UNIT, FEE).expect("sign")]
            },
        ),
        prove(
            CAPACITY,
            &[PriorityOp::FullExit { account_id: u(3).0, owner: u(3).1, token: T1 }],
            |_, keyless| {
                let mut k = keyless.clone();
                k.time_range = RANGE;
                vec![k.change_pubkey(AuthKind::Ecdsa, ETH, FEE).expect("sign")]
            },
        ),
        prove(CAPACITY, &[], |w, _| {
            let (a1, a2) = (w[1].address, w[2].address);
            let mut txs = vec![
                w[0].transfer(a1, ETH, UNIT, FEE).expect("sign"),
                w[3].transfer(newcomer(10).address, T1, UNIT, FEE).expect("sign"),
            ];
            let fill = w[0].order(ETH, T1, (1, 2), UNIT).expect("order");
            let limit = w[1].order(T1, ETH, (2, 1), 0).expect("order");
            txs.push(w[2].swap([fill, limit], [UNIT, 2 * UNIT], T1, FEE).expect("sign"));
            let _ = a2;
            txs
        }),
        prove(CAPACITY, &[], |w, keyless| {
            let to = w[0].address;
            vec![
                w[1].forced_exit(keyless.address, ETH, FEE).expect("sign"),
                w[2].mint_nft(to, [3; 32], T1, FEE).expect("sign"),
            ]
        }),
        prove(CAPACITY, &[], |w, _| {
            let to = w[3].address;
            vec![w[0].transfer_nft(to, NFT_OF_USER0, ETH, FEE).expect("sign")]
        }),
        prove(CAPACITY, &[], |w, _| {
            let to = w[1].address;
            vec![w[1].withdraw_nft(to, NFT2_OF_USER1, T1, FEE).expect("sign")]
        }),
        prove(
            CAPACITY,
            &[PriorityOp::FullExitNft { account_id: u(1).0, owner: u(1).1, nft_id: NFT_OF_USER1 }],
            |_, _| vec![],
        ),
    ]
}

#[test]
fn blocks_of_every_operation_type_are_proven_and_verified() {
    let blocks = blocks();
    let mut seen: Vec<u8> =
        blocks.iter().flat_map(|p| p.block.ops.iter().map(Op::opcode)).collect();
    seen.push(0); // every block pads with Noops
    seen.sort_unstable();
    seen.dedup();
    let all: Vec<u8> = (0u8..=12).filter(|&o| op_chunks(o).is_some()).collect();
    assert_eq!(seen, all, "the blocks hold every operation type");

    let start = Instant::now();
    let keys = dev_setup(CAPACITY, 7).expect("setup");
    println!("setup at capacity {CAPACITY}: {:.1?}", start.elapsed());
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut proofs = Vec::new();
    for p in &blocks {
        assert!(satisfied(p.witness.clone()), "the witness satisfies the circuit");
        let start = Instant::now();
        let proof = prove_groth16(&keys, BlockCircuit::with_witness(p.witness.clone()), &mut rng)
            .expect("prove");
        println!(
            "{:?}: proven in {:.1?}",
            p.block.ops.iter().map(Op::name).collect::<Vec<_>>(),
            start.elapsed()
        );
        let input = p.block.public_input().expect("input");
        assert!(verify(&keys.vk, input, &proof).expect("verify"), "the proof verifies");
        proofs.push((input, proof));
    }
    // No proof verifies for another block's commitment.
    for (i, (_, proof)) in proofs.iter().enumerate() {
        let (other, _) = &proofs[(i + 1) % proofs.len()];
        assert!(!verify(&keys.vk, *other, proof).expect("verify"));
    }
}
