//! Tern's state rebuilt from L1 alone (`tern restore`).
//!
//! The restorer reads the rollup's events in bounded ranges of L1 blocks. Priority requests,
//! token listings and on-chain ChangePubKey facts are copied as the node's watcher copies them.
//! A `BlockCommit` event points at its transaction, whose input (`commitBlocks` or
//! `commitProveExecute`) holds the block's pubdata; the block waits in memory until a
//! `BlockExecuted` event makes it final (a `BlocksRevert` drops it). An executed block is then
//! replayed from its pubdata alone ([`tern_state::replay`]) and checked against L1: the rebuilt
//! root must equal the root the contract recorded, and the block's commitment the one it
//! committed. A mismatch stops the restore with an error naming the block. Each block is written
//! into a node's database (`write_restored_block`) as executed on L1, so `tern node` can run on
//! it and continue the chain.
//!
//! **Resumable.** The L1 cursor is persisted after each range, but never past the commit of a
//! block still waiting for its execution (those live in memory only): a restore killed at any
//! point reads again from the cursor, and everything it writes twice is written the same way.
//! Committed blocks that L1 has not executed are not restored.

use alloy_primitives::{Address, B256};
use std::collections::BTreeMap;
use std::future::Future;
use tern_contracts::bindings::Rollup::CommitBlockInfo;
use tern_contracts::rollup::{block_from_commit, committed_blocks};
use tern_l1::{L1Event, L1EventKind};
use tern_primitives::field::fr_to_be_bytes;
use tern_primitives::Fr;
use tern_state::replay::replay_block;
use tern_state::State;
use tern_storage::{
    AuthFactEvent, ChainMeta, L1Stage, SealedBlock, Storage, StorageError, StoredPriorityOp,
    TokenInfo, WatchedRange,
};
use tern_types::{Block, Op};

mod source;
pub use source::RpcSource;

/// An L1 failure, as the restorer sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// What the restorer reads from L1.
pub trait L1Source: Send + Sync {
    /// The chain id.
    fn chain_id(&self) -> impl Future<Output = Result<u64, SourceError>> + Send;
    /// The latest block number.
    fn head(&self) -> impl Future<Output = Result<u64, SourceError>> + Send;
    /// Block `number`'s hash, if the chain is that long.
    fn block_hash(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<[u8; 32]>, SourceError>> + Send;
    /// The rollup's events in `from..=to`, in chain order.
    fn events(
        &self,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<L1Event>, SourceError>> + Send;
    /// The input of transaction `hash`, if L1 knows it.
    fn tx_input(
        &self,
        hash: [u8; 32],
    ) -> impl Future<Output = Result<Option<Vec<u8>>, SourceError>> + Send;
    /// ERC-20 `token`'s `symbol()` and `decimals()` as it answers them, each `None` if it does
    /// not (as the node's watcher reads them, so a restored node names tokens the same way).
    fn token_metadata(
        &self,
        token: tern_primitives::Address,
    ) -> impl Future<Output = Result<(Option<String>, Option<u8>), SourceError>> + Send {
        let _ = token;
        async { Ok((None, None)) }
    }
}

/// Why a restore stopped.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// L1 failed; running again resumes.
    #[error("L1: {0}; run the restore again to resume")]
    L1(#[from] SourceError),
    /// The database failed.
    #[error("database: {0}")]
    Storage(#[from] StorageError),
    /// The database holds another chain, or blocks L1 has not executed.
    #[error("{0}; restore into a fresh data directory")]
    Database(String),
    /// A block on L1 cannot be read back.
    #[error("rollup block {block}: {reason}")]
    Block {
        /// The rollup block.
        block: u64,
        /// What is wrong.
        reason: String,
    },
    /// The rebuilt block disagrees with what L1 recorded.
    #[error("rollup block {block}: the rebuilt {what} is {got}, but L1 recorded {expected}")]
    Mismatch {
        /// The rollup block.
        block: u64,
        /// What differs.
        what: &'static str,
        /// What L1 recorded.
        expected: String,
        /// What the replay gave.
        got: String,
    },
}

/// Where and how to restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreConfig {
    /// The rollup contract.
    pub contract: Address,
    /// The first L1 block to read (the contract's deployment block, or earlier).
    pub from_block: u64,
    /// L1 blocks read per step.
    pub step: u64,
    /// Blocks to stay behind L1's head.
    pub confirmations: u64,
}

/// One step's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// L1 blocks `from..=to` were read; `blocks` rollup blocks were restored.
    Read {
        /// First L1 block read.
        from: u64,
        /// Last L1 block read.
        to: u64,
        /// Rollup blocks restored.
        blocks: u64,
    },
    /// Nothing left to read up to `head` (L1's head less the confirmations).
    Done {
        /// The last L1 block that may be read.
        head: u64,
    },
}

/// Where a restore stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The last restored (executed) rollup block.
    pub block: u64,
    /// Its state root.
    pub root: Fr,
    /// Accounts in the state.
    pub accounts: u32,
    /// The last L1 block read.
    pub l1_block: u64,
}

impl RestoreReport {
    /// The root as `0x…` hex.
    pub fn root_hex(&self) -> String {
        B256::from(fr_to_be_bytes(&self.root)).to_string()
    }
}

/// A committed block waiting for its execution.
#[derive(Debug, Clone)]
struct Pending {
    info: CommitBlockInfo,
    commitment: B256,
    l1_block: u64,
    commit_tx: [u8; 32],
    prove_tx: Option<[u8; 32]>,
}

/// Rebuilds the state into `store` from `l1` (see the module docs).
#[derive(Debug)]
pub struct Restorer<S, L> {
    store: S,
    l1: L,
    config: RestoreConfig,
    state: State,
    last_block: u64,
    /// The last L1 block read (in memory; the persisted cursor may be behind it).
    scanned: Option<u64>,
    pending: BTreeMap<u64, Pending>,
}

impl<S: Storage, L: L1Source> Restorer<S, L> {
    /// Opens `store` for restoring: a fresh database, or one a restore already wrote to.
    pub async fn open(store: S, l1: L, config: RestoreConfig) -> Result<Self, RestoreError> {
        let config = RestoreConfig { from_block: config.from_block.max(1), ..config };
        let mut genesis = State::new();
        let meta = ChainMeta {
            chain_id: l1.chain_id().await?,
            contract: config.contract,
            deploy_block: config.from_block,
            genesis_root: genesis.root(),
        };
        claim(&store, &meta).await?;
        let last_block = store.last_block_number().await?;
        if store.last_block_at(L1Stage::Executed).await? != last_block {
            return Err(RestoreError::Database(
                "the database holds blocks L1 has not executed (a node's own database?)".into(),
            ));
        }
        let state = load_state(&store, last_block, genesis.root()).await?;
        let scanned = store.l1_cursor().await?.map(|(n, _)| n);
        Ok(Self { store, l1, config, state, last_block, scanned, pending: BTreeMap::new() })
    }

    /// Where the restore stands.
    pub fn report(&mut self) -> RestoreReport {
        RestoreReport {
            block: self.last_block,
            root: self.state.root(),
            accounts: self.state.account_count(),
            l1_block: self.scanned.unwrap_or(0),
        }
    }

    /// The L1 it reads.
    pub fn source(&self) -> &L {
        &self.l1
    }

    /// The first L1 block of the restore.
    pub fn from_block(&self) -> u64 {
        self.config.from_block
    }

    /// Reads and applies one range of L1 blocks.
    pub async fn step(&mut self) -> Result<Step, RestoreError> {
        let head = self.l1.head().await?.saturating_sub(self.config.confirmations);
        let from = self.scanned.map_or(self.config.from_block, |s| s + 1);
        if from > head {
            return Ok(Step::Done { head });
        }
        let to = head.min(from.saturating_add(self.config.step.max(1) - 1));
        let events = self.l1.events(from, to).await?;
        // The priority requests first (a block marks its own processed), under the cursor as it
        // stands: nothing this range holds is final before its blocks are written.
        let mut range = watched_range(&events);
        for token in &mut range.tokens {
            let (symbol, decimals) = self.l1.token_metadata(token.address).await?;
            token.symbol = symbol.as_deref().and_then(tern_storage::clean_symbol);
            token.decimals = decimals;
        }
        range.cursor = self.cursor_at(self.safe_cursor(from - 1)).await?;
        self.store.apply_watched_range(&range).await?;
        let before = self.last_block;
        for event in &events {
            self.apply_event(event).await?;
        }
        let cursor = self.cursor_at(self.safe_cursor(to)).await?;
        let done = WatchedRange { cursor, ..WatchedRange::default() };
        self.store.apply_watched_range(&done).await?;
        self.scanned = Some(to);
        Ok(Step::Read { from, to, blocks: self.last_block - before })
    }

    /// The newest L1 block at or below `limit` that a resumed restore may start after: below
    /// the commit of every block still waiting for its execution.
    fn safe_cursor(&self, limit: u64) -> u64 {
        let waiting = self.pending.values().map(|p| p.l1_block.saturating_sub(1)).min();
        waiting.map_or(limit, |w| w.min(limit))
    }

    async fn cursor_at(&self, number: u64) -> Result<(u64, [u8; 32]), RestoreError> {
        let hash = self.l1.block_hash(number).await?;
        let hash = hash.ok_or_else(|| SourceError(format!("L1 has no block {number}")))?;
        Ok((number, hash))
    }

    async fn apply_event(&mut self, event: &L1Event) -> Result<(), RestoreError> {
        match &event.kind {
            L1EventKind::BlockCommitted { number, commitment, .. } if *number > self.last_block => {
                let tx = event.tx_hash.map(|h| h.0).ok_or_else(|| RestoreError::Block {
                    block: *number,
                    reason: "its commit event has no transaction hash".into(),
                })?;
                let info = self.commit_info(*number, tx).await?;
                let pending = Pending {
                    info,
                    commitment: *commitment,
                    l1_block: event.block_number,
                    commit_tx: tx,
                    prove_tx: None,
                };
                self.pending.insert(*number, pending);
            }
            L1EventKind::BlockProven { number } => {
                if let Some(p) = self.pending.get_mut(number) {
                    p.prove_tx = event.tx_hash.map(|h| h.0);
                }
            }
            L1EventKind::BlocksReverted { total_committed, .. } => {
                self.pending.retain(|n, _| n <= total_committed);
            }
            L1EventKind::BlockExecuted { number, state_root } if *number > self.last_block => {
                let execute_tx = event.tx_hash.map(|h| h.0).unwrap_or_default();
                self.execute(*number, *state_root, execute_tx).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The committed arguments of block `number` from its commit transaction's input.
    async fn commit_info(
        &self,
        number: u64,
        tx: [u8; 32],
    ) -> Result<CommitBlockInfo, RestoreError> {
        let bad = |reason: String| RestoreError::Block { block: number, reason };
        let input = self.l1.tx_input(tx).await?;
        let input =
            input.ok_or_else(|| bad(format!("L1 does not know its commit {}", B256::from(tx))))?;
        let infos = committed_blocks(&input).map_err(|e| bad(e.to_string()))?;
        infos
            .into_iter()
            .find(|i| i.blockNumber == number)
            .ok_or_else(|| bad("its commit transaction does not commit it".into()))
    }

    /// Replays executed block `number`, checks it against L1, and writes it.
    async fn execute(
        &mut self,
        number: u64,
        state_root: B256,
        execute_tx: [u8; 32],
    ) -> Result<(), RestoreError> {
        if number != self.last_block + 1 {
            return Err(RestoreError::Block {
                block: number,
                reason: format!("executed after block {}; blocks are missing", self.last_block),
            });
        }
        let pending = self.pending.remove(&number).ok_or_else(|| RestoreError::Block {
            block: number,
            reason: "executed, but its commit was not found; restore from an earlier L1 block \
                     (--from-block)"
                .into(),
        })?;
        let block = self.replay(number, &pending, state_root)?;
        let priority_ops = self.priority_serials(&block).await?;
        let sealed = SealedBlock {
            priority_ops,
            included: vec![],
            failed: vec![],
            consumed_items: vec![],
            diff: self.state.take_diff(),
            sealed_at: block.header.timestamp,
            block,
        };
        let prove_tx = pending.prove_tx.unwrap_or(execute_tx);
        self.store.write_restored_block(&sealed, [pending.commit_tx, prove_tx, execute_tx]).await?;
        self.last_block = number;
        tracing::info!(block = number, "block restored");
        Ok(())
    }

    /// The block rebuilt from its commit and replayed on the state, with every check.
    fn replay(
        &mut self,
        number: u64,
        p: &Pending,
        state_root: B256,
    ) -> Result<Block, RestoreError> {
        let block = block_from_commit(&p.info, self.state.root())
            .map_err(|e| RestoreError::Block { block: number, reason: e.to_string() })?;
        let mismatch = |what, expected: String, got: String| RestoreError::Mismatch {
            block: number,
            what,
            expected,
            got,
        };
        if p.info.newStateRoot != state_root {
            return Err(mismatch(
                "committed root",
                state_root.to_string(),
                p.info.newStateRoot.to_string(),
            ));
        }
        replay_block(&mut self.state, block.header.fee_account, &block.ops)
            .map_err(|e| RestoreError::Block { block: number, reason: e.to_string() })?;
        let root = B256::from(fr_to_be_bytes(&self.state.root()));
        if root != state_root {
            return Err(mismatch("state root", state_root.to_string(), root.to_string()));
        }
        let commitment = block
            .commitment()
            .map_err(|e| RestoreError::Block { block: number, reason: e.to_string() })?;
        if B256::from(commitment) != p.commitment {
            return Err(mismatch(
                "commitment",
                p.commitment.to_string(),
                B256::from(commitment).to_string(),
            ));
        }
        Ok(block)
    }

    /// Serial ids of the priority requests `block` processed: the oldest unprocessed ones.
    async fn priority_serials(&self, block: &Block) -> Result<Vec<u64>, RestoreError> {
        let count = block.ops.iter().filter(|op| Op::is_priority(op)).count();
        let waiting = self.store.pending_priority_ops().await?;
        if waiting.len() < count {
            return Err(RestoreError::Block {
                block: block.header.number,
                reason: format!(
                    "it processes {count} priority requests, but only {} were read from L1",
                    waiting.len()
                ),
            });
        }
        Ok(waiting.iter().take(count).map(|p| p.serial_id).collect())
    }
}

/// Claims a fresh database for the chain, or checks a restored one is this chain's.
async fn claim<S: Storage>(store: &S, meta: &ChainMeta) -> Result<(), RestoreError> {
    if let Some(stored) = store.chain_meta().await? {
        let same = (stored.chain_id, stored.contract, stored.genesis_root)
            == (meta.chain_id, meta.contract, meta.genesis_root);
        return if same {
            Ok(())
        } else {
            Err(RestoreError::Database(format!(
                "the database belongs to chain {} and rollup {}",
                stored.chain_id, stored.contract
            )))
        };
    }
    store.init_chain_meta(meta).await?;
    Ok(())
}

/// The stored state, checked against the last stored block's root.
async fn load_state<S: Storage>(store: &S, last: u64, genesis: Fr) -> Result<State, RestoreError> {
    let snapshot = store.state_at(None).await?;
    let expected = match store.block(last).await? {
        Some(b) => b.block.header.new_root,
        None => genesis,
    };
    let mut state =
        State::from_parts(snapshot.accounts, snapshot.nfts, snapshot.next_nft_id, snapshot.tokens)
            .map_err(|e| RestoreError::Database(format!("the stored state is corrupt: {e}")))?;
    if state.root() != expected {
        return Err(RestoreError::Database(format!(
            "the stored state's root differs from block {last}'s"
        )));
    }
    Ok(state)
}

/// What storage keeps of a range's events besides blocks: priority requests, token listings
/// and on-chain ChangePubKey facts, in chain order (the node's watcher stores the same). The
/// cursor is left for the caller to set.
pub fn watched_range(events: &[L1Event]) -> WatchedRange {
    let mut range = WatchedRange::default();
    for event in events {
        let l1_block = event.block_number;
        match &event.kind {
            L1EventKind::PriorityRequest(p) => range.priority_ops.push(StoredPriorityOp {
                serial_id: p.serial_id,
                op: p.op.clone(),
                expiration: p.expiration,
                l1_block,
                l1_tx: event.tx_hash.map(|h| h.0).unwrap_or_default(),
                processed_in: None,
            }),
            L1EventKind::TokenAdded { token, address } => range.tokens.push(TokenInfo {
                id: *token,
                address: *address,
                l1_block,
                symbol: None,
                decimals: None,
            }),
            L1EventKind::FactAuthSet { owner, nonce, pubkey_hash } => {
                range.auth_facts.push(AuthFactEvent::Set {
                    owner: *owner,
                    nonce: *nonce,
                    pubkey_hash: tern_primitives::eddsa::PubKeyHash(*pubkey_hash),
                    l1_block,
                })
            }
            L1EventKind::FactAuthResetRequested { owner, nonce, .. } => range
                .auth_facts
                .push(AuthFactEvent::ResetRequested { owner: *owner, nonce: *nonce, l1_block }),
            _ => {}
        }
    }
    range
}
