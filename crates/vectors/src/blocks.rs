//! `blocks.json`: a chain from genesis that uses every operation type (the demo's), each block
//! with everything needed to recompute its pubdata, commitment, public input and state root.

use crate::json::{address, dec, fr, hex, variant_name};
use crate::pubdata::op_json;
use crate::VectorsError;
use serde_json::{json, Value};
use tern_state::demo::demo_chain;
use tern_state::{BuiltBlock, State};
use tern_types::block::decode_pubdata;
use tern_types::tx::ChangePubKeyAuth;

/// The accounts, NFTs, counters and sub-roots of a state: what its root commits to.
fn state_json(state: &State) -> Value {
    let accounts: Vec<Value> = state
        .accounts()
        .map(|(id, a)| {
            let balances: Vec<Value> = a
                .balances
                .iter()
                .filter(|(_, b)| **b != 0)
                .map(|(t, b)| json!({"token": t.0, "amount": dec(*b)}))
                .collect();
            json!({
                "id": id.0,
                "address": address(&a.address),
                "pubkey_hash": hex(a.pubkey_hash.0),
                "nonce": a.nonce,
                "nfts_minted": a.nfts_minted,
                "balances": balances,
            })
        })
        .collect();
    let nfts: Vec<Value> = state
        .nfts()
        .map(|(id, n)| {
            json!({
                "id": id.0,
                "owner": n.owner.0,
                "creator_id": n.info.creator_id.0,
                "creator_address": address(&n.info.creator_address),
                "serial": n.info.serial,
                "content_hash": hex(n.info.content_hash),
            })
        })
        .collect();
    let mut s = state.clone();
    let (account_root, nft_root) = s.sub_roots();
    json!({
        "accounts": accounts,
        "nfts": nfts,
        "next_account_id": s.next_account_id(),
        "next_nft_id": s.next_nft_id(),
        "account_root": fr(&account_root),
        "nft_root": fr(&nft_root),
        "root": fr(&s.root()),
    })
}

/// One built block as `blocks.json` records it (also what `tern demo --json` prints).
pub fn block_json(built: &BuiltBlock) -> Result<Value, VectorsError> {
    let b = &built.block;
    let pubdata = b.pubdata()?;
    let mut onchain_ops = Vec::new();
    let mut chunk = 0;
    for op in &b.ops {
        if op.is_onchain() {
            onchain_ops.push(json!(chunk));
        }
        chunk += op.chunks();
    }
    let auth: Vec<Value> = b
        .change_pubkey_auth
        .iter()
        .map(|a| match a {
            ChangePubKeyAuth::Onchain => json!({"kind": "Onchain"}),
            ChangePubKeyAuth::Ecdsa(sig) => json!({"kind": "Ecdsa", "signature": hex(sig)}),
            ChangePubKeyAuth::Eip712(sig) => json!({"kind": "Eip712", "signature": hex(sig)}),
        })
        .collect();
    let rejected: Vec<Value> = built
        .rejected
        .iter()
        .map(|r| {
            json!({"index": r.index, "error": variant_name(&format!("{:?}", r.error)),
                "message": r.error.to_string()})
        })
        .collect();
    let fees: Vec<Value> =
        built.fees.iter().map(|(t, a)| json!({"token": t.0, "amount": dec(*a)})).collect();
    Ok(json!({
        "number": b.header.number,
        "fee_account": b.header.fee_account.0,
        "timestamp": dec(b.header.timestamp),
        "capacity": b.capacity,
        "old_root": fr(&b.header.old_root),
        "new_root": fr(&b.header.new_root),
        "pubdata": hex(&pubdata),
        "onchain_bitmap": hex(b.onchain_bitmap()),
        "onchain_ops": onchain_ops,
        "commitment": hex(b.commitment()?),
        "public_input": fr(&b.public_input()?),
        "ops": decode_pubdata(&pubdata)?.iter().map(op_json).collect::<Vec<_>>(),
        "change_pubkey_auth": auth,
        "priority_processed": built.priority_processed,
        "rejected": rejected,
        "deferred": built.deferred,
        "fees": fees,
        "state": state_json(&built.state),
    }))
}

/// The `blocks.json` fixture.
pub fn blocks() -> Result<Value, VectorsError> {
    let chain = demo_chain();
    let blocks = tern_state::demo::blocks()?;
    let blocks = blocks.iter().map(block_json).collect::<Result<Vec<_>, _>>()?;
    Ok(json!({
        "description": "A chain from genesis (the state with token 1 listed) through every \
                        operation type (tern demo). commitment = sha256(number u64 || \
                        fee_account u32 || old_root || new_root || timestamp u64 || \
                        onchain_bitmap || pubdata) with the top 3 bits cleared \
                        (docs/spec/commitment.md); state.root = Poseidon(account_root, \
                        nft_root, next_nft_id, next_account_id) (docs/spec/state.md).",
        "chain": {"chain_id": chain.chain_id, "contract": address(&chain.contract)},
        "genesis_root": fr(&genesis_root()?),
        "blocks": blocks,
    }))
}

fn genesis_root() -> Result<tern_primitives::Fr, VectorsError> {
    let mut state = State::new();
    state
        .list_token(tern_types::TokenId(1))
        .map_err(|e| VectorsError::Unexpected(e.to_string()))?;
    Ok(state.root())
}
