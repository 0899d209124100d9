//! Operations: what a block records for each executed transaction or priority request, and
//! their pubdata encoding (`docs/spec/pubdata.md`).
//!
//! Every operation starts with a 4-bit opcode and fills a whole number of 13-byte chunks; unused
//! bits are zero. Fields are big-endian bit strings with no alignment. Amounts in transfers and
//! swaps are [`AMOUNT`](tern_primitives::float::AMOUNT) floats and fees are
//! [`FEE`](tern_primitives::float::FEE) floats, always in canonical form; amounts that L1 pays
//! out or takes in are full 128-bit integers.

use crate::bits::{BitReader, BitWriter};
use crate::error::{DecodeError, EncodeError};
use crate::ids::{AccountId, NftId, Nonce, TokenId};
use crate::params::*;
use crate::tx::{pack_amount, pack_fee, tx_type};
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::float::{FloatFormat, AMOUNT, FEE};
use tern_primitives::Address;

const AMOUNT_FLOAT_BITS: usize = 30;
const FEE_FLOAT_BITS: usize = 12;

/// Deposit from L1 (priority operation); creates the account if the address has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositOp {
    /// Account credited.
    pub account_id: AccountId,
    /// Token.
    pub token: TokenId,
    /// Exact amount.
    pub amount: u128,
    /// The account's address.
    pub address: Address,
}

/// Transfer between accounts; `TransferToNew` when it created the recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferOp {
    /// Sender.
    pub from: AccountId,
    /// Recipient.
    pub to: AccountId,
    /// Token and fee token.
    pub token: TokenId,
    /// Amount.
    pub amount: u128,
    /// Fee.
    pub fee: u128,
}

/// Transfer that created the recipient's account at `to_address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferToNewOp {
    /// The transfer.
    pub transfer: TransferOp,
    /// Address of the new account.
    pub to_address: Address,
}

/// Withdrawal to L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawOp {
    /// Account debited.
    pub account_id: AccountId,
    /// Token and fee token.
    pub token: TokenId,
    /// Exact amount paid on L1.
    pub amount: u128,
    /// Fee.
    pub fee: u128,
    /// L1 recipient.
    pub to: Address,
}

/// Full exit (priority operation): withdraws the whole balance of a token if `owner` owns the
/// account, otherwise nothing (`amount` 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullExitOp {
    /// Account named in the request.
    pub account_id: AccountId,
    /// Requester's L1 address.
    pub owner: Address,
    /// Token.
    pub token: TokenId,
    /// Amount withdrawn.
    pub amount: u128,
}

/// Change of an account's L2 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePubKeyOp {
    /// Account.
    pub account_id: AccountId,
    /// New key hash.
    pub pubkey_hash: PubKeyHash,
    /// Account's address, against which L1 checks the authorisation.
    pub address: Address,
    /// Nonce that the authorisation signed.
    pub nonce: Nonce,
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
}

/// Forced exit of a keyless account's balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForcedExitOp {
    /// Initiator, who paid the fee in `token`.
    pub initiator: AccountId,
    /// Keyless account emptied.
    pub target: AccountId,
    /// Token.
    pub token: TokenId,
    /// Amount withdrawn.
    pub amount: u128,
    /// Fee.
    pub fee: u128,
    /// Target's address, where L1 pays.
    pub target_address: Address,
}

/// Swap between two orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapOp {
    /// Submitter, who paid the fee.
    pub submitter: AccountId,
    /// The two orders' accounts.
    pub accounts: [AccountId; 2],
    /// Token sold by each account.
    pub tokens: [TokenId; 2],
    /// Amount sold by each account.
    pub amounts: [u128; 2],
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
    /// Bit i set: order i was fill-or-kill and consumed its account's nonce, in addition to the
    /// submitter's. A submitter's own order never sets its bit: one transaction, one nonce.
    pub nonce_mask: u8,
}

/// Minting of an NFT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintNftOp {
    /// Creator.
    pub creator: AccountId,
    /// First owner.
    pub recipient: AccountId,
    /// Slot assigned.
    pub nft_id: NftId,
    /// Content hash.
    pub content_hash: [u8; 32],
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
}

/// Transfer of an NFT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferNftOp {
    /// Owner.
    pub from: AccountId,
    /// New owner.
    pub to: AccountId,
    /// NFT.
    pub nft_id: NftId,
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
}

/// The L1 identity of an NFT, which the ERC-721 factory mints from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NftInfo {
    /// Creator's account.
    pub creator_id: AccountId,
    /// Creator's address.
    pub creator_address: Address,
    /// Creator's serial number for this NFT.
    pub serial: u32,
    /// Content hash.
    pub content_hash: [u8; 32],
}

/// Withdrawal of an NFT to L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawNftOp {
    /// Owner.
    pub account_id: AccountId,
    /// NFT.
    pub nft_id: NftId,
    /// L1 recipient.
    pub to: Address,
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
    /// What L1 mints.
    pub info: NftInfo,
}

/// Full exit of an NFT (priority operation). `success` says whether the requester owned it and
/// the NFT left L2; when it is false, `info` is all zero and L1 credits nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullExitNftOp {
    /// Account named in the request.
    pub account_id: AccountId,
    /// Requester's L1 address.
    pub owner: Address,
    /// NFT.
    pub nft_id: NftId,
    /// What L1 mints, or all zero.
    pub info: NftInfo,
    /// Whether the request was served: the NFT left L2 and L1 credits it to `owner`.
    pub success: bool,
}

/// An operation in a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Padding.
    Noop,
    /// Deposit.
    Deposit(DepositOp),
    /// Transfer that created the recipient.
    TransferToNew(TransferToNewOp),
    /// Withdraw.
    Withdraw(WithdrawOp),
    /// Transfer.
    Transfer(TransferOp),
    /// Full exit.
    FullExit(FullExitOp),
    /// ChangePubKey.
    ChangePubKey(ChangePubKeyOp),
    /// ForcedExit.
    ForcedExit(ForcedExitOp),
    /// Swap.
    Swap(SwapOp),
    /// MintNFT.
    MintNft(MintNftOp),
    /// NFT transfer.
    TransferNft(TransferNftOp),
    /// WithdrawNFT.
    WithdrawNft(WithdrawNftOp),
    /// Full exit of an NFT.
    FullExitNft(FullExitNftOp),
}

/// Pubdata bits each operation uses before padding, by opcode.
pub const fn op_bits(opcode: u8) -> Option<usize> {
    let o = OPCODE_BITS;
    let (a, t, n, x, f, am) =
        (ACCOUNT_BITS, TOKEN_BITS, NFT_BITS, ADDRESS_BITS, FEE_FLOAT_BITS, AMOUNT_FLOAT_BITS);
    let info = ACCOUNT_BITS + ADDRESS_BITS + SERIAL_BITS + 256;
    Some(match opcode {
        tx_type::NOOP => o,
        tx_type::DEPOSIT => o + a + t + AMOUNT_BITS + x,
        tx_type::TRANSFER_TO_NEW => o + 2 * a + t + am + f + x,
        tx_type::WITHDRAW => o + a + t + AMOUNT_BITS + f + x,
        tx_type::TRANSFER => o + 2 * a + t + am + f,
        tx_type::FULL_EXIT => o + a + x + t + AMOUNT_BITS,
        tx_type::CHANGE_PUB_KEY => o + a + 160 + x + NONCE_BITS + t + f,
        tx_type::FORCED_EXIT => o + 2 * a + t + AMOUNT_BITS + f + x,
        tx_type::SWAP => o + 3 * a + 2 * t + 2 * am + t + f + 2,
        tx_type::MINT_NFT => o + 2 * a + n + 256 + t + f,
        tx_type::TRANSFER_NFT => o + 2 * a + n + t + f,
        tx_type::WITHDRAW_NFT => o + a + n + x + t + f + info,
        tx_type::FULL_EXIT_NFT => o + a + x + n + info + 1,
        _ => return None,
    })
}

/// Chunks an operation with `opcode` occupies.
///
/// Usually `⌈op_bits / 104⌉`. Two operations take more chunks than their bits need, because
/// the block circuit does a fixed amount of work per chunk (two tree updates and one signature,
/// `docs/spec/circuit.md`): a Swap updates five leaves under three signatures (3 chunks), and a
/// TransferNFT updates three leaves (2 chunks).
pub const fn op_chunks(opcode: u8) -> Option<usize> {
    match (opcode, op_bits(opcode)) {
        (tx_type::SWAP, Some(_)) => Some(3),
        (tx_type::TRANSFER_NFT, Some(_)) => Some(2),
        (_, Some(bits)) => Some(bits.div_ceil(CHUNK_BITS)),
        (_, None) => None,
    }
}

impl Op {
    /// The opcode.
    pub fn opcode(&self) -> u8 {
        match self {
            Op::Noop => tx_type::NOOP,
            Op::Deposit(_) => tx_type::DEPOSIT,
            Op::TransferToNew(_) => tx_type::TRANSFER_TO_NEW,
            Op::Withdraw(_) => tx_type::WITHDRAW,
            Op::Transfer(_) => tx_type::TRANSFER,
            Op::FullExit(_) => tx_type::FULL_EXIT,
            Op::ChangePubKey(_) => tx_type::CHANGE_PUB_KEY,
            Op::ForcedExit(_) => tx_type::FORCED_EXIT,
            Op::Swap(_) => tx_type::SWAP,
            Op::MintNft(_) => tx_type::MINT_NFT,
            Op::TransferNft(_) => tx_type::TRANSFER_NFT,
            Op::WithdrawNft(_) => tx_type::WITHDRAW_NFT,
            Op::FullExitNft(_) => tx_type::FULL_EXIT_NFT,
        }
    }

    /// A short name.
    pub fn name(&self) -> &'static str {
        op_name(self.opcode())
    }

    /// Chunks the operation occupies.
    pub fn chunks(&self) -> usize {
        op_chunks(self.opcode()).unwrap_or_else(|| unreachable!("every Op has a known opcode"))
    }

    /// Whether L1 must act on the operation when it commits or executes the block: priority
    /// operations, withdrawals of every kind, and ChangePubKey (whose authorisation L1 checks).
    pub fn is_onchain(&self) -> bool {
        !matches!(
            self,
            Op::Noop
                | Op::Transfer(_)
                | Op::TransferToNew(_)
                | Op::Swap(_)
                | Op::MintNft(_)
                | Op::TransferNft(_)
        )
    }

    /// Whether the operation comes from the L1 priority queue.
    pub fn is_priority(&self) -> bool {
        matches!(self, Op::Deposit(_) | Op::FullExit(_) | Op::FullExitNft(_))
    }

    /// The pubdata bytes: `chunks() × 13` bytes.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut w = BitWriter::new();
        w.put(u128::from(self.opcode()), OPCODE_BITS);
        match self {
            Op::Noop => {}
            Op::Deposit(d) => {
                account(&mut w, d.account_id, "account_id")?;
                token(&mut w, d.token)?;
                w.put(d.amount, AMOUNT_BITS);
                w.put_bytes(d.address.as_slice());
            }
            Op::TransferToNew(t) => {
                transfer(&mut w, &t.transfer)?;
                w.put_bytes(t.to_address.as_slice());
            }
            Op::Withdraw(x) => {
                account(&mut w, x.account_id, "account_id")?;
                token(&mut w, x.token)?;
                w.put(x.amount, AMOUNT_BITS);
                fee(&mut w, x.fee)?;
                w.put_bytes(x.to.as_slice());
            }
            Op::Transfer(t) => transfer(&mut w, t)?,
            Op::FullExit(x) => {
                account(&mut w, x.account_id, "account_id")?;
                w.put_bytes(x.owner.as_slice());
                token(&mut w, x.token)?;
                w.put(x.amount, AMOUNT_BITS);
            }
            Op::ChangePubKey(c) => {
                account(&mut w, c.account_id, "account_id")?;
                w.put_bytes(&c.pubkey_hash.0);
                w.put_bytes(c.address.as_slice());
                w.put(u128::from(c.nonce), NONCE_BITS);
                token(&mut w, c.fee_token)?;
                fee(&mut w, c.fee)?;
            }
            Op::ForcedExit(x) => {
                account(&mut w, x.initiator, "initiator")?;
                account(&mut w, x.target, "target")?;
                token(&mut w, x.token)?;
                w.put(x.amount, AMOUNT_BITS);
                fee(&mut w, x.fee)?;
                w.put_bytes(x.target_address.as_slice());
            }
            Op::Swap(s) => {
                account(&mut w, s.submitter, "submitter")?;
                account(&mut w, s.accounts[0], "account_a")?;
                account(&mut w, s.accounts[1], "account_b")?;
                token(&mut w, s.tokens[0])?;
                token(&mut w, s.tokens[1])?;
                w.put(u128::from(pack_amount(s.amounts[0])?), AMOUNT_FLOAT_BITS);
                w.put(u128::from(pack_amount(s.amounts[1])?), AMOUNT_FLOAT_BITS);
                token(&mut w, s.fee_token)?;
                fee(&mut w, s.fee)?;
                if s.nonce_mask > 3 {
                    return Err(EncodeError::OutOfRange {
                        field: "nonce_mask",
                        value: u64::from(s.nonce_mask),
                        bits: 2,
                    });
                }
                w.put(u128::from(s.nonce_mask), 2);
            }
            Op::MintNft(m) => {
                account(&mut w, m.creator, "creator")?;
                account(&mut w, m.recipient, "recipient")?;
                nft(&mut w, m.nft_id)?;
                w.put_bytes(&m.content_hash);
                token(&mut w, m.fee_token)?;
                fee(&mut w, m.fee)?;
            }
            Op::TransferNft(t) => {
                account(&mut w, t.from, "from")?;
                account(&mut w, t.to, "to")?;
                nft(&mut w, t.nft_id)?;
                token(&mut w, t.fee_token)?;
                fee(&mut w, t.fee)?;
            }
            Op::WithdrawNft(x) => {
                account(&mut w, x.account_id, "account_id")?;
                nft(&mut w, x.nft_id)?;
                w.put_bytes(x.to.as_slice());
                token(&mut w, x.fee_token)?;
                fee(&mut w, x.fee)?;
                nft_info(&mut w, &x.info)?;
            }
            Op::FullExitNft(x) => {
                account(&mut w, x.account_id, "account_id")?;
                w.put_bytes(x.owner.as_slice());
                nft(&mut w, x.nft_id)?;
                if !x.success && x.info != NftInfo::default() {
                    return Err(EncodeError::Invalid(
                        "an unserved FullExitNFT carries a zero info",
                    ));
                }
                nft_info(&mut w, &x.info)?;
                w.put(u128::from(x.success), 1);
            }
        }
        debug_assert_eq!(Some(w.len_bits()), op_bits(self.opcode()));
        Ok(w.finish_padded(self.chunks() * CHUNK_BYTES))
    }

    /// Decodes one operation from the start of `bytes`, returning it and the bytes it used.
    /// Hostile input gives an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<(Op, usize), DecodeError> {
        let first = *bytes.first().ok_or(DecodeError::Truncated { needed: 1 })?;
        let opcode = first >> 4;
        let chunks =
            op_chunks(opcode).ok_or(DecodeError::UnknownTag { what: "opcode", value: opcode })?;
        let len = chunks * CHUNK_BYTES;
        let body = bytes.get(..len).ok_or(DecodeError::Truncated { needed: len })?;
        let mut r = BitReader::new(body);
        r.get(OPCODE_BITS)?;
        let op = match opcode {
            tx_type::NOOP => Op::Noop,
            tx_type::DEPOSIT => Op::Deposit(DepositOp {
                account_id: read_account(&mut r)?,
                token: read_token(&mut r)?,
                amount: r.get(AMOUNT_BITS)?,
                address: read_address(&mut r)?,
            }),
            tx_type::TRANSFER_TO_NEW => Op::TransferToNew(TransferToNewOp {
                transfer: read_transfer(&mut r)?,
                to_address: read_address(&mut r)?,
            }),
            tx_type::WITHDRAW => Op::Withdraw(WithdrawOp {
                account_id: read_account(&mut r)?,
                token: read_token(&mut r)?,
                amount: r.get(AMOUNT_BITS)?,
                fee: read_float(&mut r, FEE, "fee")?,
                to: read_address(&mut r)?,
            }),
            tx_type::TRANSFER => Op::Transfer(read_transfer(&mut r)?),
            tx_type::FULL_EXIT => Op::FullExit(FullExitOp {
                account_id: read_account(&mut r)?,
                owner: read_address(&mut r)?,
                token: read_token(&mut r)?,
                amount: r.get(AMOUNT_BITS)?,
            }),
            tx_type::CHANGE_PUB_KEY => Op::ChangePubKey(ChangePubKeyOp {
                account_id: read_account(&mut r)?,
                pubkey_hash: PubKeyHash(r.get_bytes::<20>()?),
                address: read_address(&mut r)?,
                nonce: r.get(NONCE_BITS)? as u32,
                fee_token: read_token(&mut r)?,
                fee: read_float(&mut r, FEE, "fee")?,
            }),
            tx_type::FORCED_EXIT => Op::ForcedExit(ForcedExitOp {
                initiator: read_account(&mut r)?,
                target: read_account(&mut r)?,
                token: read_token(&mut r)?,
                amount: r.get(AMOUNT_BITS)?,
                fee: read_float(&mut r, FEE, "fee")?,
                target_address: read_address(&mut r)?,
            }),
            tx_type::SWAP => Op::Swap(SwapOp {
                submitter: read_account(&mut r)?,
                accounts: [read_account(&mut r)?, read_account(&mut r)?],
                tokens: [read_token(&mut r)?, read_token(&mut r)?],
                amounts: [
                    read_float(&mut r, AMOUNT, "amount")?,
                    read_float(&mut r, AMOUNT, "amount")?,
                ],
                fee_token: read_token(&mut r)?,
                fee: read_float(&mut r, FEE, "fee")?,
                nonce_mask: r.get(2)? as u8,
            }),
            tx_type::MINT_NFT => Op::MintNft(MintNftOp {
                creator: read_account(&mut r)?,
                recipient: read_account(&mut r)?,
                nft_id: NftId(r.get(NFT_BITS)? as u32),
                content_hash: r.get_bytes::<32>()?,
                fee_token: read_token(&mut r)?,
                fee: read_float(&mut r, FEE, "fee")?,
            }),
            tx_type::TRANSFER_NFT => Op::TransferNft(TransferNftOp {
                from: read_account(&mut r)?,
                to: read_account(&mut r)?,
                nft_id: NftId(r.get(NFT_BITS)? as u32),
                fee_token: read_token(&mut r)?,
                fee: read_float(&mut r, FEE, "fee")?,
            }),
            tx_type::WITHDRAW_NFT => Op::WithdrawNft(WithdrawNftOp {
                account_id: read_account(&mut r)?,
                nft_id: NftId(r.get(NFT_BITS)? as u32),
                to: read_address(&mut r)?,
                fee_token: read_token(&mut r)?,
                fee: read_float(&mut r, FEE, "fee")?,
                info: read_nft_info(&mut r)?,
            }),
            tx_type::FULL_EXIT_NFT => {
                let account_id = read_account(&mut r)?;
                let owner = read_address(&mut r)?;
                let nft_id = NftId(r.get(NFT_BITS)? as u32);
                let info = read_nft_info(&mut r)?;
                let success = r.get(1)? == 1;
                if !success && info != NftInfo::default() {
                    return Err(DecodeError::InvalidField {
                        field: "info",
                        reason: "an unserved FullExitNFT must carry a zero info",
                    });
                }
                Op::FullExitNft(FullExitNftOp { account_id, owner, nft_id, info, success })
            }
            value => return Err(DecodeError::UnknownTag { what: "opcode", value }),
        };
        r.expect_zero_tail()?;
        Ok((op, len))
    }
}

/// Name of an opcode, for logs and reports.
pub fn op_name(opcode: u8) -> &'static str {
    match opcode {
        tx_type::NOOP => "Noop",
        tx_type::DEPOSIT => "Deposit",
        tx_type::TRANSFER_TO_NEW => "TransferToNew",
        tx_type::WITHDRAW => "Withdraw",
        tx_type::TRANSFER => "Transfer",
        tx_type::FULL_EXIT => "FullExit",
        tx_type::CHANGE_PUB_KEY => "ChangePubKey",
        tx_type::FORCED_EXIT => "ForcedExit",
        tx_type::SWAP => "Swap",
        tx_type::MINT_NFT => "MintNFT",
        tx_type::TRANSFER_NFT => "TransferNFT",
        tx_type::WITHDRAW_NFT => "WithdrawNFT",
        tx_type::FULL_EXIT_NFT => "FullExitNFT",
        _ => "Unknown",
    }
}

fn account(w: &mut BitWriter, id: AccountId, field: &'static str) -> Result<(), EncodeError> {
    if !id.is_valid() {
        return Err(EncodeError::OutOfRange { field, value: u64::from(id.0), bits: ACCOUNT_BITS });
    }
    w.put(u128::from(id.0), ACCOUNT_BITS);
    Ok(())
}

fn token(w: &mut BitWriter, t: TokenId) -> Result<(), EncodeError> {
    if !t.is_valid() {
        return Err(EncodeError::OutOfRange {
            field: "token",
            value: u64::from(t.0),
            bits: TOKEN_BITS,
        });
    }
    w.put(u128::from(t.0), TOKEN_BITS);
    Ok(())
}

fn nft(w: &mut BitWriter, n: NftId) -> Result<(), EncodeError> {
    if !n.is_valid() {
        return Err(EncodeError::OutOfRange {
            field: "nft_id",
            value: u64::from(n.0),
            bits: NFT_BITS,
        });
    }
    w.put(u128::from(n.0), NFT_BITS);
    Ok(())
}

fn fee(w: &mut BitWriter, v: u128) -> Result<(), EncodeError> {
    w.put(u128::from(pack_fee(v)?), FEE_FLOAT_BITS);
    Ok(())
}

fn transfer(w: &mut BitWriter, t: &TransferOp) -> Result<(), EncodeError> {
    account(w, t.from, "from")?;
    account(w, t.to, "to")?;
    token(w, t.token)?;
    w.put(u128::from(pack_amount(t.amount)?), AMOUNT_FLOAT_BITS);
    fee(w, t.fee)
}

fn nft_info(w: &mut BitWriter, i: &NftInfo) -> Result<(), EncodeError> {
    account(w, i.creator_id, "creator_id")?;
    w.put_bytes(i.creator_address.as_slice());
    w.put(u128::from(i.serial), SERIAL_BITS);
    w.put_bytes(&i.content_hash);
    Ok(())
}

fn read_account(r: &mut BitReader<'_>) -> Result<AccountId, DecodeError> {
    Ok(AccountId(r.get(ACCOUNT_BITS)? as u32))
}

fn read_token(r: &mut BitReader<'_>) -> Result<TokenId, DecodeError> {
    // 10 bits can only name tokens below MAX_TOKENS.
    Ok(TokenId(r.get(TOKEN_BITS)? as u16))
}

fn read_address(r: &mut BitReader<'_>) -> Result<Address, DecodeError> {
    Ok(Address::from(r.get_bytes::<20>()?))
}

fn read_float(
    r: &mut BitReader<'_>,
    format: FloatFormat,
    what: &'static str,
) -> Result<u128, DecodeError> {
    let packed = r.get(format.bits() as usize)? as u64;
    let value = format.unpack(packed)?;
    // Signatures cover the canonical packing, so any other encoding cannot be a valid op.
    if format.pack(value)? != packed {
        return Err(DecodeError::NonCanonicalFloat { what, packed });
    }
    Ok(value)
}

fn read_transfer(r: &mut BitReader<'_>) -> Result<TransferOp, DecodeError> {
    Ok(TransferOp {
        from: read_account(r)?,
        to: read_account(r)?,
        token: read_token(r)?,
        amount: read_float(r, AMOUNT, "amount")?,
        fee: read_float(r, FEE, "fee")?,
    })
}

fn read_nft_info(r: &mut BitReader<'_>) -> Result<NftInfo, DecodeError> {
    Ok(NftInfo {
        creator_id: read_account(r)?,
        creator_address: read_address(r)?,
        serial: r.get(SERIAL_BITS)? as u32,
        content_hash: r.get_bytes::<32>()?,
    })
}
