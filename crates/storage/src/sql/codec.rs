//! Column encodings: integers, amounts, hashes, roots, ChangePubKey authorisations and
//! priority operations. Every decoder returns [`StorageError::Corrupt`] on a bad value.

use crate::types::{StorageError, StorageResult};
use sqlx::any::AnyRow;
use sqlx::Row;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::field::{fr_from_be_bytes, fr_to_be_bytes};
use tern_primitives::{Address, Fr};
use tern_state::PriorityOp;
use tern_types::tx::ChangePubKeyAuth;
use tern_types::{AccountId, NftId, TokenId};

/// A [`StorageError::Corrupt`] for `table`.
pub(crate) fn corrupt(table: &'static str, reason: impl Into<String>) -> StorageError {
    StorageError::Corrupt { table, reason: reason.into() }
}

/// `v` as BIGINT, or a [`StorageError::Conflict`] naming `what` if it does not fit.
pub(crate) fn int(v: u64, what: &str) -> StorageResult<i64> {
    i64::try_from(v).map_err(|_| StorageError::Conflict(format!("{what} {v} exceeds 2^63 - 1")))
}

/// A root's stored form: 32 bytes, big-endian.
pub(crate) fn fr_bytes(x: &Fr) -> Vec<u8> {
    fr_to_be_bytes(x).to_vec()
}

/// One row's columns, decoded with [`StorageError::Corrupt`] on any bad value.
pub(crate) struct Cols<'r> {
    row: &'r AnyRow,
    table: &'static str,
}

impl<'r> Cols<'r> {
    pub(crate) fn new(row: &'r AnyRow, table: &'static str) -> Self {
        Self { row, table }
    }

    fn bad(&self, col: &str, why: impl std::fmt::Display) -> StorageError {
        corrupt(self.table, format!("column {col}: {why}"))
    }

    fn raw<T>(&self, col: &str) -> StorageResult<T>
    where
        T: for<'a> sqlx::Decode<'a, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        self.row.try_get::<T, _>(col).map_err(|e| self.bad(col, e))
    }

    pub(crate) fn i64(&self, col: &str) -> StorageResult<i64> {
        self.raw(col)
    }

    pub(crate) fn opt_i64(&self, col: &str) -> StorageResult<Option<i64>> {
        self.raw(col)
    }

    pub(crate) fn u64(&self, col: &str) -> StorageResult<u64> {
        let v = self.i64(col)?;
        u64::try_from(v).map_err(|_| self.bad(col, format!("negative value {v}")))
    }

    pub(crate) fn opt_u64(&self, col: &str) -> StorageResult<Option<u64>> {
        match self.opt_i64(col)? {
            None => Ok(None),
            Some(v) => {
                u64::try_from(v).map(Some).map_err(|_| self.bad(col, format!("negative value {v}")))
            }
        }
    }

    pub(crate) fn u32(&self, col: &str) -> StorageResult<u32> {
        let v = self.i64(col)?;
        u32::try_from(v).map_err(|_| self.bad(col, format!("{v} is not a u32")))
    }

    pub(crate) fn u16(&self, col: &str) -> StorageResult<u16> {
        let v = self.i64(col)?;
        u16::try_from(v).map_err(|_| self.bad(col, format!("{v} is not a u16")))
    }

    pub(crate) fn flag(&self, col: &str) -> StorageResult<bool> {
        match self.i64(col)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(self.bad(col, format!("{v} is not a flag (0 or 1)"))),
        }
    }

    pub(crate) fn text(&self, col: &str) -> StorageResult<String> {
        self.raw(col)
    }

    pub(crate) fn opt_text(&self, col: &str) -> StorageResult<Option<String>> {
        self.raw(col)
    }

    pub(crate) fn bytes(&self, col: &str) -> StorageResult<Vec<u8>> {
        self.raw(col)
    }

    pub(crate) fn opt_bytes(&self, col: &str) -> StorageResult<Option<Vec<u8>>> {
        self.raw(col)
    }

    pub(crate) fn array<const N: usize>(&self, col: &str, v: Vec<u8>) -> StorageResult<[u8; N]> {
        let len = v.len();
        <[u8; N]>::try_from(v).map_err(|_| self.bad(col, format!("{len} bytes, expected {N}")))
    }

    pub(crate) fn b32(&self, col: &str) -> StorageResult<[u8; 32]> {
        self.array(col, self.bytes(col)?)
    }

    pub(crate) fn opt_b32(&self, col: &str) -> StorageResult<Option<[u8; 32]>> {
        self.opt_bytes(col)?.map(|v| self.array(col, v)).transpose()
    }

    pub(crate) fn address(&self, col: &str) -> StorageResult<Address> {
        Ok(Address::from(self.array::<20>(col, self.bytes(col)?)?))
    }

    pub(crate) fn pubkey_hash(&self, col: &str) -> StorageResult<PubKeyHash> {
        Ok(PubKeyHash(self.array::<20>(col, self.bytes(col)?)?))
    }

    pub(crate) fn fr(&self, col: &str) -> StorageResult<Fr> {
        fr_from_be_bytes(&self.b32(col)?).map_err(|e| self.bad(col, e))
    }

    pub(crate) fn amount(&self, col: &str) -> StorageResult<u128> {
        let s = self.text(col)?;
        parse_amount(&s).ok_or_else(|| self.bad(col, format!("{s:?} is not a u128")))
    }

    /// An optional column that must be present for this row.
    pub(crate) fn need<T>(&self, col: &str, v: Option<T>) -> StorageResult<T> {
        v.ok_or_else(|| self.bad(col, "missing"))
    }
}

/// A decimal u128 (digits only, no sign).
fn parse_amount(s: &str) -> Option<u128> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

const AUTH_ONCHAIN: u8 = 0;
const AUTH_ECDSA: u8 = 1;
const AUTH_EIP712: u8 = 2;

/// ChangePubKey authorisations, concatenated: a tag byte each (0 on-chain, 1 ECDSA,
/// 2 EIP-712), the two signature kinds followed by their 65 bytes.
pub(crate) fn encode_auths(auths: &[ChangePubKeyAuth]) -> Vec<u8> {
    let mut out = Vec::new();
    for a in auths {
        match a {
            ChangePubKeyAuth::Onchain => out.push(AUTH_ONCHAIN),
            ChangePubKeyAuth::Ecdsa(sig) => {
                out.push(AUTH_ECDSA);
                out.extend_from_slice(sig);
            }
            ChangePubKeyAuth::Eip712(sig) => {
                out.push(AUTH_EIP712);
                out.extend_from_slice(sig);
            }
        }
    }
    out
}

/// Inverse of [`encode_auths`].
pub(crate) fn decode_auths(
    table: &'static str,
    bytes: &[u8],
) -> StorageResult<Vec<ChangePubKeyAuth>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some((&tag, tail)) = rest.split_first() {
        if tag == AUTH_ONCHAIN {
            out.push(ChangePubKeyAuth::Onchain);
            rest = tail;
            continue;
        }
        let sig: [u8; 65] = tail
            .get(..65)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| corrupt(table, "ChangePubKey authorisation truncated"))?;
        out.push(match tag {
            AUTH_ECDSA => ChangePubKeyAuth::Ecdsa(sig),
            AUTH_EIP712 => ChangePubKeyAuth::Eip712(sig),
            t => return Err(corrupt(table, format!("unknown ChangePubKey authorisation tag {t}"))),
        });
        rest = &tail[65..];
    }
    Ok(out)
}

/// A priority operation's columns: kind, token, amount, address, account id, NFT id.
pub(crate) struct PriorityCols {
    pub(crate) kind: i64,
    pub(crate) token: Option<i64>,
    pub(crate) amount: Option<String>,
    pub(crate) address: Vec<u8>,
    pub(crate) account_id: Option<i64>,
    pub(crate) nft_id: Option<i64>,
}

const KIND_DEPOSIT: i64 = 0;
const KIND_FULL_EXIT: i64 = 1;
const KIND_FULL_EXIT_NFT: i64 = 2;

/// Splits a priority operation into its columns.
pub(crate) fn priority_cols(op: &PriorityOp) -> PriorityCols {
    let none = |kind, address: &Address| PriorityCols {
        kind,
        token: None,
        amount: None,
        address: address.to_vec(),
        account_id: None,
        nft_id: None,
    };
    match op {
        PriorityOp::Deposit { token, amount, to } => PriorityCols {
            token: Some(i64::from(token.0)),
            amount: Some(amount.to_string()),
            ..none(KIND_DEPOSIT, to)
        },
        PriorityOp::FullExit { account_id, owner, token } => PriorityCols {
            token: Some(i64::from(token.0)),
            account_id: Some(i64::from(account_id.0)),
            ..none(KIND_FULL_EXIT, owner)
        },
        PriorityOp::FullExitNft { account_id, owner, nft_id } => PriorityCols {
            account_id: Some(i64::from(account_id.0)),
            nft_id: Some(i64::from(nft_id.0)),
            ..none(KIND_FULL_EXIT_NFT, owner)
        },
    }
}

/// Reads a priority operation from a `priority_ops` row.
pub(crate) fn priority_from_row(c: &Cols<'_>) -> StorageResult<PriorityOp> {
    let address = c.address("address")?;
    let token = |c: &Cols<'_>| -> StorageResult<TokenId> {
        let t = c.opt_i64("token")?;
        let t = c.need("token", t)?;
        u16::try_from(t).map(TokenId).map_err(|_| c.bad("token", format!("{t} is not a u16")))
    };
    let id32 = |c: &Cols<'_>, col: &str| -> StorageResult<u32> {
        let v = c.opt_i64(col)?;
        let v = c.need(col, v)?;
        u32::try_from(v).map_err(|_| c.bad(col, format!("{v} is not a u32")))
    };
    match c.i64("kind")? {
        KIND_DEPOSIT => {
            let amount = c.opt_text("amount")?;
            let amount = c.need("amount", amount)?;
            let amount = parse_amount(&amount)
                .ok_or_else(|| c.bad("amount", format!("{amount:?} is not a u128")))?;
            Ok(PriorityOp::Deposit { token: token(c)?, amount, to: address })
        }
        KIND_FULL_EXIT => Ok(PriorityOp::FullExit {
            account_id: AccountId(id32(c, "account_id")?),
            owner: address,
            token: token(c)?,
        }),
        KIND_FULL_EXIT_NFT => Ok(PriorityOp::FullExitNft {
            account_id: AccountId(id32(c, "account_id")?),
            owner: address,
            nft_id: NftId(id32(c, "nft_id")?),
        }),
        k => Err(c.bad("kind", format!("unknown priority operation kind {k}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_round_trip_and_reject_truncation() {
        let auths = vec![
            ChangePubKeyAuth::Ecdsa([7; 65]),
            ChangePubKeyAuth::Onchain,
            ChangePubKeyAuth::Eip712([9; 65]),
        ];
        let bytes = encode_auths(&auths);
        assert_eq!(bytes.len(), 1 + 65 + 1 + 1 + 65);
        assert_eq!(decode_auths("blocks", &bytes).expect("decodes"), auths);
        assert!(decode_auths("blocks", &bytes[..10]).is_err());
        assert!(decode_auths("blocks", &[3]).is_err());
    }

    #[test]
    fn amounts_are_plain_decimals() {
        assert_eq!(parse_amount("0"), Some(0));
        assert_eq!(parse_amount(&u128::MAX.to_string()), Some(u128::MAX));
        assert_eq!(parse_amount("+1"), None);
        assert_eq!(parse_amount(""), None);
        assert_eq!(parse_amount("340282366920938463463374607431768211456"), None);
    }
}
