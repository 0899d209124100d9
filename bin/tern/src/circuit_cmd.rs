//! `tern circuit …`: facts about the block circuit, from `tern_circuit::stats`.

use anyhow::Result;
use clap::Subcommand;
use serde_json::{json, Map, Value};
use std::process::ExitCode;
use tern_circuit::stats::{stats, CircuitStats};

/// The capacity `tern circuit stats` measures by default: the small test capacity.
const DEFAULT_CAPACITY: usize = 8;

/// The largest capacity measured: the largest production capacity (`docs/spec/circuit.md`).
/// Past it the count is of a circuit no Tern deployment has, at gigabytes of memory.
const MAX_CAPACITY: usize = tern_bench::gas::LARGEST_CAPACITY;

#[derive(Subcommand)]
pub(crate) enum CircuitCommand {
    /// Count the block circuit's constraints (setup-mode synthesis, no witness): the total, a
    /// chunk slot with its SHA-256 share, the fixed part per block, and each operation type
    /// (its chunks × a slot).
    Stats {
        /// Chunk slots of the circuit measured (a slot's cost is measured between capacities
        /// 8 and 47, where the commitment grows by whole SHA-256 blocks).
        #[arg(long, default_value_t = DEFAULT_CAPACITY)]
        capacity: usize,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(cmd: CircuitCommand) -> Result<ExitCode> {
    match cmd {
        CircuitCommand::Stats { capacity, json } => {
            if !(1..=MAX_CAPACITY).contains(&capacity) {
                anyhow::bail!(
                    "--capacity {capacity} is out of range: a block circuit has 1 to \
                     {MAX_CAPACITY} chunk slots (docs/spec/circuit.md, Capacities)"
                );
            }
            let s = stats(capacity)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&to_json(&s))?);
            } else {
                print!("{}", table(&s));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(s: &CircuitStats) -> Value {
    let per_op: Map<String, Value> =
        s.per_op.iter().map(|op| (op.name.to_owned(), json!(op.constraints))).collect();
    let chunks: Map<String, Value> =
        s.per_op.iter().map(|op| (op.name.to_owned(), json!(op.chunks))).collect();
    json!({
        "capacity": s.capacity,
        "total": s.total,
        "per_chunk": s.per_chunk,
        "per_block": s.per_block,
        "per_chunk_before_sha256": s.per_chunk_before_sha256,
        "sha256_share_per_chunk": s.sha256_share,
        "sha256_per_block": s.sha256_per_block,
        "slot_span": [s.span.0, s.span.1],
        "slot_span_totals": [s.span_totals.0, s.span_totals.1],
        "chunks": chunks,
        "per_op": per_op,
    })
}

fn table(s: &CircuitStats) -> String {
    let mut out = format!(
        "block circuit at capacity {} (setup-mode synthesis)\n\
         total constraints          {:>12}\n\
         per chunk slot             {:>12}   ({} own + {} SHA-256 share)\n\
         per block (fixed part)     {:>12}\n\
         SHA-256, per 64-byte block {:>12}\n\
         (a slot measured between capacities {} and {}: {} and {} constraints)\n\n\
         {:<16} {:>6} {:>12}\n",
        s.capacity,
        s.total,
        s.per_chunk,
        s.per_chunk_before_sha256,
        s.sha256_share,
        s.per_block,
        s.sha256_per_block,
        s.span.0,
        s.span.1,
        s.span_totals.0,
        s.span_totals.1,
        "operation",
        "chunks",
        "constraints",
    );
    for op in &s.per_op {
        out += &format!("{:<16} {:>6} {:>12}\n", op.name, op.chunks, op.constraints);
    }
    out
}
