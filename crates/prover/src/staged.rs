//! Proving with the constraint matrices built once per capacity, in observable stages.
//!
//! Stock `Groth16::prove` synthesises the circuit with its constraint matrices for every proof
//! and inlines all linear combinations again, although the matrices depend only on the
//! capacity. Here [`ConstraintMatrices::build`] makes them once, from a setup-mode synthesis
//! (no witness), and every proof then synthesises the **assignment only**
//! (`SynthesisMode::Prove { construct_matrices: false, .. }`).
//!
//! [`prove_staged`] computes exactly what ark-groth16 0.6's
//! `Groth16::create_proof_with_reduction_and_matrices` computes: ark's own witness map
//! (`LibsnarkReduction::witness_map_from_matrices`), then the five multi-scalar
//! multiplications of the Groth16 prover over the proving key's queries, with the same `r` and
//! `s` drawn from the RNG in the same order as `Groth16::prove`. It runs them one at a time so
//! that a [`Progress`] observer hears of each stage; ark's function is a single call. The
//! MSMs are [`crate::msm::msm`] (batch-affine buckets, faster than ark's on full-size
//! scalars), which give the same group elements. The tests check that the proofs are
//! identical, byte for byte, to both ark functions'.
//!
//! Unlike stock Groth16, which turns an unsatisfied witness into a proof that fails
//! verification, [`prove_staged`] checks every constraint against the assignment first (a
//! cheap pass over the matrices) and refuses with [`ProverError::Unsatisfied`], naming the
//! first failing constraint.

use crate::msm::msm;
use crate::progress::{estimate, Msm, Progress, Stage};
use crate::{Keys, ProverError};
use ark_bn254::{Bn254, G1Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::CurveGroup;
use ark_ff::{BigInteger, BigInteger256, PrimeField, UniformRand, Zero};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::Proof;
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use ark_std::rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use std::time::Instant;
use tern_circuit::block::BlockCircuit;
use tern_primitives::Fr;

/// The R1CS matrices `A`, `B`, `C` of the block circuit of one capacity, with its sizes.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintMatrices {
    /// The circuit's number of chunk slots.
    pub capacity: usize,
    /// Instance variables, including the constant one (so 2: one and the commitment).
    pub num_instance_variables: usize,
    /// Witness variables.
    pub num_witness_variables: usize,
    /// Constraints (rows of each matrix).
    pub num_constraints: usize,
    /// `A`, `B` and `C`, row by row: `(coefficient, variable index)`, with the instance
    /// variables first.
    abc: Vec<Matrix<Fr>>,
}

impl ConstraintMatrices {
    /// Synthesises [`BlockCircuit::setup`] of `capacity` in setup mode (no witness), inlines
    /// its linear combinations and extracts the matrices, as Groth16's key generation does.
    pub fn build(capacity: usize) -> Result<Self, ProverError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        BlockCircuit::setup(capacity).generate_constraints(cs.clone())?;
        cs.finalize();
        let abc = cs
            .to_matrices()?
            .remove(R1CS_PREDICATE_LABEL)
            .filter(|m| m.len() == 3)
            .ok_or(ProverError::NotR1cs)?;
        Ok(Self {
            capacity,
            num_instance_variables: cs.num_instance_variables(),
            num_witness_variables: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
            abc,
        })
    }

    /// `A`, `B` and `C`, in the form ark-groth16's matrix functions take.
    pub fn abc(&self) -> &[Matrix<Fr>] {
        &self.abc
    }

    /// All variables, including the constant one.
    pub fn num_variables(&self) -> usize {
        self.num_instance_variables + self.num_witness_variables
    }

    /// Non-zero entries of `A`, `B` and `C` together.
    pub fn non_zeros(&self) -> usize {
        self.abc.iter().flatten().map(Vec::len).sum()
    }

    /// The size of the QAP evaluation domain: the next power of two of constraints plus
    /// instance variables.
    pub fn domain_size(&self) -> Result<usize, ProverError> {
        GeneralEvaluationDomain::<Fr>::new(self.num_constraints + self.num_instance_variables)
            .map(|d| d.size())
            .ok_or(ProverError::DomainTooLarge)
    }

    /// Checks that `keys` were made for this constraint system: same capacity and the query
    /// lengths Groth16's key generation gives these sizes.
    pub fn check_keys(&self, keys: &Keys) -> Result<(), ProverError> {
        if keys.capacity != self.capacity {
            return Err(ProverError::CapacityMismatch {
                keys: keys.capacity,
                circuit: self.capacity,
            });
        }
        let pk = &keys.pk;
        let domain = self.domain_size()?;
        let expected = [
            ("a_query", pk.a_query.len(), self.num_variables()),
            ("b_g1_query", pk.b_g1_query.len(), self.num_variables()),
            ("b_g2_query", pk.b_g2_query.len(), self.num_variables()),
            ("l_query", pk.l_query.len(), self.num_witness_variables),
            ("h_query", pk.h_query.len(), domain - 1),
            ("gamma_abc_g1", pk.vk.gamma_abc_g1.len(), self.num_instance_variables),
        ];
        for (what, keys, circuit) in expected {
            if keys != circuit {
                return Err(ProverError::KeyShapeMismatch { what, keys, circuit });
            }
        }
        Ok(())
    }

    /// Index of the first constraint that `full` (the constant one, the instance, then the
    /// witness) does not satisfy, if any.
    pub fn first_unsatisfied(&self, full: &[Fr]) -> Option<usize> {
        let eval = |row: &[(Fr, usize)]| -> Fr {
            row.iter().map(|(c, i)| full.get(*i).map_or(Fr::zero(), |v| *c * v)).sum()
        };
        let [a, b, c] = [&self.abc[0], &self.abc[1], &self.abc[2]];
        (0..self.num_constraints)
            .into_par_iter()
            .find_first(|&i| eval(&a[i]) * eval(&b[i]) != eval(&c[i]))
    }
}

/// Synthesises `circuit` in prove mode **without** matrices and returns its full assignment
/// (the constant one, the instance, then the witness), checked against the sizes of
/// `matrices`.
pub fn assignment(
    matrices: &ConstraintMatrices,
    circuit: BlockCircuit,
) -> Result<Vec<Fr>, ProverError> {
    if circuit.capacity != matrices.capacity {
        return Err(ProverError::CapacityMismatch {
            keys: matrices.capacity,
            circuit: circuit.capacity,
        });
    }
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
    circuit.generate_constraints(cs.clone())?;
    let mut assignments = match cs.into_inner() {
        Some(inner) => inner.assignments,
        None => return Err(ProverError::NotR1cs),
    };
    let (instance, witness) =
        (&mut assignments.instance_assignment, &mut assignments.witness_assignment);
    for (what, got, want) in [
        ("instance variables", instance.len(), matrices.num_instance_variables),
        ("witness variables", witness.len(), matrices.num_witness_variables),
    ] {
        if got != want {
            return Err(ProverError::KeyShapeMismatch { what, keys: want, circuit: got });
        }
    }
    instance.append(witness);
    Ok(std::mem::take(instance))
}

/// Runs `f` as `stage`, reporting its start and end to `progress`.
fn stage<T>(progress: &mut dyn Progress, stage: Stage, f: impl FnOnce() -> T) -> T {
    progress.started(stage);
    let t = Instant::now();
    let out = f();
    progress.finished(stage, t.elapsed());
    out
}

/// Proves `circuit` (built with [`BlockCircuit::with_witness`]) under `keys`, reusing
/// `matrices` (built for the keys' capacity), reporting each stage to `progress`.
///
/// Draws `r` and `s` from `rng` as `Groth16::prove` does, so the same RNG state gives the same
/// proof as [`crate::prove`]. Refuses a witness that does not satisfy the circuit.
pub fn prove_staged<R: RngCore + CryptoRng>(
    keys: &Keys,
    matrices: &ConstraintMatrices,
    circuit: BlockCircuit,
    rng: &mut R,
    progress: &mut dyn Progress,
) -> Result<Proof<Bn254>, ProverError> {
    matrices.check_keys(keys)?;
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let domain = matrices.domain_size()?;
    let total = Instant::now();
    progress.plan(&estimate(
        matrices.num_constraints,
        domain,
        matrices.num_variables(),
        matrices.num_witness_variables,
    ));

    let full = stage(progress, Stage::Synthesis, || -> Result<Vec<Fr>, ProverError> {
        let full = assignment(matrices, circuit)?;
        match matrices.first_unsatisfied(&full) {
            Some(constraint) => Err(ProverError::Unsatisfied { constraint }),
            None => Ok(full),
        }
    })?;
    let proof = prove_assignment(keys, matrices, r, s, &full, progress)?;
    progress.done(total.elapsed());
    Ok(proof)
}

/// The Groth16 prover after synthesis: the witness map and the five MSMs, each a stage.
fn prove_assignment(
    keys: &Keys,
    matrices: &ConstraintMatrices,
    r: Fr,
    s: Fr,
    full: &[Fr],
    progress: &mut dyn Progress,
) -> Result<Proof<Bn254>, ProverError> {
    let pk = &keys.pk;
    let num_inputs = matrices.num_instance_variables;
    let h = stage(progress, Stage::WitnessMap, || {
        LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            matrices.abc(),
            num_inputs,
            matrices.num_constraints,
            full,
        )
    })?;

    let h_acc = stage(progress, Stage::Msm(Msm::H), || {
        let h: Vec<BigInteger256> = h.par_iter().map(|x| x.into_bigint()).collect();
        msm(&pk.h_query, &h)
    });
    drop(h);

    // Every variable but the constant one, as integers: the instance, then the witness.
    let assignment: Vec<BigInteger256> = full[1..].par_iter().map(|x| x.into_bigint()).collect();
    let aux = &assignment[num_inputs - 1..];

    let l_acc = stage(progress, Stage::Msm(Msm::L), || msm(&pk.l_query, aux));

    // A = α + Σ aᵢ·zᵢ + r·δ, in G1.
    let g_a = stage(progress, Stage::Msm(Msm::A), || {
        linear(pk.delta_g1 * r, &pk.a_query, pk.vk.alpha_g1, &assignment)
    });

    // B = β + Σ bᵢ·zᵢ + s·δ, in G1 (for C) and in G2.
    let g1_b = stage(progress, Stage::Msm(Msm::BG1), || {
        if r.is_zero() {
            G1Projective::zero()
        } else {
            linear(pk.delta_g1 * s, &pk.b_g1_query, pk.beta_g1, &assignment)
        }
    });
    let g2_b = stage(progress, Stage::Msm(Msm::BG2), || {
        linear(pk.vk.delta_g2 * s, &pk.b_g2_query, pk.vk.beta_g2, &assignment)
    });

    // C = s·A + r·B₁ − r·s·δ + L + H.
    let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + l_acc + h_acc;
    Ok(Proof { a: g_a.into_affine(), b: g2_b.into_affine(), c: g_c.into_affine() })
}

/// `initial + query[0] + Σ query[i+1]·assignment[i] + param`: one Groth16 linear combination
/// (`query[0]` is the constant one's base).
fn linear<P>(
    initial: Projective<P>,
    query: &[Affine<P>],
    param: Affine<P>,
    assignment: &[BigInteger256],
) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
{
    let (first, rest) = match query.split_first() {
        Some((first, rest)) => (*first, rest),
        None => return initial + param,
    };
    initial + first + msm(rest, assignment) + param
}

/// How the assignment's values split by size, which decides the cost of the assignment MSMs:
/// zeros cost nothing, `±1` one addition, small values a few, full-size values a whole
/// Pippenger share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScalarProfile {
    /// Zeros.
    pub zero: usize,
    /// `1` or `−1`.
    pub one: usize,
    /// Other values below 2⁶⁴ in absolute value (as `x` or `−x`).
    pub small: usize,
    /// Everything else.
    pub big: usize,
}

/// The [`ScalarProfile`] of `values`.
pub fn scalar_profile(values: &[Fr]) -> ScalarProfile {
    let one = Fr::from(1u64);
    let mut p = ScalarProfile::default();
    for v in values {
        if v.is_zero() {
            p.zero += 1;
        } else if *v == one || *v == -one {
            p.one += 1;
        } else if v.into_bigint().num_bits() <= 64 || (-*v).into_bigint().num_bits() <= 64 {
            p.small += 1;
        } else {
            p.big += 1;
        }
    }
    p
}
