//! Transfers ETH on a running Tern node and waits until a block holds it.
//!
//! ```text
//! TERN_WALLET_KEY=0x… cargo run -p tern-sdk --example transfer -- 0xRECIPIENT 0.25
//! ```
//!
//! `TERN_RPC` names the node (default `http://127.0.0.1:3030`). The sender's account must
//! exist and hold ETH (deposit with `tern wallet deposit`); its L2 key is set here if it is not
//! set yet.

use anyhow::{Context, Result};
use tern_sdk::{FeeChoice, Provider, SdkError, Wallet};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let to = args.next().context("usage: transfer RECIPIENT AMOUNT")?;
    let amount = args.next().context("usage: transfer RECIPIENT AMOUNT")?;
    let key = std::env::var("TERN_WALLET_KEY").context("set TERN_WALLET_KEY")?;
    let rpc = std::env::var("TERN_RPC").unwrap_or_else(|_| "http://127.0.0.1:3030".to_owned());

    let mut wallet = Wallet::new(Provider::new(&rpc)?, &key).await?;
    let eth = wallet.token("ETH")?;
    let to = to.parse().with_context(|| format!("{to:?} is not an address"))?;
    let amount = eth.parse(&amount)?;

    let transfer = match wallet.transfer(to, &eth, amount, FeeChoice::Auto).await {
        Err(SdkError::KeyNotSet(_)) => {
            // A new account must set its L2 key once before it can send.
            let cpk = wallet.change_pubkey(&eth, FeeChoice::Auto).await?;
            println!("ChangePubKey {} submitted", cpk.hash);
            wallet.provider().wait_committed(cpk.hash).await?;
            wallet.transfer(to, &eth, amount, FeeChoice::Auto).await?
        }
        other => other?,
    };
    println!("transfer of {} submitted: {}", eth.show(amount), transfer.hash);
    let info = wallet.provider().wait_committed(transfer.hash).await?;
    println!("in block {:?}", info.block.map(|b| b.block_number));
    Ok(())
}
