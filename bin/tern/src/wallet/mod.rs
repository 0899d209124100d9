//! `tern wallet`: parses the arguments, connects a `tern_sdk::Wallet`, runs one command and
//! prints its result (text, or one JSON object with `--json`). Everything else is the SDK's.

mod args;
mod commands;
mod output;

pub(crate) use args::WalletArgs;

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tern_sdk::{DevnetInfo, Provider, Token, TokenList, Wallet};
use tern_state::ChainConfig;

/// The node's JSON-RPC when neither `--rpc` nor `--devnet` names one.
const DEFAULT_RPC: &str = "http://127.0.0.1:3030";

/// Runs `tern wallet`.
pub(crate) fn run(args: WalletArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(commands::dispatch(args))?;
    Ok(ExitCode::SUCCESS)
}

/// The endpoints and chain, from the flags and the devnet file (flags win).
struct Endpoints {
    rpc: String,
    ws: Option<String>,
    l1: Option<String>,
    chain: Option<ChainConfig>,
    tokens: Option<TokenList>,
}

fn endpoints(args: &WalletArgs) -> Result<Endpoints> {
    let devnet = args.devnet.as_deref().map(DevnetInfo::load).transpose()?;
    let mut chain =
        devnet.as_ref().map(|d| ChainConfig { chain_id: d.chain_id, contract: d.contract });
    if let (Some(chain_id), Some(contract)) = (args.chain_id, args.contract.as_deref()) {
        let contract = contract.parse().with_context(|| format!("--contract {contract:?}"))?;
        chain = Some(ChainConfig { chain_id, contract });
    }
    Ok(Endpoints {
        rpc: args
            .rpc
            .clone()
            .or_else(|| devnet.as_ref().map(|d| d.rpc_http.clone()))
            .unwrap_or_else(|| DEFAULT_RPC.to_owned()),
        ws: args.ws.clone().or_else(|| devnet.as_ref().and_then(|d| d.rpc_ws.clone())),
        l1: args.l1_rpc.clone().or_else(|| devnet.as_ref().map(|d| d.l1_rpc.clone())),
        chain,
        tokens: devnet.map(|d| TokenList::from(d.tokens)),
    })
}

/// ETH alone: the token list when the node cannot be asked.
fn eth_only() -> TokenList {
    TokenList::new(vec![Token {
        id: tern_types::ETH,
        symbol: "ETH".to_owned(),
        address: alloy_primitives::Address::ZERO,
        decimals: 18,
    }])
}

/// The wallet, connected as the flags say. With a known chain (devnet file, or
/// `--chain-id`/`--contract`) nothing is asked of the node here, so L1 commands work while it
/// is down.
async fn connect(args: &WalletArgs) -> Result<Wallet> {
    let ep = endpoints(args)?;
    let mut provider = Provider::new(&ep.rpc)?.with_timeout(Duration::from_secs(args.timeout));
    if let Some(ws) = &ep.ws {
        provider = provider.with_ws(ws);
    }
    let mut wallet = match ep.chain {
        Some(chain) => {
            let tokens = match ep.tokens {
                Some(tokens) => tokens,
                None => provider.tokens().await.unwrap_or_else(|_| eth_only()),
            };
            Wallet::with_chain(provider, &args.key, chain, tokens)?
        }
        None => Wallet::new(provider, &args.key)
            .await
            .with_context(|| format!("asking the node at {} for its chain", ep.rpc))?,
    };
    if let Some(l1) = &ep.l1 {
        wallet = wallet.with_l1(l1);
    }
    Ok(wallet)
}

/// Where the wallet keeps its local history: `$TERN_WALLET_HOME`, else `~/.tern/wallet`.
fn history_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TERN_WALLET_HOME") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".tern").join("wallet")
}
