//! `tern devnet`: parses the flags, renders the devnet's progress (key generation with an ETA,
//! funding, proving) and prints the endpoints and accounts; the work is `tern_devnet`'s.

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tern_devnet::{DevnetInfo, DevnetOptions, Event, KeyJob};
use tokio::sync::watch;

/// Arguments of `tern devnet`.
#[derive(Args)]
pub(crate) struct DevnetArgs {
    /// The data directory: keys, anvil's state, the node's database, `devnet.json`.
    #[arg(long, default_value = ".tern-devnet")]
    data_dir: PathBuf,
    /// Chunks per block (the dev keys are made for it; 7 to 120).
    #[arg(long, default_value_t = 8)]
    capacity: usize,
    /// Seconds before a block that is not full is sealed.
    #[arg(long, default_value_t = 1.0)]
    block_time: f64,
    /// In-process prover workers (0: only remote workers prove).
    #[arg(long, default_value_t = 1)]
    provers: usize,
    /// Added to every port (anvil 8545, JSON-RPC 3030 and 3031, REST 3001, metrics 9898); use
    /// a multiple of 10 to run devnets side by side.
    #[arg(long, default_value_t = 0)]
    port_offset: u16,
    /// Delete the data directory first: a new chain.
    #[arg(long)]
    fresh: bool,
    /// Use this running Ethereum node (with anvil's default funded accounts) instead of
    /// starting anvil; the contracts are deployed there on first start.
    #[arg(long)]
    l1_rpc: Option<String>,
    /// The anvil binary (default: `node_modules/@foundry-rs/…/anvil`, then `anvil` on PATH).
    #[arg(long)]
    anvil: Option<PathBuf>,
    /// A directory of INSECURE dev keys to use and fill (default: DATA_DIR/keys).
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Dev accounts to fund.
    #[arg(long, default_value_t = 10)]
    accounts: usize,
    /// Print `devnet.json`'s object on one line when ready, instead of the summary.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: DevnetArgs) -> Result<ExitCode> {
    crate::node_cmd::init_logs();
    let json = args.json;
    let options = DevnetOptions {
        data_dir: args.data_dir,
        capacity: args.capacity,
        block_time: args.block_time,
        provers: args.provers,
        port_offset: args.port_offset,
        fresh: args.fresh,
        l1_rpc: args.l1_rpc,
        anvil: args.anvil,
        keys: args.keys,
        accounts: args.accounts,
    };
    let dir = options.data_dir.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let view = Arc::new(View::new(json, dir));
    let outcome = runtime.block_on(async {
        let (stop, shutdown) = watch::channel(false);
        tokio::spawn(async move {
            crate::node_cmd::wait_for_signal().await;
            tracing::info!("stopping the devnet");
            let _ = stop.send(true);
        });
        let sink = Arc::clone(&view);
        tern_devnet::run(options, shutdown, Arc::new(move |e| sink.show(e))).await
    });
    // Key generation cannot be interrupted: do not wait for it after Ctrl-C (a half-written
    // key fails its SHA-256 check and is made again next time).
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome?;
    Ok(ExitCode::SUCCESS)
}

/// What the terminal shows.
struct View {
    json: bool,
    dir: PathBuf,
    started: Instant,
    first_executed: AtomicBool,
    executed_at_start: AtomicU64,
    bar: Mutex<Option<KeyBar>>,
}

/// Key generation as a bar over the estimated seconds, moved by a ticker between steps.
struct KeyBar {
    bar: ProgressBar,
    done_estimate: u64,
}

impl View {
    fn new(json: bool, dir: PathBuf) -> Self {
        Self {
            json,
            dir,
            started: Instant::now(),
            first_executed: AtomicBool::new(false),
            executed_at_start: AtomicU64::new(u64::MAX),
            bar: Mutex::new(None),
        }
    }

    fn show(&self, event: Event) {
        let mut bar = self.bar.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            Event::KeysPlanned(jobs) => *bar = Some(KeyBar::new(&jobs)),
            Event::KeyStarted(job) => {
                if let Some(b) = bar.as_ref() {
                    b.bar.set_message(format!("INSECURE dev keys: {}", job.label()));
                }
            }
            Event::KeyDone(job, took) => {
                tracing::info!("generated the {} keys in {:.1} s", job.label(), took.as_secs_f64());
                if let Some(b) = bar.as_mut() {
                    b.done_estimate += job.estimate().as_millis() as u64;
                    b.bar.set_position(b.done_estimate);
                }
            }
            Event::L1Ready { url, started } => {
                let how = if started { "started anvil" } else { "using" };
                tracing::info!("L1: {how} at {url}");
            }
            Event::Contracts { contract, deployed } => {
                if let Some(b) = bar.take() {
                    b.bar.finish_and_clear();
                }
                let how = if deployed { "deployed" } else { "found" };
                tracing::info!("rollup contract {how} at {contract}");
            }
            Event::NodeStarted => tracing::info!("node running"),
            Event::Funding { done, total, what } => {
                tracing::info!("funding the dev accounts: {what} ({done}/{total})");
            }
            Event::Proving { executed, sealed } => {
                tracing::info!("waiting for L1: block {executed} of {sealed} executed");
                // The first block this start gets executed, not one an earlier start did.
                let before = self.executed_at_start.load(Ordering::Relaxed);
                if before == u64::MAX {
                    self.executed_at_start.store(executed, Ordering::Relaxed);
                } else if executed > before && !self.first_executed.swap(true, Ordering::Relaxed) {
                    let secs = self.started.elapsed().as_secs_f64();
                    tracing::info!("first block executed on L1 {secs:.1} s after the start");
                }
            }
            Event::Ready(info) => self.ready(&info),
        }
    }

    fn ready(&self, info: &DevnetInfo) {
        let took = self.started.elapsed().as_secs_f64();
        tracing::info!("devnet ready in {took:.1} s");
        if self.json {
            match serde_json::to_string(info) {
                Ok(line) => println!("{line}"),
                Err(e) => tracing::error!("devnet.json: {e}"),
            }
            return;
        }
        println!();
        println!("Tern devnet (INSECURE dev keys: for development only)");
        println!("  JSON-RPC   {}  (WebSocket {})", info.rpc_http, info.rpc_ws);
        println!("  REST       {}", info.rest);
        println!("  metrics    {}", info.metrics);
        println!("  L1         {}  (chain {})", info.l1_rpc, info.chain_id);
        println!("  contract   {}", info.contract);
        println!("  operator   {}", info.operator);
        let tokens: Vec<String> =
            info.tokens.iter().map(|t| format!("{} (id {})", t.symbol, t.id)).collect();
        println!("  tokens     {}", tokens.join(", "));
        println!();
        println!("Accounts (10 ETH, 10,000 DAI and 10,000 USDC in L2 each; more on L1):");
        for (i, a) in info.accounts.iter().enumerate() {
            let id = a.account_id.map_or("-".to_owned(), |id| id.to_string());
            println!("  ({i}) {}  key {}  L2 id {id}", a.address, a.private_key);
        }
        println!();
        println!("Wrote {}. Try:", self.dir.join("devnet.json").display());
        if let Some(a) = info.accounts.first() {
            println!(
                "  tern wallet --devnet {} --key {} balance",
                self.dir.display(),
                a.private_key
            );
        }
        println!(
            "Ctrl-C stops everything; the next start resumes this chain (--fresh: a new one)."
        );
    }
}

impl KeyBar {
    fn new(jobs: &[KeyJob]) -> Self {
        let total: u64 = jobs.iter().map(|j| j.estimate().as_millis() as u64).sum();
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::new(total)
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg} [{elapsed_precise}] {wide_bar} {percent}% (ETA {eta})",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        let ticker = bar.clone();
        // Between steps the bar moves with the clock, never past the next step's end.
        std::thread::spawn(move || {
            let started = Instant::now();
            while !ticker.is_finished() {
                let elapsed = started.elapsed().as_millis() as u64;
                let cap = total.saturating_sub(1);
                if ticker.position() < elapsed.min(cap) {
                    ticker.set_position(elapsed.min(cap));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Self { bar, done_estimate: 0 }
    }
}
