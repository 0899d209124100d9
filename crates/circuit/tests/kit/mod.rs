//! Shared set-up for the block-circuit tests: a chain with keyed users, a keyless account and
//! NFTs, blocks built natively by `build_block` on top of it, their witnesses, and
//! satisfaction checks.
#![allow(dead_code, unreachable_pub)]

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use tern_circuit::block::BlockCircuit;
use tern_circuit::layout::chunks;
use tern_circuit::witness::{args_of, generate_witness, BlockWitness, UnitWitness};
use tern_primitives::field::fr_from_be_short;
use tern_primitives::{poseidon, Address, Fr};
use tern_state::state::empty_account_leaf;
use tern_state::tree::{MerkleProof, SparseMerkleTree};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::params::{ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH, CHUNK_BYTES};
use tern_types::{AccountId, Block, NftId, Op, SignedTx, TimeRange, TokenId, ETH};

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
    /// The state after the block.
    pub post: State,
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
    prove_on(&chain().state, capacity, priority, sign)
}

/// Like [`prove`], on `pre` instead of the chain's state (the same wallets).
pub fn prove_on(
    pre: &State,
    capacity: usize,
    priority: &[PriorityOp],
    sign: impl FnOnce(&mut [Wallet], &Wallet) -> Vec<SignedTx>,
) -> Proven {
    let c = chain();
    let mut wallets = c.wallets.clone();
    let txs = sign(&mut wallets, &c.keyless);
    let items: Vec<TxItem> = txs.iter().cloned().map(TxItem::Single).collect();
    let built =
        build_block(pre.clone(), &params(4, capacity), priority, &items, &NoFacts).expect("block");
    assert_eq!(built.rejected, vec![], "every transaction applies");
    assert_eq!(built.deferred, Vec::<usize>::new(), "every transaction fits");
    assert_eq!(built.priority_processed, priority.len(), "every priority operation fits");
    let witness = generate_witness(pre, &built.block, &built.included).expect("witness");
    Proven { pre: pre.clone(), post: built.state, block: built.block, txs: built.included, witness }
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

/// Writes `op`'s pubdata and arguments into the witness's chunks from `first` on, as a prover
/// that lies about the operation would (the units and signature are left to the caller).
pub fn set_op(w: &mut BlockWitness, first: usize, op: &Op) {
    let bytes = op.encode().expect("encodable operation");
    let args = args_of(op.opcode(), &bytes);
    for position in 0..chunks(op.opcode()) {
        let c = &mut w.chunks[first + position];
        c.pubdata.copy_from_slice(&bytes[position * CHUNK_BYTES..(position + 1) * CHUNK_BYTES]);
        c.opcode = op.opcode();
        c.position = position;
        c.args = args;
    }
}

/// One account as the circuit sees it: leaf inputs and balances as field elements.
#[derive(Clone)]
struct ModelAccount {
    /// `nonce + 2³²·nfts_minted`, `pubkey_hash`, `address`.
    fields: [Fr; 3],
    balances: SparseMerkleTree,
}

/// The account tree with field-element leaves, for tampered witnesses whose effects native
/// state cannot hold (an account at any empty index, a balance past 2¹²⁸, a nonce carried
/// into `nfts_minted`). A test replays a forbidden operation's effects here and takes
/// consistent units and proofs from it, so the only thing that can refuse the witness is the
/// rule under test.
pub struct Model {
    tree: SparseMerkleTree,
    accounts: BTreeMap<u32, ModelAccount>,
}

fn empty_balances() -> SparseMerkleTree {
    SparseMerkleTree::new(BALANCE_TREE_DEPTH as u8, Fr::from(0u64)).expect("depth")
}

impl Model {
    /// The accounts of `state`.
    pub fn of(state: &State) -> Self {
        let tree =
            SparseMerkleTree::new(ACCOUNT_TREE_DEPTH as u8, empty_account_leaf()).expect("depth");
        let mut m = Self { tree, accounts: BTreeMap::new() };
        for (id, a) in state.accounts() {
            let mut balances = empty_balances();
            for (t, b) in &a.balances {
                balances.set(u64::from(t.0), Fr::from(*b)).expect("token");
            }
            let meta = Fr::from(u64::from(a.nonce) | u64::from(a.nfts_minted) << 32);
            let fields = [meta, a.pubkey_hash.to_fr(), fr_from_be_short(a.address.as_slice())];
            m.accounts.insert(id.0, ModelAccount { fields, balances });
            m.refresh(id.0);
        }
        m
    }

    fn entry(&mut self, id: u32) -> &mut ModelAccount {
        self.accounts.entry(id).or_insert_with(|| ModelAccount {
            fields: [Fr::from(0u64); 3],
            balances: empty_balances(),
        })
    }

    fn refresh(&mut self, id: u32) {
        let a = self.entry(id);
        let [f0, f1, f2] = a.fields;
        let leaf = poseidon::hash([f0, f1, f2, a.balances.root()]);
        self.tree.set(u64::from(id), leaf).expect("index");
    }

    /// The unit witness of account `id` and its `token` balance as they are now.
    pub fn unit(&mut self, id: u32, token: TokenId) -> UnitWitness {
        let path = self.tree.proof(u64::from(id)).expect("index");
        let a = self.entry(id);
        let balance = a.balances.get(u64::from(token.0)).expect("token");
        let limbs = ark_ff::PrimeField::into_bigint(balance).0;
        let balance = u128::from(limbs[0]) | u128::from(limbs[1]) << 64;
        let balance_proof = a.balances.proof(u64::from(token.0)).expect("token");
        let [f0, f1, f2] = a.fields;
        UnitWitness {
            index: id,
            token: token.0,
            fields: [f0, f1, f2, Fr::from(0u64)],
            balance,
            balance_proof,
            path,
            empty_before: false,
            empty_after: false,
        }
    }

    /// Adds `delta` (a field element: it may wrap) to a balance.
    pub fn add(&mut self, id: u32, token: TokenId, delta: Fr) {
        let a = self.entry(id);
        let old = a.balances.get(u64::from(token.0)).expect("token");
        a.balances.set(u64::from(token.0), old + delta).expect("token");
        self.refresh(id);
    }

    /// Sets the leaf inputs other than the balance root.
    pub fn set_fields(&mut self, id: u32, fields: [Fr; 3]) {
        self.entry(id).fields = fields;
        self.refresh(id);
    }

    /// The leaf inputs other than the balance root.
    pub fn fields(&mut self, id: u32) -> [Fr; 3] {
        self.entry(id).fields
    }

    /// The account tree's root now.
    pub fn root(&mut self) -> Fr {
        self.tree.root()
    }

    /// Proof of account `id`'s leaf now.
    pub fn proof(&mut self, id: u32) -> MerkleProof {
        self.tree.proof(u64::from(id)).expect("index")
    }
}

/// `x` as a field element, from a signed 128-bit amount.
pub fn fr(x: i128) -> Fr {
    if x < 0 {
        -Fr::from(x.unsigned_abs())
    } else {
        Fr::from(x.unsigned_abs())
    }
}
