//! A real block proof verified on revm by the verifier generated from the block circuit's
//! (INSECURE, dev) verifying key: a capacity-2 block of two transfers, proven with
//! `tern_prover`, passes against `Block::public_input`; the same proof with another input, a
//! tampered proof, and another block's proof fail. Prints the verification gas (run with
//! `--nocapture`). Slow: one setup and two proofs of the block circuit.

use alloy_primitives::{address, Address as EvmAddress, U256};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use tern_circuit::block::BlockCircuit;
use tern_circuit::witness::{generate_witness, BlockWitness};
use tern_contracts::bindings::{GasProbe, Groth16Verifier};
use tern_contracts::verifier::{constructor_args, encode_input, encode_proof};
use tern_contracts::Evm;
use tern_primitives::Address;
use tern_prover::{dev_setup, prove};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::{AccountId, Block, SignedTx, TimeRange, TokenId, ETH};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
const FEE_ADDRESS: Address = Address::new([0xfe; 20]);
const TS: u64 = 1_700_000_000;
const T1: TokenId = TokenId(1);
const UNIT: u128 = 1_000_000_000_000_000_000;
const CAPACITY: usize = 2;
const DEPLOYER: EvmAddress = address!("0x00000000000000000000000000000000000d0e01");

fn params(number: u64, capacity: usize) -> BlockParams {
    BlockParams { chain: CHAIN, number, fee_account: AccountId(0), timestamp: TS, capacity }
}

/// Blocks 1 (deposits) and 2 (keys set) natively; returns the state and the users' wallets.
fn users() -> (State, Vec<Wallet>) {
    let mut state = State::new();
    state.list_token(T1).expect("list T1");
    let mut wallets: Vec<Wallet> =
        (1..=3).map(|s| Wallet::from_seed(s, CHAIN).expect("wallet")).collect();
    let mut deposits = vec![PriorityOp::Deposit { token: ETH, amount: 0, to: FEE_ADDRESS }];
    for w in &wallets {
        for token in [ETH, T1] {
            deposits.push(PriorityOp::Deposit { token, amount: 10 * UNIT, to: w.address });
        }
    }
    let built = build_block(state, &params(1, 32), &deposits, &[], &NoFacts).expect("block 1");
    state = built.state;
    let mut txs = Vec::new();
    for w in &mut wallets {
        w.account_id = state.account_id_by_address(&w.address).expect("deposited");
        txs.push(TxItem::Single(w.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign")));
        w.time_range = TimeRange { valid_from: TS - 1000, valid_until: TS + 1000 };
    }
    let built = build_block(state, &params(2, 32), &[], &txs, &NoFacts).expect("block 2");
    assert_eq!(built.rejected, vec![]);
    (built.state, wallets)
}

/// Block 3 of capacity 2 from the signed transactions, with its witness.
fn block(state: &State, txs: Vec<SignedTx>) -> (Block, BlockWitness) {
    let items: Vec<TxItem> = txs.iter().cloned().map(TxItem::Single).collect();
    let built =
        build_block(state.clone(), &params(3, CAPACITY), &[], &items, &NoFacts).expect("block");
    assert_eq!(built.rejected, vec![], "every transaction applies");
    let witness = generate_witness(state, &built.block, &txs).expect("witness");
    (built.block, witness)
}

#[test]
fn real_block_proof_verifies_on_revm() {
    let (state, mut w) = users();
    let (a0, a1, a2) = (w[0].address, w[1].address, w[2].address);
    let honest = vec![
        w[0].transfer(a1, ETH, UNIT, 1_000_000_000_000_000).expect("sign"),
        w[1].transfer(a2, T1, UNIT / 2, 2_000_000_000_000_000).expect("sign"),
    ];
    // Another block from the same state (fresh nonces: the wallets before `honest` signed).
    let mut fresh = users().1;
    let other = vec![fresh[2].transfer(a0, ETH, UNIT / 4, 0).expect("sign")];
    let (block_a, witness_a) = block(&state, honest);
    let (block_b, witness_b) = block(&state, other);

    let t = Instant::now();
    let keys = dev_setup(CAPACITY, 42).expect("setup");
    println!("dev_setup(capacity {CAPACITY}): {:?}", t.elapsed());
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let t = Instant::now();
    let proof_a = prove(&keys, BlockCircuit::with_witness(witness_a), &mut rng).expect("prove");
    let proof_b = prove(&keys, BlockCircuit::with_witness(witness_b), &mut rng).expect("prove");
    println!("two proofs (capacity {CAPACITY}): {:?}", t.elapsed());

    let mut evm = Evm::new();
    let args = constructor_args(&keys.vk).expect("one public input");
    let (verifier, _) =
        evm.deploy_with(DEPLOYER, &Groth16Verifier::BYTECODE, &args).expect("deploy");
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
