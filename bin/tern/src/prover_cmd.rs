//! `tern prover …`: the INSECURE dev setups (block and exit circuits), proving a sample block,
//! verifying a proof file, and the prover benchmark. The work is `tern_prover`'s and
//! `tern_bench`'s; this file parses, logs and prints.

use crate::progress_bar::ProofBar;
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tern_bench::prover::{self as bench, BenchOptions, BenchReport, Measured, Phase};
use tern_bench::sample::sample_block;
use tern_circuit::block::BlockCircuit;
use tern_circuit::witness::generate_witness;
use tern_prover::exit::{dev_exit_setup, write_exit_keys, NftExit, TokenExit};
use tern_prover::proof_file::{ProofFile, Verdict};
use tern_prover::staged::{prove_staged, ConstraintMatrices};
use tern_prover::{dev_key_stem, dev_setup, read_keys, read_verifying_key, verify, write_keys};
use tracing::{info, warn};

#[derive(Subcommand)]
pub(crate) enum ProverCommand {
    /// INSECURE deterministic Groth16 setup for the block circuit of one capacity; writes
    /// tern-dev-INSECURE-cap{N}.pk, .vk and .sha256 into the output directory.
    Setup {
        /// Chunk slots of the circuit.
        #[arg(long)]
        capacity: usize,
        /// Directory for the key files (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the toxic waste: whoever knows it can forge proofs.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// INSECURE deterministic Groth16 setup of the two exit circuits (exodus mode); writes
    /// tern-dev-INSECURE-exit.{pk,vk,sha256} and tern-dev-INSECURE-exit-nft.{pk,vk,sha256}.
    SetupExit {
        /// Directory for the key files (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the toxic waste: whoever knows it can forge exit proofs.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Prove a deterministic sample block (full of transfers) and write the proof file.
    Prove {
        /// Directory holding the keys from `tern prover setup`.
        #[arg(long)]
        keys: PathBuf,
        /// Chunk slots of the circuit (selects the key files).
        #[arg(long)]
        capacity: usize,
        /// The proof file to write (JSON).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the sample block (the proof's own randomness is fresh).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Verify a proof file: `valid` (exit 0) or `invalid` (exit 1, reason on stderr).
    Verify {
        /// Directory holding the verifying key.
        #[arg(long)]
        keys: PathBuf,
        /// The proof file.
        #[arg(long)]
        proof: PathBuf,
    },
    /// A remote prover worker: leases block jobs from a node over HTTP (`--prover-token` on
    /// the node), proves them and publishes the proofs. Stateless: run one per machine, stop
    /// it any time (an unfinished job returns to the queue when its lease ends).
    Worker(WorkerArgs),
    /// Benchmark: setup, matrices and proofs of a full sample block at one capacity, with
    /// constraints per second and peak memory.
    Bench {
        /// Chunk slots of the circuit.
        #[arg(long, default_value_t = 8)]
        capacity: usize,
        /// Seed of the setup and of the sample block.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Skip the comparison proof with stock `Groth16::prove`.
        #[arg(long)]
        no_stock: bool,
    },
}

/// `tern prover worker`'s flags.
#[derive(clap::Args)]
pub(crate) struct WorkerArgs {
    /// A devnet directory: the node's URL and token from `DIR/devnet.json`.
    #[arg(long, conflicts_with_all = ["node", "token"])]
    devnet: Option<PathBuf>,
    /// The node's HTTP server (its `--metrics-addr`), e.g. `http://10.0.0.5:9898`.
    #[arg(long, env = "TERN_PROVER_NODE", required_unless_present = "devnet")]
    node: Option<String>,
    /// The bearer token (the node's `--prover-token`).
    #[arg(
        long,
        env = "TERN_PROVER_TOKEN",
        hide_env_values = true,
        required_unless_present = "devnet"
    )]
    token: Option<String>,
    /// Rayon threads for proving (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// A directory with the key files (`tern prover setup`); without it they are downloaded
    /// from the node into `--cache-dir`. Either way their SHA-256 must be the node's.
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Where downloaded keys are kept (default `$XDG_CACHE_HOME/tern/keys` or
    /// `~/.cache/tern/keys`).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// The worker's name in the node's leases (default `HOSTNAME-PID`).
    #[arg(long)]
    name: Option<String>,
}

fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("tern").join("keys")
}

fn default_worker_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect())
        .filter(|h: &String| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{}", std::process::id())
}

/// `node_http` and `prover_token` of `DIR/devnet.json`.
fn devnet_worker(dir: &std::path::Path) -> Result<(String, String)> {
    let path = dir.join("devnet.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {}; is the devnet running?", path.display()))?;
    let info: serde_json::Value =
        serde_json::from_str(&text).with_context(|| path.display().to_string())?;
    let field = |k: &str| {
        info.get(k).and_then(serde_json::Value::as_str).map(str::to_owned).with_context(|| {
            format!("{} has no {k:?}; restart the devnet with this tern", path.display())
        })
    };
    Ok((field("node_http")?, field("prover_token")?))
}

fn worker(args: WorkerArgs) -> Result<ExitCode> {
    let (node, token) = match (&args.devnet, args.node, args.token) {
        (Some(dir), _, _) => devnet_worker(dir)?,
        (None, Some(node), Some(token)) => (node, token),
        _ => anyhow::bail!("pass --node URL and --token T, or --devnet DIR"),
    };
    let options = tern_node::worker_http::WorkerOptions {
        node,
        token,
        name: args.name.unwrap_or_else(default_worker_name),
        threads: args.threads,
        keys: args.keys,
        cache_dir: args.cache_dir.unwrap_or_else(default_cache_dir),
    };
    info!("prover worker {} for {}", options.name, options.node);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            info!("stopping: the current job returns to the queue when its lease ends");
            let _ = stop.send(true);
        });
        let progress: tern_node::worker_http::ProgressFactory =
            Box::new(|| Box::new(ProofBar::new()));
        tern_node::worker_http::run_worker(options, progress, shutdown).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Log lines on stderr (`INFO`/`WARN` from `tern` only; ark's constraint spans stay off).
fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let filter = Targets::new()
        .with_target("tern", tracing::Level::INFO)
        .with_target("tern_node", tracing::Level::INFO);
    let _ = tracing_subscriber::registry().with(fmt).with(filter).try_init();
}

fn secs(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

fn size(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    }
}

pub(crate) fn run(cmd: ProverCommand) -> Result<ExitCode> {
    init_logging();
    match cmd {
        ProverCommand::Setup { capacity, out, seed } => setup(capacity, out, seed),
        ProverCommand::SetupExit { out, seed } => setup_exit(out, seed),
        ProverCommand::Prove { keys, capacity, out, seed } => prove(keys, capacity, out, seed),
        ProverCommand::Verify { keys, proof } => verify_file(keys, proof),
        ProverCommand::Worker(args) => worker(args),
        ProverCommand::Bench { capacity, seed, no_stock } => {
            run_bench(BenchOptions { capacity, seed, stock: !no_stock })
        }
    }
}

fn setup(capacity: usize, out: PathBuf, seed: u64) -> Result<ExitCode> {
    warn!("INSECURE development keys: the toxic waste comes from seed {seed}.");
    warn!("Anyone who knows the seed can forge proofs. Never use these keys for real funds.");
    info!("setup: block circuit of capacity {capacity}");
    let t = Instant::now();
    let keys = dev_setup(capacity, seed)?;
    info!("setup: keys generated in {}", secs(t.elapsed()));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let files = write_keys(&keys, &out)?;
    for (path, digest) in [(&files.pk, &files.pk_sha256), (&files.vk, &files.vk_sha256)] {
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        info!("wrote {} ({}, sha256 {digest})", path.display(), size(bytes));
    }
    info!("wrote {}", files.sha256.display());
    warn!("{}: INSECURE dev keys, for development and tests only", dev_key_stem(capacity));
    Ok(ExitCode::SUCCESS)
}

fn setup_exit(out: PathBuf, seed: u64) -> Result<ExitCode> {
    warn!("INSECURE development exit keys: the toxic waste comes from seed {seed}.");
    warn!("Anyone who knows the seed can forge exit proofs and drain a frozen rollup.");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let t = Instant::now();
    let files = write_exit_keys(&dev_exit_setup::<TokenExit>(seed)?, &out)?;
    info!("wrote {} in {}", files.vk.display(), secs(t.elapsed()));
    let t = Instant::now();
    let files = write_exit_keys(&dev_exit_setup::<NftExit>(seed)?, &out)?;
    info!("wrote {} in {}", files.vk.display(), secs(t.elapsed()));
    warn!("exit keys in {}: INSECURE dev keys, for development and tests only", out.display());
    Ok(ExitCode::SUCCESS)
}

fn prove(dir: PathBuf, capacity: usize, out: PathBuf, seed: u64) -> Result<ExitCode> {
    let t = Instant::now();
    let keys = read_keys(&dir, capacity, true)?;
    info!("keys: {} read and SHA-256 checked in {}", dev_key_stem(capacity), secs(t.elapsed()));

    let t = Instant::now();
    let matrices = ConstraintMatrices::build(capacity)?;
    matrices.check_keys(&keys)?;
    info!(
        "matrices: {} constraints, {} variables, built in {}",
        matrices.num_constraints,
        matrices.num_variables(),
        secs(t.elapsed())
    );

    let t = Instant::now();
    let sample = sample_block(capacity, seed)?;
    let witness = generate_witness(&sample.pre_state, &sample.block, &sample.txs)
        .map_err(|e| anyhow!("witness: {e}"))?;
    info!(
        "sample block {} (seed {seed}): {} transfers in {} chunks, witness in {}",
        sample.block.header.number,
        sample.transfers(),
        capacity,
        secs(t.elapsed())
    );

    let mut entropy = [0u8; 32];
    getrandom::getrandom(&mut entropy).context("reading the OS random source")?;
    let mut rng = ChaCha20Rng::from_seed(entropy);
    info!("proving…");
    let proof = {
        let mut bar = ProofBar::new();
        let circuit = BlockCircuit::with_witness(witness);
        prove_staged(&keys, &matrices, circuit, &mut rng, &mut bar)?
    };
    let input = sample.block.public_input()?;
    if !verify(&keys.vk, input, &proof)? {
        return Err(anyhow!("the new proof does not verify: keys and circuit disagree"));
    }
    let file = ProofFile::new(&sample.block, &proof)?;
    std::fs::write(&out, file.to_json()?).with_context(|| format!("writing {}", out.display()))?;
    info!("wrote {} (public input {})", out.display(), file.public_input);
    Ok(ExitCode::SUCCESS)
}

fn verify_file(dir: PathBuf, path: PathBuf) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let file = ProofFile::from_json(&text).with_context(|| format!("{}", path.display()))?;
    let vk = read_verifying_key(&dir, file.capacity)?;
    Ok(match file.check(&vk)? {
        Verdict::Valid => {
            println!("valid");
            ExitCode::SUCCESS
        }
        Verdict::Invalid(reason) => {
            println!("invalid");
            eprintln!("reason: {reason}");
            ExitCode::from(1)
        }
    })
}

fn run_bench(options: BenchOptions) -> Result<ExitCode> {
    warn!("benchmark keys are INSECURE dev keys (seed {})", options.seed);
    let mut on_phase = |phase: Phase| {
        let what = match phase {
            Phase::Setup => "setup (key generation)",
            Phase::Matrices => "building the constraint matrices",
            Phase::Witness => "sample block and witness",
            Phase::ProveStaged => "proving, matrices reused",
            Phase::ProveStock => "proving with stock Groth16::prove",
            Phase::ProveArkMatrices => "proving with ark's matrix prover",
        };
        info!("bench capacity {}: {what}", options.capacity);
    };
    let mut bar = ProofBar::new();
    let report = bench::run(options, &mut on_phase, &mut bar)?;
    drop(bar);
    print!("{}", render(&report));
    Ok(ExitCode::SUCCESS)
}

fn cpu(m: &Measured) -> String {
    m.cpu.map_or("n/a".into(), secs)
}

fn peak(m: &Measured) -> String {
    m.peak_kib.map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

fn render(r: &BenchReport) -> String {
    let per_s = |t: Duration| r.constraints as f64 / t.as_secs_f64();
    let mut out = format!(
        "prover benchmark, capacity {} ({} transfers), {} rayon threads\n\
         constraints {}, variables {}, non-zero entries {}, FFT domain {}\n\n\
         {:<34} {:>10} {:>10} {:>12}\n",
        r.capacity,
        r.transfers,
        r.threads,
        r.constraints,
        r.variables,
        r.non_zeros,
        r.domain,
        "phase",
        "time",
        "cpu time",
        if r.peak_reset { "peak memory" } else { "peak so far" },
    );
    let mut row = |name: &str, m: &Measured| {
        out += &format!("{name:<34} {:>10} {:>10} {:>12}\n", secs(m.time), cpu(m), peak(m));
    };
    row("setup (INSECURE dev keys)", &r.setup);
    row("constraint matrices (once)", &r.matrices);
    row("sample block and witness", &r.witness);
    row("prove, matrices reused", &r.staged);
    if let Some(ark) = &r.ark_matrices {
        row("prove, ark matrix prover (reuse)", ark);
    }
    if let Some(stock) = &r.stock {
        row("prove, stock Groth16::prove", stock);
    }
    let sc = &r.scalars;
    out += &format!(
        "assignment values: {} zero, {} ±1, {} below 2^64, {} full-size\n",
        sc.zero, sc.one, sc.small, sc.big
    );
    out += "\nprove stages (matrices reused):\n";
    for (stage, time) in &r.stages {
        out += &format!("  {:<20} {:>10}\n", stage.name(), secs(*time));
    }
    out += &format!(
        "\nconstraints/s          {:>10.0}\n\
         constraints/s per core {:>10.0}   (goal ≥ 50,000)\n\
         transfers/s            {:>10.2}\n",
        r.constraints_per_second(),
        r.constraints_per_second_per_core(),
        r.transfers_per_second(),
    );
    if let Some(per_cpu) = r.constraints_per_cpu_second() {
        out += &format!(
            "constraints per CPU-second {:>6.0}   (per core without contention, upper bound)\n",
            per_cpu
        );
    }
    let cores = r.threads.max(1) as f64;
    for (name, m) in [("ark matrix prover", &r.ark_matrices), ("stock Groth16::prove", &r.stock)] {
        if let Some(m) = m {
            out += &format!(
                "{name}: {:.0} constraints/s, {:.0} per core; this prover is {:.2}× faster\n",
                per_s(m.time),
                per_s(m.time) / cores,
                m.time.as_secs_f64() / r.staged.time.as_secs_f64(),
            );
        }
    }
    out
}
