//! One function per `tern wallet` command; each calls the SDK and prints through
//! [`super::output`].

use super::args::{Auth, FeeArgs, FeeTokenArgs, NftCommand, WalletArgs, WalletCommand};
use super::output::{self, emit};
use alloy_primitives::Address;
use anyhow::{bail, Context, Result};
use serde_json::json;
use tern_rpc::types::{OrderJson, TxHash, TxJson};
use tern_sdk::history::{now_secs, History, HistoryEntry};
use tern_sdk::{AuthKind, FeeChoice, L1Receipt, Submitted, Token, Wallet};
use tern_types::NftId;

struct Cx {
    wallet: Wallet,
    json: bool,
    history: History,
}

fn address(s: &str) -> Result<Address> {
    s.parse().with_context(|| format!("{s:?} is not an address"))
}

fn address_or(s: Option<&str>, default: Address) -> Result<Address> {
    s.map_or(Ok(default), address)
}

/// Runs the command `args` names.
pub(super) async fn dispatch(args: WalletArgs) -> Result<()> {
    if matches!(args.command, WalletCommand::Address) {
        return show_address(&args).await;
    }
    let wallet = super::connect(&args).await?;
    let history = History::new(&super::history_dir(), wallet.address());
    let mut cx = Cx { wallet, json: args.json, history };
    match args.command {
        WalletCommand::Address => Ok(()),
        WalletCommand::Balance { address } => balance(&cx, address.as_deref()).await,
        WalletCommand::Deposit { token, amount, to, wait } => {
            deposit(&mut cx, &token, &amount, to.as_deref(), wait).await
        }
        WalletCommand::ChangePubkey { auth, fee } => change_pubkey(&mut cx, auth, &fee).await,
        WalletCommand::Transfer { to, token, amount, fee, sign_only } => {
            transfer(&mut cx, &to, &token, &amount, &fee, sign_only).await
        }
        WalletCommand::Withdraw { token, amount, to, fee } => {
            withdraw(&mut cx, &token, &amount, to.as_deref(), &fee).await
        }
        WalletCommand::ForcedExit { target, token, fee } => {
            forced_exit(&mut cx, &target, &token, &fee).await
        }
        WalletCommand::FullExit { token, account_id } => {
            full_exit(&mut cx, &token, account_id).await
        }
        WalletCommand::Claim { token } => claim(&mut cx, &token).await,
        WalletCommand::Order { sell, buy, ratio, amount } => {
            order(&mut cx, &sell, &buy, &ratio, amount.as_deref()).await
        }
        WalletCommand::Swap { order_a, order_b, amount_a, amount_b, fee } => {
            swap(&mut cx, [&order_a, &order_b], [&amount_a, &amount_b], &fee).await
        }
        WalletCommand::Nft(cmd) => nft(&mut cx, cmd).await,
        WalletCommand::History => show_history(&cx).await,
        WalletCommand::Wait { hash, verified } => wait(&cx, &hash, verified).await,
    }
}

/// The address needs only the key; the L2 key hash also needs the chain (from the flags, the
/// devnet file or the node), and is left out when none answers.
async fn show_address(args: &WalletArgs) -> Result<()> {
    let key = tern_sdk::wallet::parse_eth_key(&args.key)?;
    let address = tern_primitives::eth::address_of(&key);
    let pkh = super::connect(args).await.ok().map(|w| w.pubkey_hash().to_string());
    let text = match &pkh {
        Some(pkh) => format!("address: {address}\nL2 key hash: {pkh}"),
        None => {
            format!("address: {address}\nL2 key hash: unknown (no chain: pass --devnet or --rpc)")
        }
    };
    emit(args.json, &json!({ "address": address.to_string(), "pubkey_hash": pkh }), &text);
    Ok(())
}

async fn balance(cx: &Cx, who: Option<&str>) -> Result<()> {
    let who = address_or(who, cx.wallet.address())?;
    let info = cx.wallet.provider().account_info(who).await?;
    let value = serde_json::to_value(&info).context("account_info as JSON")?;
    emit(cx.json, &value, &output::account_text(&cx.wallet, &info));
    Ok(())
}

fn record(cx: &Cx, kind: &str, hash: String, serial_id: Option<u64>, summary: &str) {
    let entry = HistoryEntry {
        kind: kind.to_owned(),
        hash,
        serial_id,
        summary: summary.to_owned(),
        time: now_secs(),
    };
    // The transaction is already sent; a history that cannot be written must not turn that
    // into a failure, only be reported.
    if let Err(e) = cx.history.append(&entry) {
        eprintln!("warning: history not recorded: {e}");
    }
}

/// Records, optionally waits for the block, and prints a submitted transaction.
async fn finish(cx: &Cx, s: &Submitted, what: &str, wait: bool) -> Result<()> {
    record(cx, s.tx.name(), s.hash.to_string(), None, what);
    let mut value = output::submitted(s);
    let mut text = output::submitted_text(&cx.wallet, s, what);
    if wait {
        let info = cx.wallet.provider().wait_committed(s.hash).await?;
        value["block"] = json!(info.block.map(|b| b.block_number));
        text.push_str(&format!("\n{}", output::tx_state(&info)));
    }
    emit(cx.json, &value, &text);
    Ok(())
}

fn fee(f: &FeeArgs, token: &Token) -> Result<FeeChoice> {
    FeeChoice::parse(&f.fee, token).with_context(|| format!("--fee {:?}", f.fee))
}

fn amount(token: &Token, amount: &str) -> Result<u128> {
    token.parse(amount).with_context(|| format!("--amount {amount:?} of {}", token.symbol))
}

async fn deposit(
    cx: &mut Cx,
    token: &str,
    amount_s: &str,
    to: Option<&str>,
    wait: bool,
) -> Result<()> {
    let token = cx.wallet.token(token)?;
    let value = amount(&token, amount_s)?;
    let to = address_or(to, cx.wallet.address())?;
    let r = cx.wallet.deposit(&token, value, to).await?;
    let what = format!("deposit of {} to {to}", token.show(value));
    l1_finish(cx, "Deposit", &r, &what, wait).await
}

async fn l1_finish(cx: &Cx, kind: &str, r: &L1Receipt, what: &str, wait: bool) -> Result<()> {
    let hash = r.tx_hash.map_or_else(String::new, |h| h.to_string());
    record(cx, kind, hash, r.serial_id, what);
    let mut value = output::l1_receipt(r);
    let mut text = output::l1_text(r, what);
    if let (true, Some(serial)) = (wait, r.serial_id) {
        let info = cx.wallet.provider().wait_ethop(serial, false).await?;
        value["block"] = json!(info.block.map(|b| b.block_number));
        if let Some(b) = info.block {
            text.push_str(&format!("\nprocessed in L2 block {}", b.block_number));
        }
    }
    emit(cx.json, &value, &text);
    Ok(())
}

async fn change_pubkey(cx: &mut Cx, auth: Auth, f: &FeeTokenArgs) -> Result<()> {
    let token = cx.wallet.token(&f.fee_token)?;
    let fee = fee(&f.fee, &token)?;
    let kind = match auth {
        Auth::Ecdsa => AuthKind::Ecdsa,
        Auth::Eip712 => AuthKind::Eip712,
        Auth::Onchain => {
            let wait = std::time::Duration::from_secs(120);
            let (l1, s) = cx.wallet.change_pubkey_onchain(&token, fee, wait).await?;
            let what = format!(
                "L2 key {}, authorised on L1 in block {}{}",
                cx.wallet.pubkey_hash(),
                l1.block_number,
                l1.tx_hash.map_or_else(String::new, |h| format!(" (transaction {h})"))
            );
            return finish(cx, &s, &what, f.fee.wait).await;
        }
    };
    let tx = cx.wallet.sign_change_pubkey_with(kind, &token, fee).await?;
    let s = cx.wallet.submit(tx).await?;
    let what = format!("L2 key {}", cx.wallet.pubkey_hash());
    finish(cx, &s, &what, f.fee.wait).await
}

async fn transfer(
    cx: &mut Cx,
    to: &str,
    token: &str,
    amount_s: &str,
    f: &FeeArgs,
    sign_only: bool,
) -> Result<()> {
    let token = cx.wallet.token(token)?;
    let (to, value) = (address(to)?, amount(&token, amount_s)?);
    let tx = cx.wallet.sign_transfer(to, &token, value, fee(f, &token)?).await?;
    if sign_only {
        // Exactly `tx_submit`'s first two parameters.
        let signed = json!({ "tx": TxJson::from(&tx), "signature": null });
        let text = serde_json::to_string_pretty(&signed).context("transaction as JSON")?;
        emit(cx.json, &signed, &text);
        return Ok(());
    }
    let s = cx.wallet.submit(tx).await?;
    finish(cx, &s, &format!("{} to {to}", token.show(value)), f.wait).await
}

async fn withdraw(
    cx: &mut Cx,
    token: &str,
    amount_s: &str,
    to: Option<&str>,
    f: &FeeArgs,
) -> Result<()> {
    let token = cx.wallet.token(token)?;
    let (to, value) = (address_or(to, cx.wallet.address())?, amount(&token, amount_s)?);
    let s = cx.wallet.withdraw(to, &token, value, fee(f, &token)?).await?;
    finish(cx, &s, &format!("{} to {to} on L1", token.show(value)), f.wait).await
}

async fn forced_exit(cx: &mut Cx, target: &str, token: &str, f: &FeeArgs) -> Result<()> {
    let token = cx.wallet.token(token)?;
    let target = address(target)?;
    let s = cx.wallet.forced_exit(target, &token, fee(f, &token)?).await?;
    finish(cx, &s, &format!("all {} of {target}", token.symbol), f.wait).await
}

async fn full_exit(cx: &mut Cx, token: &str, account_id: Option<u32>) -> Result<()> {
    let token = cx.wallet.token(token)?;
    let r = cx.wallet.full_exit(&token, account_id.map(tern_types::AccountId)).await?;
    l1_finish(cx, "FullExit", &r, &format!("full exit of {}", token.symbol), false).await
}

async fn claim(cx: &mut Cx, token: &str) -> Result<()> {
    let token = cx.wallet.token(token)?;
    let (r, value) = cx.wallet.claim(&token).await?;
    let what = format!("claimed {}", token.show(value));
    record(cx, "Claim", r.tx_hash.map_or_else(String::new, |h| h.to_string()), None, &what);
    let mut v = output::l1_receipt(&r);
    v["amount"] = json!(value.to_string());
    emit(cx.json, &v, &output::l1_text(&r, &what));
    Ok(())
}

/// `SELL:BUY` in each token's units, as base units.
fn ratio(s: &str, sell: &Token, buy: &Token) -> Result<(u128, u128)> {
    let (a, b) = s.split_once(':').with_context(|| format!("--ratio {s:?} is not SELL:BUY"))?;
    Ok((amount(sell, a)?, amount(buy, b)?))
}

async fn order(cx: &mut Cx, sell: &str, buy: &str, r: &str, amt: Option<&str>) -> Result<()> {
    let (sell, buy) = (cx.wallet.token(sell)?, cx.wallet.token(buy)?);
    let ratio = ratio(r, &sell, &buy)?;
    let value = amt.map(|a| amount(&sell, a)).transpose()?.unwrap_or(0);
    let signed = cx.wallet.sign_order(&sell, &buy, ratio, value).await?;
    let order = tern_sdk::orders::order_to_json(&signed)?;
    let value = serde_json::to_value(&order).context("order as JSON")?;
    let text = serde_json::to_string_pretty(&value).context("order as JSON")?;
    emit(cx.json, &value, &text);
    Ok(())
}

/// An order's JSON, inline or `@FILE`.
fn read_order(s: &str) -> Result<OrderJson> {
    let text = match s.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?,
        None => s.to_owned(),
    };
    serde_json::from_str(&text).context("an order is the JSON that `tern wallet order` prints")
}

async fn swap(cx: &mut Cx, orders: [&str; 2], amounts: [&str; 2], f: &FeeTokenArgs) -> Result<()> {
    let mut signed = Vec::new();
    let mut sells = Vec::new();
    for (o, a) in orders.into_iter().zip(amounts) {
        let order = tern_sdk::orders::order_from_json(&read_order(o)?)?;
        let sell = cx.wallet.tokens().by_id(order.tx.token_sell)?.clone();
        sells.push(amount(&sell, a)?);
        signed.push(order);
    }
    let (Ok(orders), Ok(amounts)) = (<[_; 2]>::try_from(signed), <[u128; 2]>::try_from(sells))
    else {
        bail!("a swap takes exactly two orders");
    };
    let token = cx.wallet.token(&f.fee_token)?;
    let s = cx.wallet.swap(orders, amounts, &token, fee(&f.fee, &token)?).await?;
    finish(cx, &s, "swap of two orders", f.fee.wait).await
}

fn content_hash(s: &str) -> Result<[u8; 32]> {
    let body = s.strip_prefix("0x").unwrap_or(s);
    let bytes = hex::decode(body).with_context(|| format!("--content-hash {s:?} is not hex"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("--content-hash must be 32 bytes, got {}", bytes.len()))
}

async fn nft(cx: &mut Cx, cmd: NftCommand) -> Result<()> {
    let me = cx.wallet.address();
    let (s, what, f) = match cmd {
        NftCommand::Mint { content_hash: h, to, fee: f } => {
            let (token, to) = (cx.wallet.token(&f.fee_token)?, address_or(to.as_deref(), me)?);
            let fee = fee(&f.fee, &token)?;
            let s = cx.wallet.mint_nft(to, content_hash(&h)?, &token, fee).await?;
            (s, format!("NFT {h} to {to}"), f)
        }
        NftCommand::Transfer { id, to, fee: f } => {
            let (token, to) = (cx.wallet.token(&f.fee_token)?, address(&to)?);
            let fee = fee(&f.fee, &token)?;
            let s = cx.wallet.transfer_nft(to, NftId(id), &token, fee).await?;
            (s, format!("NFT {id} to {to}"), f)
        }
        NftCommand::Withdraw { id, to, fee: f } => {
            let (token, to) = (cx.wallet.token(&f.fee_token)?, address_or(to.as_deref(), me)?);
            let fee = fee(&f.fee, &token)?;
            let s = cx.wallet.withdraw_nft(to, NftId(id), &token, fee).await?;
            (s, format!("NFT {id} to {to} on L1"), f)
        }
    };
    finish(cx, &s, &what, f.fee.wait).await
}

async fn show_history(cx: &Cx) -> Result<()> {
    let mut rows = Vec::new();
    let mut text = Vec::new();
    for e in cx.history.entries()? {
        let state = entry_state(cx, &e).await;
        text.push(format!("{} {}: {} [{state}]", e.kind, e.hash, e.summary));
        rows.push(json!({ "entry": e, "state": state }));
    }
    if text.is_empty() {
        text.push("no transactions sent from this machine".to_owned());
    }
    emit(
        cx.json,
        &json!({ "address": cx.wallet.address().to_string(), "history": rows }),
        &text.join("\n"),
    );
    Ok(())
}

/// Where an entry stands, as the node says now (`unknown` if it cannot say).
async fn entry_state(cx: &Cx, e: &HistoryEntry) -> String {
    let provider = cx.wallet.provider();
    if let Some(serial) = e.serial_id {
        return match provider.ethop_info(serial).await {
            Ok(i) => {
                i.block.map_or("queued".to_owned(), |b| format!("in block {}", b.block_number))
            }
            Err(_) => "unknown".to_owned(),
        };
    }
    match e.hash.parse::<TxHash>() {
        Ok(hash) if e.kind != "Claim" => provider
            .tx_info(hash)
            .await
            .map_or_else(|_| "unknown".to_owned(), |i| output::tx_state(&i)),
        _ => "on L1".to_owned(),
    }
}

async fn wait(cx: &Cx, hash: &str, verified: bool) -> Result<()> {
    let hash: TxHash =
        hash.parse().map_err(|e| anyhow::anyhow!("{hash:?} is not a transaction hash: {e}"))?;
    let provider = cx.wallet.provider();
    let info = if verified {
        provider.wait_verified(hash).await?
    } else {
        provider.wait_committed(hash).await?
    };
    let value = serde_json::to_value(&info).context("tx_info as JSON")?;
    emit(cx.json, &value, &output::tx_state(&info));
    Ok(())
}
