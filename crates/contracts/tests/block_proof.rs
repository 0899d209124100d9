//! A real block proof verified on revm by the verifier generated from the block circuit's
//! (INSECURE, dev) verifying key: a capacity-2 block of two transfers on the block-circuit
//! tests' chain (`kit`, shared by path), proven with
//! `tern_prover`, passes against `Block::public_input`; the same proof with another input, a
//! tampered proof, and another block's proof fail. Prints the verification gas (run with
//! `--nocapture`). Slow: one setup and two proofs of the block circuit.

#[path = "../../circuit/tests/kit/mod.rs"]
mod kit;

use alloy_primitives::{address, Address as EvmAddress, U256};
use ark_std::rand::SeedableRng;
use kit::*;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use tern_circuit::block::BlockCircuit;
use tern_contracts::bindings::GasProbe;
use tern_contracts::verifier::{creation_code, encode_input, encode_proof};
use tern_contracts::Evm;
use tern_prover::{dev_setup, prove as prove_groth16};
use tern_types::ETH;

const CAPACITY: usize = 2;
const DEPLOYER: EvmAddress = address!("0x00000000000000000000000000000000000d0e01");

#[test]
fn real_block_proof_verifies_on_revm() {
    // Two blocks from the same state (the shared test chain).
    let a = prove(CAPACITY, &[], |w, _| {
        let (a1, a2) = (w[1].address, w[2].address);
        vec![
            w[0].transfer(a1, ETH, UNIT, FEE).expect("sign"),
            w[1].transfer(a2, T1, UNIT / 2, 2 * FEE).expect("sign"),
        ]
    });
    let b = prove(CAPACITY, &[], |w, _| {
        let a0 = w[0].address;
        vec![w[2].transfer(a0, ETH, UNIT / 4, 0).expect("sign")]
    });
    let (block_a, witness_a) = (a.block, a.witness);
    let (block_b, witness_b) = (b.block, b.witness);

    let t = Instant::now();
    let keys = dev_setup(CAPACITY, 42).expect("setup");
    println!("dev_setup(capacity {CAPACITY}): {:?}", t.elapsed());
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let t = Instant::now();
    let proof_a =
        prove_groth16(&keys, BlockCircuit::with_witness(witness_a), &mut rng).expect("prove");
    let proof_b =
        prove_groth16(&keys, BlockCircuit::with_witness(witness_b), &mut rng).expect("prove");
    println!("two proofs (capacity {CAPACITY}): {:?}", t.elapsed());

    let mut evm = Evm::new();
    let code = creation_code(&keys.vk).expect("one public input");
    let (verifier, _) = evm.deploy(DEPLOYER, code).expect("deploy");
    let (probe, _) = evm.deploy(DEPLOYER, GasProbe::BYTECODE.clone()).expect("probe");
    let input_a = encode_input(&block_a.public_input().expect("input"));
    let input_b = encode_input(&block_b.public_input().expect("input"));
    let mut check = |proof: [U256; 8], input: U256| -> (bool, u64) {
        let r = evm
            .call(DEPLOYER, probe, &GasProbe::measureVerifyCall { verifier, proof, input })
            .expect("call")
            .ret;
        (r.ok, r.gasUsed.saturating_to())
    };

    let (ok, gas) = check(encode_proof(&proof_a), input_a);
    assert!(ok, "the honest block's proof verifies");
    println!("verifyProof gas for a real block proof (capacity {CAPACITY}): {gas}");
    assert!(gas <= 250_000);
    assert!(check(encode_proof(&proof_b), input_b).0, "block B's proof verifies for B");

    assert!(!check(encode_proof(&proof_a), input_b).0, "A's proof with B's input");
    assert!(!check(encode_proof(&proof_b), input_a).0, "B's proof with A's input");
    assert!(!check(encode_proof(&proof_a), input_a + U256::from(1)).0, "tampered input");
    let mut tampered = proof_a.clone();
    tampered.c = -tampered.c;
    assert!(!check(encode_proof(&tampered), input_a).0, "tampered proof");
}
