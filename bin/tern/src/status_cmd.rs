//! `tern status`: the node at a glance. Blocks per stage and the mempool come from the
//! JSON-RPC (`tern_status`), the prover jobs, leases and workers from the node's HTTP server
//! (`GET /status`), the operator's balance from L1. A part that does not answer is shown as
//! unavailable; the others still print.

use anyhow::{anyhow, Context, Result};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tern_l1::EthChain;
use tern_node::status::StatusReport;
use tern_primitives::Address;

/// `tern status`'s flags.
#[derive(clap::Args)]
pub(crate) struct StatusArgs {
    /// A devnet directory: `rpc_http`, `l1_rpc` and `operator` from `DIR/devnet.json`.
    #[arg(long, conflicts_with = "rpc")]
    devnet: Option<PathBuf>,
    /// The node's JSON-RPC (default `http://127.0.0.1:3030`).
    #[arg(long)]
    rpc: Option<String>,
    /// The node's HTTP server with `/status` (its `--metrics-addr`; default: the JSON-RPC's
    /// host, at the JSON-RPC port + 6868, the distance between the default ports).
    #[arg(long)]
    node: Option<String>,
    /// The L1 JSON-RPC, for the operator's balance.
    #[arg(long)]
    l1_rpc: Option<String>,
    /// The operator's L1 address (default: the devnet's, or what the node reports).
    #[arg(long)]
    operator: Option<Address>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// The endpoints to ask.
struct Sources {
    rpc: String,
    node: String,
    l1_rpc: Option<String>,
    operator: Option<Address>,
}

fn sources(args: &StatusArgs) -> Result<Sources> {
    let devnet: Option<Value> = match &args.devnet {
        Some(dir) => {
            let path = dir.join("devnet.json");
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}; is the devnet running?", path.display()))?;
            Some(serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?)
        }
        None => None,
    };
    let key = |k: &str| devnet.as_ref().and_then(|d| d.get(k)).and_then(Value::as_str);
    let rpc = args
        .rpc
        .clone()
        .or_else(|| key("rpc_http").map(str::to_owned))
        .unwrap_or_else(|| "http://127.0.0.1:3030".to_owned());
    let node = match (&args.node, key("node_http")) {
        (Some(node), _) => node.clone(),
        (None, Some(node)) => node.to_owned(),
        (None, None) => node_from_rpc(&rpc)?,
    };
    let operator = match args.operator {
        Some(a) => Some(a),
        None => key("operator").map(str::parse).transpose().context("devnet operator")?,
    };
    let l1_rpc = args.l1_rpc.clone().or_else(|| key("l1_rpc").map(str::to_owned));
    Ok(Sources { rpc, node, l1_rpc, operator })
}

/// `http://host:P` → `http://host:P+6868` (3030 → 9898, the defaults; a devnet's port offset
/// moves both).
fn node_from_rpc(rpc: &str) -> Result<String> {
    let (head, port) = rpc.trim_end_matches('/').rsplit_once(':').ok_or_else(|| {
        anyhow!("--rpc {rpc:?} has no port; pass --node URL for the node's /status")
    })?;
    let port: u16 = port.parse().with_context(|| format!("the port of {rpc:?}"))?;
    let port = port.checked_add(6868).ok_or_else(|| anyhow!("pass --node URL"))?;
    Ok(format!("{head}:{port}"))
}

async fn node_status(url: &str) -> Result<StatusReport> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let response = client.get(format!("{}/status", url.trim_end_matches('/'))).send().await?;
    Ok(response.error_for_status()?.json().await?)
}

async fn l1_balance(url: &str, who: Address) -> Result<alloy_primitives::U256> {
    let signer = alloy_signer_local::PrivateKeySigner::random();
    let l1 = tern_l1::RpcL1::connect(url, signer, Address::ZERO).await?;
    Ok(l1.eth_balance(who).await?)
}

fn or_error<T: serde::Serialize>(r: &Result<T>) -> Value {
    match r {
        Ok(v) => serde_json::to_value(v).unwrap_or(Value::Null),
        Err(e) => json!({ "error": format!("{e:#}") }),
    }
}

/// Runs `tern status`.
pub(crate) fn run(args: StatusArgs) -> Result<ExitCode> {
    let src = sources(&args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (chain, node, balance, operator) = runtime.block_on(async {
        let provider =
            tern_sdk::provider::Provider::new(&src.rpc)?.with_timeout(Duration::from_secs(10));
        let chain = provider.status().await.map_err(anyhow::Error::from);
        let node = node_status(&src.node).await;
        let operator = src.operator.or(node.as_ref().ok().and_then(|n| n.operator));
        let balance = match (&src.l1_rpc, operator) {
            (Some(url), Some(who)) => Some(l1_balance(url, who).await),
            _ => None,
        };
        anyhow::Ok((chain, node, balance, operator))
    })?;
    if args.json {
        let out = json!({
            "rpc": src.rpc,
            "node_http": src.node,
            "chain": or_error(&chain),
            "node": or_error(&node),
            "operator": operator,
            "operator_balance_wei": balance.as_ref().map(|b| or_error(&b.as_ref().map(|w| w.to_string()).map_err(|e| anyhow!("{e:#}")))),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", render(&chain, &node, operator, balance.as_ref()));
    }
    Ok(if chain.is_ok() && node.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn render(
    chain: &Result<tern_rpc::types::NodeStatus>,
    node: &Result<StatusReport>,
    operator: Option<Address>,
    balance: Option<&Result<alloy_primitives::U256>>,
) -> String {
    let mut out = String::new();
    match chain {
        Ok(s) => {
            out += &format!(
                "blocks     sealed {} · committed {} · proven {} · executed {}\n",
                s.last_sealed, s.last_committed, s.last_proven, s.last_executed
            );
            out += &format!("queues     mempool {} · priority {}\n", s.mempool, s.priority_pending);
        }
        Err(e) => out += &format!("blocks     unavailable (JSON-RPC: {e:#})\n"),
    }
    match node {
        Ok(n) => {
            let q = &n.queues;
            out += &format!(
                "prover     jobs: {} queued · {} leased · {} failed; remote workers {}\n",
                q.jobs_queued,
                q.jobs_leased,
                q.jobs_failed,
                if n.remote_provers { "on" } else { "off" }
            );
            for l in &n.leases {
                let when = if l.expires_in >= 0 {
                    format!("expires in {} s", l.expires_in)
                } else {
                    format!("expired {} s ago", -l.expires_in)
                };
                out += &format!(
                    "lease      block {} → {} ({when}, attempt {})\n",
                    l.block, l.worker, l.attempts
                );
            }
            for w in &n.workers {
                let block = w.block.map_or("idle".to_owned(), |b| format!("block {b}"));
                out += &format!(
                    "worker     {}: {block}, {} proofs, {} refused, seen {} s ago\n",
                    w.name, w.proofs, w.rejected, w.last_seen_secs_ago
                );
            }
        }
        Err(e) => out += &format!("prover     unavailable (node /status: {e:#})\n"),
    }
    match (operator, balance) {
        (Some(who), Some(Ok(wei))) => {
            let eth = tern_sdk::format_units(u128::try_from(*wei).unwrap_or(u128::MAX), 18);
            out += &format!("operator   {who} · {eth} ETH on L1\n");
        }
        (Some(who), Some(Err(e))) => {
            out += &format!("operator   {who} · balance unavailable ({e:#})\n")
        }
        (Some(who), None) => out += &format!("operator   {who} · pass --l1-rpc for its balance\n"),
        (None, _) => out += "operator   unknown (pass --operator and --l1-rpc)\n",
    }
    out
}
