//! The prover benchmark behind `tern prover bench`: setup, matrix building and proofs of a
//! full sample block ([`crate::sample`]) at one capacity, timed, with the peak memory of each
//! phase.
//!
//! Peak memory is the process's `VmHWM` from `/proc/self/status` (Linux). Before each phase
//! the high-water mark is reset by writing `5` to `/proc/self/clear_refs`, so each phase's
//! figure is its own peak; where that is not possible the figures are cumulative and
//! [`BenchReport::peak_reset`] says so.

use crate::sample::sample_block;
use ark_bn254::Bn254;
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::{Duration, Instant};
use tern_circuit::block::BlockCircuit;
use tern_circuit::witness::generate_witness;
use tern_primitives::Fr;
use tern_prover::progress::{Progress, Recorder, Stage};
use tern_prover::staged::{
    assignment, prove_staged, scalar_profile, ConstraintMatrices, ScalarProfile,
};
use tern_prover::{dev_setup, prove, verify, ProverError};

/// Why the benchmark stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Proving failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// The sample block could not be built.
    #[error(transparent)]
    Sample(#[from] crate::sample::SampleError),
    /// The witness could not be generated.
    #[error("witness: {0}")]
    Witness(String),
    /// A proof the benchmark made does not verify.
    #[error("the {0} proof does not verify")]
    NotVerified(&'static str),
}

/// A phase of the benchmark, announced before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The INSECURE dev setup (key generation).
    Setup,
    /// Building the constraint matrices (setup-mode synthesis).
    Matrices,
    /// Building the sample block and its witness.
    Witness,
    /// A proof with the matrices reused ([`prove_staged`]).
    ProveStaged,
    /// A proof with stock `Groth16::prove` ([`tern_prover::prove`]).
    ProveStock,
    /// A proof with ark's `create_proof_with_reduction_and_matrices` on the reused matrices
    /// (matrix reuse without this crate's MSM).
    ProveArkMatrices,
}

/// What to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchOptions {
    /// The circuit's capacity in chunks.
    pub capacity: usize,
    /// Seed of the dev setup and of the sample block.
    pub seed: u64,
    /// Also prove with stock `Groth16::prove` and with ark's matrix prover, for comparison.
    pub stock: bool,
}

/// Time and peak memory of one phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measured {
    /// Wall-clock time.
    pub time: Duration,
    /// CPU time of the whole process (all threads, user and system) during the phase, where
    /// `/proc` has it: on a busy machine wall-clock time includes waiting for other
    /// processes, CPU time does not.
    pub cpu: Option<Duration>,
    /// Peak resident memory during the phase (or, without reset, of the process so far), KiB.
    pub peak_kib: Option<u64>,
}

/// The benchmark's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchReport {
    /// Capacity in chunks.
    pub capacity: usize,
    /// Constraints.
    pub constraints: usize,
    /// Variables, including the constant one.
    pub variables: usize,
    /// Non-zero matrix entries.
    pub non_zeros: usize,
    /// The FFT domain size.
    pub domain: usize,
    /// Transfers in the sample block.
    pub transfers: usize,
    /// Rayon threads the prover used.
    pub threads: usize,
    /// Whether each phase's peak memory is its own (the high-water mark could be reset).
    pub peak_reset: bool,
    /// Key generation.
    pub setup: Measured,
    /// Building the matrices once.
    pub matrices: Measured,
    /// Building the sample block and its witness.
    pub witness: Measured,
    /// Proving with the matrices reused.
    pub staged: Measured,
    /// Its stages.
    pub stages: Vec<(Stage, Duration)>,
    /// Proving with stock `Groth16::prove`, if asked for.
    pub stock: Option<Measured>,
    /// Proving with ark's `create_proof_with_reduction_and_matrices` on the reused matrices
    /// (the assignment's synthesis included), if asked for.
    pub ark_matrices: Option<Measured>,
    /// The sizes of the assignment's values (the witness, and the instance but the one).
    pub scalars: ScalarProfile,
}

impl BenchReport {
    /// Constraints proven per second with the matrices reused.
    pub fn constraints_per_second(&self) -> f64 {
        self.constraints as f64 / self.staged.time.as_secs_f64()
    }

    /// [`Self::constraints_per_second`] divided by the prover's threads.
    pub fn constraints_per_second_per_core(&self) -> f64 {
        self.constraints_per_second() / self.threads.max(1) as f64
    }

    /// Constraints proven per CPU-second with the matrices reused: what one core would
    /// achieve with the machine to itself and perfect parallel scaling (an upper bound).
    pub fn constraints_per_cpu_second(&self) -> Option<f64> {
        self.staged.cpu.map(|cpu| self.constraints as f64 / cpu.as_secs_f64())
    }

    /// Transfers proven per second with the matrices reused.
    pub fn transfers_per_second(&self) -> f64 {
        self.transfers as f64 / self.staged.time.as_secs_f64()
    }
}

/// The process's peak resident memory so far (`VmHWM`), in KiB, where `/proc` has it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time the process has used so far (user and system, all threads), from
/// `/proc/self/stat` in clock ticks of 10 ms (Linux's `USER_HZ` on x86-64).
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3; utime and
    // stime are fields 14 and 15.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Resets the peak resident memory to the current one; false where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Runs `f` as a measured phase.
fn measure<T>(reset: bool, f: impl FnOnce() -> T) -> (T, Measured) {
    if reset {
        reset_peak_rss();
    }
    let cpu0 = cpu_time();
    let t = Instant::now();
    let out = f();
    let time = t.elapsed();
    let cpu = cpu_time().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
    (out, Measured { time, cpu, peak_kib: peak_rss_kib() })
}

/// Runs the benchmark: announces each [`Phase`] to `on_phase` and the staged proof's stages
/// to `progress`.
pub fn run(
    options: BenchOptions,
    on_phase: &mut dyn FnMut(Phase),
    progress: &mut dyn Progress,
) -> Result<BenchReport, BenchError> {
    let capacity = options.capacity;
    let reset = reset_peak_rss();

    on_phase(Phase::Setup);
    let (keys, setup) = measure(reset, || dev_setup(capacity, options.seed));
    let keys = keys?;

    on_phase(Phase::Matrices);
    let (matrices, built) = measure(reset, || ConstraintMatrices::build(capacity));
    let matrices = matrices?;
    matrices.check_keys(&keys)?;

    on_phase(Phase::Witness);
    let (witness, witnessed) = measure(reset, || -> Result<_, BenchError> {
        let sample = sample_block(capacity, options.seed)?;
        let witness = generate_witness(&sample.pre_state, &sample.block, &sample.txs)
            .map_err(|e| BenchError::Witness(e.to_string()))?;
        Ok((sample, witness))
    });
    let (sample, witness) = witness?;
    let input = sample.block.public_input().map_err(ProverError::from)?;
    let full = assignment(&matrices, BlockCircuit::with_witness(witness.clone()))?;
    let scalars = scalar_profile(&full[1..]);
    drop(full);

    on_phase(Phase::ProveStaged);
    let mut recorder = Tee { recorder: Recorder::default(), inner: progress };
    let mut rng = ChaCha20Rng::seed_from_u64(options.seed);
    let circuit = BlockCircuit::with_witness(witness.clone());
    let (proof, staged) =
        measure(reset, || prove_staged(&keys, &matrices, circuit, &mut rng, &mut recorder));
    if !verify(&keys.vk, input, &proof?)? {
        return Err(BenchError::NotVerified("staged"));
    }

    let ark_matrices = if options.stock {
        on_phase(Phase::ProveArkMatrices);
        let mut rng = ChaCha20Rng::seed_from_u64(options.seed);
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let circuit = BlockCircuit::with_witness(witness.clone());
        let (proof, measured) = measure(reset, || -> Result<_, ProverError> {
            let full = assignment(&matrices, circuit)?;
            Ok(Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
                &keys.pk,
                r,
                s,
                matrices.abc(),
                matrices.num_instance_variables,
                matrices.num_constraints,
                &full,
            )?)
        });
        if !verify(&keys.vk, input, &proof?)? {
            return Err(BenchError::NotVerified("ark matrix"));
        }
        Some(measured)
    } else {
        None
    };

    let stock = if options.stock {
        on_phase(Phase::ProveStock);
        let mut rng = ChaCha20Rng::seed_from_u64(options.seed);
        let circuit = BlockCircuit::with_witness(witness);
        let (proof, stock) = measure(reset, || prove(&keys, circuit, &mut rng));
        if !verify(&keys.vk, input, &proof?)? {
            return Err(BenchError::NotVerified("stock"));
        }
        Some(stock)
    } else {
        None
    };

    Ok(BenchReport {
        capacity,
        constraints: matrices.num_constraints,
        variables: matrices.num_variables(),
        non_zeros: matrices.non_zeros(),
        domain: matrices.domain_size()?,
        transfers: sample.transfers(),
        threads: rayon::current_num_threads(),
        peak_reset: reset,
        setup,
        matrices: built,
        witness: witnessed,
        staged,
        stages: recorder.recorder.finished,
        stock,
        ark_matrices,
        scalars,
    })
}

/// Records the stages and forwards them.
struct Tee<'a> {
    recorder: Recorder,
    inner: &'a mut dyn Progress,
}

impl Progress for Tee<'_> {
    fn plan(&mut self, stages: &[(Stage, u64)]) {
        self.recorder.plan(stages);
        self.inner.plan(stages);
    }
    fn started(&mut self, stage: Stage) {
        self.recorder.started(stage);
        self.inner.started(stage);
    }
    fn finished(&mut self, stage: Stage, elapsed: Duration) {
        self.recorder.finished(stage, elapsed);
        self.inner.finished(stage, elapsed);
    }
    fn done(&mut self, total: Duration) {
        self.recorder.done(total);
        self.inner.done(total);
    }
}
