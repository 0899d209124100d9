//! Primitive costs: our Poseidon against light-poseidon (the measurement behind owning the
//! permutation), and EdDSA-Poseidon signing and verification.
//! `cargo bench -p tern-primitives --bench primitives`.

#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
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

criterion_group!(benches, hashes, eddsa);
criterion_main!(benches);
