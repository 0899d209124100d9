//! What `tern wallet` prints: a line of text, or one JSON object with `--json`.

use serde_json::{json, Value};
use tern_rpc::types::{AccountInfo, AccountState, TxInfo};
use tern_sdk::{L1Receipt, Submitted, Wallet};

/// Prints `value` as one JSON object, or `text`.
pub(super) fn emit(json: bool, value: &Value, text: &str) {
    if json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

/// A submitted transaction: `{"hash", "fee", "fee_token", "type", "account_id", "nonce"}`.
pub(super) fn submitted(s: &Submitted) -> Value {
    json!({
        "hash": s.hash.to_string(),
        "fee": s.fee.to_string(),
        "fee_token": s.fee_token.0,
        "type": s.tx.name(),
        "account_id": s.tx.account_id().0,
        "nonce": s.tx.nonce(),
    })
}

/// A submitted transaction as a line.
pub(super) fn submitted_text(wallet: &Wallet, s: &Submitted, what: &str) -> String {
    format!(
        "{} submitted: {what}, fee {}\nhash: {}",
        s.tx.name(),
        wallet.show(s.fee_token, s.fee),
        s.hash
    )
}

/// An L1 request: `{"l1_tx_hash", "block_number", "serial_id"}`.
pub(super) fn l1_receipt(r: &L1Receipt) -> Value {
    json!({
        "l1_tx_hash": r.tx_hash.map(|h| h.to_string()),
        "block_number": r.block_number,
        "serial_id": r.serial_id,
    })
}

/// An L1 request as a line.
pub(super) fn l1_text(r: &L1Receipt, what: &str) -> String {
    let hash = r.tx_hash.map_or_else(|| "(no hash)".to_owned(), |h| h.to_string());
    let serial = r.serial_id.map_or_else(String::new, |s| format!(", priority request {s}"));
    format!("{what}: L1 transaction {hash} in block {}{serial}", r.block_number)
}

fn state_text(wallet: &Wallet, label: &str, s: &AccountState) -> String {
    let mut out = format!("{label}: nonce {}, key {}\n", s.nonce, s.pub_key_hash);
    if s.balances.is_empty() {
        out.push_str("  (no balances)\n");
    }
    for (symbol, amount) in &s.balances {
        let shown = wallet
            .tokens()
            .iter()
            .find(|t| &t.symbol == symbol || &tern_rpc::types::token_symbol(t.id.0) == symbol)
            .map_or_else(|| format!("{} {symbol}", amount.0), |t| t.show(amount.0));
        out.push_str(&format!("  {shown}\n"));
    }
    for id in s.nfts.keys() {
        out.push_str(&format!("  NFT {id}\n"));
    }
    out
}

/// `account_info` as text.
pub(super) fn account_text(wallet: &Wallet, info: &AccountInfo) -> String {
    let id = info.id.map_or_else(|| "no account yet".to_owned(), |id| format!("account {id}"));
    let mut out = format!("{} ({id})\n", info.address);
    out.push_str(&state_text(wallet, "committed", &info.committed));
    out.push_str(&state_text(wallet, "verified", &info.verified));
    for (symbol, d) in &info.depositing.balances {
        out.push_str(&format!("depositing: {} {symbol}\n", d.amount));
    }
    out.trim_end().to_owned()
}

/// Where a transaction stands, as a word.
pub(super) fn tx_state(info: &TxInfo) -> String {
    match (info.success, info.block) {
        (Some(false), _) => {
            format!("failed: {}", info.fail_reason.as_deref().unwrap_or("no reason given"))
        }
        (_, Some(b)) if b.verified => format!("verified in block {}", b.block_number),
        (_, Some(b)) if b.committed => format!("committed on L1 in block {}", b.block_number),
        (_, Some(b)) => format!("sealed in block {}", b.block_number),
        (_, None) => "queued".to_owned(),
    }
}
