//! The generated Groth16 verifier on revm, with a toy circuit of one public input
//! (`y = x³ + x + 5`): a real proof passes; a tampered proof, a tampered input, an input ≥ r,
//! a coordinate ≥ q and another statement's proof fail; an invalid key is refused at
//! deployment; the audit source with constants behaves the same (compiled when solc-js is
//! installed, checked structurally otherwise). The gas of one verification is printed (run
//! with `--nocapture`) and bounded.

use alloy_primitives::{address, Address, U256};
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;
use tern_contracts::bindings::{GasProbe, Groth16Verifier};
use tern_contracts::verifier::{
    constructor_args, creation_code, encode_input, encode_proof, solidity_source, vk_words,
    VerifierError,
};
use tern_contracts::{Evm, EvmError};

const DEPLOYER: Address = address!("0x00000000000000000000000000000000000d0e01");

/// BN254 scalar field modulus r.
const R: U256 = alloy_primitives::uint!(
    21888242871839275222246405745257275088548364400416034343698204186575808495617_U256
);
/// BN254 base field modulus q.
const Q: U256 = alloy_primitives::uint!(
    21888242871839275222246405745257275088696311157297823662689037894645226208583_U256
);

/// Knows `x` with `x³ + x + 5 = y`, `y` public.
#[derive(Clone)]
struct Cubic {
    x: Option<Fr>,
}

impl ConstraintSynthesizer<Fr> for Cubic {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let y_val = self.x.map(|x| x * x * x + x + Fr::from(5u64));
        let y = FpVar::new_input(cs.clone(), || y_val.ok_or(SynthesisError::AssignmentMissing))?;
        let x = FpVar::new_witness(cs, || self.x.ok_or(SynthesisError::AssignmentMissing))?;
        let x3 = &x * &x * &x;
        (x3 + &x + FpVar::Constant(Fr::from(5u64))).enforce_equal(&y)
    }
}

fn cubic(x: u64) -> Fr {
    let x = Fr::from(x);
    x * x * x + x + Fr::from(5u64)
}

struct Toy {
    pk: ProvingKey<Bn254>,
    vk: VerifyingKey<Bn254>,
    /// Proof for x = 3 (y = 35).
    proof: Proof<Bn254>,
    /// Proof for x = 4 (y = 73).
    other: Proof<Bn254>,
}

fn toy() -> &'static Toy {
    static TOY: OnceLock<Toy> = OnceLock::new();
    TOY.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let (pk, vk) =
            Groth16::<Bn254>::circuit_specific_setup(Cubic { x: None }, &mut rng).expect("setup");
        let proof = Groth16::<Bn254>::prove(&pk, Cubic { x: Some(Fr::from(3u64)) }, &mut rng)
            .expect("prove");
        let other = Groth16::<Bn254>::prove(&pk, Cubic { x: Some(Fr::from(4u64)) }, &mut rng)
            .expect("prove");
        assert!(Groth16::<Bn254>::verify(&vk, &[cubic(3)], &proof).expect("verify"));
        Toy { pk, vk, proof, other }
    })
}

fn deploy(evm: &mut Evm, vk: &VerifyingKey<Bn254>) -> Address {
    let code = creation_code(vk).expect("one public input");
    let (addr, receipt) = evm.deploy(DEPLOYER, code).expect("deploy");
    println!("Groth16Verifier deployment gas: {}", receipt.gas_used);
    addr
}

fn verify(evm: &mut Evm, verifier: Address, proof: [U256; 8], input: U256) -> bool {
    evm.call(DEPLOYER, verifier, &Groth16Verifier::verifyProofCall { proof, input })
        .expect("verifyProof never reverts")
        .ret
}

#[test]
fn real_proof_passes_and_gas_is_within_budget() {
    let toy = toy();
    let mut evm = Evm::new();
    let verifier = deploy(&mut evm, &toy.vk);
    let proof = encode_proof(&toy.proof);
    let input = encode_input(&cubic(3));
    let call = Groth16Verifier::verifyProofCall { proof, input };
    let direct = evm.call(DEPLOYER, verifier, &call).expect("call");
    assert!(direct.ret);

    let (probe, _) = evm.deploy(DEPLOYER, GasProbe::BYTECODE.clone()).expect("probe");
    let measured = evm
        .call(DEPLOYER, probe, &GasProbe::measureVerifyCall { verifier, proof, input })
        .expect("probe call")
        .ret;
    assert!(measured.ok);
    let inner: u64 = measured.gasUsed.saturating_to();
    println!(
        "verifyProof gas: {inner} from a calling contract (the rollup's cost); {} as a whole \
         transaction (21,000 intrinsic and calldata included)",
        direct.gas_used
    );
    assert!(inner <= 250_000, "verification gas {inner} exceeds the 250,000 budget");
}

#[test]
fn verifying_key_reads_back() {
    let toy = toy();
    let mut evm = Evm::new();
    let verifier = deploy(&mut evm, &toy.vk);
    let got =
        evm.call(DEPLOYER, verifier, &Groth16Verifier::verifyingKeyCall {}).expect("call").ret;
    assert_eq!(got, vk_words(&toy.vk).expect("words"));
}

#[test]
fn tampered_proofs_fail() {
    let toy = toy();
    let mut evm = Evm::new();
    let verifier = deploy(&mut evm, &toy.vk);
    let input = encode_input(&cubic(3));
    let good = encode_proof(&toy.proof);
    assert!(verify(&mut evm, verifier, good, input));

    // A negated: a valid point, wrong proof.
    let mut negated = toy.proof.clone();
    negated.a = -negated.a;
    assert!(!verify(&mut evm, verifier, encode_proof(&negated), input));
    // A and C swapped.
    let mut swapped = toy.proof.clone();
    std::mem::swap(&mut swapped.a, &mut swapped.c);
    assert!(!verify(&mut evm, verifier, encode_proof(&swapped), input));
    // Each word changed by one: off the curve (the precompile refuses) or a wrong point.
    for i in 0..8 {
        let mut p = good;
        p[i] += U256::from(1);
        assert!(!verify(&mut evm, verifier, p, input), "word {i} + 1");
    }
    // B's coefficients in arkworks order (c0 before c1) instead of the EVM's.
    let mut b_swapped = good;
    b_swapped.swap(2, 3);
    b_swapped.swap(4, 5);
    assert!(!verify(&mut evm, verifier, b_swapped, input));
    // All zero: A and C at infinity.
    assert!(!verify(&mut evm, verifier, [U256::ZERO; 8], input));
}

#[test]
fn tampered_and_out_of_range_inputs_fail() {
    let toy = toy();
    let mut evm = Evm::new();
    let verifier = deploy(&mut evm, &toy.vk);
    let proof = encode_proof(&toy.proof);
    let input = encode_input(&cubic(3));
    assert!(!verify(&mut evm, verifier, proof, input + U256::from(1)));
    assert!(!verify(&mut evm, verifier, proof, U256::ZERO));
    // input + r is the same scalar mod r; the verifier must refuse the non-canonical form.
    assert!(!verify(&mut evm, verifier, proof, input + R));
    assert!(!verify(&mut evm, verifier, proof, R));
    assert!(!verify(&mut evm, verifier, proof, U256::MAX));
}

#[test]
fn coordinates_at_or_above_q_fail() {
    let toy = toy();
    let mut evm = Evm::new();
    let verifier = deploy(&mut evm, &toy.vk);
    let input = encode_input(&cubic(3));
    let good = encode_proof(&toy.proof);
    // Each coordinate + q names the same field element: refused as non-canonical.
    for i in 0..8 {
        let mut p = good;
        p[i] += Q;
        assert!(!verify(&mut evm, verifier, p, input), "word {i} + q");
    }
}

#[test]
fn another_statements_proof_fails() {
    let toy = toy();
    let mut evm = Evm::new();
    let verifier = deploy(&mut evm, &toy.vk);
    let other = encode_proof(&toy.other);
    assert!(verify(&mut evm, verifier, other, encode_input(&cubic(4))));
    assert!(!verify(&mut evm, verifier, other, encode_input(&cubic(3))));
    assert!(!verify(&mut evm, verifier, encode_proof(&toy.proof), encode_input(&cubic(4))));
}

#[test]
fn another_keys_proof_fails() {
    let toy = toy();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (_, vk2) =
        Groth16::<Bn254>::circuit_specific_setup(Cubic { x: None }, &mut rng).expect("setup");
    let mut evm = Evm::new();
    let verifier = deploy(&mut evm, &vk2);
    assert!(!verify(&mut evm, verifier, encode_proof(&toy.proof), encode_input(&cubic(3))));
    let _ = &toy.pk;
}

#[test]
fn invalid_verifying_keys_are_refused() {
    let toy = toy();
    let mut evm = Evm::new();
    let good = constructor_args(&toy.vk).expect("args");
    let mut cases = Vec::new();
    let mut c = good.clone();
    c.alpha[1] += U256::from(1); // off the curve
    cases.push(("alpha off the curve", c));
    let mut c = good.clone();
    c.beta[0] += U256::from(1); // off the twist
    cases.push(("beta off the curve", c));
    let mut c = good.clone();
    c.ic1[0] += Q; // non-canonical coordinate
    cases.push(("ic1.x + q", c));
    let mut c = good.clone();
    c.delta.swap(0, 1);
    c.delta.swap(2, 3); // arkworks order instead of the EVM's
    cases.push(("delta in c0, c1 order", c));
    for (what, args) in cases {
        let err = evm.deploy_with(DEPLOYER, &Groth16Verifier::BYTECODE, &args).expect_err(what);
        assert_eq!(
            err.decode_revert::<Groth16Verifier::Groth16VerifierErrors>(),
            Some(Groth16Verifier::Groth16VerifierErrors::InvalidVerifyingKey(
                Groth16Verifier::InvalidVerifyingKey {}
            )),
            "{what}: {err}"
        );
    }
    // Keys with a different number of public inputs are refused by the generator.
    let mut two = toy.vk.clone();
    two.gamma_abc_g1.push(two.gamma_abc_g1[1]);
    assert_eq!(constructor_args(&two).map(|_| ()), Err(VerifierError::PublicInputs(2)));
    let _: Result<(), EvmError> = Ok(());
}

/// Compiles `source` with the repository's pinned solc-js (`contracts/compile.js`), if Node.js
/// and `npm ci` are available; `None` otherwise.
fn compile_with_solc_js(source: &str) -> Option<serde_json::Value> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if !root.join("node_modules/solc").is_dir() {
        return None;
    }
    let mut child = Command::new("node")
        .arg("-e")
        .arg("require('./contracts/compile.js').compileStdin()")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(source.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    assert!(out.status.success(), "solc-js failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).expect("compiler output is JSON"))
}

#[test]
fn constant_source_matches_the_template_and_verifies() {
    let toy = toy();
    let src = solidity_source(&toy.vk).expect("render");
    let template = include_str!("../../../contracts/src/Groth16Verifier.sol");

    // Structure: no immutables, no constructor, the 18 key values as constants, and the
    // verification code identical to the committed template's.
    assert!(!src.contains("internal immutable"));
    assert!(!src.contains("constructor("));
    assert!(!src.contains("// BEGIN") && !src.contains("// END"));
    let words = vk_words(&toy.vk).expect("words");
    for w in words {
        assert!(src.contains(&format!(" = {w};")), "constant {w} missing");
    }
    assert_eq!(src.matches("uint256 internal constant").count(), 2 + 18);
    let tail =
        |s: &str| s[s.find("    /// @notice The verifying key").expect("marker")..].to_owned();
    assert_eq!(tail(&src), tail(template));

    let Some(out) = compile_with_solc_js(&src) else {
        println!("solc-js not installed (run `npm ci`): checked the generated source structurally");
        return;
    };
    let bytecode = out["Groth16Verifier"]["bytecode"].as_str().expect("bytecode");
    let code = alloy_primitives::hex::decode(bytecode).expect("hex");
    let mut evm = Evm::new();
    let (constant, receipt) = evm.deploy(DEPLOYER, code.into()).expect("deploy constant version");
    println!("constant-key verifier deployment gas: {}", receipt.gas_used);
    let immutable = deploy(&mut evm, &toy.vk);
    let proof = encode_proof(&toy.proof);
    let input = encode_input(&cubic(3));
    let call = Groth16Verifier::verifyProofCall { proof, input };
    let a = evm.call(DEPLOYER, constant, &call).expect("constant");
    let b = evm.call(DEPLOYER, immutable, &call).expect("immutable");
    assert!(a.ret && b.ret);
    println!("verifyProof transaction gas: constants {}, immutables {}", a.gas_used, b.gas_used);
    assert_eq!(a.gas_used, b.gas_used, "immutables cost the same as constants");
    let bad = Groth16Verifier::verifyProofCall { proof, input: input + U256::from(1) };
    assert!(!evm.call(DEPLOYER, constant, &bad).expect("constant").ret);
    let vk = evm.call(DEPLOYER, constant, &Groth16Verifier::verifyingKeyCall {}).expect("vk").ret;
    assert_eq!(vk, words);
}
