//! Codec tests: every operation and transaction round-trips, hostile bytes are refused without
//! panicking, and the byte budget holds.

use proptest::prelude::*;
use tern_primitives::eddsa::{PrivateKey, PubKeyHash};
use tern_primitives::float::{AMOUNT, FEE};
use tern_primitives::Address;
use tern_types::block::{commitment, decode_pubdata};
use tern_types::op::*;
use tern_types::params::CHUNK_BYTES;
use tern_types::tx::*;
use tern_types::*;

fn arb_address() -> impl Strategy<Value = Address> {
    any::<[u8; 20]>().prop_map(Address::from)
}
fn arb_account() -> impl Strategy<Value = AccountId> {
    (0u32..1 << 24).prop_map(AccountId)
}
fn arb_token() -> impl Strategy<Value = TokenId> {
    (0u16..1024).prop_map(TokenId)
}
fn arb_nft() -> impl Strategy<Value = NftId> {
    (0u32..1 << 24).prop_map(NftId)
}
fn arb_amount_float() -> impl Strategy<Value = u128> {
    any::<u128>().prop_map(|v| AMOUNT.closest_down(v))
}
fn arb_fee() -> impl Strategy<Value = u128> {
    any::<u128>().prop_map(|v| FEE.closest_down(v))
}
fn arb_info() -> impl Strategy<Value = NftInfo> {
    (arb_account(), arb_address(), any::<u32>(), any::<[u8; 32]>()).prop_map(
        |(creator_id, creator_address, serial, content_hash)| NftInfo {
            creator_id,
            creator_address,
            serial,
            content_hash,
        },
    )
}
fn arb_transfer() -> impl Strategy<Value = TransferOp> {
    (arb_account(), arb_account(), arb_token(), arb_amount_float(), arb_fee())
        .prop_map(|(from, to, token, amount, fee)| TransferOp { from, to, token, amount, fee })
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Noop),
        (arb_account(), arb_token(), any::<u128>(), arb_address()).prop_map(
            |(account_id, token, amount, address)| Op::Deposit(DepositOp {
                account_id,
                token,
                amount,
                address
            })
        ),
        (arb_transfer(), arb_address()).prop_map(|(transfer, to_address)| Op::TransferToNew(
            TransferToNewOp { transfer, to_address }
        )),
        (arb_account(), arb_token(), any::<u128>(), arb_fee(), arb_address()).prop_map(
            |(account_id, token, amount, fee, to)| Op::Withdraw(WithdrawOp {
                account_id,
                token,
                amount,
                fee,
                to
            })
        ),
        arb_transfer().prop_map(Op::Transfer),
        (arb_account(), arb_address(), arb_token(), any::<u128>()).prop_map(
            |(account_id, owner, token, amount)| Op::FullExit(FullExitOp {
                account_id,
                owner,
                token,
                amount
            })
        ),
        (arb_account(), any::<[u8; 20]>(), arb_address(), any::<u32>(), arb_token(), arb_fee())
            .prop_map(|(account_id, pkh, address, nonce, fee_token, fee)| Op::ChangePubKey(
                ChangePubKeyOp {
                    account_id,
                    pubkey_hash: PubKeyHash(pkh),
                    address,
                    nonce,
                    fee_token,
                    fee
                }
            )),
        (arb_account(), arb_account(), arb_token(), any::<u128>(), arb_fee(), arb_address())
            .prop_map(|(initiator, target, token, amount, fee, target_address)| Op::ForcedExit(
                ForcedExitOp { initiator, target, token, amount, fee, target_address }
            )),
        (
            (arb_account(), arb_account(), arb_account()),
            (arb_token(), arb_token(), arb_token()),
            (arb_amount_float(), arb_amount_float(), arb_fee(), 0u8..4)
        )
            .prop_map(
                |((submitter, a, b), (t0, t1, fee_token), (x, y, fee, nonce_mask))| Op::Swap(
                    SwapOp {
                        submitter,
                        accounts: [a, b],
                        tokens: [t0, t1],
                        amounts: [x, y],
                        fee_token,
                        fee,
                        nonce_mask
                    }
                )
            ),
        (arb_account(), arb_account(), arb_nft(), any::<[u8; 32]>(), arb_token(), arb_fee())
            .prop_map(|(creator, recipient, nft_id, content_hash, fee_token, fee)| Op::MintNft(
                MintNftOp { creator, recipient, nft_id, content_hash, fee_token, fee }
            )),
        (arb_account(), arb_account(), arb_nft(), arb_token(), arb_fee()).prop_map(
            |(from, to, nft_id, fee_token, fee)| Op::TransferNft(TransferNftOp {
                from,
                to,
                nft_id,
                fee_token,
                fee
            })
        ),
        (arb_account(), arb_nft(), arb_address(), arb_token(), arb_fee(), arb_info()).prop_map(
            |(account_id, nft_id, to, fee_token, fee, info)| Op::WithdrawNft(WithdrawNftOp {
                account_id,
                nft_id,
                to,
                fee_token,
                fee,
                info
            })
        ),
        (arb_account(), arb_address(), arb_nft(), arb_info(), any::<bool>()).prop_map(
            |(account_id, owner, nft_id, info, success)| {
                // An unserved full exit carries a zero info.
                let info = if success { info } else { NftInfo::default() };
                Op::FullExitNft(FullExitNftOp { account_id, owner, nft_id, info, success })
            }
        ),
    ]
}

proptest! {
    #[test]
    fn every_op_round_trips(op in arb_op()) {
        let bytes = op.encode().expect("valid op encodes");
        prop_assert_eq!(bytes.len(), op.chunks() * CHUNK_BYTES);
        prop_assert_eq!(Op::decode(&bytes), Ok((op.clone(), bytes.len())));
    }

    #[test]
    fn pubdata_of_many_ops_round_trips(ops in proptest::collection::vec(arb_op(), 0..12)) {
        let ops: Vec<Op> = ops.into_iter().filter(|o| *o != Op::Noop).collect();
        let mut pubdata = Vec::new();
        for op in &ops {
            pubdata.extend(op.encode().expect("encodes"));
        }
        pubdata.extend(vec![0u8; 3 * CHUNK_BYTES]);
        prop_assert_eq!(decode_pubdata(&pubdata), Ok(ops));
    }

    #[test]
    fn hostile_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Op::decode(&bytes);
        let _ = decode_pubdata(&bytes);
        let _ = SignedTx::decode(&bytes);
    }

    #[test]
    fn flipped_op_bytes_never_panic(op in arb_op(), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = op.encode().expect("encodes");
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        if let Ok((decoded, used)) = Op::decode(&bytes) {
            // Whatever decodes re-encodes to exactly the bytes it came from: the codec is
            // canonical, so two pubdata strings never mean the same operation.
            prop_assert_eq!(decoded.encode().expect("decoded ops encode"), bytes[..used].to_vec());
        }
    }
}

#[test]
fn transfer_is_thirteen_bytes() {
    let op = Op::Transfer(TransferOp {
        from: AccountId(1),
        to: AccountId(2),
        token: TokenId(3),
        amount: 1_000_000,
        fee: 100,
    });
    assert_eq!(op.encode().expect("encodes").len(), 13);
}

#[test]
fn chunk_counts() {
    let expect = [
        (tx_type::NOOP, 1),
        (tx_type::DEPOSIT, 4),
        (tx_type::TRANSFER_TO_NEW, 3),
        (tx_type::WITHDRAW, 4),
        (tx_type::TRANSFER, 1),
        (tx_type::FULL_EXIT, 4),
        (tx_type::CHANGE_PUB_KEY, 4),
        (tx_type::FORCED_EXIT, 4),
        (tx_type::SWAP, 3),
        (tx_type::MINT_NFT, 4),
        (tx_type::TRANSFER_NFT, 2),
        (tx_type::WITHDRAW_NFT, 7),
        (tx_type::FULL_EXIT_NFT, 7),
    ];
    for (opcode, chunks) in expect {
        assert_eq!(op::op_chunks(opcode), Some(chunks), "{}", op_name(opcode));
    }
    assert_eq!(op::op_chunks(13), None);
}

#[test]
fn decoder_rejects_malformed_pubdata() {
    assert_eq!(Op::decode(&[]), Err(DecodeError::Truncated { needed: 1 }));
    assert!(matches!(
        Op::decode(&[0xd0; 13]),
        Err(DecodeError::UnknownTag { what: "opcode", value: 13 })
    ));
    // A deposit needs four chunks.
    assert!(matches!(Op::decode(&[0x10; 13]), Err(DecodeError::Truncated { needed: 52 })));
    // A Noop with a stray bit in its padding.
    let mut noop = [0u8; 13];
    noop[12] = 1;
    assert!(matches!(Op::decode(&noop), Err(DecodeError::NonZeroPadding { .. })));
    assert_eq!(decode_pubdata(&[0u8; 14]), Err(DecodeError::NotChunkAligned(14)));
    // A non-canonical amount: mantissa 10 with exponent 0 is canonical, but 1 × 10^1 spelled as
    // mantissa 1 exponent 1 is the canonical form of 10, so mantissa 10 / exponent 1 (= 100)
    // must be written as mantissa 1 exponent 2.
    let good = Op::Transfer(TransferOp {
        from: AccountId(0),
        to: AccountId(0),
        token: TokenId(0),
        amount: 100,
        fee: 0,
    });
    let mut bytes = good.encode().expect("encodes");
    // amount field: bits 62..92 of the op; rewrite it as exponent 1, mantissa 10.
    let mut bits: Vec<u8> =
        bytes.iter().flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1)).collect();
    let packed: u64 = (1 << 25) | 10;
    for i in 0..30 {
        bits[62 + i] = ((packed >> (29 - i)) & 1) as u8;
    }
    bytes = bits.chunks(8).map(|c| c.iter().fold(0u8, |a, b| (a << 1) | b)).collect();
    assert!(matches!(
        Op::decode(&bytes),
        Err(DecodeError::NonCanonicalFloat { what: "amount", .. })
    ));
}

fn key(seed: u8) -> PrivateKey {
    PrivateKey::from_seed(&[seed])
}

fn range() -> TimeRange {
    TimeRange { valid_from: 10, valid_until: 1_000 }
}

fn every_tx() -> Vec<SignedTx> {
    let k = key(1);
    let to = Address::repeat_byte(0x22);
    let order = |seed: u8, sell, buy| {
        Order {
            account_id: AccountId(u32::from(seed)),
            token_sell: TokenId(sell),
            token_buy: TokenId(buy),
            ratio: (3, 7),
            amount: 0,
            nonce: 4,
            time_range: range(),
        }
        .sign(&key(seed))
        .expect("packable")
    };
    vec![
        SignedTx::Transfer(
            Transfer {
                account_id: AccountId(7),
                to,
                token: TokenId(1),
                amount: 5_000,
                fee: 20,
                nonce: 3,
                time_range: range(),
            }
            .sign(&k)
            .expect("packable"),
        ),
        SignedTx::Withdraw(
            Withdraw {
                account_id: AccountId(7),
                to,
                token: TokenId(1),
                amount: 123_456_789,
                fee: 20,
                nonce: 3,
                time_range: range(),
            }
            .sign(&k)
            .expect("packable"),
        ),
        SignedTx::ChangePubKey(
            ChangePubKey {
                account_id: AccountId(7),
                new_pubkey_hash: k.public_key().hash(),
                fee_token: TokenId(0),
                fee: 0,
                nonce: 0,
                time_range: range(),
                auth: ChangePubKeyAuth::Eip712([9; 65]),
            }
            .sign(&k)
            .expect("packable"),
        ),
        SignedTx::ForcedExit(
            ForcedExit {
                account_id: AccountId(7),
                target: to,
                token: TokenId(2),
                fee: 20,
                nonce: 3,
                time_range: range(),
            }
            .sign(&k)
            .expect("packable"),
        ),
        SignedTx::Swap(Box::new(
            Swap {
                account_id: AccountId(9),
                orders: [order(2, 1, 2), order(3, 2, 1)],
                amounts: [300, 700],
                fee_token: TokenId(0),
                fee: 10,
                nonce: 1,
                time_range: range(),
            }
            .sign(&k)
            .expect("packable"),
        )),
        SignedTx::MintNft(
            MintNft {
                account_id: AccountId(7),
                recipient: to,
                content_hash: [5; 32],
                fee_token: TokenId(0),
                fee: 1,
                nonce: 3,
                time_range: range(),
            }
            .sign(&k)
            .expect("packable"),
        ),
        SignedTx::TransferNft(
            TransferNft {
                account_id: AccountId(7),
                to,
                nft_id: NftId(8),
                fee_token: TokenId(0),
                fee: 1,
                nonce: 3,
                time_range: range(),
            }
            .sign(&k)
            .expect("packable"),
        ),
        SignedTx::WithdrawNft(
            WithdrawNft {
                account_id: AccountId(7),
                to,
                nft_id: NftId(8),
                fee_token: TokenId(0),
                fee: 1,
                nonce: 3,
                time_range: range(),
            }
            .sign(&k)
            .expect("packable"),
        ),
    ]
}

#[test]
fn every_tx_round_trips_and_verifies() {
    for tx in every_tx() {
        let bytes = tx.encode();
        assert_eq!(SignedTx::decode(&bytes).as_ref(), Ok(&tx), "{}", tx.name());
        // Truncations and trailing bytes are refused.
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(SignedTx::decode(&bytes[..cut]).is_err(), "{} cut at {cut}", tx.name());
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(SignedTx::decode(&long), Err(DecodeError::TrailingBytes(1)));
        assert!(tx.hash().is_ok());
    }
}

#[test]
fn signatures_cover_every_field() {
    let k = key(1);
    let t = Transfer {
        account_id: AccountId(7),
        to: Address::repeat_byte(1),
        token: TokenId(1),
        amount: 5_000,
        fee: 20,
        nonce: 3,
        time_range: range(),
    };
    let signed = t.clone().sign(&k).expect("packable");
    assert!(signed.verify());
    let variants = [
        Transfer { account_id: AccountId(8), ..t.clone() },
        Transfer { to: Address::repeat_byte(2), ..t.clone() },
        Transfer { token: TokenId(2), ..t.clone() },
        Transfer { amount: 5_001, ..t.clone() },
        Transfer { fee: 21, ..t.clone() },
        Transfer { nonce: 4, ..t.clone() },
        Transfer { time_range: TimeRange { valid_from: 11, valid_until: 1_000 }, ..t.clone() },
        Transfer { time_range: TimeRange { valid_from: 10, valid_until: 999 }, ..t.clone() },
    ];
    for v in variants {
        let forged = Signed { tx: v.clone(), signature: signed.signature.clone() };
        assert!(!forged.verify(), "signature still valid after changing {v:?}");
    }
    // An unpackable amount has no message, so it cannot be signed.
    let bad = Transfer { amount: 123_456_789_123, ..t };
    assert!(matches!(bad.sign(&k), Err(EncodeError::NotPackable { field: "amount", .. })));
}

#[test]
fn decode_rejects_bad_crypto_and_tokens() {
    let tx = &every_tx()[0];
    let bytes = tx.encode();
    // Token id 1024 is outside the token space: bytes 25..27 of a transfer.
    let mut bad_token = bytes.clone();
    bad_token[25..27].copy_from_slice(&1024u16.to_be_bytes());
    assert_eq!(SignedTx::decode(&bad_token), Err(DecodeError::TokenOutOfRange(1024)));
    // A public key whose y is above the field modulus.
    let sig_at = bytes.len() - 96;
    let mut bad_key = bytes.clone();
    bad_key[sig_at..sig_at + 32].copy_from_slice(&[0xff; 32]);
    assert!(matches!(
        SignedTx::decode(&bad_key),
        Err(DecodeError::BadCrypto { what: "public key", .. })
    ));
    let mut bad_tag = bytes;
    bad_tag[0] = 200;
    assert_eq!(
        SignedTx::decode(&bad_tag),
        Err(DecodeError::UnknownTag { what: "transaction type", value: 200 })
    );
}

#[test]
fn commitment_binds_every_input() {
    let header = BlockHeader {
        number: 1,
        fee_account: AccountId(0),
        timestamp: 100,
        old_root: tern_primitives::Fr::from(1u64),
        new_root: tern_primitives::Fr::from(2u64),
    };
    let pubdata = vec![0u8; 26];
    let bitmap = vec![0u8; 1];
    let base = commitment(&header, &pubdata, &bitmap);
    assert_eq!(base[0] & 0xe0, 0, "top three bits are cleared");
    let changed = [
        commitment(&BlockHeader { number: 2, ..header }, &pubdata, &bitmap),
        commitment(&BlockHeader { fee_account: AccountId(1), ..header }, &pubdata, &bitmap),
        commitment(&BlockHeader { timestamp: 101, ..header }, &pubdata, &bitmap),
        commitment(
            &BlockHeader { old_root: tern_primitives::Fr::from(3u64), ..header },
            &pubdata,
            &bitmap,
        ),
        commitment(
            &BlockHeader { new_root: tern_primitives::Fr::from(3u64), ..header },
            &pubdata,
            &bitmap,
        ),
        commitment(&header, &[0u8; 39], &bitmap),
        commitment(&header, &pubdata, &[0x80]),
    ];
    for c in changed {
        assert_ne!(c, base);
    }
}

#[test]
fn block_pubdata_and_bitmap() {
    let block = Block {
        header: BlockHeader {
            number: 1,
            fee_account: AccountId(0),
            timestamp: 0,
            old_root: Default::default(),
            new_root: Default::default(),
        },
        ops: vec![
            Op::Transfer(TransferOp {
                from: AccountId(1),
                to: AccountId(2),
                token: TokenId(0),
                amount: 1,
                fee: 0,
            }),
            Op::Withdraw(WithdrawOp {
                account_id: AccountId(1),
                token: TokenId(0),
                amount: 5,
                fee: 0,
                to: Address::repeat_byte(3),
            }),
        ],
        capacity: 10,
        change_pubkey_auth: vec![],
    };
    let pubdata = block.pubdata().expect("encodes");
    assert_eq!(pubdata.len(), 10 * CHUNK_BYTES);
    assert!(pubdata[5 * CHUNK_BYTES..].iter().all(|b| *b == 0), "Noop padding");
    // The withdrawal starts at chunk 1.
    assert_eq!(block.onchain_bitmap(), vec![0b0100_0000, 0]);
    assert_eq!(decode_pubdata(&pubdata), Ok(block.ops.clone()));
    assert_eq!(
        block.public_input().expect("encodes"),
        block::commitment_to_fr(&block.commitment().expect("encodes"))
    );
}
