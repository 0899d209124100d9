//! Tern's SDK: what a wallet, a script or the `tern wallet` command needs to use a Tern rollup.
//!
//! - [`amount`]: decimal amounts at the edge (`"1.5"` ETH) to exact base units and back, with
//!   typed errors ([`AmountError`]).
//! - [`tokens`]: the listed tokens, looked up by symbol, id or L1 address ([`TokenList`]).
//! - [`l1`]: the L1 side ([`L1Wallet`]): deposits, full exits and pending-balance claims, which
//!   need no Tern node.
//! - [`network`]: endpoints from a devnet's `devnet.json` ([`DevnetInfo`]).
//! - [`error`]: [`SdkError`].

pub mod amount;
pub mod error;
pub mod l1;
pub mod network;
pub mod tokens;

pub use amount::{format_units, parse_units, AmountError, Units};
pub use error::SdkError;
pub use l1::{L1Receipt, L1Wallet};
pub use network::{DevnetInfo, DevnetToken};
pub use tokens::{Token, TokenList};
