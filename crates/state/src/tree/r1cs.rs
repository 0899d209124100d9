//! The Merkle path gadget of the 4-ary Poseidon trees: the circuit twin of
//! [`MerkleProof::root_for`].
//!
//! A path holds two index bits per level (little-endian: bits `2l` and `2l + 1` are the base-4
//! digit of level `l`, counted from the leaves) and the three siblings of each level in slot
//! order. The index bits are either allocated from a [`MerkleProof`]
//! ([`MerklePathVar::new_witness`]) or supplied by the caller
//! ([`MerklePathVar::from_parts`]), e.g. the low bits of an account id that the circuit has
//! already decomposed, so the path is bound to that id.
//!
//! # Cost per level
//!
//! The node sits in slot `d = b0 + 2·b1` and the siblings `(a, b, c)` fill the other slots in
//! order. Placing them costs 5 constraints:
//!
//! ```text
//! t     = a + b0·(x − a)          slot 1 if b1 = 0 (x if d = 1, else a)
//! slot1 = t + b1·(b − t)
//! slot0 = a + (1 − b1)·(x − t)    x if d = 0, else a
//! u     = x + b0·(c − x)          slot 2 if b1 = 1 (c if d = 3, else x)
//! slot2 = b + b1·(u − b)
//! slot3 = x + a + b + c − slot0 − slot1 − slot2   (free: the slots are a permutation)
//! ```
//!
//! The width-5 Poseidon then costs 297, so a level costs **302** constraints, plus 2 booleanity
//! constraints when [`MerklePathVar::new_witness`] allocates the index bits.
//! [`MerklePathVar::update`] costs twice [`MerklePathVar::root`]: the two paths share the
//! witnesses but no products.

use super::MerkleProof;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_relations::gr1cs::{Namespace, SynthesisError};
use tern_primitives::poseidon::r1cs::poseidon_var;
use tern_primitives::Fr;

/// A Merkle path of a 4-ary Poseidon tree inside the circuit: index bits and siblings.
#[derive(Clone, Debug)]
pub struct MerklePathVar {
    /// Two bits per level, little-endian: `index_bits[2l]` is the low bit of level `l`'s digit.
    index_bits: Vec<Boolean<Fr>>,
    /// The other three children at each level, bottom-up, in slot order.
    siblings: Vec<[FpVar<Fr>; 3]>,
}

/// `c ? x : y` in one constraint (none if `c` is a constant).
fn select(c: &Boolean<Fr>, x: &FpVar<Fr>, y: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    FpVar::conditionally_select(c, x, y)
}

/// The four children of a level: `node` in slot `b0 + 2·b1`, the siblings in the others in
/// order. Five constraints (see the module docs).
fn place(
    node: &FpVar<Fr>,
    [a, b, c]: &[FpVar<Fr>; 3],
    b0: &Boolean<Fr>,
    b1: &Boolean<Fr>,
) -> Result<[FpVar<Fr>; 4], SynthesisError> {
    let t = select(b0, node, a)?;
    let slot1 = select(b1, b, &t)?;
    let slot0 = select(b1, a, &(a + node - &t))?;
    let u = select(b0, c, node)?;
    let slot2 = select(b1, &u, b)?;
    let slot3 = node + a + b + c - &slot0 - &slot1 - &slot2;
    Ok([slot0, slot1, slot2, slot3])
}

impl MerklePathVar {
    /// Allocates the path of `proof` as witnesses for a tree of `depth` levels: `2 · depth`
    /// index bits (the low bits of `proof.index`, as [`MerkleProof::root_for`] reads them, with
    /// 2 booleanity constraints per level) and `3 · depth` siblings.
    ///
    /// Returns [`SynthesisError::Unsatisfiable`] if the proof does not have `depth` levels.
    pub fn new_witness(
        cs: impl Into<Namespace<Fr>>,
        proof: &MerkleProof,
        depth: usize,
    ) -> Result<Self, SynthesisError> {
        if proof.siblings.len() != depth {
            return Err(SynthesisError::Unsatisfiable);
        }
        let ns = cs.into();
        let cs = ns.cs();
        let index_bits = (0..2 * depth)
            .map(|i| {
                let bit = u32::try_from(i).ok().and_then(|i| proof.index.checked_shr(i));
                Boolean::new_witness(cs.clone(), || Ok(bit.is_some_and(|v| v & 1 == 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let siblings = proof
            .siblings
            .iter()
            .map(|level| {
                let [a, b, c] = level.map(|s| FpVar::new_witness(cs.clone(), || Ok(s)));
                Ok([a?, b?, c?])
            })
            .collect::<Result<Vec<_>, SynthesisError>>()?;
        Ok(Self { index_bits, siblings })
    }

    /// A path from index bits the caller already holds (little-endian, two per level, e.g. the
    /// low bits of a decomposed account id; they must be constrained booleans) and siblings
    /// (bottom-up, in slot order).
    ///
    /// Returns [`SynthesisError::Unsatisfiable`] unless there are exactly two bits per level.
    pub fn from_parts(
        index_bits: Vec<Boolean<Fr>>,
        siblings: Vec<[FpVar<Fr>; 3]>,
    ) -> Result<Self, SynthesisError> {
        if index_bits.len() != 2 * siblings.len() {
            return Err(SynthesisError::Unsatisfiable);
        }
        Ok(Self { index_bits, siblings })
    }

    /// Number of levels.
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }

    /// The index bits, little-endian, two per level.
    pub fn index_bits(&self) -> &[Boolean<Fr>] {
        &self.index_bits
    }

    /// The siblings of each level, bottom-up, in slot order.
    pub fn siblings(&self) -> &[[FpVar<Fr>; 3]] {
        &self.siblings
    }

    /// The leaf index as a field element, `Σ index_bits[i]·2^i` (a free linear combination), to
    /// bind the path to an index the circuit holds elsewhere.
    pub fn index(&self) -> FpVar<Fr> {
        let mut acc = FpVar::zero();
        let mut power = Fr::from(1u64);
        for bit in &self.index_bits {
            acc += FpVar::from(bit.clone()) * power;
            power = power + power;
        }
        acc
    }

    /// The root that `leaf` hashes up to along this path, equal to [`MerkleProof::root_for`].
    ///
    /// Costs 302 constraints per level (see the module docs).
    pub fn root(&self, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let mut node = leaf.clone();
        for (siblings, bits) in self.siblings.iter().zip(self.index_bits.chunks_exact(2)) {
            let children = place(&node, siblings, &bits[0], &bits[1])?;
            node = poseidon_var(&children)?;
        }
        Ok(node)
    }

    /// The roots before and after replacing `old_leaf` with `new_leaf` at this path's index:
    /// `(root(old_leaf), root(new_leaf))`. Enforcing the first against the old root proves the
    /// siblings, which makes the second the new root.
    pub fn update(
        &self,
        old_leaf: &FpVar<Fr>,
        new_leaf: &FpVar<Fr>,
    ) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
        Ok((self.root(old_leaf)?, self.root(new_leaf)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::SparseMerkleTree;
    use ark_r1cs_std::eq::EqGadget;
    use ark_r1cs_std::GR1CSVar;
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
    use tern_primitives::poseidon::hash;

    /// A field element that looks random, from a counter.
    fn element(seed: u64) -> Fr {
        hash([Fr::from(seed)])
    }

    /// A tree of `depth` with `n` pseudo-random leaves at pseudo-random indices.
    fn random_tree(depth: u8, n: u64, seed: u64) -> (SparseMerkleTree, Vec<u64>) {
        let mut tree = SparseMerkleTree::new(depth, element(1_000_000)).expect("depth");
        let capacity = tree.capacity();
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut indices = vec![0, capacity - 1];
        for _ in 0..n {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            indices.push(state % capacity);
        }
        for (k, &i) in indices.iter().enumerate() {
            tree.set(i, element(seed * 1000 + k as u64)).expect("index in range");
        }
        (tree, indices)
    }

    fn witness(cs: &ConstraintSystemRef<Fr>, v: Fr) -> FpVar<Fr> {
        FpVar::new_witness(cs.clone(), || Ok(v)).expect("witness")
    }

    fn check_tree(depth: u8) {
        let (mut tree, indices) = random_tree(depth, 12, u64::from(depth));
        let root = tree.root();
        for &index in &indices {
            let proof = tree.proof(index).expect("proof");
            let leaf = tree.get(index).expect("leaf");
            assert!(proof.verify(root, leaf));
            let cs = ConstraintSystem::<Fr>::new_ref();
            let path = MerklePathVar::new_witness(cs.clone(), &proof, depth.into()).expect("path");
            assert_eq!(path.index().value().expect("value"), Fr::from(index));
            let got = path.root(&witness(&cs, leaf)).expect("root");
            assert_eq!(got.value().expect("value"), proof.root_for(leaf));
            let expected = FpVar::new_input(cs.clone(), || Ok(root)).expect("input");
            got.enforce_equal(&expected).expect("enforce");
            assert!(cs.is_satisfied().expect("satisfiable check"), "index {index}");
        }
    }

    #[test]
    fn matches_native_depth_5() {
        check_tree(5);
    }

    #[test]
    fn matches_native_depth_12() {
        check_tree(12);
    }

    #[test]
    fn every_digit_places_the_node_in_its_slot() {
        let siblings: Vec<[Fr; 3]> =
            (0..3).map(|l| [element(10 * l), element(10 * l + 1), element(10 * l + 2)]).collect();
        let leaf = element(99);
        for index in 0..64u64 {
            let proof = MerkleProof { index, siblings: siblings.clone() };
            let cs = ConstraintSystem::<Fr>::new_ref();
            let path = MerklePathVar::new_witness(cs.clone(), &proof, 3).expect("path");
            let got = path.root(&witness(&cs, leaf)).expect("root");
            assert_eq!(got.value().expect("value"), proof.root_for(leaf), "index {index}");
            assert!(cs.is_satisfied().expect("satisfiable check"));
        }
    }

    #[test]
    fn update_gives_old_and_new_roots() {
        let depth = 6;
        let (mut tree, indices) = random_tree(depth, 8, 7);
        let index = indices[3];
        let old_root = tree.root();
        let old_leaf = tree.get(index).expect("leaf");
        let proof = tree.proof(index).expect("proof");
        let new_leaf = element(424_242);
        tree.set(index, new_leaf).expect("set");
        let new_root = tree.root();

        let cs = ConstraintSystem::<Fr>::new_ref();
        let path = MerklePathVar::new_witness(cs.clone(), &proof, depth.into()).expect("path");
        let (old, new) =
            path.update(&witness(&cs, old_leaf), &witness(&cs, new_leaf)).expect("update");
        old.enforce_equal(&FpVar::new_input(cs.clone(), || Ok(old_root)).expect("in"))
            .expect("enforce");
        new.enforce_equal(&FpVar::new_input(cs.clone(), || Ok(new_root)).expect("in"))
            .expect("enforce");
        assert!(cs.is_satisfied().expect("satisfiable check"));
    }

    /// Builds the path with `tamper` applied to its parts, enforces the honest root and reports
    /// whether the system is still satisfied.
    fn satisfied_after(
        tamper: impl FnOnce(&mut Vec<Boolean<Fr>>, &mut Vec<[FpVar<Fr>; 3]>, &ConstraintSystemRef<Fr>),
    ) -> bool {
        let depth = 5;
        let (mut tree, indices) = random_tree(depth, 10, 3);
        let index = indices[4];
        let root = tree.root();
        let leaf = tree.get(index).expect("leaf");
        let proof = tree.proof(index).expect("proof");
        let cs = ConstraintSystem::<Fr>::new_ref();
        let honest = MerklePathVar::new_witness(cs.clone(), &proof, depth.into()).expect("path");
        let mut bits = honest.index_bits().to_vec();
        let mut siblings = honest.siblings().to_vec();
        tamper(&mut bits, &mut siblings, &cs);
        let path = MerklePathVar::from_parts(bits, siblings).expect("parts");
        let got = path.root(&witness(&cs, leaf)).expect("root");
        got.enforce_equal(&FpVar::new_input(cs.clone(), || Ok(root)).expect("in"))
            .expect("enforce");
        cs.is_satisfied().expect("satisfiable check")
    }

    #[test]
    fn honest_path_satisfies() {
        assert!(satisfied_after(|_, _, _| {}));
    }

    #[test]
    fn tampered_sibling_is_unsatisfied() {
        for level in [0, 2, 4] {
            for slot in 0..3 {
                assert!(!satisfied_after(|_, siblings, cs| {
                    let v = siblings[level][slot].value().expect("value") + Fr::from(1u64);
                    siblings[level][slot] = witness(cs, v);
                }));
            }
        }
    }

    #[test]
    fn wrong_index_bit_is_unsatisfied() {
        for i in 0..10 {
            assert!(!satisfied_after(|bits, _, cs| {
                let flipped = !bits[i].value().expect("value");
                bits[i] = Boolean::new_witness(cs.clone(), || Ok(flipped)).expect("bit");
            }));
        }
    }

    #[test]
    fn external_index_bits_from_an_account_id() {
        let depth = 5;
        let (mut tree, indices) = random_tree(depth, 10, 11);
        let index = indices[5];
        let root = tree.root();
        let leaf = tree.get(index).expect("leaf");
        let proof = tree.proof(index).expect("proof");
        let cs = ConstraintSystem::<Fr>::new_ref();
        let id = witness(&cs, Fr::from(index));
        let (bits, _) = id.to_bits_le_with_top_bits_zero(2 * usize::from(depth)).expect("bits");
        let siblings = MerklePathVar::new_witness(cs.clone(), &proof, depth.into())
            .expect("path")
            .siblings()
            .to_vec();
        let path = MerklePathVar::from_parts(bits, siblings).expect("parts");
        path.index().enforce_equal(&id).expect("enforce");
        let got = path.root(&witness(&cs, leaf)).expect("root");
        got.enforce_equal(&FpVar::new_input(cs.clone(), || Ok(root)).expect("in"))
            .expect("enforce");
        assert!(cs.is_satisfied().expect("satisfiable check"));
    }

    #[test]
    fn constraints_per_level() {
        for depth in [1usize, 5, 12] {
            let proof = MerkleProof { index: 0, siblings: vec![[Fr::from(0u64); 3]; depth] };
            let cs = ConstraintSystem::<Fr>::new_ref();
            let path = MerklePathVar::new_witness(cs.clone(), &proof, depth).expect("path");
            let allocation = cs.num_constraints();
            let leaf = witness(&cs, Fr::from(0u64));
            let _root = path.root(&leaf).expect("root");
            let per_level = (cs.num_constraints() - allocation) / depth;
            println!(
                "depth {depth}: {allocation} booleanity constraints, root {} ({} per level)",
                cs.num_constraints() - allocation,
                per_level
            );
            assert_eq!(allocation, 2 * depth);
            assert_eq!(cs.num_constraints() - allocation, 302 * depth);
        }
    }

    #[test]
    fn refuses_mismatched_shapes() {
        let proof = MerkleProof { index: 0, siblings: vec![[Fr::from(0u64); 3]; 4] };
        let cs = ConstraintSystem::<Fr>::new_ref();
        assert!(MerklePathVar::new_witness(cs.clone(), &proof, 5).is_err());
        let path = MerklePathVar::new_witness(cs, &proof, 4).expect("path");
        let mut bits = path.index_bits().to_vec();
        bits.pop();
        assert!(MerklePathVar::from_parts(bits, path.siblings().to_vec()).is_err());
    }
}
