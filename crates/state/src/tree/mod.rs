//! 4-ary sparse Merkle trees over Poseidon (circomlib parameters), as fixed by the protocol.
//!
//! A node is `poseidon::hash([c0, c1, c2, c3])` of its four children. A leaf's path is the
//! base-4 expansion of its index, least significant digit at the leaves. Unset leaves hold the
//! tree's `default_leaf`, and `defaults[l + 1] = H(defaults[l] x 4)` is the root of an empty
//! subtree of height `l + 1`. Leaves are field elements that the caller has already hashed.
//!
//! # Cost model
//!
//! [`SparseMerkleTree::set`] writes the leaf and remembers its index; nothing is hashed until
//! [`SparseMerkleTree::root`] (or [`SparseMerkleTree::proof`]) is asked for. Then the touched
//! paths are rehashed level by level: indices are sorted once, so siblings that share a parent
//! collapse into one hash and shared ancestors are hashed once; a node whose four children are
//! all default is known to be default without hashing; a node whose new hash equals its old one
//! stops propagating. Levels with many nodes are hashed on rayon's pool.
//!
//! # Undo
//!
//! The state transition must roll back a failed transaction or batch. Rather than clone stores
//! (linear in the tree), the tree keeps an undo journal while a [`Checkpoint`] is open: every
//! node write records the value it replaced, so [`SparseMerkleTree::revert_to`] costs time
//! proportional to the writes since the checkpoint and restores the exact previous leaves,
//! nodes and pending work, while [`SparseMerkleTree::commit`] just drops the journal. With no
//! checkpoint open nothing is journaled. Checkpoints nest.

mod proof;
#[cfg(feature = "r1cs")]
pub mod r1cs;
mod store;
#[cfg(test)]
mod tests;

pub use proof::{root_from_leaves, MerkleProof};
pub use store::{MemoryStore, NodeStore};

use rayon::prelude::*;
use std::sync::Arc;
use tern_primitives::{poseidon::hash, Fr};

/// The deepest tree supported: `4^29 = 2^58` leaves, so indices and packed store keys fit a u64.
pub const MAX_DEPTH: u8 = 29;

/// A level with at least this many nodes to rehash is hashed in parallel.
///
/// Measured on the 2-core target (`threshold/{seq,par}/N` in `benches/tree.rs`, on a shared
/// and noisy machine): a width-5 Poseidon costs 25 to 45 us. When the other core is idle, rayon
/// breaks even at 2 to 4 nodes and halves the time at 8 (seq 298 us, par 150 us); when it is
/// busy, rayon gains nothing and costs about 15 us per level, under 8% at 8 nodes. The state
/// transition also rehashes many balance trees at once, which keeps the pool busy, so small
/// levels stay sequential.
const PARALLEL_THRESHOLD: usize = 8;

/// The fewest nodes one rayon task hashes, so splitting overhead stays well under hashing time.
const PARALLEL_MIN_CHUNK: usize = 2;

/// Why a tree operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The leaf index does not exist in a tree of this depth.
    #[error(
        "leaf index {index} is out of range for a depth-{depth} tree; valid indices are 0 to {}",
        capacity - 1
    )]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree's depth.
        depth: u8,
        /// Number of leaves in the tree (`4^depth`).
        capacity: u64,
    },
    /// The depth is too large for u64 leaf indices.
    #[error("tree depth {0} is not supported; use a depth from 0 to {MAX_DEPTH}")]
    DepthTooLarge(u8),
    /// The checkpoint was already committed or reverted, directly or by an outer one.
    #[error(
        "checkpoint {0} is no longer open (it, or a checkpoint taken before it, was already \
         committed or reverted); take a new checkpoint"
    )]
    StaleCheckpoint(u64),
}

/// Number of leaves of a tree of `depth` (at most [`MAX_DEPTH`]).
const fn capacity_of(depth: u8) -> u64 {
    1u64 << (2 * depth as u32)
}

/// The default (empty-subtree) hash of every level of a tree, shared cheaply between trees.
///
/// Computing them costs `depth` hashes, so code that creates many trees of one shape (one
/// balance tree per account) should build this once and use
/// [`SparseMerkleTree::with_defaults`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// `hashes[l]` for `l` in `0..=depth`; never empty.
    hashes: Arc<[Fr]>,
}

impl Defaults {
    /// Default hashes of a depth-`depth` tree whose empty leaf is `default_leaf`.
    pub fn new(depth: u8, default_leaf: Fr) -> Result<Self, TreeError> {
        if depth > MAX_DEPTH {
            return Err(TreeError::DepthTooLarge(depth));
        }
        let mut hashes = Vec::with_capacity(usize::from(depth) + 1);
        let mut node = default_leaf;
        hashes.push(node);
        for _ in 0..depth {
            node = hash([node; 4]);
            hashes.push(node);
        }
        Ok(Self { hashes: hashes.into() })
    }

    /// The tree depth these defaults were built for.
    pub fn depth(&self) -> u8 {
        // At most MAX_DEPTH + 1 entries, by construction.
        (self.hashes.len() - 1) as u8
    }

    /// The value of an unset leaf.
    pub fn leaf(&self) -> Fr {
        self.hashes[0]
    }

    /// The root of the empty tree, `defaults[depth]`.
    pub fn root(&self) -> Fr {
        self.hashes[self.hashes.len() - 1]
    }

    /// The default hash at `level` (0 = leaves), or `None` above the root.
    pub fn get(&self, level: u8) -> Option<Fr> {
        self.hashes.get(usize::from(level)).copied()
    }

    /// `defaults[level]` for a level the caller knows is at most the depth.
    fn level(&self, level: u8) -> Fr {
        self.hashes[usize::from(level)]
    }
}

/// A handle on an open checkpoint; pass it to [`SparseMerkleTree::revert_to`] or
/// [`SparseMerkleTree::commit`]. Not `Clone`, so one checkpoint cannot be closed twice.
#[must_use = "an open checkpoint keeps journaling every write until it is committed or reverted"]
#[derive(Debug, PartialEq, Eq)]
pub struct Checkpoint {
    id: u64,
}

impl Checkpoint {
    /// A number identifying the checkpoint within its tree (for logs and errors).
    pub fn id(&self) -> u64 {
        self.id
    }
}

#[derive(Clone, Copy, Debug)]
struct OpenCheckpoint {
    id: u64,
    journal_len: usize,
    dirty_len: usize,
}

#[derive(Clone, Debug)]
enum JournalEntry {
    /// A store write; `old` is what to put back.
    Node { level: u8, index: u64, old: Option<Fr> },
    /// A root computation consumed this pending-leaf list.
    Dirty(Vec<u64>),
}

/// A 4-ary Poseidon sparse Merkle tree with lazy, incremental rehashing.
///
/// See the [module docs](self) for the hashing rules, the cost model and checkpoints. `Clone`
/// copies the store (a deep copy for [`MemoryStore`]).
#[derive(Clone, Debug)]
pub struct SparseMerkleTree<S: NodeStore = MemoryStore> {
    defaults: Defaults,
    store: S,
    /// Leaves written since the last rehash, in call order, possibly repeated. Internal nodes on
    /// their paths may be stale; everything else in the store is up to date.
    dirty: Vec<u64>,
    journal: Vec<JournalEntry>,
    open: Vec<OpenCheckpoint>,
    next_checkpoint: u64,
    /// Reused between rehashes so a root computation does not allocate per level.
    scratch: Vec<(u64, Option<Fr>)>,
}

impl SparseMerkleTree<MemoryStore> {
    /// An empty in-memory tree of `depth` whose unset leaves are `default_leaf`.
    pub fn new(depth: u8, default_leaf: Fr) -> Result<Self, TreeError> {
        Ok(Self::with_defaults(Defaults::new(depth, default_leaf)?))
    }

    /// An empty in-memory tree reusing precomputed `defaults` (no hashing).
    pub fn with_defaults(defaults: Defaults) -> Self {
        Self::with_store(defaults, MemoryStore::new())
    }
}

impl<S: NodeStore> SparseMerkleTree<S> {
    /// A tree over an existing `store`, which must hold nodes consistent with `defaults`.
    pub fn with_store(defaults: Defaults, store: S) -> Self {
        Self {
            defaults,
            store,
            dirty: Vec::new(),
            journal: Vec::new(),
            open: Vec::new(),
            next_checkpoint: 0,
            scratch: Vec::new(),
        }
    }

    /// Number of levels below the root.
    pub fn depth(&self) -> u8 {
        self.defaults.depth()
    }

    /// Number of leaf positions, `4^depth`.
    pub fn capacity(&self) -> u64 {
        capacity_of(self.depth())
    }

    /// The default hashes of this tree.
    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    /// The underlying store. Internal nodes on paths written since the last
    /// [`root`](Self::root) may be stale in it.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Gives back the store, rehashing pending paths first so it is consistent.
    pub fn into_store(mut self) -> S {
        self.rehash();
        self.store
    }

    fn check_index(&self, index: u64) -> Result<(), TreeError> {
        let capacity = self.capacity();
        if index < capacity {
            Ok(())
        } else {
            Err(TreeError::IndexOutOfRange { index, depth: self.depth(), capacity })
        }
    }

    /// The leaf at `index` (including writes not yet rehashed), or `default_leaf` if unset.
    pub fn get(&self, index: u64) -> Result<Fr, TreeError> {
        self.check_index(index)?;
        Ok(self.store.get(0, index).unwrap_or(self.defaults.leaf()))
    }

    /// Writes the leaf at `index`. Hashing is deferred to the next [`root`](Self::root).
    pub fn set(&mut self, index: u64, leaf: Fr) -> Result<(), TreeError> {
        self.check_index(index)?;
        let old = if leaf == self.defaults.leaf() {
            self.store.remove(0, index)
        } else {
            self.store.put(0, index, leaf)
        };
        if old.unwrap_or(self.defaults.leaf()) != leaf {
            self.record(0, index, old);
            self.dirty.push(index);
        }
        Ok(())
    }

    /// The root, after rehashing only the paths written since the previous call.
    pub fn root(&mut self) -> Fr {
        self.rehash();
        let depth = self.depth();
        self.store.get(depth, 0).unwrap_or(self.defaults.root())
    }

    /// Whether some writes are not yet hashed into the root.
    pub fn has_pending(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// A proof for the leaf position `index` (set or not) against the current
    /// [`root`](Self::root); pending writes are rehashed first.
    pub fn proof(&mut self, index: u64) -> Result<MerkleProof, TreeError> {
        self.check_index(index)?;
        self.rehash();
        let depth = self.depth();
        let mut siblings = Vec::with_capacity(usize::from(depth));
        let mut pos = index;
        for level in 0..depth {
            let slot = pos & 3;
            let default = self.defaults.level(level);
            let children = self.store.children(level, pos >> 2);
            let mut others = [default; 3];
            let rest = (0u64..4).zip(children).filter(|&(k, _)| k != slot);
            for (out, (_, child)) in others.iter_mut().zip(rest) {
                *out = child.unwrap_or(default);
            }
            siblings.push(others);
            pos >>= 2;
        }
        Ok(MerkleProof { index, siblings })
    }

    /// Opens a checkpoint: from now on every write is journaled until it is closed.
    pub fn checkpoint(&mut self) -> Checkpoint {
        let id = self.next_checkpoint;
        self.next_checkpoint += 1;
        self.open.push(OpenCheckpoint {
            id,
            journal_len: self.journal.len(),
            dirty_len: self.dirty.len(),
        });
        Checkpoint { id }
    }

    /// Undoes every write since `checkpoint`, restoring the exact leaves, nodes and root it
    /// saw, and closes it together with any checkpoint opened after it.
    pub fn revert_to(&mut self, checkpoint: Checkpoint) -> Result<(), TreeError> {
        let at = self.find_open(&checkpoint)?;
        let OpenCheckpoint { journal_len, dirty_len, .. } = self.open[at];
        self.open.truncate(at);
        while self.journal.len() > journal_len {
            match self.journal.pop() {
                Some(JournalEntry::Node { level, index, old: Some(hash) }) => {
                    self.store.put(level, index, hash);
                }
                Some(JournalEntry::Node { level, index, old: None }) => {
                    self.store.remove(level, index);
                }
                Some(JournalEntry::Dirty(pending)) => self.dirty = pending,
                None => break,
            }
        }
        // The pending list only grows between rehashes, and each rehash since the checkpoint
        // was undone above by restoring the list it consumed, so a prefix is what it was.
        self.dirty.truncate(dirty_len);
        Ok(())
    }

    /// Keeps every write since `checkpoint` and closes it together with any checkpoint opened
    /// after it. Writes stay revertible by checkpoints opened before it.
    pub fn commit(&mut self, checkpoint: Checkpoint) -> Result<(), TreeError> {
        let at = self.find_open(&checkpoint)?;
        self.open.truncate(at);
        if self.open.is_empty() {
            self.journal.clear();
        }
        Ok(())
    }

    fn find_open(&self, checkpoint: &Checkpoint) -> Result<usize, TreeError> {
        self.open
            .iter()
            .rposition(|open| open.id == checkpoint.id)
            .ok_or(TreeError::StaleCheckpoint(checkpoint.id))
    }

    #[inline]
    fn record(&mut self, level: u8, index: u64, old: Option<Fr>) {
        if !self.open.is_empty() {
            self.journal.push(JournalEntry::Node { level, index, old });
        }
    }

    /// Brings every internal node on a pending path up to date.
    fn rehash(&mut self) {
        if self.dirty.is_empty() {
            return;
        }
        let mut changed = if self.open.is_empty() {
            std::mem::take(&mut self.dirty)
        } else {
            let copy = self.dirty.clone();
            self.journal.push(JournalEntry::Dirty(std::mem::take(&mut self.dirty)));
            copy
        };
        // Sorting once keeps every level sorted (parent = index >> 2 is monotone), so siblings
        // and shared ancestors collapse with a linear dedup.
        changed.sort_unstable();
        changed.dedup();
        let mut computed = std::mem::take(&mut self.scratch);
        for level in 1..=self.depth() {
            for index in &mut changed {
                *index >>= 2;
            }
            changed.dedup();
            self.hash_level(level, &changed, &mut computed);
            changed.clear();
            for &(index, new) in &computed {
                let old = match new {
                    Some(hash) => self.store.put(level, index, hash),
                    None => self.store.remove(level, index),
                };
                if old != new {
                    self.record(level, index, old);
                    changed.push(index);
                }
            }
            if changed.is_empty() {
                break;
            }
        }
        computed.clear();
        changed.clear();
        self.scratch = computed;
        self.dirty = changed;
    }

    /// New values of the nodes `parents` at `level`, from their (up-to-date) children.
    fn hash_level(&self, level: u8, parents: &[u64], out: &mut Vec<(u64, Option<Fr>)>) {
        let store = &self.store;
        let child_default = self.defaults.level(level - 1);
        let node_default = self.defaults.level(level);
        let node = |&parent: &u64| {
            let children = store.children(level - 1, parent);
            if children.iter().all(Option::is_none) {
                return (parent, None);
            }
            let hash = hash(children.map(|child| child.unwrap_or(child_default)));
            // Keeps "stored" equivalent to "non-default", which the all-default shortcut needs.
            (parent, (hash != node_default).then_some(hash))
        };
        out.clear();
        if parents.len() >= PARALLEL_THRESHOLD {
            parents.par_iter().with_min_len(PARALLEL_MIN_CHUNK).map(node).collect_into_vec(out);
        } else {
            out.extend(parents.iter().map(node));
        }
    }
}
