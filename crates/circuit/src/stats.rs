//! Constraint counts of the block circuit, measured by synthesis: what `tern circuit stats`
//! prints.
//!
//! Everything here synthesises [`BlockCircuit::setup`] in [`SynthesisMode::Setup`] (shape
//! only, no witness) and counts constraints; nothing is estimated from formulas except how the
//! SHA-256 blocks of the commitment are shared out:
//!
//! - **per chunk slot**: the marginal cost of a slot, measured between two capacities `a` and
//!   `b` ([`slot_span`]: `a = 8`, `b − a ≥ 8`, so the on-chain bitmap's bytes even out) whose
//!   commitment preimages differ by **whole SHA-256 blocks** with the same padding layout.
//!   Their difference, less those SHA-256 blocks, divided by `b − a` is a slot's own cost. A
//!   plain 8-chunk difference would instead jump by up to a whole SHA-256 block (about 25,000
//!   constraints, 3,000 a slot) with where the padding falls. Each slot then takes its **share
//!   of SHA-256**: its 13 pubdata bytes and its bitmap bit, `(CHUNK_BYTES + 1/8) / 64` of a
//!   steady-state SHA-256 block (measured on [`sha256_var`] alone).
//! - **per block**: the total at the capacity asked for, less that many slots: the fixed part
//!   (header, state roots, fee account update, the commitment's header bytes and padding).
//! - **per operation**: `op_chunks(opcode) × per chunk`, with the chunk counts of
//!   `tern_types::op::op_chunks`: the circuit's slots are uniform, so an operation costs its
//!   slots.

use crate::block::BlockCircuit;
use crate::commitment::HEADER_BYTES;
use crate::sha256::sha256_var;
use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::uint8::UInt8;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisError,
    SynthesisMode,
};
use tern_types::op::op_chunks;
use tern_types::params::CHUNK_BYTES;
use tern_types::tx::tx_type;

/// The smaller capacity of the two the slot cost is measured between.
pub const SLOT_BASE: usize = 8;
/// The least number of slots the slot cost is averaged over.
pub const MIN_SPAN: usize = 8;

/// Every operation, by the snake_case name the stats use, with its opcode.
pub const OPERATIONS: [(&str, u8); 13] = [
    ("noop", tx_type::NOOP),
    ("deposit", tx_type::DEPOSIT),
    ("transfer_to_new", tx_type::TRANSFER_TO_NEW),
    ("withdraw", tx_type::WITHDRAW),
    ("transfer", tx_type::TRANSFER),
    ("full_exit", tx_type::FULL_EXIT),
    ("change_pub_key", tx_type::CHANGE_PUB_KEY),
    ("forced_exit", tx_type::FORCED_EXIT),
    ("swap", tx_type::SWAP),
    ("mint_nft", tx_type::MINT_NFT),
    ("transfer_nft", tx_type::TRANSFER_NFT),
    ("withdraw_nft", tx_type::WITHDRAW_NFT),
    ("full_exit_nft", tx_type::FULL_EXIT_NFT),
];

/// Why the stats could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// Synthesis failed.
    #[error("synthesis: {0}")]
    Synthesis(#[from] SynthesisError),
    /// An opcode has no chunk count.
    #[error("opcode {0} has no chunk count")]
    UnknownOpcode(u8),
    /// A synthesis thread panicked.
    #[error("a synthesis thread panicked")]
    Panicked,
}

/// The constraints of one operation type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpCost {
    /// snake_case name (`transfer`, `full_exit_nft`, …).
    pub name: &'static str,
    /// Opcode.
    pub opcode: u8,
    /// Chunks it occupies.
    pub chunks: usize,
    /// `chunks × per_chunk`.
    pub constraints: usize,
}

/// The block circuit's constraint counts at one capacity (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitStats {
    /// The capacity measured.
    pub capacity: usize,
    /// Constraints of the whole circuit at `capacity`.
    pub total: usize,
    /// The capacities the slot cost was measured between ([`slot_span`]).
    pub span: (usize, usize),
    /// Constraints at those capacities.
    pub span_totals: (usize, usize),
    /// A chunk slot, with its SHA-256 share.
    pub per_chunk: usize,
    /// A chunk slot without its SHA-256 share.
    pub per_chunk_before_sha256: usize,
    /// Its SHA-256 share.
    pub sha256_share: usize,
    /// One steady-state SHA-256 block of 64 bytes.
    pub sha256_per_block: usize,
    /// The fixed part: `total − capacity × per_chunk`.
    pub per_block: usize,
    /// Per operation type, in opcode order.
    pub per_op: Vec<OpCost>,
}

fn counting_cs() -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    cs
}

/// Constraints of [`BlockCircuit::setup`] at `capacity` (setup mode, no witness).
pub fn count_constraints(capacity: usize) -> Result<usize, SynthesisError> {
    let cs = counting_cs();
    BlockCircuit::setup(capacity).generate_constraints(cs.clone())?;
    Ok(cs.num_constraints())
}

/// Constraints of [`sha256_var`] on `len` witness bytes, without the bytes' own booleanity.
fn sha256_constraints(len: usize) -> Result<usize, SynthesisError> {
    let cs = counting_cs();
    let input = (0..len)
        .map(|_| UInt8::new_witness(cs.clone(), || Ok(0u8)))
        .collect::<Result<Vec<_>, _>>()?;
    let before = cs.num_constraints();
    sha256_var(&input)?;
    Ok(cs.num_constraints() - before)
}

/// The capacities `(a, b)` the slot cost is measured between: `a = SLOT_BASE` and the least
/// `b ≥ a + MIN_SPAN` whose commitment preimage is longer by a whole number of SHA-256 blocks
/// (`(8, 47)`: 39 slots add 507 pubdata and 5 bitmap bytes, 8 blocks).
pub fn slot_span() -> (usize, usize) {
    let a = SLOT_BASE;
    let b = (a + MIN_SPAN..)
        .find(|&b| (preimage_bytes(b) - preimage_bytes(a)).is_multiple_of(64))
        .unwrap_or_else(|| unreachable!("13·k + ⌈k/8⌉ bytes hits a multiple of 64 by k = 512"));
    (a, b)
}

/// Bytes of the commitment preimage at `capacity`: header, bitmap, pubdata.
fn preimage_bytes(capacity: usize) -> usize {
    HEADER_BYTES + capacity.div_ceil(8) + capacity * CHUNK_BYTES
}

/// Counts the circuits of `capacities` on parallel threads.
fn count_all(capacities: &[usize]) -> Result<Vec<usize>, StatsError> {
    std::thread::scope(|s| {
        let threads: Vec<_> =
            capacities.iter().map(|&c| s.spawn(move || count_constraints(c))).collect();
        threads.into_iter().map(|t| Ok(t.join().map_err(|_| StatsError::Panicked)??)).collect()
    })
}

/// Measures the stats at `capacity` (see the module docs). Synthesises the circuit at
/// `capacity` and at the two capacities of [`slot_span`], in parallel.
pub fn stats(capacity: usize) -> Result<CircuitStats, StatsError> {
    let span = slot_span();
    let counts = count_all(&[capacity, span.0, span.1])?;
    let (total, span_totals) = (counts[0], (counts[1], counts[2]));

    // A steady-state block: three blocks of input less two (55 + 9 bytes fill a block).
    let sha256_per_block = sha256_constraints(2 * 64 + 55)? - sha256_constraints(64 + 55)?;
    let added_blocks = (preimage_bytes(span.1) - preimage_bytes(span.0)) / 64;
    let slots = span.1 - span.0;
    let span_cost =
        span_totals.1.saturating_sub(span_totals.0).saturating_sub(added_blocks * sha256_per_block);
    let per_chunk_before_sha256 = (span_cost + slots / 2) / slots;
    // (13 bytes + 1 bitmap bit) / 64 bytes of a block, rounded to the nearest constraint.
    let share_bits = (CHUNK_BYTES * 8 + 1) * sha256_per_block;
    let sha256_share = (share_bits + 256) / 512;
    let per_chunk = per_chunk_before_sha256 + sha256_share;
    let per_block = total.saturating_sub(capacity * per_chunk);

    let per_op = OPERATIONS
        .iter()
        .map(|&(name, opcode)| {
            let chunks = op_chunks(opcode).ok_or(StatsError::UnknownOpcode(opcode))?;
            Ok(OpCost { name, opcode, chunks, constraints: chunks * per_chunk })
        })
        .collect::<Result<Vec<_>, StatsError>>()?;
    Ok(CircuitStats {
        capacity,
        total,
        span,
        span_totals,
        per_chunk,
        per_chunk_before_sha256,
        sha256_share,
        sha256_per_block,
        per_block,
        per_op,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_span_adds_whole_sha256_blocks() {
        assert_eq!(slot_span(), (8, 47));
        assert_eq!(preimage_bytes(47) - preimage_bytes(8), 8 * 64);
    }

    #[test]
    fn a_steady_sha256_block_costs_what_the_gadget_docs_say() {
        let per_block = sha256_constraints(2 * 64 + 55).expect("3 blocks")
            - sha256_constraints(64 + 55).expect("2 blocks");
        assert!((20_000..30_000).contains(&per_block), "{per_block}");
    }
}
