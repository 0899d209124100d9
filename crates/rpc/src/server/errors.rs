//! Every error the API returns, mapped to JSON-RPC codes in one place.

use crate::api::code;
use crate::tx::ConvertError;
use jsonrpsee::types::error::{ErrorObjectOwned, INTERNAL_ERROR_CODE, INVALID_PARAMS_CODE};
use tern_node::fees::{FeeCheckError, FeeError};
use tern_node::node::SubmitError;
use tern_node::sequencer::AdmissionError;
use tern_state::TxError;
use tern_storage::StorageError;

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned::<()>(code, message, None)
}

/// Bad parameters (-32602).
pub(crate) fn invalid(message: impl Into<String>) -> ErrorObjectOwned {
    error(INVALID_PARAMS_CODE, message)
}

/// A database fault (-32603), logged; the client sees that the node failed, not the query.
pub(crate) fn storage(e: StorageError) -> ErrorObjectOwned {
    tracing::error!("API storage error: {e}");
    error(INTERNAL_ERROR_CODE, "the node's database failed; try again")
}

/// A transaction that is not one (103).
pub(crate) fn malformed(e: ConvertError) -> ErrorObjectOwned {
    error(code::INCORRECT_TX, e.to_string())
}

/// A fee quote that cannot be given.
pub(crate) fn fee(e: FeeError) -> ErrorObjectOwned {
    match e {
        FeeError::Unpriced(_) => error(code::INAPPROPRIATE_FEE_TOKEN, e.to_string()),
        FeeError::NotATransaction(_) | FeeError::Overflow => invalid(e.to_string()),
    }
}

fn admission_code(e: &AdmissionError) -> i32 {
    match e {
        AdmissionError::Rule(TxError::NonceMismatch { .. }) => code::NONCE_MISMATCH,
        AdmissionError::Fee(FeeCheckError::TooLow { .. }) => code::FEE_TOO_LOW,
        AdmissionError::Fee(FeeCheckError::Quote(FeeError::Unpriced(_))) => {
            code::INAPPROPRIATE_FEE_TOKEN
        }
        AdmissionError::Full(_) | AdmissionError::AccountLimit { .. } => {
            code::OPERATIONS_LIMIT_REACHED
        }
        _ => code::INCORRECT_TX,
    }
}

/// A refused submission; the message names the broken rule.
pub(crate) fn submit(e: SubmitError) -> ErrorObjectOwned {
    match e {
        SubmitError::Malformed(m) => {
            error(code::INCORRECT_TX, format!("malformed transaction: {m}"))
        }
        SubmitError::Refused(a) => error(admission_code(&a), a.to_string()),
        SubmitError::Storage(StorageError::Conflict(why)) => {
            error(code::INCORRECT_TX, format!("not accepted: {why}"))
        }
        SubmitError::Storage(e) => {
            tracing::error!("API submission not persisted: {e}");
            error(INTERNAL_ERROR_CODE, "not accepted: the node's database failed; try again")
        }
    }
}
