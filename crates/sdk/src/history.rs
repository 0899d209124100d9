//! A wallet's local record of what it submitted: the node's JSON-RPC has no account history,
//! so `tern wallet history` lists what this machine sent, one JSON line per transaction in
//! `DIR/<address>.jsonl`, and asks the node where each stands.

use crate::error::SdkError;
use alloy_primitives::Address;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One submitted transaction or L1 request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// `Transfer`, `Withdraw`, `Deposit`, ….
    pub kind: String,
    /// The L2 transaction hash, or the L1 transaction hash for L1 requests.
    pub hash: String,
    /// The priority request's serial id (deposits and full exits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_id: Option<u64>,
    /// A short human summary (`1.5 ETH to 0x…`).
    pub summary: String,
    /// Seconds since the Unix epoch when it was sent.
    pub time: u64,
}

/// The history file of one address.
#[derive(Debug, Clone)]
pub struct History {
    path: PathBuf,
}

impl History {
    /// The history of `address` in directory `dir` (created on the first append).
    pub fn new(dir: &Path, address: Address) -> Self {
        Self { path: dir.join(format!("{address:#x}.jsonl")) }
    }

    /// Appends an entry.
    pub fn append(&self, entry: &HistoryEntry) -> Result<(), SdkError> {
        let fail = |e: std::io::Error| SdkError::Config(format!("{}: {e}", self.path.display()));
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let line = serde_json::to_string(entry).map_err(|e| SdkError::Node(e.to_string()))?;
        let mut file =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.path).map_err(fail)?;
        writeln!(file, "{line}").map_err(fail)
    }

    /// Every entry, oldest first (none if the file does not exist; a damaged line is skipped).
    pub fn entries(&self) -> Result<Vec<HistoryEntry>, SdkError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(SdkError::Config(format!("{}: {e}", self.path.display()))),
        };
        Ok(text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let h = History::new(&dir.path().join("sub"), Address::repeat_byte(7));
        assert_eq!(h.entries().expect("empty"), vec![]);
        let e = HistoryEntry {
            kind: "Transfer".into(),
            hash: "0x01".into(),
            serial_id: None,
            summary: "1 ETH".into(),
            time: 5,
        };
        h.append(&e).expect("append");
        h.append(&HistoryEntry { serial_id: Some(3), ..e.clone() }).expect("append");
        let all = h.entries().expect("read");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], e);
        assert_eq!(all[1].serial_id, Some(3));
    }
}
