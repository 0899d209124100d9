//! The JSON form of every signed transaction (zkSync Lite's field names where they exist), and
//! its lossless conversion to and from `tern_types::SignedTx`.
//!
//! `SignedTx → TxJson → SignedTx` is the identity. The other way, the optional fields Tern does
//! not carry (`from`, `account`, `creatorAddress`, `submitterAddress`, an order's `recipient`)
//! are dropped: the account id and the signature already name the signer.

use crate::codec::{
    address, always_from, always_until, decimal, decimal_pair, opt_address, pubkey_hash, to_hex,
    Hex,
};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tern_primitives::eddsa::{PubKeyHash, PublicKey, Signature};
use tern_primitives::Address;
use tern_types::params::MAX_TOKENS;
use tern_types::tx::{self as t, ChangePubKeyAuth, Signed, TxSignature};
use tern_types::{AccountId, DecodeError, NftId, SignedTx, TimeRange, TokenId};

/// Why a JSON transaction is not a Tern transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// A token id at or above `MAX_TOKENS`.
    #[error("{field} {value} is out of range: token ids are below {MAX_TOKENS}")]
    TokenOutOfRange {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u16,
    },
    /// A public key that is not a valid packed Baby Jubjub point.
    #[error("signature.pubKey is not a valid packed public key: {0}")]
    BadPubKey(String),
    /// A signature that does not parse (R8 off the curve, or S too large).
    #[error("signature.signature is not a valid packed signature: {0}")]
    BadSignature(String),
    /// Wire bytes that do not decode.
    #[error("the wire encoding does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// Neither a wire-encoding string nor a transaction object.
    #[error("not a transaction: {0}")]
    Json(String),
}

/// `signature`: the signer's packed public key (32 bytes) and packed EdDSA signature (64 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct L2Signature {
    /// Packed public key, `0x` hex.
    pub pub_key: Hex<32>,
    /// Packed signature `R8 ‖ S`, `0x` hex.
    pub signature: Hex<64>,
}

impl From<&TxSignature> for L2Signature {
    fn from(s: &TxSignature) -> Self {
        Self { pub_key: Hex(s.pub_key.pack()), signature: Hex(s.signature.pack()) }
    }
}

impl TryFrom<&L2Signature> for TxSignature {
    type Error = ConvertError;
    fn try_from(s: &L2Signature) -> Result<Self, ConvertError> {
        let pub_key =
            PublicKey::unpack(&s.pub_key.0).map_err(|e| ConvertError::BadPubKey(e.to_string()))?;
        let signature = Signature::unpack(&s.signature.0)
            .map_err(|e| ConvertError::BadSignature(e.to_string()))?;
        Ok(TxSignature { pub_key, signature })
    }
}

fn token(field: &'static str, value: u16) -> Result<TokenId, ConvertError> {
    if value >= MAX_TOKENS {
        return Err(ConvertError::TokenOutOfRange { field, value });
    }
    Ok(TokenId(value))
}

fn range(valid_from: u64, valid_until: u64) -> TimeRange {
    TimeRange { valid_from, valid_until }
}

/// Transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferJson {
    /// Sender's account id.
    pub account_id: u32,
    /// Sender's address (informational; not signed in Tern).
    #[serde(default, with = "opt_address", skip_serializing_if = "Option::is_none")]
    pub from: Option<Address>,
    /// Recipient.
    #[serde(with = "address")]
    pub to: Address,
    /// Token, also the fee token.
    pub token: u16,
    /// Amount, base units.
    #[serde(with = "decimal")]
    pub amount: u128,
    /// Fee, base units.
    #[serde(with = "decimal")]
    pub fee: u128,
    /// Sender's nonce.
    pub nonce: u32,
    /// First valid second (default 0).
    #[serde(default = "always_from")]
    pub valid_from: u64,
    /// Last valid second (default 2⁶⁴ − 1).
    #[serde(default = "always_until")]
    pub valid_until: u64,
    /// L2 signature.
    pub signature: L2Signature,
}

/// Withdraw (same fields as a transfer; `to` is an L1 address).
pub type WithdrawJson = TransferJson;

/// ChangePubKey's L1 authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EthAuthData {
    /// Recorded on-chain beforehand (`setAuthPubkeyHash`).
    Onchain,
    /// EIP-191 signature.
    #[serde(rename = "ECDSA", rename_all = "camelCase")]
    Ecdsa {
        /// `r ‖ s ‖ v`, `0x` hex.
        eth_signature: Hex<65>,
    },
    /// EIP-712 signature.
    #[serde(rename = "EIP712", rename_all = "camelCase")]
    Eip712 {
        /// `r ‖ s ‖ v`, `0x` hex.
        eth_signature: Hex<65>,
    },
}

/// ChangePubKey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePubKeyJson {
    /// Account id.
    pub account_id: u32,
    /// The account's address (informational).
    #[serde(default, with = "opt_address", skip_serializing_if = "Option::is_none")]
    pub account: Option<Address>,
    /// Hash of the new key, `sync:` hex.
    #[serde(with = "pubkey_hash")]
    pub new_pk_hash: PubKeyHash,
    /// Fee token.
    pub fee_token: u16,
    /// Fee, base units.
    #[serde(with = "decimal")]
    pub fee: u128,
    /// Nonce.
    pub nonce: u32,
    /// First valid second.
    #[serde(default = "always_from")]
    pub valid_from: u64,
    /// Last valid second.
    #[serde(default = "always_until")]
    pub valid_until: u64,
    /// L1 authorisation.
    pub eth_auth_data: EthAuthData,
    /// L2 signature by the new key.
    pub signature: L2Signature,
}

/// ForcedExit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForcedExitJson {
    /// Initiator, who signs and pays.
    pub initiator_account_id: u32,
    /// The keyless account's address.
    #[serde(with = "address")]
    pub target: Address,
    /// Token withdrawn, also the fee token.
    pub token: u16,
    /// Fee, base units.
    #[serde(with = "decimal")]
    pub fee: u128,
    /// Initiator's nonce.
    pub nonce: u32,
    /// First valid second.
    #[serde(default = "always_from")]
    pub valid_from: u64,
    /// Last valid second.
    #[serde(default = "always_until")]
    pub valid_until: u64,
    /// L2 signature.
    pub signature: L2Signature,
}

/// A swap order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderJson {
    /// The order's account.
    pub account_id: u32,
    /// Where the bought tokens go (informational: Tern credits the order's account).
    #[serde(default, with = "opt_address", skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Address>,
    /// The account's nonce.
    pub nonce: u32,
    /// Token sold.
    pub token_sell: u16,
    /// Token bought.
    pub token_buy: u16,
    /// `[sell, buy]` price ratio, decimal strings.
    #[serde(with = "decimal_pair")]
    pub ratio: [u128; 2],
    /// Exact amount to sell; `"0"` for a limit order.
    #[serde(with = "decimal")]
    pub amount: u128,
    /// First valid second.
    #[serde(default = "always_from")]
    pub valid_from: u64,
    /// Last valid second.
    #[serde(default = "always_until")]
    pub valid_until: u64,
    /// The order account's L2 signature.
    pub signature: L2Signature,
}

/// Swap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwapJson {
    /// Submitter, who pays the fee.
    pub submitter_id: u32,
    /// Submitter's address (informational).
    #[serde(default, with = "opt_address", skip_serializing_if = "Option::is_none")]
    pub submitter_address: Option<Address>,
    /// Submitter's nonce.
    pub nonce: u32,
    /// The two orders.
    pub orders: Box<[OrderJson; 2]>,
    /// Amounts each order's account sells, decimal strings.
    #[serde(with = "decimal_pair")]
    pub amounts: [u128; 2],
    /// Fee, base units.
    #[serde(with = "decimal")]
    pub fee: u128,
    /// Fee token.
    pub fee_token: u16,
    /// First valid second.
    #[serde(default = "always_from")]
    pub valid_from: u64,
    /// Last valid second.
    #[serde(default = "always_until")]
    pub valid_until: u64,
    /// Submitter's L2 signature.
    pub signature: L2Signature,
}

/// MintNFT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MintNftJson {
    /// Creator, who signs and pays.
    pub creator_id: u32,
    /// Creator's address (informational).
    #[serde(default, with = "opt_address", skip_serializing_if = "Option::is_none")]
    pub creator_address: Option<Address>,
    /// 32-byte content hash, `0x` hex.
    pub content_hash: Hex<32>,
    /// Recipient (an existing account).
    #[serde(with = "address")]
    pub recipient: Address,
    /// Fee, base units.
    #[serde(with = "decimal")]
    pub fee: u128,
    /// Fee token.
    pub fee_token: u16,
    /// Creator's nonce.
    pub nonce: u32,
    /// First valid second.
    #[serde(default = "always_from")]
    pub valid_from: u64,
    /// Last valid second.
    #[serde(default = "always_until")]
    pub valid_until: u64,
    /// L2 signature.
    pub signature: L2Signature,
}

/// TransferNFT and WithdrawNFT (`token` is the NFT id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NftMoveJson {
    /// Owner's account id.
    pub account_id: u32,
    /// Owner's address (informational).
    #[serde(default, with = "opt_address", skip_serializing_if = "Option::is_none")]
    pub from: Option<Address>,
    /// Recipient: an existing account (TransferNFT) or an L1 address (WithdrawNFT).
    #[serde(with = "address")]
    pub to: Address,
    /// The NFT id.
    pub token: u32,
    /// Fee token.
    pub fee_token: u16,
    /// Fee, base units.
    #[serde(with = "decimal")]
    pub fee: u128,
    /// Nonce.
    pub nonce: u32,
    /// First valid second.
    #[serde(default = "always_from")]
    pub valid_from: u64,
    /// Last valid second.
    #[serde(default = "always_until")]
    pub valid_until: u64,
    /// L2 signature.
    pub signature: L2Signature,
}

/// Any signed transaction as JSON, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TxJson {
    /// Transfer.
    Transfer(TransferJson),
    /// Withdraw.
    Withdraw(WithdrawJson),
    /// ChangePubKey.
    ChangePubKey(ChangePubKeyJson),
    /// ForcedExit.
    ForcedExit(ForcedExitJson),
    /// Swap.
    Swap(Box<SwapJson>),
    /// MintNFT.
    #[serde(rename = "MintNFT")]
    MintNft(MintNftJson),
    /// TransferNFT.
    #[serde(rename = "TransferNFT")]
    TransferNft(NftMoveJson),
    /// WithdrawNFT.
    #[serde(rename = "WithdrawNFT")]
    WithdrawNft(NftMoveJson),
}

/// The JSON of a transfer or a withdrawal (same field names in both bodies).
macro_rules! transfer_json {
    ($s:expr) => {{
        let (x, r) = (&$s.tx, $s.tx.time_range);
        TransferJson {
            account_id: x.account_id.0,
            from: None,
            to: x.to,
            token: x.token.0,
            amount: x.amount,
            fee: x.fee,
            nonce: x.nonce,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            signature: (&$s.signature).into(),
        }
    }};
}

/// The JSON of an NFT transfer or withdrawal (same field names in both bodies).
macro_rules! nft_json {
    ($s:expr) => {{
        let (x, r) = (&$s.tx, $s.tx.time_range);
        NftMoveJson {
            account_id: x.account_id.0,
            from: None,
            to: x.to,
            token: x.nft_id.0,
            fee_token: x.fee_token.0,
            fee: x.fee,
            nonce: x.nonce,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            signature: (&$s.signature).into(),
        }
    }};
}

fn order_json(o: &Signed<t::Order>) -> OrderJson {
    let b = &o.tx;
    OrderJson {
        account_id: b.account_id.0,
        recipient: None,
        nonce: b.nonce,
        token_sell: b.token_sell.0,
        token_buy: b.token_buy.0,
        ratio: [b.ratio.0, b.ratio.1],
        amount: b.amount,
        valid_from: b.time_range.valid_from,
        valid_until: b.time_range.valid_until,
        signature: (&o.signature).into(),
    }
}

fn cpk_json(s: &Signed<t::ChangePubKey>) -> ChangePubKeyJson {
    let c = &s.tx;
    ChangePubKeyJson {
        account_id: c.account_id.0,
        account: None,
        new_pk_hash: c.new_pubkey_hash,
        fee_token: c.fee_token.0,
        fee: c.fee,
        nonce: c.nonce,
        valid_from: c.time_range.valid_from,
        valid_until: c.time_range.valid_until,
        eth_auth_data: match c.auth {
            ChangePubKeyAuth::Onchain => EthAuthData::Onchain,
            ChangePubKeyAuth::Ecdsa(sig) => EthAuthData::Ecdsa { eth_signature: Hex(sig) },
            ChangePubKeyAuth::Eip712(sig) => EthAuthData::Eip712 { eth_signature: Hex(sig) },
        },
        signature: (&s.signature).into(),
    }
}

fn swap_json(s: &Signed<t::Swap>) -> SwapJson {
    let w = &s.tx;
    SwapJson {
        submitter_id: w.account_id.0,
        submitter_address: None,
        nonce: w.nonce,
        orders: Box::new([order_json(&w.orders[0]), order_json(&w.orders[1])]),
        amounts: w.amounts,
        fee: w.fee,
        fee_token: w.fee_token.0,
        valid_from: w.time_range.valid_from,
        valid_until: w.time_range.valid_until,
        signature: (&s.signature).into(),
    }
}

impl From<&SignedTx> for TxJson {
    fn from(tx: &SignedTx) -> Self {
        match tx {
            SignedTx::Transfer(s) => Self::Transfer(transfer_json!(s)),
            SignedTx::Withdraw(s) => Self::Withdraw(transfer_json!(s)),
            SignedTx::ChangePubKey(s) => Self::ChangePubKey(cpk_json(s)),
            SignedTx::ForcedExit(s) => {
                let x = &s.tx;
                Self::ForcedExit(ForcedExitJson {
                    initiator_account_id: x.account_id.0,
                    target: x.target,
                    token: x.token.0,
                    fee: x.fee,
                    nonce: x.nonce,
                    valid_from: x.time_range.valid_from,
                    valid_until: x.time_range.valid_until,
                    signature: (&s.signature).into(),
                })
            }
            SignedTx::Swap(s) => Self::Swap(Box::new(swap_json(s))),
            SignedTx::MintNft(s) => {
                let x = &s.tx;
                Self::MintNft(MintNftJson {
                    creator_id: x.account_id.0,
                    creator_address: None,
                    content_hash: Hex(x.content_hash),
                    recipient: x.recipient,
                    fee: x.fee,
                    fee_token: x.fee_token.0,
                    nonce: x.nonce,
                    valid_from: x.time_range.valid_from,
                    valid_until: x.time_range.valid_until,
                    signature: (&s.signature).into(),
                })
            }
            SignedTx::TransferNft(s) => Self::TransferNft(nft_json!(s)),
            SignedTx::WithdrawNft(s) => Self::WithdrawNft(nft_json!(s)),
        }
    }
}

fn signed<T>(tx: T, sig: &L2Signature) -> Result<Signed<T>, ConvertError> {
    Ok(Signed { tx, signature: sig.try_into()? })
}

fn to_transfer(j: &TransferJson) -> Result<Signed<t::Transfer>, ConvertError> {
    let tx = t::Transfer {
        account_id: AccountId(j.account_id),
        to: j.to,
        token: token("token", j.token)?,
        amount: j.amount,
        fee: j.fee,
        nonce: j.nonce,
        time_range: range(j.valid_from, j.valid_until),
    };
    signed(tx, &j.signature)
}

fn to_withdraw(j: &WithdrawJson) -> Result<Signed<t::Withdraw>, ConvertError> {
    let tx = t::Withdraw {
        account_id: AccountId(j.account_id),
        to: j.to,
        token: token("token", j.token)?,
        amount: j.amount,
        fee: j.fee,
        nonce: j.nonce,
        time_range: range(j.valid_from, j.valid_until),
    };
    signed(tx, &j.signature)
}

fn to_cpk(j: &ChangePubKeyJson) -> Result<Signed<t::ChangePubKey>, ConvertError> {
    let auth = match j.eth_auth_data {
        EthAuthData::Onchain => ChangePubKeyAuth::Onchain,
        EthAuthData::Ecdsa { eth_signature } => ChangePubKeyAuth::Ecdsa(eth_signature.0),
        EthAuthData::Eip712 { eth_signature } => ChangePubKeyAuth::Eip712(eth_signature.0),
    };
    let tx = t::ChangePubKey {
        account_id: AccountId(j.account_id),
        new_pubkey_hash: j.new_pk_hash,
        fee_token: token("feeToken", j.fee_token)?,
        fee: j.fee,
        nonce: j.nonce,
        time_range: range(j.valid_from, j.valid_until),
        auth,
    };
    signed(tx, &j.signature)
}

fn to_forced_exit(j: &ForcedExitJson) -> Result<Signed<t::ForcedExit>, ConvertError> {
    let tx = t::ForcedExit {
        account_id: AccountId(j.initiator_account_id),
        target: j.target,
        token: token("token", j.token)?,
        fee: j.fee,
        nonce: j.nonce,
        time_range: range(j.valid_from, j.valid_until),
    };
    signed(tx, &j.signature)
}

fn to_order(j: &OrderJson) -> Result<Signed<t::Order>, ConvertError> {
    let tx = t::Order {
        account_id: AccountId(j.account_id),
        token_sell: token("tokenSell", j.token_sell)?,
        token_buy: token("tokenBuy", j.token_buy)?,
        ratio: (j.ratio[0], j.ratio[1]),
        amount: j.amount,
        nonce: j.nonce,
        time_range: range(j.valid_from, j.valid_until),
    };
    signed(tx, &j.signature)
}

fn to_swap(j: &SwapJson) -> Result<Signed<t::Swap>, ConvertError> {
    let tx = t::Swap {
        account_id: AccountId(j.submitter_id),
        orders: [to_order(&j.orders[0])?, to_order(&j.orders[1])?],
        amounts: j.amounts,
        fee_token: token("feeToken", j.fee_token)?,
        fee: j.fee,
        nonce: j.nonce,
        time_range: range(j.valid_from, j.valid_until),
    };
    signed(tx, &j.signature)
}

fn to_mint(j: &MintNftJson) -> Result<Signed<t::MintNft>, ConvertError> {
    let tx = t::MintNft {
        account_id: AccountId(j.creator_id),
        recipient: j.recipient,
        content_hash: j.content_hash.0,
        fee_token: token("feeToken", j.fee_token)?,
        fee: j.fee,
        nonce: j.nonce,
        time_range: range(j.valid_from, j.valid_until),
    };
    signed(tx, &j.signature)
}

/// The fields of an NFT transfer or withdrawal, as (account, to, nft, fee token).
fn nft_parts(j: &NftMoveJson) -> Result<(AccountId, Address, NftId, TokenId), ConvertError> {
    Ok((AccountId(j.account_id), j.to, NftId(j.token), token("feeToken", j.fee_token)?))
}

fn to_transfer_nft(j: &NftMoveJson) -> Result<Signed<t::TransferNft>, ConvertError> {
    let (account_id, to, nft_id, fee_token) = nft_parts(j)?;
    let time_range = range(j.valid_from, j.valid_until);
    let tx = t::TransferNft {
        account_id,
        to,
        nft_id,
        fee_token,
        fee: j.fee,
        nonce: j.nonce,
        time_range,
    };
    signed(tx, &j.signature)
}

fn to_withdraw_nft(j: &NftMoveJson) -> Result<Signed<t::WithdrawNft>, ConvertError> {
    let (account_id, to, nft_id, fee_token) = nft_parts(j)?;
    let time_range = range(j.valid_from, j.valid_until);
    let tx = t::WithdrawNft {
        account_id,
        to,
        nft_id,
        fee_token,
        fee: j.fee,
        nonce: j.nonce,
        time_range,
    };
    signed(tx, &j.signature)
}

impl TryFrom<&TxJson> for SignedTx {
    type Error = ConvertError;
    fn try_from(j: &TxJson) -> Result<Self, ConvertError> {
        Ok(match j {
            TxJson::Transfer(x) => SignedTx::Transfer(to_transfer(x)?),
            TxJson::Withdraw(x) => SignedTx::Withdraw(to_withdraw(x)?),
            TxJson::ChangePubKey(x) => SignedTx::ChangePubKey(to_cpk(x)?),
            TxJson::ForcedExit(x) => SignedTx::ForcedExit(to_forced_exit(x)?),
            TxJson::Swap(x) => SignedTx::Swap(Box::new(to_swap(x)?)),
            TxJson::MintNft(x) => SignedTx::MintNft(to_mint(x)?),
            TxJson::TransferNft(x) => SignedTx::TransferNft(to_transfer_nft(x)?),
            TxJson::WithdrawNft(x) => SignedTx::WithdrawNft(to_withdraw_nft(x)?),
        })
    }
}

/// A transaction as `tx_submit` takes it: a JSON object ([`TxJson`]) or a string holding the
/// wire encoding (`SignedTx::encode`) in `0x` hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxParam {
    /// `0x…` wire bytes (not decoded yet).
    Wire(Vec<u8>),
    /// A JSON transaction.
    Json(Box<TxJson>),
}

impl TxParam {
    /// The transaction it holds.
    pub fn to_signed(&self) -> Result<SignedTx, ConvertError> {
        match self {
            Self::Wire(bytes) => Ok(SignedTx::decode(bytes)?),
            Self::Json(j) => SignedTx::try_from(j.as_ref()),
        }
    }

    /// A transaction in its wire form (the compact choice for a client).
    pub fn wire(tx: &SignedTx) -> Self {
        Self::Wire(tx.encode())
    }

    /// A transaction in its JSON form.
    pub fn json(tx: &SignedTx) -> Self {
        Self::Json(Box::new(tx.into()))
    }

    fn from_value(v: serde_json::Value) -> Result<Self, String> {
        match v {
            serde_json::Value::String(s) => {
                let body =
                    s.strip_prefix("0x").ok_or("a wire-encoded transaction starts with 0x")?;
                hex::decode(body).map(Self::Wire).map_err(|e| format!("bad hex: {e}"))
            }
            v @ serde_json::Value::Object(_) => serde_json::from_value::<TxJson>(v)
                .map(|j| Self::Json(Box::new(j)))
                .map_err(|e| e.to_string()),
            other => Err(format!("expected a transaction object or a 0x string, got {other}")),
        }
    }
}

impl Serialize for TxParam {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Wire(bytes) => s.serialize_str(&to_hex(bytes)),
            Self::Json(j) => j.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for TxParam {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_value(serde_json::Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// One element of `submit_txs_batch`'s list: a [`TxParam`], or zkSync Lite's
/// `{tx, signature}` (the Ethereum signature is ignored; Tern needs none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchTx(pub TxParam);

impl Serialize for BatchTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for BatchTx {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut v = serde_json::Value::deserialize(d)?;
        let wrapped = v.get("tx").is_some() && v.get("type").is_none();
        if wrapped {
            v = v.get_mut("tx").map(serde_json::Value::take).unwrap_or_default();
        }
        TxParam::from_value(v).map(BatchTx).map_err(D::Error::custom)
    }
}
