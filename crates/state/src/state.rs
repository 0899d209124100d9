//! The rollup state: accounts with their balance trees, the NFT tree, and the state root.
//!
//! Writes go through a few primitive mutations that record an undo entry each, so a failed
//! transaction or batch rolls back exactly ([`State::checkpoint`] / [`State::rollback`]).
//! Hashing is deferred: a write only marks the account dirty, and [`State::root`] rehashes the
//! dirty accounts' balance trees together (their hashes batched), then the touched paths of the
//! account tree.

use crate::account::{account_leaf, account_leaf_inputs, Account, Nft};
use crate::error::TxError;
use crate::tree::{
    hash_nodes, root_from_leaves, Defaults, MerkleProof, SparseMerkleTree, TreeError,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tern_primitives::eddsa::{PubKeyHash, PublicKey};
use tern_primitives::{poseidon, Address, Fr};
use tern_types::params::{
    ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH, MAX_ACCOUNTS, MAX_NFTS, NFT_TREE_DEPTH,
};
use tern_types::{AccountId, NftId, Nonce, TokenId, ETH};

#[derive(Debug, Clone)]
struct Entry {
    account: Account,
    balances: SparseMerkleTree,
    dirty: bool,
}

impl Entry {
    /// The leaf's inputs; the balance tree must be rehashed already (its root is a lookup).
    fn leaf_inputs(&mut self) -> [Fr; 4] {
        let a = &self.account;
        let root = self.balances.root();
        account_leaf_inputs(a.nonce, a.nfts_minted, &a.pubkey_hash, &a.address, root)
    }
}

#[derive(Debug, Clone)]
enum Undo {
    Balance { id: AccountId, token: TokenId, old: u128 },
    Meta { id: AccountId, nonce: Nonce, nfts_minted: u32, pubkey_hash: PubKeyHash },
    NewAccount,
    Nft { id: NftId, old: Option<Nft> },
    NextNftId(u32),
    ListToken(TokenId),
}

/// What a block changed: the final value of everything it wrote ([`State::take_diff`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateDiff {
    /// Accounts created or changed, in id order, with their full new value.
    pub accounts: Vec<(AccountId, Account)>,
    /// NFT slots set (`Some`) or cleared (`None`), in id order.
    pub nfts: Vec<(NftId, Option<Nft>)>,
    /// `next_nft_id` afterwards.
    pub next_nft_id: u32,
}

/// A position in the undo journal; see [`State::rollback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct StateCheckpoint(usize);

/// The entries of the sorted, distinct `ids` that are still marked dirty, each unmarked.
fn dirty_entries<'a>(accounts: &'a mut [Entry], ids: &[AccountId]) -> Vec<(u64, &'a mut Entry)> {
    let mut out = Vec::with_capacity(ids.len());
    let mut rest = accounts;
    let mut next = 0usize;
    for id in ids {
        let index = id.0 as usize;
        // Ids are sorted and distinct, so each split leaves the later ids in `rest`.
        let Some((entry, tail)) =
            std::mem::take(&mut rest).get_mut(index - next..).and_then(<[Entry]>::split_first_mut)
        else {
            break;
        };
        rest = tail;
        next = index + 1;
        if std::mem::take(&mut entry.dirty) {
            out.push((index as u64, entry));
        }
    }
    out
}

/// Tern's L2 state.
#[derive(Debug, Clone)]
pub struct State {
    accounts: Vec<Entry>,
    by_address: HashMap<Address, AccountId>,
    account_tree: SparseMerkleTree,
    balance_defaults: Defaults,
    nfts: BTreeMap<NftId, Nft>,
    nft_tree: SparseMerkleTree,
    next_nft_id: u32,
    tokens: std::collections::BTreeSet<TokenId>,
    dirty: Vec<AccountId>,
    /// Accounts and NFT slots written since the last [`State::take_diff`] (a superset after a
    /// rollback, which only costs a redundant row in the diff).
    touched: BTreeSet<AccountId>,
    touched_nfts: BTreeSet<NftId>,
    journal: Vec<Undo>,
    /// `pubkey -> hash` for keys that signed applied transactions: a pure-function memo, so
    /// rollbacks never make it wrong; it only saves a Poseidon per transaction.
    key_hashes: HashMap<PublicKey, PubKeyHash>,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

fn tree(depth: usize, leaf: Fr) -> Defaults {
    Defaults::new(depth as u8, leaf)
        .unwrap_or_else(|e| unreachable!("protocol tree depths are valid: {e}"))
}

/// The leaf of an account slot that holds no account.
pub fn empty_account_leaf() -> Fr {
    let empty_balances = tree(BALANCE_TREE_DEPTH, Fr::from(0u64)).root();
    account_leaf(0, 0, &PubKeyHash::default(), &Address::ZERO, empty_balances)
}

/// The state root: `Poseidon(account_root, nft_root, next_nft_id, next_account_id)`.
///
/// Both counters are in the root so that the circuit can enforce that ids are handed out in
/// sequence: an account is only ever created at `next_account_id`, an NFT at `next_nft_id`
/// (`docs/spec/state.md`).
pub fn state_root(account_root: Fr, nft_root: Fr, next_nft_id: u32, next_account_id: u32) -> Fr {
    poseidon::hash([account_root, nft_root, Fr::from(next_nft_id), Fr::from(next_account_id)])
}

impl State {
    /// The genesis state: no accounts, no NFTs, only ETH listed.
    pub fn new() -> Self {
        let balance_defaults = tree(BALANCE_TREE_DEPTH, Fr::from(0u64));
        Self {
            accounts: Vec::new(),
            by_address: HashMap::new(),
            account_tree: SparseMerkleTree::with_defaults(tree(
                ACCOUNT_TREE_DEPTH,
                empty_account_leaf(),
            )),
            balance_defaults,
            nfts: BTreeMap::new(),
            nft_tree: SparseMerkleTree::with_defaults(tree(NFT_TREE_DEPTH, Fr::from(0u64))),
            next_nft_id: 0,
            tokens: [ETH].into_iter().collect(),
            dirty: Vec::new(),
            touched: BTreeSet::new(),
            touched_nfts: BTreeSet::new(),
            journal: Vec::new(),
            key_hashes: HashMap::new(),
        }
    }

    // ---- reads ----

    /// The account with `id`, if it exists.
    pub fn account(&self, id: AccountId) -> Option<&Account> {
        self.accounts.get(id.0 as usize).map(|e| &e.account)
    }

    /// The account owned by `address`, if any: the lowest id with that address.
    ///
    /// The circuit does not enforce one account per address (`docs/spec/state.md`): a block the
    /// sequencer never builds may create a second account for an address, and a state restored
    /// from L1 then holds both. Lookups by address give the first; every account stays
    /// reachable by its id.
    pub fn account_id_by_address(&self, address: &Address) -> Option<AccountId> {
        self.by_address.get(address).copied()
    }

    /// Accounts in id order.
    pub fn accounts(&self) -> impl Iterator<Item = (AccountId, &Account)> {
        self.accounts.iter().enumerate().map(|(i, e)| (AccountId(i as u32), &e.account))
    }

    /// Number of accounts.
    pub fn account_count(&self) -> u32 {
        self.accounts.len() as u32
    }

    /// Balance of `token` in account `id` (0 if the account does not exist).
    pub fn balance(&self, id: AccountId, token: TokenId) -> u128 {
        self.account(id).map(|a| a.balance(token)).unwrap_or(0)
    }

    /// The NFT with `id`, if it exists on L2.
    pub fn nft(&self, id: NftId) -> Option<&Nft> {
        self.nfts.get(&id)
    }

    /// NFTs in id order.
    pub fn nfts(&self) -> impl Iterator<Item = (&NftId, &Nft)> {
        self.nfts.iter()
    }

    /// The id the next minted NFT gets.
    pub fn next_nft_id(&self) -> u32 {
        self.next_nft_id
    }

    /// The id the next new account gets: the number of accounts (a state-root input).
    pub fn next_account_id(&self) -> u32 {
        self.account_count()
    }

    /// Whether `token` is listed.
    pub fn is_listed(&self, token: TokenId) -> bool {
        self.tokens.contains(&token)
    }

    /// Total of `token` held by all accounts.
    pub fn total_supply(&self, token: TokenId) -> u128 {
        self.accounts.iter().map(|e| e.account.balance(token)).sum()
    }

    /// The hash of `key`, from the memo when it signed before.
    pub fn key_hash(&self, key: &PublicKey) -> PubKeyHash {
        self.key_hashes.get(key).copied().unwrap_or_else(|| key.hash())
    }

    /// Remembers the hashes of keys that signed an applied transaction.
    pub fn remember_keys(&mut self, keys: impl IntoIterator<Item = PublicKey>) {
        for key in keys {
            self.key_hashes.entry(key).or_insert_with(|| key.hash());
        }
    }

    // ---- roots and proofs ----

    /// The state root, rehashing only what changed since the last call.
    pub fn root(&mut self) -> Fr {
        let account_root = self.account_root();
        state_root(account_root, self.nft_tree.root(), self.next_nft_id, self.account_count())
    }

    /// The account tree root.
    ///
    /// The dirty accounts' balance trees are rehashed together, level by level, and their
    /// leaves hashed in one batch, so that Poseidon runs eight hashes at once where it can.
    pub fn account_root(&mut self) -> Fr {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        let mut entries = dirty_entries(&mut self.accounts, &dirty);
        let mut trees: Vec<_> = entries.iter_mut().map(|(_, e)| &mut e.balances).collect();
        SparseMerkleTree::rehash_all(&mut trees);
        let inputs: Vec<[Fr; 4]> = entries.iter_mut().map(|(_, e)| e.leaf_inputs()).collect();
        let indices: Vec<u64> = entries.iter().map(|(index, _)| *index).collect();
        let mut leaves = vec![Fr::from(0u64); inputs.len()];
        hash_nodes(&inputs, &mut leaves);
        for (index, leaf) in indices.into_iter().zip(leaves) {
            self.set_leaf_infallible(index, leaf);
        }
        dirty.clear();
        self.dirty = dirty;
        self.account_tree.root()
    }

    fn set_leaf_infallible(&mut self, index: u64, leaf: Fr) {
        // Account ids are allocated below MAX_ACCOUNTS, the tree's capacity.
        if let Err(e) = self.account_tree.set(index, leaf) {
            unreachable!("account id within the tree: {e}");
        }
    }

    /// Recomputes the root from the accounts and NFTs alone, with fresh trees; tests compare
    /// it with the incremental [`root`](Self::root).
    pub fn root_from_scratch(&self) -> Result<Fr, TreeError> {
        let mut account_leaves = Vec::with_capacity(self.accounts.len());
        for (i, e) in self.accounts.iter().enumerate() {
            let balances = e.account.balances.iter().map(|(t, b)| (u64::from(t.0), Fr::from(*b)));
            let balance_root =
                root_from_leaves(BALANCE_TREE_DEPTH as u8, Fr::from(0u64), balances)?;
            let a = &e.account;
            let leaf =
                account_leaf(a.nonce, a.nfts_minted, &a.pubkey_hash, &a.address, balance_root);
            account_leaves.push((i as u64, leaf));
        }
        let account_root =
            root_from_leaves(ACCOUNT_TREE_DEPTH as u8, empty_account_leaf(), account_leaves)?;
        let nft_leaves = self.nfts.iter().map(|(id, n)| (u64::from(id.0), n.leaf()));
        let nft_root = root_from_leaves(NFT_TREE_DEPTH as u8, Fr::from(0u64), nft_leaves)?;
        Ok(state_root(account_root, nft_root, self.next_nft_id, self.account_count()))
    }

    /// Proof of account `id`'s leaf in the account tree (valid for empty slots too).
    pub fn account_proof(&mut self, id: AccountId) -> Result<(Fr, MerkleProof), TreeError> {
        self.account_root();
        let leaf = self.account_tree.get(u64::from(id.0))?;
        Ok((leaf, self.account_tree.proof(u64::from(id.0))?))
    }

    /// Proof of `token`'s balance leaf in account `id`'s balance tree, or `None` if the
    /// account does not exist.
    pub fn balance_proof(
        &mut self,
        id: AccountId,
        token: TokenId,
    ) -> Result<Option<(Fr, MerkleProof)>, TreeError> {
        match self.accounts.get_mut(id.0 as usize) {
            None => Ok(None),
            Some(e) => {
                let leaf = e.balances.get(u64::from(token.0))?;
                Ok(Some((leaf, e.balances.proof(u64::from(token.0))?)))
            }
        }
    }

    /// Root of account `id`'s balance tree.
    pub fn balance_root(&mut self, id: AccountId) -> Option<Fr> {
        self.accounts.get_mut(id.0 as usize).map(|e| e.balances.root())
    }

    /// Proof of NFT `id`'s leaf in the NFT tree.
    pub fn nft_proof(&mut self, id: NftId) -> Result<(Fr, MerkleProof), TreeError> {
        let leaf = self.nft_tree.get(u64::from(id.0))?;
        Ok((leaf, self.nft_tree.proof(u64::from(id.0))?))
    }

    /// Roots of the account and NFT trees, which the state root combines.
    pub fn sub_roots(&mut self) -> (Fr, Fr) {
        (self.account_root(), self.nft_tree.root())
    }

    // ---- journal ----

    /// Marks a point to roll back to.
    pub fn checkpoint(&self) -> StateCheckpoint {
        StateCheckpoint(self.journal.len())
    }

    /// Undoes every write since `cp`.
    pub fn rollback(&mut self, cp: StateCheckpoint) {
        while self.journal.len() > cp.0 {
            let Some(undo) = self.journal.pop() else { break };
            match undo {
                Undo::Balance { id, token, old } => self.write_balance(id, token, old),
                Undo::Meta { id, nonce, nfts_minted, pubkey_hash } => {
                    if let Some(e) = self.accounts.get_mut(id.0 as usize) {
                        e.account.nonce = nonce;
                        e.account.nfts_minted = nfts_minted;
                        e.account.pubkey_hash = pubkey_hash;
                        Self::mark(&mut self.dirty, &mut self.touched, e, id);
                    }
                }
                Undo::NewAccount => {
                    if let Some(e) = self.accounts.pop() {
                        let id = self.accounts.len() as u32;
                        if self.by_address.get(&e.account.address) == Some(&AccountId(id)) {
                            self.by_address.remove(&e.account.address);
                        }
                        let id = u64::from(id);
                        self.set_leaf_infallible(id, empty_account_leaf());
                    }
                }
                Undo::Nft { id, old } => self.write_nft(id, old),
                Undo::NextNftId(old) => self.next_nft_id = old,
                Undo::ListToken(t) => {
                    self.tokens.remove(&t);
                }
            }
        }
    }

    /// Forgets the journal: what was written can no longer be rolled back.
    pub fn commit(&mut self) {
        self.journal.clear();
    }

    /// The final value of every account and NFT slot written since the last call, and the
    /// counters: what storage needs to persist a block without replaying it.
    pub fn take_diff(&mut self) -> StateDiff {
        let accounts = std::mem::take(&mut self.touched)
            .into_iter()
            .filter_map(|id| self.account(id).map(|a| (id, a.clone())))
            .collect();
        let nfts = std::mem::take(&mut self.touched_nfts)
            .into_iter()
            .map(|id| (id, self.nfts.get(&id).cloned()))
            .collect();
        StateDiff { accounts, nfts, next_nft_id: self.next_nft_id }
    }

    // ---- primitive mutations (each journaled) ----

    fn mark(
        dirty: &mut Vec<AccountId>,
        touched: &mut BTreeSet<AccountId>,
        e: &mut Entry,
        id: AccountId,
    ) {
        touched.insert(id);
        if !e.dirty {
            e.dirty = true;
            dirty.push(id);
        }
    }

    fn write_balance(&mut self, id: AccountId, token: TokenId, value: u128) {
        if let Some(e) = self.accounts.get_mut(id.0 as usize) {
            if value == 0 {
                e.account.balances.remove(&token);
            } else {
                e.account.balances.insert(token, value);
            }
            // Token ids are checked below MAX_TOKENS, the balance tree's capacity, on entry.
            if let Err(err) = e.balances.set(u64::from(token.0), Fr::from(value)) {
                unreachable!("token id within the balance tree: {err}");
            }
            Self::mark(&mut self.dirty, &mut self.touched, e, id);
        }
    }

    fn write_nft(&mut self, id: NftId, nft: Option<Nft>) {
        self.touched_nfts.insert(id);
        let leaf = nft.as_ref().map(Nft::leaf).unwrap_or(Fr::from(0u64));
        match nft {
            Some(n) => self.nfts.insert(id, n),
            None => self.nfts.remove(&id),
        };
        if let Err(e) = self.nft_tree.set(u64::from(id.0), leaf) {
            unreachable!("nft id within the NFT tree: {e}");
        }
    }

    /// Rebuilds a state from its contents (what the node's database stores): accounts in id
    /// order, NFTs, `next_nft_id` and the listed tokens (ETH is always listed). Every tree is
    /// recomputed, so the root is that of the state these parts were taken from. Fails on an
    /// invalid token or NFT id, an NFT at or above `next_nft_id`, or an account without an
    /// address, instead of panicking.
    pub fn from_parts(
        accounts: Vec<Account>,
        nfts: Vec<(NftId, Nft)>,
        next_nft_id: u32,
        tokens: Vec<TokenId>,
    ) -> Result<State, TxError> {
        let mut state = State::new();
        for token in tokens {
            state.list_token(token)?;
        }
        if next_nft_id > MAX_NFTS {
            return Err(TxError::NftTreeFull);
        }
        for account in accounts {
            let id = state.create_account(account.address)?;
            for (&token, &amount) in &account.balances {
                if !token.is_valid() {
                    return Err(TxError::UnknownToken(token));
                }
                state.set_balance(id, token, amount);
            }
            state.update_meta(id, |a| {
                a.nonce = account.nonce;
                a.nfts_minted = account.nfts_minted;
                a.pubkey_hash = account.pubkey_hash;
            })?;
        }
        for (id, nft) in nfts {
            if id.0 >= next_nft_id {
                return Err(TxError::NftNotFound(id));
            }
            state.put_nft(id, Some(nft));
        }
        state.next_nft_id = next_nft_id;
        state.commit();
        let _ = state.take_diff();
        Ok(state)
    }

    /// Lists `token` (from the L1 contract's governance events).
    pub fn list_token(&mut self, token: TokenId) -> Result<(), TxError> {
        if !token.is_valid() {
            return Err(TxError::UnknownToken(token));
        }
        if self.tokens.insert(token) {
            self.journal.push(Undo::ListToken(token));
        }
        Ok(())
    }

    /// Creates an account for `address` at the next free id.
    ///
    /// This and the other raw writes below (`set_balance`, `update_meta`, `put_nft`,
    /// `allocate_nft_id`) check no protocol rule: they are what the rules in `execute` are
    /// built on, and what a replay (witness generation, restoring from pubdata) uses to repeat
    /// effects that were already checked. Each is journaled.
    pub fn create_account(&mut self, address: Address) -> Result<AccountId, TxError> {
        if address == Address::ZERO {
            return Err(TxError::ZeroAddress);
        }
        if self.accounts.len() as u32 >= MAX_ACCOUNTS {
            return Err(TxError::AccountTreeFull);
        }
        let id = AccountId(self.accounts.len() as u32);
        let mut e = Entry {
            account: Account::new(address),
            balances: SparseMerkleTree::with_defaults(self.balance_defaults.clone()),
            dirty: false,
        };
        Self::mark(&mut self.dirty, &mut self.touched, &mut e, id);
        self.accounts.push(e);
        // A second account for the same address keeps the first as the address's account.
        self.by_address.entry(address).or_insert(id);
        self.journal.push(Undo::NewAccount);
        Ok(id)
    }

    /// Sets a balance (raw write, see [`State::create_account`]).
    pub fn set_balance(&mut self, id: AccountId, token: TokenId, value: u128) {
        let old = self.balance(id, token);
        if old != value {
            self.journal.push(Undo::Balance { id, token, old });
            self.write_balance(id, token, value);
        }
    }

    /// Subtracts `amount`, failing without change if the balance is short.
    pub(crate) fn debit(
        &mut self,
        id: AccountId,
        token: TokenId,
        amount: u128,
    ) -> Result<(), TxError> {
        let balance = self.balance(id, token);
        let rest = balance.checked_sub(amount).ok_or(TxError::InsufficientBalance {
            account: id,
            token,
            balance,
            needed: amount,
        })?;
        self.set_balance(id, token, rest);
        Ok(())
    }

    /// Adds `amount`; `reserved` is what is already promised to the account (pending fees).
    pub(crate) fn credit(
        &mut self,
        id: AccountId,
        token: TokenId,
        amount: u128,
        reserved: u128,
    ) -> Result<(), TxError> {
        let balance = self.balance(id, token);
        let new = balance
            .checked_add(amount)
            .filter(|n| n.checked_add(reserved).is_some())
            .ok_or(TxError::BalanceOverflow { account: id, token, amount })?;
        self.set_balance(id, token, new);
        Ok(())
    }

    /// Changes an account's nonce, `nfts_minted` or key (raw write, see
    /// [`State::create_account`]). Fails if the account does not exist.
    pub fn update_meta(
        &mut self,
        id: AccountId,
        f: impl FnOnce(&mut Account),
    ) -> Result<(), TxError> {
        let e = self.accounts.get_mut(id.0 as usize).ok_or(TxError::AccountNotFound(id))?;
        let a = &e.account;
        self.journal.push(Undo::Meta {
            id,
            nonce: a.nonce,
            nfts_minted: a.nfts_minted,
            pubkey_hash: a.pubkey_hash,
        });
        f(&mut e.account);
        Self::mark(&mut self.dirty, &mut self.touched, e, id);
        Ok(())
    }

    /// Sets or clears an NFT slot (raw write, see [`State::create_account`]).
    pub fn put_nft(&mut self, id: NftId, nft: Option<Nft>) {
        self.journal.push(Undo::Nft { id, old: self.nfts.get(&id).cloned() });
        self.write_nft(id, nft);
    }

    /// Takes `next_nft_id` and increments it (raw write, see [`State::create_account`]).
    pub fn allocate_nft_id(&mut self) -> Result<NftId, TxError> {
        if self.next_nft_id >= MAX_NFTS {
            return Err(TxError::NftTreeFull);
        }
        self.journal.push(Undo::NextNftId(self.next_nft_id));
        let id = NftId(self.next_nft_id);
        self.next_nft_id += 1;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_primitives::eddsa::PrivateKey;

    #[test]
    fn key_memo_returns_the_real_hash() {
        let mut state = State::new();
        let (a, b) =
            (PrivateKey::from_seed(b"a").public_key(), PrivateKey::from_seed(b"b").public_key());
        assert_eq!(state.key_hash(&a), a.hash());
        state.remember_keys([a]);
        assert_eq!(state.key_hash(&a), a.hash());
        assert_eq!(state.key_hash(&b), b.hash());
        assert_ne!(state.key_hash(&a), state.key_hash(&b));
    }

    /// The genesis root of `docs/spec/state.md`.
    #[test]
    fn genesis_root_is_the_specs() {
        let root = State::new().root();
        let hex = hex::encode(tern_primitives::field::fr_to_be_bytes(&root));
        assert_eq!(hex, "02aa259ac8c641606ed8a8b168d5079eb2b26f8fd7c022115849e2fec7be8db8");
    }

    #[test]
    fn a_second_account_for_an_address_keeps_the_first_as_its_account() {
        let mut state = State::new();
        let address = Address::new([7; 20]);
        let first = state.create_account(address).expect("create");
        let cp = state.checkpoint();
        let second = state.create_account(address).expect("a replayed duplicate");
        assert_eq!((first, second), (AccountId(0), AccountId(1)));
        assert_eq!(state.account_id_by_address(&address), Some(first));
        assert_eq!(state.next_account_id(), 2);
        state.rollback(cp);
        assert_eq!(state.account_id_by_address(&address), Some(first));
        assert_eq!(state.next_account_id(), 1);
        assert_eq!(state.root(), state.root_from_scratch().expect("root"));
    }

    #[test]
    fn from_parts_rebuilds_the_same_root() {
        let blocks = crate::demo::blocks().expect("demo");
        for built in &blocks {
            let mut original = built.state.clone();
            let accounts = original.accounts().map(|(_, a)| a.clone()).collect();
            let nfts = original.nfts().map(|(id, n)| (*id, n.clone())).collect();
            let tokens = original.tokens.iter().copied().collect();
            let mut rebuilt =
                State::from_parts(accounts, nfts, original.next_nft_id(), tokens).expect("parts");
            assert_eq!(rebuilt.root(), original.root());
            assert_eq!(rebuilt.root(), built.block.header.new_root);
        }
    }

    #[test]
    fn from_parts_refuses_bad_ids() {
        let nft = Nft {
            owner: AccountId(0),
            info: tern_types::op::NftInfo {
                creator_id: AccountId(0),
                creator_address: Address::new([1; 20]),
                serial: 0,
                content_hash: [2; 32],
            },
        };
        let account = Account::new(Address::new([1; 20]));
        let nfts = vec![(NftId(3), nft)];
        assert!(State::from_parts(vec![account.clone()], nfts, 3, vec![]).is_err());
        let mut bad = account;
        bad.balances.insert(TokenId(u16::MAX), 1);
        assert!(State::from_parts(vec![bad], vec![], 0, vec![]).is_err());
        assert!(State::from_parts(vec![Account::default()], vec![], 0, vec![]).is_err());
    }
}
