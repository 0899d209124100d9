//! The committed fixtures in `docs/spec/vectors/` against the native code: every case is
//! recomputed through the public APIs (decode the hex, re-encode, recompute hashes,
//! signatures, roots and commitments) and compared, and regenerating gives the committed bytes.
//! A protocol change therefore shows up here and as a reviewed diff of the fixtures.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tern_primitives::eddsa::{PrivateKey, PubKeyHash, PublicKey, Signature};
use tern_primitives::eth::{self, SigningKey};
use tern_primitives::field::{fr_from_be_bytes, fr_to_be_bytes};
use tern_primitives::float::{FloatFormat, AMOUNT, FEE};
use tern_primitives::keys::{derive_l2_key, l2_key_message};
use tern_primitives::{poseidon, Address, Fr};
use tern_state::state::state_root;
use tern_state::{Account, Nft, State};
use tern_types::bits::BitWriter;
use tern_types::block::{commitment, decode_pubdata};
use tern_types::exit::{exit_public_input, nft_exit_public_input};
use tern_types::op::NftInfo;
use tern_types::params::CHUNK_BYTES;
use tern_types::tx::ChangePubKeyAuth;
use tern_types::{AccountId, BlockHeader, DecodeError, NftId, Op, SignedTx, TokenId};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/spec/vectors")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(name)).expect("committed fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("string expected, got {v}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(s(v).strip_prefix("0x").expect("0x prefix")).expect("hex")
}

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    bytes(v).try_into().expect("length")
}

fn fr(v: &Value) -> Fr {
    fr_from_be_bytes(&arr::<32>(v)).expect("canonical field element")
}

fn dec(v: &Value) -> u128 {
    s(v).parse().expect("decimal string")
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("integer expected, got {v}"))
}

fn items(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("array expected, got {v}"))
}

fn hexv(b: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(b.as_ref()))
}

fn error_name(debug: String) -> String {
    tern_vectors::json::variant_name(&debug)
}

#[test]
fn regenerating_gives_the_committed_files() {
    let generated = tern_vectors::all().expect("generate");
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("docs/spec/vectors")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = generated.iter().map(|(n, _)| n.to_string()).collect();
    expected.sort();
    assert_eq!(names, expected, "the committed files are exactly the generated ones");
    for (name, text) in generated {
        let committed = std::fs::read_to_string(dir().join(name)).expect("committed");
        assert!(
            committed == text,
            "{name} differs from the code: run `tern spec vectors --out docs/spec/vectors` and \
             review the diff"
        );
    }
}

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

fn packed(v: &Value) -> u64 {
    u64::from_str_radix(s(v).trim_start_matches("0x"), 16).expect("hex integer")
}

#[test]
fn floats() {
    let f = load("floats.json");
    let formats = items(&f["formats"]);
    assert_eq!(formats.len(), 2);
    for (spec, format) in formats.iter().zip([AMOUNT, FEE]) {
        let format: FloatFormat = format;
        assert_eq!(u(&spec["bits"]), u64::from(format.bits()));
        assert_eq!(u(&spec["mantissa_bits"]), u64::from(format.mantissa_bits));
        assert_eq!(u(&spec["exponent_bits"]), u64::from(format.exponent_bits));
        assert_eq!(dec(&spec["max_value"]), format.max_mantissa() * 10u128.pow(31));
        for c in items(&spec["pack"]) {
            let value = dec(&c["value"]);
            match format.pack(value) {
                Ok(p) => {
                    assert_eq!(p, packed(&c["packed"]), "pack({value})");
                    assert_eq!(p >> format.mantissa_bits, u(&c["exponent"]));
                    assert_eq!(p & ((1 << format.mantissa_bits) - 1), u(&c["mantissa"]));
                    assert_eq!(format.unpack(p), Ok(value));
                }
                Err(e) => {
                    assert_eq!(error_name(format!("{e:?}")), s(&c["error"]), "pack({value})");
                    assert_eq!(format.closest_down(value), dec(&c["closest_down"]));
                }
            }
        }
        for c in items(&spec["unpack"]) {
            let p = packed(&c["packed"]);
            match format.unpack(p) {
                Ok(v) => assert_eq!(v, dec(&c["value"]), "unpack({p:#x})"),
                Err(e) => assert_eq!(error_name(format!("{e:?}")), s(&c["error"])),
            }
        }
        for c in items(&spec["rounding"]) {
            let value = dec(&c["value"]);
            assert_eq!(format.closest_down(value), dec(&c["closest_down"]), "down({value})");
            let up = if c["closest_up"].is_null() { None } else { Some(dec(&c["closest_up"])) };
            assert_eq!(format.closest_up(value), up, "up({value})");
        }
        assert!(!items(&spec["non_canonical"]).is_empty());
        for c in items(&spec["non_canonical"]) {
            let p = packed(&c["packed"]);
            let value = format.unpack(p).expect("non-canonical encodings unpack");
            assert_eq!(value, dec(&c["value"]));
            let canonical = format.pack(value).expect("packs");
            assert_eq!(canonical, packed(&c["canonical"]));
            assert_ne!(canonical, p);
            // The pubdata decoder refuses it, in a transfer's amount or fee.
            let bytes = if format == AMOUNT { raw_transfer(p, 0) } else { raw_transfer(1, p) };
            assert!(
                matches!(decode_pubdata(&bytes), Err(DecodeError::NonCanonicalFloat { .. })),
                "{p:#x} must be refused"
            );
        }
    }
}

fn check_signature(c: &Value, message: Fr) {
    let key = PrivateKey::from_bytes(arr(&c["private_key"]));
    let public = key.public_key();
    assert_eq!(hexv(public.pack()), s(&c["public_key"]));
    assert_eq!(hexv(public.hash().0), s(&c["pubkey_hash"]));
    assert_eq!(hexv(key.sign(message).pack()), s(&c["signature"]), "deterministic signature");
    let pk = PublicKey::unpack(&arr(&c["public_key"])).expect("key unpacks");
    let sig = Signature::unpack(&arr(&c["signature"])).expect("signature unpacks");
    assert!(pk.verify(message, &sig));
}

fn check_elements(c: &Value, message: Fr) {
    let elements: Vec<Fr> = items(&c["message_elements"]).iter().map(fr).collect();
    assert!(elements.len() == 2 || elements.len() == 4, "2 or 4 elements");
    assert_eq!(poseidon::poseidon(&elements).expect("poseidon"), message);
}

fn check_tx(c: &Value, chain_id: u64, contract: Address) {
    let name = s(&c["name"]);
    let wire = bytes(&c["wire"]);
    let tx = SignedTx::decode(&wire).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(tx.encode(), wire, "{name}: wire round trip");
    assert_eq!(s(&c["type"]), tx.name());
    assert_eq!(u(&c["type_code"]), u64::from(tx.type_code()));
    let message = fr(&c["message"]);
    assert_eq!(tx.hash().expect("message"), message, "{name}: message");
    check_elements(c, message);
    let elements: Vec<Value> = tern_vectors::message_elements(&tx)
        .expect("elements")
        .iter()
        .map(|x| Value::String(hexv(fr_to_be_bytes(x))))
        .collect();
    assert_eq!(&elements, items(&c["message_elements"]), "{name}: elements");
    check_signature(c, message);
    // The fields are those the wire bytes carry.
    assert_eq!(tern_vectors::tx_fields(&tx), c["fields"], "{name}: fields");
    if let SignedTx::Swap(swap) = &tx {
        for (o, fixture) in swap.tx.orders.iter().zip(items(&c["fields"]["orders"])) {
            use tern_types::tx::TxBody;
            let m = o.tx.message().expect("order message");
            assert_eq!(m, fr(&fixture["message"]));
            check_elements(fixture, m);
            assert_eq!(hexv(o.signature.signature.pack()), s(&fixture["signature"]));
            assert!(o.signature.verify(m));
        }
    }
    if let SignedTx::ChangePubKey(cpk) = &tx {
        let t = &cpk.tx;
        let e = &c["ethereum"];
        let eth_key = SigningKey::from_slice(&bytes(&e["eth_private_key"])).expect("key");
        let owner = eth::address_of(&eth_key);
        assert_eq!(hexv(owner), s(&e["eth_address"]));
        let msg = eth::change_pubkey_eip191_message(
            &t.new_pubkey_hash,
            t.nonce,
            t.account_id.0,
            chain_id,
            contract,
        );
        assert_eq!(hexv(msg), s(&e["eip191"]["message"]));
        assert_eq!(hexv(alloy_primitives::eip191_hash_message(msg)), s(&e["eip191"]["hash"]));
        let sig191: [u8; 65] = arr(&e["eip191"]["signature"]);
        assert_eq!(eth::recover_eip191(&msg, &sig191), Ok(owner));
        let hash = eth::change_pubkey_eip712_hash(
            &t.new_pubkey_hash,
            t.nonce,
            t.account_id.0,
            chain_id,
            contract,
        );
        assert_eq!(hexv(hash), s(&e["eip712"]["hash"]));
        let sig712: [u8; 65] = arr(&e["eip712"]["signature"]);
        assert_eq!(eth::recover_prehash(&hash, &sig712), Ok(owner));
        assert_eq!(u(&e["eip712"]["domain"]["chain_id"]), chain_id);
        match &t.auth {
            ChangePubKeyAuth::Ecdsa(sig) => assert_eq!(sig, &sig191),
            ChangePubKeyAuth::Eip712(sig) => assert_eq!(sig, &sig712),
            ChangePubKeyAuth::Onchain => {}
        }
    }
}

#[test]
fn transactions() {
    let f = load("transactions.json");
    let chain_id = u(&f["chain"]["chain_id"]);
    let contract = Address::from(arr::<20>(&f["chain"]["contract"]));
    let mut types = std::collections::BTreeSet::new();
    for c in items(&f["transactions"]) {
        check_tx(c, chain_id, contract);
        types.insert(s(&c["type"]).to_string());
    }
    for name in [
        "Transfer",
        "Withdraw",
        "ChangePubKey",
        "ForcedExit",
        "Swap",
        "MintNFT",
        "TransferNFT",
        "WithdrawNFT",
    ] {
        assert!(types.contains(name), "no {name} case");
    }
    for o in items(&f["orders"]) {
        let m = fr(&o["message"]);
        check_elements(o, m);
        check_signature(o, m);
    }
    for b in items(&f["batches"]) {
        assert!(items(&b["transactions"]).len() >= 2);
        for c in items(&b["transactions"]) {
            check_tx(c, chain_id, contract);
        }
    }
    for d in items(&f["l2_key_derivation"]) {
        let contract = Address::from(arr::<20>(&d["contract"]));
        let text = l2_key_message(u(&d["chain_id"]), contract);
        assert_eq!(text, s(&d["message"]));
        let eth_key = SigningKey::from_slice(&bytes(&d["eth_private_key"])).expect("key");
        assert_eq!(hexv(eth::address_of(&eth_key)), s(&d["eth_address"]));
        let sig = eth::sign_eip191(&eth_key, text.as_bytes()).expect("sign");
        assert_eq!(hexv(sig), s(&d["signature"]));
        let key = derive_l2_key(&arr(&d["signature"]));
        assert_eq!(hexv(key.to_bytes()), s(&d["l2_private_key"]));
        assert_eq!(hexv(key.public_key().pack()), s(&d["l2_public_key"]));
        assert_eq!(hexv(key.public_key().hash().0), s(&d["pubkey_hash"]));
    }
}

fn encode_all(ops: &[Op]) -> Vec<u8> {
    ops.iter().flat_map(|op| op.encode().expect("encodes")).collect()
}

#[test]
fn pubdata() {
    let f = load("pubdata.json");
    let mut opcodes = std::collections::BTreeSet::new();
    for c in items(&f["valid"]) {
        let hex = bytes(&c["hex"]);
        let ops = decode_pubdata(&hex).unwrap_or_else(|e| panic!("{}: {e}", s(&c["name"])));
        assert_eq!(encode_all(&ops), hex, "{}: re-encodes", s(&c["name"]));
        let json: Vec<Value> = ops.iter().map(tern_vectors::op_json).collect();
        assert_eq!(&json, items(&c["ops"]), "{}", s(&c["name"]));
        opcodes.extend(ops.iter().map(Op::opcode));
    }
    assert_eq!(opcodes.len(), 13, "every opcode has a valid case");
    for c in items(&f["invalid"]) {
        let err = decode_pubdata(&bytes(&c["hex"])).expect_err(s(&c["name"]));
        assert_eq!(error_name(format!("{err:?}")), s(&c["error"]), "{}", s(&c["name"]));
        assert_eq!(err.to_string(), s(&c["message"]));
    }
}

/// The state a block's `state` object describes, rebuilt through `State`'s public setters.
fn rebuild(st: &Value) -> State {
    let mut state = State::new();
    for a in items(&st["accounts"]) {
        let address = Address::from(arr::<20>(&a["address"]));
        let id = state.create_account(address).expect("create");
        assert_eq!(u64::from(id.0), u(&a["id"]));
        state
            .update_meta(id, |acc: &mut Account| {
                acc.pubkey_hash = PubKeyHash(arr(&a["pubkey_hash"]));
                acc.nonce = u(&a["nonce"]) as u32;
                acc.nfts_minted = u(&a["nfts_minted"]) as u32;
            })
            .expect("meta");
        for b in items(&a["balances"]) {
            state.set_balance(id, TokenId(u(&b["token"]) as u16), dec(&b["amount"]));
        }
    }
    while u64::from(state.next_nft_id()) < u(&st["next_nft_id"]) {
        state.allocate_nft_id().expect("nft id");
    }
    for n in items(&st["nfts"]) {
        let info = NftInfo {
            creator_id: AccountId(u(&n["creator_id"]) as u32),
            creator_address: Address::from(arr::<20>(&n["creator_address"])),
            serial: u(&n["serial"]) as u32,
            content_hash: arr(&n["content_hash"]),
        };
        let nft = Nft { owner: AccountId(u(&n["owner"]) as u32), info };
        state.put_nft(NftId(u(&n["id"]) as u32), Some(nft));
    }
    state
}

#[test]
fn blocks() {
    let f = load("blocks.json");
    let mut root = fr(&f["genesis_root"]);
    let mut names = std::collections::BTreeSet::new();
    let mut rejected = 0;
    for b in items(&f["blocks"]) {
        let number = u(&b["number"]);
        let header = BlockHeader {
            number,
            fee_account: AccountId(u(&b["fee_account"]) as u32),
            timestamp: dec(&b["timestamp"]) as u64,
            old_root: fr(&b["old_root"]),
            new_root: fr(&b["new_root"]),
        };
        assert_eq!(header.old_root, root, "block {number} starts where the last one ended");
        root = header.new_root;
        let pubdata = bytes(&b["pubdata"]);
        assert_eq!(pubdata.len(), u(&b["capacity"]) as usize * CHUNK_BYTES);
        let ops = decode_pubdata(&pubdata).expect("pubdata decodes");
        let json: Vec<Value> = ops.iter().map(tern_vectors::op_json).collect();
        assert_eq!(&json, items(&b["ops"]));
        names.extend(ops.iter().map(|o| o.name()));
        // The onchain bitmap and the onchain operations' first chunks, from the ops.
        let chunks = pubdata.len() / CHUNK_BYTES;
        let mut bitmap = vec![0u8; chunks.div_ceil(8)];
        let (mut chunk, mut firsts) = (0, Vec::new());
        for op in &ops {
            if op.is_onchain() {
                bitmap[chunk / 8] |= 0x80 >> (chunk % 8);
                firsts.push(Value::from(chunk));
            }
            chunk += op.chunks();
        }
        assert_eq!(hexv(&bitmap), s(&b["onchain_bitmap"]));
        assert_eq!(&firsts, items(&b["onchain_ops"]));
        // The commitment, by hand and by the library.
        let mut h = Sha256::new();
        h.update(number.to_be_bytes());
        h.update(header.fee_account.0.to_be_bytes());
        h.update(fr_to_be_bytes(&header.old_root));
        h.update(fr_to_be_bytes(&header.new_root));
        h.update(header.timestamp.to_be_bytes());
        h.update(&bitmap);
        h.update(&pubdata);
        let mut c: [u8; 32] = h.finalize().into();
        c[0] &= 0x1f;
        assert_eq!(hexv(c), s(&b["commitment"]), "block {number} commitment");
        assert_eq!(commitment(&header, &pubdata, &bitmap), c);
        assert_eq!(fr(&b["public_input"]), fr_from_be_bytes(&c).expect("below 2^253"));
        // The state after the block, rebuilt from its listing, has the block's new root.
        let st = &b["state"];
        let expected = state_root(
            fr(&st["account_root"]),
            fr(&st["nft_root"]),
            u(&st["next_nft_id"]) as u32,
            u(&st["next_account_id"]) as u32,
        );
        assert_eq!(expected, fr(&st["root"]));
        assert_eq!(expected, header.new_root);
        let mut state = rebuild(st);
        assert_eq!(u64::from(state.next_account_id()), u(&st["next_account_id"]));
        let (account_root, nft_root) = state.sub_roots();
        assert_eq!(account_root, fr(&st["account_root"]), "block {number} account root");
        assert_eq!(nft_root, fr(&st["nft_root"]), "block {number} NFT root");
        assert_eq!(state.root(), header.new_root);
        rejected += items(&b["rejected"]).len();
    }
    assert_eq!(names.len(), 12, "every operation type but Noop appears: {names:?}");
    assert!(rejected > 0, "the chain has a rejected transaction");
}

#[test]
fn exit() {
    let f = load("exit.json");
    let mask = |preimage: &[u8]| {
        let mut c: [u8; 32] = Sha256::digest(preimage).into();
        c[0] &= 0x1f;
        c
    };
    for c in items(&f["token_exits"]) {
        let root = fr(&c["root"]);
        let (id, token, amount) =
            (u(&c["account_id"]) as u32, u(&c["token"]) as u16, dec(&c["amount"]));
        let address = Address::from(arr::<20>(&c["address"]));
        let preimage = [
            &fr_to_be_bytes(&root)[..],
            &id.to_be_bytes(),
            address.as_slice(),
            &token.to_be_bytes(),
            &amount.to_be_bytes(),
        ]
        .concat();
        assert_eq!(hexv(&preimage), s(&c["preimage"]));
        let commitment = mask(&preimage);
        assert_eq!(hexv(commitment), s(&c["commitment"]));
        let input = exit_public_input(root, AccountId(id), &address, TokenId(token), amount);
        assert_eq!(input, fr(&c["public_input"]));
        assert_eq!(input, fr_from_be_bytes(&commitment).expect("masked"));
    }
    for c in items(&f["nft_exits"]) {
        let root = fr(&c["root"]);
        let (id, nft) = (u(&c["account_id"]) as u32, u(&c["nft_id"]) as u32);
        let address = Address::from(arr::<20>(&c["address"]));
        let info = NftInfo {
            creator_id: AccountId(u(&c["creator_id"]) as u32),
            creator_address: Address::from(arr::<20>(&c["creator_address"])),
            serial: u(&c["serial"]) as u32,
            content_hash: arr(&c["content_hash"]),
        };
        let preimage = [
            &fr_to_be_bytes(&root)[..],
            &id.to_be_bytes(),
            address.as_slice(),
            &nft.to_be_bytes()[1..],
            &info.creator_id.0.to_be_bytes()[1..],
            info.creator_address.as_slice(),
            &info.serial.to_be_bytes(),
            &info.content_hash,
        ]
        .concat();
        assert_eq!(hexv(&preimage), s(&c["preimage"]));
        let commitment = mask(&preimage);
        assert_eq!(hexv(commitment), s(&c["commitment"]));
        let input = nft_exit_public_input(root, AccountId(id), &address, NftId(nft), &info);
        assert_eq!(input, fr(&c["public_input"]));
    }
}
