//! `tern exit`: leaves a frozen rollup with everything the last executed state holds for the
//! key's address (`tern_exit`, `docs/spec/exit-tool.md`). This file parses arguments, draws
//! the progress bars and prints the report.

use alloy_primitives::B256;
use alloy_signer_local::PrivateKeySigner;
use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tern_exit::{ExitOptions, ExitReport, Freeze, Progress, Selection};
use tern_l1::RpcL1;
use tern_primitives::Address;
use tern_restore::{RestoreConfig, Restorer, RpcSource};

/// `tern exit` options.
#[derive(Debug, Args)]
pub(crate) struct ExitArgs {
    /// The L1 JSON-RPC endpoint.
    #[arg(long, env = "TERN_L1_RPC")]
    l1_rpc: String,
    /// The rollup contract.
    #[arg(long, env = "TERN_CONTRACT")]
    contract: Address,
    /// The exiting user's L1 private key (0x-hex): its address receives everything, and it
    /// pays the gas.
    #[arg(long, env = "TERN_EXIT_KEY")]
    key: String,
    /// Exit one token only: `ETH`, a token id, or a listed ERC-20's address (no NFTs).
    #[arg(long, conflicts_with = "all")]
    token: Option<String>,
    /// Exit every token and NFT (the default).
    #[arg(long)]
    all: bool,
    /// The restore's data directory (SQLite `DIR/tern.db`); an earlier restore there is
    /// resumed.
    #[arg(long, env = "TERN_DATA_DIR", default_value = ".tern-exit")]
    data_dir: PathBuf,
    /// A database URL (`postgres://…` or `sqlite://…`) instead of the data directory.
    #[arg(long, env = "TERN_DATABASE_URL")]
    database_url: Option<String>,
    /// The directory `tern prover setup-exit` wrote: the exit keys matching the rollup's
    /// deployed exit verifiers.
    #[arg(long, env = "TERN_EXIT_KEYS")]
    exit_keys: Option<PathBuf>,
    /// The first L1 block to read: the contract's deployment block, or any earlier block.
    #[arg(long, default_value_t = 1)]
    from_block: u64,
    /// L1 blocks read per restore step.
    #[arg(long, default_value_t = 1_000)]
    step: u64,
    /// Blocks to stay behind L1's head (default 0 on chain 31337, 12 elsewhere).
    #[arg(long)]
    confirmations: Option<u64>,
    /// List what would be exited, with the amounts; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print one JSON object listing each exit with its token, amount and L1 transaction.
    #[arg(long)]
    json: bool,
}

/// Runs the exit.
pub(crate) fn run(args: ExitArgs) -> Result<ExitCode> {
    crate::node_cmd::init_logs();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(exit(args))
}

async fn exit(args: ExitArgs) -> Result<ExitCode> {
    let signer: PrivateKeySigner = args.key.trim().parse().context("--key is not a private key")?;
    let owner = signer.address();
    let chain = RpcL1::connect(&args.l1_rpc, signer, args.contract).await?;
    let source = RpcSource::connect(&args.l1_rpc, args.contract).await?;
    let freeze = tern_exit::freeze(&chain, args.dry_run).await?;
    let store =
        crate::restore_cmd::open_store(args.database_url.as_deref(), &args.data_dir).await?;
    let chain_id = tern_restore::L1Source::chain_id(&source).await?;
    let confirmations = args.confirmations.unwrap_or(if chain_id == 31337 { 0 } else { 12 });
    let config = RestoreConfig {
        contract: args.contract,
        from_block: args.from_block,
        step: args.step,
        confirmations,
    };
    let mut restorer = Restorer::open(store.clone(), source, config).await?;
    let bars = Bars::new();
    let restore = tern_exit::restore(&mut restorer, &mut |p| bars.show(&p)).await?;
    bars.restore.finish_and_clear();
    let mut state = tern_exit::restored_state(&store, &chain, &restore).await?;
    let selection = match &args.token {
        Some(t) => Selection::Token(tern_exit::plan::resolve_token(&store, t).await?),
        None => Selection::All,
    };
    let plan = tern_exit::plan(&state, &store, &chain, owner, selection).await?;
    let options = ExitOptions { exit_keys: args.exit_keys.clone(), dry_run: args.dry_run };
    let sent = tern_exit::run(&chain, &mut state, &plan, &options, &mut |p| bars.show(&p)).await?;
    bars.prove.finish_and_clear();
    let nothing = (!args.dry_run && matches!(freeze, Freeze::Active))
        .then(|| tern_exit::nothing_done(&plan, &sent))
        .flatten();
    let report = ExitReport { owner, account: plan.account, restore, freeze, plan, sent };
    if args.json {
        println!("{}", report_json(&report, args.dry_run));
    } else {
        print_human(&report, args.dry_run);
    }
    match nothing {
        Some(e) => Err(e.into()),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// The restore and proving bars, drawn on stderr when it is a terminal.
struct Bars {
    restore: ProgressBar,
    prove: ProgressBar,
}

impl Bars {
    fn new() -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = |template: &str| {
            if !terminal {
                return ProgressBar::hidden();
            }
            let b = ProgressBar::new(1);
            let style = ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            b.set_style(style);
            b
        };
        Self {
            restore: bar("{spinner} restore [{bar:40}] {percent:>3}% L1 blocks, ETA {eta}  {msg}"),
            prove: bar("{spinner} proving [{bar:40}] {pos}/{len} exits, {elapsed}  {msg}"),
        }
    }

    fn show(&self, p: &Progress) {
        match p {
            Progress::Restore { to, head, from, blocks } => {
                self.restore.set_length(head.saturating_sub(*from) + 1);
                self.restore.set_position(to.saturating_sub(*from) + 1);
                self.restore.set_message(format!("L1 block {to}, {blocks} rollup blocks"));
            }
            Progress::Proving { index, total, what } => {
                self.prove.set_length(*total as u64);
                self.prove.set_position(*index as u64);
                self.prove.set_message(what.clone());
                self.prove.enable_steady_tick(Duration::from_millis(200));
            }
            Progress::Proven => self.prove.finish_and_clear(),
            Progress::Sent { what, tx } => {
                let tx = tx.map(|t| t.to_string()).unwrap_or_default();
                self.prove.println(format!("sent {what} {tx}"));
            }
        }
    }
}

fn hash(tx: Option<B256>) -> Value {
    tx.map_or(Value::Null, |t| Value::String(t.to_string()))
}

/// The transaction that sent `call` for this token or NFT, if one was sent.
fn sent_tx(r: &ExitReport, call: &str, token: Option<u16>, nft: Option<u32>) -> Option<B256> {
    r.sent
        .iter()
        .find(|s| s.call == call && s.token.map(|t| t.0) == token && s.nft.map(|n| n.0) == nft)
        .and_then(|s| s.tx)
}

fn report_json(r: &ExitReport, dry_run: bool) -> Value {
    let (exodus, exodus_tx) = match &r.freeze {
        Freeze::Active => ("active", None),
        Freeze::Activated(tx) => ("activated", *tx),
        Freeze::WouldActivate => ("would_activate", None),
    };
    let exits: Vec<Value> = r
        .plan
        .tokens
        .iter()
        .map(|t| {
            json!({
                "token": t.token.0,
                "account": t.account.0,
                "amount": t.amount.to_string(),
                "already_exited": t.exited,
                "tx": hash(sent_tx(r, "performExodus", Some(t.token.0), None)),
            })
        })
        .collect();
    let nfts: Vec<Value> = r
        .plan
        .nfts
        .iter()
        .map(|n| {
            json!({
                "nft": n.nft.0,
                "account": n.account.0,
                "creator_id": n.info.creator_id.0,
                "serial": n.info.serial,
                "already_exited": n.exited,
                "tx": hash(sent_tx(r, "performExodusNFT", None, Some(n.nft.0))),
                "mint_tx": hash(sent_tx(r, "withdrawPendingNFT", None, Some(n.nft.0))),
            })
        })
        .collect();
    let refunds: Vec<Value> = r
        .plan
        .refunds
        .iter()
        .map(|f| {
            json!({
                "request": f.serial, "token": f.token.0, "amount": f.amount.to_string(),
            })
        })
        .collect();
    let withdrawals: Vec<Value> = r
        .sent
        .iter()
        .filter(|s| s.call == "withdrawPendingBalance")
        .map(|s| {
            json!({
                "token": s.token.map(|t| t.0),
                "amount": s.amount.unwrap_or(0).to_string(),
                "tx": hash(s.tx),
            })
        })
        .collect();
    let mut transactions: Vec<Value> = exodus_tx.into_iter().map(|t| hash(Some(t))).collect();
    transactions.extend(r.sent.iter().map(|s| hash(s.tx)));
    json!({
        "owner": r.owner.to_string(),
        "account": r.account.map(|a| a.0),
        "block": r.restore.block,
        "root": r.restore.root_hex(),
        "dry_run": dry_run,
        "exodus": exodus,
        "exodus_tx": hash(exodus_tx),
        "exits": exits,
        "nft_exits": nfts,
        "refunds": refunds,
        "refund_tx": hash(sent_tx(r, "cancelOutstandingDepositsForExodusMode", None, None)),
        "pending": r.plan.pending.iter().map(|(t, a)| json!({"token": t.0, "amount": a.to_string()})).collect::<Vec<_>>(),
        "withdrawals": withdrawals,
        "transactions": transactions,
    })
}

fn print_human(r: &ExitReport, dry_run: bool) {
    println!("restored to rollup block {} (root {})", r.restore.block, r.restore.root_hex());
    match &r.freeze {
        Freeze::Active => println!("exodus mode: active"),
        Freeze::Activated(tx) => println!("exodus mode: activated by this run ({})", hash(*tx)),
        Freeze::WouldActivate => println!(
            "exodus mode: not active; a request is past its deadline, so a run would activate it"
        ),
    }
    match r.account {
        Some(a) => println!("{} owns account {}", r.owner, a.0),
        None => println!("{} has no account in the last executed state", r.owner),
    }
    let verb = if dry_run { "would exit" } else { "exit" };
    for t in &r.plan.tokens {
        match (t.exited, sent_tx(r, "performExodus", Some(t.token.0), None)) {
            (true, _) => println!("  token {}: {} already exited", t.token.0, t.amount),
            (false, Some(tx)) => println!("  token {}: exited {} in {tx}", t.token.0, t.amount),
            (false, None) => println!("  token {}: {verb} {}", t.token.0, t.amount),
        }
    }
    for n in &r.plan.nfts {
        match (n.exited, sent_tx(r, "performExodusNFT", None, Some(n.nft.0))) {
            (true, _) => println!("  NFT {}: already exited", n.nft.0),
            (false, Some(tx)) => println!("  NFT {}: exited in {tx}", n.nft.0),
            (false, None) => println!("  NFT {}: {verb}", n.nft.0),
        }
    }
    for f in &r.plan.refunds {
        let verb = if dry_run { "would be refunded" } else { "refunded" };
        println!("  deposit #{} of {} of token {}: {verb}", f.serial, f.amount, f.token.0);
    }
    for (t, a) in &r.plan.pending {
        println!("  pending on L1 before this run: {a} of token {}", t.0);
    }
    for s in r.sent.iter().filter(|s| s.call == "withdrawPendingBalance") {
        let token = s.token.map_or(0, |t| t.0);
        println!(
            "  paid out {} of token {token} to {} in {}",
            s.amount.unwrap_or(0),
            r.owner,
            hash(s.tx)
        );
    }
    if dry_run {
        println!("dry run: nothing was sent");
    }
}
