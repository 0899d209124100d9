//! The Poseidon gadget: circomlib's `Poseidon(n)` for 1 to 12 inputs as R1CS constraints.
//!
//! The gadget reads its round constants and MDS matrices from [`crate::poseidon::constants`],
//! the same tables the native hash uses, so the two cannot drift apart.
//!
//! # Cost
//!
//! Adding constants and multiplying by the MDS matrix are linear, hence free: they only build
//! linear combinations. Each S-box `x^5` costs three multiplications (`x²`, `x⁴`, `x⁴·x`). Full
//! rounds apply it to all `t = n + 1` elements, partial rounds to element 0 only, and the very
//! first S-box acts on the capacity element, which is still a constant (`0 + c`), so it is free.
//! With 8 full rounds the count is `3 · (8t + partial_rounds − 1)`:
//!
//! | inputs | width | constraints |
//! |---|---|---|
//! | 1 | 2 | 213 |
//! | 2 | 3 | 240 |
//! | 4 | 5 | 297 |
//!
//! Inputs that are constants stay constants through the rounds where only constants meet, so
//! hashing constants costs nothing.

use crate::field::Fr;
use crate::poseidon::{constants, MAX_INPUTS};
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;

/// `x^5` in three constraints (none if `x` is a constant).
fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// `row · state` as one linear combination (free); a constant if every element is one.
fn dot(row: &[Fr], state: &[FpVar<Fr>]) -> FpVar<Fr> {
    let mut constant = Fr::from(0u64);
    let mut coeffs = Vec::with_capacity(state.len());
    let mut vars: Vec<&AllocatedFp<Fr>> = Vec::with_capacity(state.len());
    for (m, s) in row.iter().zip(state) {
        match s {
            FpVar::Constant(c) => constant += *m * c,
            FpVar::Var(v) => {
                coeffs.push(*m);
                vars.push(v);
            }
        }
    }
    match AllocatedFp::linear_combination(coeffs, &vars) {
        None => FpVar::Constant(constant),
        Some(v) => FpVar::Var(v) + constant,
    }
}

/// circomlib's `Poseidon(n)` of `inputs` (1 to 12 field variables), equal to
/// [`crate::poseidon::poseidon`] on the same values.
///
/// Costs 240 constraints for 2 inputs and 297 for 4 (see the module docs); no constraints when
/// every input is a constant. Returns [`SynthesisError::Unsatisfiable`] for an empty input or
/// more than [`MAX_INPUTS`] inputs, since no circuit can hash them.
pub fn poseidon_var(inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let n = inputs.len();
    if n == 0 || n > MAX_INPUTS {
        return Err(SynthesisError::Unsatisfiable);
    }
    let width = n + 1;
    let (ark, mds, full_rounds, partial_rounds) =
        constants(width).map_err(|_| SynthesisError::Unsatisfiable)?;
    let half = full_rounds / 2;
    let rounds = full_rounds + partial_rounds;

    let mut state = Vec::with_capacity(width);
    state.push(FpVar::Constant(Fr::from(0u64)));
    state.extend_from_slice(inputs);

    for r in 0..rounds {
        let round_constants = &ark[r * width..(r + 1) * width];
        for (s, c) in state.iter_mut().zip(round_constants) {
            *s += *c;
        }
        if r < half || r >= half + partial_rounds {
            for s in state.iter_mut() {
                *s = sbox(s)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        if r + 1 == rounds {
            // Only element 0 of the last round is output: skip the other rows.
            return Ok(dot(&mds[..width], &state));
        }
        state = (0..width).map(|i| dot(&mds[i * width..(i + 1) * width], &state)).collect();
    }
    // `rounds` is at least one for every circomlib width, so the loop has returned.
    Err(SynthesisError::Unsatisfiable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_decimal;
    use crate::poseidon::poseidon;
    use ark_ff::UniformRand;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_r1cs_std::eq::EqGadget;
    use ark_r1cs_std::GR1CSVar;
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};

    fn witnesses(cs: &ConstraintSystemRef<Fr>, values: &[Fr]) -> Vec<FpVar<Fr>> {
        values.iter().map(|v| FpVar::new_witness(cs.clone(), || Ok(*v)).expect("witness")).collect()
    }

    /// Hashes `values` as witnesses; returns the output value and the constraints it cost.
    fn hash_in_circuit(values: &[Fr]) -> (Fr, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let inputs = witnesses(&cs, values);
        let out = poseidon_var(&inputs).expect("valid arity");
        let expected = poseidon(values).expect("valid arity");
        let expected_var = FpVar::new_input(cs.clone(), || Ok(expected)).expect("input");
        let before = cs.num_constraints();
        out.enforce_equal(&expected_var).expect("enforce");
        assert_eq!(cs.num_constraints(), before + 1);
        assert!(cs.is_satisfied().expect("satisfiable check"));
        (out.value().expect("value"), before)
    }

    #[test]
    fn equals_native_for_every_arity() {
        let mut rng = ark_std::test_rng();
        for n in 1..=MAX_INPUTS {
            for _ in 0..3 {
                let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let (got, count) = hash_in_circuit(&values);
                assert_eq!(Ok(got), poseidon(&values), "n={n}");
                let (_, _, full, partial) = constants(n + 1).expect("width");
                assert_eq!(count, 3 * (full * (n + 1) + partial - 1), "n={n}");
            }
        }
    }

    #[test]
    fn constraint_counts() {
        let counts: Vec<(usize, usize)> =
            (1..=MAX_INPUTS).map(|n| (n, hash_in_circuit(&vec![Fr::from(7u64); n]).1)).collect();
        for (n, c) in &counts {
            println!("poseidon_var with {n} inputs (t={}): {c} constraints", n + 1);
        }
        assert_eq!(counts[0].1, 213);
        assert_eq!(counts[1].1, 240);
        assert_eq!(counts[3].1, 297);
    }

    #[derive(serde::Deserialize)]
    struct Vector {
        inputs: Vec<String>,
        hash: String,
    }

    #[derive(serde::Deserialize)]
    struct File {
        vectors: Vec<Vector>,
    }

    #[test]
    fn reproduces_circomlibjs_vectors() {
        let file: File = serde_json::from_str(include_str!("../../tests/data/poseidon.json"))
            .expect("poseidon.json parses");
        assert!(!file.vectors.is_empty());
        for (i, v) in file.vectors.iter().enumerate() {
            let inputs: Vec<Fr> =
                v.inputs.iter().map(|s| fr_from_decimal(s).expect("field element")).collect();
            let expected = fr_from_decimal(&v.hash).expect("field element");
            let (got, _) = hash_in_circuit(&inputs);
            assert_eq!(got, expected, "vector {i}");
        }
    }

    #[test]
    fn constants_cost_nothing_and_mixed_inputs_work() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let values = [Fr::from(1u64), Fr::from(2u64), Fr::from(3u64)];
        let consts: Vec<FpVar<Fr>> = values.iter().map(|v| FpVar::Constant(*v)).collect();
        let out = poseidon_var(&consts).expect("arity 3");
        assert!(matches!(out, FpVar::Constant(_)));
        assert_eq!(out.value().expect("value"), poseidon(&values).expect("arity 3"));
        assert_eq!(cs.num_constraints(), 0);

        let mixed =
            vec![consts[0].clone(), witnesses(&cs, &values[1..2])[0].clone(), consts[2].clone()];
        let out = poseidon_var(&mixed).expect("arity 3");
        assert_eq!(out.value().expect("value"), poseidon(&values).expect("arity 3"));
        assert!(cs.is_satisfied().expect("satisfiable check"));
    }

    #[test]
    fn wrong_output_is_unsatisfied() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let values = [Fr::from(5u64), Fr::from(6u64)];
        let out = poseidon_var(&witnesses(&cs, &values)).expect("arity 2");
        let wrong = poseidon(&values).expect("arity 2") + Fr::from(1u64);
        let wrong = FpVar::new_input(cs.clone(), || Ok(wrong)).expect("input");
        out.enforce_equal(&wrong).expect("enforce");
        assert!(!cs.is_satisfied().expect("satisfiable check"));
    }

    #[test]
    fn setup_mode_builds_the_same_shape() {
        use ark_relations::gr1cs::SynthesisMode;
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        let inputs: Vec<FpVar<Fr>> = (0..2)
            .map(|_| FpVar::new_witness(cs.clone(), || Ok(Fr::from(0u64))).expect("witness"))
            .collect();
        let _hash = poseidon_var(&inputs).expect("arity 2");
        assert_eq!(cs.num_constraints(), 240);
    }

    #[test]
    fn rejects_bad_arity() {
        assert_eq!(poseidon_var(&[]).err(), Some(SynthesisError::Unsatisfiable));
        let many = vec![FpVar::Constant(Fr::from(1u64)); MAX_INPUTS + 1];
        assert_eq!(poseidon_var(&many).err(), Some(SynthesisError::Unsatisfiable));
    }
}
