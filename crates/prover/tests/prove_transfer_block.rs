//! Groth16 end to end at capacity 2 with the INSECURE dev setup: an honest transfer block's
//! proof verifies against `Block::public_input`; a wrong input, a tampered proof and another
//! block's proof do not; key files round-trip and a corrupted one is refused.
//!
//! One setup for the whole file (shared through a `OnceLock`); timings are printed, not
//! asserted (run with `--nocapture` to see them).

use ark_bn254::Bn254;
use ark_groth16::Proof;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;
use tern_circuit::block::BlockCircuit;
use tern_circuit::witness::{generate_witness, BlockWitness};
use tern_primitives::{Address, Fr};
use tern_prover::{dev_setup, prove, read_keys, verify, write_keys, Keys, ProverError};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::{AccountId, Block, SignedTx, TimeRange, TokenId, ETH};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
const FEE_ADDRESS: Address = Address::new([0xfe; 20]);
const FEE_ACCOUNT: AccountId = AccountId(0);
const TS: u64 = 1_700_000_000;
const T1: TokenId = TokenId(1);
const UNIT: u128 = 1_000_000_000_000_000_000;
const RANGE: TimeRange = TimeRange { valid_from: TS - 1000, valid_until: TS + 1000 };
const CAPACITY: usize = 2;

fn params(number: u64, capacity: usize) -> BlockParams {
    BlockParams { chain: CHAIN, number, fee_account: FEE_ACCOUNT, timestamp: TS, capacity }
}

/// The state before the proven blocks: the fee account (0) and three users with keys set, each
/// holding 10 ETH and 10 T1, after blocks 1 (deposits) and 2 (ChangePubKey).
struct Users {
    state: State,
    wallets: Vec<Wallet>,
}

fn users() -> &'static Users {
    static USERS: OnceLock<Users> = OnceLock::new();
    USERS.get_or_init(|| {
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
            w.time_range = RANGE;
        }
        let built = build_block(state, &params(2, 32), &[], &txs, &NoFacts).expect("block 2");
        assert_eq!(built.rejected, vec![]);
        Users { state: built.state, wallets }
    })
}

/// Builds block 3 of capacity 2 from transactions the users sign; returns it and its witness.
fn build(sign: impl FnOnce(&mut [Wallet]) -> Vec<SignedTx>) -> (Block, BlockWitness) {
    let u = users();
    let mut wallets = u.wallets.clone();
    let txs = sign(&mut wallets);
    let items: Vec<TxItem> = txs.iter().cloned().map(TxItem::Single).collect();
    let built =
        build_block(u.state.clone(), &params(3, CAPACITY), &[], &items, &NoFacts).expect("block");
    assert_eq!(built.rejected, vec![], "every transaction applies");
    let witness = generate_witness(&u.state, &built.block, &txs).expect("witness");
    (built.block, witness)
}

/// The shared INSECURE dev keys (the file's only setup).
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let t = Instant::now();
        let keys = dev_setup(CAPACITY, 42).expect("setup");
        println!("dev_setup(capacity {CAPACITY}): {:?}", t.elapsed());
        keys
    })
}

/// Proves `witness` under the shared keys, printing the time.
fn prove_timed(witness: BlockWitness, seed: u64) -> Proof<Bn254> {
    let keys = keys();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let t = Instant::now();
    let proof = prove(keys, BlockCircuit::with_witness(witness), &mut rng).expect("prove");
    println!("prove(capacity {CAPACITY}): {:?}", t.elapsed());
    proof
}

/// Two transfers: user 0 sends 1 ETH to user 1 (fee 0.001 ETH), user 1 sends 0.5 T1 to
/// user 2 (fee 0.002 T1); and their proof.
fn honest() -> &'static (Block, Proof<Bn254>) {
    static HONEST: OnceLock<(Block, Proof<Bn254>)> = OnceLock::new();
    HONEST.get_or_init(|| {
        let (block, witness) = build(|w| {
            let (a1, a2) = (w[1].address, w[2].address);
            vec![
                w[0].transfer(a1, ETH, UNIT, 1_000_000_000_000_000).expect("sign"),
                w[1].transfer(a2, T1, UNIT / 2, 2_000_000_000_000_000).expect("sign"),
            ]
        });
        assert_eq!(witness.public_input, Some(block.public_input().expect("input")));
        let proof = prove_timed(witness, 7);
        (block, proof)
    })
}

#[test]
fn honest_proof_verifies() {
    let (block, proof) = honest();
    let input = block.public_input().expect("public input");
    let t = Instant::now();
    let ok = verify(&keys().vk, input, proof).expect("verify");
    println!("verify: {:?}", t.elapsed());
    assert!(ok);
}

#[test]
fn wrong_public_input_fails() {
    let (block, proof) = honest();
    let input = block.public_input().expect("public input") + Fr::from(1u64);
    assert!(!verify(&keys().vk, input, proof).expect("verify"));
}

#[test]
fn tampered_proof_fails() {
    let (block, proof) = honest();
    let input = block.public_input().expect("public input");
    let mut negated = proof.clone();
    negated.a = -negated.a;
    assert!(!verify(&keys().vk, input, &negated).expect("verify"));
    let mut swapped = proof.clone();
    std::mem::swap(&mut swapped.a, &mut swapped.c);
    assert!(!verify(&keys().vk, input, &swapped).expect("verify"));
}

#[test]
fn another_blocks_proof_fails() {
    let (block, _) = honest();
    let (other, witness) = build(|w| {
        let a0 = w[0].address;
        vec![w[2].transfer(a0, ETH, UNIT / 4, 0).expect("sign")]
    });
    let other_input = other.public_input().expect("public input");
    assert_ne!(other_input, block.public_input().expect("public input"));
    let proof = prove_timed(witness, 8);
    assert!(verify(&keys().vk, other_input, &proof).expect("verify"));
    let input = block.public_input().expect("public input");
    assert!(!verify(&keys().vk, input, &proof).expect("verify"));
}

#[test]
fn capacity_mismatch_is_refused() {
    let (_, witness) = build(|_| vec![]);
    let mut wide = BlockCircuit::with_witness(witness);
    wide.capacity = CAPACITY + 1;
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    assert!(matches!(
        prove(keys(), wide, &mut rng),
        Err(ProverError::CapacityMismatch { keys: CAPACITY, circuit: 3 })
    ));
}

fn key_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("key dir");
    dir
}

#[test]
fn key_files_round_trip_and_corruption_is_refused() {
    let keys = keys();
    let dir = key_dir("tern-prover-dev-INSECURE-keys");
    let files = write_keys(keys, &dir).expect("write");
    assert_eq!(files.pk.file_name().and_then(|n| n.to_str()), Some("tern-dev-INSECURE-cap2.pk"));
    assert_eq!(files.vk.file_name().and_then(|n| n.to_str()), Some("tern-dev-INSECURE-cap2.vk"));
    println!(
        "key sizes: pk {} bytes, vk {} bytes",
        std::fs::metadata(&files.pk).expect("pk").len(),
        std::fs::metadata(&files.vk).expect("vk").len()
    );

    for trusted in [true, false] {
        let t = Instant::now();
        let read = read_keys(&dir, CAPACITY, trusted).expect("read");
        println!("read_keys(trusted: {trusted}): {:?}", t.elapsed());
        assert!(read == *keys, "trusted: {trusted}");
    }

    // One flipped byte in the proving key: the SHA-256 check refuses it, trusted or not.
    let mut bytes = std::fs::read(&files.pk).expect("pk");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&files.pk, &bytes).expect("corrupt");
    for trusted in [true, false] {
        assert!(matches!(
            read_keys(&dir, CAPACITY, trusted),
            Err(ProverError::HashMismatch { .. })
        ));
    }

    // A missing digest file is an I/O error.
    std::fs::remove_file(&files.sha256).expect("remove");
    assert!(matches!(read_keys(&dir, CAPACITY, true), Err(ProverError::Io { .. })));
}
