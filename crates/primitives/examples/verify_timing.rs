//! Scratch timing, not committed.
use ark_ff::{Field, PrimeField};
use std::time::Instant;
use tern_primitives::babyjubjub::{Point, Scalar};
use tern_primitives::eddsa::{PrivateKey, PublicKey, Signature};
use tern_primitives::poseidon::hash;
use tern_primitives::Fr;

fn time<T>(name: &str, n: usize, mut f: impl FnMut(usize) -> T) {
    // Minimum over batches: the machine is shared, and interference only ever adds time.
    let batch = (n / 20).max(1);
    let mut best = f64::MAX;
    for _ in 0..20 {
        let t = Instant::now();
        for i in 0..batch {
            std::hint::black_box(f(i));
        }
        best = best.min(t.elapsed().as_secs_f64() / batch as f64);
    }
    println!("{name:30} {:8.2} us  ({:.0}/s/core)", best * 1e6, 1.0 / best);
}

fn main() {
    let n = 2000;
    let keys: Vec<PrivateKey> =
        (0..64u32).map(|i| PrivateKey::from_seed(&i.to_le_bytes())).collect();
    let pks: Vec<PublicKey> = keys.iter().map(|k| k.public_key()).collect();
    let msgs: Vec<Fr> = (0..64u64).map(|i| Fr::from(i * 7919 + 1)).collect();
    let sigs: Vec<Signature> = keys.iter().zip(&msgs).map(|(k, m)| k.sign(*m)).collect();
    let pk_packed: Vec<[u8; 32]> = pks.iter().map(|p| p.pack()).collect();
    let sig_packed: Vec<[u8; 64]> = sigs.iter().map(|s| s.pack()).collect();
    let scalars: Vec<Scalar> = msgs
        .iter()
        .map(|m| {
            Scalar::from_le_bytes_mod_order(&tern_primitives::field::fr_to_le_bytes(
                &(m.square() * m + Fr::from(3u64)),
            ))
        })
        .collect();
    assert!(pks[0].verify(msgs[0], &sigs[0]));
    time("verify (unpacked)", n, |i| pks[i % 64].verify(msgs[i % 64], &sigs[i % 64]));
    time("verify (packed pk+sig)", n, |i| {
        let pk = PublicKey::unpack(&pk_packed[i % 64]).expect("valid");
        let s = Signature::unpack(&sig_packed[i % 64]).expect("valid");
        pk.verify(msgs[i % 64], &s)
    });
    time("poseidon5", n, |i| hash([msgs[i % 64]; 5]));
    time("Point::unpack", n, |i| Point::unpack(&pk_packed[i % 64]));
    time("Signature::unpack", n, |i| Signature::unpack(&sig_packed[i % 64]));
    time("mul_base8 (comb)", n, |i| Point::mul_base8(&scalars[i % 64]));
    time("mul_scalar (variable)", n, |i| pks[i % 64].point().mul_scalar(&scalars[i % 64]));
    time("sign", n, |i| keys[i % 64].sign(msgs[i % 64]));
    time("public_key", n, |i| keys[i % 64].public_key());
    time("pk.hash", n, |i| pks[i % 64].hash());
    time("is_low_order", n, |i| pks[i % 64].point().is_low_order());
    time("in_prime_subgroup", n, |i| pks[i % 64].point().in_prime_subgroup());
    time("fr mul x1000", n, |i| {
        let mut a = msgs[i % 64];
        let b = msgs[(i + 1) % 64];
        for _ in 0..1000 {
            a *= b;
        }
        a
    });
    // Threaded verify throughput on all cores.
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let per_thread = 20000;
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut ok = 0;
                for i in 0..per_thread {
                    ok += pks[i % 64].verify(msgs[i % 64], &sigs[i % 64]) as usize;
                }
                assert_eq!(ok, per_thread);
            });
        }
    });
    let total = (threads * per_thread) as f64;
    println!(
        "threaded verify: {threads} threads, {:.0} verifies/s",
        total / t.elapsed().as_secs_f64()
    );
}
