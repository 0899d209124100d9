//! Native witness generation for the block circuit ([`crate::block::BlockCircuit`]).
//!
//! [`generate_witness`] replays a built block on a clone of its pre-state with the very code
//! that executed it ([`State::apply_tx`], [`State::credit_fees`]) and records, chunk by chunk,
//! everything the circuit reads: the pubdata bytes, the signature with the signed nonce and
//! time range, and for the sender and then the recipient their account fields, the balance
//! before, the balance-tree proof of the token and the account-tree proof. After the last chunk
//! it records the fee account's update: one balance credit per fee slot, then one account
//! update.
//!
//! # Where the proofs come from
//!
//! A Transfer updates two accounts in sequence, and the circuit checks the recipient's path
//! against the root *between* the two updates, which [`State::apply_tx`] never exposes. It does
//! not need to: a proof's siblings never include the leaf it proves, so
//!
//! - the sender's proofs are read from the state before the operation;
//! - the recipient's proofs are read from the state after it: its account path is the same as
//!   in the intermediate state (the sender's update is already in, the recipient's own leaf is
//!   not part of its siblings), and its balance path likewise; its balance before the credit is
//!   the balance after it minus the amount, which also covers a transfer to oneself.
//!
//! Every recorded proof is checked natively (old and new roots chain from the block's old root
//! to its new root), so an inconsistent witness is an error here rather than an unsatisfied
//! circuit.
//!
//! # Scope
//!
//! This version of the circuit proves Transfer and Noop operations only; any other operation is
//! refused with [`WitnessError::UnsupportedOp`].

use std::collections::BTreeMap;
use tern_primitives::babyjubjub::{Point, Scalar};
use tern_primitives::eddsa::{PubKeyHash, Signature};
use tern_primitives::{Address, Fr};
use tern_state::account::account_leaf;
use tern_state::execute::{BlockContext, Fees};
use tern_state::state::state_root;
use tern_state::tree::{MerkleProof, SparseMerkleTree, TreeError};
use tern_state::{ChainConfig, NoFacts, State, TxError};
use tern_types::params::{
    ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH, CHUNK_BYTES, MAX_FEE_TOKENS_PER_BLOCK, MAX_TOKENS,
};
use tern_types::{AccountId, Block, BlockHeader, EncodeError, Nonce, Op, SignedTx, TokenId};

/// Why no witness could be generated for a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The block holds an operation this circuit version cannot prove.
    #[error("operation {index} is a {name}: this circuit proves Transfer and Noop only")]
    UnsupportedOp {
        /// Position of the operation in the block.
        index: usize,
        /// The operation's name.
        name: &'static str,
    },
    /// The block's operations need more chunks than its capacity.
    #[error("the operations need {used} chunks, more than the capacity {capacity}")]
    OverCapacity {
        /// Chunks the operations use.
        used: usize,
        /// The block's capacity.
        capacity: usize,
    },
    /// The signed transactions are not one per Transfer operation.
    #[error("{transfers} Transfer operations but {txs} signed transactions")]
    TxCount {
        /// Transfer operations in the block.
        transfers: usize,
        /// Signed transactions given.
        txs: usize,
    },
    /// A signed transaction is not the one its operation was made from.
    #[error("signed transaction {tx} does not match operation {index}")]
    TxMismatch {
        /// Position of the operation in the block.
        index: usize,
        /// Position of the transaction in the input.
        tx: usize,
    },
    /// Replaying an operation failed natively.
    #[error("replaying operation {index} failed: {source}")]
    Replay {
        /// Position of the operation in the block.
        index: usize,
        /// The native error.
        source: TxError,
    },
    /// The pre-state's root is not the block's old root.
    #[error("the pre-state's root is not the block's old root")]
    OldRootMismatch,
    /// The replayed post-state's root is not the block's new root.
    #[error("the replayed state's root is not the block's new root")]
    NewRootMismatch,
    /// An account the block touches does not exist.
    #[error("{0} does not exist")]
    AccountNotFound(AccountId),
    /// The block collects fees in more tokens than a block has fee slots.
    #[error("the block collects fees in {0} tokens, more than {MAX_FEE_TOKENS_PER_BLOCK}")]
    TooManyFeeTokens(usize),
    /// A recorded proof does not chain with the others (a bug in witness generation).
    #[error("inconsistent witness: {0}")]
    Inconsistent(&'static str),
    /// A tree refused an index.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// The block's pubdata could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// The fields of an account leaf other than its balance tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountFields {
    /// The account's nonce.
    pub nonce: Nonce,
    /// NFTs the account has minted.
    pub nfts_minted: u32,
    /// Hash of the account's L2 key (zero: none).
    pub pubkey_hash: PubKeyHash,
    /// The account's L1 address.
    pub address: Address,
}

impl AccountFields {
    /// The account leaf with these fields and `balance_root`.
    pub fn leaf(&self, balance_root: Fr) -> Fr {
        account_leaf(self.nonce, self.nfts_minted, &self.pubkey_hash, &self.address, balance_root)
    }
}

/// One account update of a chunk: the account as it is before the update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountWitness {
    /// The account's fields before the update.
    pub fields: AccountFields,
    /// The balance of the chunk's token before the update.
    pub balance: u128,
    /// Proof of that balance in the account's balance tree (depth
    /// [`BALANCE_TREE_DEPTH`]); the circuit takes the index from the pubdata's token.
    pub balance_proof: MerkleProof,
    /// Root of the account's balance tree before the update. The circuit recomputes it from
    /// the proof; recorded for inspection.
    pub balance_root_before: Fr,
    /// Root of the account's balance tree after the update (recomputed in-circuit as well).
    pub balance_root_after: Fr,
    /// Proof of the account's leaf in the account tree (depth [`ACCOUNT_TREE_DEPTH`]) at the
    /// moment of the update; the circuit takes the index from the pubdata's account id.
    pub account_proof: MerkleProof,
}

impl AccountWitness {
    /// A placeholder of the right shape for chunks whose update is not checked (Noop) and for
    /// key generation: zero fields, zero siblings.
    pub fn dummy() -> Self {
        let proof =
            |depth: usize| MerkleProof { index: 0, siblings: vec![[Fr::from(0u64); 3]; depth] };
        Self {
            fields: AccountFields::default(),
            balance: 0,
            balance_proof: proof(BALANCE_TREE_DEPTH),
            balance_root_before: Fr::from(0u64),
            balance_root_after: Fr::from(0u64),
            account_proof: proof(ACCOUNT_TREE_DEPTH),
        }
    }
}

/// The signed transaction of a chunk: what the signature covers beyond the pubdata and the
/// account fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureWitness {
    /// The signer's public key `A`.
    pub pub_key: Point,
    /// The signature `(R8, S)`.
    pub signature: Signature,
    /// The nonce the transaction signs.
    pub nonce: Nonce,
    /// First valid block timestamp.
    pub valid_from: u64,
    /// Last valid block timestamp.
    pub valid_until: u64,
}

impl SignatureWitness {
    /// The placeholder of an unsigned chunk: `A = R8 = Base8` (curve points, as the circuit
    /// enforces for every slot), `S = 0`, nonce 0, valid at every timestamp.
    pub fn dummy() -> Self {
        Self {
            pub_key: Point::base8(),
            signature: Signature { r8: Point::base8(), s: Scalar::from(0u64) },
            nonce: 0,
            valid_from: 0,
            valid_until: u64::MAX,
        }
    }
}

/// Everything one chunk slot of the circuit reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkWitness {
    /// The chunk's 13 pubdata bytes (all zero for a Noop).
    pub pubdata: [u8; CHUNK_BYTES],
    /// The transaction's signature, or [`SignatureWitness::dummy`].
    pub signature: SignatureWitness,
    /// The sender before its update (debit and nonce increment).
    pub sender: AccountWitness,
    /// The recipient before its credit, after the sender's update.
    pub recipient: AccountWitness,
}

impl ChunkWitness {
    /// A Noop chunk: zero pubdata and placeholders.
    pub fn noop() -> Self {
        Self {
            pubdata: [0u8; CHUNK_BYTES],
            signature: SignatureWitness::dummy(),
            sender: AccountWitness::dummy(),
            recipient: AccountWitness::dummy(),
        }
    }
}

/// One fee slot: a token and the block's total fee in it, credited to the fee account after
/// the last chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSlotWitness {
    /// The slot's token (an unused slot holds a token no chunk pays a fee in).
    pub token: TokenId,
    /// The total credited: the circuit enforces that it equals the sum of the pubdata fees
    /// in this token.
    pub amount: u128,
    /// The fee account's balance of `token` before this slot's credit.
    pub balance: u128,
    /// Proof of that balance in the fee account's balance tree, after the earlier slots'
    /// credits.
    pub balance_proof: MerkleProof,
}

/// The fee account's update at the end of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeWitness {
    /// The fee account's fields (unchanged by the credits).
    pub fields: AccountFields,
    /// Proof of the fee account's leaf after the last chunk.
    pub account_proof: MerkleProof,
    /// The [`MAX_FEE_TOKENS_PER_BLOCK`] slots; used tokens first, in increasing token order.
    pub slots: Vec<FeeSlotWitness>,
}

impl FeeWitness {
    /// A placeholder of the right shape (key generation).
    pub fn dummy() -> Self {
        let dummy = AccountWitness::dummy();
        let slots = (0..MAX_FEE_TOKENS_PER_BLOCK)
            .map(|k| FeeSlotWitness {
                token: TokenId(k as u16),
                amount: 0,
                balance: 0,
                balance_proof: dummy.balance_proof.clone(),
            })
            .collect();
        Self { fields: AccountFields::default(), account_proof: dummy.account_proof, slots }
    }
}

/// The complete witness of a block for [`crate::block::BlockCircuit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockWitness {
    /// The block's header (number, fee account, timestamp, roots).
    pub header: BlockHeader,
    /// Root of the account tree before the block.
    pub account_root: Fr,
    /// Root of the NFT tree (unchanged by the operations this circuit proves).
    pub nft_root: Fr,
    /// The next NFT id (unchanged likewise).
    pub next_nft_id: u32,
    /// One entry per chunk slot: the circuit's capacity.
    pub chunks: Vec<ChunkWitness>,
    /// The fee account's update after the last chunk.
    pub fees: FeeWitness,
    /// The public input the verifier will use (`Block::public_input`). With `None` the circuit
    /// takes the commitment it computes, which is what key generation needs and what an honest
    /// prover gets anyway.
    pub public_input: Option<Fr>,
}

impl BlockWitness {
    /// A witness of the right shape for `capacity` chunks with placeholder values, for key
    /// generation (the values are never read there). It does not satisfy the circuit.
    pub fn dummy(capacity: usize) -> Self {
        let zero = Fr::from(0u64);
        Self {
            header: BlockHeader {
                number: 0,
                fee_account: AccountId(0),
                timestamp: 0,
                old_root: zero,
                new_root: zero,
            },
            account_root: zero,
            nft_root: zero,
            next_nft_id: 0,
            chunks: vec![ChunkWitness::noop(); capacity],
            fees: FeeWitness::dummy(),
            public_input: None,
        }
    }

    /// The number of chunk slots.
    pub fn capacity(&self) -> usize {
        self.chunks.len()
    }
}

/// Transfers never read the chain: only ChangePubKey authorisations name it.
const UNUSED_CHAIN: ChainConfig = ChainConfig { chain_id: 0, contract: Address::ZERO };

/// Generates the witness of `block` from the state before it.
///
/// `txs` are the block's signed transactions in operation order, one per Transfer operation
/// (Noop operations have none). The replay runs on a clone of `pre_state`, with the same
/// execution code that built the block, and every recorded proof is checked natively; the
/// witness's public input is `block.public_input()`.
pub fn generate_witness(
    pre_state: &State,
    block: &Block,
    txs: &[SignedTx],
) -> Result<BlockWitness, WitnessError> {
    let capacity = block.capacity;
    let used = block.used_chunks();
    if used > capacity {
        return Err(WitnessError::OverCapacity { used, capacity });
    }
    for (index, op) in block.ops.iter().enumerate() {
        if !matches!(op, Op::Transfer(_) | Op::Noop) {
            return Err(WitnessError::UnsupportedOp { index, name: op.name() });
        }
    }
    let transfers = block.ops.iter().filter(|op| matches!(op, Op::Transfer(_))).count();
    if transfers != txs.len() {
        return Err(WitnessError::TxCount { transfers, txs: txs.len() });
    }

    let mut state = pre_state.clone();
    let (account_root, nft_root) = state.sub_roots();
    let next_nft_id = state.next_nft_id();
    if state_root(account_root, nft_root, next_nft_id) != block.header.old_root {
        return Err(WitnessError::OldRootMismatch);
    }

    let pubdata = block.pubdata()?;
    let ctx = BlockContext {
        chain: UNUSED_CHAIN,
        timestamp: block.header.timestamp,
        fee_account: block.header.fee_account,
        facts: &NoFacts,
    };
    let mut fees = Fees::default();
    let mut root = account_root;
    let mut chunks = Vec::with_capacity(capacity);
    let mut tx_index = 0;
    for (index, op) in block.ops.iter().enumerate() {
        let Op::Transfer(t) = op else {
            chunks.push(ChunkWitness::noop());
            continue;
        };
        let Some(SignedTx::Transfer(signed)) = txs.get(tx_index) else {
            return Err(WitnessError::TxMismatch { index, tx: tx_index });
        };
        let tx = &signed.tx;
        if tx.account_id != t.from
            || tx.token != t.token
            || tx.amount != t.amount
            || tx.fee != t.fee
            || state.account_id_by_address(&tx.to) != Some(t.to)
        {
            return Err(WitnessError::TxMismatch { index, tx: tx_index });
        }

        // The sender, read before the operation.
        let fields = fields_of(&state, t.from)?;
        let balance = state.balance(t.from, t.token);
        let (balance_proof, balance_root_before) = balance_proof_of(&mut state, t.from, t.token)?;
        let (leaf, account_proof) = state.account_proof(t.from)?;
        check(balance_proof.root_for(Fr::from(balance)) == balance_root_before, "sender balance")?;
        check(fields.leaf(balance_root_before) == leaf, "sender leaf")?;
        check(account_proof.root_for(leaf) == root, "sender path")?;

        let tx_wrapped = SignedTx::Transfer(signed.clone());
        let signers = state
            .verify_signatures(&tx_wrapped)
            .map_err(|source| WitnessError::Replay { index, source })?;
        let replayed = state
            .apply_tx(&tx_wrapped, &signers, &ctx, &mut fees)
            .map_err(|source| WitnessError::Replay { index, source })?;
        if &replayed != op {
            return Err(WitnessError::TxMismatch { index, tx: tx_index });
        }

        // The sender after its own update (debit, nonce + 1), before the recipient's credit.
        let spent = balance
            .checked_sub(t.amount)
            .and_then(|b| b.checked_sub(t.fee))
            .ok_or(WitnessError::Inconsistent("the replay debited more than the balance"))?;
        let balance_root_after = balance_proof.root_for(Fr::from(spent));
        let updated = AccountFields { nonce: fields.nonce.wrapping_add(1), ..fields };
        let sender_new_leaf = updated.leaf(balance_root_after);
        let sender = AccountWitness {
            fields,
            balance,
            balance_proof,
            balance_root_before,
            balance_root_after,
            account_proof,
        };

        // The recipient, read after the operation (see the module docs).
        let recipient = {
            let fields = fields_of(&state, t.to)?;
            let balance_after = state.balance(t.to, t.token);
            let balance = balance_after
                .checked_sub(t.amount)
                .ok_or(WitnessError::Inconsistent("recipient balance below the amount"))?;
            let (balance_proof, balance_root_after) = balance_proof_of(&mut state, t.to, t.token)?;
            check(
                balance_proof.root_for(Fr::from(balance_after)) == balance_root_after,
                "recipient balance",
            )?;
            let balance_root_before = balance_proof.root_for(Fr::from(balance));
            let (leaf, account_proof) = state.account_proof(t.to)?;
            let middle = sender.account_proof.root_for(sender_new_leaf);
            check(
                account_proof.root_for(fields.leaf(balance_root_before)) == middle,
                "recipient path before the credit",
            )?;
            check(fields.leaf(balance_root_after) == leaf, "recipient leaf")?;
            root = account_proof.root_for(leaf);
            AccountWitness {
                fields,
                balance,
                balance_proof,
                balance_root_before,
                balance_root_after,
                account_proof,
            }
        };
        check(root == state.sub_roots().0, "account root after the operation")?;

        let pubkey = signed.signature.pub_key;
        chunks.push(ChunkWitness {
            pubdata: chunk_bytes(&pubdata, chunks.len())?,
            signature: SignatureWitness {
                pub_key: *pubkey.point(),
                signature: signed.signature.signature,
                nonce: tx.nonce,
                valid_from: tx.time_range.valid_from,
                valid_until: tx.time_range.valid_until,
            },
            sender,
            recipient,
        });
        tx_index += 1;
    }
    chunks.resize(capacity, ChunkWitness::noop());

    let fee_witness = fee_update(&mut state, block, &fees, root)?;
    if state.root() != block.header.new_root {
        return Err(WitnessError::NewRootMismatch);
    }
    Ok(BlockWitness {
        header: block.header,
        account_root,
        nft_root,
        next_nft_id,
        chunks,
        fees: fee_witness,
        public_input: Some(block.public_input()?),
    })
}

/// Credits the collected fees in `state` and records the update: the slots in increasing
/// token order, padded with tokens that collected nothing; each slot's balance proof taken
/// after the earlier slots' credits.
fn fee_update(
    state: &mut State,
    block: &Block,
    fees: &Fees,
    root: Fr,
) -> Result<FeeWitness, WitnessError> {
    let id = block.header.fee_account;
    let fields = fields_of(state, id)?;
    let (leaf, account_proof) = state.account_proof(id)?;
    check(account_proof.root_for(leaf) == root, "fee account path")?;

    let collected: Vec<(TokenId, u128)> =
        fees.iter().filter(|(_, amount)| **amount != 0).map(|(t, a)| (*t, *a)).collect();
    if collected.len() > MAX_FEE_TOKENS_PER_BLOCK {
        return Err(WitnessError::TooManyFeeTokens(collected.len()));
    }
    let mut slots_used: Vec<(TokenId, u128)> = collected.clone();
    let mut spare = (0..MAX_TOKENS).map(TokenId).filter(|t| fees.get(*t) == 0);
    while slots_used.len() < MAX_FEE_TOKENS_PER_BLOCK {
        let token = spare.next().ok_or(WitnessError::Inconsistent("no spare fee token"))?;
        slots_used.push((token, 0));
    }

    // The fee account's balance tree, rebuilt to take a proof between the credits.
    let balances: BTreeMap<TokenId, u128> =
        state.account(id).map(|a| a.balances.clone()).ok_or(WitnessError::AccountNotFound(id))?;
    let mut tree = SparseMerkleTree::new(BALANCE_TREE_DEPTH as u8, Fr::from(0u64))?;
    for (token, balance) in &balances {
        tree.set(u64::from(token.0), Fr::from(*balance))?;
    }
    let balance_root_before = tree.root();
    check(fields.leaf(balance_root_before) == leaf, "fee account leaf")?;
    let mut slots = Vec::with_capacity(MAX_FEE_TOKENS_PER_BLOCK);
    for (token, amount) in slots_used {
        let balance = balances.get(&token).copied().unwrap_or(0);
        let balance_proof = tree.proof(u64::from(token.0))?;
        let credited = balance
            .checked_add(amount)
            .ok_or(WitnessError::Inconsistent("fee credit overflows"))?;
        tree.set(u64::from(token.0), Fr::from(credited))?;
        slots.push(FeeSlotWitness { token, amount, balance, balance_proof });
    }
    let balance_root_after = tree.root();

    state
        .credit_fees(id, fees)
        .map_err(|source| WitnessError::Replay { index: block.ops.len(), source })?;
    check(state.balance_root(id) == Some(balance_root_after), "fee account balances")?;
    Ok(FeeWitness { fields, account_proof, slots })
}

/// The account's fields, or an error if it does not exist.
fn fields_of(state: &State, id: AccountId) -> Result<AccountFields, WitnessError> {
    let a = state.account(id).ok_or(WitnessError::AccountNotFound(id))?;
    Ok(AccountFields {
        nonce: a.nonce,
        nfts_minted: a.nfts_minted,
        pubkey_hash: a.pubkey_hash,
        address: a.address,
    })
}

/// The proof of `token` in account `id`'s balance tree, with the tree's root.
fn balance_proof_of(
    state: &mut State,
    id: AccountId,
    token: TokenId,
) -> Result<(MerkleProof, Fr), WitnessError> {
    let (_, proof) = state.balance_proof(id, token)?.ok_or(WitnessError::AccountNotFound(id))?;
    let root = state.balance_root(id).ok_or(WitnessError::AccountNotFound(id))?;
    Ok((proof, root))
}

/// Chunk `i` of the pubdata.
fn chunk_bytes(pubdata: &[u8], i: usize) -> Result<[u8; CHUNK_BYTES], WitnessError> {
    pubdata
        .get(i * CHUNK_BYTES..(i + 1) * CHUNK_BYTES)
        .and_then(|c| <[u8; CHUNK_BYTES]>::try_from(c).ok())
        .ok_or(WitnessError::Inconsistent("pubdata shorter than the chunks"))
}

fn check(ok: bool, what: &'static str) -> Result<(), WitnessError> {
    if ok {
        Ok(())
    } else {
        Err(WitnessError::Inconsistent(what))
    }
}
