//! Signing without a node: the SDK wallet's keys are `tern_primitives::keys`', every signed
//! transaction verifies, round-trips through the wire encoding and through `tern-rpc`'s JSON.

use alloy_primitives::Address;
use tern_primitives::eth::{address_of, recover_eip191};
use tern_primitives::keys::{derive_l2_key, l2_key_message};
use tern_rpc::types::{TxJson, TxParam};
use tern_sdk::wallet::parse_eth_key;
use tern_sdk::{Provider, SdkError, TokenList, Wallet};
use tern_state::ChainConfig;
use tern_types::tx::ChangePubKeyAuth;
use tern_types::{AccountId, NftId, SignedTx, TokenId};

const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

fn chain() -> ChainConfig {
    let contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3".parse().expect("address");
    ChainConfig { chain_id: 31337, contract }
}

fn wallet() -> Wallet {
    // No request is made: the provider is only built.
    let provider = Provider::new("http://127.0.0.1:9").expect("provider");
    Wallet::with_chain(provider, KEY, chain(), TokenList::default()).expect("wallet")
}

#[test]
fn l2_key_is_derived_from_the_eth_signature_as_primitives_say() {
    let w = wallet();
    let key = parse_eth_key(KEY).expect("key");
    assert_eq!(w.address(), address_of(&key));
    assert_eq!(
        w.address(),
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse::<Address>().expect("anvil account 1")
    );
    let msg = l2_key_message(31337, chain().contract);
    let sig = tern_primitives::eth::sign_eip191(&key, msg.as_bytes()).expect("sign");
    assert_eq!(recover_eip191(msg.as_bytes(), &sig), Ok(w.address()));
    assert_eq!(w.pubkey_hash(), derive_l2_key(&sig).public_key().hash());
    // Without 0x, the same wallet.
    let bare = Wallet::with_chain(
        Provider::new("http://127.0.0.1:9").expect("provider"),
        KEY.trim_start_matches("0x"),
        chain(),
        TokenList::default(),
    )
    .expect("wallet");
    assert_eq!(bare.pubkey_hash(), w.pubkey_hash());
}

#[test]
fn bad_keys_are_typed_errors() {
    for bad in ["", "0x12", "zz", &format!("0x{}", "00".repeat(32))] {
        assert!(matches!(parse_eth_key(bad), Err(SdkError::BadKey(_))), "{bad:?}");
    }
}

fn every_tx(w: &mut Wallet) -> Vec<SignedTx> {
    let s = w.signer_mut();
    s.account_id = AccountId(7);
    s.nonce = 3;
    let to = Address::repeat_byte(0x42);
    let eth = TokenId(0);
    let order = |s: &mut tern_state::wallet::Wallet| s.order(eth, TokenId(1), (1, 2000), 0);
    let orders = [order(s).expect("order"), order(s).expect("order")];
    vec![
        s.change_pubkey(tern_state::wallet::AuthKind::Ecdsa, eth, 1_000).expect("cpk"),
        s.transfer(to, eth, 1_500_000, 10_000).expect("transfer"),
        s.withdraw(to, eth, 123_456_789, 10_000).expect("withdraw"),
        s.forced_exit(to, eth, 10_000).expect("forced exit"),
        s.swap(orders, [1, 2000], eth, 10).expect("swap"),
        s.mint_nft(to, [9; 32], eth, 10).expect("mint"),
        s.transfer_nft(to, NftId(5), eth, 10).expect("nft transfer"),
        s.withdraw_nft(to, NftId(5), eth, 10).expect("nft withdraw"),
    ]
}

fn verifies(tx: &SignedTx) -> bool {
    match tx {
        SignedTx::Transfer(t) => t.verify(),
        SignedTx::Withdraw(t) => t.verify(),
        SignedTx::ChangePubKey(t) => t.verify(),
        SignedTx::ForcedExit(t) => t.verify(),
        SignedTx::Swap(t) => t.verify() && t.tx.orders.iter().all(|o| o.verify()),
        SignedTx::MintNft(t) => t.verify(),
        SignedTx::TransferNft(t) => t.verify(),
        SignedTx::WithdrawNft(t) => t.verify(),
    }
}

#[test]
fn every_signed_tx_verifies_and_round_trips() {
    let mut w = wallet();
    let txs = every_tx(&mut w);
    assert_eq!(txs.len(), 8);
    for (i, tx) in txs.iter().enumerate() {
        assert!(verifies(tx), "{}", tx.name());
        assert_eq!(tx.nonce(), 3 + i as u32, "{}: nonces count up", tx.name());
        assert_eq!(SignedTx::decode(&tx.encode()).as_ref(), Ok(tx), "{} wire", tx.name());
        let json = serde_json::to_value(TxJson::from(tx)).expect("json");
        let back: TxJson = serde_json::from_value(json.clone()).expect("parse");
        assert_eq!(SignedTx::try_from(&back).as_ref(), Ok(tx), "{} json", tx.name());
        let param: TxParam = serde_json::from_value(json).expect("tx_submit's parameter");
        assert_eq!(param.to_signed().as_ref(), Ok(tx), "{} param", tx.name());
    }
}

#[test]
fn change_pubkey_is_authorised_by_the_eth_key() {
    let mut w = wallet();
    let address = w.address();
    let pkh = w.pubkey_hash();
    let chain = chain();
    let SignedTx::ChangePubKey(cpk) = &every_tx(&mut w)[0] else { panic!("first is a cpk") };
    let ChangePubKeyAuth::Ecdsa(sig) = cpk.tx.auth else { panic!("ECDSA auth") };
    let msg = tern_primitives::eth::change_pubkey_eip191_message(
        &pkh,
        cpk.tx.nonce,
        cpk.tx.account_id.0,
        chain.chain_id,
        chain.contract,
    );
    assert_eq!(recover_eip191(&msg, &sig), Ok(address));
    assert_eq!(cpk.tx.new_pubkey_hash, pkh);
}

#[test]
fn orders_round_trip_through_json() {
    let mut w = wallet();
    let s = w.signer_mut();
    s.account_id = AccountId(2);
    let order = s.order(TokenId(0), TokenId(1), (3, 7), 11).expect("order");
    let json = tern_sdk::orders::order_to_json(&order).expect("to json");
    assert_eq!(json.account_id, 2);
    assert_eq!(json.ratio, [3, 7]);
    let text = serde_json::to_string(&json).expect("serialize");
    let back = tern_sdk::orders::order_from_json(&serde_json::from_str(&text).expect("parse"))
        .expect("from json");
    assert_eq!(back, order);
    assert!(back.verify());
}
