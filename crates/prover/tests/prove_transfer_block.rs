//! Groth16 end to end at capacity 2 with the INSECURE dev setup: an honest transfer block's
//! proof verifies against `Block::public_input`; a wrong input, a tampered proof and another
//! block's proof do not; key files round-trip and a corrupted one is refused. The staged
//! prover (matrices built once) gives the very proofs of stock `Groth16::prove` and of
//! ark's `create_proof_with_reduction_and_matrices`, reports its stages, and refuses an
//! unsatisfied witness and keys of another shape; the JSON proof file round-trips and
//! detects tampering.
//!
//! One setup for the whole file (shared through a `OnceLock`); timings are printed, not
//! asserted (run with `--nocapture` to see them).

use ark_bn254::Bn254;
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use ark_groth16::Proof;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;
use tern_circuit::block::BlockCircuit;
use tern_circuit::witness::{generate_witness, BlockWitness};
use tern_primitives::{Address, Fr};
use tern_prover::progress::{Recorder, Stage};
use tern_prover::proof_file::{ProofFile, Verdict};
use tern_prover::staged::{assignment, prove_staged, ConstraintMatrices};
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

/// The constraint matrices of capacity 2, built once for the file.
fn matrices() -> &'static ConstraintMatrices {
    static MATRICES: OnceLock<ConstraintMatrices> = OnceLock::new();
    MATRICES.get_or_init(|| {
        let t = Instant::now();
        let m = ConstraintMatrices::build(CAPACITY).expect("matrices");
        println!(
            "matrices(capacity {CAPACITY}): {:?}, {} constraints",
            t.elapsed(),
            m.num_constraints
        );
        m
    })
}

/// The honest block's witness again (the same transactions as [`honest`]).
fn honest_witness() -> (Block, BlockWitness) {
    build(|w| {
        let (a1, a2) = (w[1].address, w[2].address);
        vec![
            w[0].transfer(a1, ETH, UNIT, 1_000_000_000_000_000).expect("sign"),
            w[1].transfer(a2, T1, UNIT / 2, 2_000_000_000_000_000).expect("sign"),
        ]
    })
}

#[test]
fn staged_proof_equals_stock_and_ark_matrix_proofs() {
    let (block, stock) = honest();
    let (again, witness) = honest_witness();
    assert_eq!(&again, block);
    let m = matrices();

    // The same RNG state as the stock proof (seed 7): the same r and s, so the same proof.
    let mut recorder = Recorder::default();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let t = Instant::now();
    let circuit = BlockCircuit::with_witness(witness.clone());
    let staged = prove_staged(keys(), m, circuit, &mut rng, &mut recorder).expect("prove");
    println!("prove_staged(capacity {CAPACITY}): {:?}", t.elapsed());
    for (stage, time) in &recorder.finished {
        println!("  {stage}: {time:?}");
    }
    assert_eq!(&staged, stock, "staged and stock Groth16::prove agree");

    // ark-groth16's own matrix prover on the same matrices and assignment.
    let full = assignment(m, BlockCircuit::with_witness(witness)).expect("assignment");
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let ark = Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
        &keys().pk,
        r,
        s,
        m.abc(),
        m.num_instance_variables,
        m.num_constraints,
        &full,
    )
    .expect("ark prove");
    assert_eq!(staged, ark, "staged and create_proof_with_reduction_and_matrices agree");

    let order: Vec<Stage> = recorder.finished.iter().map(|(s, _)| *s).collect();
    assert_eq!(order, Stage::ALL);
    assert_eq!(recorder.started, Stage::ALL);
    let planned: Vec<Stage> = recorder.plan.iter().map(|(s, _)| *s).collect();
    assert_eq!(planned, Stage::ALL);
    assert!(recorder.total.is_some());
}

#[test]
fn staged_refuses_an_unsatisfied_witness() {
    let (block, mut witness) = honest_witness();
    let input = block.public_input().expect("input");
    witness.public_input = Some(input + Fr::from(1u64));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let circuit = BlockCircuit::with_witness(witness);
    let result = prove_staged(keys(), matrices(), circuit, &mut rng, &mut ());
    assert!(matches!(result, Err(ProverError::Unsatisfied { .. })), "{result:?}");
}

#[test]
fn staged_refuses_keys_of_another_shape() {
    let mut keys = keys().clone();
    keys.pk.l_query.pop();
    assert!(matches!(
        matrices().check_keys(&keys),
        Err(ProverError::KeyShapeMismatch { what: "l_query", .. })
    ));
    keys.capacity = CAPACITY + 1;
    assert!(matches!(matrices().check_keys(&keys), Err(ProverError::CapacityMismatch { .. })));
}

#[test]
fn proof_file_round_trips_and_tampering_is_invalid() {
    let (block, proof) = honest();
    let file = ProofFile::new(block, proof).expect("file");
    let json = file.to_json().expect("json");
    let read = ProofFile::from_json(&json).expect("parse");
    assert_eq!(read, file);
    assert_eq!(read.capacity, CAPACITY);
    assert_eq!(read.public_input().expect("input"), block.public_input().expect("input"));
    let vk = &keys().vk;
    assert_eq!(read.check(vk).expect("check"), Verdict::Valid);

    let invalid = |f: ProofFile| matches!(f.check(vk).expect("check"), Verdict::Invalid(_));
    // Another public input, another header field, another pubdata byte, another proof.
    let mut f = file.clone();
    f.public_input = format!("0x{}", "00".repeat(31) + "01");
    assert!(invalid(f));
    let mut f = file.clone();
    f.timestamp += 1;
    assert!(invalid(f));
    let mut f = file.clone();
    f.pubdata.replace_range(4..5, if &f.pubdata[4..5] == "0" { "1" } else { "0" });
    assert!(invalid(f));
    let mut negated = proof.clone();
    negated.a = -negated.a;
    let mut f = file.clone();
    f.proof = ProofFile::new(block, &negated).expect("file").proof;
    assert!(invalid(f));
    let mut f = file.clone();
    f.proof.truncate(20);
    assert!(invalid(f));

    // Not a proof file at all, or another format: errors, not verdicts.
    assert!(ProofFile::from_json("{}").is_err());
    let other = json.replace(tern_prover::proof_file::FORMAT, "tern-block-proof/0");
    assert!(matches!(ProofFile::from_json(&other), Err(ProverError::Format(_))));
}
