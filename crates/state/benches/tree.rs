//! Sparse Merkle tree benchmarks: the sequencer's hot path.
//!
//! `cargo bench -p tern-state --bench tree`
//!
//! `threshold/{seq,par}/N` hash N independent nodes sequentially or on rayon's pool; where `par`
//! starts to win is where the tree's `PARALLEL_THRESHOLD` should sit.

// criterion_group! expands to an undocumented pub fn.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use rayon::prelude::*;
use tern_primitives::Fr;
use tern_state::tree::{Defaults, SparseMerkleTree};

/// xorshift64*: deterministic indices without a rand dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn populated(defaults: &Defaults, leaves: u64, rng: &mut Rng) -> SparseMerkleTree {
    let mut tree = SparseMerkleTree::with_defaults(defaults.clone());
    let capacity = tree.capacity();
    for n in 0..leaves {
        let _ = tree.set(rng.next() % capacity, Fr::from(n + 1));
    }
    tree.root();
    tree
}

fn benches(c: &mut Criterion) {
    let account = Defaults::new(12, Fr::from(0u64)).unwrap_or_else(|e| panic!("{e}"));
    let balance = Defaults::new(5, Fr::from(0u64)).unwrap_or_else(|e| panic!("{e}"));

    c.bench_function("hash4", |b| {
        let x = [Fr::from(1u64), Fr::from(2u64), Fr::from(3u64), Fr::from(4u64)];
        b.iter(|| tern_primitives::poseidon::hash(black_box(x)))
    });

    let mut group = c.benchmark_group("threshold");
    for n in [1usize, 2, 4, 8, 16, 32] {
        let nodes: Vec<[Fr; 4]> = (0..n as u64).map(|i| [Fr::from(i); 4]).collect();
        let mut out = Vec::with_capacity(n);
        group.bench_with_input(BenchmarkId::new("seq", n), &nodes, |b, nodes| {
            b.iter(|| {
                out.clear();
                out.extend(nodes.iter().map(|&x| tern_primitives::poseidon::hash(x)));
                out.len()
            })
        });
        group.bench_with_input(BenchmarkId::new("par", n), &nodes, |b, nodes| {
            b.iter(|| {
                nodes
                    .par_iter()
                    .map(|&x| tern_primitives::poseidon::hash(x))
                    .collect_into_vec(&mut out);
                out.len()
            })
        });
    }
    group.finish();

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    c.bench_function("depth12/set_1000_random_then_root", |b| {
        b.iter_batched(
            || {
                let indices: Vec<u64> = (0..1000).map(|_| rng.next() % (1 << 24)).collect();
                (SparseMerkleTree::with_defaults(account.clone()), indices)
            },
            |(mut tree, indices)| {
                for (n, &i) in indices.iter().enumerate() {
                    let _ = tree.set(i, Fr::from(n as u64 + 1));
                }
                tree.root()
            },
            BatchSize::SmallInput,
        )
    });

    let mut rng = Rng(42);
    let mut tree = populated(&account, 100_000, &mut rng);
    c.bench_function("depth12/100k_leaves/set_1000_random_then_root", |b| {
        let mut n = 0u64;
        b.iter(|| {
            for _ in 0..1000 {
                n += 1;
                let _ = tree.set(rng.next() % (1 << 24), Fr::from(n));
            }
            tree.root()
        })
    });

    c.bench_function("depth12/100k_leaves/single_update_then_root", |b| {
        let mut n = 0u64;
        b.iter(|| {
            n += 1;
            let _ = tree.set(rng.next() % (1 << 24), Fr::from(n));
            tree.root()
        })
    });

    c.bench_function("depth12/100k_leaves/proof", |b| {
        b.iter(|| tree.proof(rng.next() % (1 << 24)))
    });

    c.bench_function("depth5/single_update_then_root", |b| {
        let mut tree = populated(&balance, 4, &mut rng);
        let mut n = 0u64;
        b.iter(|| {
            n += 1;
            let _ = tree.set(rng.next() % 1024, Fr::from(n));
            tree.root()
        })
    });

    c.bench_function("depth12/checkpoint_set_revert", |b| {
        b.iter(|| {
            let cp = tree.checkpoint();
            let _ = tree.set(rng.next() % (1 << 24), Fr::from(7u64));
            tree.root();
            tree.revert_to(cp)
        })
    });
}

criterion_group!(tree_benches, benches);
criterion_main!(tree_benches);
