//! The storage interface: domain types and one trait per table group.

use std::future::Future;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::{Address, Fr};
use tern_state::{Account, Nft, PriorityOp};
use tern_types::{AccountId, Block, NftId, TokenId};

/// Result of a storage call.
pub type StorageResult<T> = Result<T, StorageError>;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database refused or failed the query `query`.
    #[error("database error in {query}: {source}")]
    Database {
        /// A short name of the query (for logs).
        query: &'static str,
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A stored value could not be decoded: the database was written by another version or
    /// was edited by hand.
    #[error("corrupt row in {table}: {reason}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The database URL is neither `sqlite:` nor `postgres:`/`postgresql:`.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// A write would break an invariant of the stored data (a block out of sequence, a job the
    /// caller does not hold, …); nothing was written.
    #[error("refused: {0}")]
    Conflict(String),
}

/// Which chain and contract a database belongs to; written once, checked at every start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainMeta {
    /// L1 chain id.
    pub chain_id: u64,
    /// The rollup contract.
    pub contract: Address,
    /// The L1 block that deployed it (where the watcher starts).
    pub deploy_block: u64,
    /// The genesis state root.
    pub genesis_root: Fr,
}

/// The database's chain identity.
pub trait MetaStore: Send + Sync {
    /// The stored identity, if any.
    fn chain_meta(&self) -> impl Future<Output = StorageResult<Option<ChainMeta>>> + Send;
    /// Stores the identity if none is stored; if one is, it must equal `meta`
    /// ([`StorageError::Conflict`] otherwise, with both in the message).
    fn init_chain_meta(&self, meta: &ChainMeta) -> impl Future<Output = StorageResult<()>> + Send;
}

/// A submitted transaction or atomic batch, as the mempool persists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MempoolItem {
    /// Position in arrival order, assigned by the store (ascending, never reused).
    pub seq: u64,
    /// The transactions, wire-encoded (`SignedTx::encode`); one unless this is a batch.
    pub txs: Vec<Vec<u8>>,
    /// Their hashes (`SignedTx::hash`, big-endian), in the same order.
    pub hashes: Vec<[u8; 32]>,
    /// Whether the transactions form an atomic batch.
    pub batch: bool,
    /// Unix seconds when it was accepted.
    pub received_at: u64,
}

/// Where a transaction stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxStatus {
    /// Accepted and waiting for a block.
    Queued,
    /// Executed in block `block` as its operation number `index` (over all operations).
    Included {
        /// Block number.
        block: u64,
        /// Operation index in the block.
        index: u32,
    },
    /// Rejected when a block was sealed; it changed nothing.
    Failed {
        /// The block being sealed.
        block: u64,
        /// The rule it broke.
        reason: String,
    },
}

/// One transaction's receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxReceipt {
    /// Hash.
    pub hash: [u8; 32],
    /// The wire encoding.
    pub tx: Vec<u8>,
    /// Status.
    pub status: TxStatus,
    /// Unix seconds when it was accepted.
    pub received_at: u64,
}

/// A queued item that failed when a block was being sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedItem {
    /// Its `seq`.
    pub seq: u64,
    /// Each of its transactions' hash, with the reason.
    pub txs: Vec<([u8; 32], String)>,
}

/// The mempool's persistent part.
pub trait MempoolStore: Send + Sync {
    /// Persists an accepted item and returns its `seq`. A hash already known (queued, included
    /// or failed) is [`StorageError::Conflict`] and nothing is written.
    fn insert_mempool_item(
        &self,
        txs: &[Vec<u8>],
        hashes: &[[u8; 32]],
        batch: bool,
        received_at: u64,
    ) -> impl Future<Output = StorageResult<u64>> + Send;
    /// Every item still queued, in `seq` order (what a restarted node reloads).
    fn queued_items(&self) -> impl Future<Output = StorageResult<Vec<MempoolItem>>> + Send;
    /// A transaction's receipt, by hash.
    fn tx_receipt(
        &self,
        hash: &[u8; 32],
    ) -> impl Future<Output = StorageResult<Option<TxReceipt>>> + Send;
    /// Records items that failed when block `block` was being sealed but that no block holds
    /// (empty blocks are never sealed): each transaction's receipt becomes
    /// [`TxStatus::Failed`] with its reason and the items leave the queue, in one transaction.
    fn fail_mempool_items(
        &self,
        block: u64,
        items: &[FailedItem],
    ) -> impl Future<Output = StorageResult<()>> + Send;
    /// The wire encodings of the mempool transactions block `number` included, in operation
    /// order (what the witness needs besides the block).
    fn block_txs(&self, number: u64) -> impl Future<Output = StorageResult<Vec<Vec<u8>>>> + Send;
    /// Receipts of the transactions of `account` (as signer), newest first, at most `limit`.
    fn account_txs(
        &self,
        account: AccountId,
        limit: u32,
    ) -> impl Future<Output = StorageResult<Vec<TxReceipt>>> + Send;
    /// A page of the transactions `account` signed, in arrival order: from the transaction
    /// `from` (or the newest if `None`) inclusive, at most `limit`, towards newer ones
    /// (ascending) if `newer`, else towards older ones (descending). `None` if `from` is not
    /// one of the account's transactions.
    fn account_tx_page(
        &self,
        account: AccountId,
        from: Option<[u8; 32]>,
        limit: u32,
        newer: bool,
    ) -> impl Future<Output = StorageResult<Option<Vec<TxReceipt>>>> + Send;
    /// How many transactions `account` signed (queued, included and failed).
    fn account_tx_count(
        &self,
        account: AccountId,
    ) -> impl Future<Output = StorageResult<u64>> + Send;
    /// Receipts of the mempool transactions block `number` included, in operation order, then
    /// those that failed while it was sealed, in arrival order.
    fn block_receipts(
        &self,
        number: u64,
    ) -> impl Future<Output = StorageResult<Vec<TxReceipt>>> + Send;
    /// How many mempool transactions stored blocks included.
    fn included_tx_count(&self) -> impl Future<Output = StorageResult<u64>> + Send;
}

/// A priority request copied from L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPriorityOp {
    /// Its position in the contract's queue (from 0, no gaps).
    pub serial_id: u64,
    /// The operation.
    pub op: PriorityOp,
    /// L1 timestamp after which an unserved request allows exodus.
    pub expiration: u64,
    /// The L1 block that emitted it.
    pub l1_block: u64,
    /// The L1 transaction that emitted it.
    pub l1_tx: [u8; 32],
    /// The block that processed it, once one did.
    pub processed_in: Option<u64>,
}

/// Priority requests.
pub trait PriorityStore: Send + Sync {
    /// Requests not processed by any stored block, in serial order.
    fn pending_priority_ops(
        &self,
    ) -> impl Future<Output = StorageResult<Vec<StoredPriorityOp>>> + Send;
    /// One request by serial id.
    fn priority_op(
        &self,
        serial_id: u64,
    ) -> impl Future<Output = StorageResult<Option<StoredPriorityOp>>> + Send;
}

/// The state changes of one block: the final value of everything it touched.
pub use tern_state::StateDiff;

/// A sealed block with everything written with it in one database transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBlock {
    /// The block (header, operations, capacity, ChangePubKey authorisations).
    pub block: Block,
    /// Serial ids of the priority requests it processed (consecutive).
    pub priority_ops: Vec<u64>,
    /// Hashes of the mempool transactions it included, with their operation index.
    pub included: Vec<([u8; 32], u32)>,
    /// Hashes of the mempool transactions it rejected, with the reason.
    pub failed: Vec<([u8; 32], String)>,
    /// Mempool items (by `seq`) that left the queue with this block (included or failed).
    pub consumed_items: Vec<u64>,
    /// Its state diff.
    pub diff: StateDiff,
    /// Unix seconds when it was sealed.
    pub sealed_at: u64,
}

/// How far L1 has taken a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum L1Stage {
    /// Sealed by the node, not yet on L1.
    Sealed,
    /// `commitBlocks` mined.
    Committed,
    /// `proveBlocks` mined.
    Proven,
    /// `executeBlocks` mined: final.
    Executed,
}

/// A stored block and its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlock {
    /// The block.
    pub block: Block,
    /// Serial ids of the priority requests it processed.
    pub priority_ops: Vec<u64>,
    /// Its L1 stage.
    pub stage: L1Stage,
    /// The L1 transaction of each stage reached, in stage order (commit, prove, execute).
    pub l1_txs: Vec<[u8; 32]>,
    /// Unix seconds when it was sealed.
    pub sealed_at: u64,
}

/// Sealed blocks.
pub trait BlockStore: Send + Sync {
    /// Writes a sealed block in one transaction: the block, its transactions' receipts (and
    /// the consumed mempool items), its priority requests marked processed, its state diff, and
    /// a queued prover job. The block's number must be the last block's plus one (or 1), and
    /// its `old_root` the last block's `new_root`; otherwise [`StorageError::Conflict`].
    fn write_sealed_block(
        &self,
        sealed: &SealedBlock,
    ) -> impl Future<Output = StorageResult<()>> + Send;
    /// Writes a block rebuilt from L1 (`tern restore`) in one transaction: as
    /// [`BlockStore::write_sealed_block`], but already executed on L1 by the transactions
    /// `l1_txs` (commit, prove, execute), and with its prover job marked proven (its proof is
    /// L1's; no worker ever takes it). `sealed` has no mempool items.
    fn write_restored_block(
        &self,
        sealed: &SealedBlock,
        l1_txs: [[u8; 32]; 3],
    ) -> impl Future<Output = StorageResult<()>> + Send;
    /// The last sealed block's number (0 before any).
    fn last_block_number(&self) -> impl Future<Output = StorageResult<u64>> + Send;
    /// A block by number.
    fn block(&self, number: u64)
        -> impl Future<Output = StorageResult<Option<StoredBlock>>> + Send;
    /// The last block at `stage` or beyond (0 if none).
    fn last_block_at(&self, stage: L1Stage) -> impl Future<Output = StorageResult<u64>> + Send;
    /// Records that blocks `first..=last` reached `stage` by `l1_tx`; idempotent, and never
    /// moves a block backwards.
    fn set_l1_stage(
        &self,
        first: u64,
        last: u64,
        stage: L1Stage,
        l1_tx: [u8; 32],
    ) -> impl Future<Output = StorageResult<()>> + Send;
}

/// The state's contents, as of a block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateSnapshot {
    /// The block it is the state after (0: genesis).
    pub block: u64,
    /// Every account, in id order (ids are dense from 0).
    pub accounts: Vec<Account>,
    /// Every NFT on L2, in id order.
    pub nfts: Vec<(NftId, Nft)>,
    /// `next_nft_id`.
    pub next_nft_id: u32,
    /// Listed tokens, ascending (from [`WatcherStore::tokens`]; listing is not part of the
    /// state root).
    pub tokens: Vec<TokenId>,
}

/// The state tree's contents.
pub trait StateStore: Send + Sync {
    /// The state after block `block` (the last block if `None`), built from the stored diffs:
    /// the newest version of each account and NFT at or before that block.
    fn state_at(
        &self,
        block: Option<u64>,
    ) -> impl Future<Output = StorageResult<StateSnapshot>> + Send;
    /// One account after block `block` (the last if `None`).
    fn account_at(
        &self,
        id: AccountId,
        block: Option<u64>,
    ) -> impl Future<Output = StorageResult<Option<Account>>> + Send;
    /// The last block at or before `block` that changed account `id` (`None` if none did).
    fn account_updated_in(
        &self,
        id: AccountId,
        block: u64,
    ) -> impl Future<Output = StorageResult<Option<u64>>> + Send;
}

/// A prover job's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Held by `worker` until `deadline` (unix seconds) unless it sends a heartbeat.
    Leased {
        /// Who holds it.
        worker: String,
        /// When the lease ends.
        deadline: u64,
    },
    /// Proven.
    Proven,
    /// Given up on, with the last reason.
    Failed(String),
}

/// One block's prover job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProverJob {
    /// The block.
    pub block: u64,
    /// Its status.
    pub status: JobStatus,
    /// Leases taken so far.
    pub attempts: u32,
}

/// The prover job queue. Leases are fenced: only the current holder may heartbeat, finish or
/// fail a job. Claiming is one statement, so two workers never hold one job.
pub trait ProverJobStore: Send + Sync {
    /// Leases the oldest queued job (or one whose lease expired before `now`) to `worker`
    /// until `now + lease_secs`, counting an attempt.
    fn lease_job(
        &self,
        worker: &str,
        now: u64,
        lease_secs: u64,
    ) -> impl Future<Output = StorageResult<Option<ProverJob>>> + Send;
    /// Extends `worker`'s lease of `block`'s job to `now + lease_secs`; `false` if the worker
    /// no longer holds it.
    fn heartbeat_job(
        &self,
        block: u64,
        worker: &str,
        now: u64,
        lease_secs: u64,
    ) -> impl Future<Output = StorageResult<bool>> + Send;
    /// Stores `block`'s proof and marks the job proven. A job already proven stays proven
    /// with its first proof (publishing twice is harmless) and this returns `Ok(false)`; a
    /// worker that does not hold an unproven job gets [`StorageError::Conflict`].
    fn complete_job(
        &self,
        block: u64,
        worker: &str,
        proof: &[u8],
    ) -> impl Future<Output = StorageResult<bool>> + Send;
    /// Gives the job back: to the queue, or failed for good after `max_attempts`.
    fn fail_job(
        &self,
        block: u64,
        worker: &str,
        reason: &str,
        max_attempts: u32,
    ) -> impl Future<Output = StorageResult<()>> + Send;
    /// A block's job.
    fn job(&self, block: u64) -> impl Future<Output = StorageResult<Option<ProverJob>>> + Send;
    /// A proven block's proof.
    fn proof(&self, block: u64) -> impl Future<Output = StorageResult<Option<Vec<u8>>>> + Send;
    /// Jobs not yet proven, oldest first (for metrics and the API).
    fn open_jobs(&self) -> impl Future<Output = StorageResult<Vec<ProverJob>>> + Send;
}

/// What an L1 operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L1OpKind {
    /// `commitBlocks`.
    Commit,
    /// `proveBlocks`.
    Prove,
    /// `executeBlocks`.
    Execute,
    /// `commitProveExecute` (one block).
    CommitProveExecute,
}

/// One signed L1 transaction for an operation. Saved before it is broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Attempt {
    /// Its hash.
    pub hash: [u8; 32],
    /// The signed raw transaction.
    pub raw: Vec<u8>,
    /// `maxFeePerGas`, wei.
    pub max_fee: u128,
    /// `maxPriorityFeePerGas`, wei.
    pub priority_fee: u128,
    /// The L1 block number when it was signed (resends count blocks from here).
    pub signed_at_block: u64,
    /// Whether an L1 node accepted the broadcast.
    pub broadcast: bool,
}

/// Where an L1 operation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum L1OpStatus {
    /// Not mined yet (possibly never broadcast).
    Pending,
    /// Mined successfully by attempt `tx`.
    Confirmed {
        /// The mined attempt.
        tx: [u8; 32],
        /// Its L1 block.
        l1_block: u64,
    },
    /// Mined and reverted, or refused for good; the sender stops at this block.
    Failed(String),
}

/// An L1 operation of the sender: one call over a range of blocks, with one nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Op {
    /// Id, ascending in creation order.
    pub id: u64,
    /// The call.
    pub kind: L1OpKind,
    /// First block it covers.
    pub first_block: u64,
    /// Last block it covers.
    pub last_block: u64,
    /// The operator nonce it uses (every attempt has it).
    pub nonce: u64,
    /// Status.
    pub status: L1OpStatus,
    /// Every attempt, oldest first.
    pub attempts: Vec<L1Attempt>,
}

/// The L1 sender's journal.
pub trait L1TxStore: Send + Sync {
    /// Records a new operation with its nonce and first signed attempt, before any broadcast.
    fn insert_l1_op(
        &self,
        kind: L1OpKind,
        first_block: u64,
        last_block: u64,
        nonce: u64,
        attempt: &L1Attempt,
    ) -> impl Future<Output = StorageResult<u64>> + Send;
    /// Adds a resend attempt (same nonce, higher fee), before it is broadcast.
    fn add_l1_attempt(
        &self,
        op: u64,
        attempt: &L1Attempt,
    ) -> impl Future<Output = StorageResult<()>> + Send;
    /// Marks an attempt as accepted by an L1 node.
    fn mark_l1_broadcast(&self, hash: &[u8; 32]) -> impl Future<Output = StorageResult<()>> + Send;
    /// Sets an operation's final status.
    fn set_l1_op_status(
        &self,
        op: u64,
        status: &L1OpStatus,
    ) -> impl Future<Output = StorageResult<()>> + Send;
    /// Operations still pending, oldest first.
    fn pending_l1_ops(&self) -> impl Future<Output = StorageResult<Vec<L1Op>>> + Send;
    /// The newest operations of any status, newest first, at most `limit`.
    fn recent_l1_ops(&self, limit: u32) -> impl Future<Output = StorageResult<Vec<L1Op>>> + Send;
    /// The highest nonce any stored operation uses.
    fn max_l1_nonce(&self) -> impl Future<Output = StorageResult<Option<u64>>> + Send;
}

/// A token listed on the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its L2 id.
    pub id: TokenId,
    /// Its ERC-20 contract (zero for ETH).
    pub address: Address,
    /// The L1 block whose event listed it ([`WatcherStore::rewind_l1`] forgets tokens listed
    /// above the block it rewinds to).
    pub l1_block: u64,
    /// The ERC-20's `symbol()`, if it answered a well-formed one ([`clean_symbol`]).
    pub symbol: Option<String>,
    /// The ERC-20's `decimals()`, if it answered.
    pub decimals: Option<u8>,
}

/// `raw` if it can serve as a token's symbol in the API: 1 to 16 ASCII letters, digits, `.`,
/// `-` or `_`, and not a name Tern gives itself (`ETH`, `ERC20-<n>`). A token contract is
/// anyone's code: a symbol with spaces, control characters or another token's name must not
/// reach wallets.
pub fn clean_symbol(raw: &str) -> Option<String> {
    let ok_chars = raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    let reserved =
        raw.eq_ignore_ascii_case("ETH") || raw.to_ascii_uppercase().starts_with("ERC20-");
    (ok_chars && (1..=16).contains(&raw.len()) && !reserved).then(|| raw.to_owned())
}

/// An on-chain ChangePubKey authorisation event (`FactAuthSet` or `FactAuthResetRequested`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFactEvent {
    /// `setAuthPubkeyHash`: `owner` authorises `pubkey_hash` for its ChangePubKey at `nonce`,
    /// replacing any earlier fact for that nonce.
    Set {
        /// The L1 address that authorised it.
        owner: Address,
        /// The account nonce the ChangePubKey must have.
        nonce: u32,
        /// The key hash it may set.
        pubkey_hash: PubKeyHash,
        /// The L1 block of the event.
        l1_block: u64,
    },
    /// The owner asked to replace its fact for `nonce` (possible after a time lock).
    ResetRequested {
        /// The owner.
        owner: Address,
        /// The nonce.
        nonce: u32,
        /// The L1 block of the event.
        l1_block: u64,
    },
}

/// What the watcher saw in one range of L1 blocks, written with the new cursor in one
/// transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchedRange {
    /// New priority requests (a serial id already stored is ignored if equal, and a
    /// [`StorageError::Conflict`] if different).
    pub priority_ops: Vec<StoredPriorityOp>,
    /// Newly listed tokens.
    pub tokens: Vec<TokenInfo>,
    /// On-chain ChangePubKey authorisations, in L1 order.
    pub auth_facts: Vec<AuthFactEvent>,
    /// The last L1 block of the range and its hash: the new cursor.
    pub cursor: (u64, [u8; 32]),
    /// Hashes of the range's blocks worth keeping for reorg detection (number, hash).
    pub block_hashes: Vec<(u64, [u8; 32])>,
}

/// The L1 watcher's cursor, L1 block hashes and tokens.
pub trait WatcherStore: Send + Sync {
    /// The last L1 block processed and its hash.
    fn l1_cursor(&self) -> impl Future<Output = StorageResult<Option<(u64, [u8; 32])>>> + Send;
    /// The stored hash of L1 block `number`.
    fn l1_block_hash(
        &self,
        number: u64,
    ) -> impl Future<Output = StorageResult<Option<[u8; 32]>>> + Send;
    /// Applies a watched range and moves the cursor, in one transaction.
    fn apply_watched_range(
        &self,
        range: &WatchedRange,
    ) -> impl Future<Output = StorageResult<()>> + Send;
    /// A reorg: forgets everything seen in L1 blocks above `number` that no stored L2 block
    /// relies on (unprocessed priority requests, tokens, block hashes) and sets the cursor to
    /// `number` with its stored hash. Refuses with [`StorageError::Conflict`] if a processed
    /// priority request would be forgotten.
    fn rewind_l1(&self, number: u64) -> impl Future<Output = StorageResult<()>> + Send;
    /// Listed tokens, by id.
    fn tokens(&self) -> impl Future<Output = StorageResult<Vec<TokenInfo>>> + Send;
    /// The key hash `owner` authorised on chain for its ChangePubKey at `nonce`, unless it
    /// asked to replace it: a fact the owner may still change is not one to build a block on.
    fn auth_fact(
        &self,
        owner: Address,
        nonce: u32,
    ) -> impl Future<Output = StorageResult<Option<PubKeyHash>>> + Send;
}

/// Everything the node stores.
pub trait Storage:
    MetaStore
    + MempoolStore
    + PriorityStore
    + BlockStore
    + StateStore
    + ProverJobStore
    + L1TxStore
    + WatcherStore
    + Clone
    + 'static
{
}

impl<T> Storage for T where
    T: MetaStore
        + MempoolStore
        + PriorityStore
        + BlockStore
        + StateStore
        + ProverJobStore
        + L1TxStore
        + WatcherStore
        + Clone
        + 'static
{
}

#[cfg(test)]
mod tests {
    use super::clean_symbol;

    #[test]
    fn only_plain_unreserved_symbols_name_tokens() {
        assert_eq!(clean_symbol("DAI").as_deref(), Some("DAI"));
        assert_eq!(clean_symbol("USDC.e").as_deref(), Some("USDC.e"));
        assert_eq!(clean_symbol("wstETH_2-x").as_deref(), Some("wstETH_2-x"));
        for bad in
            ["", "ETH", "eth", "ERC20-1", "erc20-7", "US DC", "DAI\n", "Ð", "A".repeat(17).as_str()]
        {
            assert_eq!(clean_symbol(bad), None, "{bad:?}");
        }
    }
}
