//! The devnet's ten dev accounts: keys derived from a fixed label, funded on L1 with ETH and
//! both faucet tokens, each of which is also deposited into L2, and with their L2 key set by
//! ChangePubKey.
//!
//! Every funding step first looks whether it is already done (an L1 balance, an L2 account,
//! a key hash), so a first start interrupted half-way finishes the job the next time instead
//! of paying twice.

use crate::deploy::{mint, DeploymentRecord};
use crate::{DevnetError, Event, Report};
use alloy_network::TransactionBuilder;
use alloy_primitives::{keccak256, Address, U256};
use alloy_provider::Provider as _;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use serde::Serialize;
use tern_l1::{EthChain, RpcL1};
use tern_primitives::eddsa::PubKeyHash;
use tern_rpc::types::TxHash;
use tern_sdk::{FeeChoice, L1Wallet, Provider, Token, TokenList, Wallet};
use tern_types::ETH;

/// One dev account, as `devnet.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DevAccount {
    /// Its Ethereum address.
    pub address: Address,
    /// Its Ethereum private key (0x-hex): public knowledge, for development only.
    pub private_key: String,
    /// Its L2 account id (once its first deposit is in a block).
    pub account_id: Option<u32>,
}

/// Each account's L1 ETH, and what it deposits of it.
const L1_ETH: u128 = 100 * 10u128.pow(18);
const L2_ETH: u128 = 10 * 10u128.pow(18);
/// Whole tokens minted on L1 and deposited, in units of the token's decimals.
const L1_TOKENS: u128 = 1_000_000;
const L2_TOKENS: u128 = 10_000;

/// The key of dev account `index`: keccak256 of a fixed label, the same on every devnet.
pub fn dev_key(index: usize) -> PrivateKeySigner {
    let mut counter = 0u32;
    loop {
        let seed = keccak256(format!("tern devnet account {index} {counter}"));
        // A hash is a valid secp256k1 scalar but for a chance of about 2^-128.
        if let Ok(signer) = PrivateKeySigner::from_bytes(&seed) {
            return signer;
        }
        counter += 1;
    }
}

/// The first `count` dev accounts, without their L2 ids.
pub fn dev_accounts(count: usize) -> Vec<DevAccount> {
    (0..count)
        .map(|i| {
            let signer = dev_key(i);
            DevAccount {
                address: signer.address(),
                private_key: format!("0x{}", hex::encode(signer.to_bytes())),
                account_id: None,
            }
        })
        .collect()
}

/// The tokens the devnet lists, with their symbols and decimals (ETH first).
pub fn token_list(record: &DeploymentRecord) -> TokenList {
    let mut tokens =
        vec![Token { id: ETH, symbol: "ETH".into(), address: Address::ZERO, decimals: 18 }];
    tokens.extend(record.tokens.iter().map(|t| Token {
        id: tern_types::TokenId(t.id),
        symbol: t.symbol.clone(),
        address: t.address,
        decimals: t.decimals,
    }));
    TokenList::new(tokens)
}

/// Sends each account its L1 ETH from the operator. Runs before the node starts, since the
/// node's sender owns the operator's nonces once it runs.
pub async fn send_eth(operator: &RpcL1, accounts: &[DevAccount]) -> Result<(), DevnetError> {
    for account in accounts {
        let held = operator.eth_balance(account.address).await?;
        if held >= U256::from(L1_ETH / 2) {
            continue;
        }
        let tx = TransactionRequest::default()
            .with_to(account.address)
            .with_value(U256::from(L1_ETH) - held)
            .with_from(operator.signer_address());
        let pending = operator
            .provider()
            .send_transaction(tx)
            .await
            .map_err(|e| DevnetError::L1(format!("sending ETH to {}: {e}", account.address)))?;
        pending
            .get_receipt()
            .await
            .map_err(|e| DevnetError::L1(format!("sending ETH to {}: {e}", account.address)))?;
    }
    Ok(())
}

/// Mints and deposits each account's tokens, sets its L2 key, and fills in its L2 id.
pub async fn fund(
    l1_url: &str,
    provider: &Provider,
    record: &DeploymentRecord,
    accounts: &mut [DevAccount],
    report: &Report,
) -> Result<(), DevnetError> {
    let tokens = token_list(record);
    let total = accounts.len();
    for (i, account) in accounts.iter().enumerate() {
        report(Event::Funding { done: i, total, what: "deposits" });
        deposit_all(l1_url, provider, record, &tokens, account).await?;
    }
    // Every key change is submitted before any is waited for, so they share blocks.
    let mut pending = Vec::new();
    for (i, account) in accounts.iter_mut().enumerate() {
        report(Event::Funding { done: i, total, what: "ChangePubKey" });
        let (id, hash) = set_key(provider, &tokens, account).await?;
        account.account_id = Some(id);
        pending.extend(hash);
    }
    for hash in pending {
        provider.wait_committed(hash).await?;
    }
    report(Event::Funding { done: total, total, what: "done" });
    Ok(())
}

async fn deposit_all(
    l1_url: &str,
    provider: &Provider,
    record: &DeploymentRecord,
    tokens: &TokenList,
    account: &DevAccount,
) -> Result<(), DevnetError> {
    let info = provider.account_info(account.address).await?;
    if info.id.is_some() || !info.depositing.balances.is_empty() {
        return Ok(());
    }
    let signer: PrivateKeySigner = account
        .private_key
        .parse()
        .map_err(|e| DevnetError::State(format!("dev key of {}: {e}", account.address)))?;
    let wallet = L1Wallet::connect(l1_url, signer, record.contract).await?;
    for token in tokens.iter() {
        let unit = 10u128.pow(u32::from(token.decimals));
        let amount = if token.is_eth() {
            L2_ETH
        } else {
            mint(wallet.client(), token.address, account.address, U256::from(L1_TOKENS * unit))
                .await?;
            L2_TOKENS * unit
        };
        wallet.deposit(token, amount, account.address).await?;
    }
    Ok(())
}

/// Waits for the account's deposits to be in a block, then submits its ChangePubKey (paying
/// the quoted fee in ETH) unless its key is set; returns its account id and the hash.
async fn set_key(
    provider: &Provider,
    tokens: &TokenList,
    account: &DevAccount,
) -> Result<(u32, Option<TxHash>), DevnetError> {
    let id = wait_for_account(provider, account.address).await?;
    let mut wallet =
        Wallet::new(provider.clone(), &account.private_key).await?.with_tokens(tokens.clone());
    let info = wallet.sync().await?;
    if info.committed.pub_key_hash != PubKeyHash::default() {
        return Ok((id, None));
    }
    let eth = tokens.by_id(ETH)?.clone();
    let submitted = wallet.change_pubkey(&eth, FeeChoice::Auto).await?;
    Ok((id, Some(submitted.hash)))
}

async fn wait_for_account(provider: &Provider, address: Address) -> Result<u32, DevnetError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let info = provider.account_info(address).await?;
        // The ETH deposit came first; the account exists once it is in a block, and all
        // three deposits are once nothing is left depositing.
        if let (Some(id), true) = (info.id, info.depositing.balances.is_empty()) {
            return Ok(id);
        }
        if std::time::Instant::now() > deadline {
            return Err(DevnetError::State(format!(
                "the deposits to {address} were not in a block after 5 minutes; see the node's \
                 log"
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
