//! The exit circuits of exodus mode (`docs/spec/exit.md`): a user proves what the last verified
//! state root holds for them, and the L1 contract pays it out.
//!
//! - [`ExitCircuit`]: account `account_id`, owned by `address`, holds `amount` of `token`.
//! - [`NftExitCircuit`]: account `account_id`, owned by `address`, owns NFT `nft_id`, whose
//!   identity fixed at mint (creator id and address, serial, content hash) is the one claimed.
//!
//! Each has a single public input, the SHA-256 commitment of its native twin in
//! [`tern_types::exit`] ([`exit_public_input`], [`nft_exit_public_input`]), computed in-circuit
//! from the very variables the Merkle paths use, so the claim and the proven leaves cannot
//! differ. The root in the preimage is the state root the circuit recomputes; the contract
//! supplies the root it stored, so a proof against any other root does not verify.
//!
//! # What is enforced
//!
//! Both circuits:
//!
//! - `account_id` is 24 boolean witnesses; they are the account path's index bits and, with a
//!   constant zero top byte, the id's 4 preimage bytes (so the id is below 2²⁴ by construction);
//! - `address` is 20 byte witnesses; they are the account leaf's address input (their
//!   big-endian value) and the preimage's 20 address bytes; the address is **not zero** (an
//!   unused slot has the zero address);
//! - the account leaf is `Poseidon(nonce + 2³²·nfts_minted, pubkey_hash, address,
//!   balance_root)` (`docs/spec/state.md`) and hashes up the account path to `account_root`;
//!   `nonce`, `nfts_minted` and `pubkey_hash` are free witnesses: the exit does not read them,
//!   and any other values change the leaf;
//! - the state root is `Poseidon(account_root, nft_root, next_nft_id, next_account_id)`, written
//!   in the preimage in its canonical 32-byte big-endian encoding (strict decomposition, so no
//!   second encoding).
//!
//! [`ExitCircuit`] also: `token` is 10 boolean witnesses, the balance path's index bits and the
//! preimage's 2 token bytes; `amount` is 128 boolean witnesses whose value is the balance leaf
//! at `token` and whose 16 bytes are the preimage's amount; the balance path's root is the
//! account leaf's `balance_root`. The NFT root and both counters are free witnesses.
//!
//! [`NftExitCircuit`] also: the NFT leaf at `nft_id` (24 bits: the NFT path's index and the
//! preimage's 3 NFT-id bytes) is `Poseidon(owner + 2²⁴·creator_id + 2⁴⁸·serial,
//! creator_address, content[0..16], content[16..32])` with **owner = the account id's bits**,
//! `creator_id` 24 bits and `serial` 32 bits (so the packing is unique; their bits are also the
//! preimage's 3 and 4 bytes), and the creator address and content hash are byte witnesses
//! shared with the preimage. The NFT path's root is the state's `nft_root`; the account's
//! `balance_root` and both counters are free witnesses.
//!
//! Free witnesses need no range check: they only enter Poseidon, so other values give another
//! leaf or root (finding one that gives the same would be a Poseidon collision).
//!
//! A zero amount is a true statement and satisfies [`ExitCircuit`]; [`exit_witness`] refuses to
//! make such a witness ([`ExitError::ZeroBalance`]) because the exit would pay nothing.
//!
//! # Cost
//!
//! Measured (`constraint_counts_and_setup_shape` in `tests/exit.rs`); the setup circuits
//! (`witness: None`) have exactly the same shape.
//!
//! | part | [`ExitCircuit`] | [`NftExitCircuit`] |
//! |---|---:|---:|
//! | token and amount bits (10 + 128) | 138 | |
//! | balance path (5 levels) | 1,510 | |
//! | account: id bits 24, address bytes 160, non-zero 1, leaf 297, path (12 levels) 3,624 | 4,106 | 4,106 |
//! | NFT: id, creator id and serial bits (80), creator address and content bytes (416), leaf 297 | | 793 |
//! | NFT path (12 levels) | | 3,624 |
//! | state root `Poseidon(4)` | 297 | 297 |
//! | root's canonical bytes (strict decomposition) | 640 | 640 |
//! | SHA-256, two blocks (74 / 118 bytes), masking and packing | 48,719 | 49,439 |
//! | public input equality | 1 | 1 |
//! | **total** | **55,411** | **58,900** |
//!
//! SHA-256 is 84 to 88 % of either circuit. The NFT preimage writes its NFT and creator
//! ids in 3 bytes to stay within two blocks (`tern_types::exit`): with 4-byte ids its 120
//! bytes would need a third block, about 17,900 more constraints.

use crate::commitment::{enforce_public_input, fr_to_be_bytes_var, masked_sha256_var};
use crate::util::{le_value, pow2, siblings, witness, witness_bits_le, Cs};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::ToBitsGadget;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::uint8::UInt8;
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError};
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::field::fr_from_be_short;
use tern_primitives::poseidon::r1cs::poseidon_var;
use tern_primitives::{Address, Fr};
use tern_state::account::{account_leaf, Nft};
use tern_state::state::state_root;
use tern_state::tree::r1cs::MerklePathVar;
use tern_state::tree::{MerkleProof, TreeError};
use tern_state::State;
use tern_types::exit::{
    exit_public_input, nft_exit_public_input, EXIT_PREIMAGE_BYTES, NFT_EXIT_PREIMAGE_BYTES,
};
use tern_types::op::NftInfo;
use tern_types::params::{
    ACCOUNT_BITS, ACCOUNT_TREE_DEPTH, AMOUNT_BITS, BALANCE_TREE_DEPTH, NFT_BITS, NFT_TREE_DEPTH,
    NONCE_BITS, SERIAL_BITS, TOKEN_BITS,
};
use tern_types::{AccountId, NftId, Nonce, TokenId};

/// Why no exit witness could be made from a state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExitError {
    /// No account has this id (its slot is empty, or the id is past the tree).
    #[error("{0} does not exist: there is nothing to exit")]
    UnknownAccount(AccountId),
    /// The token id is past the balance tree (10 bits).
    #[error("{0} does not exist: token ids are below 1024")]
    UnknownToken(TokenId),
    /// The account holds none of the token. Such an exit would pay nothing, so it is refused
    /// here (the circuit itself would accept the true statement "the balance is 0").
    #[error("{account_id} holds no {token}: there is nothing to exit")]
    ZeroBalance {
        /// The account.
        account_id: AccountId,
        /// The token.
        token: TokenId,
    },
    /// The NFT slot is empty: never minted, or already withdrawn to L1.
    #[error("{0} is not in the state (never minted, or already withdrawn)")]
    UnknownNft(NftId),
    /// The NFT belongs to another account.
    #[error("{nft_id} is owned by {owner}, not by {account_id}")]
    NotNftOwner {
        /// The NFT.
        nft_id: NftId,
        /// Its owner.
        owner: AccountId,
        /// The account that asked to exit it.
        account_id: AccountId,
    },
    /// A tree refused a proof.
    #[error("state tree: {0}")]
    Tree(#[from] TreeError),
    /// The state's proofs do not hash up to its own root: a bug in the state, never expected.
    #[error("the state's Merkle proofs do not reproduce its root")]
    Inconsistent,
}

/// The account an exit is made from: its leaf's fields and its account-tree proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitAccount {
    /// The account's id: its position in the account tree.
    pub id: AccountId,
    /// The L1 address that owns the account, and receives the exit.
    pub address: Address,
    /// The account's nonce (a leaf input the exit does not check).
    pub nonce: Nonce,
    /// NFTs the account minted (a leaf input the exit does not check).
    pub nfts_minted: u32,
    /// The account's L2 key hash (a leaf input the exit does not check).
    pub pubkey_hash: PubKeyHash,
    /// Proof of the account leaf in the account tree (12 levels).
    pub proof: MerkleProof,
}

impl ExitAccount {
    /// The account leaf over `balance_root`.
    pub fn leaf(&self, balance_root: Fr) -> Fr {
        account_leaf(self.nonce, self.nfts_minted, &self.pubkey_hash, &self.address, balance_root)
    }

    /// The account-tree root this account's proof gives for `balance_root`.
    pub fn account_root(&self, balance_root: Fr) -> Fr {
        self.proof.root_for(self.leaf(balance_root))
    }

    /// Reads account `id` of `state` with its account-tree proof.
    fn read(state: &mut State, id: AccountId) -> Result<Self, ExitError> {
        let account = state.account(id).ok_or(ExitError::UnknownAccount(id))?.clone();
        let (_, proof) = state.account_proof(id)?;
        Ok(Self {
            id,
            address: account.address,
            nonce: account.nonce,
            nfts_minted: account.nfts_minted,
            pubkey_hash: account.pubkey_hash,
            proof,
        })
    }

    /// Placeholder values of the right shape, for key generation.
    fn dummy() -> Self {
        Self {
            id: AccountId(0),
            address: Address::ZERO,
            nonce: 0,
            nfts_minted: 0,
            pubkey_hash: PubKeyHash::ZERO,
            proof: zero_proof(ACCOUNT_TREE_DEPTH),
        }
    }
}

/// Everything [`ExitCircuit`] reads: the claim (account, address, token, amount) and the paths
/// from the balance leaf to the state root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitWitness {
    /// The exiting account.
    pub account: ExitAccount,
    /// The token withdrawn.
    pub token: TokenId,
    /// The amount: the account's whole balance of `token`.
    pub amount: u128,
    /// Proof of the balance leaf `token` in the account's balance tree (5 levels).
    pub balance_proof: MerkleProof,
    /// Root of the NFT tree (a state-root input).
    pub nft_root: Fr,
    /// The state's `next_nft_id` (a state-root input).
    pub next_nft_id: u32,
    /// The state's `next_account_id` (a state-root input).
    pub next_account_id: u32,
    /// The public input the verifier will use ([`exit_public_input`] over the verified root).
    /// With `None` the circuit takes the value it computes.
    pub public_input: Option<Fr>,
}

impl ExitWitness {
    /// The state root these paths hash up to.
    pub fn root(&self) -> Fr {
        let balance_root = self.balance_proof.root_for(Fr::from(self.amount));
        state_root(
            self.account.account_root(balance_root),
            self.nft_root,
            self.next_nft_id,
            self.next_account_id,
        )
    }

    /// The public input of the claim against `root`: what the L1 contract computes.
    pub fn public_input_for(&self, root: Fr) -> Fr {
        exit_public_input(root, self.account.id, &self.account.address, self.token, self.amount)
    }

    /// Placeholder values of the right shape, for key generation.
    pub fn dummy() -> Self {
        Self {
            account: ExitAccount::dummy(),
            token: TokenId(0),
            amount: 0,
            balance_proof: zero_proof(BALANCE_TREE_DEPTH),
            nft_root: Fr::from(0u64),
            next_nft_id: 0,
            next_account_id: 0,
            public_input: None,
        }
    }
}

/// Everything [`NftExitCircuit`] reads: the claim (account, address, NFT and its identity) and
/// the paths from the account and NFT leaves to the state root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftExitWitness {
    /// The exiting account, the NFT's owner.
    pub account: ExitAccount,
    /// Root of the account's balance tree (an account-leaf input the NFT exit does not check).
    pub balance_root: Fr,
    /// The NFT withdrawn.
    pub nft_id: NftId,
    /// Its identity fixed at mint.
    pub nft: NftInfo,
    /// Proof of the NFT leaf in the NFT tree (12 levels).
    pub nft_proof: MerkleProof,
    /// The state's `next_nft_id` (a state-root input).
    pub next_nft_id: u32,
    /// The state's `next_account_id` (a state-root input).
    pub next_account_id: u32,
    /// The public input the verifier will use ([`nft_exit_public_input`] over the verified
    /// root). With `None` the circuit takes the value it computes.
    pub public_input: Option<Fr>,
}

impl NftExitWitness {
    /// The NFT leaf with the exiting account as its owner.
    pub fn nft_leaf(&self) -> Fr {
        Nft { owner: self.account.id, info: self.nft.clone() }.leaf()
    }

    /// The state root these paths hash up to.
    pub fn root(&self) -> Fr {
        let nft_root = self.nft_proof.root_for(self.nft_leaf());
        state_root(
            self.account.account_root(self.balance_root),
            nft_root,
            self.next_nft_id,
            self.next_account_id,
        )
    }

    /// The public input of the claim against `root`: what the L1 contract computes.
    pub fn public_input_for(&self, root: Fr) -> Fr {
        nft_exit_public_input(root, self.account.id, &self.account.address, self.nft_id, &self.nft)
    }

    /// Placeholder values of the right shape, for key generation.
    pub fn dummy() -> Self {
        Self {
            account: ExitAccount::dummy(),
            balance_root: Fr::from(0u64),
            nft_id: NftId(0),
            nft: NftInfo::default(),
            nft_proof: zero_proof(NFT_TREE_DEPTH),
            next_nft_id: 0,
            next_account_id: 0,
            public_input: None,
        }
    }
}

fn zero_proof(depth: usize) -> MerkleProof {
    MerkleProof { index: 0, siblings: vec![[Fr::from(0u64); 3]; depth] }
}

/// The witness for exiting `account_id`'s whole balance of `token` from `state`, with the
/// public input over `state`'s root.
///
/// `state` is `&mut` only because proofs rehash pending writes first; nothing in it changes.
/// The state should be the last verified one: the contract checks the proof against the root
/// it stored. Refuses an unknown account, a token id past the tree and a zero balance.
pub fn exit_witness(
    state: &mut State,
    account_id: AccountId,
    token: TokenId,
) -> Result<ExitWitness, ExitError> {
    if !token.is_valid() {
        return Err(ExitError::UnknownToken(token));
    }
    let account = ExitAccount::read(state, account_id)?;
    let amount = state.balance(account_id, token);
    if amount == 0 {
        return Err(ExitError::ZeroBalance { account_id, token });
    }
    let (_, balance_proof) =
        state.balance_proof(account_id, token)?.ok_or(ExitError::UnknownAccount(account_id))?;
    let (_, nft_root) = state.sub_roots();
    let root = state.root();
    let mut w = ExitWitness {
        account,
        token,
        amount,
        balance_proof,
        nft_root,
        next_nft_id: state.next_nft_id(),
        next_account_id: state.next_account_id(),
        public_input: None,
    };
    if w.root() != root {
        return Err(ExitError::Inconsistent);
    }
    w.public_input = Some(w.public_input_for(root));
    Ok(w)
}

/// The witness for exiting NFT `nft_id`, owned by `account_id`, from `state`, with the public
/// input over `state`'s root.
///
/// `state` is `&mut` only because proofs rehash pending writes first. Refuses an unknown
/// account, an empty NFT slot and an NFT owned by another account.
pub fn nft_exit_witness(
    state: &mut State,
    account_id: AccountId,
    nft_id: NftId,
) -> Result<NftExitWitness, ExitError> {
    let account = ExitAccount::read(state, account_id)?;
    let nft = state.nft(nft_id).ok_or(ExitError::UnknownNft(nft_id))?.clone();
    if nft.owner != account_id {
        return Err(ExitError::NotNftOwner { nft_id, owner: nft.owner, account_id });
    }
    let balance_root =
        state.balance_root(account_id).ok_or(ExitError::UnknownAccount(account_id))?;
    let (_, nft_proof) = state.nft_proof(nft_id)?;
    let root = state.root();
    let mut w = NftExitWitness {
        account,
        balance_root,
        nft_id,
        nft: nft.info,
        nft_proof,
        next_nft_id: state.next_nft_id(),
        next_account_id: state.next_account_id(),
        public_input: None,
    };
    if w.root() != root {
        return Err(ExitError::Inconsistent);
    }
    w.public_input = Some(w.public_input_for(root));
    Ok(w)
}

/// The token exit circuit (see the module docs). Its shape is fixed: key generation uses
/// [`ExitCircuit::setup`].
#[derive(Clone, Debug)]
pub struct ExitCircuit {
    /// The witness ([`exit_witness`]), or `None` for key generation.
    pub witness: Option<ExitWitness>,
}

impl ExitCircuit {
    /// The circuit for key generation: no witness.
    pub fn setup() -> Self {
        Self { witness: None }
    }

    /// The circuit for proving `witness`.
    pub fn with_witness(witness: ExitWitness) -> Self {
        Self { witness: Some(witness) }
    }
}

impl ConstraintSynthesizer<Fr> for ExitCircuit {
    /// Synthesises the exit. Fails with [`SynthesisError::Unsatisfiable`] if a proof in the
    /// witness does not have its tree's depth.
    fn generate_constraints(self, cs: Cs) -> Result<(), SynthesisError> {
        let w = self.witness.unwrap_or_else(ExitWitness::dummy);
        let token_bits = witness_bits_le(&cs, u128::from(w.token.0), TOKEN_BITS)?;
        let amount_bits = witness_bits_le(&cs, w.amount, AMOUNT_BITS)?;
        let balances = MerklePathVar::from_parts(
            token_bits.clone(),
            siblings(&cs, &w.balance_proof, BALANCE_TREE_DEPTH)?,
        )?;
        let balance_root = balances.root(&le_value(&amount_bits)?)?;
        let account = AccountVars::new(&cs, &w.account, balance_root)?;
        let nft_root = witness(&cs, w.nft_root)?;
        let next_nft_id = witness(&cs, Fr::from(w.next_nft_id))?;
        let next_account_id = witness(&cs, Fr::from(w.next_account_id))?;
        let root = poseidon_var(&[account.root.clone(), nft_root, next_nft_id, next_account_id])?;

        let mut preimage = account.preimage_prefix(&root)?;
        preimage.extend(be_bytes(&token_bits, 2)?);
        preimage.extend(be_bytes(&amount_bits, 16)?);
        if preimage.len() != EXIT_PREIMAGE_BYTES {
            return Err(SynthesisError::Unsatisfiable);
        }
        let _input =
            enforce_public_input(cs.clone(), &masked_sha256_var(&preimage)?, w.public_input)?;
        Ok(())
    }
}

/// The NFT exit circuit (see the module docs). Its shape is fixed: key generation uses
/// [`NftExitCircuit::setup`].
#[derive(Clone, Debug)]
pub struct NftExitCircuit {
    /// The witness ([`nft_exit_witness`]), or `None` for key generation.
    pub witness: Option<NftExitWitness>,
}

impl NftExitCircuit {
    /// The circuit for key generation: no witness.
    pub fn setup() -> Self {
        Self { witness: None }
    }

    /// The circuit for proving `witness`.
    pub fn with_witness(witness: NftExitWitness) -> Self {
        Self { witness: Some(witness) }
    }
}

impl ConstraintSynthesizer<Fr> for NftExitCircuit {
    /// Synthesises the NFT exit. Fails with [`SynthesisError::Unsatisfiable`] if a proof in the
    /// witness does not have its tree's depth.
    fn generate_constraints(self, cs: Cs) -> Result<(), SynthesisError> {
        let w = self.witness.unwrap_or_else(NftExitWitness::dummy);
        let balance_root = witness(&cs, w.balance_root)?;
        let account = AccountVars::new(&cs, &w.account, balance_root)?;

        let nft_bits = witness_bits_le(&cs, u128::from(w.nft_id.0), NFT_BITS)?;
        let creator_bits = witness_bits_le(&cs, u128::from(w.nft.creator_id.0), ACCOUNT_BITS)?;
        let serial_bits = witness_bits_le(&cs, u128::from(w.nft.serial), SERIAL_BITS)?;
        let creator_address = UInt8::new_witness_vec(cs.clone(), w.nft.creator_address.as_slice())?;
        let content = UInt8::new_witness_vec(cs.clone(), &w.nft.content_hash)?;
        // owner + 2^24·creator_id + 2^48·serial: 80 bits, so the packing is unique. The owner
        // is the account id's own bits: an NFT of another account hashes to another leaf.
        let meta_bits: Vec<Boolean<Fr>> =
            [&account.id_bits[..], &creator_bits[..], &serial_bits[..]].concat();
        let leaf = poseidon_var(&[
            le_value(&meta_bits)?,
            be_bytes_value(&creator_address)?,
            be_bytes_value(&content[..16])?,
            be_bytes_value(&content[16..])?,
        ])?;
        let nfts = MerklePathVar::from_parts(
            nft_bits.clone(),
            siblings(&cs, &w.nft_proof, NFT_TREE_DEPTH)?,
        )?;
        let nft_root = nfts.root(&leaf)?;
        let next_nft_id = witness(&cs, Fr::from(w.next_nft_id))?;
        let next_account_id = witness(&cs, Fr::from(w.next_account_id))?;
        let root = poseidon_var(&[account.root.clone(), nft_root, next_nft_id, next_account_id])?;

        let mut preimage = account.preimage_prefix(&root)?;
        preimage.extend(be_bytes(&nft_bits, 3)?);
        preimage.extend(be_bytes(&creator_bits, 3)?);
        preimage.extend(creator_address);
        preimage.extend(be_bytes(&serial_bits, 4)?);
        preimage.extend(content);
        if preimage.len() != NFT_EXIT_PREIMAGE_BYTES {
            return Err(SynthesisError::Unsatisfiable);
        }
        let _input =
            enforce_public_input(cs.clone(), &masked_sha256_var(&preimage)?, w.public_input)?;
        Ok(())
    }
}

/// The exiting account in-circuit: its id's bits, its address bytes and the account-tree root
/// its leaf hashes up to.
struct AccountVars {
    /// The id, 24 bits little-endian: the account path's index.
    id_bits: Vec<Boolean<Fr>>,
    /// The address, 20 bytes in order.
    address: Vec<UInt8<Fr>>,
    /// The account-tree root.
    root: FpVar<Fr>,
}

impl AccountVars {
    /// Allocates the account's fields, enforces a non-zero address, and hashes the leaf over
    /// `balance_root` up the account path indexed by the id's bits.
    fn new(cs: &Cs, a: &ExitAccount, balance_root: FpVar<Fr>) -> Result<Self, SynthesisError> {
        let id_bits = witness_bits_le(cs, u128::from(a.id.0), ACCOUNT_BITS)?;
        let address = UInt8::new_witness_vec(cs.clone(), a.address.as_slice())?;
        let address_value = be_bytes_value(&address)?;
        // An unused slot holds the zero address and owns nothing; no exit is made from it.
        address_value.enforce_not_equal(&FpVar::zero())?;
        let meta = witness(cs, Fr::from(a.nonce))?
            + witness(cs, Fr::from(a.nfts_minted))? * pow2(NONCE_BITS as u64);
        let pubkey_hash = witness(cs, fr_from_be_short(&a.pubkey_hash.0))?;
        let leaf = poseidon_var(&[meta, pubkey_hash, address_value, balance_root])?;
        let path = MerklePathVar::from_parts(
            id_bits.clone(),
            siblings(cs, &a.proof, ACCOUNT_TREE_DEPTH)?,
        )?;
        let root = path.root(&leaf)?;
        Ok(Self { id_bits, address, root })
    }

    /// The 56 bytes both preimages start with: `root (32, canonical BE) ‖ account_id (u32 BE)
    /// ‖ address (20)`.
    fn preimage_prefix(&self, root: &FpVar<Fr>) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
        let mut out = fr_to_be_bytes_var(root)?;
        out.extend(be_bytes(&self.id_bits, 4)?);
        out.extend(self.address.iter().cloned());
        Ok(out)
    }
}

/// The `n`-byte big-endian encoding of the integer whose little-endian bits are `bits_le`,
/// the missing high bits constant zero (free). Refuses more than `8·n` bits.
fn be_bytes(bits_le: &[Boolean<Fr>], n: usize) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    if bits_le.len() > 8 * n {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut bits = bits_le.to_vec();
    bits.resize(8 * n, Boolean::constant(false));
    Ok(bits.chunks(8).rev().map(UInt8::from_bits_le).collect())
}

/// The big-endian integer of `bytes` as a field element (free); at most 31 bytes.
fn be_bytes_value(bytes: &[UInt8<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut bits = Vec::with_capacity(8 * bytes.len());
    for byte in bytes.iter().rev() {
        bits.extend(byte.to_bits_le()?);
    }
    le_value(&bits)
}
