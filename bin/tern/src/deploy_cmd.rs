//! `tern deploy`: reads the verifying keys, deploys the rollup over JSON-RPC and lists the
//! tokens (`tern_l1::deploy_rollup`), and prints where everything is.

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use tern_l1::{DeployReport, RpcL1};

/// Arguments of `tern deploy`.
#[derive(Args)]
pub(crate) struct DeployArgs {
    /// The L1 JSON-RPC endpoint (`http://…`).
    #[arg(long)]
    l1_rpc: String,
    /// The deployer's private key (0x-hex, 32 bytes); it becomes the rollup's governor.
    #[arg(long)]
    key: String,
    /// Directory with the verifying keys: `tern prover setup --capacity N` for each capacity,
    /// `tern prover setup-exit` for the exit circuits.
    #[arg(long)]
    keys: PathBuf,
    /// A block capacity to deploy a verifier for (repeat for several).
    #[arg(long = "capacity", required = true)]
    capacities: Vec<usize>,
    /// An ERC-20 to list, in order (token ids 1, 2, …; repeat for several).
    #[arg(long = "token")]
    tokens: Vec<Address>,
    /// Seconds until an unserved priority request allows exodus mode (1 to 30 days).
    #[arg(long, default_value_t = 3 * 24 * 3600)]
    priority_expiration: u64,
    /// A validator (repeat for several); default: the deployer.
    #[arg(long = "validator")]
    validators: Vec<Address>,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: DeployArgs) -> Result<ExitCode> {
    let signer: PrivateKeySigner = args.key.trim().parse().context("--key is not a private key")?;
    let validators =
        if args.validators.is_empty() { vec![signer.address()] } else { args.validators.clone() };
    // The same reading and checks as `tern devnet`'s deployment.
    let config = tern_devnet::deploy::deploy_config(
        &args.keys,
        &args.capacities,
        validators,
        args.priority_expiration,
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (_, report) = runtime.block_on(async {
        let chain = RpcL1::connect(&args.l1_rpc, signer, Address::ZERO).await?;
        tern_l1::deploy_rollup(&chain, &config, &args.tokens).await
    })?;
    print_report(&report, args.json)?;
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &DeployReport, json: bool) -> Result<()> {
    let v = report.to_json();
    if json {
        println!("{}", serde_json::to_string(&v)?);
        return Ok(());
    }
    let d = &report.deployment;
    println!("contract: {}", d.rollup);
    println!("deploy_block: {}", d.block_number);
    println!("chain_id: {}", report.chain_id);
    println!("genesis_root: {}", v["genesis_root"].as_str().unwrap_or_default());
    for (capacity, verifier) in &d.block_verifiers {
        println!("block verifier (capacity {capacity}): {verifier}");
    }
    println!("exit verifier: {}", d.exit_verifier);
    println!("NFT exit verifier: {}", d.nft_exit_verifier);
    println!("NFT factory: {}", d.nft_factory);
    for t in &report.tokens {
        println!("token {}: {}", t.id.0, t.address);
    }
    Ok(())
}
