//! Where tree nodes live: the [`NodeStore`] seam and the in-memory [`MemoryStore`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use tern_primitives::Fr;

/// Storage for the non-default nodes of one sparse Merkle tree, keyed by `(level, index)`.
///
/// Level 0 holds the leaves and level `depth` holds the root (index 0). A node that equals the
/// default hash of its level is never stored, so `get` answers `None` for it; the tree relies on
/// this to skip whole default subtrees without hashing them.
///
/// The methods are infallible because the state crate does no I/O: a database-backed store is
/// expected to serve reads from memory (loaded before the block, written back after), not to
/// block on the database inside a root computation. `Send + Sync` is required because the tree
/// reads the store from several rayon threads at once while it rehashes a level.
pub trait NodeStore: Send + Sync {
    /// The stored hash at `(level, index)`, or `None` when the node is default.
    fn get(&self, level: u8, index: u64) -> Option<Fr>;

    /// Stores a non-default hash at `(level, index)` and returns the previous stored value.
    fn put(&mut self, level: u8, index: u64, hash: Fr) -> Option<Fr>;

    /// Marks `(level, index)` as default again and returns the previous stored value.
    fn remove(&mut self, level: u8, index: u64) -> Option<Fr>;

    /// The four children of `parent`, which live at `level` (one below the parent).
    ///
    /// A store that can fetch the four adjacent keys at once (a range scan) should override this.
    fn children(&self, level: u8, parent: u64) -> [Option<Fr>; 4] {
        let first = parent << 2;
        [
            self.get(level, first),
            self.get(level, first | 1),
            self.get(level, first | 2),
            self.get(level, first | 3),
        ]
    }
}

/// Bits of a [`MemoryStore`] key that hold the index; the level sits above them.
const INDEX_BITS: u32 = 58;

/// An in-memory [`NodeStore`]: one hash map from packed `(level, index)` to hash.
///
/// One map per tree (rather than one per level) keeps the many small per-account balance trees
/// to a single allocation each. Keys are packed as `level << 58 | index`, which is exact for every
/// tree of depth up to [`MAX_DEPTH`](super::MAX_DEPTH) (indices below `4^29 = 2^58`).
///
/// `Clone` is a deep copy, linear in the number of stored nodes; to undo changes cheaply use the
/// tree's checkpoints instead.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    // Lookup only: iterating this map would make results depend on hash order.
    nodes: HashMap<u64, Fr, BuildHasherDefault<KeyHasher>>,
}

impl MemoryStore {
    /// An empty store: every node default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored (non-default) nodes, leaves included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node is stored, i.e. the tree is entirely default.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

#[inline]
fn key(level: u8, index: u64) -> u64 {
    debug_assert!(index >> INDEX_BITS == 0, "index {index} does not fit a MemoryStore key");
    (u64::from(level) << INDEX_BITS) | index
}

impl NodeStore for MemoryStore {
    #[inline]
    fn get(&self, level: u8, index: u64) -> Option<Fr> {
        self.nodes.get(&key(level, index)).copied()
    }

    #[inline]
    fn put(&mut self, level: u8, index: u64, hash: Fr) -> Option<Fr> {
        self.nodes.insert(key(level, index), hash)
    }

    #[inline]
    fn remove(&mut self, level: u8, index: u64) -> Option<Fr> {
        self.nodes.remove(&key(level, index))
    }
}

/// Hasher for packed node keys.
///
/// SipHash costs more than the lookups it guards, and keys are not attacker-chosen in a way
/// that matters (indices are assigned by the sequencer), but a plain multiply would put every
/// level's copy of an index in the same bucket because the level lives in the high bits, so the
/// key goes through the splitmix64 finaliser, whose low bits depend on every input bit.
#[derive(Clone, Copy, Debug, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached if a caller hashes something other than a u64; keep it correct anyway.
        for &b in bytes {
            self.0 = mix(self.0 ^ u64::from(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0 ^ n);
    }
}

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
