//! The node the API tests serve: a real `NodeCore` on SQLite, without L1. Block 1 holds the
//! operator's and the user's deposits (1,000 wei), block 2 the user's ECDSA ChangePubKey.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use tern_node::fees::{FeeConfig, FeeModel};
use tern_node::launch::ChainInfo;
use tern_node::metrics::Metrics;
use tern_node::node::NodeCore;
use tern_node::sequencer::{MempoolLimits, SealOutcome, Sequencer, SequencerConfig};
use tern_primitives::Address;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{ChainConfig, PriorityOp, State, TxItem};
use tern_storage::BlockStore;
use tern_storage::{MempoolStore, SqlStore, StoredPriorityOp, WatchedRange, WatcherStore};
use tern_types::{AccountId, ETH};

pub const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };
pub const INFO: ChainInfo =
    ChainInfo { chain_id: 31337, contract: CHAIN.contract, confirmations: 3 };
pub const OPERATOR: Address = Address::new([0xfe; 20]);

/// A node core over a fresh SQLite database, and the user's wallet (account 1).
pub struct Node {
    pub core: Arc<NodeCore<SqlStore>>,
    pub user: Wallet,
    pub dir: tempfile::TempDir,
}

/// A deposit of `amount` wei to `to`, seen in L1 block `l1_block`.
pub fn deposit(serial_id: u64, to: Address, amount: u128, l1_block: u64) -> StoredPriorityOp {
    StoredPriorityOp {
        serial_id,
        op: PriorityOp::Deposit { token: ETH, amount, to },
        expiration: 2_000_000_000,
        l1_block,
        l1_tx: [1; 32],
        processed_in: None,
    }
}

/// Records priority requests as the watcher would, up to L1 block `l1_block`.
pub async fn watch_deposits(store: &SqlStore, ops: Vec<StoredPriorityOp>, l1_block: u64) {
    let range = WatchedRange {
        priority_ops: ops,
        cursor: (l1_block, [l1_block as u8; 32]),
        block_hashes: vec![(l1_block, [l1_block as u8; 32])],
        ..Default::default()
    };
    store.apply_watched_range(&range).await.expect("deposits");
}

/// Blocks 1 and 2, then the core (with `fees`, else free devnet fees).
pub async fn node(fees: Option<FeeConfig>) -> Node {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_data_dir(dir.path()).await.expect("sqlite");
    let config = SequencerConfig {
        chain: CHAIN,
        capacity: 8,
        fee_account: AccountId(0),
        limits: MempoolLimits::default(),
    };
    let mut user = Wallet::from_seed(1, CHAIN).expect("wallet");
    let deposits = vec![deposit(0, OPERATOR, 0, 1), deposit(1, user.address, 1000, 1)];
    watch_deposits(&store, deposits.clone(), 1).await;
    let mut seq = Sequencer::new(config, State::new(), 0, 0, vec![]);
    user.account_id = AccountId(1);
    let cpk = user.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    for (priority, tx) in [(deposits, None), (vec![], Some(cpk))] {
        if let Some(tx) = tx {
            let a = seq.check(TxItem::Single(tx), 1_000).expect("admitted");
            let n =
                store.insert_mempool_item(&a.encoded, &a.hashes, false, 1).await.expect("insert");
            seq.accept(a, n);
        }
        let SealOutcome::Block(s) = seq.seal(&priority, 1_000).expect("seal") else {
            panic!("block")
        };
        store.write_sealed_block(&s.sealed).await.expect("write");
        seq.finish_seal(*s);
    }
    let mut core = NodeCore::new(store, seq, Metrics::new().expect("metrics"));
    if let Some(fees) = fees {
        core = core.with_fees(FeeModel::new(fees));
    }
    Node { core: Arc::new(core), user, dir }
}
