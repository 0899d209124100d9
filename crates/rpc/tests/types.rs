//! The JSON forms convert losslessly to and from `tern-types`, and malformed or out-of-range
//! JSON is a typed error, never a panic.

use proptest::prelude::*;
use serde_json::json;
use tern_primitives::eddsa::{PrivateKey, PubKeyHash};
use tern_primitives::{Address, Fr};
use tern_rpc::types::*;
use tern_types::tx::{self as t, ChangePubKeyAuth, Signed, TxSignature};
use tern_types::{AccountId, NftId, SignedTx, TimeRange, TokenId};

fn sig(seed: u64) -> TxSignature {
    let key = PrivateKey::from_seed(&seed.to_be_bytes());
    TxSignature::sign(&key, Fr::from(seed))
}

fn signed<T>(tx: T, seed: u64) -> Signed<T> {
    Signed { tx, signature: sig(seed) }
}

fn range() -> impl Strategy<Value = TimeRange> {
    (any::<u64>(), any::<u64>()).prop_map(|(a, b)| TimeRange { valid_from: a, valid_until: b })
}

fn token() -> impl Strategy<Value = TokenId> {
    (0u16..1024).prop_map(TokenId)
}

fn address() -> impl Strategy<Value = Address> {
    any::<[u8; 20]>().prop_map(Address::new)
}

fn transfer() -> impl Strategy<Value = SignedTx> {
    (
        any::<u32>(),
        address(),
        token(),
        any::<u128>(),
        any::<u128>(),
        any::<u32>(),
        range(),
        any::<u64>(),
    )
        .prop_map(|(a, to, token, amount, fee, nonce, time_range, s)| {
            let tx =
                t::Transfer { account_id: AccountId(a), to, token, amount, fee, nonce, time_range };
            SignedTx::Transfer(signed(tx, s))
        })
}

fn withdraw() -> impl Strategy<Value = SignedTx> {
    (
        any::<u32>(),
        address(),
        token(),
        any::<u128>(),
        any::<u128>(),
        any::<u32>(),
        range(),
        any::<u64>(),
    )
        .prop_map(|(a, to, token, amount, fee, nonce, time_range, s)| {
            let tx =
                t::Withdraw { account_id: AccountId(a), to, token, amount, fee, nonce, time_range };
            SignedTx::Withdraw(signed(tx, s))
        })
}

fn auth() -> impl Strategy<Value = ChangePubKeyAuth> {
    prop_oneof![
        Just(ChangePubKeyAuth::Onchain),
        any::<[u8; 32]>().prop_map(|b| ChangePubKeyAuth::Ecdsa(sig65(b))),
        any::<[u8; 32]>().prop_map(|b| ChangePubKeyAuth::Eip712(sig65(b))),
    ]
}

fn sig65(b: [u8; 32]) -> [u8; 65] {
    let mut s = [0u8; 65];
    s[..32].copy_from_slice(&b);
    s[32..64].copy_from_slice(&b);
    s[64] = b[0];
    s
}

fn change_pubkey() -> impl Strategy<Value = SignedTx> {
    (
        any::<u32>(),
        any::<[u8; 20]>(),
        token(),
        any::<u128>(),
        any::<u32>(),
        range(),
        auth(),
        any::<u64>(),
    )
        .prop_map(|(a, h, fee_token, fee, nonce, time_range, auth, s)| {
            let tx = t::ChangePubKey {
                account_id: AccountId(a),
                new_pubkey_hash: PubKeyHash(h),
                fee_token,
                fee,
                nonce,
                time_range,
                auth,
            };
            SignedTx::ChangePubKey(signed(tx, s))
        })
}

fn forced_exit() -> impl Strategy<Value = SignedTx> {
    (any::<u32>(), address(), token(), any::<u128>(), any::<u32>(), range(), any::<u64>()).prop_map(
        |(a, target, token, fee, nonce, time_range, s)| {
            let tx =
                t::ForcedExit { account_id: AccountId(a), target, token, fee, nonce, time_range };
            SignedTx::ForcedExit(signed(tx, s))
        },
    )
}

fn order() -> impl Strategy<Value = Signed<t::Order>> {
    (
        any::<u32>(),
        token(),
        token(),
        any::<(u128, u128)>(),
        any::<u128>(),
        any::<u32>(),
        range(),
        any::<u64>(),
    )
        .prop_map(|(a, token_sell, token_buy, ratio, amount, nonce, time_range, s)| {
            let tx = t::Order {
                account_id: AccountId(a),
                token_sell,
                token_buy,
                ratio,
                amount,
                nonce,
                time_range,
            };
            signed(tx, s)
        })
}

fn swap() -> impl Strategy<Value = SignedTx> {
    (
        any::<u32>(),
        order(),
        order(),
        any::<[u128; 2]>(),
        token(),
        any::<u128>(),
        any::<u32>(),
        range(),
        any::<u64>(),
    )
        .prop_map(|(a, o1, o2, amounts, fee_token, fee, nonce, time_range, s)| {
            let tx = t::Swap {
                account_id: AccountId(a),
                orders: [o1, o2],
                amounts,
                fee_token,
                fee,
                nonce,
                time_range,
            };
            SignedTx::Swap(Box::new(signed(tx, s)))
        })
}

fn mint() -> impl Strategy<Value = SignedTx> {
    (
        any::<u32>(),
        address(),
        any::<[u8; 32]>(),
        token(),
        any::<u128>(),
        any::<u32>(),
        range(),
        any::<u64>(),
    )
        .prop_map(|(a, recipient, content_hash, fee_token, fee, nonce, time_range, s)| {
            let tx = t::MintNft {
                account_id: AccountId(a),
                recipient,
                content_hash,
                fee_token,
                fee,
                nonce,
                time_range,
            };
            SignedTx::MintNft(signed(tx, s))
        })
}

fn nft_moves() -> impl Strategy<Value = SignedTx> {
    (
        any::<bool>(),
        any::<u32>(),
        address(),
        any::<u32>(),
        token(),
        any::<u128>(),
        any::<u32>(),
        range(),
        any::<u64>(),
    )
        .prop_map(|(withdraw, a, to, nft, fee_token, fee, nonce, time_range, s)| {
            let (account_id, nft_id) = (AccountId(a), NftId(nft));
            if withdraw {
                let tx =
                    t::WithdrawNft { account_id, to, nft_id, fee_token, fee, nonce, time_range };
                SignedTx::WithdrawNft(signed(tx, s))
            } else {
                let tx =
                    t::TransferNft { account_id, to, nft_id, fee_token, fee, nonce, time_range };
                SignedTx::TransferNft(signed(tx, s))
            }
        })
}

fn any_tx() -> impl Strategy<Value = SignedTx> {
    prop_oneof![transfer(), withdraw(), change_pubkey(), forced_exit(), swap(), mint(), nft_moves()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// SignedTx → JSON text → SignedTx is the identity, and so is the wire form as a parameter.
    #[test]
    fn every_transaction_round_trips(tx in any_tx()) {
        let text = serde_json::to_string(&TxJson::from(&tx)).expect("serializes");
        let back: TxJson = serde_json::from_str(&text).expect("parses");
        prop_assert_eq!(&SignedTx::try_from(&back).expect("converts"), &tx);
        for param in [TxParam::json(&tx), TxParam::wire(&tx)] {
            let text = serde_json::to_string(&param).expect("serializes");
            let back: TxParam = serde_json::from_str(&text).expect("parses");
            prop_assert_eq!(&back.to_signed().expect("converts"), &tx);
        }
    }

    /// Arbitrary JSON never panics the parser or the conversion.
    #[test]
    fn arbitrary_text_is_an_error_not_a_panic(text in ".{0,200}") {
        if let Ok(p) = serde_json::from_str::<TxParam>(&text) {
            let _ = p.to_signed();
        }
    }
}

fn sample_transfer() -> serde_json::Value {
    let tx = t::Transfer {
        account_id: AccountId(7),
        to: Address::new([0x11; 20]),
        token: TokenId(0),
        amount: 1_000,
        fee: 10,
        nonce: 3,
        time_range: TimeRange::ALWAYS,
    };
    serde_json::to_value(TxJson::from(&SignedTx::Transfer(signed(tx, 1)))).expect("json")
}

#[test]
fn the_transfer_shape_is_zksync_lites() {
    let v = sample_transfer();
    assert_eq!(v["type"], "Transfer");
    assert_eq!(v["accountId"], 7);
    assert_eq!(v["to"], "0x1111111111111111111111111111111111111111");
    assert_eq!(v["token"], 0);
    assert_eq!(v["amount"], "1000");
    assert_eq!(v["fee"], "10");
    assert_eq!(v["nonce"], 3);
    assert_eq!(v["validFrom"], 0);
    assert_eq!(v["validUntil"], u64::MAX);
    let pk = v["signature"]["pubKey"].as_str().expect("pubKey");
    let s = v["signature"]["signature"].as_str().expect("signature");
    assert!(pk.starts_with("0x") && pk.len() == 66 && s.len() == 130, "{v}");
    assert!(v.get("from").is_none(), "no from unless given");
}

fn converted(v: serde_json::Value) -> Result<SignedTx, String> {
    let p: TxParam = serde_json::from_value(v).map_err(|e| e.to_string())?;
    p.to_signed().map_err(|e| e.to_string())
}

#[test]
fn malformed_and_out_of_range_fields_are_errors() {
    let base = sample_transfer();
    let with = |key: &str, value: serde_json::Value| {
        let mut v = base.clone();
        v[key] = value;
        v
    };
    let cases = [
        (with("amount", json!("340282366920938463463374607431768211456")), "out of range"),
        (with("amount", json!("-1")), "decimal"),
        (with("amount", json!(5)), "string"),
        (with("fee", json!("1.5")), "decimal"),
        (with("token", json!(1024)), "token ids are below 1024"),
        (with("token", json!(70000)), "u16"),
        (with("accountId", json!(-1)), "u32"),
        (with("to", json!("0x1234")), "20 bytes"),
        (with("nonce", json!("1")), "u32"),
        (with("type", json!("Close")), "unknown variant"),
        (with("signature", json!({"pubKey": "0x00", "signature": "0x00"})), "32 bytes"),
        (json!(42), "expected a transaction"),
        (json!("0x0102"), "does not decode"),
        (json!("0xzz"), "bad hex"),
        (json!("abcd"), "starts with 0x"),
    ];
    for (v, want) in cases {
        let err = converted(v.clone()).expect_err("refused");
        assert!(err.contains(want), "{v}: {err}");
    }
    let mut bad_key = base.clone();
    bad_key["signature"]["pubKey"] = json!(format!("0x{}", "ff".repeat(32)));
    let err = converted(bad_key).expect_err("refused");
    assert!(err.contains("pubKey"), "{err}");
    let mut missing = base;
    missing.as_object_mut().expect("object").remove("fee");
    assert!(converted(missing).expect_err("refused").contains("fee"));
}

#[test]
fn optional_fields_default_and_informational_ones_are_accepted() {
    let mut v = sample_transfer();
    let obj = v.as_object_mut().expect("object");
    obj.remove("validFrom");
    obj.remove("validUntil");
    obj.insert("from".into(), json!("0x2222222222222222222222222222222222222222"));
    let SignedTx::Transfer(t) = converted(v).expect("accepted") else { panic!("a transfer") };
    assert_eq!(t.tx.time_range, TimeRange::ALWAYS);
}

#[test]
fn batch_items_take_every_form() {
    let tx = converted(sample_transfer()).expect("tx");
    let wire = serde_json::to_value(TxParam::wire(&tx)).expect("wire");
    let items = json!([sample_transfer(), wire, {"tx": sample_transfer(), "signature": null}]);
    let batch: Vec<BatchTx> = serde_json::from_value(items).expect("parses");
    for item in &batch {
        assert_eq!(item.0.to_signed().expect("converts"), tx);
    }
}

#[test]
fn result_shapes() {
    assert_eq!(serde_json::to_value(FeeType::Transfer).expect("json"), json!("Transfer"));
    assert_eq!(
        serde_json::to_value(FeeType::ChangePubKey(ChangePubKeyFeeType::Ecdsa)).expect("json"),
        json!({"ChangePubKey": "ECDSA"})
    );
    assert_eq!(
        serde_json::from_value::<FeeType>(json!("MintNFT")).expect("parses"),
        FeeType::MintNft
    );
    assert_eq!(serde_json::to_value(ActionType::Verify).expect("json"), json!("VERIFY"));
    let hash = TxHash([0xab; 32]);
    let text = serde_json::to_value(hash).expect("json");
    assert_eq!(text, json!(format!("0x{}", "ab".repeat(32))));
    let zk: TxHash =
        serde_json::from_value(json!(format!("sync-tx:{}", "ab".repeat(32)))).expect("parses");
    assert_eq!(zk, hash);
    assert!(serde_json::from_value::<TxHash>(json!("0x01")).is_err());
    let state = AccountState::default();
    let v = serde_json::to_value(&state).expect("json");
    assert_eq!(v["pubKeyHash"], json!(format!("sync:{}", "00".repeat(20))));
    assert_eq!(v["mintedNfts"], json!({}));
}
