//! Swap orders as JSON (`tern-rpc`'s [`OrderJson`], the form a swap carries them in): a maker
//! signs an order, hands its JSON to whoever submits the swap, who reads it back.
//!
//! `tern-rpc` converts orders only inside a swap, so both directions go through a swap that
//! carries the order twice; the order's fields and signature pass through unchanged.

use crate::error::SdkError;
use tern_rpc::types::{OrderJson, SwapJson, TxJson};
use tern_types::tx::{Order, Signed, Swap};
use tern_types::{AccountId, SignedTx, TimeRange};

/// An order's JSON.
pub fn order_to_json(order: &Signed<Order>) -> Result<OrderJson, SdkError> {
    let carrier = SignedTx::Swap(Box::new(Signed {
        tx: Swap {
            account_id: AccountId(0),
            orders: [order.clone(), order.clone()],
            amounts: [0, 0],
            fee_token: tern_types::ETH,
            fee: 0,
            nonce: 0,
            time_range: TimeRange::ALWAYS,
        },
        signature: order.signature.clone(),
    }));
    match TxJson::from(&carrier) {
        TxJson::Swap(s) => Ok(s.orders[0].clone()),
        other => Err(SdkError::Node(format!("a swap's JSON came out as {other:?}"))),
    }
}

/// An order from its JSON; the signature is parsed, not verified (see [`Signed::verify`]).
pub fn order_from_json(json: &OrderJson) -> Result<Signed<Order>, SdkError> {
    let carrier = TxJson::Swap(Box::new(SwapJson {
        submitter_id: 0,
        submitter_address: None,
        nonce: 0,
        orders: Box::new([json.clone(), json.clone()]),
        amounts: [0, 0],
        fee: 0,
        fee_token: 0,
        valid_from: 0,
        valid_until: u64::MAX,
        signature: json.signature,
    }));
    match SignedTx::try_from(&carrier) {
        Ok(SignedTx::Swap(s)) => Ok(s.tx.orders[0].clone()),
        Ok(other) => Err(SdkError::Node(format!("an order read back as a {}", other.name()))),
        Err(e) => Err(SdkError::BadOrder(e.to_string())),
    }
}
