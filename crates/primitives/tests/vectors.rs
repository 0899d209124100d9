//! Reproduces every vector circomlibjs 0.1.7 generated in `tests/data/`: Poseidon hashes,
//! Baby Jubjub multiplication, addition and packing, and EdDSA-Poseidon keys, signatures and
//! rejections. The structs deny unknown fields, so a key added to a file fails here until a
//! test covers it.

use ark_ff::PrimeField;
use num_bigint::BigUint;
use serde::Deserialize;
use std::str::FromStr;
use tern_primitives::babyjubjub::{Point, Scalar, A, D, SUB_ORDER};
use tern_primitives::eddsa::{EddsaError, PrivateKey, PublicKey, Signature};
use tern_primitives::field::{fr_from_decimal, fr_to_decimal, modulus};
use tern_primitives::poseidon::poseidon;
use tern_primitives::Fr;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    generator: String,
    seed: String,
    field_modulus: String,
    notes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonPoint {
    x: String,
    y: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PoseidonFile {
    meta: Meta,
    vectors: Vec<PoseidonVector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PoseidonVector {
    inputs: Vec<String>,
    hash: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BabyJubjubFile {
    meta: Meta,
    curve: String,
    base8: JsonPoint,
    sub_order: String,
    scalar_mul: Vec<ScalarMulVector>,
    add: Vec<AddVector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScalarMulVector {
    scalar: String,
    point: JsonPoint,
    packed: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddVector {
    a: JsonPoint,
    b: JsonPoint,
    sum: JsonPoint,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EddsaFile {
    meta: Meta,
    vectors: Vec<EddsaVector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EddsaVector {
    #[serde(default)]
    private_key: Option<String>,
    public_key: JsonPoint,
    public_key_packed: String,
    message: String,
    signature: JsonSignature,
    signature_packed: String,
    valid: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonSignature {
    r8: JsonPoint,
    s: String,
}

fn load<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("read vector file");
    serde_json::from_str(&text).expect("parse vector file")
}

fn fr(s: &str) -> Fr {
    fr_from_decimal(s).expect("canonical decimal field element")
}

fn point(p: &JsonPoint) -> Point {
    Point { x: fr(&p.x), y: fr(&p.y) }
}

fn bytes<const N: usize>(hex_str: &str) -> [u8; N] {
    let raw = hex::decode(hex_str.strip_prefix("0x").expect("0x prefix")).expect("hex");
    raw.try_into().expect("length")
}

fn scalar_le_bytes(decimal: &str) -> [u8; 32] {
    let n = BigUint::from_str(decimal).expect("decimal scalar");
    let mut out = [0u8; 32];
    let le = n.to_bytes_le();
    out[..le.len()].copy_from_slice(&le);
    out
}

fn check_meta(meta: &Meta) {
    assert_eq!(meta.generator, "circomlibjs 0.1.7");
    assert_eq!(meta.seed, "shared");
    assert_eq!(meta.field_modulus, modulus().to_string());
    assert!(meta.notes.contains("little-endian"), "{}", meta.notes);
}

#[test]
fn poseidon_vectors() {
    let file: PoseidonFile = load("poseidon.json");
    check_meta(&file.meta);
    assert!(!file.vectors.is_empty());
    for (i, v) in file.vectors.iter().enumerate() {
        let inputs: Vec<Fr> = v.inputs.iter().map(|s| fr(s)).collect();
        let got = poseidon(&inputs).expect("arity 1..=12");
        assert_eq!(fr_to_decimal(&got), v.hash, "poseidon vector {i}");
    }
}

#[test]
fn babyjubjub_vectors() {
    let file: BabyJubjubFile = load("babyjubjub.json");
    check_meta(&file.meta);
    assert!(file.curve.contains("a=168700") && file.curve.contains("d=168696"));
    assert_eq!(A, Fr::from(168700u64));
    assert_eq!(D, Fr::from(168696u64));
    assert_eq!(point(&file.base8), Point::base8());
    assert_eq!(file.sub_order, SUB_ORDER.to_string());

    assert!(!file.scalar_mul.is_empty());
    for (i, v) in file.scalar_mul.iter().enumerate() {
        let expected = point(&v.point);
        let k_bytes = scalar_le_bytes(&v.scalar);
        let base8 = Point::base8();
        assert!(expected.is_on_curve(), "scalar_mul {i}");
        assert!(expected.in_prime_subgroup(), "scalar_mul {i}");
        assert_eq!(base8.mul_bytes_le(&k_bytes), expected, "scalar_mul {i}: variable base");
        let k = Scalar::from_le_bytes_mod_order(&k_bytes);
        assert_eq!(k.into_bigint().to_string(), v.scalar, "scalar below the subgroup order");
        assert_eq!(Point::mul_base8(&k), expected, "scalar_mul {i}: fixed base");
        assert_eq!(base8.mul_scalar(&k), expected, "scalar_mul {i}: mul_scalar");
        let packed: [u8; 32] = bytes(&v.packed);
        assert_eq!(expected.pack(), packed, "scalar_mul {i}: pack");
        assert_eq!(Point::unpack(&packed), Ok(expected), "scalar_mul {i}: unpack");
    }

    assert!(!file.add.is_empty());
    for (i, v) in file.add.iter().enumerate() {
        let (a, b, sum) = (point(&v.a), point(&v.b), point(&v.sum));
        assert!(a.is_on_curve() && b.is_on_curve() && sum.is_on_curve(), "add {i}");
        assert_eq!(a.add(&b), sum, "add {i}");
        assert_eq!(b.add(&a), sum, "add {i}: commuted");
    }
}

#[test]
fn eddsa_poseidon_vectors() {
    let file: EddsaFile = load("eddsa_poseidon.json");
    check_meta(&file.meta);
    let (mut valid, mut invalid) = (0, 0);
    for (i, v) in file.vectors.iter().enumerate() {
        let msg = fr(&v.message);
        let pk_point = point(&v.public_key);
        let sig = Signature {
            r8: point(&v.signature.r8),
            s: Scalar::from_bigint(
                BigUint::from_str(&v.signature.s)
                    .expect("decimal S")
                    .try_into()
                    .expect("S fits 256 bits"),
            )
            .expect("S below the subgroup order"),
        };
        let pk_packed: [u8; 32] = bytes(&v.public_key_packed);
        let sig_packed: [u8; 64] = bytes(&v.signature_packed);

        // The packed forms must describe the same key and signature as the decimal ones.
        assert_eq!(pk_point.pack(), pk_packed, "vector {i}: public key packing");
        assert_eq!(sig.pack(), sig_packed, "vector {i}: signature packing");
        let pk = PublicKey::unpack(&pk_packed).expect("vector public keys are valid points");
        assert_eq!(*pk.point(), pk_point, "vector {i}: public key unpacking");
        let unpacked_sig = Signature::unpack(&sig_packed);

        if v.valid {
            valid += 1;
            assert_eq!(unpacked_sig, Ok(sig), "vector {i}: signature unpacking");
            assert!(pk.verify(msg, &sig), "vector {i}: valid signature must verify");
            let sk = PrivateKey::from_bytes(bytes(
                v.private_key.as_deref().expect("valid vectors carry the private key"),
            ));
            assert_eq!(sk.public_key(), pk, "vector {i}: prv2pub");
            assert_eq!(sk.public_key().pack(), pk_packed, "vector {i}: prv2pub packed");
            let ours = sk.sign(msg);
            assert_eq!(ours, sig, "vector {i}: signPoseidon");
            assert_eq!(ours.pack(), sig_packed, "vector {i}: packSignature");
        } else {
            invalid += 1;
            assert!(v.private_key.is_none(), "vector {i}: invalid vectors carry no key");
            assert_eq!(
                pk.check(msg, &sig),
                Err(EddsaError::Mismatch),
                "vector {i}: invalid signature must be refused"
            );
            if let Ok(unpacked) = unpacked_sig {
                assert_eq!(unpacked, sig, "vector {i}: signature unpacking");
                assert!(!pk.verify(msg, &unpacked), "vector {i}: refused after unpacking too");
            }
        }
    }
    assert!(
        valid > 0 && invalid > 0,
        "the file holds both kinds ({valid} valid, {invalid} invalid)"
    );
}
