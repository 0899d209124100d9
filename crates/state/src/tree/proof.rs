//! Merkle proofs for 4-ary trees, and the from-scratch root used to cross-check the incremental one.

use super::{Defaults, TreeError};
use std::collections::BTreeMap;
use tern_primitives::{poseidon::hash, Fr};

/// A membership proof for one leaf position of a 4-ary Poseidon tree.
///
/// `siblings[l]` holds, for level `l` counted from the leaves, the three children of the path's
/// parent other than the path's own child, in slot order. The path's slot at level `l` is the
/// `l`-th base-4 digit of `index` (least significant digit at the leaves).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleProof {
    /// Position of the leaf.
    pub index: u64,
    /// The other three children at each level, bottom-up.
    pub siblings: Vec<[Fr; 3]>,
}

impl MerkleProof {
    /// Depth of the tree the proof belongs to.
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }

    /// The root that `leaf` at `self.index` hashes up to with these siblings.
    ///
    /// Only the low `2 * depth` bits of `index` select slots; [`verify`](Self::verify) also
    /// rejects an index that does not fit the depth.
    pub fn root_for(&self, leaf: Fr) -> Fr {
        let mut node = leaf;
        let mut pos = self.index;
        for &[a, b, c] in &self.siblings {
            let children = match pos & 3 {
                0 => [node, a, b, c],
                1 => [a, node, b, c],
                2 => [a, b, node, c],
                _ => [a, b, c, node],
            };
            node = hash(children);
            pos >>= 2;
        }
        node
    }

    /// Whether `leaf` sits at `self.index` in the tree whose root is `root`.
    pub fn verify(&self, root: Fr, leaf: Fr) -> bool {
        // Without this check, index + k * 4^depth would verify as well as index.
        let bits = u32::try_from(self.siblings.len().saturating_mul(2)).unwrap_or(u32::MAX);
        let in_range = self.index.checked_shr(bits).is_none_or(|high| high == 0);
        in_range && self.root_for(leaf) == root
    }
}

/// The root of a depth-`depth` tree holding `leaves`, computed from nothing.
///
/// A later pair for the same index replaces an earlier one; unlisted leaves are `default_leaf`.
/// This deliberately shares no code with the incremental path (it hashes every touched node,
/// default or not) so tests can compare the two.
pub fn root_from_leaves<I>(depth: u8, default_leaf: Fr, leaves: I) -> Result<Fr, TreeError>
where
    I: IntoIterator<Item = (u64, Fr)>,
{
    let defaults = Defaults::new(depth, default_leaf)?;
    let capacity = super::capacity_of(depth);
    let mut level: BTreeMap<u64, Fr> = BTreeMap::new();
    for (index, leaf) in leaves {
        if index >= capacity {
            return Err(TreeError::IndexOutOfRange { index, depth, capacity });
        }
        level.insert(index, leaf);
    }
    for l in 0..depth {
        let child_default = defaults.level(l);
        let mut next = BTreeMap::new();
        for &index in level.keys() {
            let parent = index >> 2;
            if next.contains_key(&parent) {
                continue;
            }
            let children: [Fr; 4] = std::array::from_fn(|k| {
                level.get(&((parent << 2) | k as u64)).copied().unwrap_or(child_default)
            });
            next.insert(parent, hash(children));
        }
        level = next;
    }
    Ok(level.get(&0).copied().unwrap_or(defaults.root()))
}
