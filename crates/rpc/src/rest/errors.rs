//! The REST API's errors, with zkSync Lite's v0.2 codes and error types, mapped in one place.

use super::types::{ErrorBody, MAX_LIMIT};
use jsonrpsee::types::error::{ErrorObjectOwned, INTERNAL_ERROR_CODE, INVALID_PARAMS_CODE};
use tern_storage::StorageError;

/// Why a REST request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    /// `blocks/{position}` is not a number, `lastCommitted` or `lastFinalized`.
    #[error(
        "cannot parse block position {0:?}: use a block number, lastCommitted or lastFinalized"
    )]
    InvalidBlockPosition(String),
    /// Neither an account id nor an address.
    #[error("cannot parse account id or address {0:?}: use a number or 0x and 40 hex digits")]
    InvalidAccountIdOrAddress(String),
    /// No account has that id.
    #[error("account is not found")]
    AccountNotFound,
    /// A page's `from` transaction is not in the list paged.
    #[error("transaction is not found")]
    TransactionNotFound,
    /// `limit` above [`MAX_LIMIT`].
    #[error("limit for pagination should be less than or equal to {MAX_LIMIT}")]
    PaginationLimitTooBig,
    /// A query, path or body parameter does not parse.
    #[error("{0}")]
    Query(String),
    /// The database failed (logged; the client sees no detail).
    #[error("the node's database failed; try again")]
    Storage,
    /// No such token.
    #[error("token not found: {0}")]
    TokenNotFound(String),
    /// Parameters that parse but make no sense (fee type, lengths).
    #[error("{0}")]
    InvalidParams(String),
    /// The fee token has no price.
    #[error("{0}")]
    InappropriateFeeToken(String),
    /// No such resource.
    #[error("no resource {0}: see docs/api.md for the REST API's paths")]
    NotFound(String),
    /// The method is not allowed on the resource.
    #[error("method not allowed on {0}")]
    MethodNotAllowed(String),
}

impl RestError {
    /// zkSync Lite's code (and 404, 405 for paths and methods, which it leaves to the server).
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidBlockPosition(_) => 202,
            Self::InvalidAccountIdOrAddress(_) => 203,
            Self::AccountNotFound => 204,
            Self::TransactionNotFound => 205,
            Self::PaginationLimitTooBig => 206,
            Self::Query(_) => 207,
            Self::Storage => 300,
            Self::TokenNotFound(_) => 500,
            Self::InvalidParams(_) => 602,
            Self::InappropriateFeeToken(_) => 606,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed(_) => 405,
        }
    }

    /// zkSync Lite's error type.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Storage => "storageError",
            Self::TokenNotFound(_) => "tokenError",
            Self::InvalidParams(_) | Self::InappropriateFeeToken(_) => "submitError",
            Self::NotFound(_) | Self::MethodNotAllowed(_) => "notFound",
            _ => "invalidDataError",
        }
    }

    /// The JSON error object.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error_type: self.error_type().to_owned(),
            code: self.code(),
            message: self.to_string(),
        }
    }
}

impl From<StorageError> for RestError {
    fn from(e: StorageError) -> Self {
        tracing::error!("REST storage error: {e}");
        Self::Storage
    }
}

/// The shared readers answer with JSON-RPC errors; the REST API keeps their message.
impl From<ErrorObjectOwned> for RestError {
    fn from(e: ErrorObjectOwned) -> Self {
        let message = e.message().to_owned();
        match e.code() {
            // Already logged by the reader.
            INTERNAL_ERROR_CODE => Self::Storage,
            crate::api::code::INAPPROPRIATE_FEE_TOKEN => Self::InappropriateFeeToken(message),
            INVALID_PARAMS_CODE => Self::InvalidParams(message),
            _ => Self::InvalidParams(message),
        }
    }
}
