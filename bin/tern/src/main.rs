//! `tern`: the command line. It parses arguments and calls Tern's libraries; nothing more.

mod bench_gas;
mod circuit_cmd;
mod deploy_cmd;
mod devnet_cmd;
mod exit_cmd;
mod node_cmd;
mod progress_bar;
mod prover_cmd;
mod restore_cmd;
mod status_cmd;
mod wallet;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tern_primitives::eddsa::{PrivateKey, PublicKey, Signature};
use tern_primitives::field::{fr_from_decimal, fr_to_decimal};
use tern_primitives::{poseidon, Fr};

#[derive(Parser)]
#[command(name = "tern", version, about = "Tern: a zero-knowledge payments rollup for Ethereum")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a few blocks on a fresh in-memory state, covering every operation, and print them.
    Demo {
        /// Print the blocks as JSON, one object per block as `docs/spec/vectors/blocks.json`
        /// records them, with everything needed to recompute their commitments and roots.
        #[arg(long)]
        json: bool,
    },
    /// The protocol specification's machine-readable parts.
    #[command(subcommand)]
    Spec(SpecCommand),
    /// Cryptographic tools over Tern's primitives (circomlib-compatible formats).
    #[command(subcommand)]
    Crypto(CryptoCommand),
    /// Facts about the block circuit (constraint counts).
    #[command(subcommand)]
    Circuit(circuit_cmd::CircuitCommand),
    /// Groth16 keys, proofs and the prover benchmark.
    #[command(subcommand)]
    Prover(prover_cmd::ProverCommand),
    /// Deploy the rollup (verifiers, rollup, NFT factory) to an L1 over JSON-RPC and list
    /// ERC-20 tokens; prints the addresses (one JSON object with `--json`).
    Deploy(deploy_cmd::DeployArgs),
    /// A whole rollup on 127.0.0.1 in one process: anvil, INSECURE dev keys, the contracts,
    /// the node with its API and prover, and ten funded accounts; writes DIR/devnet.json.
    Devnet(devnet_cmd::DevnetArgs),
    /// Run the node: take transactions, seal blocks, prove them and drive the contract on L1.
    /// Options come from flags, `TERN_*` environment variables or `--config FILE` (TOML).
    Node(tern_node::config::NodeOptions),
    /// Rebuild the state from L1 alone (the rollup's events and commit calldata) into a node's
    /// database, checking every block's root and commitment against L1; resumable.
    Restore(restore_cmd::RestoreArgs),
    /// Leave a frozen rollup: restore the state from L1, activate exodus mode if a priority
    /// request is past its deadline, prove and send the exit of every token and NFT of the
    /// key's address, claim refunds of its unprocessed deposits, and pay everything out.
    Exit(exit_cmd::ExitArgs),
    /// Benchmarks of the L1 side (gas).
    #[command(subcommand)]
    Bench(bench_gas::BenchCommand),
    /// The node at a glance: blocks per stage, queues, prover leases and workers, and the
    /// operator's L1 balance.
    Status(status_cmd::StatusArgs),
    /// A wallet over the node's JSON-RPC and L1: balances, deposits, transfers, withdrawals,
    /// swaps, NFTs, exits. The key comes from `--key` or `TERN_WALLET_KEY`.
    Wallet(wallet::WalletArgs),
}

#[derive(Subcommand)]
enum SpecCommand {
    /// Write the conformance vectors (`docs/spec/vectors/*.json`) into a directory.
    Vectors {
        /// Directory to write into; created if missing.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum CryptoCommand {
    /// Poseidon (circomlib parameters) of 1 to 12 decimal field elements; prints the hash in
    /// decimal.
    Poseidon {
        /// Decimal field elements.
        #[arg(required = true, num_args = 1..)]
        inputs: Vec<String>,
    },
    /// Make an EdDSA-Poseidon (Baby Jubjub) key: random, or derived as sha256(seed).
    Keygen {
        /// Hex seed (0x prefix optional) for a deterministic key.
        #[arg(long)]
        seed: Option<String>,
    },
    /// Sign a field element; prints the 64-byte packed signature as 0x-hex.
    Sign {
        /// 32-byte private key, 0x-hex.
        #[arg(long)]
        key: String,
        /// Message: a decimal field element.
        #[arg(long)]
        msg: String,
    },
    /// Verify a signature; prints `valid` (exit 0) or `invalid` (exit 1). A key, message or
    /// signature that is not well formed is a usage error (exit 2).
    Verify {
        /// 32-byte packed public key, 0x-hex.
        #[arg(long)]
        pubkey: String,
        /// Message: a decimal field element.
        #[arg(long)]
        msg: String,
        /// 64-byte packed signature, 0x-hex.
        #[arg(long)]
        sig: String,
    },
}

fn hex_bytes(s: &str) -> Result<Vec<u8>> {
    let s = s.trim();
    let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    hex::decode(s).with_context(|| format!("{s:?} is not hex"))
}

fn hex_array<const N: usize>(s: &str, what: &str) -> Result<[u8; N]> {
    let bytes = hex_bytes(s)?;
    bytes
        .as_slice()
        .try_into()
        .with_context(|| format!("{what} must be {N} bytes, got {}", bytes.len()))
}

fn field(s: &str) -> Result<Fr> {
    fr_from_decimal(s).with_context(|| format!("message {s:?}"))
}

fn crypto(cmd: CryptoCommand) -> Result<ExitCode> {
    match cmd {
        CryptoCommand::Poseidon { inputs } => {
            let xs = inputs.iter().map(|s| fr_from_decimal(s)).collect::<Result<Vec<_>, _>>()?;
            println!("{}", fr_to_decimal(&poseidon::poseidon(&xs)?));
        }
        CryptoCommand::Keygen { seed } => {
            let key = match seed {
                Some(seed) => PrivateKey::from_seed(&hex_bytes(&seed)?),
                None => {
                    let mut bytes = [0u8; 32];
                    getrandom::getrandom(&mut bytes).context("reading the OS random source")?;
                    PrivateKey::from_bytes(bytes)
                }
            };
            let public = key.public_key();
            println!("private_key: 0x{}", hex::encode(key.to_bytes()));
            println!("public_key: 0x{}", hex::encode(public.pack()));
            println!("pubkey_hash: {}", public.hash());
        }
        CryptoCommand::Sign { key, msg } => {
            let key = PrivateKey::from_bytes(hex_array::<32>(&key, "private key")?);
            println!("0x{}", hex::encode(key.sign(field(&msg)?).pack()));
        }
        CryptoCommand::Verify { pubkey, msg, sig } => {
            // A key, message or signature that is not well formed is a usage error (exit 2,
            // naming what is malformed); only a well-formed signature that does not verify
            // is `invalid`.
            let pk = hex_array::<32>(&pubkey, "public key")
                .and_then(|b| PublicKey::unpack(&b).map_err(anyhow::Error::from))
                .context("malformed public key (--pubkey)")?;
            let msg = field(&msg).context("malformed message (--msg)")?;
            let sig = hex_array::<64>(&sig, "signature")
                .and_then(|b| Signature::unpack(&b).map_err(anyhow::Error::from))
                .context("malformed signature (--sig)")?;
            return Ok(if pk.verify(msg, &sig) {
                println!("valid");
                ExitCode::SUCCESS
            } else {
                println!("invalid");
                ExitCode::from(1)
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Demo { json: false } => {
            print!("{}", tern_state::demo::run()?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { json: true } => {
            let blocks = tern_state::demo::blocks()?
                .iter()
                .map(tern_vectors::block_json)
                .collect::<Result<Vec<_>, _>>()?;
            print!("{}", tern_vectors::json::render(&serde_json::Value::Array(blocks)));
            Ok(ExitCode::SUCCESS)
        }
        Command::Spec(SpecCommand::Vectors { out }) => {
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            for (name, text) in tern_vectors::all()? {
                let path = out.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("{}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Crypto(cmd) => crypto(cmd),
        Command::Circuit(cmd) => circuit_cmd::run(cmd),
        Command::Prover(cmd) => prover_cmd::run(cmd),
        Command::Bench(cmd) => bench_gas::run(cmd),
        Command::Deploy(args) => deploy_cmd::run(args),
        Command::Devnet(args) => devnet_cmd::run(args),
        Command::Node(options) => node_cmd::run(options),
        Command::Restore(args) => restore_cmd::run(args),
        Command::Exit(args) => exit_cmd::run(args),
        Command::Wallet(args) => wallet::run(args),
        Command::Status(args) => status_cmd::run(args),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
