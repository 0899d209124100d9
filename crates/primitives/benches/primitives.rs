//! Primitive costs: our Poseidon against light-poseidon (the measurement behind owning the
//! permutation), and EdDSA-Poseidon signing and verification.
//! `cargo bench -p tern-primitives --bench primitives`.

#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use light_poseidon::{Poseidon, PoseidonHasher};
use tern_primitives::eddsa::PrivateKey;
use tern_primitives::{poseidon, Fr};

fn hashes(c: &mut Criterion) {
    let mut g = c.benchmark_group("poseidon");
    for n in [2usize, 4] {
        let inputs: Vec<Fr> = (0..n as u64).map(|i| Fr::from(i + 12345)).collect();
        g.bench_function(format!("tern_{n}_inputs"), |b| {
            b.iter(|| poseidon::poseidon(black_box(&inputs)))
        });
        let mut reference = Poseidon::<Fr>::new_circom(n).expect("params");
        g.bench_function(format!("light_poseidon_{n}_inputs"), |b| {
            b.iter(|| reference.hash(black_box(&inputs)))
        });
    }
    g.finish();
}

/// `hash_batch` of 8 inputs (one vector chunk on CPUs with AVX-512 IFMA), reported per hash.
fn batches(c: &mut Criterion) {
    let mut g = c.benchmark_group("poseidon_batch");
    g.throughput(Throughput::Elements(8));
    let row = |i: u64| Fr::from(i + 12345);
    let two: Vec<[Fr; 2]> = (0..8).map(|i| [row(i), row(i + 8)]).collect();
    g.bench_function("tern_2_inputs_x8", |b| b.iter(|| poseidon::hash_batch(black_box(&two))));
    let four: Vec<[Fr; 4]> =
        (0..8).map(|i| [row(i), row(i + 8), row(i + 16), row(i + 24)]).collect();
    g.bench_function("tern_4_inputs_x8", |b| b.iter(|| poseidon::hash_batch(black_box(&four))));
    g.finish();
}

fn eddsa(c: &mut Criterion) {
    let key = PrivateKey::from_seed(b"bench");
    let public = key.public_key();
    let msg = Fr::from(987_654_321u64);
    let sig = key.sign(msg);
    let mut g = c.benchmark_group("eddsa_poseidon");
    g.bench_function("sign", |b| b.iter(|| key.sign(black_box(msg))));
    g.bench_function("verify", |b| b.iter(|| public.verify(black_box(msg), black_box(&sig))));
    g.bench_function("pubkey_hash", |b| b.iter(|| black_box(&public).hash()));
    g.finish();
}

criterion_group!(benches, hashes, batches, eddsa);
criterion_main!(benches);
