//! Progress reports from the staged prover ([`crate::fast::Prover`]).
//!
//! The library prints nothing: a caller that wants to show progress passes a [`Progress`]
//! observer, and the prover calls it at every stage boundary. The command line renders it as a
//! progress bar with an ETA; tests and libraries pass `&mut ()`, which ignores everything.
//!
//! A proof runs these stages, in this order:
//!
//! 1. [`Stage::Synthesis`]: the circuit is synthesised in prove mode, computing the assignment
//!    only (the constraint matrices were built once, ahead of time);
//! 2. [`Stage::WitnessMap`]: the R1CS-to-QAP witness map, seven FFTs over the evaluation
//!    domain, giving the coefficients of `h`;
//! 3. five multi-scalar multiplications, [`Msm::H`], [`Msm::L`], [`Msm::A`], [`Msm::BG1`],
//!    [`Msm::BG2`].
//!
//! Before the first stage the prover announces the whole plan with each stage's estimated
//! cost ([`Progress::plan`]), so an observer can show a fraction done and an ETA before any
//! stage finishes. The estimates are the predicted milliseconds on the reference machine of
//! `docs/performance.md` (2 cores); an ETA from the observed rate corrects for other machines.

use std::fmt;
use std::time::Duration;

/// The five multi-scalar multiplications of a Groth16 proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Msm {
    /// `h(x)·t(x)/δ` in G1, over the `h` coefficients (domain size − 1 dense scalars).
    H,
    /// The witness part of `C` in G1, over the witness assignment.
    L,
    /// `A` in G1, over the full assignment.
    A,
    /// `B` in G1 (needed for `C`), over the full assignment.
    BG1,
    /// `B` in G2, over the full assignment; the most expensive per point.
    BG2,
}

/// One stage of a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Synthesis of the assignment (no constraint matrices).
    Synthesis,
    /// The R1CS-to-QAP witness map (FFTs).
    WitnessMap,
    /// One multi-scalar multiplication.
    Msm(Msm),
}

impl Stage {
    /// Every stage, in the order a proof runs them.
    pub const ALL: [Stage; 7] = [
        Stage::Synthesis,
        Stage::WitnessMap,
        Stage::Msm(Msm::H),
        Stage::Msm(Msm::L),
        Stage::Msm(Msm::A),
        Stage::Msm(Msm::BG1),
        Stage::Msm(Msm::BG2),
    ];

    /// A short lower-case name: `synthesis`, `witness map`, `msm h`, …, `msm b (g2)`.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Synthesis => "synthesis",
            Stage::WitnessMap => "witness map (fft)",
            Stage::Msm(Msm::H) => "msm h",
            Stage::Msm(Msm::L) => "msm l",
            Stage::Msm(Msm::A) => "msm a",
            Stage::Msm(Msm::BG1) => "msm b (g1)",
            Stage::Msm(Msm::BG2) => "msm b (g2)",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Observer of a proof's progress. Every method has an empty default.
pub trait Progress {
    /// Called once, before the first stage: every stage with its estimated cost (predicted
    /// milliseconds on the reference machine; only the ratios matter).
    fn plan(&mut self, _stages: &[(Stage, u64)]) {}
    /// A stage begins.
    fn started(&mut self, _stage: Stage) {}
    /// A stage ended after `elapsed`.
    fn finished(&mut self, _stage: Stage, _elapsed: Duration) {}
    /// The proof is complete after `total`.
    fn done(&mut self, _total: Duration) {}
}

/// Ignores every report.
impl Progress for () {}

/// Records every report with its stage time: for tests and for benchmarks that print a
/// breakdown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorder {
    /// The plan, as announced.
    pub plan: Vec<(Stage, u64)>,
    /// Stages as they started.
    pub started: Vec<Stage>,
    /// Stages as they finished, with their times.
    pub finished: Vec<(Stage, Duration)>,
    /// The total, once done.
    pub total: Option<Duration>,
}

impl Progress for Recorder {
    fn plan(&mut self, stages: &[(Stage, u64)]) {
        self.plan = stages.to_vec();
    }
    fn started(&mut self, stage: Stage) {
        self.started.push(stage);
    }
    fn finished(&mut self, stage: Stage, elapsed: Duration) {
        self.finished.push((stage, elapsed));
    }
    fn done(&mut self, total: Duration) {
        self.total = Some(total);
    }
}

/// Relative cost model of the stages, in predicted nanoseconds on the reference machine.
///
/// `constraints` and `domain` (a power of two) size the synthesis and FFTs; `variables` and
/// `witnesses` size the MSMs. Coarse by design: it only positions a progress bar.
pub(crate) fn estimate(
    constraints: usize,
    domain: usize,
    variables: usize,
    witnesses: usize,
) -> Vec<(Stage, u64)> {
    // Costs per item measured on the quiet reference machine (capacity 32, 2 cores), in
    // nanoseconds. Two thirds of a witness's values are full-size field elements, so the
    // assignment MSMs cost most of what the dense `h` MSM costs per point; G2 about 2.2 times
    // G1.
    const SYNTHESIS_PER_CONSTRAINT: f64 = 830.0;
    const FFT_PER_BUTTERFLY: f64 = 15.0;
    const DENSE_G1_PER_POINT: f64 = 2_500.0;
    const SPARSE_G1_PER_POINT: f64 = 1_800.0;
    const SPARSE_G2_PER_POINT: f64 = 4_000.0;
    let log = f64::from(domain.max(2).ilog2());
    let ms = |ns: f64| ((ns / 1e6).ceil() as u64).max(1);
    let (c, d, v, w) = (constraints as f64, domain as f64, variables as f64, witnesses as f64);
    vec![
        (Stage::Synthesis, ms(c * SYNTHESIS_PER_CONSTRAINT)),
        (Stage::WitnessMap, ms(7.0 * d * log * FFT_PER_BUTTERFLY)),
        (Stage::Msm(Msm::H), ms(d * DENSE_G1_PER_POINT)),
        (Stage::Msm(Msm::L), ms(w * SPARSE_G1_PER_POINT)),
        (Stage::Msm(Msm::A), ms(v * SPARSE_G1_PER_POINT)),
        (Stage::Msm(Msm::BG1), ms(v * SPARSE_G1_PER_POINT)),
        (Stage::Msm(Msm::BG2), ms(v * SPARSE_G2_PER_POINT)),
    ]
}
