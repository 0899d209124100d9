//! `tern restore`: rebuilds the state from L1 alone into a node's database, with a progress
//! bar over the L1 blocks to read.

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use tern_primitives::Address;
use tern_restore::{RestoreConfig, Restorer, RpcSource, Step};
use tern_storage::SqlStore;

/// `tern restore` options.
#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The L1 JSON-RPC endpoint.
    #[arg(long, env = "TERN_L1_RPC")]
    l1_rpc: String,
    /// The rollup contract.
    #[arg(long, env = "TERN_CONTRACT")]
    contract: Address,
    /// Where the node's database goes (SQLite `DIR/tern.db`), unless `--database-url`.
    #[arg(long, env = "TERN_DATA_DIR", default_value = ".tern")]
    data_dir: PathBuf,
    /// A database URL (`postgres://…` or `sqlite://…`) instead of the data directory.
    #[arg(long, env = "TERN_DATABASE_URL")]
    database_url: Option<String>,
    /// The first L1 block to read: the contract's deployment block (what `tern deploy`
    /// printed), or any earlier block.
    #[arg(long, default_value_t = 1)]
    from_block: u64,
    /// L1 blocks read per step (each step is saved, so a killed restore resumes from it).
    #[arg(long, default_value_t = 1_000)]
    step: u64,
    /// Blocks to stay behind L1's head (default 0 on chain 31337, 12 elsewhere).
    #[arg(long)]
    confirmations: Option<u64>,
    /// Print one JSON object `{"block", "root", "accounts"}` at the end.
    #[arg(long)]
    json: bool,
}

/// Runs the restore to L1's head.
pub(crate) fn run(args: RestoreArgs) -> Result<ExitCode> {
    crate::node_cmd::init_logs();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(restore(args))
}

/// The database at `database_url`, else `tern.db` in `data_dir` (made if missing); shared by
/// `tern restore` and `tern exit`.
pub(crate) async fn open_store(
    database_url: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<SqlStore> {
    Ok(match database_url {
        Some(url) => SqlStore::connect(url).await?,
        None => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            SqlStore::open_data_dir(data_dir).await?
        }
    })
}

async fn restore(args: RestoreArgs) -> Result<ExitCode> {
    let source = RpcSource::connect(&args.l1_rpc, args.contract).await?;
    let store = open_store(args.database_url.as_deref(), &args.data_dir).await?;
    let chain_id = tern_restore::L1Source::chain_id(&source).await?;
    let confirmations = args.confirmations.unwrap_or(if chain_id == 31337 { 0 } else { 12 });
    let config = RestoreConfig {
        contract: args.contract,
        from_block: args.from_block,
        step: args.step,
        confirmations,
    };
    let mut restorer = Restorer::open(store, source, config).await?;
    let bar = progress_bar();
    let mut blocks = restorer.report().block;
    while let Step::Read { to, blocks: n, .. } = restorer.step().await? {
        blocks += n;
        let head = tern_restore::L1Source::head(restorer.source()).await.unwrap_or(to);
        bar.set_length(head.saturating_sub(restorer.from_block()) + 1);
        bar.set_position(to.saturating_sub(restorer.from_block()) + 1);
        bar.set_message(format!("L1 block {to}, {blocks} rollup blocks restored"));
    }
    bar.finish_and_clear();
    let report = restorer.report();
    if args.json {
        let json = serde_json::json!({
            "block": report.block,
            "root": report.root_hex(),
            "accounts": report.accounts,
            "l1_block": report.l1_block,
        });
        println!("{json}");
    } else {
        println!("restored to rollup block {} (L1 block {})", report.block, report.l1_block);
        println!("state root  {}", report.root_hex());
        println!("accounts    {}", report.accounts);
    }
    Ok(ExitCode::SUCCESS)
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    let style = ProgressStyle::with_template(
        "{spinner} [{bar:40}] {percent:>3}% L1 blocks, ETA {eta}  {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}
