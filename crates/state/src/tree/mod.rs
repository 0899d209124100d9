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
use std::ops::Range;
use std::sync::Arc;
use tern_primitives::{poseidon, poseidon::hash, Fr};

/// The deepest tree supported: `4^29 = 2^58` leaves, so indices and packed store keys fit a u64.
pub const MAX_DEPTH: u8 = 29;

/// A level with at least this many nodes to rehash (over all the trees rehashed together) is
/// hashed on rayon's pool.
///
/// Measured on the 2-core target before batching: rayon costs about 15 us per level when the
/// other core is busy and breaks even at 50 to 180 us of hashing when it is idle. With AVX-512
/// IFMA a batch of eight width-5 hashes costs about as much as one hash did, so the break-even
/// moves up to several batches; without IFMA, 64 hashes are far past it anyway.
const PARALLEL_THRESHOLD: usize = 64;

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
        Self::rehash_all(&mut [self]);
    }

    /// Brings every pending path of every tree up to date, level by level across all the trees,
    /// so that their hashes are batched together ([`poseidon::hash_batch`] hashes eight at once
    /// on CPUs with AVX-512 IFMA). Afterwards [`root`](Self::root) of each tree is a lookup.
    ///
    /// Many small trees with one dirty path each (the state's balance trees) gain the most: one
    /// tree alone has one node per level to hash.
    pub fn rehash_all(trees: &mut [&mut Self]) {
        let mut jobs: Vec<(usize, Vec<u64>)> = (0..trees.len())
            .filter_map(|i| trees[i].take_pending().map(|changed| (i, changed)))
            .collect();
        let mut batch = LevelBatch::default();
        let mut ranges = Vec::with_capacity(jobs.len());
        let mut level = 1;
        loop {
            jobs.retain_mut(|(i, changed)| {
                let tree = &mut *trees[*i];
                let done = changed.is_empty() || level > tree.depth();
                if done {
                    changed.clear();
                    tree.dirty = std::mem::take(changed);
                }
                !done
            });
            if jobs.is_empty() {
                break;
            }
            batch.clear();
            ranges.clear();
            for (i, changed) in &mut jobs {
                ranges.push(trees[*i].collect_level(level, changed, &mut batch));
            }
            batch.hash();
            for ((i, changed), range) in jobs.iter_mut().zip(&ranges) {
                trees[*i].apply_level(level, &batch.nodes[range.clone()], &batch.hashes, changed);
            }
            level += 1;
        }
    }

    /// The pending leaves, sorted and deduplicated, journaled if a checkpoint is open; `None`
    /// if nothing is pending.
    fn take_pending(&mut self) -> Option<Vec<u64>> {
        if self.dirty.is_empty() {
            return None;
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
        Some(changed)
    }

    /// Adds the parents at `level` of the nodes `changed` (at `level − 1`) to `batch`, with the
    /// inputs of those that need hashing; returns this tree's range of `batch.nodes`.
    fn collect_level(
        &self,
        level: u8,
        changed: &mut Vec<u64>,
        batch: &mut LevelBatch,
    ) -> Range<usize> {
        for index in changed.iter_mut() {
            *index >>= 2;
        }
        changed.dedup();
        let child_default = self.defaults.level(level - 1);
        let start = batch.nodes.len();
        for &parent in changed.iter() {
            let children = self.store.children(level - 1, parent);
            let row = children.iter().any(Option::is_some).then(|| {
                batch.inputs.push(children.map(|child| child.unwrap_or(child_default)));
                batch.inputs.len() - 1
            });
            batch.nodes.push((parent, row));
        }
        start..batch.nodes.len()
    }

    /// Stores the new values of `nodes` at `level` and leaves in `changed` those that changed.
    fn apply_level(
        &mut self,
        level: u8,
        nodes: &[(u64, Option<usize>)],
        hashes: &[Fr],
        changed: &mut Vec<u64>,
    ) {
        let node_default = self.defaults.level(level);
        changed.clear();
        for &(index, row) in nodes {
            // Keeps "stored" equivalent to "non-default", which the all-default shortcut needs.
            let new = row.map(|r| hashes[r]).filter(|hash| *hash != node_default);
            let old = match new {
                Some(hash) => self.store.put(level, index, hash),
                None => self.store.remove(level, index),
            };
            if old != new {
                self.record(level, index, old);
                changed.push(index);
            }
        }
    }
}

/// One level's nodes to rehash, from one tree or many.
#[derive(Default)]
struct LevelBatch {
    /// Each node's index and its row in `inputs`; `None` when all its children are default.
    nodes: Vec<(u64, Option<usize>)>,
    inputs: Vec<[Fr; 4]>,
    hashes: Vec<Fr>,
}

impl LevelBatch {
    fn clear(&mut self) {
        self.nodes.clear();
        self.inputs.clear();
    }

    fn hash(&mut self) {
        self.hashes.clear();
        self.hashes.resize(self.inputs.len(), Fr::from(0u64));
        hash_nodes(&self.inputs, &mut self.hashes);
    }
}

/// `out[i] = H(inputs[i])`, eight at a time, on rayon's pool when there are enough to share.
pub(crate) fn hash_nodes(inputs: &[[Fr; 4]], out: &mut [Fr]) {
    if inputs.len() < PARALLEL_THRESHOLD {
        return poseidon::hash_batch_into(inputs, out);
    }
    // Whole vector batches per task, one task per thread: splitting finer only adds overhead.
    let chunk =
        inputs.len().div_ceil(rayon::current_num_threads()).next_multiple_of(poseidon::BATCH_LANES);
    inputs
        .par_chunks(chunk)
        .zip(out.par_chunks_mut(chunk))
        .for_each(|(inputs, out)| poseidon::hash_batch_into(inputs, out));
}
