//! The mempool's admission rules and the sequencer's sealing, without I/O.

use tern_node::sequencer::{
    needs_facts, AdmissionError, MempoolLimits, OnchainFacts, QueuedItem, SealOutcome, Sequencer,
    SequencerConfig,
};
use tern_primitives::Address;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{ChainConfig, PriorityOp, State, TxError, TxItem};
use tern_storage::StoredPriorityOp;
use tern_types::{AccountId, SignedTx, TimeRange, ETH};

const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0xc0; 20]) };
const NOW: u64 = 1_800_000_000;

fn config(capacity: usize) -> SequencerConfig {
    SequencerConfig {
        chain: CHAIN,
        capacity,
        fee_account: AccountId(0),
        limits: MempoolLimits { max_items: 8, max_per_account: 4, max_batch: 3 },
    }
}

fn deposit(serial_id: u64, to: Address, amount: u128) -> StoredPriorityOp {
    StoredPriorityOp {
        serial_id,
        op: PriorityOp::Deposit { token: ETH, amount, to },
        expiration: NOW + 1000,
        l1_block: 1,
        l1_tx: [serial_id as u8; 32],
        processed_in: None,
    }
}

fn block(seq: &Sequencer, priority: &[StoredPriorityOp]) -> tern_node::sequencer::Sealing {
    match seq.seal(priority, NOW).expect("seal") {
        SealOutcome::Block(s) => *s,
        other => panic!("expected a block, got {other:?}"),
    }
}

/// An operator (account 0) and two users with keys and 1,000 wei each.
fn chain() -> (Sequencer, Vec<Wallet>) {
    let mut seq = Sequencer::new(config(16), State::new(), 0, 0, vec![]);
    let mut users: Vec<Wallet> =
        (1..=2).map(|s| Wallet::from_seed(s, CHAIN).expect("wallet")).collect();
    let deps = [
        deposit(0, Address::new([0xfe; 20]), 0),
        deposit(1, users[0].address, 1000),
        deposit(2, users[1].address, 1000),
    ];
    let sealing = block(&seq, &deps);
    assert_eq!(sealing.sealed.priority_ops, vec![0, 1, 2]);
    seq.finish_seal(sealing);
    for (i, u) in users.iter_mut().enumerate() {
        u.account_id = AccountId(i as u32 + 1);
        let cpk = u.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
        admit(&mut seq, cpk, i as u64);
    }
    let sealing = block(&seq, &[]);
    seq.finish_seal(sealing);
    (seq, users)
}

fn admit(seq: &mut Sequencer, tx: SignedTx, n: u64) {
    let a = seq.check(TxItem::Single(tx), NOW).expect("admitted");
    seq.accept(a, n);
}

fn refuse(seq: &mut Sequencer, item: TxItem) -> AdmissionError {
    match seq.check(item, NOW) {
        Ok(_) => panic!("admitted"),
        Err(e) => e,
    }
}

#[test]
fn admission_sees_the_queued_transactions() {
    let (mut seq, mut users) = chain();
    let to = users[1].address;
    admit(&mut seq, users[0].transfer(to, ETH, 600, 0).expect("sign"), 10);
    // A second transfer of 600 would pass against the committed state alone.
    let over = users[0].transfer(to, ETH, 600, 0).expect("sign");
    assert!(matches!(
        refuse(&mut seq, TxItem::Single(over)),
        AdmissionError::Rule(TxError::InsufficientBalance { .. })
    ));
    // The refused transaction changed nothing: its nonce is still free.
    users[0].nonce -= 1;
    admit(&mut seq, users[0].transfer(to, ETH, 400, 0).expect("sign"), 11);
    let sealing = block(&seq, &[]);
    assert_eq!(sealing.sealed.included.len(), 2);
    assert_eq!(sealing.sealed.consumed_items, vec![10, 11]);
    seq.finish_seal(sealing);
    assert_eq!(seq.committed().balance(AccountId(2), ETH), 2000);
    assert_eq!(seq.queue_len(), 0);
    assert!(matches!(seq.seal(&[], NOW).expect("seal"), SealOutcome::Idle));
}

#[test]
fn bad_input_is_refused_with_the_rule_and_changes_nothing() {
    let (mut seq, mut users) = chain();
    let to = users[1].address;
    let tx = users[0].transfer(to, ETH, 1, 0).expect("sign");
    admit(&mut seq, tx.clone(), 10);
    assert!(matches!(refuse(&mut seq, TxItem::Single(tx)), AdmissionError::Duplicate(_)));
    users[0].nonce += 5;
    let gap = users[0].transfer(to, ETH, 1, 0).expect("sign");
    assert!(matches!(
        refuse(&mut seq, TxItem::Single(gap)),
        AdmissionError::Rule(TxError::NonceMismatch { .. })
    ));
    users[0].nonce -= 6;
    let mut forged = users[0].transfer(to, ETH, 1, 0).expect("sign");
    if let SignedTx::Transfer(t) = &mut forged {
        t.tx.amount = 2;
    }
    assert!(matches!(
        refuse(&mut seq, TxItem::Single(forged)),
        AdmissionError::Rule(TxError::BadSignature { .. })
    ));
    users[0].time_range = TimeRange { valid_from: 0, valid_until: NOW - 1 };
    let expired = users[0].transfer(to, ETH, 1, 0).expect("sign");
    assert!(matches!(
        refuse(&mut seq, TxItem::Single(expired)),
        AdmissionError::Rule(TxError::Expired { .. })
    ));
    assert_eq!(refuse(&mut seq, TxItem::Batch(vec![])), AdmissionError::EmptyBatch);
    assert_eq!(seq.queue_len(), 1);
}

#[test]
fn a_batch_is_all_or_nothing_and_limits_hold() {
    let (mut seq, mut users) = chain();
    let to = users[1].address;
    let ok = users[0].transfer(to, ETH, 1, 0).expect("sign");
    let too_much = users[0].transfer(to, ETH, 5000, 0).expect("sign");
    let err = refuse(&mut seq, TxItem::Batch(vec![ok.clone(), too_much]));
    assert!(matches!(err, AdmissionError::Rule(TxError::Batch { index: 1, .. })), "{err}");
    // The first transaction of the refused batch was undone: it is admitted alone.
    admit(&mut seq, ok, 1);
    users[0].nonce -= 1;
    let four: Vec<_> = (0..4).map(|_| users[0].transfer(to, ETH, 1, 0).expect("sign")).collect();
    assert!(matches!(
        refuse(&mut seq, TxItem::Batch(four.clone())),
        AdmissionError::BatchTooLarge { max: 3, got: 4 }
    ));
    for (i, tx) in four.into_iter().take(3).enumerate() {
        admit(&mut seq, tx, 2 + i as u64);
    }
    let fifth = users[0].transfer(to, ETH, 1, 0).expect("sign");
    assert!(matches!(
        refuse(&mut seq, TxItem::Single(fifth)),
        AdmissionError::AccountLimit { limit: 4, .. }
    ));
}

#[test]
fn a_full_block_defers_the_rest_and_a_restart_resumes_the_queue() {
    let (seq, mut users) = chain();
    let mut cfg = config(4);
    cfg.limits.max_per_account = 10;
    let mut seq = Sequencer::new(cfg, seq.committed().clone(), 2, NOW, vec![]);
    let to = users[1].address;
    let mut queued = Vec::new();
    for n in 0..6u64 {
        let tx = users[0].transfer(to, ETH, 1, 0).expect("sign");
        let a = seq.check(TxItem::Single(tx.clone()), NOW).expect("admitted");
        queued.push(QueuedItem { seq: n, item: TxItem::Single(tx), hashes: a.hashes.clone() });
        seq.accept(a, n);
    }
    let sealing = block(&seq, &[]);
    assert_eq!(sealing.sealed.consumed_items, vec![0, 1, 2, 3]);
    let committed = sealing.sealed.block.header.new_root;
    seq.finish_seal(sealing);
    assert_eq!(seq.queue_len(), 2);
    // A restart: the committed state and the queue still stored.
    let mut restarted = Sequencer::new(cfg, seq.committed().clone(), 3, NOW, queued[4..].to_vec());
    let next = users[0].transfer(to, ETH, 1, 0).expect("sign");
    let a = restarted.check(TxItem::Single(next), NOW).expect("the nonce after the queue");
    restarted.accept(a, 6);
    let sealing = block(&restarted, &[]);
    assert_eq!(sealing.sealed.block.header.old_root, committed);
    assert_eq!(sealing.sealed.consumed_items, vec![4, 5, 6]);
}

#[test]
fn a_transaction_that_expires_in_the_queue_fails_without_a_block() {
    let (mut seq, mut users) = chain();
    users[0].time_range = TimeRange { valid_from: 0, valid_until: NOW + 5 };
    let to = users[1].address;
    let tx = users[0].transfer(to, ETH, 1, 0).expect("sign");
    admit(&mut seq, tx, 7);
    match seq.seal(&[], NOW + 10).expect("seal") {
        SealOutcome::OnlyFailures(f) => {
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].seq, 7);
            assert!(f[0].txs[0].1.contains("expired"), "{}", f[0].txs[0].1);
        }
        other => panic!("expected failures only, got {other:?}"),
    }
    seq.drop_failed(&[7]);
    assert_eq!(seq.queue_len(), 0);
}

#[test]
fn an_onchain_change_pubkey_needs_its_fact_at_admission_and_at_sealing() {
    let (mut seq, _) = chain();
    let mut carol = Wallet::from_seed(3, CHAIN).expect("wallet");
    let sealing = block(&seq, &[deposit(3, carol.address, 500)]);
    seq.finish_seal(sealing);
    carol.account_id = AccountId(3);
    let item = TxItem::Single(carol.change_pubkey(AuthKind::Onchain, ETH, 0).expect("sign"));
    assert!(needs_facts(&item));
    assert_eq!(seq.onchain_auths([&item]), vec![(carol.address, 0)]);
    let err = refuse(&mut seq, item.clone());
    assert!(err.to_string().contains("on-chain"), "{err}");
    // A fact for another key or nonce does not help.
    let other = OnchainFacts::from([(carol.address, carol.pubkey_hash(), 1)]);
    seq.add_facts(other);
    refuse(&mut seq, item.clone());
    let fact = OnchainFacts::from([(carol.address, carol.pubkey_hash(), 0)]);
    seq.add_facts(fact.clone());
    let a = seq.check(item, NOW).expect("admitted with its fact");
    seq.accept(a, 9);
    assert_eq!(seq.queued_onchain_auths(), vec![(carol.address, 0)]);
    // The fact is gone by sealing time (its owner replaced it): the ChangePubKey fails, not
    // the L1 commit.
    seq.set_facts(OnchainFacts::new());
    match seq.seal(&[], NOW).expect("seal") {
        SealOutcome::OnlyFailures(f) => assert_eq!(f[0].seq, 9),
        other => panic!("expected the ChangePubKey to fail, got {other:?}"),
    }
    // With the fact, it is sealed and the key is set.
    seq.set_facts(fact);
    let sealing = block(&seq, &[]);
    seq.finish_seal(sealing);
    let account = seq.committed().account(AccountId(3)).expect("carol");
    assert_eq!(account.pubkey_hash, carol.pubkey_hash());
    assert!(!needs_facts(&TxItem::Single(carol.transfer(Address::ZERO, ETH, 1, 0).expect("sign"))));
}
