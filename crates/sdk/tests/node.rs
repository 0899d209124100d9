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
use tern_sdk::{FeeChoice, Provider, SdkError, Token, Wallet};
use tern_state::{ChainConfig, PriorityOp, State};
use tern_storage::{
    BlockStore, L1Stage, SqlStore, StoredPriorityOp, TokenInfo, WatchedRange, WatcherStore,
};
use tern_types::{AccountId, NftId, TokenId, ETH};

/// Anvil's accounts 1 and 2 (the SDK derives their L2 keys itself).
const ALICE: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const BOB: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };
const ETHER: u128 = 1_000_000_000_000_000_000;

fn deposit(serial_id: u64, to: Address, token: TokenId, amount: u128) -> StoredPriorityOp {
    StoredPriorityOp {
        serial_id,
        op: PriorityOp::Deposit { token, amount, to },
        expiration: 2_000_000_000,
        l1_block: 1,
        l1_tx: [1; 32],
        processed_in: None,
    }
}

/// The fee account (0) and `funds` deposited, in the first block, as the watcher would store
/// them.
async fn seeded(
    dir: &std::path::Path,
    funds: &[(Address, TokenId, u128)],
) -> Arc<NodeCore<SqlStore>> {
    let store = SqlStore::open_data_dir(dir).await.expect("sqlite");
    let mut deposits = vec![deposit(0, Address::new([0xfe; 20]), ETH, 0)];
    for (i, (to, token, amount)) in funds.iter().enumerate() {
        deposits.push(deposit(i as u64 + 1, *to, *token, *amount));
    }
    // Every token deposited other than ETH is listed, as the L1 watcher would have seen it.
    let mut listed: Vec<TokenId> = funds.iter().map(|f| f.1).filter(|t| *t != ETH).collect();
    listed.dedup();
    let tokens = listed
        .iter()
        .map(|&id| TokenInfo {
            id,
            address: Address::repeat_byte(0xaa),
            l1_block: 1,
            symbol: None,
            decimals: None,
        })
        .collect();
    let range = WatchedRange {
        priority_ops: deposits.clone(),
        tokens,
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
    seq.list_tokens(&listed).expect("list");
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

fn address(key: &str) -> Address {
    tern_primitives::eth::address_of(&tern_sdk::wallet::parse_eth_key(key).expect("key"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_sets_its_key_transfers_and_reads_balances_back() {
    let dir = tempfile::tempdir().expect("dir");
    let alice_address =
        tern_primitives::eth::address_of(&tern_sdk::wallet::parse_eth_key(ALICE).expect("key"));
    let core = seeded(dir.path(), &[(alice_address, ETH, 10 * ETHER)]).await;
    let (provider, _stop) = serve(Arc::clone(&core)).await;
    assert_eq!(provider.chain().await.expect("chain"), CHAIN);

    let mut alice = Wallet::new(provider.clone(), ALICE).await.expect("alice");
    let bob = Wallet::new(provider.clone(), BOB).await.expect("bob");
    let eth = alice.token("ETH").expect("ETH is listed");
    let info = alice.sync().await.expect("alice has an account");
    assert_eq!(info.committed.balances["ETH"].0, 10 * ETHER);

    // A wallet set up for another contract refuses to sign for this node.
    let other = ChainConfig { contract: Address::repeat_byte(1), ..CHAIN };
    let mut wrong =
        Wallet::with_chain(provider.clone(), ALICE, other, alice.tokens().clone()).expect("wallet");
    assert!(matches!(wrong.sync().await, Err(SdkError::ChainMismatch { .. })));

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

    // Executed on L1 (marked in storage, as the L1 sender would): the waits for VERIFY end.
    let verified = tokio::spawn({
        let provider = provider.clone();
        async move { provider.wait_verified(w.hash).await }
    });
    let deposit = tokio::spawn({
        let provider = provider.clone();
        async move { provider.wait_ethop(1, true).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let last = provider.status().await.expect("status").last_sealed;
    core.store().set_l1_stage(1, last, L1Stage::Executed, [0xee; 32]).await.expect("stage");
    let info = verified.await.expect("join").expect("verified");
    assert!(info.block.is_some_and(|b| b.verified), "{info:?}");
    let op = deposit.await.expect("join").expect("deposit verified");
    assert_eq!(op.block.map(|b| (b.block_number, b.verified)), Some((1, true)));
    let alice_info = alice.account_info().await.expect("alice");
    assert_eq!(alice_info.verified, alice_info.committed);

    // A hash no node has seen: the wait gives up after its timeout, with a typed error.
    let short = provider.clone().with_timeout(Duration::from_millis(300));
    let unknown = tern_rpc::types::TxHash([0x5a; 32]);
    let err = short.wait_committed(unknown).await.expect_err("never");
    assert!(matches!(err, SdkError::Timeout { state: "committed", .. }), "{err}");
}

/// Sets the wallet's L2 key and waits for the block.
async fn set_key(w: &mut Wallet, eth: &Token) {
    let cpk = w.change_pubkey(eth, FeeChoice::Auto).await.expect("change pubkey");
    w.provider().wait_committed(cpk.hash).await.expect("cpk in a block");
}

async fn committed(p: &Provider, s: &tern_sdk::Submitted) {
    let info = p.wait_committed(s.hash).await.expect("in a block");
    assert_eq!(info.success, Some(true), "{}", s.tx.name());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_nfts_and_forced_exits_through_the_wallet() {
    let dir = tempfile::tempdir().expect("dir");
    let t1 = TokenId(1);
    let funds = [(address(ALICE), ETH, 10 * ETHER), (address(BOB), t1, 1_000 * ETHER)];
    let (provider, _stop) = serve(seeded(dir.path(), &funds).await).await;
    let mut alice = Wallet::new(provider.clone(), ALICE).await.expect("alice");
    let mut bob = Wallet::new(provider.clone(), BOB).await.expect("bob");
    let eth = alice.token("ETH").expect("ETH");
    // The node names unlisted-on-L1-metadata tokens `ERC20-<id>` and knows no decimals, so
    // the SDK reads their amounts in base units.
    let usd = alice.token("ERC20-1").expect("token 1 is listed");
    assert_eq!((usd.id, usd.decimals), (t1, 0));

    set_key(&mut alice, &eth).await;
    committed(
        &provider,
        &alice.transfer(bob.address(), &eth, ETHER, FeeChoice::Auto).await.expect("fund bob"),
    )
    .await;
    set_key(&mut bob, &eth).await;

    // Alice sells exactly 0.01 ETH for 1 ERC20-1 (fill-or-kill); Bob's limit order takes the
    // other side and reaches her as JSON.
    let (sold, bought) = (ETHER / 100, ETHER);
    let mine = alice.sign_order(&eth, &usd, (1, 100), sold).await.expect("alice's order");
    let theirs = bob.sign_order(&usd, &eth, (100, 1), 0).await.expect("bob's order");
    let handed = serde_json::to_string(&tern_sdk::orders::order_to_json(&theirs).expect("json"))
        .expect("serialize");
    let theirs = tern_sdk::orders::order_from_json(&serde_json::from_str(&handed).expect("parse"))
        .expect("order");
    let swap =
        alice.swap([mine, theirs], [sold, bought], &eth, FeeChoice::Auto).await.expect("swap");
    committed(&provider, &swap).await;
    let a = alice.account_info().await.expect("alice");
    assert_eq!(a.committed.balances["ERC20-1"].0, bought);
    let b = bob.account_info().await.expect("bob");
    assert_eq!(b.committed.balances["ERC20-1"].0, 1_000 * ETHER - bought);

    // An NFT: minted to Alice, transferred to Bob, withdrawn by Bob.
    let mint = alice.mint_nft(alice.address(), [7; 32], &eth, FeeChoice::Auto).await.expect("mint");
    committed(&provider, &mint).await;
    let a = alice.account_info().await.expect("alice");
    let id: u32 = a.committed.nfts.keys().next().expect("alice owns the NFT").parse().expect("id");
    let moved =
        alice.transfer_nft(bob.address(), NftId(id), &eth, FeeChoice::Auto).await.expect("move");
    committed(&provider, &moved).await;
    let b = bob.account_info().await.expect("bob");
    assert!(b.committed.nfts.contains_key(&id.to_string()), "{b:?}");
    let out = bob.withdraw_nft(bob.address(), NftId(id), &eth, FeeChoice::Auto).await.expect("out");
    committed(&provider, &out).await;
    let b = bob.account_info().await.expect("bob");
    assert!(!b.committed.nfts.contains_key(&id.to_string()), "{b:?}");

    // A keyless account's ETH, forced out by Alice.
    let carol = Address::repeat_byte(0xca);
    committed(
        &provider,
        &alice.transfer(carol, &eth, ETHER / 10, FeeChoice::Auto).await.expect("fund carol"),
    )
    .await;
    let exit = alice.forced_exit(carol, &eth, FeeChoice::Auto).await.expect("forced exit");
    committed(&provider, &exit).await;
    let c = provider.account_info(carol).await.expect("carol");
    assert_eq!(c.committed.balances.get("ETH").map_or(0, |b| b.0), 0, "{c:?}");
}
