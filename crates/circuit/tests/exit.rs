//! The exit circuits on a state built natively by `build_block`: an honest exit satisfies its
//! circuit with the native public input, setup has the same shape, and every lie about the
//! claim or the paths leaves the circuit unsatisfied.
//!
//! The negative tests keep the public input at what the L1 contract would compute: the
//! **verified** root (the state's) with the claimed values. A lie told consistently (the
//! witness and the claim both changed) is therefore refused by the Merkle paths, and a lie in
//! the claim alone by the SHA-256 binding.

use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisMode,
};
use std::sync::OnceLock;
use tern_circuit::exit::{
    exit_witness, nft_exit_witness, ExitAccount, ExitCircuit, ExitError, ExitWitness,
    NftExitCircuit, NftExitWitness,
};
use tern_primitives::{Address, Fr};
use tern_state::tree::SparseMerkleTree;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::exit::{exit_public_input, nft_exit_public_input};
use tern_types::params::BALANCE_TREE_DEPTH;
use tern_types::{AccountId, NftId, TokenId, ETH};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
const FEE_ADDRESS: Address = Address::new([0xfe; 20]);
const FEE_ACCOUNT: AccountId = AccountId(0);
const T1: TokenId = TokenId(1);
const UNIT: u128 = 1_000_000_000_000_000_000;

fn params(number: u64) -> BlockParams {
    BlockParams {
        chain: CHAIN,
        number,
        fee_account: FEE_ACCOUNT,
        timestamp: 1_700_000_000,
        capacity: 64,
    }
}

/// The last verified state: the fee account and two users with keys. User 1 holds 3 ETH and
/// 5 T1 and minted NFT 0 to user 2 and NFT 1 to itself; user 2 holds 7 ETH and no T1.
struct Fixture {
    state: State,
    users: [AccountId; 2],
    /// NFT 0, owned by user 2, and NFT 1, owned by user 1.
    nfts: [NftId; 2],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut state = State::new();
        state.list_token(T1).expect("list T1");
        let mut w: Vec<Wallet> =
            (1..=2).map(|s| Wallet::from_seed(s, CHAIN).expect("wallet")).collect();
        let deposits = [
            PriorityOp::Deposit { token: ETH, amount: 0, to: FEE_ADDRESS },
            PriorityOp::Deposit { token: ETH, amount: 3 * UNIT, to: w[0].address },
            PriorityOp::Deposit { token: T1, amount: 5 * UNIT + 17, to: w[0].address },
            PriorityOp::Deposit { token: ETH, amount: 7 * UNIT, to: w[1].address },
        ];
        let built = build_block(state, &params(1), &deposits, &[], &NoFacts).expect("block 1");
        assert_eq!(built.priority_processed, deposits.len());
        state = built.state;
        let mut txs = Vec::new();
        for wallet in &mut w {
            wallet.account_id = state.account_id_by_address(&wallet.address).expect("deposited");
            txs.push(TxItem::Single(wallet.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("cpk")));
        }
        let built = build_block(state, &params(2), &[], &txs, &NoFacts).expect("block 2");
        assert_eq!(built.rejected, vec![]);
        state = built.state;
        let (a1, a2) = (w[0].address, w[1].address);
        let to_user2 = w[0].mint_nft(a2, [0xc7; 32], ETH, 0).expect("mint");
        let to_self = w[0].mint_nft(a1, [0x3e; 32], ETH, 0).expect("mint");
        let txs = [TxItem::Single(to_user2), TxItem::Single(to_self)];
        let built = build_block(state, &params(3), &[], &txs, &NoFacts).expect("block 3");
        assert_eq!(built.rejected, vec![]);
        state = built.state;
        let users = [w[0].account_id, w[1].account_id];
        let nfts = [NftId(0), NftId(1)];
        assert_eq!(state.nft(nfts[0]).expect("minted").owner, users[1]);
        assert_eq!(state.nft(nfts[1]).expect("minted").owner, users[0]);
        Fixture { state, users, nfts }
    })
}

/// A copy of the verified state and its root.
fn verified() -> (State, Fr) {
    let mut state = fixture().state.clone();
    let root = state.root();
    (state, root)
}

fn synthesise(circuit: impl ConstraintSynthesizer<Fr>) -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).expect("synthesis");
    cs
}

fn satisfied(w: ExitWitness) -> bool {
    synthesise(ExitCircuit::with_witness(w)).is_satisfied().expect("prove mode")
}

fn nft_satisfied(w: NftExitWitness) -> bool {
    synthesise(NftExitCircuit::with_witness(w)).is_satisfied().expect("prove mode")
}

/// User 1's ETH exit against the verified root.
fn honest() -> (ExitWitness, Fr) {
    let (mut state, root) = verified();
    let w = exit_witness(&mut state, fixture().users[0], ETH).expect("witness");
    (w, root)
}

/// `w` with the public input the contract computes for `w`'s claim over `root`.
fn claiming(mut w: ExitWitness, root: Fr) -> ExitWitness {
    w.public_input = Some(w.public_input_for(root));
    w
}

#[test]
fn valid_exits_satisfy_with_the_native_public_input() {
    let (mut state, root) = verified();
    let f = fixture();
    for (id, token) in [(f.users[0], ETH), (f.users[0], T1), (f.users[1], ETH)] {
        let w = exit_witness(&mut state, id, token).expect("witness");
        let address = state.account(id).expect("account").address;
        let amount = state.balance(id, token);
        assert_eq!(w.amount, amount);
        let native = exit_public_input(root, id, &address, token, amount);
        assert_eq!(w.public_input, Some(native));
        assert_eq!(w.root(), root);
        let cs = synthesise(ExitCircuit::with_witness(w.clone()));
        assert!(cs.is_satisfied().expect("prove mode"), "{id} {token}");
        assert_eq!(cs.num_instance_variables(), 2, "the constant one and the commitment");
        assert_eq!(cs.instance_assignment().expect("inputs")[1], native);
        // The circuit computes the same value by itself.
        let cs = synthesise(ExitCircuit::with_witness(ExitWitness { public_input: None, ..w }));
        assert!(cs.is_satisfied().expect("prove mode"));
        assert_eq!(cs.instance_assignment().expect("inputs")[1], native);
    }
}

#[test]
fn valid_nft_exits_satisfy_with_the_native_public_input() {
    let (mut state, root) = verified();
    let f = fixture();
    for (owner, nft_id) in [(f.users[1], f.nfts[0]), (f.users[0], f.nfts[1])] {
        let w = nft_exit_witness(&mut state, owner, nft_id).expect("witness");
        let address = state.account(owner).expect("account").address;
        let info = state.nft(nft_id).expect("nft").info.clone();
        let native = nft_exit_public_input(root, owner, &address, nft_id, &info);
        assert_eq!(w.public_input, Some(native));
        let cs = synthesise(NftExitCircuit::with_witness(w));
        assert!(cs.is_satisfied().expect("prove mode"), "{nft_id}");
        assert_eq!(cs.num_instance_variables(), 2);
        assert_eq!(cs.instance_assignment().expect("inputs")[1], native);
    }
}

/// Constraint counts, and the same shape in setup mode (key generation) as when proving.
#[test]
fn constraint_counts_and_setup_shape() {
    let (w, _) = honest();
    let (mut state, _) = verified();
    let nw = nft_exit_witness(&mut state, fixture().users[1], fixture().nfts[0]).expect("nft");
    let shape = |c: &ConstraintSystemRef<Fr>| {
        (c.num_constraints(), c.num_witness_variables(), c.num_instance_variables())
    };
    let setup = |circuit: &dyn Fn(ConstraintSystemRef<Fr>)| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        circuit(cs.clone());
        cs
    };
    let token = synthesise(ExitCircuit::with_witness(w));
    let token_setup = setup(&|cs| ExitCircuit::setup().generate_constraints(cs).expect("setup"));
    assert_eq!(shape(&token_setup), shape(&token));
    let nft = synthesise(NftExitCircuit::with_witness(nw));
    let nft_setup = setup(&|cs| NftExitCircuit::setup().generate_constraints(cs).expect("setup"));
    assert_eq!(shape(&nft_setup), shape(&nft));
    println!(
        "ExitCircuit: {} constraints; NftExitCircuit: {} constraints",
        token.num_constraints(),
        nft.num_constraints()
    );
    assert_eq!(token.num_constraints(), 55_411, "update exit.rs, docs/spec/exit.md");
    assert_eq!(nft.num_constraints(), 58_900, "update exit.rs, docs/spec/exit.md");
}

#[test]
fn wrong_amount_is_refused() {
    let (w, root) = honest();
    assert!(satisfied(w.clone()));
    // Claiming more than the balance, with the honest paths.
    let more = ExitWitness { amount: w.amount + 1, ..w.clone() };
    assert!(!satisfied(ExitWitness {
        public_input: Some(more.public_input_for(root)),
        ..w.clone()
    }));
    // The same lie in the witness too: the balance leaf no longer hashes to the root.
    assert!(!satisfied(claiming(more.clone(), root)));
    // The witness lies while the claim is honest.
    assert!(!satisfied(ExitWitness { public_input: w.public_input, ..more }));
}

#[test]
fn wrong_token_is_refused() {
    let (w, root) = honest();
    // User 1's ETH balance and path, claimed as T1 (which the account also holds).
    let other = ExitWitness { token: T1, ..w.clone() };
    assert!(!satisfied(claiming(other.clone(), root)));
    assert!(!satisfied(ExitWitness { public_input: w.public_input, ..other }));
    // Only the claim names another token.
    let claim = ExitWitness { token: TokenId(2), ..w.clone() }.public_input_for(root);
    assert!(!satisfied(ExitWitness { public_input: Some(claim), ..w }));
}

#[test]
fn wrong_account_id_is_refused() {
    let (w, root) = honest();
    let other = fixture().users[1];
    let mut moved = w.clone();
    moved.account.id = other;
    assert!(!satisfied(claiming(moved.clone(), root)));
    assert!(!satisfied(ExitWitness { public_input: w.public_input, ..moved }));
    // An id past the tree: its top byte cannot be matched.
    let mut far = w.clone();
    far.account.id = AccountId(w.account.id.0 + (1 << 24));
    assert!(!satisfied(claiming(far, root)));
}

#[test]
fn wrong_address_is_refused() {
    let (w, root) = honest();
    let mut thief = w.clone();
    thief.account.address = Address::new([0x66; 20]);
    assert!(!satisfied(claiming(thief.clone(), root)));
    assert!(!satisfied(ExitWitness { public_input: w.public_input, ..thief }));
    // Only the claim names another address.
    let mut claim = w.clone();
    claim.account.address = Address::new([0x66; 20]);
    assert!(!satisfied(ExitWitness { public_input: Some(claim.public_input_for(root)), ..w }));
}

#[test]
fn tampered_merkle_sibling_is_refused() {
    let (w, _) = honest();
    let one = Fr::from(1u64);
    for (level, slot) in [(0, 0), (5, 1), (11, 2)] {
        let mut t = w.clone();
        t.account.proof.siblings[level][slot] += one;
        assert!(!satisfied(t), "account sibling {level}/{slot}");
    }
    for (level, slot) in [(0, 2), (4, 0)] {
        let mut t = w.clone();
        t.balance_proof.siblings[level][slot] += one;
        assert!(!satisfied(t), "balance sibling {level}/{slot}");
    }
    // The free leaf inputs are bound too: any other value changes the leaf.
    let mut t = w.clone();
    t.account.nonce += 1;
    assert!(!satisfied(t));
    let mut t = w;
    t.account.pubkey_hash.0[19] ^= 1;
    assert!(!satisfied(t));
}

#[test]
fn a_root_that_is_not_the_states_is_refused() {
    let (w, root) = honest();
    // The honest witness against another root.
    assert!(!satisfied(claiming(w.clone(), root + Fr::from(1u64))));
    // A witness whose NFT part hashes to another root, claimed over the verified root.
    assert!(!satisfied(ExitWitness { next_nft_id: w.next_nft_id + 1, ..w.clone() }));
    assert!(!satisfied(ExitWitness { next_account_id: w.next_account_id + 1, ..w.clone() }));
    assert!(!satisfied(ExitWitness { nft_root: w.nft_root + Fr::from(1u64), ..w.clone() }));
    // A witness from a later state (user 1 received more ETH), claimed over the verified root.
    let (state, _) = verified();
    let deposit = [PriorityOp::Deposit { token: ETH, amount: UNIT, to: w.account.address }];
    let mut later = build_block(state, &params(4), &deposit, &[], &NoFacts).expect("block").state;
    let newer = exit_witness(&mut later, w.account.id, ETH).expect("witness");
    assert_eq!(newer.amount, w.amount + UNIT);
    assert!(satisfied(newer.clone()), "true of the later root");
    assert!(!satisfied(claiming(newer, root)));
}

#[test]
fn an_empty_slot_is_refused() {
    // The empty slot after the last account: zero address, zero balance. The claim is true of
    // the verified root, so only the non-zero address rule refuses it.
    let (mut state, root) = verified();
    let id = AccountId(state.account_count());
    let (_, proof) = state.account_proof(id).expect("proof");
    let mut empty_balances =
        SparseMerkleTree::new(BALANCE_TREE_DEPTH as u8, Fr::from(0u64)).expect("tree");
    let mut w = ExitWitness {
        account: ExitAccount {
            id,
            address: Address::ZERO,
            nonce: 0,
            nfts_minted: 0,
            pubkey_hash: Default::default(),
            proof,
        },
        token: ETH,
        amount: 0,
        balance_proof: empty_balances.proof(0).expect("proof"),
        nft_root: state.sub_roots().1,
        next_nft_id: state.next_nft_id(),
        next_account_id: state.next_account_id(),
        public_input: None,
    };
    assert_eq!(w.root(), root, "a true statement about the verified root");
    w.public_input = Some(w.public_input_for(root));
    assert!(!satisfied(w));
}

#[test]
fn nft_of_another_account_is_refused() {
    let (mut state, root) = verified();
    let f = fixture();
    // User 1 claims NFT 0, which user 2 owns: user 1's account path, NFT 0's path and identity.
    let theirs = nft_exit_witness(&mut state, f.users[1], f.nfts[0]).expect("witness");
    let mine = nft_exit_witness(&mut state, f.users[0], f.nfts[1]).expect("witness");
    let stolen = NftExitWitness {
        account: mine.account.clone(),
        balance_root: mine.balance_root,
        public_input: None,
        ..theirs.clone()
    };
    let claim = stolen.public_input_for(root);
    assert_eq!(
        claim,
        nft_exit_public_input(root, f.users[0], &mine.account.address, f.nfts[0], &theirs.nft)
    );
    assert!(!nft_satisfied(NftExitWitness { public_input: Some(claim), ..stolen }));
    // The owner's honest exit with user 1's address claimed instead.
    let mut claim = theirs.clone();
    claim.account.address = mine.account.address;
    let claim = claim.public_input_for(root);
    assert!(!nft_satisfied(NftExitWitness { public_input: Some(claim), ..theirs.clone() }));
    assert_eq!(
        nft_exit_witness(&mut state, f.users[0], f.nfts[0]),
        Err(ExitError::NotNftOwner {
            nft_id: f.nfts[0],
            owner: f.users[1],
            account_id: f.users[0]
        })
    );
}

#[test]
fn wrong_nft_identity_is_refused() {
    let (mut state, root) = verified();
    let f = fixture();
    let w = nft_exit_witness(&mut state, f.users[1], f.nfts[0]).expect("witness");
    assert!(nft_satisfied(w.clone()));
    let mut lies = vec![w.clone(); 5];
    lies[0].nft.serial += 1;
    lies[1].nft.content_hash[0] ^= 0x80;
    lies[2].nft.creator_id = f.users[1];
    lies[3].nft.creator_address = Address::new([0x66; 20]);
    lies[4].nft_id = f.nfts[1];
    for (i, lie) in lies.into_iter().enumerate() {
        // Told consistently (the claim names it too) and in the claim alone.
        assert!(
            !nft_satisfied(NftExitWitness {
                public_input: Some(lie.public_input_for(root)),
                ..lie.clone()
            }),
            "{i}"
        );
        assert!(
            !nft_satisfied(NftExitWitness {
                public_input: Some(lie.public_input_for(root)),
                ..w.clone()
            }),
            "{i}"
        );
    }
    let mut t = w;
    t.nft_proof.siblings[3][1] += Fr::from(1u64);
    assert!(!nft_satisfied(t));
}

#[test]
fn witness_generation_refusals() {
    let (mut state, _) = verified();
    let f = fixture();
    let nobody = AccountId(state.account_count());
    assert_eq!(exit_witness(&mut state, nobody, ETH), Err(ExitError::UnknownAccount(nobody)));
    assert_eq!(
        exit_witness(&mut state, f.users[0], TokenId(1024)),
        Err(ExitError::UnknownToken(TokenId(1024)))
    );
    assert_eq!(
        exit_witness(&mut state, f.users[1], T1),
        Err(ExitError::ZeroBalance { account_id: f.users[1], token: T1 })
    );
    assert_eq!(
        nft_exit_witness(&mut state, f.users[0], NftId(2)),
        Err(ExitError::UnknownNft(NftId(2)))
    );
    assert_eq!(
        nft_exit_witness(&mut state, nobody, f.nfts[0]),
        Err(ExitError::UnknownAccount(nobody))
    );
}
