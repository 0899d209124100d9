//! The block circuit on blocks of Transfers built natively by `build_block`: an honest block
//! satisfies it with `Block::public_input` as its input, its shape does not depend on the
//! witness, and tampering with the witness is refused.
//!
//! Capacities are small (2 and 4 chunks): synthesis of this crate's code is unoptimised in the
//! test profile. The negative tests synthesise with the public input taken from the circuit
//! (`public_input: None`), so what refuses them is a rule of the state transition, not the
//! commitment: they would be refused under any public input. Where a test re-signs the
//! transaction (nonce, time range, another key) or touches only the signature or a Noop, the
//! rule it names is the only constraint that fails; a one-value tamper of a balance, a sibling
//! or a pubdata field also breaks the Merkle root checks downstream.

use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::uint8::UInt8;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisError, SynthesisMode,
};
use std::sync::OnceLock;
use tern_circuit::block::BlockCircuit;
use tern_circuit::commitment::{enforce_commitment, HeaderVar};
use tern_circuit::witness::{generate_witness, BlockWitness, SignatureWitness, WitnessError};
use tern_primitives::babyjubjub::Scalar;
use tern_primitives::{Address, Fr};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::params::CHUNK_BYTES;
use tern_types::{AccountId, Block, BlockHeader, Op, SignedTx, TimeRange, TokenId, ETH};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
const FEE_ADDRESS: Address = Address::new([0xfe; 20]);
const FEE_ACCOUNT: AccountId = AccountId(0);
const TS: u64 = 1_700_000_000;
const T1: TokenId = TokenId(1);
const UNIT: u128 = 1_000_000_000_000_000_000;
/// The validity of every transaction the tests sign.
const RANGE: TimeRange = TimeRange { valid_from: TS - 1000, valid_until: TS + 1000 };

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
        assert_eq!(built.priority_processed, deposits.len());
        state = built.state;
        let mut txs = Vec::new();
        for w in &mut wallets {
            w.account_id = state.account_id_by_address(&w.address).expect("deposited");
            txs.push(TxItem::Single(w.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign")));
            w.time_range = RANGE;
        }
        let built = build_block(state, &params(2, 32), &[], &txs, &NoFacts).expect("block 2");
        assert_eq!(built.rejected, vec![]);
        assert_eq!(built.block.ops.len(), wallets.len());
        Users { state: built.state, wallets }
    })
}

/// A proven block: its pre-state, the block, its signed transactions and its witness.
struct Proven {
    pre: State,
    block: Block,
    txs: Vec<SignedTx>,
    witness: BlockWitness,
}

/// Builds block 3 of `capacity` chunks from transactions the users sign, and its witness.
fn prove(capacity: usize, sign: impl FnOnce(&mut [Wallet]) -> Vec<SignedTx>) -> Proven {
    let u = users();
    let mut wallets = u.wallets.clone();
    let txs = sign(&mut wallets);
    let items: Vec<TxItem> = txs.iter().cloned().map(TxItem::Single).collect();
    let built =
        build_block(u.state.clone(), &params(3, capacity), &[], &items, &NoFacts).expect("block");
    assert_eq!(built.rejected, vec![], "every transaction applies");
    assert_eq!(built.block.ops.len(), txs.len());
    let witness = generate_witness(&u.state, &built.block, &txs).expect("witness");
    Proven { pre: u.state.clone(), block: built.block, txs, witness }
}

/// Capacity 4: three transfers (one to the fee account, one to oneself with no fee) and one
/// Noop; fees in two tokens.
fn full() -> &'static Proven {
    static FULL: OnceLock<Proven> = OnceLock::new();
    FULL.get_or_init(|| {
        prove(4, |w| {
            let (a1, a2) = (w[1].address, w[2].address);
            vec![
                w[0].transfer(a1, ETH, UNIT, 1_000_000_000_000_000).expect("sign"),
                w[1].transfer(FEE_ADDRESS, T1, UNIT / 2, 2_000_000_000_000_000).expect("sign"),
                w[2].transfer(a2, ETH, 3 * UNIT / 10, 0).expect("sign"),
            ]
        })
    })
}

/// The transfer of the small block: user 0 sends 1 ETH to user 1 with a fee of 0.001 ETH.
fn small_transfer(w: &mut Wallet, to: Address) -> SignedTx {
    w.transfer(to, ETH, UNIT, 1_000_000_000_000_000).expect("sign")
}

/// Capacity 2: one transfer and one Noop.
fn small() -> &'static Proven {
    static SMALL: OnceLock<Proven> = OnceLock::new();
    SMALL.get_or_init(|| {
        prove(2, |w| {
            let to = w[1].address;
            vec![small_transfer(&mut w[0], to)]
        })
    })
}

/// Synthesises `circuit` with its values; returns the constraint system.
fn synthesise(circuit: BlockCircuit) -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).expect("synthesis");
    cs
}

fn satisfied(witness: BlockWitness) -> bool {
    synthesise(BlockCircuit::with_witness(witness)).is_satisfied().expect("prove mode")
}

/// The small block's witness with the public input taken from the circuit, after `tamper`.
fn tampered(tamper: impl FnOnce(&mut BlockWitness)) -> BlockWitness {
    let mut w = small().witness.clone();
    w.public_input = None;
    assert!(w.chunks[0].pubdata[0] >> 4 == 4 && w.chunks[1].pubdata == [0; CHUNK_BYTES]);
    tamper(&mut w);
    w
}

fn assert_refused(what: &str, tamper: impl FnOnce(&mut BlockWitness)) {
    assert!(!satisfied(tampered(tamper)), "{what} is accepted");
}

/// The signature witness of the small block's transfer signed again by user 0 with `edit`
/// applied to the wallet first.
fn resigned(edit: impl FnOnce(&mut Wallet)) -> SignatureWitness {
    let u = users();
    let mut w = u.wallets[0].clone();
    edit(&mut w);
    let SignedTx::Transfer(s) = small_transfer(&mut w, u.wallets[1].address) else {
        unreachable!("a transfer")
    };
    SignatureWitness {
        pub_key: *s.signature.pub_key.point(),
        signature: s.signature.signature,
        nonce: s.tx.nonce,
        valid_from: s.tx.time_range.valid_from,
        valid_until: s.tx.time_range.valid_until,
    }
}

// ---- (a) honest blocks ----

#[test]
fn transfer_block_is_satisfied_with_its_public_input() {
    let p = full();
    assert_eq!(p.block.capacity, 4);
    assert!(p.block.ops.iter().all(|op| matches!(op, Op::Transfer(_))));
    let expected = p.block.public_input().expect("public input");
    assert_eq!(p.witness.public_input, Some(expected));
    let cs = synthesise(BlockCircuit::with_witness(p.witness.clone()));
    assert!(cs.is_satisfied().expect("prove mode"), "{:?}", cs.which_is_unsatisfied());
    assert_eq!(cs.num_instance_variables(), 2, "the constant one and the commitment");
    assert_eq!(cs.instance_assignment().expect("inputs")[1], expected);
}

#[test]
fn small_block_is_satisfied() {
    // With the input taken from the circuit: the baseline of the negative tests.
    assert!(satisfied(tampered(|_| {})));
}

#[test]
fn a_wrong_public_input_is_refused() {
    let mut w = small().witness.clone();
    w.public_input = w.public_input.map(|x| x + Fr::from(1u64));
    assert!(!satisfied(w));
}

// ---- (b) the shape does not depend on the witness ----

#[test]
fn setup_has_the_shape_of_a_proof() {
    for p in [small(), full()] {
        let capacity = p.block.capacity;
        let proving = synthesise(BlockCircuit::with_witness(p.witness.clone()));
        let setup = ConstraintSystem::<Fr>::new_ref();
        setup.set_mode(SynthesisMode::Setup);
        BlockCircuit::setup(capacity).generate_constraints(setup.clone()).expect("setup");
        assert_eq!(setup.num_constraints(), proving.num_constraints(), "capacity {capacity}");
        assert_eq!(setup.num_witness_variables(), proving.num_witness_variables());
        assert_eq!(setup.num_instance_variables(), 2);
        if capacity == 2 {
            // The placeholder witness outside setup mode has the same shape too.
            let dummy = synthesise(BlockCircuit::setup(capacity));
            assert_eq!(dummy.num_constraints(), proving.num_constraints());
            assert!(!dummy.is_satisfied().expect("prove mode"), "placeholders prove nothing");
        }
    }
}

#[test]
fn witness_must_fit_the_capacity() {
    let circuit = BlockCircuit { capacity: 3, witness: Some(small().witness.clone()) };
    let cs = ConstraintSystem::<Fr>::new_ref();
    assert!(matches!(circuit.generate_constraints(cs), Err(SynthesisError::Unsatisfiable)));
}

// ---- (c) tampering is refused ----

#[test]
fn wrong_signature_s_is_refused() {
    assert_refused("a wrong S", |w| w.chunks[0].signature.signature.s += Scalar::from(1u64));
}

#[test]
fn signature_over_another_message_is_refused() {
    // Still inside the time range: only the message changes.
    assert_refused("a changed valid_from", |w| w.chunks[0].signature.valid_from -= 1);
}

#[test]
fn signature_by_another_key_is_refused() {
    let other = resigned(|w| w.l2_key = users().wallets[2].l2_key.clone());
    assert_refused("another key's signature", |w| w.chunks[0].signature = other);
}

#[test]
fn wrong_nonce_is_refused() {
    assert_refused("a wrong nonce", |w| w.chunks[0].signature.nonce += 1);
}

#[test]
fn validly_signed_wrong_nonces_are_refused() {
    // The sender's nonce is 1 (its ChangePubKey used 0): a replay at 0 and a future 2, each
    // validly signed, so only the nonce rule refuses them.
    for nonce in [0, 2] {
        let sig = resigned(|w| w.nonce = nonce);
        assert_eq!(sig.nonce, nonce);
        assert_refused("a signed stale or future nonce", |w| w.chunks[0].signature = sig);
    }
}

#[test]
fn balance_underflow_is_refused() {
    // The sender claims less than amount + fee: the 128-bit range check of the new balance
    // fails (and so does the sender's old-root check, the balance being in its leaf).
    assert_refused("amount + fee above the balance", |w| {
        w.chunks[0].sender.balance = UNIT + 1_000_000_000_000_000 - 1;
    });
}

#[test]
fn wrong_merkle_siblings_are_refused() {
    assert_refused("a wrong sender account sibling", |w| {
        w.chunks[0].sender.account_proof.siblings[5][1] += Fr::from(1u64);
    });
    assert_refused("a wrong recipient balance sibling", |w| {
        w.chunks[0].recipient.balance_proof.siblings[2][0] += Fr::from(1u64);
    });
    assert_refused("a wrong fee account sibling", |w| {
        w.fees.account_proof.siblings[11][2] += Fr::from(1u64);
    });
}

#[test]
fn credited_fee_must_equal_the_pubdata_fees() {
    assert_refused("crediting more than the fees", |w| w.fees.slots[0].amount += 1);
    assert_eq!(small().witness.fees.slots[0].token, ETH);
    assert_refused("crediting the fee in another token", |w| w.fees.slots[0].token = TokenId(7));
}

#[test]
fn pubdata_fee_must_match_the_signed_fee() {
    // The lowest mantissa bit of the fee (the chunk's last bit).
    assert_refused("a changed pubdata fee", |w| w.chunks[0].pubdata[12] ^= 1);
}

#[test]
fn pubdata_bits_must_match_the_operation() {
    // The lowest bit of `to` (bit 51): the recipient's path no longer matches its id.
    assert_refused("a changed recipient id", |w| w.chunks[0].pubdata[6] ^= 0x10);
    // A bit of the amount.
    assert_refused("a changed amount", |w| w.chunks[0].pubdata[10] ^= 0x01);
    // A Noop with a non-zero bit, and opcodes other than 0 and 4.
    assert_refused("a Noop with data", |w| w.chunks[1].pubdata[5] = 0x04);
    for opcode in [1u8, 2, 12] {
        assert_refused("another opcode", |w| w.chunks[1].pubdata[0] = opcode << 4);
    }
}

#[test]
fn timestamp_outside_the_range_is_refused() {
    assert_refused("an expired range", |w| w.chunks[0].signature.valid_until = TS - 1);
    // Validly signed ranges that exclude the timestamp: only the time rule refuses them.
    for range in [
        TimeRange { valid_from: TS + 1, valid_until: TS + 1000 },
        TimeRange { valid_from: TS - 1000, valid_until: TS - 1 },
    ] {
        let sig = resigned(|w| w.time_range = range);
        assert_refused("a signed range without the timestamp", |w| w.chunks[0].signature = sig);
    }
    // The edges are inside.
    for range in [
        TimeRange { valid_from: TS, valid_until: TS + 1000 },
        TimeRange { valid_from: TS - 1000, valid_until: TS },
    ] {
        let sig = resigned(|w| w.time_range = range);
        assert!(satisfied(tampered(|w| w.chunks[0].signature = sig)), "{range:?}");
    }
}

#[test]
fn header_timestamp_is_bound() {
    let mut w = small().witness.clone();
    w.header = BlockHeader { timestamp: TS + 2000, ..w.header };
    assert!(!satisfied(w), "a timestamp past the range");
}

// ---- witness generation ----

#[test]
fn witness_generation_refuses_other_operations() {
    let u = users();
    let mut w = u.wallets[0].clone();
    let tx = w.transfer(Address::new([0x55; 20]), ETH, UNIT, 0).expect("sign");
    let built =
        build_block(u.state.clone(), &params(3, 4), &[], &[TxItem::Single(tx.clone())], &NoFacts)
            .expect("block");
    assert!(matches!(built.block.ops[0], Op::TransferToNew(_)));
    assert!(matches!(
        generate_witness(&u.state, &built.block, &[tx]),
        Err(WitnessError::UnsupportedOp { index: 0, .. })
    ));

    let p = small();
    assert_eq!(
        generate_witness(&p.pre, &p.block, &[]),
        Err(WitnessError::TxCount { transfers: 1, txs: 0 })
    );
    let other = vec![full().txs[1].clone()];
    assert_eq!(
        generate_witness(&p.pre, &p.block, &other),
        Err(WitnessError::TxMismatch { index: 0, tx: 0 })
    );
    // A state other than the block's pre-state.
    let items: Vec<TxItem> = p.txs.iter().cloned().map(TxItem::Single).collect();
    let post = build_block(p.pre.clone(), &params(3, 2), &[], &items, &NoFacts).expect("block");
    assert_eq!(generate_witness(&post.state, &p.block, &p.txs), Err(WitnessError::OldRootMismatch));
}

// ---- (d) cost ----

/// Constraints of the commitment alone over the preimage of a block of `capacity` chunks: the
/// root decompositions and SHA-256, without allocating the header and the pubdata (the block
/// circuit allocates the pubdata as its chunk slots' bits).
fn commitment_cost(capacity: usize) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    let header = HeaderVar::new_witness(cs.clone(), || {
        Err::<BlockHeader, _>(SynthesisError::AssignmentMissing)
    })
    .expect("header");
    let pubdata: Vec<UInt8<Fr>> = (0..capacity * CHUNK_BYTES)
        .map(|_| {
            UInt8::new_witness(cs.clone(), || Err::<u8, _>(SynthesisError::AssignmentMissing))
                .expect("byte")
        })
        .collect();
    let bitmap = vec![UInt8::constant(0); capacity.div_ceil(8)];
    let before = cs.num_constraints();
    let _ = enforce_commitment(cs.clone(), &header, &bitmap, &pubdata, None).expect("commit");
    cs.num_constraints() - before
}

fn block_cost(capacity: usize) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    BlockCircuit::setup(capacity).generate_constraints(cs.clone()).expect("setup");
    cs.num_constraints()
}

#[test]
fn constraints_per_chunk() {
    let rows: Vec<(usize, usize, usize)> =
        (2..=4).map(|c| (c, block_cost(c), commitment_cost(c))).collect();
    for (c, total, sha) in &rows {
        let preimage = 84 + c.div_ceil(8) + c * CHUNK_BYTES;
        println!(
            "capacity {c}: {total} constraints; commitment over {preimage} bytes ({} SHA-256 \
             blocks) {sha}; rest {}",
            (preimage + 9).div_ceil(64),
            total - sha
        );
    }
    // Capacities 3 and 4 hash the same number of SHA-256 blocks.
    let rest = |i: usize| rows[i].1 - rows[i].2;
    let per_chunk = rest(2) - rest(1);
    let fixed = rest(2) - 4 * per_chunk;
    assert_eq!(rest(1) - rest(0), per_chunk, "every slot costs the same");
    let sha_share = 25_014 * CHUNK_BYTES / 64;
    println!(
        "per chunk slot: {per_chunk} constraints besides the commitment, about {} with its 13 \
         bytes of SHA-256 (~{sha_share}); once per block besides the commitment: {fixed} (fee \
         account update, state roots, header and fee-slot bits); capacity 4 in all: {} ({} per \
         chunk)",
        per_chunk + sha_share,
        rows[2].1,
        rows[2].1 / 4
    );
    assert!(per_chunk + sha_share < 34_000, "the budget of docs/spec/circuit.md is ~32,400");
}
