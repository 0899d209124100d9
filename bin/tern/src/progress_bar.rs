//! Renders the prover's stage reports (`tern_prover::progress`) as an `indicatif` progress bar
//! with an ETA, and logs each finished stage.
//!
//! The prover reports only stage boundaries, with a cost estimate per stage. Between them a
//! ticker thread moves the bar along the current stage's estimate, scaled by how the finished
//! stages compared with their estimates, so the bar and the ETA move smoothly. The bar draws
//! on stderr only when it is a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tern_prover::progress::{Progress, Stage};

/// What the ticker needs to interpolate.
#[derive(Default)]
struct Model {
    plan: Vec<(Stage, u64)>,
    /// Estimated ms of the finished stages, and their actual time.
    done_estimate: u64,
    done_actual: Duration,
    /// The running stage, its estimate and start.
    current: Option<(Stage, u64, Instant)>,
}

impl Model {
    fn total(&self) -> u64 {
        self.plan.iter().map(|(_, ms)| ms).sum()
    }

    /// Actual time per estimated ms so far (1 before any stage finished).
    fn scale(&self) -> f64 {
        if self.done_estimate == 0 {
            1.0
        } else {
            self.done_actual.as_secs_f64() * 1e3 / self.done_estimate as f64
        }
    }

    /// Estimated ms done, counting the running stage's expected progress (at most 99 %).
    fn position(&self) -> u64 {
        let running = self.current.map_or(0, |(_, ms, start)| {
            let expected = start.elapsed().as_secs_f64() * 1e3 / self.scale();
            expected.min(ms as f64 * 0.99) as u64
        });
        self.done_estimate + running
    }

    fn message(&self) -> String {
        let remaining = self.total().saturating_sub(self.position()) as f64 * self.scale();
        let stage = self.current.map_or("", |(s, _, _)| s.name());
        format!("{stage} · ETA {}", seconds(Duration::from_secs_f64(remaining / 1e3)))
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// A progress bar for one proof.
pub(crate) struct ProofBar {
    bar: ProgressBar,
    model: Arc<Mutex<Model>>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl ProofBar {
    pub(crate) fn new() -> Self {
        let bar = ProgressBar::new(1);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] [{wide_bar}] {percent:>3}% {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        let model = Arc::new(Mutex::new(Model::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (bar, model, stop) = (bar.clone(), model.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    {
                        let m = model.lock().unwrap_or_else(PoisonError::into_inner);
                        if !m.plan.is_empty() {
                            bar.set_position(m.position());
                            bar.set_message(m.message());
                        }
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        Self { bar, model, stop, ticker: Some(ticker) }
    }

    fn model(&self) -> std::sync::MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ProofBar {
    fn drop(&mut self) {
        self.stop();
        self.bar.finish_and_clear();
    }
}

impl Progress for ProofBar {
    fn plan(&mut self, stages: &[(Stage, u64)]) {
        let mut m = self.model();
        m.plan = stages.to_vec();
        self.bar.set_length(m.total().max(1));
        self.bar.set_position(0);
    }

    fn started(&mut self, stage: Stage) {
        let mut m = self.model();
        let estimate = m.plan.iter().find(|(s, _)| *s == stage).map_or(0, |(_, ms)| *ms);
        m.current = Some((stage, estimate, Instant::now()));
    }

    fn finished(&mut self, stage: Stage, elapsed: Duration) {
        {
            let mut m = self.model();
            let estimate = m.current.take().map_or(0, |(_, ms, _)| ms);
            m.done_estimate += estimate;
            m.done_actual += elapsed;
            self.bar.set_position(m.done_estimate);
        }
        self.bar.suspend(|| tracing::info!("  {stage}: {}", seconds(elapsed)));
    }

    fn done(&mut self, total: Duration) {
        self.stop();
        self.bar.finish_and_clear();
        tracing::info!("proof done in {}", seconds(total));
    }
}
