//! Shared set-up for the block-circuit tests: a chain with keyed users, a keyless account and
//! NFTs, blocks built natively by `build_block` on top of it, their witnesses, and
//! satisfaction checks.
#![allow(dead_code, unreachable_pub)]

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef};
use std::sync::OnceLock;
use tern_circuit::block::BlockCircuit;
use tern_circuit::witness::{generate_witness, BlockWitness};
use tern_primitives::{Address, Fr};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::{AccountId, Block, NftId, SignedTx, TimeRange, TokenId, ETH};

pub const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
pub const FEE_ADDRESS: Address = Address::new([0xfe; 20]);
pub const FEE_ACCOUNT: AccountId = AccountId(0);
pub const TS: u64 = 1_700_000_000;
pub const T1: TokenId = TokenId(1);
pub const UNIT: u128 = 1_000_000_000_000_000_000;
pub const FEE: u128 = 1_000_000_000_000_000;
/// The validity of every transaction the tests sign.
pub const RANGE: TimeRange = TimeRange { valid_from: TS - 1000, valid_until: TS + 1000 };
/// Content hashes of the NFTs minted in the set-up.
pub const CONTENT: [u8; 32] = [0xc0; 32];

pub fn params(number: u64, capacity: usize) -> BlockParams {
    BlockParams { chain: CHAIN, number, fee_account: FEE_ACCOUNT, timestamp: TS, capacity }
}

/// The chain before the tested blocks.
///
/// - account 0: the fee account;
/// - `wallets[0..4]` (seeds 1–4): users with keys, 10 ETH and 10 T1 each;
/// - `keyless` (seed 5): 10 ETH and 10 T1, no key;
/// - NFT 0: minted by user 0, owned by user 1; NFT 1: minted by user 0, owned by user 0;
///   NFT 2: minted by user 0, owned by user 1.
pub struct Chain {
    pub state: State,
    pub wallets: Vec<Wallet>,
    pub keyless: Wallet,
}

pub fn chain() -> &'static Chain {
    static CHAIN_STATE: OnceLock<Chain> = OnceLock::new();
    CHAIN_STATE.get_or_init(|| {
        let mut state = State::new();
        state.list_token(T1).expect("list T1");
        let mut wallets: Vec<Wallet> =
            (1..=4).map(|s| Wallet::from_seed(s, CHAIN).expect("wallet")).collect();
        let mut keyless = Wallet::from_seed(5, CHAIN).expect("wallet");
        let mut deposits = vec![PriorityOp::Deposit { token: ETH, amount: 0, to: FEE_ADDRESS }];
        for w in wallets.iter().chain([&keyless]) {
            for token in [ETH, T1] {
                deposits.push(PriorityOp::Deposit { token, amount: 10 * UNIT, to: w.address });
            }
        }
        let built = build_block(state, &params(1, 64), &deposits, &[], &NoFacts).expect("block 1");
        assert_eq!(built.priority_processed, deposits.len());
        state = built.state;
        keyless.account_id = state.account_id_by_address(&keyless.address).expect("deposited");
        let mut txs = Vec::new();
        for w in &mut wallets {
            w.account_id = state.account_id_by_address(&w.address).expect("deposited");
            w.time_range = RANGE;
            txs.push(TxItem::Single(w.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign")));
        }
        let built = build_block(state, &params(2, 64), &[], &txs, &NoFacts).expect("block 2");
        assert_eq!(built.rejected, vec![]);
        state = built.state;
        let (to1, to0) = (wallets[1].address, wallets[0].address);
        let mints = [to1, to0, to1]
            .map(|to| TxItem::Single(wallets[0].mint_nft(to, CONTENT, ETH, 0).expect("sign")));
        let built = build_block(state, &params(3, 64), &[], &mints, &NoFacts).expect("block 3");
        assert_eq!(built.rejected, vec![]);
        Chain { state: built.state, wallets, keyless }
    })
}

/// A block built on [`chain`], with its witness.
pub struct Proven {
    pub pre: State,
    pub block: Block,
    pub txs: Vec<SignedTx>,
    pub witness: BlockWitness,
}

/// Builds block 4 of `capacity` chunks from `priority` and what `sign` signs (each a single
/// item), and its witness. Every item must apply.
pub fn prove(
    capacity: usize,
    priority: &[PriorityOp],
    sign: impl FnOnce(&mut [Wallet], &Wallet) -> Vec<SignedTx>,
) -> Proven {
    let c = chain();
    let mut wallets = c.wallets.clone();
    let txs = sign(&mut wallets, &c.keyless);
    let items: Vec<TxItem> = txs.iter().cloned().map(TxItem::Single).collect();
    let built = build_block(c.state.clone(), &params(4, capacity), priority, &items, &NoFacts)
        .expect("block");
    assert_eq!(built.rejected, vec![], "every transaction applies");
    assert_eq!(built.deferred, Vec::<usize>::new(), "every transaction fits");
    assert_eq!(built.priority_processed, priority.len(), "every priority operation fits");
    let witness = generate_witness(&c.state, &built.block, &built.included).expect("witness");
    Proven { pre: c.state.clone(), block: built.block, txs: built.included, witness }
}

/// Synthesises `circuit` with its values; returns the constraint system.
pub fn synthesise(circuit: BlockCircuit) -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).expect("synthesis");
    cs
}

/// Whether the witness satisfies the circuit; prints the first failing constraint if not.
pub fn satisfied(witness: BlockWitness) -> bool {
    let cs = synthesise(BlockCircuit::with_witness(witness));
    let ok = cs.is_satisfied().expect("prove mode");
    if !ok {
        eprintln!("unsatisfied: {:?}", cs.which_is_unsatisfied().ok().flatten());
    }
    ok
}

/// `witness` with the public input taken from the circuit, so that what refuses a tampered
/// witness is a rule of the state transition, not the commitment.
pub fn open(mut witness: BlockWitness) -> BlockWitness {
    witness.public_input = None;
    witness
}

/// The address of a fresh user that has no account yet.
pub fn newcomer(seed: u64) -> Wallet {
    Wallet::from_seed(seed, CHAIN).expect("wallet")
}

/// NFT ids of the set-up.
pub const NFT_OF_USER1: NftId = NftId(0);
pub const NFT_OF_USER0: NftId = NftId(1);
pub const NFT2_OF_USER1: NftId = NftId(2);
