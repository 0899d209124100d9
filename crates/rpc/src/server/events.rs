//! Block events for subscriptions: the last sealed and the last executed block, polled from
//! storage and published on a watch channel (see the module docs of [`crate::server`]).

use std::time::Duration;
use tern_node::node::Shutdown;
use tern_storage::{L1Stage, Storage, StorageResult};
use tokio::sync::watch;

/// How far the chain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Last sealed block.
    pub sealed: u64,
    /// Last block executed on L1.
    pub executed: u64,
}

/// The published progress; subscriptions wait on it.
#[derive(Debug, Clone)]
pub struct BlockEvents(watch::Receiver<Progress>);

async fn read<S: Storage>(store: &S) -> StorageResult<Progress> {
    Ok(Progress {
        sealed: store.last_block_number().await?,
        executed: store.last_block_at(L1Stage::Executed).await?,
    })
}

impl BlockEvents {
    /// Starts polling `store` every `poll` until `shutdown`.
    pub fn spawn<S: Storage>(store: S, poll: Duration, mut shutdown: Shutdown) -> Self {
        let (tx, rx) = watch::channel(Progress::default());
        tokio::spawn(async move {
            loop {
                match read(&store).await {
                    Ok(p) => {
                        tx.send_if_modified(|old| std::mem::replace(old, p) != p);
                    }
                    Err(e) => tracing::warn!("API block events: {e}"),
                }
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(poll) => {}
                }
            }
        });
        Self(rx)
    }

    /// A receiver that sees every later change.
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        let mut rx = self.0.clone();
        rx.mark_unchanged();
        rx
    }
}
