//! `transactions.json`: every signed transaction type, orders and a batch, with the message's
//! field elements, its Poseidon hash, the signature and the wire bytes; the Ethereum payloads of
//! ChangePubKey; and the L2 key derivation from an Ethereum signature.

use crate::json::{address, dec, fr, hex};
use crate::VectorsError;
use alloy_primitives::eip191_hash_message;
use serde_json::{json, Value};
use tern_primitives::eddsa::PrivateKey;
use tern_primitives::eth::{self, EIP712_NAME, EIP712_VERSION};
use tern_primitives::field::fr_from_be_short;
use tern_primitives::keys::{derive_l2_key, l2_key_message};
use tern_primitives::Fr;
use tern_state::demo::demo_chain;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::ChainConfig;
use tern_types::tx::*;
use tern_types::{AccountId, NftId, SignedTx, TimeRange, TokenId, ETH};

const USDC: TokenId = TokenId(1);
const ETH_UNIT: u128 = 1_000_000_000_000_000_000;
/// The validity range of every vector's transactions.
const RANGE: TimeRange = TimeRange { valid_from: 1_700_000_000, valid_until: 1_800_000_000 };

/// The message's field elements, before Poseidon, computed from the fields alone (the layout of
/// `docs/spec/transactions.md`), a 3-element message padded with a zero to 4. Fails if an
/// amount or fee is not packable.
pub fn message_elements(tx: &SignedTx) -> Result<Vec<Fr>, VectorsError> {
    fn header(ty: u8, account: AccountId, nonce: u32, range: TimeRange) -> Fr {
        let mut b = vec![ty];
        b.extend(account.0.to_be_bytes());
        b.extend(nonce.to_be_bytes());
        b.extend(range.valid_from.to_be_bytes());
        b.extend(range.valid_until.to_be_bytes());
        fr_from_be_short(&b)
    }
    fn cat(parts: &[&[u8]]) -> Fr {
        fr_from_be_short(&parts.concat())
    }
    fn fee(v: u128) -> Result<[u8; 2], VectorsError> {
        Ok((pack_fee(v)? as u16).to_be_bytes())
    }
    fn amount(v: u128) -> Result<[u8; 4], VectorsError> {
        Ok((pack_amount(v)? as u32).to_be_bytes())
    }
    let ty = tx.type_code();
    let mut e = match tx {
        SignedTx::Transfer(s) => {
            let t = &s.tx;
            vec![
                header(ty, t.account_id, t.nonce, t.time_range),
                cat(&[t.to.as_slice(), &t.token.0.to_be_bytes(), &amount(t.amount)?, &fee(t.fee)?]),
            ]
        }
        SignedTx::Withdraw(s) => {
            let t = &s.tx;
            vec![
                header(ty, t.account_id, t.nonce, t.time_range),
                cat(&[t.to.as_slice(), &t.token.0.to_be_bytes(), &fee(t.fee)?]),
                cat(&[&t.amount.to_be_bytes()]),
            ]
        }
        SignedTx::ChangePubKey(s) => {
            let t = &s.tx;
            vec![
                header(ty, t.account_id, t.nonce, t.time_range),
                cat(&[&t.new_pubkey_hash.0, &t.fee_token.0.to_be_bytes(), &fee(t.fee)?]),
            ]
        }
        SignedTx::ForcedExit(s) => {
            let t = &s.tx;
            vec![
                header(ty, t.account_id, t.nonce, t.time_range),
                cat(&[t.target.as_slice(), &t.token.0.to_be_bytes(), &fee(t.fee)?]),
            ]
        }
        SignedTx::Swap(s) => {
            let t = &s.tx;
            let order_hash = |o: &Order| poseidon(&order_elements(o));
            vec![
                header(ty, t.account_id, t.nonce, t.time_range),
                order_hash(&t.orders[0].tx)?,
                order_hash(&t.orders[1].tx)?,
                cat(&[
                    &amount(t.amounts[0])?,
                    &amount(t.amounts[1])?,
                    &t.fee_token.0.to_be_bytes(),
                    &fee(t.fee)?,
                ]),
            ]
        }
        SignedTx::MintNft(s) => {
            let t = &s.tx;
            vec![
                header(ty, t.account_id, t.nonce, t.time_range),
                cat(&[t.recipient.as_slice(), &t.fee_token.0.to_be_bytes(), &fee(t.fee)?]),
                cat(&[&t.content_hash[..16]]),
                cat(&[&t.content_hash[16..]]),
            ]
        }
        SignedTx::TransferNft(s) => {
            let t = &s.tx;
            vec![
                header(ty, t.account_id, t.nonce, t.time_range),
                cat(&[t.to.as_slice(), &t.fee_token.0.to_be_bytes(), &fee(t.fee)?]),
                cat(&[&t.nft_id.0.to_be_bytes()]),
            ]
        }
        SignedTx::WithdrawNft(s) => {
            let t = &s.tx;
            vec![
                header(ty, t.account_id, t.nonce, t.time_range),
                cat(&[t.to.as_slice(), &t.fee_token.0.to_be_bytes(), &fee(t.fee)?]),
                cat(&[&t.nft_id.0.to_be_bytes()]),
            ]
        }
    };
    if e.len() == 3 {
        e.push(Fr::from(0u64));
    }
    Ok(e)
}

/// An order's message elements (it is signed alone, and its hash is a swap's element).
pub(crate) fn order_elements(o: &Order) -> Vec<Fr> {
    let header = {
        let mut b = vec![tx_type::ORDER];
        b.extend(o.account_id.0.to_be_bytes());
        b.extend(o.nonce.to_be_bytes());
        b.extend(o.time_range.valid_from.to_be_bytes());
        b.extend(o.time_range.valid_until.to_be_bytes());
        fr_from_be_short(&b)
    };
    let mut first = o.token_sell.0.to_be_bytes().to_vec();
    first.extend(o.token_buy.0.to_be_bytes());
    first.extend(o.amount.to_be_bytes());
    vec![
        header,
        fr_from_be_short(&first),
        fr_from_be_short(&o.ratio.0.to_be_bytes()),
        fr_from_be_short(&o.ratio.1.to_be_bytes()),
    ]
}

fn poseidon(xs: &[Fr]) -> Result<Fr, VectorsError> {
    tern_primitives::poseidon::poseidon(xs).map_err(|e| VectorsError::Unexpected(e.to_string()))
}

fn range_json(r: TimeRange) -> Value {
    json!({"valid_from": dec(r.valid_from), "valid_until": dec(r.valid_until)})
}

/// The body's fields, named as in `tern_types::tx` (amounts and timestamps as decimal strings).
pub fn tx_fields(tx: &SignedTx) -> Value {
    match tx {
        SignedTx::Transfer(s) => {
            let t = &s.tx;
            json!({"account_id": t.account_id.0, "to": address(&t.to), "token": t.token.0,
                "amount": dec(t.amount), "fee": dec(t.fee), "nonce": t.nonce,
                "time_range": range_json(t.time_range)})
        }
        SignedTx::Withdraw(s) => {
            let t = &s.tx;
            json!({"account_id": t.account_id.0, "to": address(&t.to), "token": t.token.0,
                "amount": dec(t.amount), "fee": dec(t.fee), "nonce": t.nonce,
                "time_range": range_json(t.time_range)})
        }
        SignedTx::ChangePubKey(s) => {
            let t = &s.tx;
            let auth = match &t.auth {
                ChangePubKeyAuth::Onchain => json!({"kind": "Onchain"}),
                ChangePubKeyAuth::Ecdsa(sig) => json!({"kind": "Ecdsa", "signature": hex(sig)}),
                ChangePubKeyAuth::Eip712(sig) => json!({"kind": "Eip712", "signature": hex(sig)}),
            };
            json!({"account_id": t.account_id.0, "new_pubkey_hash": hex(t.new_pubkey_hash.0),
                "fee_token": t.fee_token.0, "fee": dec(t.fee), "nonce": t.nonce,
                "time_range": range_json(t.time_range), "auth": auth})
        }
        SignedTx::ForcedExit(s) => {
            let t = &s.tx;
            json!({"account_id": t.account_id.0, "target": address(&t.target),
                "token": t.token.0, "fee": dec(t.fee), "nonce": t.nonce,
                "time_range": range_json(t.time_range)})
        }
        SignedTx::Swap(s) => {
            let t = &s.tx;
            json!({"account_id": t.account_id.0,
                "orders": [order_case(&t.orders[0], None), order_case(&t.orders[1], None)],
                "amounts": [dec(t.amounts[0]), dec(t.amounts[1])],
                "fee_token": t.fee_token.0, "fee": dec(t.fee), "nonce": t.nonce,
                "time_range": range_json(t.time_range)})
        }
        SignedTx::MintNft(s) => {
            let t = &s.tx;
            json!({"account_id": t.account_id.0, "recipient": address(&t.recipient),
                "content_hash": hex(t.content_hash), "fee_token": t.fee_token.0,
                "fee": dec(t.fee), "nonce": t.nonce, "time_range": range_json(t.time_range)})
        }
        SignedTx::TransferNft(s) => {
            let t = &s.tx;
            json!({"account_id": t.account_id.0, "to": address(&t.to), "nft_id": t.nft_id.0,
                "fee_token": t.fee_token.0, "fee": dec(t.fee), "nonce": t.nonce,
                "time_range": range_json(t.time_range)})
        }
        SignedTx::WithdrawNft(s) => {
            let t = &s.tx;
            json!({"account_id": t.account_id.0, "to": address(&t.to), "nft_id": t.nft_id.0,
                "fee_token": t.fee_token.0, "fee": dec(t.fee), "nonce": t.nonce,
                "time_range": range_json(t.time_range)})
        }
    }
}

fn order_case(o: &Signed<Order>, key: Option<&PrivateKey>) -> Value {
    let t = &o.tx;
    let elements = order_elements(t);
    let mut v = json!({
        "type": "Order",
        "type_code": tx_type::ORDER,
        "fields": {"account_id": t.account_id.0, "token_sell": t.token_sell.0,
            "token_buy": t.token_buy.0, "ratio": [dec(t.ratio.0), dec(t.ratio.1)],
            "amount": dec(t.amount), "nonce": t.nonce, "time_range": range_json(t.time_range)},
        "public_key": hex(o.signature.pub_key.pack()),
        "pubkey_hash": hex(o.signature.pub_key.hash().0),
        "message_elements": elements.iter().map(fr).collect::<Vec<_>>(),
        "message": t.message().map(|m| fr(&m)).unwrap_or(Value::Null),
        "signature": hex(o.signature.signature.pack()),
    });
    if let (Some(key), Value::Object(map)) = (key, &mut v) {
        map.insert("private_key".into(), hex(key.to_bytes()));
    }
    v
}

fn case(name: &str, key: &PrivateKey, tx: &SignedTx) -> Result<Value, VectorsError> {
    let elements = message_elements(tx)?;
    let message = tx.hash()?;
    if poseidon(&elements)? != message {
        return Err(VectorsError::Unexpected(format!("{name}: message elements disagree")));
    }
    let (pub_key, signature) = match tx {
        SignedTx::Transfer(s) => (&s.signature.pub_key, &s.signature.signature),
        SignedTx::Withdraw(s) => (&s.signature.pub_key, &s.signature.signature),
        SignedTx::ChangePubKey(s) => (&s.signature.pub_key, &s.signature.signature),
        SignedTx::ForcedExit(s) => (&s.signature.pub_key, &s.signature.signature),
        SignedTx::Swap(s) => (&s.signature.pub_key, &s.signature.signature),
        SignedTx::MintNft(s) => (&s.signature.pub_key, &s.signature.signature),
        SignedTx::TransferNft(s) => (&s.signature.pub_key, &s.signature.signature),
        SignedTx::WithdrawNft(s) => (&s.signature.pub_key, &s.signature.signature),
    };
    Ok(json!({
        "name": name,
        "type": tx.name(),
        "type_code": tx.type_code(),
        "private_key": hex(key.to_bytes()),
        "public_key": hex(pub_key.pack()),
        "pubkey_hash": hex(pub_key.hash().0),
        "fields": tx_fields(tx),
        "message_elements": elements.iter().map(fr).collect::<Vec<_>>(),
        "message": fr(&message),
        "signature": hex(signature.pack()),
        "wire": hex(tx.encode()),
    }))
}

fn wallet(seed: u64, chain: ChainConfig, id: u32, nonce: u32) -> Result<Wallet, VectorsError> {
    let mut w = Wallet::from_seed(seed, chain)?;
    w.account_id = AccountId(id);
    w.nonce = nonce;
    w.time_range = RANGE;
    Ok(w)
}

fn eth_payloads(w: &Wallet, chain: ChainConfig, tx: &SignedTx) -> Result<Value, VectorsError> {
    let SignedTx::ChangePubKey(s) = tx else {
        return Err(VectorsError::Unexpected("not a ChangePubKey".into()));
    };
    let t = &s.tx;
    let msg = eth::change_pubkey_eip191_message(
        &t.new_pubkey_hash,
        t.nonce,
        t.account_id.0,
        chain.chain_id,
        chain.contract,
    );
    let eip712_hash = eth::change_pubkey_eip712_hash(
        &t.new_pubkey_hash,
        t.nonce,
        t.account_id.0,
        chain.chain_id,
        chain.contract,
    );
    Ok(json!({
        "eth_private_key": hex(w.eth_key.to_bytes()),
        "eth_address": address(&w.address),
        "eip191": {
            "message": hex(msg),
            "hash": hex(eip191_hash_message(msg)),
            "signature": hex(eth::sign_eip191(&w.eth_key, &msg)?),
        },
        "eip712": {
            "domain": {"name": EIP712_NAME, "version": EIP712_VERSION,
                "chain_id": chain.chain_id, "verifying_contract": address(&chain.contract)},
            "primary_type": "ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)",
            "message": {"pubKeyHash": hex(t.new_pubkey_hash.0), "nonce": t.nonce,
                "accountId": t.account_id.0},
            "hash": hex(eip712_hash),
            "signature": hex(eth::sign_eip712_change_pubkey(
                &w.eth_key, &t.new_pubkey_hash, t.nonce, t.account_id.0, chain.chain_id,
                chain.contract)?),
        },
    }))
}

fn key_derivation(seed: u64, chain: ChainConfig) -> Result<Value, VectorsError> {
    let w = Wallet::from_seed(seed, chain)?;
    let text = l2_key_message(chain.chain_id, chain.contract);
    let sig = eth::sign_eip191(&w.eth_key, text.as_bytes())?;
    let key = derive_l2_key(&sig);
    if key != w.l2_key {
        return Err(VectorsError::Unexpected("derived key differs from the wallet's".into()));
    }
    Ok(json!({
        "chain_id": chain.chain_id,
        "contract": address(&chain.contract),
        "eth_private_key": hex(w.eth_key.to_bytes()),
        "eth_address": address(&w.address),
        "message": text,
        "signature": hex(sig),
        "l2_private_key": hex(key.to_bytes()),
        "l2_public_key": hex(key.public_key().pack()),
        "pubkey_hash": hex(key.public_key().hash().0),
    }))
}

/// The `transactions.json` fixture.
pub fn transactions() -> Result<Value, VectorsError> {
    let chain = demo_chain();
    let mut alice = wallet(1, chain, 1, 7)?;
    let mut bob = wallet(2, chain, 2, 3)?;
    let mut carol = wallet(3, chain, 16_777_215, u32::MAX - 1)?;
    let erin = wallet(5, chain, 5, 0)?;

    let mut cases = Vec::new();
    let mut push = |name: &str, key: &PrivateKey, tx: &SignedTx| -> Result<(), VectorsError> {
        cases.push(case(name, key, tx)?);
        Ok(())
    };
    let tx = alice.transfer(bob.address, ETH, ETH_UNIT / 4, 10_000_000_000_000)?;
    push("transfer", &alice.l2_key, &tx)?;
    let max_amount = 33_554_431 * 10u128.pow(31);
    let tx = carol.transfer(erin.address, TokenId(1023), max_amount, 127 * 10u128.pow(31))?;
    push("transfer at the largest id, token, nonce, amount and fee", &carol.l2_key, &tx)?;
    let tx = alice.transfer(bob.address, USDC, 0, 0)?;
    push("transfer of zero with a zero fee", &alice.l2_key, &tx)?;
    let tx = bob.withdraw(bob.address, ETH, u128::MAX, 1_300)?;
    push("withdraw of the largest exact amount", &bob.l2_key, &tx)?;
    let tx = carol.forced_exit(erin.address, USDC, 10_000)?;
    push("forced exit", &carol.l2_key, &tx)?;

    let mut change_pubkeys = Vec::new();
    for (name, w, kind) in [
        ("change_pubkey authorised by EIP-191", &mut alice, AuthKind::Ecdsa),
        ("change_pubkey authorised by EIP-712", &mut bob, AuthKind::Eip712),
        ("change_pubkey authorised on-chain", &mut carol, AuthKind::Onchain),
    ] {
        let tx = w.change_pubkey(kind, ETH, 10_000_000_000_000)?;
        let mut c = case(name, &w.l2_key, &tx)?;
        if let Value::Object(map) = &mut c {
            map.insert("ethereum".into(), eth_payloads(w, chain, &tx)?);
        }
        change_pubkeys.push(c);
    }
    cases.extend(change_pubkeys);

    let alice_order = alice.order(ETH, USDC, (ETH_UNIT, 2_000_000_000), ETH_UNIT)?;
    let bob_order = bob.order(USDC, ETH, (2_100_000_000, ETH_UNIT), 0)?;
    let orders = vec![
        order_case(&alice_order, Some(&alice.l2_key)),
        order_case(&bob_order, Some(&bob.l2_key)),
    ];
    let swap = carol.swap([alice_order, bob_order], [ETH_UNIT, 2_050_000_000], ETH, 1_000)?;
    cases.push(case("swap of a fill-or-kill order and a limit order", &carol.l2_key, &swap)?);
    let tx = alice.mint_nft(bob.address, [0xab; 32], ETH, 10_000)?;
    cases.push(case("mint_nft", &alice.l2_key, &tx)?);
    let tx = bob.transfer_nft(alice.address, NftId(16_777_215), USDC, 0)?;
    cases.push(case("transfer_nft at the largest NFT id", &bob.l2_key, &tx)?);
    let tx = alice.withdraw_nft(alice.address, NftId(0), ETH, 100)?;
    cases.push(case("withdraw_nft", &alice.l2_key, &tx)?);

    let first = bob.transfer(carol.address, ETH, ETH_UNIT / 20, 0)?;
    let second = bob.transfer(alice.address, USDC, 0, 10_000)?;
    let batch = vec![
        case("batch 0: the transfer", &bob.l2_key, &first)?,
        case("batch 1: its fee, paid in another token", &bob.l2_key, &second)?,
    ];

    Ok(json!({
        "description": "Signed L2 transactions (docs/spec/transactions.md). message = \
                        Poseidon(message_elements); signature = EdDSA-Poseidon (circomlib) by \
                        private_key over message, 64-byte packed R8 || S; wire = \
                        SignedTx::encode. A batch has no signature of its own: it is its \
                        transactions, applied all or none.",
        "chain": {"chain_id": chain.chain_id, "contract": address(&chain.contract)},
        "transactions": cases,
        "orders": orders,
        "batches": [{"name": "a transfer and its fee in another token", "transactions": batch}],
        "l2_key_derivation": [key_derivation(1, chain)?, key_derivation(2, chain)?],
    }))
}
