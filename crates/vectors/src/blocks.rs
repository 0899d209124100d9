//! `blocks.json`: a chain from genesis that uses every operation type (the demo's), each block
//! with everything needed to recompute its pubdata, commitment, public input and state root.

use crate::json::{address, dec, fr, hex, variant_name};
use crate::pubdata::op_json;
use crate::VectorsError;
use serde_json::{json, Value};
use tern_state::demo::demo_chain;
use tern_state::wallet::Wallet;
use tern_state::{build_block, BlockParams, BuiltBlock, NoFacts, State, TxItem};
use tern_types::block::decode_pubdata;
use tern_types::tx::ChangePubKeyAuth;
use tern_types::{AccountId, TimeRange, TokenId, ETH};

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

/// A wallet of the demo chain at its account's current nonce in `state`.
fn wallet(seed: u64, state: &State) -> Result<Wallet, VectorsError> {
    let mut w = Wallet::from_seed(seed, demo_chain())?;
    w.account_id = state
        .account_id_by_address(&w.address)
        .ok_or_else(|| VectorsError::Unexpected(format!("no account for seed {seed}")))?;
    w.nonce = state.account(w.account_id).map(|a| a.nonce).unwrap_or(0);
    Ok(w)
}

/// A block after the demo's with one transfer and one rejection of each common kind: a batch
/// whose second transaction fails (the whole batch is rejected), an expired transaction, a
/// transaction signed by the wrong key, an unlisted token and an insufficient balance.
fn rejections_block(prev: &BuiltBlock) -> Result<BuiltBlock, VectorsError> {
    let state = prev.state.clone();
    let number = prev.block.header.number + 1;
    let timestamp = 1_700_000_000 + number * 12;
    let (mut alice, mut bob, mut carol) =
        (wallet(1, &state)?, wallet(2, &state)?, wallet(3, &state)?);
    let unit = 1_000_000_000_000_000; // 0.001 ETH
    let fee = 10_000_000_000_000;
    let valid = alice.transfer(bob.address, ETH, unit, fee)?;
    let batch = vec![
        bob.transfer(carol.address, ETH, unit, fee)?,
        bob.transfer(carol.address, ETH, 1_000_000 * unit, fee)?,
    ];
    let mut expired = carol.clone();
    expired.time_range = TimeRange { valid_from: 0, valid_until: timestamp - 1 };
    let expired = expired.transfer(alice.address, ETH, unit, fee)?;
    let mut impostor = bob.clone();
    impostor.account_id = alice.account_id;
    impostor.nonce = alice.nonce;
    let impostor = impostor.transfer(bob.address, ETH, unit, fee)?;
    let unlisted = carol.clone().transfer(alice.address, TokenId(7), 1, 0)?;
    let too_much = carol.transfer(alice.address, ETH, 1_000_000 * unit, fee)?;
    let txs = vec![
        TxItem::Single(valid),
        TxItem::Batch(batch),
        TxItem::Single(expired),
        TxItem::Single(impostor),
        TxItem::Single(unlisted),
        TxItem::Single(too_much),
    ];
    let params = BlockParams {
        chain: demo_chain(),
        number,
        fee_account: AccountId(0),
        timestamp,
        capacity: 16,
    };
    let built = build_block(state, &params, &[], &txs, &NoFacts)
        .map_err(|e| VectorsError::Unexpected(e.to_string()))?;
    if built.rejected.len() != txs.len() - 1 {
        return Err(VectorsError::Unexpected(format!(
            "expected every transaction but the first rejected: {:?}",
            built.rejected
        )));
    }
    Ok(built)
}

/// The `blocks.json` fixture: the demo's blocks, then a block of rejections.
pub fn blocks() -> Result<Value, VectorsError> {
    let chain = demo_chain();
    let mut blocks = tern_state::demo::blocks()?;
    let last = blocks.last().ok_or_else(|| VectorsError::Unexpected("no blocks".into()))?;
    blocks.push(rejections_block(last)?);
    let blocks = blocks.iter().map(block_json).collect::<Result<Vec<_>, _>>()?;
    Ok(json!({
        "description": "A chain from genesis (the state with token 1 listed) through every \
                        operation type (the blocks of tern demo), then a block of rejected transactions. commitment = sha256(number u64 || \
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
