//! Signed L2 transactions: their fields, the Poseidon message each signature covers, and their
//! binary encoding (`docs/spec/transactions.md`).
//!
//! A message is Poseidon over a few field elements, each a big-endian concatenation of byte
//! aligned fields (see [`MessageBuilder`]). Amounts and fees are signed in their packed float
//! form, so the circuit can feed the pubdata bits straight into the message.

use crate::bytes::{ByteReader, ByteWriter};
use crate::error::{DecodeError, EncodeError};
use crate::ids::{AccountId, NftId, Nonce, TokenId};
use tern_primitives::eddsa::{PrivateKey, PubKeyHash, PublicKey, Signature};
use tern_primitives::field::fr_from_be_short;
use tern_primitives::float::{FloatFormat, AMOUNT, FEE};
use tern_primitives::{poseidon, Address, Fr};

/// Type codes: the opcode of each operation, also the first byte of each signed message.
pub mod tx_type {
    /// Padding.
    pub const NOOP: u8 = 0;
    /// L1 deposit (priority operation).
    pub const DEPOSIT: u8 = 1;
    /// Transfer that creates the recipient's account.
    pub const TRANSFER_TO_NEW: u8 = 2;
    /// Withdrawal to L1.
    pub const WITHDRAW: u8 = 3;
    /// Transfer between existing accounts.
    pub const TRANSFER: u8 = 4;
    /// L1 full exit (priority operation).
    pub const FULL_EXIT: u8 = 5;
    /// Setting an account's L2 key.
    pub const CHANGE_PUB_KEY: u8 = 6;
    /// Withdrawal of a keyless account's balance to its own address.
    pub const FORCED_EXIT: u8 = 7;
    /// Exchange of two orders.
    pub const SWAP: u8 = 8;
    /// Minting an NFT.
    pub const MINT_NFT: u8 = 9;
    /// Transferring an NFT.
    pub const TRANSFER_NFT: u8 = 10;
    /// Withdrawing an NFT to L1.
    pub const WITHDRAW_NFT: u8 = 11;
    /// L1 full exit of an NFT (priority operation).
    pub const FULL_EXIT_NFT: u8 = 12;
    /// A swap order (message type only; never an operation).
    pub const ORDER: u8 = 15;
}

/// The block timestamps, in seconds, during which a transaction may execute (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// First valid second.
    pub valid_from: u64,
    /// Last valid second.
    pub valid_until: u64,
}

impl TimeRange {
    /// Valid at every timestamp.
    pub const ALWAYS: Self = Self { valid_from: 0, valid_until: u64::MAX };

    /// Whether a block with `timestamp` may include the transaction.
    pub fn contains(&self, timestamp: u64) -> bool {
        self.valid_from <= timestamp && timestamp <= self.valid_until
    }
}

/// An L2 signature together with the key that made it; the account stores only the key's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxSignature {
    /// The signer's public key.
    pub pub_key: PublicKey,
    /// EdDSA-Poseidon signature over the transaction's message.
    pub signature: Signature,
}

impl TxSignature {
    /// Signs `message` with `key`.
    pub fn sign(key: &PrivateKey, message: Fr) -> Self {
        Self { pub_key: key.public_key(), signature: key.sign(message) }
    }

    /// Whether the signature is valid for `message`.
    pub fn verify(&self, message: Fr) -> bool {
        self.pub_key.verify(message, &self.signature)
    }
}

/// Builds the field elements of a message from big-endian byte fields, at most 31 bytes each.
#[derive(Debug, Default)]
pub struct MessageBuilder {
    elements: Vec<Fr>,
    current: Vec<u8>,
}

impl MessageBuilder {
    /// Starts a message with the common header element:
    /// `type(1) ‖ account_id(4) ‖ nonce(4) ‖ valid_from(8) ‖ valid_until(8)`.
    pub fn header(ty: u8, account: AccountId, nonce: Nonce, range: TimeRange) -> Self {
        let mut b = Self::default();
        b.bytes(&[ty]);
        b.bytes(&account.0.to_be_bytes());
        b.bytes(&nonce.to_be_bytes());
        b.bytes(&range.valid_from.to_be_bytes());
        b.bytes(&range.valid_until.to_be_bytes());
        b.end_element();
        b
    }

    /// Appends bytes to the current element.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        debug_assert!(self.current.len() + bytes.len() <= 31, "message element over 248 bits");
        self.current.extend_from_slice(bytes);
        self
    }

    /// Closes the current element.
    pub fn end_element(&mut self) -> &mut Self {
        self.elements.push(fr_from_be_short(&self.current));
        self.current.clear();
        self
    }

    /// Appends a whole field element (such as an order's message).
    pub fn element(&mut self, x: Fr) -> &mut Self {
        debug_assert!(self.current.is_empty());
        self.elements.push(x);
        self
    }

    /// The Poseidon hash of the elements. A message of 3 elements is padded with a zero to 4:
    /// the block circuit hashes every message with 2 or 4 inputs (`docs/spec/transactions.md`).
    pub fn finish(mut self) -> Fr {
        if !self.current.is_empty() {
            self.end_element();
        }
        if self.elements.len() == 3 {
            self.elements.push(Fr::from(0u64));
        }
        poseidon::poseidon(&self.elements)
            .unwrap_or_else(|e| unreachable!("messages have 2 to 4 elements: {e}"))
    }
}

fn packed(format: FloatFormat, value: u128, field: &'static str) -> Result<u64, EncodeError> {
    format.pack(value).map_err(|source| EncodeError::NotPackable { field, source })
}

/// Packs an amount for a message or pubdata.
pub fn pack_amount(value: u128) -> Result<u64, EncodeError> {
    packed(AMOUNT, value, "amount")
}

/// Packs a fee for a message or pubdata.
pub fn pack_fee(value: u128) -> Result<u64, EncodeError> {
    packed(FEE, value, "fee")
}

/// Transfer of a fungible token to an address; the fee is paid in the same token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Sender.
    pub account_id: AccountId,
    /// Recipient's address; the operator creates the account if it does not exist.
    pub to: Address,
    /// Token sent, and the fee token.
    pub token: TokenId,
    /// Amount credited to the recipient; must be a packable [`AMOUNT`].
    pub amount: u128,
    /// Fee; must be a packable [`FEE`].
    pub fee: u128,
    /// Sender's nonce.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
}

/// Withdrawal of a fungible token to an L1 address; the fee is paid in the same token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdraw {
    /// Account withdrawing.
    pub account_id: AccountId,
    /// L1 recipient.
    pub to: Address,
    /// Token.
    pub token: TokenId,
    /// Amount credited on L1 (exact, not a float).
    pub amount: u128,
    /// Fee.
    pub fee: u128,
    /// Nonce.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
}

/// How the account's Ethereum address authorised a ChangePubKey; checked by the L1 contract at
/// commit and natively by the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangePubKeyAuth {
    /// The address recorded the authorisation on-chain beforehand.
    Onchain,
    /// EIP-191 `personal_sign` over `pubkey_hash ‖ nonce ‖ account_id ‖ chain_id ‖ contract`
    /// (`docs/spec/crypto.md`).
    Ecdsa([u8; 65]),
    /// EIP-712 signature over `ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)`.
    Eip712([u8; 65]),
}

/// Sets an account's L2 key; signed by the new key and authorised by the L1 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePubKey {
    /// Account.
    pub account_id: AccountId,
    /// Hash of the new key.
    pub new_pubkey_hash: PubKeyHash,
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
    /// Nonce.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
    /// L1 authorisation; not part of the L2 message.
    pub auth: ChangePubKeyAuth,
}

/// Withdraws the whole balance of a keyless account to its own address; the initiator pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForcedExit {
    /// Initiator, who signs and pays the fee in `token`.
    pub account_id: AccountId,
    /// The keyless account's address.
    pub target: Address,
    /// Token withdrawn and fee token.
    pub token: TokenId,
    /// Fee.
    pub fee: u128,
    /// Initiator's nonce.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
}

/// One side of a swap: sell `token_sell` for `token_buy` at no worse than `ratio`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Account that sells and receives.
    pub account_id: AccountId,
    /// Token given.
    pub token_sell: TokenId,
    /// Token received.
    pub token_buy: TokenId,
    /// `(sell, buy)`: the order accepts `amount_buy · sell ≥ amount_sell · buy`.
    pub ratio: (u128, u128),
    /// Exact amount to sell, filled at once and consuming the nonce; 0 makes a limit order,
    /// fillable in parts until it expires or the account's nonce moves.
    pub amount: u128,
    /// Account's nonce at the time of the fill.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
}

/// Exchange of two signed orders, submitted (and its fee paid) by a third signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    /// Submitter, who pays the fee.
    pub account_id: AccountId,
    /// The two orders, each signed by its account.
    pub orders: [Signed<Order>; 2],
    /// Amounts sold by each order's account; packable [`AMOUNT`]s.
    pub amounts: [u128; 2],
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
    /// Submitter's nonce.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
}

/// Mints an NFT whose creator is the signer, to an existing account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintNft {
    /// Creator.
    pub account_id: AccountId,
    /// Recipient's address (an existing account).
    pub recipient: Address,
    /// Hash of the content, such as an IPFS CID digest.
    pub content_hash: [u8; 32],
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
    /// Nonce.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
}

/// Transfers an NFT to an existing account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferNft {
    /// Owner.
    pub account_id: AccountId,
    /// Recipient's address (an existing account).
    pub to: Address,
    /// NFT.
    pub nft_id: NftId,
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
    /// Nonce.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
}

/// Withdraws an NFT to L1, where the factory mints it as an ERC-721.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawNft {
    /// Owner.
    pub account_id: AccountId,
    /// L1 recipient.
    pub to: Address,
    /// NFT.
    pub nft_id: NftId,
    /// Fee token.
    pub fee_token: TokenId,
    /// Fee.
    pub fee: u128,
    /// Nonce.
    pub nonce: Nonce,
    /// Validity.
    pub time_range: TimeRange,
}

/// What every signed transaction body provides.
pub trait TxBody {
    /// Its type code.
    const TYPE: u8;
    /// The signing account.
    fn account_id(&self) -> AccountId;
    /// The signer's nonce.
    fn nonce(&self) -> Nonce;
    /// Validity.
    fn time_range(&self) -> TimeRange;
    /// The Poseidon message its signature covers; fails if an amount or fee is not packable.
    fn message(&self) -> Result<Fr, EncodeError>;

    /// Signs the body.
    fn sign(self, key: &PrivateKey) -> Result<Signed<Self>, EncodeError>
    where
        Self: Sized,
    {
        let signature = TxSignature::sign(key, self.message()?);
        Ok(Signed { tx: self, signature })
    }
}

fn header<T: TxBody>(tx: &T) -> MessageBuilder {
    MessageBuilder::header(T::TYPE, tx.account_id(), tx.nonce(), tx.time_range())
}

macro_rules! body_common {
    ($ty:ident, $code:expr) => {
        const TYPE: u8 = $code;
        fn account_id(&self) -> AccountId {
            self.account_id
        }
        fn nonce(&self) -> Nonce {
            self.nonce
        }
        fn time_range(&self) -> TimeRange {
            self.time_range
        }
    };
}

impl TxBody for Transfer {
    body_common!(Transfer, tx_type::TRANSFER);
    fn message(&self) -> Result<Fr, EncodeError> {
        let mut m = header(self);
        m.bytes(self.to.as_slice())
            .bytes(&self.token.0.to_be_bytes())
            .bytes(&(pack_amount(self.amount)? as u32).to_be_bytes())
            .bytes(&(pack_fee(self.fee)? as u16).to_be_bytes())
            .end_element();
        Ok(m.finish())
    }
}

impl TxBody for Withdraw {
    body_common!(Withdraw, tx_type::WITHDRAW);
    fn message(&self) -> Result<Fr, EncodeError> {
        let mut m = header(self);
        m.bytes(self.to.as_slice())
            .bytes(&self.token.0.to_be_bytes())
            .bytes(&(pack_fee(self.fee)? as u16).to_be_bytes())
            .end_element()
            .bytes(&self.amount.to_be_bytes())
            .end_element();
        Ok(m.finish())
    }
}

impl TxBody for ChangePubKey {
    body_common!(ChangePubKey, tx_type::CHANGE_PUB_KEY);
    fn message(&self) -> Result<Fr, EncodeError> {
        let mut m = header(self);
        m.bytes(&self.new_pubkey_hash.0)
            .bytes(&self.fee_token.0.to_be_bytes())
            .bytes(&(pack_fee(self.fee)? as u16).to_be_bytes())
            .end_element();
        Ok(m.finish())
    }
}

impl TxBody for ForcedExit {
    body_common!(ForcedExit, tx_type::FORCED_EXIT);
    fn message(&self) -> Result<Fr, EncodeError> {
        let mut m = header(self);
        m.bytes(self.target.as_slice())
            .bytes(&self.token.0.to_be_bytes())
            .bytes(&(pack_fee(self.fee)? as u16).to_be_bytes())
            .end_element();
        Ok(m.finish())
    }
}

impl TxBody for Order {
    body_common!(Order, tx_type::ORDER);
    fn message(&self) -> Result<Fr, EncodeError> {
        let mut m = header(self);
        m.bytes(&self.token_sell.0.to_be_bytes())
            .bytes(&self.token_buy.0.to_be_bytes())
            .bytes(&self.amount.to_be_bytes())
            .end_element()
            .bytes(&self.ratio.0.to_be_bytes())
            .end_element()
            .bytes(&self.ratio.1.to_be_bytes())
            .end_element();
        Ok(m.finish())
    }
}

impl TxBody for Swap {
    body_common!(Swap, tx_type::SWAP);
    fn message(&self) -> Result<Fr, EncodeError> {
        let mut m = header(self);
        m.element(self.orders[0].tx.message()?)
            .element(self.orders[1].tx.message()?)
            .bytes(&(pack_amount(self.amounts[0])? as u32).to_be_bytes())
            .bytes(&(pack_amount(self.amounts[1])? as u32).to_be_bytes())
            .bytes(&self.fee_token.0.to_be_bytes())
            .bytes(&(pack_fee(self.fee)? as u16).to_be_bytes())
            .end_element();
        Ok(m.finish())
    }
}

impl TxBody for MintNft {
    body_common!(MintNft, tx_type::MINT_NFT);
    fn message(&self) -> Result<Fr, EncodeError> {
        let mut m = header(self);
        m.bytes(self.recipient.as_slice())
            .bytes(&self.fee_token.0.to_be_bytes())
            .bytes(&(pack_fee(self.fee)? as u16).to_be_bytes())
            .end_element()
            .bytes(&self.content_hash[..16])
            .end_element()
            .bytes(&self.content_hash[16..])
            .end_element();
        Ok(m.finish())
    }
}

fn nft_message<T: TxBody>(
    tx: &T,
    to: &Address,
    nft: NftId,
    fee_token: TokenId,
    fee: u128,
) -> Result<Fr, EncodeError> {
    let mut m = header(tx);
    m.bytes(to.as_slice())
        .bytes(&fee_token.0.to_be_bytes())
        .bytes(&(pack_fee(fee)? as u16).to_be_bytes())
        .end_element()
        .bytes(&nft.0.to_be_bytes())
        .end_element();
    Ok(m.finish())
}

impl TxBody for TransferNft {
    body_common!(TransferNft, tx_type::TRANSFER_NFT);
    fn message(&self) -> Result<Fr, EncodeError> {
        nft_message(self, &self.to, self.nft_id, self.fee_token, self.fee)
    }
}

impl TxBody for WithdrawNft {
    body_common!(WithdrawNft, tx_type::WITHDRAW_NFT);
    fn message(&self) -> Result<Fr, EncodeError> {
        nft_message(self, &self.to, self.nft_id, self.fee_token, self.fee)
    }
}

/// A transaction body with its L2 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<T> {
    /// The body.
    pub tx: T,
    /// The signature over `tx.message()`.
    pub signature: TxSignature,
}

impl<T: TxBody> Signed<T> {
    /// Whether the signature is valid for the body's message.
    pub fn verify(&self) -> bool {
        self.tx.message().map(|m| self.signature.verify(m)).unwrap_or(false)
    }
}

/// Any signed L2 transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedTx {
    /// Transfer.
    Transfer(Signed<Transfer>),
    /// Withdraw.
    Withdraw(Signed<Withdraw>),
    /// ChangePubKey.
    ChangePubKey(Signed<ChangePubKey>),
    /// ForcedExit.
    ForcedExit(Signed<ForcedExit>),
    /// Swap (boxed: two orders make it several times larger than the other variants).
    Swap(Box<Signed<Swap>>),
    /// MintNFT.
    MintNft(Signed<MintNft>),
    /// NFT transfer.
    TransferNft(Signed<TransferNft>),
    /// WithdrawNFT.
    WithdrawNft(Signed<WithdrawNft>),
}

macro_rules! each_tx {
    ($self:expr, $v:ident => $e:expr) => {
        match $self {
            SignedTx::Transfer($v) => $e,
            SignedTx::Withdraw($v) => $e,
            SignedTx::ChangePubKey($v) => $e,
            SignedTx::ForcedExit($v) => $e,
            SignedTx::Swap($v) => $e,
            SignedTx::MintNft($v) => $e,
            SignedTx::TransferNft($v) => $e,
            SignedTx::WithdrawNft($v) => $e,
        }
    };
}

impl SignedTx {
    /// The signing account.
    pub fn account_id(&self) -> AccountId {
        each_tx!(self, t => t.tx.account_id())
    }

    /// The signer's nonce.
    pub fn nonce(&self) -> Nonce {
        each_tx!(self, t => t.tx.nonce())
    }

    /// The type code.
    pub fn type_code(&self) -> u8 {
        fn code<T: TxBody>(_: &Signed<T>) -> u8 {
            T::TYPE
        }
        each_tx!(self, t => code(t))
    }

    /// A short name for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Transfer(_) => "Transfer",
            Self::Withdraw(_) => "Withdraw",
            Self::ChangePubKey(_) => "ChangePubKey",
            Self::ForcedExit(_) => "ForcedExit",
            Self::Swap(_) => "Swap",
            Self::MintNft(_) => "MintNFT",
            Self::TransferNft(_) => "TransferNFT",
            Self::WithdrawNft(_) => "WithdrawNFT",
        }
    }

    /// The transaction's id: its signed message (for a swap, the submitter's message).
    pub fn hash(&self) -> Result<Fr, EncodeError> {
        each_tx!(self, t => t.tx.message())
    }

    /// Encodes the transaction for the wire (`docs/spec/transactions.md`).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = ByteWriter::default();
        w.u8(self.type_code());
        match self {
            Self::Transfer(s) => {
                let t = &s.tx;
                w.u32(t.account_id.0).address(&t.to).u16(t.token.0).u128(t.amount).u128(t.fee);
                common(&mut w, t.nonce, t.time_range);
                w.sig(&s.signature);
            }
            Self::Withdraw(s) => {
                let t = &s.tx;
                w.u32(t.account_id.0).address(&t.to).u16(t.token.0).u128(t.amount).u128(t.fee);
                common(&mut w, t.nonce, t.time_range);
                w.sig(&s.signature);
            }
            Self::ChangePubKey(s) => {
                let t = &s.tx;
                w.u32(t.account_id.0).bytes(&t.new_pubkey_hash.0).u16(t.fee_token.0).u128(t.fee);
                common(&mut w, t.nonce, t.time_range);
                match &t.auth {
                    ChangePubKeyAuth::Onchain => w.u8(0),
                    ChangePubKeyAuth::Ecdsa(sig) => w.u8(1).bytes(sig),
                    ChangePubKeyAuth::Eip712(sig) => w.u8(2).bytes(sig),
                };
                w.sig(&s.signature);
            }
            Self::ForcedExit(s) => {
                let t = &s.tx;
                w.u32(t.account_id.0).address(&t.target).u16(t.token.0).u128(t.fee);
                common(&mut w, t.nonce, t.time_range);
                w.sig(&s.signature);
            }
            Self::Swap(s) => {
                let t = &s.tx;
                w.u32(t.account_id.0);
                for o in &t.orders {
                    let b = &o.tx;
                    w.u32(b.account_id.0).u16(b.token_sell.0).u16(b.token_buy.0);
                    w.u128(b.ratio.0).u128(b.ratio.1).u128(b.amount);
                    common(&mut w, b.nonce, b.time_range);
                    w.sig(&o.signature);
                }
                w.u128(t.amounts[0]).u128(t.amounts[1]).u16(t.fee_token.0).u128(t.fee);
                common(&mut w, t.nonce, t.time_range);
                w.sig(&s.signature);
            }
            Self::MintNft(s) => {
                let t = &s.tx;
                w.u32(t.account_id.0).address(&t.recipient).bytes(&t.content_hash);
                w.u16(t.fee_token.0).u128(t.fee);
                common(&mut w, t.nonce, t.time_range);
                w.sig(&s.signature);
            }
            Self::TransferNft(s) => {
                let t = &s.tx;
                w.u32(t.account_id.0).address(&t.to).u32(t.nft_id.0).u16(t.fee_token.0);
                w.u128(t.fee);
                common(&mut w, t.nonce, t.time_range);
                w.sig(&s.signature);
            }
            Self::WithdrawNft(s) => {
                let t = &s.tx;
                w.u32(t.account_id.0).address(&t.to).u32(t.nft_id.0).u16(t.fee_token.0);
                w.u128(t.fee);
                common(&mut w, t.nonce, t.time_range);
                w.sig(&s.signature);
            }
        }
        w.into_bytes()
    }

    /// Decodes a transaction; any malformed input is an error, never a panic. Signatures are
    /// parsed (points on the curve, canonical scalars) but not verified here.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = ByteReader::new(bytes);
        let tag = r.u8()?;
        let tx = match tag {
            tx_type::TRANSFER => {
                let (account_id, to, token, amount, fee) =
                    (AccountId(r.u32()?), r.address()?, r.token()?, r.u128()?, r.u128()?);
                let (nonce, time_range) = read_common(&mut r)?;
                let tx = Transfer { account_id, to, token, amount, fee, nonce, time_range };
                Self::Transfer(Signed { tx, signature: r.sig()? })
            }
            tx_type::WITHDRAW => {
                let (account_id, to, token, amount, fee) =
                    (AccountId(r.u32()?), r.address()?, r.token()?, r.u128()?, r.u128()?);
                let (nonce, time_range) = read_common(&mut r)?;
                let tx = Withdraw { account_id, to, token, amount, fee, nonce, time_range };
                Self::Withdraw(Signed { tx, signature: r.sig()? })
            }
            tx_type::CHANGE_PUB_KEY => {
                let account_id = AccountId(r.u32()?);
                let new_pubkey_hash = PubKeyHash(r.bytes::<20>()?);
                let (fee_token, fee) = (r.token()?, r.u128()?);
                let (nonce, time_range) = read_common(&mut r)?;
                let auth = match r.u8()? {
                    0 => ChangePubKeyAuth::Onchain,
                    1 => ChangePubKeyAuth::Ecdsa(r.bytes::<65>()?),
                    2 => ChangePubKeyAuth::Eip712(r.bytes::<65>()?),
                    value => return Err(DecodeError::UnknownTag { what: "auth kind", value }),
                };
                let tx = ChangePubKey {
                    account_id,
                    new_pubkey_hash,
                    fee_token,
                    fee,
                    nonce,
                    time_range,
                    auth,
                };
                Self::ChangePubKey(Signed { tx, signature: r.sig()? })
            }
            tx_type::FORCED_EXIT => {
                let (account_id, target, token, fee) =
                    (AccountId(r.u32()?), r.address()?, r.token()?, r.u128()?);
                let (nonce, time_range) = read_common(&mut r)?;
                let tx = ForcedExit { account_id, target, token, fee, nonce, time_range };
                Self::ForcedExit(Signed { tx, signature: r.sig()? })
            }
            tx_type::SWAP => {
                let account_id = AccountId(r.u32()?);
                let read_order = |r: &mut ByteReader<'_>| -> Result<_, DecodeError> {
                    let account_id = AccountId(r.u32()?);
                    let (token_sell, token_buy) = (r.token()?, r.token()?);
                    let ratio = (r.u128()?, r.u128()?);
                    let amount = r.u128()?;
                    let (nonce, time_range) = read_common(r)?;
                    let tx = Order {
                        account_id,
                        token_sell,
                        token_buy,
                        ratio,
                        amount,
                        nonce,
                        time_range,
                    };
                    Ok(Signed { tx, signature: r.sig()? })
                };
                let orders = [read_order(&mut r)?, read_order(&mut r)?];
                let amounts = [r.u128()?, r.u128()?];
                let (fee_token, fee) = (r.token()?, r.u128()?);
                let (nonce, time_range) = read_common(&mut r)?;
                let tx = Swap { account_id, orders, amounts, fee_token, fee, nonce, time_range };
                Self::Swap(Box::new(Signed { tx, signature: r.sig()? }))
            }
            tx_type::MINT_NFT => {
                let (account_id, recipient, content_hash) =
                    (AccountId(r.u32()?), r.address()?, r.bytes::<32>()?);
                let (fee_token, fee) = (r.token()?, r.u128()?);
                let (nonce, time_range) = read_common(&mut r)?;
                let tx = MintNft {
                    account_id,
                    recipient,
                    content_hash,
                    fee_token,
                    fee,
                    nonce,
                    time_range,
                };
                Self::MintNft(Signed { tx, signature: r.sig()? })
            }
            tx_type::TRANSFER_NFT | tx_type::WITHDRAW_NFT => {
                let (account_id, to, nft_id) = (AccountId(r.u32()?), r.address()?, NftId(r.u32()?));
                let (fee_token, fee) = (r.token()?, r.u128()?);
                let (nonce, time_range) = read_common(&mut r)?;
                let signature = r.sig()?;
                if tag == tx_type::TRANSFER_NFT {
                    let tx =
                        TransferNft { account_id, to, nft_id, fee_token, fee, nonce, time_range };
                    Self::TransferNft(Signed { tx, signature })
                } else {
                    let tx =
                        WithdrawNft { account_id, to, nft_id, fee_token, fee, nonce, time_range };
                    Self::WithdrawNft(Signed { tx, signature })
                }
            }
            value => return Err(DecodeError::UnknownTag { what: "transaction type", value }),
        };
        r.finish()?;
        Ok(tx)
    }
}

fn common(w: &mut ByteWriter, nonce: Nonce, range: TimeRange) {
    w.u32(nonce).u64(range.valid_from).u64(range.valid_until);
}

fn read_common(r: &mut ByteReader<'_>) -> Result<(Nonce, TimeRange), DecodeError> {
    Ok((r.u32()?, TimeRange { valid_from: r.u64()?, valid_until: r.u64()? }))
}
