//! Writes seed inputs for the fuzz targets into `fuzz/seeds/<target>/`: one valid encoding of
//! every transaction type and every operation. Random bytes almost never contain a valid Baby
//! Jubjub point or a canonical float, so without seeds the fuzzer stays in the error paths.
//!
//! Run from the repository root: `cargo run --manifest-path fuzz/Cargo.toml --example gen_seeds`.

use std::fs;
use std::path::Path;
use tern_primitives::eddsa::{PrivateKey, PubKeyHash};
use tern_primitives::Address;
use tern_types::op::*;
use tern_types::tx::*;
use tern_types::{AccountId, NftId, TokenId};

fn key(seed: u8) -> PrivateKey {
    PrivateKey::from_seed(&[seed])
}

fn range() -> TimeRange {
    TimeRange { valid_from: 10, valid_until: 1_000 }
}

fn signed<T: TxBody>(body: T, seed: u8) -> Signed<T> {
    body.sign(&key(seed)).expect("seed transactions are packable")
}

fn every_tx() -> Vec<SignedTx> {
    let to = Address::repeat_byte(0x22);
    let t = range();
    let order = |seed: u8, sell, buy, amount| {
        signed(
            Order {
                account_id: AccountId(u32::from(seed)),
                token_sell: TokenId(sell),
                token_buy: TokenId(buy),
                ratio: (3, 7),
                amount,
                nonce: 4,
                time_range: t,
            },
            seed,
        )
    };
    let auth = |i: u8| match i {
        0 => ChangePubKeyAuth::Onchain,
        1 => ChangePubKeyAuth::Ecdsa([7; 65]),
        _ => ChangePubKeyAuth::Eip712([9; 65]),
    };
    let mut txs = vec![
        SignedTx::Transfer(signed(
            Transfer {
                account_id: AccountId(7),
                to,
                token: TokenId(1),
                amount: 5_000,
                fee: 20,
                nonce: 3,
                time_range: t,
            },
            1,
        )),
        SignedTx::Withdraw(signed(
            Withdraw {
                account_id: AccountId(7),
                to,
                token: TokenId(1),
                amount: 123_456_789,
                fee: 20,
                nonce: 3,
                time_range: t,
            },
            1,
        )),
        SignedTx::ForcedExit(signed(
            ForcedExit {
                account_id: AccountId(7),
                target: to,
                token: TokenId(2),
                fee: 20,
                nonce: 3,
                time_range: t,
            },
            1,
        )),
        SignedTx::Swap(Box::new(signed(
            Swap {
                account_id: AccountId(9),
                orders: [order(2, 1, 2, 0), order(3, 2, 1, 700)],
                amounts: [300, 700],
                fee_token: TokenId(0),
                fee: 10,
                nonce: 1,
                time_range: t,
            },
            1,
        ))),
        SignedTx::MintNft(signed(
            MintNft {
                account_id: AccountId(7),
                recipient: to,
                content_hash: [5; 32],
                fee_token: TokenId(0),
                fee: 1,
                nonce: 3,
                time_range: t,
            },
            1,
        )),
        SignedTx::TransferNft(signed(
            TransferNft {
                account_id: AccountId(7),
                to,
                nft_id: NftId(8),
                fee_token: TokenId(0),
                fee: 1,
                nonce: 3,
                time_range: t,
            },
            1,
        )),
        SignedTx::WithdrawNft(signed(
            WithdrawNft {
                account_id: AccountId(7),
                to,
                nft_id: NftId(8),
                fee_token: TokenId(0),
                fee: 1,
                nonce: 3,
                time_range: t,
            },
            1,
        )),
    ];
    for i in 0..3 {
        txs.push(SignedTx::ChangePubKey(signed(
            ChangePubKey {
                account_id: AccountId(7),
                new_pubkey_hash: key(1).public_key().hash(),
                fee_token: TokenId(0),
                fee: 0,
                nonce: 0,
                time_range: t,
                auth: auth(i),
            },
            1,
        )));
    }
    txs
}

fn every_op() -> Vec<Op> {
    let a = Address::repeat_byte(0x33);
    let transfer = TransferOp {
        from: AccountId(1),
        to: AccountId(2),
        token: TokenId(3),
        amount: 1_230_000,
        fee: 1_500,
    };
    let info =
        NftInfo { creator_id: AccountId(4), creator_address: a, serial: 5, content_hash: [6; 32] };
    vec![
        Op::Noop,
        Op::Deposit(DepositOp {
            account_id: AccountId(1),
            token: TokenId(2),
            amount: 123_456_789_012,
            address: a,
        }),
        Op::TransferToNew(TransferToNewOp { transfer: transfer.clone(), to_address: a }),
        Op::Withdraw(WithdrawOp {
            account_id: AccountId(1),
            token: TokenId(2),
            amount: 987_654_321,
            fee: 120,
            to: a,
        }),
        Op::Transfer(transfer),
        Op::FullExit(FullExitOp {
            account_id: AccountId(1),
            owner: a,
            token: TokenId(2),
            amount: 55,
        }),
        Op::ChangePubKey(ChangePubKeyOp {
            account_id: AccountId(1),
            pubkey_hash: PubKeyHash([8; 20]),
            address: a,
            nonce: 9,
            fee_token: TokenId(0),
            fee: 1_000_000,
        }),
        Op::ForcedExit(ForcedExitOp {
            initiator: AccountId(1),
            target: AccountId(2),
            token: TokenId(3),
            amount: 44,
            fee: 7,
            target_address: a,
        }),
        Op::Swap(SwapOp {
            submitter: AccountId(1),
            accounts: [AccountId(2), AccountId(3)],
            tokens: [TokenId(4), TokenId(5)],
            amounts: [300, 7_000_000],
            fee_token: TokenId(0),
            fee: 10,
            nonce_mask: 2,
        }),
        Op::MintNft(MintNftOp {
            creator: AccountId(1),
            recipient: AccountId(2),
            nft_id: NftId(3),
            content_hash: [4; 32],
            fee_token: TokenId(0),
            fee: 5,
        }),
        Op::TransferNft(TransferNftOp {
            from: AccountId(1),
            to: AccountId(2),
            nft_id: NftId(3),
            fee_token: TokenId(0),
            fee: 5,
        }),
        Op::WithdrawNft(WithdrawNftOp {
            account_id: AccountId(1),
            nft_id: NftId(3),
            to: a,
            fee_token: TokenId(0),
            fee: 5,
            info: info.clone(),
        }),
        Op::FullExitNft(FullExitNftOp {
            account_id: AccountId(1),
            owner: a,
            nft_id: NftId(3),
            info,
            success: true,
        }),
    ]
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).expect("write seed");
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");

    let dir = root.join("tx_decode");
    fs::create_dir_all(&dir).expect("create seed dir");
    for (i, tx) in every_tx().iter().enumerate() {
        let bytes = tx.encode();
        assert_eq!(SignedTx::decode(&bytes).as_ref(), Ok(tx), "{} round-trips", tx.name());
        write(&dir, &format!("{i:02}-{}", tx.name().to_lowercase()), &bytes);
    }

    let dir = root.join("pubdata_decode");
    fs::create_dir_all(&dir).expect("create seed dir");
    let mut block = Vec::new();
    for op in every_op() {
        let bytes = op.encode().expect("seed operations encode");
        assert_eq!(Op::decode(&bytes), Ok((op.clone(), bytes.len())), "{} round-trips", op.name());
        write(&dir, &format!("{:02}-{}", op.opcode(), op.name().to_lowercase()), &bytes);
        block.extend_from_slice(&bytes);
    }
    write(&dir, "block-all-ops", &block);

    let dir = root.join("float_unpack");
    fs::create_dir_all(&dir).expect("create seed dir");
    for (name, packed) in [
        ("zero", 0u64),
        ("amount-max", (1 << 30) - 1),
        ("fee-max", (1 << 12) - 1),
        ("fee-13e", (13 << 7) | 100),
    ] {
        write(&dir, name, &packed.to_le_bytes());
    }
    let dir = root.join("rpc_request");
    fs::create_dir_all(&dir).expect("create seed dir");
    let request = |method: &str, params: serde_json::Value| {
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    };
    let mut batch = Vec::new();
    for (i, tx) in every_tx().iter().enumerate() {
        let name = tx.name().to_lowercase();
        let json = tern_rpc::tx::TxParam::json(tx);
        assert_eq!(json.to_signed().as_ref(), Ok(tx), "{name} converts from JSON");
        let wire = tern_rpc::tx::TxParam::wire(tx);
        for (form, param) in [("json", &json), ("wire", &wire)] {
            let body = request("tx_submit", serde_json::json!([param, null, false]));
            write(&dir, &format!("{i:02}-{name}-{form}"), body.to_string().as_bytes());
        }
        batch.push(serde_json::json!(json));
    }
    let body = request("submit_txs_batch", serde_json::json!([batch, []]));
    write(&dir, "submit-txs-batch", body.to_string().as_bytes());
    let address = "0x7e409e640cda05a17c09531a52bb82430f68d091";
    let hash = format!("0x{}", "ab".repeat(32));
    let fee_types = serde_json::json!(["Transfer", {"ChangePubKey": "ECDSA"}, "Withdraw"]);
    let reads = serde_json::json!([
        request("account_info", serde_json::json!([address])),
        request("tx_info", serde_json::json!([hash])),
        request("get_tx_fee", serde_json::json!([{"ChangePubKey": "EIP712"}, address, "ETH"])),
        request("get_txs_batch_fee_in_wei", serde_json::json!([fee_types, [address, address], 0])),
        request("ethop_info", serde_json::json!([7])),
    ]);
    write(&dir, "batch-of-reads", reads.to_string().as_bytes());
    println!("seeds written under {}", root.display());
}
