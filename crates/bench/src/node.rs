//! `tern bench node`: the sequencer's throughput, admission and sealing together, in memory.
//!
//! Users are created and given keys in unmeasured set-up blocks; transfers between them are
//! signed beforehand (signing is the wallets' work, not the node's). Then, as a node under
//! steady load does, the benchmark admits a block's worth of transfers (signatures checked on
//! both cores, as concurrent RPC handlers do, then each transfer applied to the pending state),
//! seals a block (every transfer executed with the signers admission checked, the state root
//! computed), and repeats until every transfer is in a block.
//! The database is not part of this figure.

use rayon::prelude::*;
use std::time::Instant;
use tern_node::sequencer::{verify_item, MempoolLimits, SealOutcome, Sequencer, SequencerConfig};
use tern_primitives::Address;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::{AccountId, SignedTx, ETH};

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeBenchOptions {
    /// Users sending and receiving.
    pub users: usize,
    /// Transfers in all.
    pub transfers: usize,
    /// Block capacity in chunks.
    pub capacity: usize,
}

impl Default for NodeBenchOptions {
    fn default() -> Self {
        Self { users: 1_000, transfers: 24_000, capacity: 120 }
    }
}

/// What was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBenchReport {
    /// The options.
    pub options: NodeBenchOptions,
    /// Blocks sealed.
    pub blocks: u64,
    /// Seconds spent admitting.
    pub admit_seconds: f64,
    /// Seconds spent sealing.
    pub seal_seconds: f64,
    /// Transfers admitted and sealed per second, both together.
    pub transfers_per_second: f64,
}

impl NodeBenchReport {
    /// One JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "transfers_per_second": self.transfers_per_second,
            "transfers": self.options.transfers,
            "users": self.options.users,
            "capacity": self.options.capacity,
            "blocks": self.blocks,
            "admit_seconds": self.admit_seconds,
            "seal_seconds": self.seal_seconds,
            "admitted_per_second": self.options.transfers as f64 / self.admit_seconds,
            "sealed_per_second": self.options.transfers as f64 / self.seal_seconds,
        })
    }
}

impl std::fmt::Display for NodeBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = &self.options;
        writeln!(f, "transfers            {}", o.transfers)?;
        writeln!(f, "users                {}", o.users)?;
        writeln!(f, "capacity             {} chunks, {} blocks", o.capacity, self.blocks)?;
        writeln!(f, "admission            {:.3} s", self.admit_seconds)?;
        writeln!(f, "sealing              {:.3} s", self.seal_seconds)?;
        writeln!(f, "transfers per second {:.0}", self.transfers_per_second)
    }
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum NodeBenchError {
    /// Options out of range.
    #[error("{0}")]
    Options(String),
    /// Set-up or a measured step failed.
    #[error("{0}")]
    Failed(String),
}

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
const OPERATOR: Address = Address::new([0xfe; 20]);

fn fail(e: impl std::fmt::Display) -> NodeBenchError {
    NodeBenchError::Failed(e.to_string())
}

/// The users, with accounts and keys, and the state they live in.
fn users(n: usize) -> Result<(State, Vec<Wallet>), NodeBenchError> {
    let mut wallets = (0..n as u64)
        .map(|i| Wallet::from_seed(1 + i, CHAIN))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let mut deposits = vec![PriorityOp::Deposit { token: ETH, amount: 0, to: OPERATOR }];
    deposits.extend(wallets.iter().map(|w| PriorityOp::Deposit {
        token: ETH,
        amount: 1 << 100,
        to: w.address,
    }));
    let params = |number, capacity| BlockParams {
        chain: CHAIN,
        number,
        fee_account: AccountId(0),
        timestamp: 1,
        capacity,
    };
    let built = build_block(State::new(), &params(1, 4 * deposits.len()), &deposits, &[], &NoFacts)
        .map_err(fail)?;
    let mut keys = Vec::with_capacity(n);
    for (i, w) in wallets.iter_mut().enumerate() {
        w.account_id = AccountId(i as u32 + 1);
        keys.push(TxItem::Single(w.change_pubkey(AuthKind::Ecdsa, ETH, 0).map_err(fail)?));
    }
    let built =
        build_block(built.state, &params(2, 4 * n + 4), &[], &keys, &NoFacts).map_err(fail)?;
    if let Some(r) = built.rejected.first() {
        return Err(fail(format!("a set-up transaction was rejected: {}", r.error)));
    }
    Ok((built.state, wallets))
}

/// Runs the benchmark.
pub fn run(options: &NodeBenchOptions) -> Result<NodeBenchReport, NodeBenchError> {
    if options.users < 2 || options.transfers == 0 || !(1..=120).contains(&options.capacity) {
        return Err(NodeBenchError::Options(
            "use at least 2 users, at least 1 transfer and a capacity of 1 to 120".into(),
        ));
    }
    let (state, mut wallets) = users(options.users)?;
    let mut txs: Vec<SignedTx> = Vec::with_capacity(options.transfers);
    for k in 0..options.transfers {
        let from = k % options.users;
        let to = wallets[(from + 1) % options.users].address;
        txs.push(wallets[from].transfer(to, ETH, 1 + k as u128 % 1000, 1).map_err(fail)?);
    }
    let config = SequencerConfig {
        chain: CHAIN,
        capacity: options.capacity,
        fee_account: AccountId(0),
        limits: MempoolLimits { max_items: options.transfers, ..MempoolLimits::default() },
    };
    let mut seq = Sequencer::new(config, state, 2, 1, vec![]);
    let (mut admit, mut seal, mut blocks) = (0.0, 0.0, 0u64);
    let mut seq_no = 0u64;
    for chunk in txs.chunks(options.capacity) {
        let t = Instant::now();
        // As the node's RPC handlers do: signatures checked concurrently, then the state
        // checks one at a time under the sequencer's lock.
        let items: Vec<TxItem> = chunk.iter().map(|tx| TxItem::Single(tx.clone())).collect();
        let signers: Vec<_> = items.par_iter().map(verify_item).collect();
        for (item, signers) in items.into_iter().zip(signers) {
            let admission = seq.check_verified(item, signers, 2).map_err(fail)?;
            seq.accept(admission, seq_no);
            seq_no += 1;
        }
        admit += t.elapsed().as_secs_f64();
        let t = Instant::now();
        while seq.queue_len() > 0 {
            match seq.seal(&[], 2).map_err(fail)? {
                SealOutcome::Block(sealing) => {
                    seq.finish_seal(*sealing);
                    blocks += 1;
                }
                other => return Err(fail(format!("expected a block, got {other:?}"))),
            }
        }
        seal += t.elapsed().as_secs_f64();
    }
    Ok(NodeBenchReport {
        options: *options,
        blocks,
        admit_seconds: admit,
        seal_seconds: seal,
        transfers_per_second: options.transfers as f64 / (admit + seal),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_seals_every_transfer() {
        let options = NodeBenchOptions { users: 3, transfers: 10, capacity: 4 };
        let report = run(&options).expect("runs");
        assert_eq!(report.blocks, 3);
        assert!(report.transfers_per_second > 0.0);
        assert_eq!(report.to_json()["transfers"], 10);
        assert!(run(&NodeBenchOptions { users: 1, ..options }).is_err());
    }
}
