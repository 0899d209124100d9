//! Property tests of the state transition: random sequences of valid and invalid transactions
//! (wrong nonces, unlisted tokens, unaffordable or unpackable amounts, bad fees, expired time
//! ranges, unknown recipients) from six wallets with keys, run through `build_block`.
//!
//! Each block is also executed step by step on a shadow copy of the state through
//! `State::apply_priority` / `State::apply_tx`, which must agree with the builder exactly (same
//! operations, same rejections, same root). Checked for every block:
//! (a) each token's total supply changes only by deposits minus withdrawals (Withdraw,
//!     ForcedExit and FullExit amounts in the block's ops); fees stay on L2;
//! (b) each account's nonce rises by exactly the number of its applied transactions (plus one
//!     for each fill-or-kill order it had filled by another submitter);
//! (c) the incremental root equals `State::root_from_scratch()`;
//! (d) a rejected transaction leaves the state bit-identical (root and all account data);
//! (e) replaying the block's pubdata alone (`replay_block`, as a restore does) gives the same
//!     state.

mod common;

use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use tern_primitives::Address;
use tern_state::execute::{verify_signatures, BlockContext, Fees};
use tern_state::replay::replay_block;
use tern_state::wallet::Wallet;
use tern_state::{PriorityOp, Rejected, State, TxItem};
use tern_types::block::decode_pubdata;
use tern_types::{AccountId, Op, SignedTx, TimeRange, TokenId, ETH};

/// Number of wallets with keys.
const WALLETS: usize = 6;
/// Addresses that start without accounts; transfers and deposits may create them.
const FRESH: usize = 4;
/// Each wallet's starting balance in ETH, T1 and T2.
const START: u128 = 1_000_000;
/// Tokens the generator picks from: three listed ones and an unlisted one.
const TOKENS: [TokenId; 4] = [ETH, T1, T2, UNLISTED];
/// Listed tokens whose supply is tracked.
const LISTED: [TokenId; 3] = [ETH, T1, T2];

fn fresh(i: usize) -> Address {
    Address::new([0xa0 + i as u8; 20])
}

/// The genesis state with six funded wallets whose keys are set, built once.
fn setup() -> &'static (State, Vec<Wallet>, u64) {
    static SETUP: OnceLock<(State, Vec<Wallet>, u64)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let mut env = Env::new();
        let seeds: Vec<u64> = (1..=WALLETS as u64).collect();
        let wallets = env.users(&seeds, &[(ETH, START), (T1, START), (T2, START)]);
        (env.state, wallets, env.number)
    })
}

#[derive(Debug, Clone, Copy)]
enum Amount {
    /// Usually affordable.
    Small(u128),
    /// Packable but more than anyone holds.
    Huge,
    /// Not representable as an amount float (the signature covers a packable amount).
    Unpackable,
}

impl Amount {
    fn value(self) -> u128 {
        match self {
            Amount::Small(v) => v,
            Amount::Huge => 10u128.pow(30),
            Amount::Unpackable => 1,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Common {
    /// Index of the signing wallet.
    from: usize,
    /// Added to the correct nonce (usually 0).
    nonce_off: i8,
    fee: u128,
    expired: bool,
}

#[derive(Debug, Clone)]
enum Action {
    /// `to`: a wallet (below `WALLETS`) or a fresh address.
    Transfer {
        c: Common,
        to: usize,
        token: usize,
        amount: Amount,
    },
    Withdraw {
        c: Common,
        token: usize,
        amount: u128,
        to_zero: bool,
    },
    /// `target`: a wallet (has a key: refused) or a fresh address (keyless or absent).
    ForcedExit {
        c: Common,
        target: usize,
        token: usize,
    },
    /// Orders of wallets `a` and `b` at ratio 1:1, submitted by `c.from`.
    Swap {
        c: Common,
        a: usize,
        b: usize,
        tokens: [usize; 2],
        amounts: [u128; 2],
        fill_or_kill: bool,
    },
    MintNft {
        c: Common,
        to: usize,
    },
}

#[derive(Debug, Clone)]
enum Priority {
    Deposit { to: usize, token: usize, amount: u128 },
    FullExit { who: usize, token: usize, owner_ok: bool },
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        8 => (0u128..3_000).prop_map(Amount::Small),
        1 => Just(Amount::Huge),
        1 => Just(Amount::Unpackable),
    ]
}

fn common() -> impl Strategy<Value = Common> {
    (
        0..WALLETS,
        prop_oneof![8 => Just(0i8), 2 => -2i8..=3],
        prop_oneof![6 => 0u128..=20, 1 => Just(1_234u128)],
        prop::bool::weighted(0.05),
    )
        .prop_map(|(from, nonce_off, fee, expired)| Common { from, nonce_off, fee, expired })
}

fn action() -> impl Strategy<Value = Action> {
    let recipient = 0..WALLETS + FRESH;
    let token = prop_oneof![9 => 0usize..3, 1 => Just(3usize)];
    prop_oneof![
        5 => (common(), recipient.clone(), token.clone(), amount())
            .prop_map(|(c, to, token, amount)| Action::Transfer { c, to, token, amount }),
        2 => (common(), token.clone(), 0u128..3_000, prop::bool::weighted(0.1))
            .prop_map(|(c, token, amount, to_zero)| Action::Withdraw { c, token, amount, to_zero }),
        1 => (common(), recipient.clone(), token.clone())
            .prop_map(|(c, target, token)| Action::ForcedExit { c, target, token }),
        2 => (
            common(),
            0..WALLETS,
            0..WALLETS,
            (token.clone(), token),
            (1u128..2_000, prop::bool::weighted(0.8), 1u128..2_000),
            any::<bool>(),
        )
            .prop_map(|(c, a, b, (t0, t1), (x, same, y), fill_or_kill)| Action::Swap {
                c,
                a,
                b,
                tokens: [t0, t1],
                amounts: [x, if same { x } else { y }],
                fill_or_kill,
            }),
        1 => (common(), recipient).prop_map(|(c, to)| Action::MintNft { c, to }),
    ]
}

fn priority() -> impl Strategy<Value = Priority> {
    prop_oneof![
        3 => (0..WALLETS + FRESH, 0usize..3, 0u128..100_000)
            .prop_map(|(to, token, amount)| Priority::Deposit { to, token, amount }),
        1 => (0..WALLETS, 0usize..3, any::<bool>())
            .prop_map(|(who, token, owner_ok)| Priority::FullExit { who, token, owner_ok }),
    ]
}

fn block() -> impl Strategy<Value = (Vec<Priority>, Vec<Action>)> {
    (prop::collection::vec(priority(), 0..4), prop::collection::vec(action(), 8..24))
}

fn address_of(wallets: &[Wallet], i: usize) -> Address {
    if i < WALLETS {
        wallets[i].address
    } else {
        fresh(i - WALLETS)
    }
}

/// Signs `action` against the shadow state: nonces are the accounts' current ones, plus the
/// action's offset for the signer. Returns the transaction and the nonce bumps it causes if
/// applied.
fn sign(action: &Action, wallets: &mut [Wallet], shadow: &State) -> (SignedTx, Vec<AccountId>) {
    let c = match action {
        Action::Transfer { c, .. }
        | Action::Withdraw { c, .. }
        | Action::ForcedExit { c, .. }
        | Action::Swap { c, .. }
        | Action::MintNft { c, .. } => *c,
    };
    let addresses: Vec<Address> = (0..WALLETS + FRESH).map(|i| address_of(wallets, i)).collect();
    for w in wallets.iter_mut() {
        w.nonce = shadow.account(w.account_id).expect("wallet account").nonce;
        w.time_range = TimeRange::ALWAYS;
    }
    let signer = wallets[c.from].account_id;
    let mut bumps = vec![signer];
    let w = &mut wallets[c.from];
    w.nonce = w.nonce.wrapping_add_signed(i32::from(c.nonce_off));
    if c.expired {
        w.time_range = TimeRange { valid_from: 0, valid_until: TS - 1 };
    }
    let tx = match action {
        Action::Transfer { to, token, amount, .. } => {
            let mut tx = w
                .transfer(addresses[*to], TOKENS[*token], amount.value(), c.fee.min(20))
                .expect("sign");
            if let SignedTx::Transfer(s) = &mut tx {
                if matches!(amount, Amount::Unpackable) {
                    s.tx.amount = 123_456_789;
                }
                s.tx.fee = c.fee;
            }
            tx
        }
        Action::Withdraw { token, amount, to_zero, .. } => {
            let to = if *to_zero { Address::ZERO } else { w.address };
            let mut tx = w.withdraw(to, TOKENS[*token], *amount, c.fee.min(20)).expect("sign");
            if let SignedTx::Withdraw(s) = &mut tx {
                s.tx.fee = c.fee;
            }
            tx
        }
        Action::ForcedExit { target, token, .. } => {
            w.forced_exit(addresses[*target], TOKENS[*token], c.fee.min(20)).expect("sign")
        }
        Action::MintNft { to, .. } => {
            w.mint_nft(addresses[*to], [c.from as u8; 32], ETH, c.fee.min(20)).expect("sign")
        }
        Action::Swap { a, b, tokens, amounts, fill_or_kill, .. } => {
            let (ta, tb) = (TOKENS[tokens[0]], TOKENS[tokens[1]]);
            let amount = |i: usize| if *fill_or_kill { amounts[i] } else { 0 };
            // Orders carry their accounts' true nonces (the submitter's offset applies to the
            // swap alone, so reset it when the submitter also signs an order).
            let order_wallet = |i: usize| {
                let mut o = wallets[i].clone();
                o.nonce = shadow.account(o.account_id).expect("order account").nonce;
                o.time_range = TimeRange::ALWAYS;
                o
            };
            let oa = order_wallet(*a).order(ta, tb, (1, 1), amount(0)).expect("order");
            let ob = order_wallet(*b).order(tb, ta, (1, 1), amount(1)).expect("order");
            if *fill_or_kill {
                for i in [*a, *b] {
                    if wallets[i].account_id != signer {
                        bumps.push(wallets[i].account_id);
                    }
                }
            }
            wallets[c.from].swap([oa, ob], *amounts, ETH, c.fee.min(20)).expect("sign")
        }
    };
    // Fees above 20 stand for an unpackable fee; the tampered fee breaks the signature check
    // (an encoding error) before anything else.
    let mut tx = tx;
    if c.fee > 20 {
        match &mut tx {
            SignedTx::ForcedExit(s) => s.tx.fee = c.fee,
            SignedTx::MintNft(s) => s.tx.fee = c.fee,
            SignedTx::Swap(s) => s.tx.fee = c.fee,
            _ => {}
        }
    }
    (tx, bumps)
}

fn to_priority(p: &Priority, wallets: &[Wallet]) -> PriorityOp {
    match *p {
        Priority::Deposit { to, token, amount } => {
            PriorityOp::Deposit { token: TOKENS[token], amount, to: address_of(wallets, to) }
        }
        Priority::FullExit { who, token, owner_ok } => PriorityOp::FullExit {
            account_id: wallets[who].account_id,
            owner: if owner_ok { wallets[who].address } else { fresh(0) },
            token: TOKENS[token],
        },
    }
}

/// Runs one block both through the builder and step by step, and checks (a) to (d).
fn run_block(
    env: &mut Env,
    wallets: &mut [Wallet],
    priority: &[Priority],
    actions: &[Action],
) -> (usize, usize) {
    let mut pre = env.state.clone();
    let pre_snapshot = snapshot(&mut pre);
    let priority: Vec<PriorityOp> = priority.iter().map(|p| to_priority(p, wallets)).collect();
    let ctx =
        BlockContext { chain: CHAIN, timestamp: TS, fee_account: FEE_ACCOUNT, facts: &env.facts };

    // Step-by-step execution on a shadow state.
    let mut shadow = pre.clone();
    let mut fees = Fees::default();
    let mut ops = Vec::new();
    for p in &priority {
        ops.push(shadow.apply_priority(p, &ctx, &fees).expect("priority operation applies"));
    }
    let mut items = Vec::new();
    let mut rejected = Vec::new();
    let mut bumps: BTreeMap<AccountId, u32> = BTreeMap::new();
    for (index, action) in actions.iter().enumerate() {
        let (tx, tx_bumps) = sign(action, wallets, &shadow);
        let before = snapshot(&mut shadow);
        let result = verify_signatures(&tx).and_then(|s| shadow.apply_tx(&tx, &s, &ctx, &mut fees));
        match result {
            Ok(op) => {
                ops.push(op);
                for id in tx_bumps {
                    *bumps.entry(id).or_default() += 1;
                }
            }
            Err(error) => {
                // (d) a rejected transaction changes nothing.
                assert_eq!(
                    snapshot(&mut shadow),
                    before,
                    "rejected {action:?} changed the state: {error}"
                );
                rejected.push(Rejected { index, error });
            }
        }
        items.push(TxItem::Single(tx));
    }
    shadow.credit_fees(FEE_ACCOUNT, &fees).expect("fees credit");

    // The builder (Env::build also checks roots, root_from_scratch, padding and decoding).
    let built = env.build(&priority, items);
    assert_eq!(built.priority_processed, priority.len());
    assert_eq!(built.deferred, Vec::<usize>::new());
    assert_eq!(built.rejected, rejected, "builder and step-by-step rejections differ");
    assert_eq!(built.block.ops, ops, "builder and step-by-step operations differ");
    assert_eq!(built.fees, fees);
    let mut post = env.state.clone();
    assert_eq!(
        snapshot(&mut shadow),
        snapshot(&mut post),
        "builder and step-by-step states differ"
    );

    // (c) incremental root equals the root from scratch.
    assert_eq!(post.root(), post.root_from_scratch().expect("root from scratch"));
    assert_eq!(built.block.header.old_root, pre_snapshot.root);
    assert_eq!(built.block.header.new_root, post.root());

    // (e) the pubdata alone replays to the same state (what a restore from L1 does).
    let mut replayed = pre.clone();
    let decoded = decode_pubdata(&built.block.pubdata().expect("pubdata")).expect("decodes");
    replay_block(&mut replayed, FEE_ACCOUNT, &decoded).expect("the block replays");
    assert_eq!(snapshot(&mut replayed), snapshot(&mut post), "replayed state differs");

    // (a) supply changes only by deposits minus withdrawals.
    for token in LISTED {
        let (mut deposited, mut withdrawn) = (0u128, 0u128);
        for op in &built.block.ops {
            match op {
                Op::Deposit(d) if d.token == token => deposited += d.amount,
                Op::Withdraw(w) if w.token == token => withdrawn += w.amount,
                Op::ForcedExit(f) if f.token == token => withdrawn += f.amount,
                Op::FullExit(f) if f.token == token => withdrawn += f.amount,
                _ => {}
            }
        }
        assert_eq!(
            post.total_supply(token) + withdrawn,
            pre.total_supply(token) + deposited,
            "supply of {token} moved by more than deposits and withdrawals"
        );
    }

    // (b) nonces rise by exactly the applied transactions.
    for (id, account) in post.accounts() {
        let old = pre.account(id).map(|a| a.nonce).unwrap_or(0);
        let expected = bumps.get(&id).copied().unwrap_or(0);
        assert_eq!(account.nonce, old + expected, "nonce of {id}");
    }

    let applied = actions.len() - built.rejected.len();
    assert_eq!(built.block.ops.len(), priority.len() + applied);
    (applied, built.rejected.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_blocks_keep_the_invariants(blocks in prop::collection::vec(block(), 1..=2)) {
        let (state, wallets, number) = setup();
        let mut env = Env { state: state.clone(), number: *number, facts: Facts::new(), capacity: 160 };
        let mut wallets = wallets.clone();
        let mut total_applied = 0;
        for (priority, actions) in &blocks {
            let (applied, _) = run_block(&mut env, &mut wallets, priority, actions);
            total_applied += applied;
        }
        prop_assert!(total_applied <= blocks.iter().map(|b| b.1.len()).sum::<usize>());
    }
}

/// A fixed sequence that is sure to mix accepted and rejected transactions of every kind the
/// generator makes, so the invariants are exercised on both paths whatever proptest draws.
#[test]
fn fixed_mixed_block_keeps_the_invariants() {
    let (state, wallets, number) = setup();
    let mut env = Env { state: state.clone(), number: *number, facts: Facts::new(), capacity: 160 };
    let mut wallets = wallets.clone();
    let ok = |from| Common { from, nonce_off: 0, fee: 3, expired: false };
    let actions = vec![
        Action::Transfer { c: ok(0), to: 1, token: 0, amount: Amount::Small(500) },
        Action::Transfer { c: ok(1), to: WALLETS, token: 1, amount: Amount::Small(700) },
        Action::Transfer { c: ok(2), to: 3, token: 2, amount: Amount::Huge },
        Action::Transfer { c: ok(2), to: 3, token: 2, amount: Amount::Unpackable },
        Action::Transfer { c: ok(3), to: 4, token: 3, amount: Amount::Small(1) },
        Action::Transfer {
            c: Common { nonce_off: 2, ..ok(4) },
            to: 0,
            token: 0,
            amount: Amount::Small(1),
        },
        Action::Transfer {
            c: Common { expired: true, ..ok(4) },
            to: 0,
            token: 0,
            amount: Amount::Small(1),
        },
        Action::Transfer {
            c: Common { fee: 1_234, ..ok(4) },
            to: 0,
            token: 0,
            amount: Amount::Small(1),
        },
        Action::Withdraw { c: ok(5), token: 1, amount: 1_000, to_zero: false },
        Action::Withdraw { c: ok(5), token: 1, amount: 1_000, to_zero: true },
        Action::ForcedExit { c: ok(0), target: WALLETS, token: 1 },
        Action::ForcedExit { c: ok(0), target: 2, token: 1 },
        Action::ForcedExit { c: ok(0), target: WALLETS + 3, token: 1 },
        Action::Swap {
            c: ok(2),
            a: 0,
            b: 1,
            tokens: [1, 2],
            amounts: [40, 40],
            fill_or_kill: true,
        },
        Action::Swap {
            c: ok(0),
            a: 0,
            b: 1,
            tokens: [1, 2],
            amounts: [40, 40],
            fill_or_kill: true,
        },
        Action::Swap {
            c: ok(3),
            a: 0,
            b: 1,
            tokens: [1, 2],
            amounts: [40, 41],
            fill_or_kill: false,
        },
        Action::Swap {
            c: ok(3),
            a: 4,
            b: 4,
            tokens: [1, 2],
            amounts: [40, 40],
            fill_or_kill: false,
        },
        Action::MintNft { c: ok(1), to: 2 },
        Action::MintNft { c: ok(1), to: WALLETS + 2 },
    ];
    let priority = vec![
        Priority::Deposit { to: WALLETS + 1, token: 1, amount: 5_000 },
        Priority::FullExit { who: 5, token: 2, owner_ok: true },
        Priority::FullExit { who: 4, token: 2, owner_ok: false },
    ];
    let (applied, rejected) = run_block(&mut env, &mut wallets, &priority, &actions);
    // Accepted: two transfers, a withdrawal, a forced exit, two swaps (one submitted by an
    // order account) and a mint; every other action breaks one rule.
    assert_eq!(applied, 7);
    assert_eq!(rejected, actions.len() - 7);
    assert_eq!(
        env.state.balance(wallets[5].account_id, T2),
        0,
        "the owner's full exit withdrew everything"
    );
    assert_eq!(
        env.state.balance(wallets[4].account_id, T2),
        START,
        "a stranger's full exit withdrew nothing"
    );
}
