//! Helpers shared by the state-transition tests: a chain environment that builds blocks and
//! checks the properties every block must have, wallets with keys set, and snapshots for
//! "nothing changed" assertions.

#![allow(dead_code)]

use std::collections::BTreeSet;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::{Address, Fr};
use tern_state::execute::{verify_signatures, BlockContext, Fees};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{
    build_block, Account, AuthFacts, BlockError, BlockParams, BuiltBlock, ChainConfig, Nft,
    PriorityOp, State, TxError, TxItem,
};
use tern_types::block::decode_pubdata;
use tern_types::params::CHUNK_BYTES;
use tern_types::{AccountId, NftId, Op, SignedTx, TokenId, ETH};

/// The chain every test runs on.
pub(crate) const CHAIN: ChainConfig =
    ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
/// Owner of the fee account.
pub(crate) const FEE_ADDRESS: Address = Address::new([0xfe; 20]);
/// The fee account: the first account, created by the genesis deposit.
pub(crate) const FEE_ACCOUNT: AccountId = AccountId(0);
/// Block timestamp of every block.
pub(crate) const TS: u64 = 1_700_000_000;
/// Default block capacity in chunks.
pub(crate) const CAPACITY: usize = 96;
/// Listed ERC-20 tokens (ETH is token 0).
pub(crate) const T1: TokenId = TokenId(1);
/// Second listed ERC-20.
pub(crate) const T2: TokenId = TokenId(2);
/// Third listed ERC-20.
pub(crate) const T3: TokenId = TokenId(3);
/// Fourth listed ERC-20.
pub(crate) const T4: TokenId = TokenId(4);
/// Fifth listed ERC-20.
pub(crate) const T5: TokenId = TokenId(5);
/// A valid token id that is never listed.
pub(crate) const UNLISTED: TokenId = TokenId(77);
/// One ETH in wei.
pub(crate) const UNIT: u128 = 1_000_000_000_000_000_000;

/// On-chain ChangePubKey facts.
pub(crate) type Facts = BTreeSet<(Address, PubKeyHash, u32)>;

/// Everything observable about a state, to compare before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) root: Fr,
    pub(crate) accounts: Vec<(AccountId, Account)>,
    pub(crate) nfts: Vec<(NftId, Nft)>,
    pub(crate) next_nft_id: u32,
}

/// Takes a snapshot (the incremental root and every account and NFT).
pub(crate) fn snapshot(state: &mut State) -> Snapshot {
    let root = state.root();
    Snapshot {
        root,
        accounts: state.accounts().map(|(id, a)| (id, a.clone())).collect(),
        nfts: state.nfts().map(|(id, n)| (*id, n.clone())).collect(),
        next_nft_id: state.next_nft_id(),
    }
}

/// Like [`snapshot`], and asserts that the incremental root equals the root rebuilt from
/// scratch (slower: it rehashes every tree).
pub(crate) fn checked_snapshot(state: &mut State) -> Snapshot {
    let snap = snapshot(state);
    assert_eq!(
        snap.root,
        state.root_from_scratch().expect("root from scratch"),
        "incremental root differs from the root rebuilt from scratch"
    );
    snap
}

/// A deterministic wallet.
pub(crate) fn wallet(seed: u64) -> Wallet {
    Wallet::from_seed(seed, CHAIN).expect("wallet from seed")
}

/// Asserts that `op` encodes to whole chunks and decodes back to itself.
pub(crate) fn assert_roundtrip(op: &Op) {
    let bytes = op.encode().expect("op encodes");
    assert_eq!(bytes.len(), op.chunks() * CHUNK_BYTES, "{} length", op.name());
    let (decoded, used) = Op::decode(&bytes).expect("op decodes");
    assert_eq!(&decoded, op, "{} round trip", op.name());
    assert_eq!(used, bytes.len());
}

/// Applies `tx` alone through [`State::apply_tx`], as the builder does, with no fees pending.
pub(crate) fn apply_one(
    state: &mut State,
    tx: &SignedTx,
    facts: &dyn AuthFacts,
) -> Result<(Op, Fees), TxError> {
    let signers = verify_signatures(tx)?;
    let ctx = BlockContext { chain: CHAIN, timestamp: TS, fee_account: FEE_ACCOUNT, facts };
    let mut fees = Fees::default();
    let op = state.apply_tx(tx, &signers, &ctx, &mut fees)?;
    Ok((op, fees))
}

/// A chain: the state after the last block, and what the next block needs.
#[derive(Debug)]
pub(crate) struct Env {
    pub(crate) state: State,
    pub(crate) number: u64,
    pub(crate) facts: Facts,
    pub(crate) capacity: usize,
}

impl Env {
    /// Genesis with tokens 1 to 5 listed and the fee account created by a first block.
    pub(crate) fn new() -> Self {
        let mut state = State::new();
        for t in [T1, T2, T3, T4, T5] {
            state.list_token(t).expect("list token");
        }
        let mut env = Env { state, number: 0, facts: Facts::new(), capacity: CAPACITY };
        let built =
            env.build(&[PriorityOp::Deposit { token: ETH, amount: 0, to: FEE_ADDRESS }], vec![]);
        assert_eq!(built.block.ops.len(), 1);
        assert_eq!(env.state.account(FEE_ACCOUNT).map(|a| a.address), Some(FEE_ADDRESS));
        env
    }

    /// Parameters of the next block.
    pub(crate) fn params(&self) -> BlockParams {
        BlockParams {
            chain: CHAIN,
            number: self.number + 1,
            fee_account: FEE_ACCOUNT,
            timestamp: TS,
            capacity: self.capacity,
        }
    }

    /// Builds the next block on a copy of the state; the chain does not advance.
    pub(crate) fn try_build(
        &self,
        priority: &[PriorityOp],
        txs: &[TxItem],
    ) -> Result<BuiltBlock, BlockError> {
        build_block(self.state.clone(), &self.params(), priority, txs, &self.facts)
    }

    /// Builds the next block, checks what every block must satisfy, and advances the chain.
    pub(crate) fn build(&mut self, priority: &[PriorityOp], txs: Vec<TxItem>) -> BuiltBlock {
        let old_root = self.state.root();
        let mut built = self.try_build(priority, &txs).expect("block builds");
        check_block(&mut built, old_root, self.capacity);
        check_diff(&self.state, &built);
        self.state = built.state.clone();
        self.number += 1;
        built
    }

    /// Builds a block holding only `tx` and asserts it was applied; returns its operation.
    pub(crate) fn apply(&mut self, tx: SignedTx) -> Op {
        let built = self.build(&[], vec![TxItem::Single(tx)]);
        assert_eq!(built.rejected, vec![], "transaction rejected");
        assert_eq!(built.deferred, Vec::<usize>::new(), "transaction deferred");
        assert_eq!(built.block.ops.len(), 1);
        built.block.ops[0].clone()
    }

    /// Builds a block holding only priority operations and returns them.
    pub(crate) fn priority(&mut self, ops: &[PriorityOp]) -> Vec<Op> {
        let built = self.build(ops, vec![]);
        assert_eq!(built.priority_processed, ops.len());
        built.block.ops
    }

    /// Deposits to new wallets (seeds), sets their keys with ECDSA authorisations and returns
    /// them with their account ids and nonces (1) filled in.
    pub(crate) fn users(&mut self, seeds: &[u64], deposits: &[(TokenId, u128)]) -> Vec<Wallet> {
        let mut wallets: Vec<Wallet> = seeds.iter().map(|s| wallet(*s)).collect();
        let priority: Vec<PriorityOp> = wallets
            .iter()
            .flat_map(|w| {
                deposits.iter().map(|(token, amount)| PriorityOp::Deposit {
                    token: *token,
                    amount: *amount,
                    to: w.address,
                })
            })
            .collect();
        self.priority(&priority);
        let mut txs = Vec::new();
        for w in &mut wallets {
            w.account_id = self.state.account_id_by_address(&w.address).expect("deposited");
            txs.push(TxItem::Single(w.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign")));
        }
        let built = self.build(&[], txs);
        assert_eq!(built.rejected, vec![]);
        for w in &wallets {
            let a = self.state.account(w.account_id).expect("account");
            assert_eq!(a.pubkey_hash, w.pubkey_hash());
            assert_eq!(a.nonce, 1);
        }
        wallets
    }

    /// Asserts that `tx` is rejected with `expected`, both applied alone on a copy of the state
    /// (which must stay bit-identical) and through the block builder (which must reject it and
    /// produce an empty block with an unchanged root). The chain does not advance.
    pub(crate) fn assert_rejected(&mut self, tx: &SignedTx, expected: TxError) {
        let before = snapshot(&mut self.state);
        let mut copy = self.state.clone();
        let got = apply_one(&mut copy, tx, &self.facts).map(|(op, _)| op);
        assert_eq!(got, Err(expected.clone()), "apply_tx result");
        assert_eq!(checked_snapshot(&mut copy), before, "state changed by a rejected transaction");

        let built = self.try_build(&[], &[TxItem::Single(tx.clone())]).expect("block builds");
        assert_eq!(built.rejected, vec![tern_state::Rejected { index: 0, error: expected }]);
        assert_eq!(built.block.ops, vec![]);
        assert_eq!(built.block.header.old_root, before.root);
        assert_eq!(built.block.header.new_root, before.root);
        let mut after = built.state;
        assert_eq!(snapshot(&mut after), before, "state changed by a rejected block item");
        assert_eq!(snapshot(&mut self.state), before, "the environment's state changed");
    }

    /// Balance of `token` in `id`.
    pub(crate) fn balance(&self, id: AccountId, token: TokenId) -> u128 {
        self.state.balance(id, token)
    }

    /// Nonce of `id`.
    pub(crate) fn nonce(&self, id: AccountId) -> u32 {
        self.state.account(id).expect("account").nonce
    }
}

/// What every built block must satisfy: roots match the states, the incremental root matches
/// one rebuilt from scratch, pubdata is padded to the capacity with Noop (zero) chunks and
/// decodes back to exactly the block's operations, and every operation round-trips.
pub(crate) fn check_block(built: &mut BuiltBlock, old_root: Fr, capacity: usize) {
    let block = &built.block;
    assert_eq!(block.header.old_root, old_root, "old root");
    assert_eq!(block.header.new_root, built.state.root(), "new root");
    assert_eq!(
        built.state.root_from_scratch().expect("root from scratch"),
        block.header.new_root,
        "incremental root differs from the root rebuilt from scratch"
    );
    assert_eq!(block.capacity, capacity);
    let pubdata = block.pubdata().expect("pubdata");
    assert_eq!(pubdata.len(), capacity * CHUNK_BYTES, "pubdata is capacity × 13 bytes");
    let used = block.used_chunks() * CHUNK_BYTES;
    assert!(pubdata[used..].iter().all(|b| *b == 0), "padding is zero (Noop) chunks");
    assert_eq!(decode_pubdata(&pubdata).expect("pubdata decodes"), block.ops);
    for op in &block.ops {
        assert_roundtrip(op);
    }
}

/// The block's diff holds exactly the final value of every account and NFT that changed (and
/// possibly unchanged ones, after a rolled-back write), so storage can persist it instead of
/// replaying the block.
pub(crate) fn check_diff(pre: &State, built: &BuiltBlock) {
    let post = &built.state;
    let diff = &built.diff;
    for (id, account) in &diff.accounts {
        assert_eq!(post.account(*id), Some(account), "diff of {id:?} is the post-state's");
    }
    for (id, account) in post.accounts() {
        if pre.account(id) != Some(account) {
            assert!(diff.accounts.iter().any(|(d, _)| *d == id), "changed {id:?} is in the diff");
        }
    }
    for (id, nft) in &diff.nfts {
        assert_eq!(post.nft(*id), nft.as_ref(), "diff of {id:?} is the post-state's");
    }
    for (id, nft) in post.nfts() {
        if pre.nft(*id) != Some(nft) {
            assert!(diff.nfts.iter().any(|(d, _)| d == id), "changed {id:?} is in the diff");
        }
    }
    for (id, _) in pre.nfts() {
        if post.nft(*id).is_none() {
            assert!(diff.nfts.contains(&(*id, None)), "removed {id:?} is in the diff");
        }
    }
    assert_eq!(diff.next_nft_id, post.next_nft_id());
}
