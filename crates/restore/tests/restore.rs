//! The restorer against a scripted L1 (a fake `L1Source`, in this test only) carrying the demo
//! chain (every operation kind), into a real SQLite database: the state comes back block by
//! block with L1's roots; a reverted commit is dropped for its replacement; a restore stopped
//! at every step and reopened ends the same; a block whose pubdata was tampered with stops the
//! restore with an error naming it.

use alloy_primitives::{Address, B256};
use alloy_sol_types::SolCall;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tern_contracts::bindings::Rollup::commitBlocksCall;
use tern_contracts::rollup::{commit_block_info, genesis_stored_block_info};
use tern_l1::{L1Event, L1EventKind, PriorityRequest};
use tern_primitives::field::fr_to_be_bytes;
use tern_restore::{L1Source, RestoreConfig, RestoreError, Restorer, SourceError, Step};
use tern_state::{demo, PriorityOp};
use tern_storage::{BlockStore, L1Stage, SqlStore, StateStore, WatcherStore};
use tern_types::{Block, Op};

#[derive(Default)]
struct Script {
    head: u64,
    events: Vec<L1Event>,
    inputs: BTreeMap<[u8; 32], Vec<u8>>,
}

#[derive(Clone, Default)]
struct FakeL1(Arc<Mutex<Script>>);

impl std::fmt::Debug for FakeL1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeL1")
    }
}

impl FakeL1 {
    fn with<T>(&self, f: impl FnOnce(&mut Script) -> T) -> T {
        f(&mut self.0.lock().expect("lock"))
    }
}

fn hash(n: u64, tag: u8) -> [u8; 32] {
    let mut h = [tag; 32];
    h[..8].copy_from_slice(&n.to_be_bytes());
    h
}

impl L1Source for FakeL1 {
    async fn chain_id(&self) -> Result<u64, SourceError> {
        Ok(31337)
    }
    async fn head(&self) -> Result<u64, SourceError> {
        Ok(self.with(|s| s.head))
    }
    async fn block_hash(&self, n: u64) -> Result<Option<[u8; 32]>, SourceError> {
        Ok(self.with(|s| (n <= s.head).then(|| hash(n, 0))))
    }
    async fn events(&self, from: u64, to: u64) -> Result<Vec<L1Event>, SourceError> {
        Ok(self.with(|s| {
            s.events.iter().filter(|e| (from..=to).contains(&e.block_number)).cloned().collect()
        }))
    }
    async fn tx_input(&self, h: [u8; 32]) -> Result<Option<Vec<u8>>, SourceError> {
        Ok(self.with(|s| s.inputs.get(&h).cloned()))
    }
}

const CONTRACT: Address = Address::new([0xc0; 20]);

fn event(l1_block: u64, tx: [u8; 32], kind: L1EventKind) -> L1Event {
    L1Event { block_number: l1_block, tx_hash: Some(B256::from(tx)), log_index: Some(0), kind }
}

fn priority_op(op: &Op) -> Option<PriorityOp> {
    Some(match op {
        Op::Deposit(d) => PriorityOp::Deposit { token: d.token, amount: d.amount, to: d.address },
        Op::FullExit(f) => {
            PriorityOp::FullExit { account_id: f.account_id, owner: f.owner, token: f.token }
        }
        Op::FullExitNft(f) => {
            PriorityOp::FullExitNft { account_id: f.account_id, owner: f.owner, nft_id: f.nft_id }
        }
        _ => return None,
    })
}

fn root(block: &Block) -> B256 {
    B256::from(fr_to_be_bytes(&block.header.new_root))
}

/// Each demo block on its own L1 block: its priority requests, its commit, its execution.
/// Block 2 is first committed in a different form, then reverted.
fn script(l1: &FakeL1, blocks: &[Block]) {
    let mut serial = 0;
    let mut l1_block = 2;
    let genesis = genesis_stored_block_info(&blocks[0].header.old_root);
    for block in blocks {
        let n = block.header.number;
        let info = commit_block_info(block).expect("info");
        let input = commitBlocksCall { lastCommitted: genesis.clone(), newBlocks: vec![info] };
        let commitment = B256::from(block.commitment().expect("commitment"));
        l1.with(|s| {
            for op in block.ops.iter().filter_map(priority_op) {
                let request = PriorityRequest {
                    serial_id: serial,
                    sender: Address::new([1; 20]),
                    op,
                    expiration: 2_000_000_000,
                    data: Default::default(),
                };
                serial += 1;
                s.events.push(event(
                    l1_block,
                    hash(serial, 9),
                    L1EventKind::PriorityRequest(request),
                ));
            }
            if n == 2 {
                let mut other = block.clone();
                other.header.timestamp += 1;
                let info = commit_block_info(&other).expect("info");
                let bogus =
                    commitBlocksCall { lastCommitted: genesis.clone(), newBlocks: vec![info] };
                s.inputs.insert(hash(n, 0xbb), bogus.abi_encode());
                let kind = L1EventKind::BlockCommitted {
                    number: n,
                    state_root: root(&other),
                    commitment: B256::from(other.commitment().expect("commitment")),
                };
                s.events.push(event(l1_block, hash(n, 0xbb), kind));
                let revert = L1EventKind::BlocksReverted { total_executed: 1, total_committed: 1 };
                s.events.push(event(l1_block + 1, hash(n, 0xbc), revert));
                l1_block += 2;
            }
            s.inputs.insert(hash(n, 0xaa), input.abi_encode());
            let committed =
                L1EventKind::BlockCommitted { number: n, state_root: root(block), commitment };
            s.events.push(event(l1_block, hash(n, 0xaa), committed));
            s.events.push(event(
                l1_block + 1,
                hash(n, 0xab),
                L1EventKind::BlockProven { number: n },
            ));
            let executed = L1EventKind::BlockExecuted { number: n, state_root: root(block) };
            s.events.push(event(l1_block + 2, hash(n, 0xac), executed));
            l1_block += 3;
            s.head = l1_block;
        });
    }
}

fn config(step: u64) -> RestoreConfig {
    RestoreConfig { contract: CONTRACT, from_block: 1, step, confirmations: 0 }
}

async fn run(
    store: &SqlStore,
    l1: &FakeL1,
    step: u64,
    max_steps: usize,
) -> Result<bool, RestoreError> {
    let mut r = Restorer::open(store.clone(), l1.clone(), config(step)).await?;
    for _ in 0..max_steps {
        if let Step::Done { .. } = r.step().await? {
            return Ok(true);
        }
    }
    Ok(false)
}

#[tokio::test]
async fn the_demo_chain_comes_back_from_l1_and_a_stopped_restore_resumes() {
    let blocks: Vec<Block> = demo::blocks().expect("demo").into_iter().map(|b| b.block).collect();
    let l1 = FakeL1::default();
    script(&l1, &blocks);
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_data_dir(dir.path()).await.expect("sqlite");
    // One L1 block per step, reopened after every four steps, as if killed each time. (A
    // restore resumes from below the commit of any block not yet executed, so each run must
    // reach past one commit-to-execution span to make progress.)
    let mut reopened = 0;
    while !run(&store, &l1, 1, 4).await.expect("restore") {
        reopened += 1;
        assert!(reopened < 1_000, "the restore makes no progress");
    }
    assert!(reopened >= blocks.len(), "{reopened} restarts");
    let last = blocks.last().expect("blocks");
    assert_eq!(store.last_block_number().await.expect("n"), last.header.number);
    assert_eq!(store.last_block_at(L1Stage::Executed).await.expect("n"), last.header.number);
    for block in &blocks {
        let stored = store.block(block.header.number).await.expect("read").expect("block");
        assert_eq!(&stored.block, block, "block {} restored exactly", block.header.number);
        assert_eq!(stored.l1_txs[0], hash(block.header.number, 0xaa), "its commit transaction");
    }
    let snapshot = store.state_at(None).await.expect("state");
    let mut state = tern_state::State::from_parts(
        snapshot.accounts,
        snapshot.nfts,
        snapshot.next_nft_id,
        snapshot.tokens,
    )
    .expect("state");
    assert_eq!(state.root(), last.header.new_root);
    // The whole chain again in one go, into another database, ends the same.
    let dir2 = tempfile::tempdir().expect("dir");
    let store2 = SqlStore::open_data_dir(dir2.path()).await.expect("sqlite");
    let mut r = Restorer::open(store2.clone(), l1.clone(), config(1_000)).await.expect("open");
    while r.step().await.expect("step") != (Step::Done { head: l1.with(|s| s.head) }) {}
    let report = r.report();
    assert_eq!((report.block, report.root), (last.header.number, last.header.new_root));
    assert_eq!(store2.l1_cursor().await.expect("cursor").map(|c| c.0), Some(l1.with(|s| s.head)));
}

#[tokio::test]
async fn tampered_pubdata_stops_the_restore_naming_the_block() {
    let blocks: Vec<Block> = demo::blocks().expect("demo").into_iter().map(|b| b.block).collect();
    let l1 = FakeL1::default();
    script(&l1, &blocks);
    // Block 3's commit input carries another amount in its first deposit or transfer.
    let target = 3u64;
    let mut tampered = blocks[target as usize - 1].clone();
    for op in &mut tampered.ops {
        if let Op::Deposit(d) = op {
            d.amount += 1;
            break;
        }
        if let Op::Transfer(t) = op {
            t.fee += 1;
            break;
        }
    }
    assert_ne!(
        tampered,
        blocks[target as usize - 1],
        "block {target} has something to tamper with"
    );
    let genesis = genesis_stored_block_info(&blocks[0].header.old_root);
    let input = commitBlocksCall {
        lastCommitted: genesis,
        newBlocks: vec![commit_block_info(&tampered).expect("info")],
    };
    l1.with(|s| s.inputs.insert(hash(target, 0xaa), input.abi_encode()));
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_data_dir(dir.path()).await.expect("sqlite");
    let err = run(&store, &l1, 1_000, 10).await.expect_err("tampered");
    assert!(
        matches!(err, RestoreError::Mismatch { block, .. } | RestoreError::Block { block, .. } if block == target),
        "{err}"
    );
    assert_eq!(store.last_block_number().await.expect("n"), target - 1, "blocks before it stay");
    // Restoring into a database of another rollup is refused.
    let other = RestoreConfig { contract: Address::new([0xc1; 20]), ..config(10) };
    let err = Restorer::open(store.clone(), l1.clone(), other).await.expect_err("other chain");
    assert!(matches!(err, RestoreError::Database(_)), "{err}");
}
