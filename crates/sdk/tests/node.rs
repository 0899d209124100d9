//! The SDK against a real node core and `tern-rpc`'s servers on 127.0.0.1, over a fresh SQLite
//! database: deposits are seeded as the L1 watcher stores them, a task seals a block every
//! 100 ms, and the wallet sets its key, transfers (alone and in a batch), withdraws and reads
//! the balances back, through HTTP and the WebSocket subscriptions. No L1 is involved (blocks
//! are sealed, not committed on L1), so the waits are for `COMMIT` only.

use alloy_primitives::Address;
use std::sync::Arc;
use std::time::Duration;
use tern_node::fees::{FeeConfig, FeeModel};
use tern_node::launch::ChainInfo;
use tern_node::metrics::Metrics;
use tern_node::node::NodeCore;
use tern_node::sequencer::{MempoolLimits, SealOutcome, Sequencer, SequencerConfig};
use tern_rpc::server::{bind, RpcSettings};
use tern_sdk::{FeeChoice, Provider, SdkError, Wallet};
use tern_state::{ChainConfig, PriorityOp, State};
use tern_storage::{BlockStore, SqlStore, StoredPriorityOp, WatchedRange, WatcherStore};
use tern_types::{AccountId, ETH};

/// Anvil's accounts 1 and 2 (the SDK derives their L2 keys itself).
const ALICE: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const BOB: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };
const ETHER: u128 = 1_000_000_000_000_000_000;

fn deposit(serial_id: u64, to: Address, amount: u128) -> StoredPriorityOp {
    StoredPriorityOp {
        serial_id,
        op: PriorityOp::Deposit { token: ETH, amount, to },
        expiration: 2_000_000_000,
        l1_block: 1,
        l1_tx: [1; 32],
        processed_in: None,
    }
}

/// The fee account (0) and Alice's 10 ETH, in the first block, as the watcher would store them.
async fn seeded(dir: &std::path::Path, alice: Address) -> Arc<NodeCore<SqlStore>> {
    let store = SqlStore::open_data_dir(dir).await.expect("sqlite");
    let deposits = vec![deposit(0, Address::new([0xfe; 20]), 0), deposit(1, alice, 10 * ETHER)];
    let range = WatchedRange {
        priority_ops: deposits.clone(),
        cursor: (1, [1; 32]),
        block_hashes: vec![(1, [1; 32])],
        ..Default::default()
    };
    store.apply_watched_range(&range).await.expect("deposits");
    let config = SequencerConfig {
        chain: CHAIN,
        capacity: 8,
        fee_account: AccountId(0),
        limits: MempoolLimits::default(),
    };
    let mut seq = Sequencer::new(config, State::new(), 0, 0, vec![]);
    let SealOutcome::Block(s) = seq.seal(&deposits, 1_000).expect("seal") else {
        panic!("the deposits make a block")
    };
    store.write_sealed_block(&s.sealed).await.expect("write");
    seq.finish_seal(*s);
    // A gas price of 1 gwei and an enforced quote: the wallet's automatic fees must be enough.
    let fees =
        FeeConfig { gas_price_override: Some(1_000_000_000), enforce: true, ..FeeConfig::free(8) };
    let core = NodeCore::new(store, seq, Metrics::new().expect("metrics"));
    Arc::new(core.with_fees(FeeModel::new(fees)))
}

/// Serves `core` on two free ports and seals a block every 100 ms; returns the provider.
async fn serve(core: Arc<NodeCore<SqlStore>>) -> (Provider, tokio::sync::watch::Sender<bool>) {
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let any = "127.0.0.1:0".parse().expect("addr");
    let bound = bind(RpcSettings::new(any, any)).await.expect("bind");
    let info = ChainInfo { chain_id: CHAIN.chain_id, contract: CHAIN.contract, confirmations: 0 };
    let running = bound.start(Arc::clone(&core), info, shutdown);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = core.seal().await;
        }
    });
    let provider = Provider::new(&format!("http://{}", running.http_addr))
        .expect("provider")
        .with_ws(&format!("ws://{}", running.ws_addr))
        .with_timeout(Duration::from_secs(30))
        .with_poll_interval(Duration::from_millis(50));
    (provider, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_sets_its_key_transfers_and_reads_balances_back() {
    let dir = tempfile::tempdir().expect("dir");
    let alice_address =
        tern_primitives::eth::address_of(&tern_sdk::wallet::parse_eth_key(ALICE).expect("key"));
    let (provider, _stop) = serve(seeded(dir.path(), alice_address).await).await;
    assert_eq!(provider.chain().await.expect("chain"), CHAIN);

    let mut alice = Wallet::new(provider.clone(), ALICE).await.expect("alice");
    let bob = Wallet::new(provider.clone(), BOB).await.expect("bob");
    let eth = alice.token("ETH").expect("ETH is listed");
    let info = alice.sync().await.expect("alice has an account");
    assert_eq!(info.committed.balances["ETH"].0, 10 * ETHER);

    // Before the key is set, L2 transactions are refused by the SDK itself.
    let refused = alice.transfer(bob.address(), &eth, ETHER, FeeChoice::Auto).await;
    assert!(matches!(refused, Err(SdkError::KeyNotSet(a)) if a == alice_address), "{refused:?}");

    let cpk = alice.change_pubkey(&eth, FeeChoice::Auto).await.expect("change pubkey");
    assert!(cpk.fee > 0, "the quote is not free");
    provider.wait_committed(cpk.hash).await.expect("cpk in a block");

    let amount = eth.parse("1.5").expect("amount");
    let sent = alice.transfer(bob.address(), &eth, amount, FeeChoice::Auto).await.expect("send");
    let done = provider.wait_committed(sent.hash).await.expect("transfer in a block");
    assert_eq!(done.success, Some(true));

    let bob_info = bob.account_info().await.expect("bob");
    assert_eq!(bob_info.committed.balances["ETH"].0, amount);
    let alice_info = alice.account_info().await.expect("alice");
    let spent = amount + sent.fee + cpk.fee;
    assert_eq!(alice_info.committed.balances["ETH"].0, 10 * ETHER - spent);
    assert_eq!(alice_info.committed.pub_key_hash, alice.pubkey_hash());

    // More than Alice has: both amounts are in the error.
    let err = alice
        .transfer(bob.address(), &eth, 100 * ETHER, FeeChoice::Exact(0))
        .await
        .expect_err("too much");
    let text = err.to_string();
    assert!(text.contains("100 ETH") && text.contains(&eth.show(10 * ETHER - spent)), "{text}");

    // An atomic batch of two transfers, then a withdrawal, each waited by subscription.
    let a = alice.sign_transfer(bob.address(), &eth, ETHER, FeeChoice::Auto).await.expect("a");
    let b = alice.sign_transfer(bob.address(), &eth, ETHER, FeeChoice::Auto).await.expect("b");
    let batch = alice.submit_batch(vec![a, b]).await.expect("batch");
    for s in &batch {
        provider.wait_committed(s.hash).await.expect("batch in a block");
    }
    let w = alice.withdraw(alice_address, &eth, ETHER / 2, FeeChoice::Auto).await.expect("w");
    provider.wait_committed(w.hash).await.expect("withdrawal in a block");

    let bob_info = bob.account_info().await.expect("bob");
    assert_eq!(bob_info.committed.balances["ETH"].0, amount + 2 * ETHER);
    let fees: u128 = batch.iter().map(|s| s.fee).sum::<u128>() + w.fee;
    let alice_info = alice.account_info().await.expect("alice");
    assert_eq!(
        alice_info.committed.balances["ETH"].0,
        10 * ETHER - spent - 2 * ETHER - ETHER / 2 - fees
    );
    assert_eq!(alice.account().1, alice_info.committed.nonce, "the local nonce kept up");
}
