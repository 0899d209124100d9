//! The devnet's INSECURE proving keys: the block circuit of its capacity and the two exit
//! circuits, generated on first start from a fixed seed and cached in the data directory with
//! their SHA-256 (`tern_prover`'s key files). Whoever knows the seed can forge proofs, which
//! is fine for a devnet and fatal anywhere else.

use crate::{DevnetError, Event, Report};
use std::path::Path;
use std::time::{Duration, Instant};
use tern_prover::exit::{
    dev_exit_setup, read_exit_verifying_key, write_exit_keys, ExitKind, NftExit, TokenExit,
};

/// The seed of the devnet's toxic waste (the same as `tern prover setup`'s default).
pub const DEV_SEED: u64 = 42;

/// One key generation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyJob {
    /// The block circuit of a capacity.
    Block(usize),
    /// The token exit circuit.
    Exit,
    /// The NFT exit circuit.
    NftExit,
}

impl KeyJob {
    /// What this machine's 2 cores took, roughly (`docs/performance.md`): enough for an ETA.
    pub fn estimate(self) -> Duration {
        match self {
            KeyJob::Block(capacity) => Duration::from_millis(6_000 + 1_550 * capacity as u64),
            KeyJob::Exit | KeyJob::NftExit => Duration::from_secs(25),
        }
    }

    /// A label for progress lines.
    pub fn label(self) -> String {
        match self {
            KeyJob::Block(capacity) => format!("block circuit, capacity {capacity}"),
            KeyJob::Exit => "token exit circuit".into(),
            KeyJob::NftExit => "NFT exit circuit".into(),
        }
    }
}

/// The jobs still to run for `dir`: the keys that are missing or whose files do not match
/// their SHA-256.
pub fn missing(dir: &Path, capacity: usize) -> Vec<KeyJob> {
    let mut jobs = Vec::new();
    if tern_prover::read_verifying_key(dir, capacity).is_err() {
        jobs.push(KeyJob::Block(capacity));
    }
    if read_exit_verifying_key::<TokenExit>(dir).is_err() {
        jobs.push(KeyJob::Exit);
    }
    if read_exit_verifying_key::<NftExit>(dir).is_err() {
        jobs.push(KeyJob::NftExit);
    }
    jobs
}

/// Generates the missing keys into `dir`, reporting each step. Blocking: minutes of CPU.
pub fn ensure(dir: &Path, capacity: usize, report: &Report) -> Result<(), DevnetError> {
    let jobs = missing(dir, capacity);
    if jobs.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| DevnetError::io(dir, e))?;
    tracing::warn!(
        "generating INSECURE development keys (seed {DEV_SEED}): anyone who knows the seed can \
         forge proofs; never use them for real funds"
    );
    report(Event::KeysPlanned(jobs.clone()));
    for job in jobs {
        report(Event::KeyStarted(job));
        let started = Instant::now();
        match job {
            KeyJob::Block(capacity) => {
                let keys = tern_prover::dev_setup(capacity, DEV_SEED).map_err(DevnetError::keys)?;
                tern_prover::write_keys(&keys, dir).map_err(DevnetError::keys)?;
            }
            KeyJob::Exit => exit_keys::<TokenExit>(dir)?,
            KeyJob::NftExit => exit_keys::<NftExit>(dir)?,
        }
        report(Event::KeyDone(job, started.elapsed()));
    }
    Ok(())
}

fn exit_keys<K: ExitKind>(dir: &Path) -> Result<(), DevnetError> {
    let keys = dev_exit_setup::<K>(DEV_SEED).map_err(DevnetError::keys)?;
    write_exit_keys(&keys, dir).map_err(DevnetError::keys)?;
    Ok(())
}
