//! Groth16 end to end for the exit circuits with the INSECURE dev setup: an honest exit's
//! proof verifies against the native public input (`tern_types::exit`); a tampered input, a
//! tampered proof and the other circuit's key do not; key files round-trip under their own
//! names and a corrupted one is refused; a false claim is refused before proving.

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ark_relations::gr1cs::SynthesisError;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::PathBuf;
use std::time::Instant;
use tern_circuit::exit::{exit_witness, nft_exit_witness, ExitCircuit, NftExitCircuit};
use tern_primitives::{Address, Fr};
use tern_prover::exit::{
    dev_exit_setup, prove_exit, read_exit_keys, verify_exit, write_exit_keys, NftExit, TokenExit,
};
use tern_prover::ProverError;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::exit::{exit_public_input, nft_exit_public_input};
use tern_types::{AccountId, NftId, ETH};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
const UNIT: u128 = 1_000_000_000_000_000_000;

fn params(number: u64) -> BlockParams {
    BlockParams {
        chain: CHAIN,
        number,
        fee_account: AccountId(0),
        timestamp: 1_700_000_000,
        capacity: 32,
    }
}

/// A verified state: the fee account, a user with 2.5 ETH and a key, who minted NFT 0 to
/// itself. Returns the state and the user's wallet.
fn state() -> (State, Wallet) {
    let mut user = Wallet::from_seed(1, CHAIN).expect("wallet");
    let deposits = [
        PriorityOp::Deposit { token: ETH, amount: 0, to: Address::new([0xfe; 20]) },
        PriorityOp::Deposit { token: ETH, amount: 5 * UNIT / 2, to: user.address },
    ];
    let state = build_block(State::new(), &params(1), &deposits, &[], &NoFacts).expect("b1").state;
    user.account_id = state.account_id_by_address(&user.address).expect("deposited");
    let txs = [
        TxItem::Single(user.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("cpk")),
        TxItem::Single(user.mint_nft(user.address, [0x42; 32], ETH, 0).expect("mint")),
    ];
    let built = build_block(state, &params(2), &[], &txs, &NoFacts).expect("b2");
    assert_eq!(built.rejected, vec![]);
    (built.state, user)
}

fn key_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("key dir");
    dir
}

/// Token and NFT exits: two setups, two proofs (each setup takes seconds on a quiet machine).
#[test]
fn exit_proofs_verify_and_tampering_fails() {
    let (mut state, user) = state();
    let root = state.root();
    let w = exit_witness(&mut state, user.account_id, ETH).expect("witness");
    let input = exit_public_input(root, user.account_id, &user.address, ETH, 5 * UNIT / 2);
    assert_eq!(w.public_input, Some(input));

    let t = Instant::now();
    let keys = dev_exit_setup::<TokenExit>(7).expect("setup");
    println!("token exit setup: {:?}", t.elapsed());
    let t = Instant::now();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let proof = prove_exit(&keys, ExitCircuit::with_witness(w.clone()), &mut rng).expect("prove");
    println!("token exit prove: {:?}", t.elapsed());
    assert!(verify_exit(&keys.vk, input, &proof).expect("verify"));

    // A tampered public input: another amount, another root, one more.
    let more = exit_public_input(root, user.account_id, &user.address, ETH, 3 * UNIT);
    let later =
        exit_public_input(root + Fr::from(1u64), user.account_id, &user.address, ETH, w.amount);
    for bad in [more, later, input + Fr::from(1u64)] {
        assert!(!verify_exit(&keys.vk, bad, &proof).expect("verify"));
    }
    // A tampered proof.
    let mut forged = proof.clone();
    forged.a = proof.c;
    assert!(!verify_exit(&keys.vk, input, &forged).expect("verify"));
    // A false claim (more than the balance) is refused before proving.
    let mut lie = w;
    lie.amount = 3 * UNIT;
    lie.public_input = Some(more);
    assert!(matches!(
        prove_exit(&keys, ExitCircuit::with_witness(lie), &mut rng),
        Err(ProverError::Synthesis(SynthesisError::Unsatisfiable))
    ));

    // Key files: their own names, a round trip, corruption refused.
    let dir = key_dir("tern-prover-exit-dev-INSECURE-keys");
    let files = write_exit_keys(&keys, &dir).expect("write");
    let name = |p: &PathBuf| p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
    assert_eq!(name(&files.pk).as_deref(), Some("tern-dev-INSECURE-exit.pk"));
    assert_eq!(name(&files.vk).as_deref(), Some("tern-dev-INSECURE-exit.vk"));
    assert_eq!(name(&files.sha256).as_deref(), Some("tern-dev-INSECURE-exit.sha256"));
    assert_eq!(read_exit_keys::<TokenExit>(&dir, false).expect("read"), keys);
    assert_eq!(read_exit_keys::<TokenExit>(&dir, true).expect("read"), keys);
    assert!(matches!(read_exit_keys::<NftExit>(&dir, true), Err(ProverError::Io { .. }),));
    let mut bytes = std::fs::read(&files.vk).expect("vk");
    bytes[40] ^= 1;
    std::fs::write(&files.vk, bytes).expect("corrupt");
    assert!(matches!(
        read_exit_keys::<TokenExit>(&dir, true),
        Err(ProverError::HashMismatch { .. })
    ));

    nft_exit_proof_verifies_and_tampering_fails(&keys.vk);
}

/// NFT exits, in the same test as the token exit so the machine does two setups in all.
fn nft_exit_proof_verifies_and_tampering_fails(token_vk: &VerifyingKey<Bn254>) {
    let (mut state, user) = state();
    let root = state.root();
    let nft_id = NftId(0);
    let w = nft_exit_witness(&mut state, user.account_id, nft_id).expect("witness");
    let info = state.nft(nft_id).expect("nft").info.clone();
    let input = nft_exit_public_input(root, user.account_id, &user.address, nft_id, &info);
    assert_eq!(w.public_input, Some(input));

    let t = Instant::now();
    let keys = dev_exit_setup::<NftExit>(7).expect("setup");
    println!("NFT exit setup: {:?}", t.elapsed());
    let t = Instant::now();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let proof = prove_exit(&keys, NftExitCircuit::with_witness(w), &mut rng).expect("prove");
    println!("NFT exit prove: {:?}", t.elapsed());
    assert!(verify_exit(&keys.vk, input, &proof).expect("verify"));
    assert!(!verify_exit(&keys.vk, input + Fr::from(1u64), &proof).expect("verify"));
    let mut other = info;
    other.serial += 1;
    let other = nft_exit_public_input(root, user.account_id, &user.address, nft_id, &other);
    assert!(!verify_exit(&keys.vk, other, &proof).expect("verify"));
    // The token exit's key does not verify an NFT exit proof.
    assert!(!verify_exit(token_vk, input, &proof).expect("verify"));
}
