//! The L1 sender and watcher against a scripted L1 (a fake `L1Port`, inside this test only)
//! and a real SQLite database: a crash between saving and broadcasting, a stuck transaction
//! resent with a higher fee, a revert that halts the sender, the one-call path, nonces across
//! restarts, a reorg under the watcher's cursor, and on-chain ChangePubKey facts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tern_l1::{L1Event, L1EventKind, PriorityRequest};
use tern_node::l1::{Broadcast, L1Fees, L1Port, L1Receipt, PortError, SignedL1Tx};
use tern_node::metrics::Metrics;
use tern_node::node::NodeCore;
use tern_node::sender::{Sender, SenderConfig, SenderStep};
use tern_node::sequencer::{MempoolLimits, SealOutcome, Sequencer, SequencerConfig};
use tern_node::watcher::{WatchStep, Watcher, WatcherConfig};
use tern_primitives::Address;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{ChainConfig, PriorityOp, State};
use tern_storage::{
    BlockStore, L1OpKind, L1OpStatus, L1Stage, L1TxStore, PriorityStore, ProverJobStore, SqlStore,
    StoredPriorityOp, WatchedRange, WatcherStore,
};
use tern_types::{AccountId, ETH};

#[derive(Default)]
struct Chain {
    head: u64,
    hashes: BTreeMap<u64, [u8; 32]>,
    events: Vec<L1Event>,
    receipts: BTreeMap<[u8; 32], L1Receipt>,
    broadcasts: Vec<[u8; 32]>,
    signed: Vec<(u64, L1Fees)>,
    pending_nonce: u64,
    broadcast_fails: bool,
}

/// A scripted L1: the test decides what is mined and when.
#[derive(Clone, Default)]
struct FakeL1(Arc<Mutex<Chain>>);

impl FakeL1 {
    fn with<T>(&self, f: impl FnOnce(&mut Chain) -> T) -> T {
        f(&mut self.0.lock().expect("lock"))
    }

    fn mine(&self, hash: [u8; 32], success: bool) {
        self.with(|c| {
            c.head += 1;
            let block_number = c.head;
            c.receipts.insert(hash, L1Receipt { block_number, success, gas_used: 1 });
        });
    }

    fn advance(&self, blocks: u64) {
        self.with(|c| c.head += blocks);
    }
}

fn block_hash(n: u64, fork: u8) -> [u8; 32] {
    let mut h = [fork; 32];
    h[..8].copy_from_slice(&n.to_be_bytes());
    h
}

impl L1Port for FakeL1 {
    async fn chain_id(&self) -> Result<u64, PortError> {
        Ok(31337)
    }
    async fn latest_block(&self) -> Result<(u64, [u8; 32]), PortError> {
        Ok(self.with(|c| (c.head, c.hashes.get(&c.head).copied().unwrap_or(block_hash(c.head, 0)))))
    }
    async fn block_hash(&self, n: u64) -> Result<Option<[u8; 32]>, PortError> {
        Ok(self
            .with(|c| (n <= c.head).then(|| c.hashes.get(&n).copied().unwrap_or(block_hash(n, 0)))))
    }
    async fn rollup_events(&self, from: u64, to: u64) -> Result<Vec<L1Event>, PortError> {
        Ok(self.with(|c| {
            c.events.iter().filter(|e| (from..=to).contains(&e.block_number)).cloned().collect()
        }))
    }
    async fn operator_nonce(&self, _pending: bool) -> Result<u64, PortError> {
        Ok(self.with(|c| c.pending_nonce))
    }
    async fn fees(&self) -> Result<L1Fees, PortError> {
        Ok(L1Fees { max_fee: 100, priority_fee: 2 })
    }
    async fn sign_call(
        &self,
        calldata: Vec<u8>,
        nonce: u64,
        fees: L1Fees,
    ) -> Result<SignedL1Tx, PortError> {
        let n = self.with(|c| {
            c.signed.push((nonce, fees));
            c.signed.len() as u64
        });
        let mut raw = calldata;
        raw.extend_from_slice(&nonce.to_be_bytes());
        raw.extend_from_slice(&fees.max_fee.to_be_bytes());
        Ok(SignedL1Tx { raw, hash: block_hash(n, 0xaa) })
    }
    async fn broadcast(&self, raw: &[u8]) -> Result<Broadcast, PortError> {
        self.with(|c| {
            if c.broadcast_fails {
                return Err(PortError::Unavailable("connection reset".into()));
            }
            let hash = block_hash(c.signed.len() as u64, 0xaa);
            let _ = raw;
            c.broadcasts.push(hash);
            Ok(Broadcast::Sent)
        })
    }
    async fn receipt(&self, hash: &[u8; 32]) -> Result<Option<L1Receipt>, PortError> {
        Ok(self.with(|c| c.receipts.get(hash).cloned()))
    }
    async fn revert_reason(&self, _calldata: Vec<u8>) -> String {
        "BlockCommitmentMismatch".into()
    }
}

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };

/// A database holding `blocks` sealed blocks (one deposit each).
async fn store_with_blocks(dir: &std::path::Path, blocks: u64) -> SqlStore {
    let store = SqlStore::open_data_dir(dir).await.expect("sqlite");
    let config = SequencerConfig {
        chain: CHAIN,
        capacity: 8,
        fee_account: AccountId(0),
        limits: MempoolLimits::default(),
    };
    let mut seq = Sequencer::new(config, State::new(), 0, 0, vec![]);
    for n in 0..blocks {
        let op = StoredPriorityOp {
            serial_id: n,
            op: PriorityOp::Deposit { token: ETH, amount: 5, to: Address::new([7; 20]) },
            expiration: 2_000_000_000,
            l1_block: n + 1,
            l1_tx: [1; 32],
            processed_in: None,
        };
        let range = WatchedRange {
            priority_ops: vec![op.clone()],
            cursor: (n + 1, block_hash(n + 1, 0)),
            block_hashes: vec![(n + 1, block_hash(n + 1, 0))],
            ..Default::default()
        };
        store.apply_watched_range(&range).await.expect("watched");
        let SealOutcome::Block(sealing) = seq.seal(&[op], 1_000 + n).expect("seal") else {
            panic!("a block")
        };
        store.write_sealed_block(&sealing.sealed).await.expect("write");
        seq.finish_seal(*sealing);
    }
    store
}

async fn prove(store: &SqlStore, block: u64) {
    let job = store.lease_job("w", 10, 60).await.expect("lease").expect("a job");
    assert_eq!(job.block, block);
    store.complete_job(block, "w", &[3u8; 256]).await.expect("complete");
}

fn sender(store: &SqlStore, l1: &FakeL1) -> Sender<SqlStore, FakeL1> {
    sender_with(store, l1, 8)
}

fn sender_with(store: &SqlStore, l1: &FakeL1, max_blocks: u64) -> Sender<SqlStore, FakeL1> {
    let config = SenderConfig {
        resend_after_blocks: 3,
        max_blocks_per_op: max_blocks,
        ..SenderConfig::default()
    };
    Sender::new(store.clone(), Arc::new(l1.clone()), State::new().root(), config)
}

async fn op(store: &SqlStore) -> tern_storage::L1Op {
    store.recent_l1_ops(1).await.expect("ops").into_iter().next().expect("an operation")
}

#[tokio::test]
async fn a_transaction_saved_but_never_broadcast_is_sent_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with_blocks(dir.path(), 1).await;
    let l1 = FakeL1::default();
    l1.with(|c| c.broadcast_fails = true);
    let mut s = sender(&store, &l1);
    assert!(s.step().await.is_err(), "the broadcast failed");
    let saved = op(&store).await;
    assert_eq!((saved.kind, saved.nonce), (L1OpKind::Commit, 0));
    assert!(!saved.attempts[0].broadcast);
    // The process dies; a new sender finds the saved attempt and broadcasts it.
    l1.with(|c| c.broadcast_fails = false);
    let mut s = sender(&store, &l1);
    assert_eq!(s.step().await.expect("step"), SenderStep::Progress);
    assert_eq!(l1.with(|c| c.broadcasts.len()), 1);
    assert_eq!(l1.with(|c| c.signed.len()), 1, "nothing signed twice");
    l1.mine(saved.attempts[0].hash, true);
    assert_eq!(s.step().await.expect("step"), SenderStep::Progress);
    assert_eq!(store.last_block_at(L1Stage::Committed).await.expect("stage"), 1);
    assert!(matches!(op(&store).await.status, L1OpStatus::Confirmed { .. }));
}

#[tokio::test]
async fn a_stuck_transaction_is_resent_with_the_same_nonce_and_a_higher_fee() {
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with_blocks(dir.path(), 1).await;
    let l1 = FakeL1::default();
    l1.with(|c| c.pending_nonce = 4);
    let mut s = sender(&store, &l1);
    assert_eq!(s.step().await.expect("step"), SenderStep::Progress);
    assert_eq!(s.step().await.expect("step"), SenderStep::Waiting);
    l1.advance(3);
    assert_eq!(s.step().await.expect("step"), SenderStep::Progress);
    let resent = op(&store).await;
    assert_eq!(resent.attempts.len(), 2);
    let signed = l1.with(|c| c.signed.clone());
    assert_eq!((signed[0].0, signed[1].0), (4, 4), "the same nonce");
    assert!(signed[1].1.max_fee > signed[0].1.max_fee, "a higher fee");
    // The first attempt is the one mined: any attempt settles the operation.
    l1.mine(resent.attempts[0].hash, true);
    assert_eq!(s.step().await.expect("step"), SenderStep::Progress);
    assert_eq!(store.last_block_at(L1Stage::Committed).await.expect("stage"), 1);
}

#[tokio::test]
async fn a_revert_halts_the_sender_with_its_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with_blocks(dir.path(), 2).await;
    let l1 = FakeL1::default();
    let mut s = sender(&store, &l1);
    s.step().await.expect("step");
    l1.mine(op(&store).await.attempts[0].hash, false);
    let step = s.step().await.expect("step");
    let SenderStep::Halted(reason) = step else { panic!("halted, got {step:?}") };
    assert!(reason.contains("BlockCommitmentMismatch"), "{reason}");
    assert!(matches!(op(&store).await.status, L1OpStatus::Failed(_)));
    assert!(matches!(s.step().await.expect("step"), SenderStep::Halted(_)));
    assert_eq!(l1.with(|c| c.signed.len()), 1, "nothing more is sent");
}

#[tokio::test]
async fn the_pipeline_commits_proves_executes_and_uses_one_call_when_it_can() {
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with_blocks(dir.path(), 2).await;
    let l1 = FakeL1::default();
    let mut s = sender_with(&store, &l1, 1);
    let mut kinds = Vec::new();
    // Block 1: committed before its proof exists, then proven and executed.
    for prove_first in [false, true] {
        if prove_first {
            prove(&store, 1).await;
        }
        s.step().await.expect("step");
        let o = op(&store).await;
        kinds.push(o.kind);
        l1.mine(o.attempts[0].hash, true);
        s.step().await.expect("confirm");
    }
    s.step().await.expect("step");
    let o = op(&store).await;
    kinds.push(o.kind);
    l1.mine(o.attempts[0].hash, true);
    s.step().await.expect("confirm");
    // Block 2's proof is ready while L1 has executed everything: one call.
    prove(&store, 2).await;
    s.step().await.expect("step");
    let o = op(&store).await;
    kinds.push(o.kind);
    assert_eq!(
        kinds,
        [L1OpKind::Commit, L1OpKind::Prove, L1OpKind::Execute, L1OpKind::CommitProveExecute]
    );
    let nonces: Vec<u64> = l1.with(|c| c.signed.iter().map(|(n, _)| *n).collect());
    assert_eq!(nonces, [0, 1, 2, 3]);
    l1.mine(o.attempts[0].hash, true);
    s.step().await.expect("confirm");
    assert_eq!(store.last_block_at(L1Stage::Executed).await.expect("stage"), 2);
    assert_eq!(s.step().await.expect("idle"), SenderStep::Idle);
    // A restarted sender takes the next nonce after the stored ones.
    assert_eq!(store.max_l1_nonce().await.expect("nonce"), Some(3));
}

fn request(serial_id: u64, block: u64) -> L1Event {
    L1Event {
        block_number: block,
        tx_hash: None,
        log_index: Some(0),
        kind: L1EventKind::PriorityRequest(PriorityRequest {
            serial_id,
            sender: Address::new([5; 20]),
            op: PriorityOp::Deposit { token: ETH, amount: 9, to: Address::new([5; 20]) },
            expiration: 2_000_000_000,
            data: Default::default(),
        }),
    }
}

#[tokio::test]
async fn the_watcher_follows_confirmed_blocks_and_rewinds_on_a_reorg() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_data_dir(dir.path()).await.expect("sqlite");
    let l1 = FakeL1::default();
    l1.with(|c| {
        c.head = 10;
        c.events = vec![request(0, 3), request(1, 9)];
    });
    let config = WatcherConfig { confirmations: 2, max_range: 4, max_reorg_depth: 100 };
    let watcher = Watcher::new(store.clone(), Arc::new(l1.clone()), config, 1);
    let mut steps = Vec::new();
    loop {
        let step = watcher.step().await.expect("step");
        if step == WatchStep::Idle {
            break;
        }
        steps.push(step);
    }
    assert_eq!(
        steps,
        [
            WatchStep::Read { from: 1, to: 4, priority_ops: 1 },
            WatchStep::Read { from: 5, to: 8, priority_ops: 0 },
        ],
        "two confirmations behind head 10"
    );
    assert_eq!(store.pending_priority_ops().await.expect("ops").len(), 1);
    // Block 8 is replaced; block 4 is still canonical.
    l1.with(|c| {
        c.head = 12;
        for n in 5..=12 {
            c.hashes.insert(n, block_hash(n, 1));
        }
        c.events = vec![request(0, 3), request(1, 6)];
    });
    assert_eq!(watcher.step().await.expect("step"), WatchStep::Rewound(4));
    assert_eq!(
        watcher.step().await.expect("step"),
        WatchStep::Read { from: 5, to: 8, priority_ops: 1 }
    );
    let ops = store.pending_priority_ops().await.expect("ops");
    assert_eq!(ops.iter().map(|o| (o.serial_id, o.l1_block)).collect::<Vec<_>>(), [(0, 3), (1, 6)]);
    assert_eq!(store.priority_op(1).await.expect("op").map(|o| o.l1_block), Some(6));
}

#[tokio::test]
async fn an_onchain_change_pubkey_is_admitted_once_the_watcher_has_seen_its_fact() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_data_dir(dir.path()).await.expect("sqlite");
    let mut carol = Wallet::from_seed(3, CHAIN).expect("wallet");
    let l1 = FakeL1::default();
    let mut deposit = request(0, 2);
    if let L1EventKind::PriorityRequest(p) = &mut deposit.kind {
        p.op = PriorityOp::Deposit { token: ETH, amount: 9, to: carol.address };
    }
    let fact = L1Event {
        block_number: 3,
        tx_hash: None,
        log_index: Some(0),
        kind: L1EventKind::FactAuthSet {
            owner: carol.address,
            nonce: 0,
            pubkey_hash: carol.pubkey_hash().0,
        },
    };
    l1.with(|c| {
        c.head = 2;
        c.events = vec![deposit, fact];
    });
    let config = WatcherConfig { confirmations: 0, max_range: 100, max_reorg_depth: 100 };
    let watcher = Watcher::new(store.clone(), Arc::new(l1.clone()), config, 1);
    while watcher.step().await.expect("step") != WatchStep::Idle {}
    let seq_config = SequencerConfig {
        chain: CHAIN,
        capacity: 8,
        fee_account: AccountId(0),
        limits: MempoolLimits::default(),
    };
    let core = NodeCore::new(
        store.clone(),
        Sequencer::new(seq_config, State::new(), 0, 0, vec![]),
        Metrics::new().expect("metrics"),
    );
    assert_eq!(core.seal().await.expect("seal"), Some(1), "carol's deposit");
    carol.account_id = AccountId(0);
    let cpk = carol.change_pubkey(AuthKind::Onchain, ETH, 0).expect("sign").encode();
    let err = core.submit(std::slice::from_ref(&cpk), false).await.expect_err("no fact yet");
    assert!(err.to_string().contains("on-chain"), "{err}");
    l1.with(|c| c.head = 3);
    while watcher.step().await.expect("step") != WatchStep::Idle {}
    core.submit(&[cpk], false).await.expect("admitted with the fact");
    assert_eq!(core.seal().await.expect("seal"), Some(2));
    let block = store.block(2).await.expect("read").expect("block 2");
    assert_eq!(block.block.ops.len(), 1, "the ChangePubKey");
}
