//! The L1 watcher: copies the rollup's priority requests, token listings and on-chain
//! ChangePubKey authorisations into storage,
//! `confirmations` blocks behind L1's head.
//!
//! Each range's events and the new cursor (the range's last block and its hash) are written in
//! one transaction, so a restart resumes exactly where the last write stopped. Before reading
//! further, the watcher checks that L1 still has the cursor's block under the stored hash; if
//! not, a reorg replaced it, and the watcher walks back through the stored hashes to the newest
//! block L1 still agrees on and rewinds there. Storage refuses to forget a priority request a
//! sealed block already processed: a reorg that deep needs the operator (use more
//! confirmations).

use crate::error::NodeError;
use crate::l1::L1Port;
use std::sync::Arc;
use tern_l1::L1Event;
use tern_storage::{Storage, WatchedRange};

/// How the watcher follows L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatcherConfig {
    /// Blocks behind L1's head that the watcher stays (0 on anvil, 12 on a public chain).
    pub confirmations: u64,
    /// L1 blocks read per step at most.
    pub max_range: u64,
    /// How far back a reorg is looked for before the watcher gives up.
    pub max_reorg_depth: u64,
}

impl Default for WatcherConfig {
    fn default() -> Self {
        Self { confirmations: 12, max_range: 1_000, max_reorg_depth: 10_000 }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchStep {
    /// Caught up with the confirmed head.
    Idle,
    /// Read L1 blocks `from..=to`, with this many new priority requests.
    Read {
        /// First block read.
        from: u64,
        /// Last block read.
        to: u64,
        /// New priority requests.
        priority_ops: usize,
    },
    /// A reorg: the cursor went back to this block.
    Rewound(u64),
}

/// The L1 watcher (see the module docs).
#[derive(Debug)]
pub struct Watcher<S, L> {
    store: S,
    l1: Arc<L>,
    config: WatcherConfig,
    deploy_block: u64,
}

impl<S: Storage, L: L1Port> Watcher<S, L> {
    /// A watcher that starts at the contract's deployment block.
    pub fn new(store: S, l1: Arc<L>, config: WatcherConfig, deploy_block: u64) -> Self {
        Self { store, l1, config, deploy_block }
    }

    /// Reads the next confirmed range, or handles a reorg.
    pub async fn step(&self) -> Result<WatchStep, NodeError> {
        let (head, _) = self.l1.latest_block().await?;
        let target = head.saturating_sub(self.config.confirmations);
        let from = match self.store.l1_cursor().await? {
            Some((number, hash)) => {
                if self.l1.block_hash(number).await? != Some(hash) {
                    return self.rewind(number).await;
                }
                number + 1
            }
            None => self.deploy_block,
        };
        if from > target {
            return Ok(WatchStep::Idle);
        }
        let to = target.min(from + self.config.max_range - 1);
        let events = self.l1.rollup_events(from, to).await?;
        let Some(hash) = self.l1.block_hash(to).await? else {
            return Err(NodeError::L1(crate::l1::PortError::Invalid(format!(
                "L1 has no block {to} below its head {head}"
            ))));
        };
        let mut range = watched_range(&events, (to, hash));
        for token in &mut range.tokens {
            let (symbol, decimals) = self.l1.token_metadata(token.address).await?;
            token.symbol = symbol.as_deref().and_then(tern_storage::clean_symbol);
            token.decimals = decimals;
            tracing::info!(id = token.id.0, address = %token.address, symbol = ?token.symbol,
                decimals = ?token.decimals, "token listed");
        }
        let priority_ops = range.priority_ops.len();
        self.store.apply_watched_range(&range).await?;
        if priority_ops > 0 {
            tracing::info!(from, to, priority_ops, "new priority requests from L1");
        }
        Ok(WatchStep::Read { from, to, priority_ops })
    }

    async fn rewind(&self, cursor: u64) -> Result<WatchStep, NodeError> {
        let floor = cursor.saturating_sub(self.config.max_reorg_depth);
        let mut number = cursor;
        while number > floor {
            number -= 1;
            let Some(stored) = self.store.l1_block_hash(number).await? else { continue };
            if self.l1.block_hash(number).await? == Some(stored) {
                tracing::warn!(from = cursor, to = number, "L1 reorg: rewinding the watcher");
                self.store.rewind_l1(number).await?;
                return Ok(WatchStep::Rewound(number));
            }
        }
        Err(NodeError::Corrupt(format!(
            "L1 reorganised more than {} blocks below the watcher's cursor {cursor}; restart \
             with a fresh database or raise the reorg depth",
            self.config.max_reorg_depth
        )))
    }
}

/// The storage record of one range's events.
fn watched_range(events: &[L1Event], cursor: (u64, [u8; 32])) -> WatchedRange {
    WatchedRange { cursor, block_hashes: vec![cursor], ..tern_restore::watched_range(events) }
}
