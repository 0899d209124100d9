//! Page parameters (`from`, `limit`, `direction`) and applying a page to a sorted list.

use super::errors::RestError;
use super::routes::Ctx;
use super::types::{Direction, MAX_LIMIT};
use std::str::FromStr;

/// A page asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page<F> {
    /// The first item, `None` for `latest` (the newest).
    pub(crate) from: Option<F>,
    /// At most this many items.
    pub(crate) limit: u32,
    /// Which way.
    pub(crate) direction: Direction,
}

impl<F> Page<F> {
    pub(crate) fn newer(&self) -> bool {
        self.direction == Direction::Newer
    }
}

/// Reads `from` (an item or `latest`, the default), `limit` (at most [`MAX_LIMIT`], default
/// [`MAX_LIMIT`]) and `direction` (`newer` or `older`, the default).
pub(crate) fn page<F: FromStr>(ctx: &Ctx) -> Result<Page<F>, RestError>
where
    F::Err: std::fmt::Display,
{
    let from = match ctx.arg("from") {
        None | Some("latest") => None,
        Some(s) => Some(s.parse::<F>().map_err(|e| {
            RestError::Query(format!("cannot parse `from` query parameter {s:?}: {e}"))
        })?),
    };
    let limit = match ctx.arg("limit") {
        None => MAX_LIMIT,
        Some(s) => s.parse::<u32>().map_err(|_| {
            RestError::Query(format!("cannot parse `limit` query parameter {s:?}: use 0 to 100"))
        })?,
    };
    if limit > MAX_LIMIT {
        return Err(RestError::PaginationLimitTooBig);
    }
    let direction = match ctx.arg("direction") {
        None | Some("older") => Direction::Older,
        Some("newer") => Direction::Newer,
        Some(s) => {
            let m = format!("cannot parse `direction` query parameter {s:?}: use newer or older");
            return Err(RestError::Query(m));
        }
    };
    Ok(Page { from, limit, direction })
}

/// The page of `items` (sorted ascending) starting at index `at`: ascending for `newer`,
/// descending for `older`.
pub(crate) fn slice<T: Clone>(items: &[T], at: usize, limit: u32, newer: bool) -> Vec<T> {
    let limit = limit as usize;
    if newer {
        items.iter().skip(at).take(limit).cloned().collect()
    } else {
        items.iter().take(at.saturating_add(1)).rev().take(limit).cloned().collect()
    }
}
