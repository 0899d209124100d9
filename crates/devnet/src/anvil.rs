//! The devnet's L1: anvil as a child process, its state kept in the data directory.
//!
//! Anvil saves its chain (accounts, contracts, blocks and logs) to `state.json` every few
//! seconds and when it gets SIGTERM, and loads it on the next start, so a restarted devnet
//! resumes the same chain. Its pid is recorded: a devnet killed without a chance to stop anvil
//! leaves it running, and the next start stops that orphan (with SIGTERM, so its state is
//! saved) before it starts a new one.

use crate::DevnetError;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Where `npm ci` puts the pinned anvil, relative to the repository root.
pub const NPM_ANVIL: &str = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

/// Seconds between anvil's state snapshots: what a SIGKILL of the whole devnet can lose.
const STATE_INTERVAL_SECS: u64 = 2;

/// Finds anvil: `explicit`, then the npm package under the current directory or one of its
/// parents, then `anvil` on `PATH`.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, DevnetError> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(DevnetError::NoAnvil(format!("--anvil {} does not exist", path.display())))
        };
    }
    let mut dir = std::env::current_dir().ok();
    while let Some(d) = dir {
        let candidate = d.join(NPM_ANVIL);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).map(|d| d.join("anvil")).collect::<Vec<_>>());
    for candidate in on_path {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(DevnetError::NoAnvil(format!(
        "neither {NPM_ANVIL} nor `anvil` on PATH; run `npm ci` in the repository (it installs \
         the pinned @foundry-rs/anvil), or pass --l1-rpc URL of a running Ethereum node"
    )))
}

/// A running anvil.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    pid_file: PathBuf,
    url: String,
}

impl Anvil {
    /// Starts `bin` on 127.0.0.1:`port` with its state in `dir` (loaded if present), and waits
    /// until it answers.
    pub async fn start(bin: &Path, port: u16, dir: &Path) -> Result<Self, DevnetError> {
        std::fs::create_dir_all(dir).map_err(|e| DevnetError::io(dir, e))?;
        let pid_file = dir.join("anvil.pid");
        stop_orphan(&pid_file).await;
        // Something else on the port would answer the readiness check in anvil's place.
        if let Err(e) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            return Err(DevnetError::NoAnvil(format!(
                "port {port} is in use ({e}); stop what listens there, or move every port with \
                 --port-offset K"
            )));
        }
        let state = dir.join("state.json");
        let log_path = dir.join("anvil.log");
        let log = std::fs::File::create(&log_path).map_err(|e| DevnetError::io(&log_path, e))?;
        let log_err = log.try_clone().map_err(|e| DevnetError::io(&log_path, e))?;
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("--state")
            .arg(&state)
            .args(["--state-interval", &STATE_INTERVAL_SECS.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| DevnetError::NoAnvil(format!("starting {}: {e}", bin.display())))?;
        if let Some(pid) = child.id() {
            std::fs::write(&pid_file, pid.to_string())
                .map_err(|e| DevnetError::io(&pid_file, e))?;
        }
        let mut anvil = Self { child, pid_file, url: format!("http://127.0.0.1:{port}") };
        anvil.wait_ready(port, &log_path).await?;
        Ok(anvil)
    }

    /// Its JSON-RPC endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn wait_ready(&mut self, port: u16, log: &Path) -> Result<(), DevnetError> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let tail = std::fs::read_to_string(log).unwrap_or_default();
                return Err(DevnetError::NoAnvil(format!(
                    "anvil exited ({status}) at start: {}; is port {port} in use? (--port-offset \
                     K moves every port)",
                    tail.lines().last().unwrap_or("no output")
                )));
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(DevnetError::NoAnvil(format!(
                    "anvil did not listen on port {port} within 30 s (log: {})",
                    log.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops anvil with SIGTERM, so that it saves its state, and waits for it to exit.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGTERM);
            let exited = tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await;
            if exited.is_err() {
                tracing::warn!("anvil did not stop within 15 s of SIGTERM; killing it");
                let _ = self.child.kill().await;
            }
        }
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

/// Stops the anvil a previous devnet left running (killed before it could stop it).
async fn stop_orphan(pid_file: &Path) {
    let Some(pid) =
        std::fs::read_to_string(pid_file).ok().and_then(|s| s.trim().parse::<i32>().ok())
    else {
        return;
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    if !String::from_utf8_lossy(&cmdline).contains("anvil") {
        let _ = std::fs::remove_file(pid_file);
        return;
    }
    tracing::info!("stopping the anvil (pid {pid}) that a previous devnet left running");
    let pid = Pid::from_raw(pid);
    let _ = kill(pid, Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(15);
    while kill(pid, None).is_ok() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if kill(pid, None).is_ok() {
        let _ = kill(pid, Signal::SIGKILL);
    }
    let _ = std::fs::remove_file(pid_file);
}
