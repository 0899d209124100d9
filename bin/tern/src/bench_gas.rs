//! `tern bench gas`: parses the arguments and runs `tern_bench::gas`, printing its stages to
//! stderr and the figures to stdout (a table, or one JSON object with `--json`).

use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use tern_bench::gas::{self, GasBenchOptions, LARGEST_CAPACITY};

/// `tern bench …`.
#[derive(Subcommand)]
pub(crate) enum BenchCommand {
    /// L1 gas of a full block of transfers: commit, a real Groth16 proof verified on chain, and
    /// execute, on revm; plus every other rollup function. Bytes and gas per transfer.
    Gas(GasArgs),
    /// The sequencer's throughput: signed transfers admitted and sealed into blocks (signatures
    /// checked, state root computed) per second, in memory.
    Node(NodeArgs),
    /// Blocks proven per minute by 1, 2, … remote prover workers over the node's worker API
    /// (HTTP on 127.0.0.1, SQLite, real proofs under INSECURE dev keys).
    Workers(WorkersArgs),
}

/// Arguments of `tern bench workers`.
#[derive(Args)]
pub(crate) struct WorkersArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Block capacity in chunks.
    #[arg(long, default_value_t = 8)]
    capacity: usize,
    /// Blocks proven per run.
    #[arg(long, default_value_t = 6)]
    blocks: usize,
    /// Worker counts, one run each.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    workers: Vec<usize>,
    /// Rayon threads shared by a run's workers (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Directory caching the INSECURE dev keys: read when present, else set up and written.
    #[arg(long, default_value = "target/bench-keys")]
    keys: PathBuf,
}

fn bench_workers(args: WorkersArgs) -> Result<ExitCode> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = tern_bench::workers::WorkersBenchOptions {
        capacity: args.capacity,
        blocks: args.blocks.max(1),
        workers: args.workers,
        threads: args.threads.unwrap_or(cpus),
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let report = runtime.block_on(tern_bench::workers::run(options, &args.keys))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("capacity {}, {} logical CPUs", report.capacity, report.cpus);
        for r in &report.runs {
            println!(
                "{} worker(s) × {} threads: {} blocks in {:.1} s, {:.2} blocks/min",
                r.workers, r.threads_per_worker, r.blocks, r.seconds, r.blocks_per_minute
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `tern bench node`.
#[derive(Args)]
pub(crate) struct NodeArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Users sending and receiving.
    #[arg(long, default_value_t = 1_000)]
    users: usize,
    /// Transfers in all.
    #[arg(long, default_value_t = 24_000)]
    transfers: usize,
    /// Block capacity in chunks.
    #[arg(long, default_value_t = 120)]
    capacity: usize,
}

/// Arguments of `tern bench gas`.
#[derive(Args)]
pub(crate) struct GasArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Chunk slots of the block and circuit (default: the largest production capacity; its
    /// dev setup and proof take minutes and several GB).
    #[arg(long, default_value_t = LARGEST_CAPACITY)]
    capacity: usize,
    /// Directory caching the INSECURE dev keys: read when present, else set up and written.
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Seed of the dev setup.
    #[arg(long, default_value_t = 42)]
    setup_seed: u64,
}

pub(crate) fn run(cmd: BenchCommand) -> Result<ExitCode> {
    match cmd {
        BenchCommand::Workers(args) => bench_workers(args),
        BenchCommand::Node(args) => {
            let options = tern_bench::node::NodeBenchOptions {
                users: args.users,
                transfers: args.transfers,
                capacity: args.capacity,
            };
            let report = tern_bench::node::run(&options)?;
            if args.json {
                println!("{}", report.to_json());
            } else {
                print!("{report}");
            }
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Gas(args) => {
            if !(1..=LARGEST_CAPACITY).contains(&args.capacity) {
                anyhow::bail!(
                    "--capacity {} is out of range: a block has 1 to {LARGEST_CAPACITY} chunk \
                     slots, the largest production capacity (docs/spec/circuit.md, Capacities)",
                    args.capacity
                );
            }
            let opts = GasBenchOptions {
                capacity: args.capacity,
                keys_dir: args.keys,
                setup_seed: args.setup_seed,
                ..GasBenchOptions::default()
            };
            let start = Instant::now();
            let mut progress = |stage: gas::Stage| {
                eprintln!("[{:>7.1} s] {stage}", start.elapsed().as_secs_f64());
            };
            let report = gas::run(&opts, &mut progress)?;
            if args.json {
                println!("{}", report.to_json());
            } else {
                print!("{report}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
