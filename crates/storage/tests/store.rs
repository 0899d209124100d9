//! One story per table group, run against SQLite (a temporary directory) and PostgreSQL
//! (`TERN_POSTGRES_URL`, a fresh schema per test; skipped when unset unless
//! `TERN_REQUIRE_POSTGRES=1`).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::field::fr_to_be_bytes;
use tern_primitives::{Address, Fr};
use tern_state::{Account, BuiltBlock, PriorityOp, State};
use tern_storage::*;
use tern_types::{AccountId, NftId, SignedTx, TokenId};

// ---- backends ----

async fn sqlite() -> (SqlStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqlStore::open_data_dir(dir.path()).await.expect("open sqlite");
    (store, dir)
}

async fn postgres(test: &str) -> Option<SqlStore> {
    let Ok(url) = std::env::var("TERN_POSTGRES_URL") else {
        if std::env::var("TERN_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!(
                "TERN_REQUIRE_POSTGRES=1 but TERN_POSTGRES_URL is unset: install and start \
                 PostgreSQL (apt-get install -y postgresql && pg_ctlcluster 15 main start), \
                 create a role and database (CREATE ROLE tern LOGIN PASSWORD 'tern' SUPERUSER; \
                 createdb -O tern tern_test) and set \
                 TERN_POSTGRES_URL=postgres://tern:tern@127.0.0.1:5432/tern_test"
            );
        }
        eprintln!("skipping {test} on PostgreSQL: TERN_POSTGRES_URL is unset");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    let schema = format!("t_{test}_{}_{nanos}", std::process::id());
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.expect("connect");
    sqlx::Executor::execute(&mut conn, format!("CREATE SCHEMA {schema}").as_str())
        .await
        .expect("create schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    Some(SqlStore::connect(&url).await.expect("connect postgres"))
}

/// Runs `story` on SQLite and on PostgreSQL, as two tests.
macro_rules! both {
    ($story:ident) => {
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (store, _dir) = super::sqlite().await;
                super::$story(store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(store) = super::postgres(stringify!($story)).await {
                    super::$story(store).await;
                }
            }
        }
    };
}

both!(meta);
both!(mempool);
both!(blocks_and_state);
both!(prover_jobs);
both!(l1_journal);
both!(watcher);
both!(corrupt_rows);

#[tokio::test]
async fn unsupported_urls_are_refused() {
    for url in ["mysql://x", "tern.db", "http://localhost"] {
        let err = SqlStore::connect(url).await.expect_err(url);
        assert!(matches!(err, StorageError::UnsupportedUrl(_)), "{url}: {err}");
    }
}

#[tokio::test]
async fn sqlite_reopens_with_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("sub.db").display());
    let store = SqlStore::connect(&url).await.expect("create");
    store.init_chain_meta(&chain()).await.expect("init");
    store.close().await;
    let store = SqlStore::connect(&url).await.expect("reopen");
    assert_eq!(store.chain_meta().await.expect("meta"), Some(chain()));
    let row: (String,) =
        sqlx::query_as("PRAGMA journal_mode").fetch_one(store.pool()).await.expect("pragma");
    assert_eq!(row.0.to_lowercase(), "wal");
}

// ---- stories ----

fn chain() -> ChainMeta {
    ChainMeta {
        chain_id: 31337,
        contract: Address::repeat_byte(0x7e),
        deploy_block: 12,
        genesis_root: State::new().root(),
    }
}

async fn meta(store: SqlStore) {
    assert_eq!(store.chain_meta().await.expect("meta"), None);
    store.init_chain_meta(&chain()).await.expect("init");
    store.init_chain_meta(&chain()).await.expect("same again");
    assert_eq!(store.chain_meta().await.expect("meta"), Some(chain()));
    let other = ChainMeta { chain_id: 1, ..chain() };
    let err = store.init_chain_meta(&other).await.expect_err("other chain");
    assert!(matches!(err, StorageError::Conflict(_)), "{err}");
    assert_eq!(store.chain_meta().await.expect("meta"), Some(chain()));
}

/// Demo blocks (every operation type), built once per test binary.
fn demo() -> &'static [BuiltBlock] {
    static BLOCKS: OnceLock<Vec<BuiltBlock>> = OnceLock::new();
    BLOCKS.get_or_init(|| tern_state::demo::blocks().expect("demo blocks"))
}

fn hash_of(tx: &SignedTx) -> [u8; 32] {
    fr_to_be_bytes(&tx.hash().expect("hash"))
}

/// A signed transfer that no demo block includes.
fn extra_tx(seed: u64, account: u32) -> SignedTx {
    let mut w = tern_state::wallet::Wallet::from_seed(seed, tern_state::demo::demo_chain())
        .expect("wallet");
    w.account_id = AccountId(account);
    w.transfer(Address::repeat_byte(9), TokenId(0), 5 + u128::from(seed), 1).expect("transfer")
}

async fn insert(store: &SqlStore, txs: &[SignedTx], batch: bool, at: u64) -> StorageResult<u64> {
    let bytes: Vec<Vec<u8>> = txs.iter().map(SignedTx::encode).collect();
    let hashes: Vec<[u8; 32]> = txs.iter().map(hash_of).collect();
    store.insert_mempool_item(&bytes, &hashes, batch, at).await
}

async fn mempool(store: SqlStore) {
    let (a, b, c) = (extra_tx(1, 1), extra_tx(2, 2), extra_tx(3, 1));
    let s1 = insert(&store, std::slice::from_ref(&a), false, 100).await.expect("a");
    let s2 = insert(&store, &[b.clone(), c.clone()], true, 101).await.expect("b, c");
    assert!(s2 > s1);
    // A known hash, alone or inside a batch, is refused and nothing of the item is written.
    let d = extra_tx(4, 3);
    for txs in [vec![a.clone()], vec![d.clone(), b.clone()], vec![d.clone(), d.clone()]] {
        let err = insert(&store, &txs, true, 102).await.expect_err("duplicate");
        assert!(matches!(err, StorageError::Conflict(_)), "{err}");
    }
    assert_eq!(store.tx_receipt(&hash_of(&d)).await.expect("receipt"), None);
    let items = store.queued_items().await.expect("queued");
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].seq, s2);
    assert!(items[1].batch);
    assert_eq!(items[1].txs, vec![b.encode(), c.encode()]);
    assert_eq!(items[1].hashes, vec![hash_of(&b), hash_of(&c)]);
    let r = store.tx_receipt(&hash_of(&a)).await.expect("receipt").expect("known");
    assert_eq!((r.status, r.received_at, r.tx), (TxStatus::Queued, 100, a.encode()));
    let mine = store.account_txs(AccountId(1), 10).await.expect("account 1");
    let hashes: Vec<_> = mine.iter().map(|r| r.hash).collect();
    assert_eq!(hashes, vec![hash_of(&c), hash_of(&a)], "newest first");
    assert_eq!(store.account_txs(AccountId(1), 1).await.expect("limit").len(), 1);
    check_account_pages(&store, &a, &c).await;
    let err = store.insert_mempool_item(&[vec![0xff]], &[[1; 32]], false, 1).await;
    assert!(matches!(err, Err(StorageError::Corrupt { .. })), "{err:?}");
    // An item that fails with no block to hold it leaves the queue with its reason.
    let failed = FailedItem { seq: s1, txs: vec![(hash_of(&a), "expired".into())] };
    store.fail_mempool_items(5, std::slice::from_ref(&failed)).await.expect("fail");
    let r = store.tx_receipt(&hash_of(&a)).await.expect("receipt").expect("known");
    assert_eq!(r.status, TxStatus::Failed { block: 5, reason: "expired".into() });
    assert_eq!(store.queued_items().await.expect("queued").len(), 1);
    let again = store.fail_mempool_items(5, &[failed]).await;
    assert!(matches!(again, Err(StorageError::Conflict(_))), "{again:?}");
}

/// Account 1 signed `a` (first) and `c` (last, inside a batch).
async fn check_account_pages(store: &SqlStore, a: &SignedTx, c: &SignedTx) {
    let page = |from, limit, newer| store.account_tx_page(AccountId(1), from, limit, newer);
    let hashes = |p: Option<Vec<TxReceipt>>| {
        p.expect("anchor known").iter().map(|r| r.hash).collect::<Vec<_>>()
    };
    let (ha, hc) = (hash_of(a), hash_of(c));
    assert_eq!(hashes(page(None, 10, false).await.expect("latest")), vec![hc, ha]);
    assert_eq!(hashes(page(None, 10, true).await.expect("latest")), vec![hc]);
    assert_eq!(hashes(page(Some(ha), 10, true).await.expect("from a")), vec![ha, hc]);
    assert_eq!(hashes(page(Some(ha), 10, false).await.expect("from a")), vec![ha]);
    assert_eq!(hashes(page(Some(hc), 1, false).await.expect("limit")), vec![hc]);
    let other = hash_of(&extra_tx(2, 2));
    assert_eq!(page(Some(other), 10, true).await.expect("not account 1's"), None);
    let none = store.account_tx_page(AccountId(9), None, 10, false).await.expect("empty");
    assert_eq!(none, Some(vec![]));
    assert_eq!(store.account_tx_count(AccountId(1)).await.expect("count"), 2);
    assert_eq!(store.account_tx_count(AccountId(9)).await.expect("count"), 0);
}

// ---- blocks and state ----

fn genesis() -> State {
    let mut s = State::new();
    s.list_token(TokenId(1)).expect("list USDC");
    s
}

/// The diff between two states: every account and NFT whose value differs.
fn diff(pre: &State, post: &State) -> StateDiff {
    let accounts = post
        .accounts()
        .filter(|(id, a)| pre.account(*id) != Some(*a))
        .map(|(id, a)| (id, a.clone()))
        .collect();
    let mut nfts: BTreeMap<NftId, Option<tern_state::Nft>> = BTreeMap::new();
    for (id, n) in post.nfts() {
        if pre.nft(*id) != Some(n) {
            nfts.insert(*id, Some(n.clone()));
        }
    }
    for (id, _) in pre.nfts() {
        if post.nft(*id).is_none() {
            nfts.insert(*id, None);
        }
    }
    StateDiff { accounts, nfts: nfts.into_iter().collect(), next_nft_id: post.next_nft_id() }
}

fn deposit(serial: u64, l1_block: u64) -> StoredPriorityOp {
    StoredPriorityOp {
        serial_id: serial,
        op: PriorityOp::Deposit {
            token: TokenId(0),
            amount: 1 + serial as u128,
            to: Address::repeat_byte(3),
        },
        expiration: 1_000 + serial,
        l1_block,
        l1_tx: [serial as u8; 32],
        processed_in: None,
    }
}

/// Stores block `i` of the demo (with its priority requests and mempool transactions first).
async fn seal(
    store: &SqlStore,
    i: usize,
    serial: &mut u64,
    failed: Option<SignedTx>,
) -> SealedBlock {
    let built = &demo()[i];
    let pre = if i == 0 { genesis() } else { demo()[i - 1].state.clone() };
    let ops: Vec<_> =
        (0..built.priority_processed as u64).map(|k| deposit(*serial + k, 10 + i as u64)).collect();
    let serials = ops.iter().map(|o| o.serial_id).collect();
    *serial += ops.len() as u64;
    let range = WatchedRange {
        priority_ops: ops,
        cursor: (10 + i as u64, [i as u8; 32]),
        ..Default::default()
    };
    store.apply_watched_range(&range).await.expect("priority ops");
    let mut consumed = Vec::new();
    for tx in built.included.iter().chain(failed.iter()) {
        consumed.push(insert(store, std::slice::from_ref(tx), false, 50).await.expect("mempool"));
    }
    let l2_ops = built.block.ops.iter().enumerate().filter(|(_, op)| !op.is_priority());
    let included =
        built.included.iter().zip(l2_ops).map(|(tx, (k, _))| (hash_of(tx), k as u32)).collect();
    SealedBlock {
        block: built.block.clone(),
        priority_ops: serials,
        included,
        failed: failed.iter().map(|tx| (hash_of(tx), "nonce mismatch".to_string())).collect(),
        consumed_items: consumed,
        diff: diff(&pre, &built.state),
        sealed_at: 1_000 + i as u64,
    }
}

async fn blocks_and_state(store: SqlStore) {
    assert!(demo().len() >= 3, "the demo has at least three blocks");
    let mut serial = 0;
    let bad = extra_tx(7, 1);
    let mut sealed = Vec::new();
    for i in 0..demo().len() {
        let s = seal(&store, i, &mut serial, (i == 1).then(|| bad.clone())).await;
        store.write_sealed_block(&s).await.expect("write block");
        sealed.push(s);
    }
    let last = demo().len() as u64;
    assert_eq!(store.last_block_number().await.expect("last"), last);
    check_blocks(&store, &sealed).await;
    check_receipts(&store, &sealed, &bad).await;
    check_history(&store).await;
    check_atomicity(&store, &sealed, &mut serial).await;
    check_stages(&store, last).await;
}

async fn check_blocks(store: &SqlStore, sealed: &[SealedBlock]) {
    for s in sealed {
        let n = s.block.header.number;
        let stored = store.block(n).await.expect("block").expect("stored");
        assert_eq!(stored.block, s.block, "block {n} round trip (ops, auths, header)");
        assert_eq!(stored.priority_ops, s.priority_ops);
        assert_eq!((stored.stage, stored.sealed_at), (L1Stage::Sealed, s.sealed_at));
        let job = store.job(n).await.expect("job").expect("queued with the block");
        assert_eq!((job.status, job.attempts), (JobStatus::Queued, 0));
    }
    assert!(store.block(99).await.expect("block").is_none());
    assert!(store.pending_priority_ops().await.expect("pending").is_empty());
    let op = store.priority_op(0).await.expect("op").expect("stored");
    assert_eq!(op.processed_in, Some(1));
    assert_eq!(op, StoredPriorityOp { processed_in: Some(1), ..deposit(0, 10) });
}

async fn check_receipts(store: &SqlStore, sealed: &[SealedBlock], bad: &SignedTx) {
    assert!(store.queued_items().await.expect("queued").is_empty());
    for (i, s) in sealed.iter().enumerate() {
        let txs = store.block_txs(s.block.header.number).await.expect("block txs");
        let expected: Vec<Vec<u8>> = demo()[i].included.iter().map(SignedTx::encode).collect();
        assert_eq!(txs, expected, "block {}'s transactions in operation order", i + 1);
    }
    let (hash, index) = sealed[1].included[0];
    let r = store.tx_receipt(&hash).await.expect("receipt").expect("known");
    assert_eq!(r.status, TxStatus::Included { block: 2, index });
    let r = store.tx_receipt(&hash_of(bad)).await.expect("receipt").expect("known");
    assert_eq!(r.status, TxStatus::Failed { block: 2, reason: "nonce mismatch".into() });
    // Block 2's receipts: the included ones in operation order, then the failed one.
    let receipts = store.block_receipts(2).await.expect("block receipts");
    let mut want: Vec<[u8; 32]> = sealed[1].included.iter().map(|(h, _)| *h).collect();
    want.push(hash_of(bad));
    assert_eq!(receipts.iter().map(|r| r.hash).collect::<Vec<_>>(), want);
    assert!(store.block_receipts(99).await.expect("none").is_empty());
    let included: usize = sealed.iter().map(|s| s.included.len()).sum();
    assert_eq!(store.included_tx_count().await.expect("count"), included as u64);
}

async fn check_history(store: &SqlStore) {
    for (i, built) in demo().iter().enumerate() {
        let n = i as u64 + 1;
        let snap = store.state_at(Some(n)).await.expect("state_at");
        assert_eq!(snap.block, n);
        let want: Vec<Account> = built.state.accounts().map(|(_, a)| a.clone()).collect();
        assert_eq!(snap.accounts, want, "accounts after block {n}");
        let nfts: Vec<_> = built.state.nfts().map(|(id, x)| (*id, x.clone())).collect();
        assert_eq!(snap.nfts, nfts, "NFTs after block {n}");
        assert_eq!(snap.next_nft_id, built.state.next_nft_id());
        let mut rebuilt =
            State::from_parts(snap.accounts, snap.nfts, snap.next_nft_id, vec![TokenId(1)])
                .expect("rebuild");
        assert_eq!(rebuilt.root(), built.block.header.new_root, "root after block {n}");
        let a1 = store.account_at(AccountId(1), Some(n)).await.expect("account_at");
        assert_eq!(a1.as_ref(), built.state.account(AccountId(1)));
        let updated = store.account_updated_in(AccountId(1), n).await.expect("updated");
        let changed = (1..=n).rev().find(|b| {
            let before = (*b > 1).then(|| demo()[*b as usize - 2].state.account(AccountId(1)));
            before.flatten() != demo()[*b as usize - 1].state.account(AccountId(1))
        });
        assert_eq!(updated, changed, "account 1's last change at or before block {n}");
    }
    let genesis = store.state_at(Some(0)).await.expect("genesis");
    assert!(genesis.accounts.is_empty() && genesis.nfts.is_empty());
    let latest = store.state_at(None).await.expect("latest");
    assert_eq!(latest.block, demo().len() as u64);
    assert!(store.state_at(Some(99)).await.is_err());
    assert_eq!(store.account_at(AccountId(999), None).await.expect("none"), None);
}

async fn check_atomicity(store: &SqlStore, sealed: &[SealedBlock], serial: &mut u64) {
    let last = sealed.len() as u64;
    let before = store.state_at(None).await.expect("state");
    // A block out of sequence, and a block whose last receipt update fails: neither writes
    // anything.
    let mut wrong = sealed[0].clone();
    wrong.block.header.number = last + 2;
    let mut late_conflict = sealed[0].clone();
    late_conflict.block.header.number = last + 1;
    late_conflict.block.header.old_root = sealed[sealed.len() - 1].block.header.new_root;
    let fresh = extra_tx(11, 2);
    insert(store, std::slice::from_ref(&fresh), false, 60).await.expect("fresh");
    store
        .apply_watched_range(&WatchedRange {
            priority_ops: vec![deposit(*serial, 90)],
            cursor: (90, [9; 32]),
            ..Default::default()
        })
        .await
        .expect("op");
    late_conflict.priority_ops = vec![*serial];
    late_conflict.included = vec![(hash_of(&fresh), 0)];
    late_conflict.failed = vec![(hash_of(&extra_tx(1, 1)), "unknown".into())];
    late_conflict.consumed_items = vec![];
    let mut bad_root = late_conflict.clone();
    bad_root.block.header.old_root = Fr::from(5u64);
    bad_root.failed.clear();
    for b in [wrong, late_conflict, bad_root] {
        let err = store.write_sealed_block(&b).await.expect_err("refused");
        assert!(matches!(err, StorageError::Conflict(_)), "{err}");
    }
    assert_eq!(store.last_block_number().await.expect("last"), last);
    assert_eq!(store.job(last + 1).await.expect("job"), None);
    let r = store.tx_receipt(&hash_of(&fresh)).await.expect("receipt").expect("known");
    assert_eq!(r.status, TxStatus::Queued);
    assert_eq!(store.pending_priority_ops().await.expect("pending").len(), 1);
    assert_eq!(store.state_at(None).await.expect("state"), before);
    *serial += 1;
}

async fn check_stages(store: &SqlStore, last: u64) {
    assert_eq!(store.last_block_at(L1Stage::Committed).await.expect("stage"), 0);
    store.set_l1_stage(1, 2, L1Stage::Committed, [1; 32]).await.expect("commit");
    store.set_l1_stage(1, 2, L1Stage::Committed, [1; 32]).await.expect("idempotent");
    store.set_l1_stage(1, 1, L1Stage::Proven, [2; 32]).await.expect("prove");
    store.set_l1_stage(1, 1, L1Stage::Committed, [3; 32]).await.expect("never backwards");
    store.set_l1_stage(last, last, L1Stage::Executed, [4; 32]).await.expect("cpe");
    let b1 = store.block(1).await.expect("block").expect("1");
    assert_eq!((b1.stage, b1.l1_txs), (L1Stage::Proven, vec![[1; 32], [2; 32]]));
    let bl = store.block(last).await.expect("block").expect("last");
    assert_eq!((bl.stage, bl.l1_txs), (L1Stage::Executed, vec![[4; 32]; 3]));
    assert_eq!(store.last_block_at(L1Stage::Committed).await.expect("stage"), last);
    assert_eq!(store.last_block_at(L1Stage::Proven).await.expect("stage"), last);
    assert_eq!(store.last_block_at(L1Stage::Sealed).await.expect("stage"), last);
    let err = store.set_l1_stage(last, last + 1, L1Stage::Committed, [5; 32]).await;
    assert!(matches!(err, Err(StorageError::Conflict(_))), "{err:?}");
}

// ---- prover jobs ----

async fn two_blocks(store: &SqlStore) {
    let mut serial = 0;
    for i in 0..2 {
        let s = seal(store, i, &mut serial, None).await;
        store.write_sealed_block(&s).await.expect("write block");
    }
}

async fn prover_jobs(store: SqlStore) {
    two_blocks(&store).await;
    let j1 = store.lease_job("w1", 100, 30).await.expect("lease").expect("job 1");
    assert_eq!(j1.block, 1);
    assert_eq!(
        (j1.status, j1.attempts),
        (JobStatus::Leased { worker: "w1".into(), deadline: 130 }, 1)
    );
    let j2 = store.lease_job("w2", 100, 30).await.expect("lease").expect("job 2");
    assert_eq!(j2.block, 2);
    assert_eq!(store.lease_job("w3", 100, 30).await.expect("lease"), None);
    // Heartbeats keep a lease; only the holder's count.
    assert!(store.heartbeat_job(1, "w1", 120, 30).await.expect("hb"));
    assert!(!store.heartbeat_job(1, "w2", 120, 30).await.expect("hb"));
    assert_eq!(store.lease_job("w3", 125, 30).await.expect("lease"), None, "both leases live");
    // w2's lease expires: w3 takes job 2 and w2 is fenced out.
    let j = store.lease_job("w3", 131, 30).await.expect("lease").expect("expired");
    assert_eq!((j.block, j.attempts), (2, 2));
    assert!(!store.heartbeat_job(2, "w2", 131, 30).await.expect("hb"));
    let err = store.complete_job(2, "w2", b"late").await;
    assert!(matches!(err, Err(StorageError::Conflict(_))), "{err:?}");
    assert!(matches!(store.fail_job(2, "w2", "x", 5).await, Err(StorageError::Conflict(_))));
    assert!(store.complete_job(2, "w3", b"proof2").await.expect("complete"));
    assert!(!store.complete_job(2, "w3", b"again").await.expect("twice"));
    assert!(!store.complete_job(2, "w2", b"other").await.expect("proven stays"));
    assert_eq!(store.proof(2).await.expect("proof"), Some(b"proof2".to_vec()));
    assert_eq!(store.proof(1).await.expect("proof"), None);
    // Failures requeue until max_attempts.
    store.fail_job(1, "w1", "oom", 2).await.expect("fail");
    assert_eq!(store.job(1).await.expect("job").expect("1").status, JobStatus::Queued);
    let j = store.lease_job("w4", 200, 30).await.expect("lease").expect("again");
    assert_eq!((j.block, j.attempts), (1, 2));
    store.fail_job(1, "w4", "oom again", 2).await.expect("fail");
    let j = store.job(1).await.expect("job").expect("1");
    assert_eq!((j.status, j.attempts), (JobStatus::Failed("oom again".into()), 2));
    assert_eq!(store.lease_job("w5", 300, 30).await.expect("lease"), None);
    let open = store.open_jobs().await.expect("open");
    assert_eq!(open.iter().map(|j| j.block).collect::<Vec<_>>(), vec![1]);
    assert!(matches!(store.complete_job(9, "w", b"p").await, Err(StorageError::Conflict(_))));
}

// ---- L1 journal ----

fn attempt(n: u8, fee: u128) -> L1Attempt {
    L1Attempt {
        hash: [n; 32],
        raw: vec![n; 3],
        max_fee: fee,
        priority_fee: u128::MAX - fee,
        signed_at_block: 40 + u64::from(n),
        broadcast: false,
    }
}

async fn l1_journal(store: SqlStore) {
    assert_eq!(store.max_l1_nonce().await.expect("nonce"), None);
    let a = store.insert_l1_op(L1OpKind::Commit, 1, 2, 7, &attempt(1, 10)).await.expect("op a");
    let b = store.insert_l1_op(L1OpKind::Prove, 1, 2, 8, &attempt(2, 10)).await.expect("op b");
    assert!(b > a);
    store.add_l1_attempt(a, &attempt(3, 20)).await.expect("resend");
    let err = store.add_l1_attempt(a, &attempt(3, 30)).await;
    assert!(matches!(err, Err(StorageError::Conflict(_))), "{err:?}");
    assert!(matches!(
        store.add_l1_attempt(99, &attempt(4, 1)).await,
        Err(StorageError::Conflict(_))
    ));
    store.mark_l1_broadcast(&[3; 32]).await.expect("broadcast");
    assert!(store.mark_l1_broadcast(&[9; 32]).await.is_err());
    let pending = store.pending_l1_ops().await.expect("pending");
    assert_eq!(pending.len(), 2);
    let op = &pending[0];
    assert_eq!(
        (op.id, op.kind, op.nonce, &op.status),
        (a, L1OpKind::Commit, 7, &L1OpStatus::Pending)
    );
    let mut resent = attempt(3, 20);
    resent.broadcast = true;
    assert_eq!(op.attempts, vec![attempt(1, 10), resent]);
    let confirmed = L1OpStatus::Confirmed { tx: [3; 32], l1_block: 77 };
    store.set_l1_op_status(a, &confirmed).await.expect("confirm");
    store.set_l1_op_status(b, &L1OpStatus::Failed("reverted".into())).await.expect("fail");
    assert!(store.pending_l1_ops().await.expect("pending").is_empty());
    let recent = store.recent_l1_ops(1).await.expect("recent");
    assert_eq!((recent[0].id, &recent[0].status), (b, &L1OpStatus::Failed("reverted".into())));
    let recent = store.recent_l1_ops(10).await.expect("recent");
    assert_eq!(recent[1].status, confirmed);
    assert_eq!(store.max_l1_nonce().await.expect("nonce"), Some(8));
    assert!(matches!(
        store.add_l1_attempt(a, &attempt(5, 1)).await,
        Err(StorageError::Conflict(_))
    ));
}

// ---- watcher ----

fn owner(n: u8) -> Address {
    Address::repeat_byte(0x40 + n)
}

fn fact(who: u8, nonce: u32, hash: u8, l1_block: u64) -> AuthFactEvent {
    AuthFactEvent::Set { owner: owner(who), nonce, pubkey_hash: PubKeyHash([hash; 20]), l1_block }
}

async fn watcher(store: SqlStore) {
    assert_eq!(store.l1_cursor().await.expect("cursor"), None);
    let usdc = TokenInfo {
        id: TokenId(1),
        address: Address::repeat_byte(1),
        l1_block: 11,
        symbol: Some("USDC".into()),
        decimals: Some(6),
    };
    let dai = TokenInfo {
        id: TokenId(2),
        address: Address::repeat_byte(2),
        l1_block: 14,
        symbol: None,
        decimals: None,
    };
    let r1 = WatchedRange {
        priority_ops: vec![deposit(0, 11), deposit(1, 12)],
        tokens: vec![usdc.clone()],
        auth_facts: vec![fact(1, 0, 7, 11), fact(2, 0, 8, 11), fact(1, 0, 9, 12)],
        cursor: (12, [12; 32]),
        block_hashes: vec![(11, [11; 32])],
    };
    store.apply_watched_range(&r1).await.expect("range 1");
    store.apply_watched_range(&r1).await.expect("same range again");
    let r2 = WatchedRange {
        priority_ops: vec![deposit(2, 14)],
        tokens: vec![dai.clone()],
        auth_facts: vec![
            AuthFactEvent::ResetRequested { owner: owner(2), nonce: 0, l1_block: 13 },
            fact(3, 4, 5, 14),
        ],
        cursor: (15, [15; 32]),
        block_hashes: vec![(14, [14; 32])],
    };
    // The later fact for the same owner and nonce replaces the earlier one.
    assert_eq!(store.auth_fact(owner(1), 0).await.expect("fact"), Some(PubKeyHash([9; 20])));
    assert_eq!(store.auth_fact(owner(2), 0).await.expect("fact"), Some(PubKeyHash([8; 20])));
    store.apply_watched_range(&r2).await.expect("range 2");
    // A fact whose owner asked to replace it is no longer one to rely on.
    assert_eq!(store.auth_fact(owner(2), 0).await.expect("fact"), None);
    assert_eq!(store.auth_fact(owner(3), 4).await.expect("fact"), Some(PubKeyHash([5; 20])));
    assert_eq!(store.auth_fact(owner(3), 5).await.expect("fact"), None);
    assert_eq!(store.l1_cursor().await.expect("cursor"), Some((15, [15; 32])));
    assert_eq!(store.l1_block_hash(12).await.expect("hash"), Some([12; 32]));
    assert_eq!(store.tokens().await.expect("tokens"), vec![usdc.clone(), dai]);
    // A different request under a known serial id is refused, with nothing written.
    let mut other = deposit(1, 12);
    other.expiration += 1;
    let bad = WatchedRange {
        priority_ops: vec![deposit(3, 16), other],
        cursor: (16, [16; 32]),
        ..Default::default()
    };
    assert!(matches!(store.apply_watched_range(&bad).await, Err(StorageError::Conflict(_))));
    assert_eq!(store.l1_cursor().await.expect("cursor"), Some((15, [15; 32])));
    assert_eq!(store.priority_op(3).await.expect("op"), None);
    // Rewind to 12: request 2, DAI and hash 14 go; the cursor is block 12 with its hash.
    store.rewind_l1(12).await.expect("rewind");
    assert_eq!(store.l1_cursor().await.expect("cursor"), Some((12, [12; 32])));
    assert_eq!(store.l1_block_hash(14).await.expect("hash"), None);
    assert_eq!(store.tokens().await.expect("tokens"), vec![usdc]);
    assert_eq!(store.auth_fact(owner(3), 4).await.expect("fact"), None, "set above the fork");
    assert_eq!(store.auth_fact(owner(1), 0).await.expect("fact"), Some(PubKeyHash([9; 20])));
    let pending: Vec<_> =
        store.pending_priority_ops().await.expect("ops").iter().map(|o| o.serial_id).collect();
    assert_eq!(pending, vec![0, 1]);
    assert!(matches!(store.rewind_l1(5).await, Err(StorageError::Conflict(_))), "no hash of 5");
    // A processed request pins its L1 block.
    let mut serial = 1; // request 0 stays pending; 1 was forgotten by the rewind to 12
    store.rewind_l1(11).await.expect("rewind");
    let s = seal(&store, 0, &mut serial, None).await;
    store.write_sealed_block(&s).await.expect("block 1");
    let err = store.rewind_l1(9).await;
    assert!(matches!(err, Err(StorageError::Conflict(_))), "{err:?}");
}

// ---- corrupt rows ----

async fn corrupt_rows(store: SqlStore) {
    two_blocks(&store).await;
    let pool = store.pool();
    let exec = |sql: &'static str| async move { sqlx::query(sql).execute(pool).await.expect(sql) };
    exec("UPDATE balance_versions SET amount = 'lots' WHERE account_id = 1").await;
    let err = store.state_at(None).await.expect_err("bad amount");
    assert!(matches!(err, StorageError::Corrupt { table: "balance_versions", .. }), "{err}");
    sqlx::query("UPDATE blocks SET pubdata = $1 WHERE number = 1")
        .bind(vec![0xeeu8; tern_types::params::CHUNK_BYTES])
        .execute(pool)
        .await
        .expect("pubdata");
    let err = store.block(1).await;
    assert!(matches!(err, Err(StorageError::Corrupt { .. })), "{err:?}");
    sqlx::query("UPDATE blocks SET new_root = $1 WHERE number = 2")
        .bind(vec![0xffu8; 32])
        .execute(pool)
        .await
        .expect("root");
    assert!(matches!(store.block(2).await, Err(StorageError::Corrupt { table: "blocks", .. })));
    exec("UPDATE prover_jobs SET status = 9 WHERE block = 1").await;
    assert!(matches!(store.job(1).await, Err(StorageError::Corrupt { .. })));
    sqlx::query("UPDATE account_versions SET address = $1 WHERE account_id = 0")
        .bind(vec![1u8; 7])
        .execute(pool)
        .await
        .expect("address");
    assert!(matches!(
        store.account_at(AccountId(0), None).await,
        Err(StorageError::Corrupt { .. })
    ));
    exec("UPDATE txs SET status = 7").await;
    let some = store.account_txs(AccountId(1), 5).await;
    assert!(matches!(some, Err(StorageError::Corrupt { table: "txs", .. })), "{some:?}");
}
