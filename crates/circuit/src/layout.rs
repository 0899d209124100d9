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
    /// A Swap's 2-bit `nonce_mask`.
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
