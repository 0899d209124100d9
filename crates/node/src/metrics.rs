//! The node's Prometheus metrics: the mempool, the blocks at each L1 stage, and the prover's
//! open jobs. One registry per node (no global state), rendered by the HTTP endpoint.

use prometheus::{Encoder, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

/// The node's gauges.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    queue: IntGauge,
    blocks: IntGaugeVec,
    lease_age: IntGaugeVec,
}

/// The last block at each stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Sealed by the node.
    pub sealed: u64,
    /// Committed on L1.
    pub committed: u64,
    /// Proven on L1.
    pub proven: u64,
    /// Executed on L1.
    pub executed: u64,
}

impl Metrics {
    /// A fresh registry with every gauge at 0.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("tern".into()), None)?;
        let queue = IntGauge::new("mempool_items", "Transactions and batches queued")?;
        let blocks = IntGaugeVec::new(
            Opts::new(
                "last_block",
                "The last block at each stage (sealed, committed, proven, executed)",
            ),
            &["stage"],
        )?;
        let lease_age = IntGaugeVec::new(
            Opts::new(
                "prover_lease_age_seconds",
                "Seconds since each leased job was leased or renewed",
            ),
            &["block"],
        )?;
        registry.register(Box::new(queue.clone()))?;
        registry.register(Box::new(blocks.clone()))?;
        registry.register(Box::new(lease_age.clone()))?;
        Ok(Self { registry, queue, blocks, lease_age })
    }

    /// Items in the mempool.
    pub fn set_queue(&self, n: usize) {
        self.queue.set(n as i64);
    }

    /// A block was sealed.
    pub fn sealed(&self, number: u64, queue: usize) {
        self.blocks.with_label_values(&["sealed"]).set(number as i64);
        self.set_queue(queue);
    }

    /// Where L1 stands.
    pub fn l1_progress(&self, p: Progress) {
        for (stage, n) in [
            ("sealed", p.sealed),
            ("committed", p.committed),
            ("proven", p.proven),
            ("executed", p.executed),
        ] {
            self.blocks.with_label_values(&[stage]).set(n as i64);
        }
    }

    /// Lease ages of the leased jobs, replacing the previous set.
    pub fn lease_ages(&self, ages: &[(u64, u64)]) {
        self.lease_age.reset();
        for (block, age) in ages {
            self.lease_age.with_label_values(&[&block.to_string()]).set(*age as i64);
        }
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding gauges into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}
