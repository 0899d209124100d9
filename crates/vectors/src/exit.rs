//! `exit.json`: the public inputs of token and NFT exit proofs (`docs/spec/exit.md`).

use crate::json::{address, dec, fr, hex};
use crate::VectorsError;
use serde_json::{json, Value};
use tern_primitives::field::fr_from_be_bytes;
use tern_primitives::{Address, Fr};
use tern_types::exit::*;
use tern_types::op::NftInfo;
use tern_types::{AccountId, NftId, TokenId};

fn token_case(root: Fr, id: u32, owner: Address, token: u16, amount: u128) -> Value {
    let (id, token) = (AccountId(id), TokenId(token));
    json!({
        "root": fr(&root),
        "account_id": id.0,
        "address": address(&owner),
        "token": token.0,
        "amount": dec(amount),
        "preimage": hex(exit_preimage(root, id, &owner, token, amount)),
        "commitment": hex(exit_commitment(root, id, &owner, token, amount)),
        "public_input": fr(&exit_public_input(root, id, &owner, token, amount)),
    })
}

fn nft_case(root: Fr, id: u32, owner: Address, nft: u32, info: &NftInfo) -> Value {
    let (id, nft) = (AccountId(id), NftId(nft));
    json!({
        "root": fr(&root),
        "account_id": id.0,
        "address": address(&owner),
        "nft_id": nft.0,
        "creator_id": info.creator_id.0,
        "creator_address": address(&info.creator_address),
        "serial": info.serial,
        "content_hash": hex(info.content_hash),
        "preimage": hex(nft_exit_preimage(root, id, &owner, nft, info)),
        "commitment": hex(nft_exit_commitment(root, id, &owner, nft, info)),
        "public_input": fr(&nft_exit_public_input(root, id, &owner, nft, info)),
    })
}

/// The `exit.json` fixture: the demo chain's final state (every non-zero balance and every
/// NFT) and edge values (the largest ids, amount and root).
pub fn exit() -> Result<Value, VectorsError> {
    let blocks = tern_state::demo::blocks()?;
    let last = blocks.last().ok_or_else(|| VectorsError::Unexpected("no blocks".into()))?;
    let mut state = last.state.clone();
    let root = state.root();
    let mut tokens = Vec::new();
    for (id, a) in state.accounts() {
        for (t, b) in a.balances.iter().filter(|(_, b)| **b != 0) {
            tokens.push(token_case(root, id.0, a.address, t.0, *b));
        }
    }
    let mut top = [0xffu8; 32];
    top[0] = 0x1f;
    let big_root = fr_from_be_bytes(&top).map_err(|e| VectorsError::Unexpected(e.to_string()))?;
    let max_id = (1 << 24) - 1;
    tokens.push(token_case(big_root, max_id, Address::repeat_byte(0xff), 1023, u128::MAX));
    tokens.push(token_case(Fr::from(0u64), 0, Address::ZERO, 0, 0));
    let mut nfts = Vec::new();
    for (id, n) in state.nfts() {
        if let Some(owner) = state.account(n.owner) {
            nfts.push(nft_case(root, n.owner.0, owner.address, id.0, &n.info));
        }
    }
    let max_info = NftInfo {
        creator_id: AccountId(max_id),
        creator_address: Address::repeat_byte(0xff),
        serial: u32::MAX,
        content_hash: [0xff; 32],
    };
    nfts.push(nft_case(big_root, max_id, Address::repeat_byte(0xff), max_id, &max_info));
    Ok(json!({
        "description": "Exit proof public inputs (docs/spec/exit.md): commitment = \
                        sha256(preimage) with the top 3 bits cleared; public_input is the \
                        commitment as a field element. Token preimage: root 32 || account_id \
                        u32 || address 20 || token u16 || amount u128 (74 bytes). NFT preimage: \
                        root 32 || account_id u32 || address 20 || nft_id u24 || creator_id \
                        u24 || creator_address 20 || serial u32 || content_hash 32 (118 bytes).",
        "token_exits": tokens,
        "nft_exits": nfts,
    }))
}
