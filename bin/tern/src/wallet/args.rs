//! `tern wallet`'s arguments.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Arguments of `tern wallet`.
#[derive(Args)]
pub(crate) struct WalletArgs {
    /// The node's JSON-RPC endpoint over HTTP.
    #[arg(long, env = "TERN_RPC")]
    pub(crate) rpc: Option<String>,
    /// The node's WebSocket endpoint, for waiting by subscription.
    #[arg(long, env = "TERN_RPC_WS")]
    pub(crate) ws: Option<String>,
    /// The L1 JSON-RPC endpoint, for deposits, full exits and claims.
    #[arg(long, env = "TERN_L1_RPC")]
    pub(crate) l1_rpc: Option<String>,
    /// A devnet directory: endpoints, chain, contract and tokens from `DIR/devnet.json`.
    #[arg(long, env = "TERN_DEVNET")]
    pub(crate) devnet: Option<PathBuf>,
    /// L1 chain id and rollup contract, to work without asking the node (with --contract).
    #[arg(long, requires = "contract")]
    pub(crate) chain_id: Option<u64>,
    /// The rollup contract (with --chain-id).
    #[arg(long, requires = "chain_id")]
    pub(crate) contract: Option<String>,
    /// The wallet's Ethereum private key (0x-hex, 32 bytes).
    #[arg(long, env = "TERN_WALLET_KEY", hide_env_values = true)]
    pub(crate) key: String,
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Seconds a wait lasts.
    #[arg(long, global = true, default_value_t = 120)]
    pub(crate) timeout: u64,
    #[command(subcommand)]
    pub(crate) command: WalletCommand,
}

/// A fee in the fee token's units, or `auto` (the node's quote).
#[derive(Args, Clone)]
pub(crate) struct FeeArgs {
    /// The fee: `auto`, or an amount of the fee token (`0.001`).
    #[arg(long, default_value = "auto")]
    pub(crate) fee: String,
    /// Wait until the transaction's block is sealed before returning.
    #[arg(long)]
    pub(crate) wait: bool,
}

/// A fee paid in a token of the caller's choice.
#[derive(Args, Clone)]
pub(crate) struct FeeTokenArgs {
    /// The token the fee is paid in.
    #[arg(long, default_value = "ETH")]
    pub(crate) fee_token: String,
    #[command(flatten)]
    pub(crate) fee: FeeArgs,
}

/// `change-pubkey --auth`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Auth {
    /// EIP-191 `personal_sign`.
    Ecdsa,
    /// EIP-712 typed data.
    Eip712,
    /// A fact recorded on L1 beforehand.
    Onchain,
}

#[derive(Subcommand)]
pub(crate) enum WalletCommand {
    /// The wallet's address and L2 key hash.
    Address,
    /// An account's balances, nonce and key (the wallet's by default).
    Balance {
        /// Another address.
        address: Option<String>,
    },
    /// Deposit from L1 (ETH, or an ERC-20 after approving the rollup).
    Deposit {
        /// Token symbol, id or address.
        #[arg(long)]
        token: String,
        /// Amount in the token's units (`1.5`).
        #[arg(long)]
        amount: String,
        /// The L2 recipient (default: this wallet).
        #[arg(long)]
        to: Option<String>,
        /// Wait until a block has processed the deposit.
        #[arg(long)]
        wait: bool,
    },
    /// Set the account's L2 key (once, before any other L2 transaction).
    ChangePubkey {
        /// How L1 authorises it: an EIP-191 (`ecdsa`) or EIP-712 (`eip712`) signature in the
        /// block's calldata, or (`onchain`, the cheapest fee) `setAuthPubkeyHash` sent to L1
        /// first by this wallet (needs --l1-rpc or --devnet, and ETH on L1 for gas).
        #[arg(long, value_enum, default_value = "ecdsa")]
        auth: Auth,
        #[command(flatten)]
        fee: FeeTokenArgs,
    },
    /// Transfer on L2 (the fee is paid in the same token).
    Transfer {
        /// Recipient address.
        #[arg(long)]
        to: String,
        /// Token symbol, id or address.
        #[arg(long)]
        token: String,
        /// Amount in the token's units.
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        fee: FeeArgs,
        /// Print the signed transaction (`{"tx", "signature"}` as `tx_submit` takes them)
        /// instead of submitting it.
        #[arg(long)]
        sign_only: bool,
    },
    /// Withdraw from L2 to L1 (the fee is paid in the same token).
    Withdraw {
        /// Token symbol, id or address.
        #[arg(long)]
        token: String,
        /// Amount in the token's units.
        #[arg(long)]
        amount: String,
        /// The L1 recipient (default: this wallet).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        fee: FeeArgs,
    },
    /// Withdraw a keyless account's whole balance of a token to its own L1 address.
    ForcedExit {
        /// The keyless account's address.
        #[arg(long)]
        target: String,
        /// Token symbol, id or address (also the fee token).
        #[arg(long)]
        token: String,
        #[command(flatten)]
        fee: FeeArgs,
    },
    /// Request on L1 a full exit of a token (works while the node censors).
    FullExit {
        /// Token symbol, id or address.
        #[arg(long)]
        token: String,
        /// The wallet's account id (asked from the node if not given).
        #[arg(long)]
        account_id: Option<u32>,
    },
    /// Claim the wallet's pending balance of a token on L1.
    Claim {
        /// Token symbol, id or address.
        #[arg(long)]
        token: String,
    },
    /// Sign an order (prints its JSON for a swap; submits nothing).
    Order {
        /// Token sold.
        #[arg(long)]
        sell: String,
        /// Token bought.
        #[arg(long)]
        buy: String,
        /// Price as `SELL:BUY`, amounts in each token's units (`1:2000`).
        #[arg(long)]
        ratio: String,
        /// Exact amount to sell, in the sell token's units; omit for a limit order.
        #[arg(long)]
        amount: Option<String>,
    },
    /// Submit a swap of two signed orders (JSON, or `@FILE`), paying the fee.
    Swap {
        /// The first order.
        #[arg(long)]
        order_a: String,
        /// The second order.
        #[arg(long)]
        order_b: String,
        /// Amount the first order's account sells, in its sell token's units.
        #[arg(long)]
        amount_a: String,
        /// Amount the second order's account sells, in its sell token's units.
        #[arg(long)]
        amount_b: String,
        #[command(flatten)]
        fee: FeeTokenArgs,
    },
    /// NFTs: mint, transfer, withdraw.
    #[command(subcommand)]
    Nft(NftCommand),
    /// Transactions this wallet submitted from this machine, with where they stand.
    History,
    /// Wait until a transaction's block is sealed (or executed on L1 with --verified).
    Wait {
        /// The transaction hash (0x-hex).
        hash: String,
        /// Wait for execution on L1.
        #[arg(long)]
        verified: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum NftCommand {
    /// Mint an NFT.
    Mint {
        /// Content hash, 32 bytes of 0x-hex.
        #[arg(long)]
        content_hash: String,
        /// Recipient (default: this wallet).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        fee: FeeTokenArgs,
    },
    /// Transfer an NFT.
    Transfer {
        /// NFT id.
        #[arg(long)]
        id: u32,
        /// Recipient.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        fee: FeeTokenArgs,
    },
    /// Withdraw an NFT to L1.
    Withdraw {
        /// NFT id.
        #[arg(long)]
        id: u32,
        /// The L1 recipient (default: this wallet).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        fee: FeeTokenArgs,
    },
}
