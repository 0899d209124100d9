//! Where each operation's fields sit in its pubdata, as the circuit reads them.
//!
//! The circuit does not decode fields from fixed chunk positions: every chunk slot witnesses
//! the *arguments* of the operation it belongs to ([`Arg`]), carries them unchanged through the
//! operation's chunks, and proves that the chunks' bits spell exactly those arguments at the
//! offsets below (`docs/spec/circuit.md`, "Operation frame"). This table is the circuit's copy
//! of `docs/spec/pubdata.md`; `tests::layout_matches_the_codec` checks it against
//! `Op::encode` on every operation type.

use tern_types::op::{op_bits, op_chunks};
use tern_types::params::CHUNK_BITS;
use tern_types::tx::tx_type;

/// The arguments an operation's pubdata spells. Every operation uses a subset; the others are
/// zero for it. Floats (`AmountA`, `AmountB`, `Fee`) are the packed encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arg {
    /// `account_id`, `from`, `initiator`, `submitter` or `creator`: the first account.
    Id0,
    /// `to`, `target`, `account_a` or `recipient`: the second account.
    Id1,
    /// `account_b` of a Swap.
    Id2,
    /// `token` (also the fee token of Transfer, TransferToNew, Withdraw, ForcedExit), or a
    /// Swap's `token_a`.
    Tok0,
    /// A Swap's `token_b`.
    Tok1,
    /// `fee_token` of the operations whose fee token is its own field.
    FeeTok,
    /// An exact `u128` amount (Deposit, Withdraw, FullExit, ForcedExit).
    Amount,
    /// A packed `AMOUNT` float: a transfer's amount, a Swap's `amount_a`.
    AmountA,
    /// A Swap's packed `amount_b`.
    AmountB,
    /// The packed `FEE` float.
    Fee,
    /// An address: Deposit `address`, `to_address`, Withdraw `to`, FullExit `owner`, the
    /// ChangePubKey account's `address`, `target_address`, WithdrawNFT `to`, FullExitNFT `owner`.
    Addr0,
    /// `creator_address` of WithdrawNFT and FullExitNFT.
    Addr1,
    /// The new `pubkey_hash` of a ChangePubKey.
    Pkh,
    /// The ChangePubKey's `nonce`.
    Nonce,
    /// `nft_id`.
    Nft,
    /// `creator_id` of WithdrawNFT and FullExitNFT.
    Creator,
    /// `serial` of WithdrawNFT and FullExitNFT.
    Serial,
    /// Content hash bytes 0–15, as a big-endian integer.
    ContentHi,
    /// Content hash bytes 16–31.
    ContentLo,
    /// A Swap's 2-bit `nonce_mask`, or FullExitNFT's 1-bit `success`.
    Mask,
}

/// Number of [`Arg`]s.
pub const ARGS: usize = Arg::Mask as usize + 1;

/// Every [`Arg`], in index order.
pub const ALL_ARGS: [Arg; ARGS] = [
    Arg::Id0,
    Arg::Id1,
    Arg::Id2,
    Arg::Tok0,
    Arg::Tok1,
    Arg::FeeTok,
    Arg::Amount,
    Arg::AmountA,
    Arg::AmountB,
    Arg::Fee,
    Arg::Addr0,
    Arg::Addr1,
    Arg::Pkh,
    Arg::Nonce,
    Arg::Nft,
    Arg::Creator,
    Arg::Serial,
    Arg::ContentHi,
    Arg::ContentLo,
    Arg::Mask,
];

/// Values an operation carries through its chunks that are not in its pubdata: the prover
/// witnesses them, and the operation's rules pin them down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Aux {
    /// MintNFT's recipient address, TransferNFT's `to` address (signed, read from the account).
    Addr,
    /// MintNFT's creator address (read from the creator's account).
    CreatorAddr,
    /// MintNFT's serial (the creator's `nfts_minted` before the mint).
    Serial,
    /// A Swap's `nonce_mask` bit 0.
    Bit0,
    /// A Swap's `nonce_mask` bit 1.
    Bit1,
    /// A Swap's order 0 message.
    Msg0,
    /// A Swap's order 1 message.
    Msg1,
}

/// Number of [`Aux`] values.
pub const AUX: usize = Aux::Msg1 as usize + 1;

/// The operation types in opcode order (0 to 12).
pub const OPCODES: [u8; 13] = [
    tx_type::NOOP,
    tx_type::DEPOSIT,
    tx_type::TRANSFER_TO_NEW,
    tx_type::WITHDRAW,
    tx_type::TRANSFER,
    tx_type::FULL_EXIT,
    tx_type::CHANGE_PUB_KEY,
    tx_type::FORCED_EXIT,
    tx_type::SWAP,
    tx_type::MINT_NFT,
    tx_type::TRANSFER_NFT,
    tx_type::WITHDRAW_NFT,
    tx_type::FULL_EXIT_NFT,
];

/// `(argument, bit offset from the operation's start, width)` of each field of `opcode`, in
/// encoding order (`docs/spec/pubdata.md`). The opcode itself (bits 0–3) is not listed.
pub fn fields(opcode: u8) -> &'static [(Arg, usize, usize)] {
    use Arg::*;
    match opcode {
        tx_type::DEPOSIT => &[(Id0, 4, 24), (Tok0, 28, 10), (Amount, 38, 128), (Addr0, 166, 160)],
        tx_type::TRANSFER_TO_NEW => &[
            (Id0, 4, 24),
            (Id1, 28, 24),
            (Tok0, 52, 10),
            (AmountA, 62, 30),
            (Fee, 92, 12),
            (Addr0, 104, 160),
        ],
        tx_type::WITHDRAW => {
            &[(Id0, 4, 24), (Tok0, 28, 10), (Amount, 38, 128), (Fee, 166, 12), (Addr0, 178, 160)]
        }
        tx_type::TRANSFER => {
            &[(Id0, 4, 24), (Id1, 28, 24), (Tok0, 52, 10), (AmountA, 62, 30), (Fee, 92, 12)]
        }
        tx_type::FULL_EXIT => {
            &[(Id0, 4, 24), (Addr0, 28, 160), (Tok0, 188, 10), (Amount, 198, 128)]
        }
        tx_type::CHANGE_PUB_KEY => &[
            (Id0, 4, 24),
            (Pkh, 28, 160),
            (Addr0, 188, 160),
            (Nonce, 348, 32),
            (FeeTok, 380, 10),
            (Fee, 390, 12),
        ],
        tx_type::FORCED_EXIT => &[
            (Id0, 4, 24),
            (Id1, 28, 24),
            (Tok0, 52, 10),
            (Amount, 62, 128),
            (Fee, 190, 12),
            (Addr0, 202, 160),
        ],
        tx_type::SWAP => &[
            (Id0, 4, 24),
            (Id1, 28, 24),
            (Id2, 52, 24),
            (Tok0, 76, 10),
            (Tok1, 86, 10),
            (AmountA, 96, 30),
            (AmountB, 126, 30),
            (FeeTok, 156, 10),
            (Fee, 166, 12),
            (Mask, 178, 2),
        ],
        tx_type::MINT_NFT => &[
            (Id0, 4, 24),
            (Id1, 28, 24),
            (Nft, 52, 24),
            (ContentHi, 76, 128),
            (ContentLo, 204, 128),
            (FeeTok, 332, 10),
            (Fee, 342, 12),
        ],
        tx_type::TRANSFER_NFT => {
            &[(Id0, 4, 24), (Id1, 28, 24), (Nft, 52, 24), (FeeTok, 76, 10), (Fee, 86, 12)]
        }
        tx_type::WITHDRAW_NFT => &[
            (Id0, 4, 24),
            (Nft, 28, 24),
            (Addr0, 52, 160),
            (FeeTok, 212, 10),
            (Fee, 222, 12),
            (Creator, 234, 24),
            (Addr1, 258, 160),
            (Serial, 418, 32),
            (ContentHi, 450, 128),
            (ContentLo, 578, 128),
        ],
        tx_type::FULL_EXIT_NFT => &[
            (Id0, 4, 24),
            (Addr0, 28, 160),
            (Nft, 188, 24),
            (Creator, 212, 24),
            (Addr1, 236, 160),
            (Serial, 396, 32),
            (ContentHi, 428, 128),
            (ContentLo, 556, 128),
            (Mask, 684, 1),
        ],
        _ => &[],
    }
}

/// Chunks of `opcode` (0 for an opcode the protocol does not define).
pub fn chunks(opcode: u8) -> usize {
    op_chunks(opcode).unwrap_or(0)
}

/// One field's bits inside one chunk: chunk bit `k` (0 = the chunk's most significant bit)
/// for `k` in `chunk_bits` has weight `2^(shift − (k − chunk_bits.start))` in the argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The argument.
    pub arg: Arg,
    /// The chunk's bit positions.
    pub chunk_bits: std::ops::Range<usize>,
    /// The weight exponent of the first of them.
    pub shift: usize,
}

/// The field pieces and the padding bit positions of chunk `index` of an `opcode` operation.
pub fn chunk_pieces(opcode: u8, index: usize) -> (Vec<Piece>, Vec<usize>) {
    let start = index * CHUNK_BITS;
    let end = start + CHUNK_BITS;
    let mut pieces = Vec::new();
    for &(arg, offset, width) in fields(opcode) {
        let (lo, hi) = (offset.max(start), (offset + width).min(end));
        if lo < hi {
            // Bit `offset` is the field's most significant: weight 2^(width − 1).
            let shift = width - 1 - (lo - offset);
            pieces.push(Piece { arg, chunk_bits: lo - start..hi - start, shift });
        }
    }
    let used = op_bits(opcode).unwrap_or(CHUNK_BITS);
    let padding = (used.max(start)..end).map(|b| b - start).collect();
    (pieces, padding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_primitives::field::fr_from_be_short;
    use tern_primitives::float::{AMOUNT, FEE};
    use tern_primitives::{Address, Fr};
    use tern_types::op::*;
    use tern_types::{AccountId, NftId, Op, TokenId};

    const IDS: [AccountId; 3] = [AccountId(0xAB_CDEF), AccountId(0x12_3456), AccountId(0x65_4321)];
    const TOKENS: [TokenId; 3] = [TokenId(0x3A5), TokenId(0x1C2), TokenId(0x2F0)];
    const NFT: NftId = NftId(0xFE_DCBA);
    const EXACT: u128 = 0x0123_4567_89AB_CDEF_FEDC_BA98_7654_3210;
    const AMOUNT_A: u128 = 1_234_500;
    const AMOUNT_B: u128 = 98_765_000;
    const FEE_VALUE: u128 = 1_230;

    fn addr(b: u8) -> Address {
        Address::from([b; 20])
    }

    fn a(x: Address) -> Fr {
        fr_from_be_short(x.as_slice())
    }

    fn n(x: u128) -> Fr {
        Fr::from(x)
    }

    fn packed_amount(x: u128) -> Fr {
        Fr::from(AMOUNT.pack(x).expect("packable"))
    }

    fn packed_fee() -> Fr {
        Fr::from(FEE.pack(FEE_VALUE).expect("packable"))
    }

    fn content() -> [u8; 32] {
        std::array::from_fn(|i| 0x80 | i as u8)
    }

    fn info() -> NftInfo {
        NftInfo {
            creator_id: IDS[2],
            creator_address: addr(0x5C),
            serial: 0xDEAD_BEEF,
            content_hash: content(),
        }
    }

    /// The info fields as arguments.
    fn info_args() -> Vec<(Arg, Fr)> {
        let c = content();
        vec![
            (Arg::Creator, n(IDS[2].0.into())),
            (Arg::Addr1, a(addr(0x5C))),
            (Arg::Serial, n(0xDEAD_BEEF)),
            (Arg::ContentHi, fr_from_be_short(&c[..16])),
            (Arg::ContentLo, fr_from_be_short(&c[16..])),
        ]
    }

    /// Every operation type with distinctive field values, and the arguments it must spell.
    fn samples() -> Vec<(Op, Vec<(Arg, Fr)>)> {
        let id = |k: usize| n(IDS[k].0.into());
        let tok = |k: usize| n(TOKENS[k].0.into());
        let transfer = TransferOp {
            from: IDS[0],
            to: IDS[1],
            token: TOKENS[0],
            amount: AMOUNT_A,
            fee: FEE_VALUE,
        };
        let transfer_args = vec![
            (Arg::Id0, id(0)),
            (Arg::Id1, id(1)),
            (Arg::Tok0, tok(0)),
            (Arg::AmountA, packed_amount(AMOUNT_A)),
            (Arg::Fee, packed_fee()),
        ];
        let c = content();
        vec![
            (Op::Noop, vec![]),
            (
                Op::Deposit(DepositOp {
                    account_id: IDS[0],
                    token: TOKENS[0],
                    amount: EXACT,
                    address: addr(0x11),
                }),
                vec![
                    (Arg::Id0, id(0)),
                    (Arg::Tok0, tok(0)),
                    (Arg::Amount, n(EXACT)),
                    (Arg::Addr0, a(addr(0x11))),
                ],
            ),
            (
                Op::TransferToNew(TransferToNewOp {
                    transfer: transfer.clone(),
                    to_address: addr(0x22),
                }),
                [transfer_args.clone(), vec![(Arg::Addr0, a(addr(0x22)))]].concat(),
            ),
            (
                Op::Withdraw(WithdrawOp {
                    account_id: IDS[0],
                    token: TOKENS[0],
                    amount: EXACT,
                    fee: FEE_VALUE,
                    to: addr(0x33),
                }),
                vec![
                    (Arg::Id0, id(0)),
                    (Arg::Tok0, tok(0)),
                    (Arg::Amount, n(EXACT)),
                    (Arg::Fee, packed_fee()),
                    (Arg::Addr0, a(addr(0x33))),
                ],
            ),
            (Op::Transfer(transfer), transfer_args),
            (
                Op::FullExit(FullExitOp {
                    account_id: IDS[0],
                    owner: addr(0x44),
                    token: TOKENS[0],
                    amount: EXACT,
                }),
                vec![
                    (Arg::Id0, id(0)),
                    (Arg::Addr0, a(addr(0x44))),
                    (Arg::Tok0, tok(0)),
                    (Arg::Amount, n(EXACT)),
                ],
            ),
            (
                Op::ChangePubKey(ChangePubKeyOp {
                    account_id: IDS[0],
                    pubkey_hash: tern_primitives::eddsa::PubKeyHash([0x77; 20]),
                    address: addr(0x55),
                    nonce: 0xCAFE_F00D,
                    fee_token: TOKENS[1],
                    fee: FEE_VALUE,
                }),
                vec![
                    (Arg::Id0, id(0)),
                    (Arg::Pkh, fr_from_be_short(&[0x77; 20])),
                    (Arg::Addr0, a(addr(0x55))),
                    (Arg::Nonce, n(0xCAFE_F00D)),
                    (Arg::FeeTok, tok(1)),
                    (Arg::Fee, packed_fee()),
                ],
            ),
            (
                Op::ForcedExit(ForcedExitOp {
                    initiator: IDS[0],
                    target: IDS[1],
                    token: TOKENS[0],
                    amount: EXACT,
                    fee: FEE_VALUE,
                    target_address: addr(0x66),
                }),
                vec![
                    (Arg::Id0, id(0)),
                    (Arg::Id1, id(1)),
                    (Arg::Tok0, tok(0)),
                    (Arg::Amount, n(EXACT)),
                    (Arg::Fee, packed_fee()),
                    (Arg::Addr0, a(addr(0x66))),
                ],
            ),
            (
                Op::Swap(SwapOp {
                    submitter: IDS[0],
                    accounts: [IDS[1], IDS[2]],
                    tokens: [TOKENS[0], TOKENS[1]],
                    amounts: [AMOUNT_A, AMOUNT_B],
                    fee_token: TOKENS[2],
                    fee: FEE_VALUE,
                    nonce_mask: 2,
                }),
                vec![
                    (Arg::Id0, id(0)),
                    (Arg::Id1, id(1)),
                    (Arg::Id2, id(2)),
                    (Arg::Tok0, tok(0)),
                    (Arg::Tok1, tok(1)),
                    (Arg::AmountA, packed_amount(AMOUNT_A)),
                    (Arg::AmountB, packed_amount(AMOUNT_B)),
                    (Arg::FeeTok, tok(2)),
                    (Arg::Fee, packed_fee()),
                    (Arg::Mask, n(2)),
                ],
            ),
            (
                Op::MintNft(MintNftOp {
                    creator: IDS[0],
                    recipient: IDS[1],
                    nft_id: NFT,
                    content_hash: c,
                    fee_token: TOKENS[1],
                    fee: FEE_VALUE,
                }),
                vec![
                    (Arg::Id0, id(0)),
                    (Arg::Id1, id(1)),
                    (Arg::Nft, n(NFT.0.into())),
                    (Arg::ContentHi, fr_from_be_short(&c[..16])),
                    (Arg::ContentLo, fr_from_be_short(&c[16..])),
                    (Arg::FeeTok, tok(1)),
                    (Arg::Fee, packed_fee()),
                ],
            ),
            (
                Op::TransferNft(TransferNftOp {
                    from: IDS[0],
                    to: IDS[1],
                    nft_id: NFT,
                    fee_token: TOKENS[1],
                    fee: FEE_VALUE,
                }),
                vec![
                    (Arg::Id0, id(0)),
                    (Arg::Id1, id(1)),
                    (Arg::Nft, n(NFT.0.into())),
                    (Arg::FeeTok, tok(1)),
                    (Arg::Fee, packed_fee()),
                ],
            ),
            (
                Op::WithdrawNft(WithdrawNftOp {
                    account_id: IDS[0],
                    nft_id: NFT,
                    to: addr(0x77),
                    fee_token: TOKENS[1],
                    fee: FEE_VALUE,
                    info: info(),
                }),
                [
                    vec![
                        (Arg::Id0, id(0)),
                        (Arg::Nft, n(NFT.0.into())),
                        (Arg::Addr0, a(addr(0x77))),
                        (Arg::FeeTok, tok(1)),
                        (Arg::Fee, packed_fee()),
                    ],
                    info_args(),
                ]
                .concat(),
            ),
            (
                Op::FullExitNft(FullExitNftOp {
                    account_id: IDS[0],
                    owner: addr(0x88),
                    nft_id: NFT,
                    info: info(),
                    success: true,
                }),
                [
                    vec![
                        (Arg::Id0, id(0)),
                        (Arg::Addr0, a(addr(0x88))),
                        (Arg::Nft, n(NFT.0.into())),
                    ],
                    info_args(),
                    vec![(Arg::Mask, n(1))],
                ]
                .concat(),
            ),
        ]
    }

    /// The layout table read against the codec: each operation type, encoded by `Op::encode`
    /// with distinctive values, spells exactly its fields at the table's offsets, and nothing
    /// else is set.
    #[test]
    fn layout_matches_the_codec() {
        let samples = samples();
        assert_eq!(samples.len(), OPCODES.len(), "a sample of every operation type");
        for (op, expected) in samples {
            let bytes = op.encode().expect("encodable");
            assert_eq!(bytes.len(), chunks(op.opcode()) * CHUNK_BITS / 8);
            let bit = |k: usize| (bytes[k / 8] >> (7 - k % 8)) & 1 == 1;
            let mut spelled = vec![Fr::from(0u64); ARGS];
            for &(arg, offset, width) in fields(op.opcode()) {
                let mut value = Fr::from(0u64);
                for k in offset..offset + width {
                    value = value + value + Fr::from(u64::from(bit(k)));
                }
                spelled[arg as usize] = value;
            }
            let mut want = vec![Fr::from(0u64); ARGS];
            for (arg, v) in expected {
                want[arg as usize] = v;
            }
            for arg in ALL_ARGS {
                assert_eq!(spelled[arg as usize], want[arg as usize], "{} {arg:?}", op.name());
            }
            assert_eq!(bytes[0] >> 4, op.opcode(), "{}: the opcode nibble", op.name());
        }
    }

    #[test]
    fn fields_fill_each_operation_exactly_once() {
        for opcode in OPCODES {
            let mut next = 4;
            for &(_, offset, width) in fields(opcode) {
                assert_eq!(offset, next, "opcode {opcode}: fields are contiguous");
                next += width;
            }
            assert_eq!(Some(next), op_bits(opcode), "opcode {opcode}: op_bits");
        }
    }

    #[test]
    fn pieces_and_padding_cover_every_bit_once() {
        for opcode in OPCODES {
            for index in 0..chunks(opcode) {
                let (pieces, padding) = chunk_pieces(opcode, index);
                let mut seen = [0u8; CHUNK_BITS];
                if index == 0 {
                    seen[..4].iter_mut().for_each(|s| *s += 1);
                }
                for p in &pieces {
                    p.chunk_bits.clone().for_each(|k| seen[k] += 1);
                }
                padding.iter().for_each(|&k| seen[k] += 1);
                assert!(seen.iter().all(|&s| s == 1), "opcode {opcode} chunk {index}");
            }
        }
    }
}
