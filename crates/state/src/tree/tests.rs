//! Unit and property tests for the sparse Merkle tree.

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn fr(n: u64) -> Fr {
    Fr::from(n)
}

fn tree(depth: u8, default_leaf: Fr) -> SparseMerkleTree {
    SparseMerkleTree::new(depth, default_leaf).expect("depth is supported")
}

fn reference(depth: u8, default_leaf: Fr, leaves: &BTreeMap<u64, Fr>) -> Fr {
    root_from_leaves(depth, default_leaf, leaves.iter().map(|(&i, &l)| (i, l)))
        .expect("model indices are in range")
}

/// Hashes every node of a small tree densely: the most literal reading of the spec.
fn dense_root(depth: u8, default_leaf: Fr, leaves: &BTreeMap<u64, Fr>) -> Fr {
    let mut level: Vec<Fr> =
        (0..capacity_of(depth)).map(|i| leaves.get(&i).copied().unwrap_or(default_leaf)).collect();
    while level.len() > 1 {
        level = level.chunks(4).map(|c| hash([c[0], c[1], c[2], c[3]])).collect();
    }
    level[0]
}

/// How many nodes are non-default when `leaves` (default 0) are set: each non-zero leaf and
/// all its ancestors.
fn non_default_nodes(depth: u8, leaves: &BTreeMap<u64, Fr>) -> usize {
    let mut nodes = std::collections::BTreeSet::new();
    for (&index, leaf) in leaves {
        if *leaf != fr(0) {
            for level in 0..=depth {
                nodes.insert((level, index >> (2 * u32::from(level))));
            }
        }
    }
    nodes.len()
}

#[test]
fn defaults_chain_and_empty_root() {
    for default_leaf in [fr(0), fr(12345)] {
        let defaults = Defaults::new(12, default_leaf).expect("depth 12");
        assert_eq!(defaults.leaf(), default_leaf);
        for l in 0..12 {
            let below = defaults.get(l).expect("level exists");
            assert_eq!(defaults.get(l + 1), Some(hash([below; 4])));
        }
        assert_eq!(defaults.get(13), None);
        for depth in [0u8, 1, 5, 12] {
            let mut t = tree(depth, default_leaf);
            let expected = defaults.get(depth).expect("depth <= 12");
            assert_eq!(t.root(), expected);
            assert_eq!(root_from_leaves(depth, default_leaf, []), Ok(expected));
        }
    }
}

#[test]
fn slot_order_is_base4_least_significant_first() {
    let x = fr(7);
    // Depth 1: the root hashes the leaves in index order.
    let mut t = tree(1, fr(0));
    for i in 0..4 {
        t.set(i, fr(i + 1)).expect("in range");
    }
    assert_eq!(t.root(), hash([fr(1), fr(2), fr(3), fr(4)]));
    // Depth 2, index 6 = digits (1, 2): slot 2 at the bottom, slot 1 at the top.
    let mut t = tree(2, fr(0));
    t.set(6, x).expect("in range");
    let d1 = t.defaults().get(1).expect("level 1");
    let z = fr(0);
    assert_eq!(t.root(), hash([d1, hash([z, z, x, z]), d1, d1]));
}

#[test]
fn reference_matches_dense_hashing() {
    let mut leaves = BTreeMap::new();
    for (i, v) in [(0u64, 5u64), (3, 9), (17, 1), (63, 2), (40, 0)] {
        leaves.insert(i, fr(v));
    }
    for default_leaf in [fr(0), fr(99)] {
        assert_eq!(reference(3, default_leaf, &leaves), dense_root(3, default_leaf, &leaves));
    }
}

#[test]
fn get_sees_pending_writes() {
    let mut t = tree(5, fr(3));
    assert_eq!(t.get(10), Ok(fr(3)));
    t.set(10, fr(8)).expect("in range");
    assert!(t.has_pending());
    assert_eq!(t.get(10), Ok(fr(8)));
    t.root();
    assert!(!t.has_pending());
    assert_eq!(t.get(10), Ok(fr(8)));
}

#[test]
fn out_of_range_is_an_error() {
    let mut t = tree(5, fr(0));
    let err = TreeError::IndexOutOfRange { index: 1024, depth: 5, capacity: 1024 };
    assert_eq!(t.capacity(), 1024);
    assert_eq!(t.set(1024, fr(1)), Err(err));
    assert_eq!(t.get(1024), Err(err));
    assert_eq!(t.proof(1024), Err(err));
    let message = t.set(u64::MAX, fr(1)).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("valid indices are 0 to 1023"), "{message}");
    assert_eq!(root_from_leaves(5, fr(0), [(1024, fr(1))]), Err(err));
    assert_eq!(t.set(1023, fr(1)), Ok(()));
    assert_eq!(SparseMerkleTree::new(30, fr(0)).err(), Some(TreeError::DepthTooLarge(30)));
    assert!(SparseMerkleTree::new(MAX_DEPTH, fr(0)).is_ok());
}

#[test]
fn writing_defaults_stores_nothing() {
    let mut t = tree(12, fr(0));
    let empty = t.root();
    for i in [0u64, 1, 5, 4_000_000, 16_777_215] {
        t.set(i, fr(i + 1)).expect("in range");
    }
    assert_ne!(t.root(), empty);
    assert!(!t.store().is_empty());
    for i in [0u64, 1, 5, 4_000_000, 16_777_215] {
        t.set(i, fr(0)).expect("in range");
    }
    assert_eq!(t.root(), empty);
    assert!(t.store().is_empty(), "{} nodes left behind", t.store().len());
}

#[test]
fn rewriting_same_value_or_undoing_before_root_is_free() {
    let mut t = tree(12, fr(0));
    t.set(77, fr(1)).expect("in range");
    let root = t.root();
    t.set(77, fr(1)).expect("in range");
    assert!(!t.has_pending());
    t.set(77, fr(2)).expect("in range");
    t.set(77, fr(1)).expect("in range");
    assert_eq!(t.root(), root);
}

#[test]
fn proofs_verify_for_set_and_unset_leaves() {
    let empty = fr(1_000_000);
    let mut t = tree(12, empty);
    let set: Vec<u64> = vec![0, 1, 2, 3, 4, 1000, 1001, 65_536, 16_777_215];
    for &i in &set {
        t.set(i, fr(i * 3 + 1)).expect("in range");
    }
    let root = t.root();
    for &i in &set {
        let proof = t.proof(i).expect("in range");
        assert_eq!(proof.depth(), 12);
        assert!(proof.verify(root, fr(i * 3 + 1)), "set leaf {i}");
        assert!(!proof.verify(root, fr(i * 3 + 2)), "wrong leaf {i}");
        assert!(!proof.verify(root, empty), "default instead of set leaf {i}");
    }
    for i in [5u64, 999, 12_345, 16_777_214] {
        let proof = t.proof(i).expect("in range");
        assert!(proof.verify(root, empty), "unset leaf {i}");
        assert!(!proof.verify(root, fr(5)), "wrong value for unset leaf {i}");
    }
}

#[test]
fn tampered_proofs_fail() {
    let mut t = tree(5, fr(0));
    for i in 0..50 {
        t.set(i * 13 % 1024, fr(i + 1)).expect("in range");
    }
    let root = t.root();
    let proof = t.proof(13).expect("in range");
    assert!(proof.verify(root, fr(2)));
    for level in 0..proof.depth() {
        for k in 0..3 {
            let mut bad = proof.clone();
            bad.siblings[level][k] += fr(1);
            assert!(!bad.verify(root, fr(2)), "sibling {level}/{k}");
        }
    }
    let mut moved = proof.clone();
    moved.index = 14;
    assert!(!moved.verify(root, fr(2)));
    // An index that aliases the same slots must not verify either.
    let mut aliased = proof.clone();
    aliased.index = 13 + 1024;
    assert_eq!(aliased.root_for(fr(2)), root);
    assert!(!aliased.verify(root, fr(2)));
    let mut short = proof.clone();
    short.siblings.pop();
    assert!(!short.verify(root, fr(2)));
}

#[test]
fn proof_after_pending_write_reflects_it() {
    let mut t = tree(5, fr(0));
    t.set(9, fr(1)).expect("in range");
    let proof = t.proof(9).expect("in range");
    let root = t.root();
    assert!(proof.verify(root, fr(1)));
}

#[test]
fn checkpoint_revert_restores_leaves_and_root() {
    let mut t = tree(12, fr(0));
    for i in 0..20 {
        t.set(i * 7919, fr(i + 1)).expect("in range");
    }
    let root = t.root();
    let before = t.store().len();

    let cp = t.checkpoint();
    t.set(0, fr(100)).expect("in range");
    t.set(7919, fr(0)).expect("in range");
    t.set(5, fr(6)).expect("in range");
    assert_ne!(t.root(), root);
    t.set(6, fr(6)).expect("in range");
    t.revert_to(cp).expect("open");

    assert!(!t.has_pending());
    assert_eq!(t.get(0), Ok(fr(1)));
    assert_eq!(t.get(7919), Ok(fr(2)));
    assert_eq!(t.get(5), Ok(fr(0)));
    assert_eq!(t.get(6), Ok(fr(0)));
    assert_eq!(t.store().len(), before);
    assert_eq!(t.root(), root);
}

#[test]
fn checkpoint_restores_pending_work_taken_before_it() {
    let mut t = tree(5, fr(0));
    t.set(1, fr(1)).expect("in range");
    let cp = t.checkpoint();
    t.set(2, fr(2)).expect("in range");
    t.root();
    t.set(3, fr(3)).expect("in range");
    t.revert_to(cp).expect("open");
    assert!(t.has_pending(), "the write before the checkpoint is still unhashed");
    assert_eq!(t.root(), reference(5, fr(0), &BTreeMap::from([(1, fr(1))])));
}

#[test]
fn nested_checkpoints_and_commit() {
    let mut t = tree(5, fr(0));
    let outer = t.checkpoint();
    t.set(1, fr(1)).expect("in range");
    let inner = t.checkpoint();
    t.set(2, fr(2)).expect("in range");
    t.commit(inner).expect("open");
    let innermost = t.checkpoint();
    t.set(3, fr(3)).expect("in range");
    t.revert_to(innermost).expect("open");
    let expected = BTreeMap::from([(1, fr(1)), (2, fr(2))]);
    assert_eq!(t.root(), reference(5, fr(0), &expected));
    t.revert_to(outer).expect("open");
    assert_eq!(t.root(), t.defaults().root());
    assert!(t.journal.is_empty());
}

#[test]
fn closed_checkpoints_are_rejected() {
    let mut t = tree(5, fr(0));
    let outer = t.checkpoint();
    let inner = t.checkpoint();
    let inner_id = inner.id();
    t.commit(outer).expect("open");
    assert_eq!(t.revert_to(inner), Err(TreeError::StaleCheckpoint(inner_id)));
    assert!(t.journal.is_empty());
    let cp = t.checkpoint();
    let id = cp.id();
    t.revert_to(cp).expect("open");
    assert_eq!(t.commit(Checkpoint { id }), Err(TreeError::StaleCheckpoint(id)));
}

#[test]
fn no_journal_without_checkpoint() {
    let mut t = tree(5, fr(0));
    t.set(1, fr(1)).expect("in range");
    t.root();
    assert!(t.journal.is_empty());
}

#[test]
fn large_batch_takes_the_parallel_path() {
    let mut t = tree(12, fr(0));
    let mut model = BTreeMap::new();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for n in 0..300u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = x % t.capacity();
        t.set(i, fr(n + 1)).expect("in range");
        model.insert(i, fr(n + 1));
    }
    assert_eq!(t.root(), reference(12, fr(0), &model));
}

#[test]
fn into_store_is_consistent() {
    let mut t = tree(5, fr(0));
    t.set(3, fr(3)).expect("in range");
    let root = t.clone().root();
    let defaults = t.defaults().clone();
    let store = t.into_store();
    let mut reopened = SparseMerkleTree::with_store(defaults, store);
    assert_eq!(reopened.root(), root);
}

#[derive(Clone, Debug)]
enum Op {
    Set(u64, u64),
    Root,
    Checkpoint,
    Revert,
    Commit,
}

fn op(capacity: u64) -> impl Strategy<Value = Op> {
    // Few distinct values and a mix of clustered and spread indices, so overwrites, shared
    // parents and writes back to the default (value 0) are all common.
    let index = prop_oneof![0..16u64.min(capacity), 0..capacity];
    prop_oneof![
        8 => (index, 0..4u64).prop_map(|(i, v)| Op::Set(i, v)),
        2 => Just(Op::Root),
        1 => Just(Op::Checkpoint),
        1 => Just(Op::Revert),
        1 => Just(Op::Commit),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn incremental_root_matches_from_scratch(
        depth in prop_oneof![Just(1u8), Just(2), Just(5), Just(12)],
        default_leaf in prop_oneof![Just(0u64), Just(2)],
        ops in proptest::collection::vec(op(1 << 24), 0..60),
        probe in 0..1u64 << 24,
    ) {
        let default_leaf = fr(default_leaf);
        let mut t = tree(depth, default_leaf);
        let capacity = t.capacity();
        let mut model: BTreeMap<u64, Fr> = BTreeMap::new();
        for op in ops {
            if let Op::Set(i, v) = op {
                let i = i % capacity;
                t.set(i, fr(v)).expect("in range");
                model.insert(i, fr(v));
                prop_assert_eq!(t.get(i), Ok(fr(v)));
            } else if let Op::Root = op {
                let root = t.root();
                // Deep trees are checked once at the end: the reference rehashes every leaf.
                if depth <= 5 {
                    prop_assert_eq!(root, reference(depth, default_leaf, &model));
                }
            }
        }
        let root = t.root();
        prop_assert_eq!(root, reference(depth, default_leaf, &model));
        if depth <= 2 {
            prop_assert_eq!(root, dense_root(depth, default_leaf, &model));
        }
        for (&i, &leaf) in model.iter().take(4) {
            prop_assert!(t.proof(i).expect("in range").verify(root, leaf));
        }
        let probe = probe % capacity;
        let leaf = t.get(probe).expect("in range");
        let proof = t.proof(probe).expect("in range");
        prop_assert!(proof.verify(root, leaf));
        prop_assert!(!proof.verify(root, leaf + fr(1)));
    }

    #[test]
    fn checkpoints_match_a_snapshot_model(
        ops in proptest::collection::vec(op(1 << 10), 0..80),
    ) {
        let mut t = tree(5, fr(0));
        let mut model: BTreeMap<u64, Fr> = BTreeMap::new();
        let mut stack: Vec<(Checkpoint, BTreeMap<u64, Fr>)> = Vec::new();
        for op in ops {
            match op {
                Op::Set(i, v) => {
                    t.set(i, fr(v)).expect("in range");
                    model.insert(i, fr(v));
                }
                Op::Root => {
                    t.root();
                }
                Op::Checkpoint => stack.push((t.checkpoint(), model.clone())),
                Op::Revert => {
                    if let Some((cp, saved)) = stack.pop() {
                        t.revert_to(cp).expect("open");
                        model = saved;
                        for (&i, &leaf) in &model {
                            prop_assert_eq!(t.get(i), Ok(leaf));
                        }
                        prop_assert_eq!(t.root(), reference(5, fr(0), &model));
                    }
                }
                Op::Commit => {
                    if let Some((cp, _)) = stack.pop() {
                        t.commit(cp).expect("open");
                    }
                }
            }
        }
        prop_assert_eq!(t.root(), reference(5, fr(0), &model));
        if let Some((cp, saved)) = stack.into_iter().next() {
            t.revert_to(cp).expect("outermost is open");
            model = saved;
            prop_assert_eq!(t.root(), reference(5, fr(0), &model));
            prop_assert!(t.journal.is_empty());
        }
        // Exactly the non-default nodes are stored: nothing stale survives undo or clearing.
        prop_assert_eq!(t.store().len(), non_default_nodes(5, &model));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Rehashing many trees together (their levels batched) gives each tree the root it has
    /// alone, for trees of different depths, with reverted writes and an open checkpoint.
    #[test]
    fn rehash_all_matches_each_tree_alone(
        writes in proptest::collection::vec((0usize..6, 0u64..4096, 0u64..4), 0..80),
        reverted in proptest::collection::vec((0usize..6, 0u64..4096, 1u64..4), 0..10),
    ) {
        let depths = [0u8, 1, 2, 5, 6, 12];
        let mut trees: Vec<SparseMerkleTree> = depths.iter().map(|&d| tree(d, fr(0))).collect();
        for &(t, index, value) in &writes {
            let capacity = trees[t].capacity();
            trees[t].set(index % capacity, fr(value)).expect("in range");
        }
        let checkpoints: Vec<Checkpoint> = trees.iter_mut().map(|t| t.checkpoint()).collect();
        for &(t, index, value) in &reverted {
            let capacity = trees[t].capacity();
            trees[t].set(index % capacity, fr(value + 10)).expect("in range");
        }
        let mut alone = trees.clone();
        let expected: Vec<Fr> = alone.iter_mut().map(|t| t.root()).collect();
        let mut refs: Vec<&mut SparseMerkleTree> = trees.iter_mut().collect();
        SparseMerkleTree::rehash_all(&mut refs);
        for (t, want) in trees.iter_mut().zip(&expected) {
            prop_assert!(!t.has_pending());
            prop_assert_eq!(t.root(), *want);
        }
        for (t, checkpoint) in trees.iter_mut().zip(checkpoints) {
            t.revert_to(checkpoint).expect("open");
        }
        let mut before: Vec<SparseMerkleTree> = depths.iter().map(|&d| tree(d, fr(0))).collect();
        for &(t, index, value) in &writes {
            let capacity = before[t].capacity();
            before[t].set(index % capacity, fr(value)).expect("in range");
        }
        for (t, want) in trees.iter_mut().zip(before.iter_mut()) {
            prop_assert_eq!(t.root(), want.root());
        }
    }
}
