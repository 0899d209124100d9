//! The fee model (`docs/spec/fees.md`): what an operation costs the operator on L1 and in
//! proving, in wei, converted to the fee token by a price source.
//!
//! ```text
//! gas(op)  = chunks(op) × (CHUNK_BYTES × gas_per_pubdata_byte + block_fixed_gas / capacity)
//!            + side data bytes × gas_per_pubdata_byte            (a ChangePubKey's L1 signature)
//! wei(op)  = gas(op) × gas_price + chunks(op) × proving_wei_per_chunk
//! fee(op)  = wei(op) converted to the token, rounded up to a packable fee
//! ```
//!
//! The mempool refuses a transaction (or batch) whose fees are worth less than the quote less
//! `tolerance_percent`, when `enforce` is set.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use tern_primitives::float::FEE;
use tern_types::op::op_chunks;
use tern_types::params::CHUNK_BYTES;
use tern_types::tx::{tx_type, ChangePubKeyAuth};
use tern_types::{SignedTx, TokenId, ETH};

/// Bytes of a ChangePubKey's ECDSA or EIP-712 authorisation, sent with the block's calldata.
pub const CPK_AUTH_BYTES: u128 = 65;

/// A token's price: `wei / units` wei per base unit of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// Wei…
    pub wei: u128,
    /// …per this many base units of the token.
    pub units: u128,
}

impl Price {
    /// ETH's own price: one wei per wei.
    pub const PAR: Price = Price { wei: 1, units: 1 };

    /// Parses `WEI/UNITS` or `WEI` (per one unit).
    pub fn parse(s: &str) -> Result<Price, String> {
        let (wei, units) = s.split_once('/').unwrap_or((s, "1"));
        let num = |x: &str| x.trim().parse::<u128>().map_err(|e| format!("price {s:?}: {e}"));
        let price = Price { wei: num(wei)?, units: num(units)? };
        if price.units == 0 {
            return Err(format!("price {s:?}: zero units"));
        }
        Ok(price)
    }

    /// Token units worth `wei`, rounded up; `None` if the price is zero or it overflows.
    pub fn units_for(&self, wei: u128) -> Option<u128> {
        if wei == 0 {
            return Some(0);
        }
        let scaled = wei.checked_mul(self.units)?;
        (self.wei > 0).then(|| scaled.div_ceil(self.wei))
    }

    /// Wei that `units` of the token are worth, rounded down (saturating).
    pub fn wei_for(&self, units: u128) -> u128 {
        units.saturating_mul(self.wei) / self.units
    }
}

/// Where token prices come from.
pub trait PriceSource: Send + Sync + std::fmt::Debug {
    /// The price of `token`, if it can pay fees.
    fn price(&self, token: TokenId) -> Option<Price>;
}

/// A fixed price table (devnet, or prices set in the configuration). ETH is always at par.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixedPrices(pub BTreeMap<TokenId, Price>);

impl PriceSource for FixedPrices {
    fn price(&self, token: TokenId) -> Option<Price> {
        if token == ETH {
            return Some(Price::PAR);
        }
        self.0.get(&token).copied()
    }
}

/// The model's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeConfig {
    /// L1 gas per byte of pubdata (16 for calldata).
    pub gas_per_pubdata_byte: u128,
    /// L1 gas a block costs whatever it holds (commit, proof verification, execute).
    pub block_fixed_gas: u128,
    /// Chunks a block holds: the fixed gas is shared among them.
    pub capacity: u128,
    /// Proving cost per chunk, wei.
    pub proving_wei_per_chunk: u128,
    /// A fixed L1 gas price (wei) instead of L1's estimate.
    pub gas_price_override: Option<u128>,
    /// Token prices (ETH is at par).
    pub prices: FixedPrices,
    /// How far below the quote a fee may be, in percent.
    pub tolerance_percent: u8,
    /// Whether the mempool refuses fees below the quote.
    pub enforce: bool,
}

impl FeeConfig {
    /// Zero prices and no check: what tests that pay any fee use.
    pub fn free(capacity: usize) -> Self {
        Self {
            gas_per_pubdata_byte: 16,
            block_fixed_gas: 0,
            capacity: capacity as u128,
            proving_wei_per_chunk: 0,
            gas_price_override: Some(0),
            prices: FixedPrices::default(),
            tolerance_percent: 5,
            enforce: false,
        }
    }
}

/// What a fee is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeKind {
    /// An operation by its opcode (`tx_type`), with the L1 authorisation bytes it carries.
    Op {
        /// The opcode (for a transfer, `TRANSFER_TO_NEW` when it creates the recipient).
        opcode: u8,
        /// Side data bytes sent with the block (a ChangePubKey's signature).
        side_bytes: u128,
    },
}

/// A quote, every amount in the fee token's base units except gas and its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// L1 gas of the operation.
    pub gas: u128,
    /// Gas price used, wei.
    pub gas_price: u128,
    /// The L1 part, token units.
    pub gas_fee: u128,
    /// The proving part, token units.
    pub zkp_fee: u128,
    /// Their sum rounded up to a packable fee.
    pub total: u128,
    /// The cost in wei, before conversion.
    pub wei: u128,
}

/// Why no quote can be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    /// The token has no price.
    #[error("token {0} has no price, so it cannot pay fees; pay in ETH (token 0)")]
    Unpriced(TokenId),
    /// The opcode is not an L2 transaction.
    #[error("opcode {0} is not a transaction")]
    NotATransaction(u8),
    /// The fee does not fit a packable fee.
    #[error("the fee overflows")]
    Overflow,
}

/// The fee model with the current L1 gas price.
#[derive(Debug)]
pub struct FeeModel {
    config: FeeConfig,
    /// The last gas price read from L1, wei (u64 holds 18 ETH per gas).
    gas_price: AtomicU64,
}

/// The side data bytes and opcode a transaction is charged for; `new_recipient` tells whether
/// a transfer creates its recipient.
pub fn fee_kind(tx: &SignedTx, new_recipient: bool) -> FeeKind {
    let opcode = match tx {
        SignedTx::Transfer(_) if new_recipient => tx_type::TRANSFER_TO_NEW,
        other => other.type_code(),
    };
    let side_bytes = match tx {
        SignedTx::ChangePubKey(c) if c.tx.auth != ChangePubKeyAuth::Onchain => CPK_AUTH_BYTES,
        _ => 0,
    };
    FeeKind::Op { opcode, side_bytes }
}

/// The fee a transaction pays: its token and amount.
pub fn paid_fee(tx: &SignedTx) -> (TokenId, u128) {
    match tx {
        SignedTx::Transfer(s) => (s.tx.token, s.tx.fee),
        SignedTx::Withdraw(s) => (s.tx.token, s.tx.fee),
        SignedTx::ChangePubKey(s) => (s.tx.fee_token, s.tx.fee),
        SignedTx::ForcedExit(s) => (s.tx.token, s.tx.fee),
        SignedTx::Swap(s) => (s.tx.fee_token, s.tx.fee),
        SignedTx::MintNft(s) => (s.tx.fee_token, s.tx.fee),
        SignedTx::TransferNft(s) => (s.tx.fee_token, s.tx.fee),
        SignedTx::WithdrawNft(s) => (s.tx.fee_token, s.tx.fee),
    }
}

impl FeeModel {
    /// A model; the gas price starts at the override, or 0 until [`FeeModel::set_gas_price`].
    pub fn new(config: FeeConfig) -> Self {
        let start = config.gas_price_override.unwrap_or(0);
        Self { gas_price: AtomicU64::new(u64::try_from(start).unwrap_or(u64::MAX)), config }
    }

    /// The parameters.
    pub fn config(&self) -> &FeeConfig {
        &self.config
    }

    /// Records L1's gas price (ignored when the configuration fixes one).
    pub fn set_gas_price(&self, wei: u128) {
        if self.config.gas_price_override.is_none() {
            self.gas_price.store(u64::try_from(wei).unwrap_or(u64::MAX), Ordering::Relaxed);
        }
    }

    /// The gas price quotes use, wei.
    pub fn gas_price(&self) -> u128 {
        u128::from(self.gas_price.load(Ordering::Relaxed))
    }

    /// The price of `token`.
    pub fn price(&self, token: TokenId) -> Option<Price> {
        self.config.prices.price(token)
    }

    /// L1 gas and proving wei of an operation.
    fn cost(&self, kind: FeeKind) -> Result<(u128, u128), FeeError> {
        let FeeKind::Op { opcode, side_bytes } = kind;
        let chunks = op_chunks(opcode).ok_or(FeeError::NotATransaction(opcode))? as u128;
        let c = &self.config;
        let per_chunk =
            CHUNK_BYTES as u128 * c.gas_per_pubdata_byte + c.block_fixed_gas / c.capacity.max(1);
        let gas = chunks * per_chunk + side_bytes * c.gas_per_pubdata_byte;
        Ok((gas, chunks * c.proving_wei_per_chunk))
    }

    /// The quote for one operation paid in `token`.
    pub fn quote(&self, kind: FeeKind, token: TokenId) -> Result<Quote, FeeError> {
        let price = self.price(token).ok_or(FeeError::Unpriced(token))?;
        let (gas, proving_wei) = self.cost(kind)?;
        let gas_price = self.gas_price();
        let gas_wei = gas.checked_mul(gas_price).ok_or(FeeError::Overflow)?;
        let gas_fee = price.units_for(gas_wei).ok_or(FeeError::Unpriced(token))?;
        let zkp_fee = price.units_for(proving_wei).ok_or(FeeError::Unpriced(token))?;
        let sum = gas_fee.checked_add(zkp_fee).ok_or(FeeError::Overflow)?;
        let total = FEE.closest_up(sum).ok_or(FeeError::Overflow)?;
        Ok(Quote { gas, gas_price, gas_fee, zkp_fee, total, wei: gas_wei + proving_wei })
    }

    /// The cost of several operations in wei (what a batch must pay in all).
    pub fn batch_wei(&self, kinds: &[FeeKind]) -> Result<u128, FeeError> {
        let gas_price = self.gas_price();
        kinds.iter().try_fold(0u128, |sum, kind| {
            let (gas, proving) = self.cost(*kind)?;
            let wei = gas.checked_mul(gas_price).and_then(|g| g.checked_add(proving));
            wei.and_then(|w| sum.checked_add(w)).ok_or(FeeError::Overflow)
        })
    }

    /// Checks that `paid` (token, amount per transaction) covers the cost of `kinds`, less the
    /// tolerance. Fees in an unpriced token count for nothing.
    pub fn check(&self, kinds: &[FeeKind], paid: &[(TokenId, u128)]) -> Result<(), FeeCheckError> {
        if !self.config.enforce {
            return Ok(());
        }
        let required = self.batch_wei(kinds).map_err(FeeCheckError::Quote)?;
        let floor = required - required / 100 * u128::from(self.config.tolerance_percent);
        let mut worth = 0u128;
        for (token, amount) in paid {
            match self.price(*token) {
                Some(p) => worth = worth.saturating_add(p.wei_for(*amount)),
                None if *amount > 0 && required > 0 => {
                    return Err(FeeCheckError::Quote(FeeError::Unpriced(*token)))
                }
                None => {}
            }
        }
        if worth < floor {
            return Err(FeeCheckError::TooLow { worth, required });
        }
        Ok(())
    }
}

/// Why the fees of a submission are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeCheckError {
    /// The fees are worth less than the quote less the tolerance.
    #[error(
        "the fee is too low: it is worth {worth} wei, the operation costs {required} wei; \
         ask get_tx_fee for a quote"
    )]
    TooLow {
        /// What the fees are worth, wei.
        worth: u128,
        /// What the operations cost, wei.
        required: u128,
    },
    /// No quote: an unpriced fee token, say.
    #[error("{0}")]
    Quote(FeeError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> FeeModel {
        let mut prices = FixedPrices::default();
        prices.0.insert(TokenId(1), Price { wei: 1, units: 1_000 });
        FeeModel::new(FeeConfig {
            gas_per_pubdata_byte: 16,
            block_fixed_gas: 800_000,
            capacity: 8,
            proving_wei_per_chunk: 1_000,
            gas_price_override: None,
            prices,
            tolerance_percent: 5,
            enforce: true,
        })
    }

    const TRANSFER: FeeKind = FeeKind::Op { opcode: tx_type::TRANSFER, side_bytes: 0 };

    #[test]
    fn a_quote_follows_the_formula() {
        let m = model();
        m.set_gas_price(10);
        let q = m.quote(TRANSFER, ETH).expect("quote");
        let chunks = op_chunks(tx_type::TRANSFER).expect("chunks") as u128;
        let gas = chunks * (13 * 16 + 100_000);
        assert_eq!(q.gas, gas);
        assert_eq!(q.gas_fee, gas * 10);
        assert_eq!(q.zkp_fee, chunks * 1_000);
        assert!(q.total >= q.gas_fee + q.zkp_fee && FEE.is_packable(q.total));
        let in_token = m.quote(TRANSFER, TokenId(1)).expect("quote");
        assert_eq!(in_token.gas_fee, gas * 10 * 1_000);
        assert_eq!(m.quote(TRANSFER, TokenId(2)), Err(FeeError::Unpriced(TokenId(2))));
    }

    #[test]
    fn the_check_allows_the_tolerance_and_no_less() {
        let m = model();
        m.set_gas_price(10);
        let q = m.quote(TRANSFER, ETH).expect("quote");
        assert!(m.check(&[TRANSFER], &[(ETH, q.total)]).is_ok());
        assert!(m.check(&[TRANSFER], &[(ETH, q.wei * 96 / 100)]).is_ok());
        let low = m.check(&[TRANSFER], &[(ETH, q.wei * 90 / 100)]);
        assert!(matches!(low, Err(FeeCheckError::TooLow { .. })), "{low:?}");
        assert!(m.check(&[TRANSFER, TRANSFER], &[(ETH, q.total), (ETH, 0)]).is_err());
        assert!(m.check(&[TRANSFER, TRANSFER], &[(ETH, 2 * q.total), (ETH, 0)]).is_ok());
        let free = FeeModel::new(FeeConfig::free(8));
        assert!(free.check(&[TRANSFER], &[(ETH, 0)]).is_ok());
        assert_eq!(free.quote(TRANSFER, ETH).expect("quote").total, 0);
    }

    #[test]
    fn prices_parse() {
        assert_eq!(Price::parse("3/2"), Ok(Price { wei: 3, units: 2 }));
        assert_eq!(Price::parse("7"), Ok(Price { wei: 7, units: 1 }));
        assert!(Price::parse("1/0").is_err() && Price::parse("x").is_err());
    }
}
