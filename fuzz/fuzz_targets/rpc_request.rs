//! JSON-RPC request decoding, as the node's server does it before any method runs: the
//! envelope (jsonrpsee's `Request`, or a batch of them), then each method's positional
//! parameters into Tern's parameter types, then a submitted transaction (JSON object or `0x`
//! wire hex) into a `SignedTx`. Hostile bytes must give errors, never a panic; a transaction
//! that converts must convert the same way from its JSON and wire forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;
use tern_rpc::codec::{Addr, TxHash};
use tern_rpc::jsonrpsee::types::Request;
use tern_rpc::tx::{BatchTx, TxParam};
use tern_rpc::types::FeeType;

/// Parameter `i` of `params` as `T` (missing is JSON null, as jsonrpsee reads an absent
/// optional parameter).
fn param<T: DeserializeOwned>(params: &[Value], i: usize) -> Option<T> {
    serde_json::from_value(params.get(i).cloned().unwrap_or(Value::Null)).ok()
}

fn check_tx(tx: &TxParam) {
    let Ok(signed) = tx.to_signed() else { return };
    let json = TxParam::json(&signed);
    assert_eq!(json.to_signed().as_ref(), Ok(&signed), "the JSON form converts back");
    assert_eq!(TxParam::wire(&signed).to_signed().as_ref(), Ok(&signed), "the wire form too");
    let text = serde_json::to_value(&json).expect("a transaction serialises");
    let again: TxParam = serde_json::from_value(text).expect("its JSON parses");
    assert_eq!(again.to_signed().as_ref(), Ok(&signed), "and survives a JSON round trip");
    let _ = signed.hash();
}

fn method(name: &str, params: &[Value]) {
    match name {
        "tx_submit" => {
            if let Some(tx) = param::<TxParam>(params, 0) {
                check_tx(&tx);
            }
            let _ = param::<Option<Value>>(params, 1);
            let _ = param::<Option<bool>>(params, 2);
        }
        "submit_txs_batch" => {
            for tx in param::<Vec<BatchTx>>(params, 0).unwrap_or_default() {
                check_tx(&tx.0);
            }
        }
        "account_info" => {
            let _ = param::<Addr>(params, 0);
        }
        "tx_info" | "get_eth_tx_for_withdrawal" => {
            let _ = param::<TxHash>(params, 0);
        }
        "get_tx_fee" => {
            let _ = param::<FeeType>(params, 0);
            let _ = param::<Addr>(params, 1);
        }
        "get_txs_batch_fee_in_wei" => {
            let _ = param::<Vec<FeeType>>(params, 0);
            let _ = param::<Vec<Addr>>(params, 1);
        }
        _ => {
            let _ = param::<u64>(params, 0);
        }
    }
}

fn request(raw: &str) {
    let Ok(req) = serde_json::from_str::<Request<'_>>(raw) else { return };
    let params: Vec<Value> = match req.params.as_ref().map(|p| p.get()) {
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Array(items)) => items,
            Ok(other) => vec![other],
            Err(_) => return,
        },
        None => vec![],
    };
    method(&req.method, &params);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.trim_start().starts_with('[') {
        let Ok(batch) = serde_json::from_str::<Vec<&RawValue>>(text) else { return };
        batch.iter().for_each(|r| request(r.get()));
    } else {
        request(text);
    }
});
