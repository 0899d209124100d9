//! `pubdata.json`: every operation at its edge values, and hostile inputs with the decoder's
//! error (`docs/spec/pubdata.md`).

use crate::json::{address, dec, hex, variant_name};
use crate::VectorsError;
use serde_json::{json, Value};
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::Address;
use tern_types::bits::BitWriter;
use tern_types::block::decode_pubdata;
use tern_types::op::*;
use tern_types::params::CHUNK_BYTES;
use tern_types::{AccountId, NftId, Op, TokenId};

fn info_json(i: &NftInfo) -> Value {
    json!({"creator_id": i.creator_id.0, "creator_address": address(&i.creator_address),
        "serial": i.serial, "content_hash": hex(i.content_hash)})
}

/// An operation's decoded fields, named as in `tern_types::op` (amounts as decimal strings),
/// with its name, opcode, chunks and whether it is onchain and priority.
pub fn op_json(op: &Op) -> Value {
    let fields = match op {
        Op::Noop => json!({}),
        Op::Deposit(d) => json!({"account_id": d.account_id.0, "token": d.token.0,
            "amount": dec(d.amount), "address": address(&d.address)}),
        Op::Transfer(t) => transfer_json(t),
        Op::TransferToNew(t) => {
            let mut v = transfer_json(&t.transfer);
            if let Value::Object(m) = &mut v {
                m.insert("to_address".into(), address(&t.to_address));
            }
            v
        }
        Op::Withdraw(w) => json!({"account_id": w.account_id.0, "token": w.token.0,
            "amount": dec(w.amount), "fee": dec(w.fee), "to": address(&w.to)}),
        Op::FullExit(f) => json!({"account_id": f.account_id.0, "owner": address(&f.owner),
            "token": f.token.0, "amount": dec(f.amount)}),
        Op::ChangePubKey(c) => json!({"account_id": c.account_id.0,
            "pubkey_hash": hex(c.pubkey_hash.0), "address": address(&c.address),
            "nonce": c.nonce, "fee_token": c.fee_token.0, "fee": dec(c.fee)}),
        Op::ForcedExit(f) => json!({"initiator": f.initiator.0, "target": f.target.0,
            "token": f.token.0, "amount": dec(f.amount), "fee": dec(f.fee),
            "target_address": address(&f.target_address)}),
        Op::Swap(s) => json!({"submitter": s.submitter.0,
            "accounts": [s.accounts[0].0, s.accounts[1].0],
            "tokens": [s.tokens[0].0, s.tokens[1].0],
            "amounts": [dec(s.amounts[0]), dec(s.amounts[1])],
            "fee_token": s.fee_token.0, "fee": dec(s.fee), "nonce_mask": s.nonce_mask}),
        Op::MintNft(m) => json!({"creator": m.creator.0, "recipient": m.recipient.0,
            "nft_id": m.nft_id.0, "content_hash": hex(m.content_hash),
            "fee_token": m.fee_token.0, "fee": dec(m.fee)}),
        Op::TransferNft(t) => json!({"from": t.from.0, "to": t.to.0, "nft_id": t.nft_id.0,
            "fee_token": t.fee_token.0, "fee": dec(t.fee)}),
        Op::WithdrawNft(w) => json!({"account_id": w.account_id.0, "nft_id": w.nft_id.0,
            "to": address(&w.to), "fee_token": w.fee_token.0, "fee": dec(w.fee),
            "info": info_json(&w.info)}),
        Op::FullExitNft(f) => json!({"account_id": f.account_id.0, "owner": address(&f.owner),
            "nft_id": f.nft_id.0, "info": info_json(&f.info), "success": f.success}),
    };
    json!({
        "op": op.name(),
        "opcode": op.opcode(),
        "chunks": op.chunks(),
        "onchain": op.is_onchain(),
        "priority": op.is_priority(),
        "fields": fields,
    })
}

fn transfer_json(t: &TransferOp) -> Value {
    json!({"from": t.from.0, "to": t.to.0, "token": t.token.0, "amount": dec(t.amount),
        "fee": dec(t.fee)})
}

const MAX_ID: u32 = (1 << 24) - 1;
const MAX_TOKEN: TokenId = TokenId(1023);
const MAX_AMOUNT_FLOAT: u128 = 33_554_431 * 10u128.pow(31);
const MAX_FEE: u128 = 127 * 10u128.pow(31);

fn a(b: u8) -> Address {
    Address::repeat_byte(b)
}

fn max_info() -> NftInfo {
    NftInfo {
        creator_id: AccountId(MAX_ID),
        creator_address: a(0xff),
        serial: u32::MAX,
        content_hash: [0xff; 32],
    }
}

/// Every operation type at its edge values, one case each, then a few together.
fn valid_ops() -> Vec<(&'static str, Vec<Op>)> {
    let max = AccountId(MAX_ID);
    let transfer = TransferOp {
        from: max,
        to: AccountId(MAX_ID - 1),
        token: MAX_TOKEN,
        amount: MAX_AMOUNT_FLOAT,
        fee: MAX_FEE,
    };
    let info = NftInfo {
        creator_id: AccountId(3),
        creator_address: a(0x33),
        serial: 1,
        content_hash: [0xab; 32],
    };
    vec![
        (
            "noop before a transfer (trailing Noops are padding and are dropped)",
            vec![
                Op::Noop,
                Op::Transfer(TransferOp {
                    from: AccountId(1),
                    to: AccountId(2),
                    token: TokenId(0),
                    amount: 1,
                    fee: 0,
                }),
            ],
        ),
        (
            "deposit of the largest amount at the largest id and token",
            vec![Op::Deposit(DepositOp {
                account_id: max,
                token: MAX_TOKEN,
                amount: u128::MAX,
                address: a(0xff),
            })],
        ),
        (
            "transfer_to_new with the largest float amount and fee",
            vec![Op::TransferToNew(TransferToNewOp {
                transfer: transfer.clone(),
                to_address: a(0xee),
            })],
        ),
        (
            "withdraw of the largest exact amount with a zero fee",
            vec![Op::Withdraw(WithdrawOp {
                account_id: max,
                token: MAX_TOKEN,
                amount: u128::MAX,
                fee: 0,
                to: a(0xff),
            })],
        ),
        ("transfer with the largest float amount and fee", vec![Op::Transfer(transfer.clone())]),
        (
            "transfer of zero with a zero fee",
            vec![Op::Transfer(TransferOp {
                from: AccountId(0),
                to: AccountId(0),
                token: TokenId(0),
                amount: 0,
                fee: 0,
            })],
        ),
        (
            "full_exit of the largest amount",
            vec![Op::FullExit(FullExitOp {
                account_id: max,
                owner: a(0xff),
                token: MAX_TOKEN,
                amount: u128::MAX,
            })],
        ),
        (
            "full_exit that withdrew nothing",
            vec![Op::FullExit(FullExitOp {
                account_id: AccountId(5),
                owner: a(0x55),
                token: TokenId(1),
                amount: 0,
            })],
        ),
        (
            "change_pubkey at the largest nonce and fee",
            vec![Op::ChangePubKey(ChangePubKeyOp {
                account_id: max,
                pubkey_hash: PubKeyHash([0xff; 20]),
                address: a(0xff),
                nonce: u32::MAX,
                fee_token: MAX_TOKEN,
                fee: MAX_FEE,
            })],
        ),
        (
            "forced_exit of the largest amount",
            vec![Op::ForcedExit(ForcedExitOp {
                initiator: max,
                target: AccountId(MAX_ID - 1),
                token: MAX_TOKEN,
                amount: u128::MAX,
                fee: MAX_FEE,
                target_address: a(0xff),
            })],
        ),
        (
            "swap at the largest values, both orders fill-or-kill",
            vec![Op::Swap(SwapOp {
                submitter: max,
                accounts: [AccountId(MAX_ID - 1), AccountId(MAX_ID - 2)],
                tokens: [MAX_TOKEN, TokenId(0)],
                amounts: [MAX_AMOUNT_FLOAT, 1],
                fee_token: MAX_TOKEN,
                fee: MAX_FEE,
                nonce_mask: 3,
            })],
        ),
        (
            "swap with a limit order and a zero fee",
            vec![Op::Swap(SwapOp {
                submitter: AccountId(3),
                accounts: [AccountId(1), AccountId(2)],
                tokens: [TokenId(0), TokenId(1)],
                amounts: [1_000_000_000_000_000_000, 2_050_000_000],
                fee_token: TokenId(0),
                fee: 0,
                nonce_mask: 1,
            })],
        ),
        (
            "mint_nft at the largest ids",
            vec![Op::MintNft(MintNftOp {
                creator: max,
                recipient: AccountId(MAX_ID - 1),
                nft_id: NftId(MAX_ID),
                content_hash: [0xff; 32],
                fee_token: MAX_TOKEN,
                fee: MAX_FEE,
            })],
        ),
        (
            "transfer_nft at the largest ids",
            vec![Op::TransferNft(TransferNftOp {
                from: max,
                to: AccountId(MAX_ID - 1),
                nft_id: NftId(MAX_ID),
                fee_token: MAX_TOKEN,
                fee: MAX_FEE,
            })],
        ),
        (
            "withdraw_nft at the largest values",
            vec![Op::WithdrawNft(WithdrawNftOp {
                account_id: max,
                nft_id: NftId(MAX_ID),
                to: a(0xff),
                fee_token: MAX_TOKEN,
                fee: MAX_FEE,
                info: max_info(),
            })],
        ),
        (
            "full_exit_nft served",
            vec![Op::FullExitNft(FullExitNftOp {
                account_id: max,
                owner: a(0xff),
                nft_id: NftId(MAX_ID),
                info: max_info(),
                success: true,
            })],
        ),
        (
            "full_exit_nft not served: zero info",
            vec![Op::FullExitNft(FullExitNftOp {
                account_id: AccountId(1),
                owner: a(0x11),
                nft_id: NftId(1),
                info: NftInfo::default(),
                success: false,
            })],
        ),
        (
            "several operations in a row",
            vec![
                Op::Deposit(DepositOp {
                    account_id: AccountId(1),
                    token: TokenId(0),
                    amount: 10,
                    address: a(0x11),
                }),
                Op::Transfer(TransferOp {
                    from: AccountId(1),
                    to: AccountId(2),
                    token: TokenId(0),
                    amount: 5,
                    fee: 1,
                }),
                Op::WithdrawNft(WithdrawNftOp {
                    account_id: AccountId(3),
                    nft_id: NftId(0),
                    to: a(0x33),
                    fee_token: TokenId(0),
                    fee: 100,
                    info,
                }),
            ],
        ),
    ]
}

fn encode_all(ops: &[Op]) -> Result<Vec<u8>, VectorsError> {
    let mut out = Vec::new();
    for op in ops {
        out.extend(op.encode()?);
    }
    Ok(out)
}

/// A Transfer's 104 bits with raw float fields.
fn raw_transfer(amount_bits: u64, fee_bits: u64) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.put(4, 4);
    w.put(1, 24);
    w.put(2, 24);
    w.put(0, 10);
    w.put(u128::from(amount_bits), 30);
    w.put(u128::from(fee_bits), 12);
    w.finish_padded(CHUNK_BYTES)
}

fn invalid_inputs() -> Result<Vec<(&'static str, Vec<u8>)>, VectorsError> {
    let deposit = Op::Deposit(DepositOp {
        account_id: AccountId(1),
        token: TokenId(0),
        amount: 1,
        address: a(0x11),
    })
    .encode()?;
    let swap = Op::Swap(SwapOp {
        submitter: AccountId(3),
        accounts: [AccountId(1), AccountId(2)],
        tokens: [TokenId(0), TokenId(1)],
        amounts: [1, 1],
        fee_token: TokenId(0),
        fee: 0,
        nonce_mask: 0,
    })
    .encode()?;
    let change_pubkey = Op::ChangePubKey(ChangePubKeyOp {
        account_id: AccountId(1),
        pubkey_hash: PubKeyHash([0x11; 20]),
        address: a(0x11),
        nonce: 0,
        fee_token: TokenId(0),
        fee: 0,
    })
    .encode()?;
    let mut cpk_padding = change_pubkey.clone();
    if let Some(last) = cpk_padding.last_mut() {
        *last |= 1;
    }
    let mut noop_padding = vec![0u8; CHUNK_BYTES];
    noop_padding[CHUNK_BYTES - 1] = 1;
    let transfer = raw_transfer(1, 0);
    let mut unserved = BitWriter::new();
    unserved.put(12, 4);
    unserved.put(1, 24);
    unserved.put_bytes(a(0x11).as_slice());
    unserved.put(1, 24);
    unserved.put(3, 24); // creator_id: non-zero although success is 0
    unserved.put_bytes(&[0; 20]);
    unserved.put(0, 32);
    unserved.put_bytes(&[0; 32]);
    unserved.put(0, 1);
    let chunks = op_chunks(12).unwrap_or(0);
    let unserved = unserved.finish_padded(chunks * CHUNK_BYTES);
    Ok(vec![
        ("a partial chunk: 12 bytes", vec![0u8; CHUNK_BYTES - 1]),
        ("a whole chunk and one byte more", [transfer.clone(), vec![0]].concat()),
        ("a deposit truncated to its first chunk", deposit[..CHUNK_BYTES].to_vec()),
        ("a swap that runs past the end: 2 of its 3 chunks", swap[..2 * CHUNK_BYTES].to_vec()),
        ("unknown opcode 13", {
            let mut c = vec![0u8; CHUNK_BYTES];
            c[0] = 0xd0;
            c
        }),
        ("unknown opcode 15 after a transfer", {
            let mut c = vec![0u8; CHUNK_BYTES];
            c[0] = 0xf0;
            [transfer.clone(), c].concat()
        }),
        ("a transfer fee 1 * 10^1 instead of 10 * 10^0", raw_transfer(1, (1 << 7) | 1)),
        ("a transfer amount 0 * 10^1 instead of 0 * 10^0", raw_transfer(1 << 25, 0)),
        (
            "a transfer amount 3,355,443 * 10^1 instead of 33,554,430 * 10^0",
            raw_transfer((1 << 25) | 3_355_443, 0),
        ),
        ("non-zero padding in a Noop chunk", noop_padding),
        ("non-zero padding in a ChangePubKey's last chunk", cpk_padding),
        ("full_exit_nft with success 0 but a non-zero info", unserved),
    ])
}

/// The `pubdata.json` fixture.
pub fn pubdata() -> Result<Value, VectorsError> {
    let mut valid = Vec::new();
    for (name, ops) in valid_ops() {
        let bytes = encode_all(&ops)?;
        let decoded = decode_pubdata(&bytes)?;
        valid.push(json!({
            "name": name,
            "hex": hex(&bytes),
            "ops": decoded.iter().map(op_json).collect::<Vec<_>>(),
        }));
    }
    let mut invalid = Vec::new();
    for (name, bytes) in invalid_inputs()? {
        let err = match decode_pubdata(&bytes) {
            Ok(_) => return Err(VectorsError::Unexpected(format!("{name}: decoded"))),
            Err(e) => e,
        };
        invalid.push(json!({
            "name": name,
            "hex": hex(&bytes),
            "error": variant_name(&format!("{err:?}")),
            "message": err.to_string(),
        }));
    }
    Ok(json!({
        "description": "Pubdata (docs/spec/pubdata.md): valid inputs decode (decode_pubdata) to \
                        ops and re-encode to the same bytes; invalid inputs are refused with the \
                        named DecodeError.",
        "valid": valid,
        "invalid": invalid,
    }))
}
