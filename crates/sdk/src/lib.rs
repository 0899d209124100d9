//! Tern's SDK: what a wallet, a script or the `tern wallet` command needs to use a Tern rollup.
//!
//! - [`provider`]: [`Provider`], the node's JSON-RPC API (`tern-rpc`'s types and typed client)
//!   with waits for a transaction's block ([`Provider::wait_committed`],
//!   [`Provider::wait_verified`]).
//! - [`wallet`]: [`Wallet`], an Ethereum key and the L2 key derived from it
//!   (`tern_primitives::keys`); it signs and submits every L2 transaction (ChangePubKey,
//!   transfer, withdraw, forced exit, orders and swaps, NFT mint / transfer / withdraw, atomic
//!   batches), with the node's fee quote by default ([`FeeChoice::Auto`]), and does the L1 calls.
//! - [`l1`]: the L1 side ([`L1Wallet`]): deposits, full exits and pending-balance claims, which
//!   need no Tern node.
//! - [`amount`]: decimal amounts at the edge (`"1.5"` ETH) to exact base units and back, with
//!   typed errors ([`AmountError`]).
//! - [`tokens`]: the listed tokens, looked up by symbol, id or L1 address ([`TokenList`]).
//! - [`orders`]: swap orders as JSON, between a maker and a submitter.
//! - [`network`]: endpoints from a devnet's `devnet.json` ([`DevnetInfo`]).
//! - [`history`]: the local record of what a wallet submitted.
//! - [`error`]: the error type, [`SdkError`].
//!
//! ```no_run
//! # async fn f() -> Result<(), tern_sdk::SdkError> {
//! use tern_sdk::{FeeChoice, Provider, Wallet};
//! let provider = Provider::new("http://127.0.0.1:3030")?.with_ws("ws://127.0.0.1:3031");
//! let mut wallet = Wallet::new(provider, "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
//!     .await?
//!     .with_l1("http://127.0.0.1:8545");
//! let eth = wallet.token("ETH")?;
//! wallet.deposit(&eth, eth.parse("1")?, wallet.address()).await?;
//! let cpk = wallet.change_pubkey(&eth, FeeChoice::Auto).await?;
//! wallet.provider().wait_committed(cpk.hash).await?;
//! let to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse().expect("address");
//! let sent = wallet.transfer(to, &eth, eth.parse("0.25")?, FeeChoice::Auto).await?;
//! wallet.provider().wait_committed(sent.hash).await?;
//! # Ok(()) }
//! ```

pub mod amount;
pub mod error;
pub mod history;
pub mod l1;
pub mod network;
pub mod orders;
pub mod provider;
pub mod tokens;
pub mod wallet;

pub use amount::{format_units, parse_units, AmountError, Units};
pub use error::SdkError;
pub use l1::{L1Receipt, L1Wallet};
pub use network::{DevnetInfo, DevnetToken};
pub use provider::Provider;
pub use tern_state::wallet::AuthKind;
pub use tokens::{Token, TokenList};
pub use wallet::{FeeChoice, Submitted, Wallet};
