//! Exodus mode: checked, and activated when a priority request is past its deadline.

use crate::ExitError;
use alloy_primitives::B256;
use tern_contracts::bindings::Rollup;
use tern_l1::{EthChain, L1User, L1Watch, RollupAdmin};

/// How exodus mode stands after [`freeze`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freeze {
    /// It was already active.
    Active,
    /// This run activated it, in this transaction.
    Activated(Option<B256>),
    /// A dry run: a request is past its deadline, so a real run would activate it.
    WouldActivate,
}

/// Makes sure the rollup is in exodus mode: activates it if the oldest open priority request
/// is past its deadline (unless `dry_run`). Otherwise [`ExitError::NotFrozen`], having sent
/// nothing.
pub async fn freeze<C: EthChain>(chain: &C, dry_run: bool) -> Result<Freeze, ExitError> {
    if chain.exodus_mode().await? {
        return Ok(Freeze::Active);
    }
    let queue = chain.priority_queue_state().await?;
    if queue.open == 0 {
        return Err(ExitError::NotFrozen("no priority request is open".into()));
    }
    let oldest = chain.rollup_view(&Rollup::priorityRequestsCall(queue.first_id)).await?;
    let now = chain.latest_timestamp().await?;
    // The contract wants block.timestamp > expiration; the next block is at least a second
    // past the latest one, so the latest block's time being past the deadline is enough.
    if now <= oldest.expiration {
        let left = oldest.expiration - now;
        return Err(ExitError::NotFrozen(format!(
            "the oldest open request, #{}, expires at unix time {}, in {left} s",
            queue.first_id, oldest.expiration
        )));
    }
    if dry_run {
        return Ok(Freeze::WouldActivate);
    }
    let r = chain.activate_exodus_mode().await?;
    tracing::info!(tx = ?r.tx_hash, "exodus mode activated");
    Ok(Freeze::Activated(r.tx_hash))
}
