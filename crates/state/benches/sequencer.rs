//! The sequencer figure: signed transfers executed per second, with every signature checked and
//! the block's state root computed. `cargo bench -p tern-state --bench sequencer`.
//!
//! Setup (outside the timing): `ACCOUNTS` accounts with keys and ETH. Each iteration builds one
//! block of `TRANSFERS` transfers between random existing accounts from a clone of that state.

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tern_state::builder::{build_block, BlockParams, TxItem};
use tern_state::execute::{verify_signatures, NoFacts, PriorityOp};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{demo::demo_chain, State};
use tern_types::{AccountId, ETH};

const ACCOUNTS: u32 = 1024;
const TRANSFERS: usize = 1024;

fn params(number: u64, capacity: usize) -> BlockParams {
    BlockParams {
        chain: demo_chain(),
        number,
        fee_account: AccountId(0),
        timestamp: 1_700_000_000,
        capacity,
    }
}

fn setup() -> (State, Vec<TxItem>) {
    let chain = demo_chain();
    let mut wallets: Vec<Wallet> =
        (0..ACCOUNTS).map(|i| Wallet::from_seed(u64::from(i), chain).expect("wallet")).collect();
    let deposits: Vec<PriorityOp> = wallets
        .iter()
        .map(|w| PriorityOp::Deposit {
            token: ETH,
            amount: 1_000_000_000_000_000_000,
            to: w.address,
        })
        .collect();
    let mut cpks = Vec::new();
    for (i, w) in wallets.iter_mut().enumerate() {
        w.account_id = AccountId(i as u32);
        cpks.push(TxItem::Single(w.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("cpk")));
    }
    let built =
        build_block(State::new(), &params(1, 16 * ACCOUNTS as usize), &deposits, &cpks, &NoFacts)
            .expect("setup block");
    assert!(built.rejected.is_empty(), "setup rejected {:?}", built.rejected);
    let mut rng = 0x9e3779b97f4a7c15u64;
    let transfers = (0..TRANSFERS)
        .map(|i| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let to = wallets[(rng % u64::from(ACCOUNTS)) as usize].address;
            let from = &mut wallets[i % ACCOUNTS as usize];
            TxItem::Single(from.transfer(to, ETH, 1_000_000_000_000, 10_000_000_000).expect("sign"))
        })
        .collect();
    (built.state, transfers)
}

fn sequencer(c: &mut Criterion) {
    let (state, txs) = setup();
    let mut group = c.benchmark_group("sequencer");
    group.sample_size(10);
    group.throughput(Throughput::Elements(TRANSFERS as u64));
    group.bench_function("block_of_1024_transfers", |b| {
        b.iter_batched(
            || state.clone(),
            |s| {
                let built =
                    build_block(s, &params(2, TRANSFERS), &[], &txs, &NoFacts).expect("block");
                assert_eq!(built.block.ops.len(), TRANSFERS);
                built.block.header.new_root
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("signature_checks_only", |b| {
        let all: Vec<_> = txs
            .iter()
            .filter_map(|t| if let TxItem::Single(t) = t { Some(t) } else { None })
            .collect();
        b.iter(|| {
            use rayon::prelude::*;
            all.par_iter().map(|t| verify_signatures(t).is_ok()).filter(|ok| *ok).count()
        })
    });
    group.finish();
}

criterion_group!(benches, sequencer);
criterion_main!(benches);
