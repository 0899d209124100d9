//! `tern demo`: a few blocks on a fresh in-memory state that exercise every operation type,
//! rendered as a readable report. Pure: it returns the report and prints nothing itself.

use crate::builder::{build_block, BlockError, BlockParams, BuiltBlock, TxItem};
use crate::execute::{ChainConfig, PriorityOp};
use crate::state::State;
use crate::wallet::{AuthKind, Wallet, WalletError};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt::Write;
use tern_primitives::field::fr_to_decimal;
use tern_primitives::Address;
use tern_types::params::CHUNK_BYTES;
use tern_types::{AccountId, NftId, Op, TokenId, ETH};

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A wallet could not sign.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// A block could not be built.
    #[error(transparent)]
    Block(#[from] BlockError),
    /// A step did not have the outcome the demo expects.
    #[error("demo step failed: {0}")]
    Unexpected(String),
    /// Formatting failed.
    #[error(transparent)]
    Fmt(#[from] std::fmt::Error),
    /// The pubdata could not be encoded.
    #[error(transparent)]
    Encode(#[from] tern_types::EncodeError),
}

const USDC: TokenId = TokenId(1);
const ETH_UNIT: u128 = 1_000_000_000_000_000_000;
const USDC_UNIT: u128 = 1_000_000;

fn token_name(t: TokenId) -> String {
    match t.0 {
        0 => "ETH".into(),
        1 => "USDC".into(),
        n => format!("token{n}"),
    }
}

/// Chain parameters of the demo (anvil's chain id and a fixed contract address).
pub fn demo_chain() -> ChainConfig {
    ChainConfig { chain_id: 31337, contract: Address::repeat_byte(0x7e) }
}

struct Demo {
    state: Option<State>,
    chain: ChainConfig,
    number: u64,
    out: String,
    bytes_per_op: BTreeMap<&'static str, (usize, usize)>,
    names: BTreeMap<AccountId, &'static str>,
    facts: BTreeSet<(Address, tern_primitives::eddsa::PubKeyHash, u32)>,
    built: Vec<BuiltBlock>,
}

impl Demo {
    fn block(
        &mut self,
        title: &str,
        priority: &[PriorityOp],
        txs: Vec<TxItem>,
        capacity: usize,
    ) -> Result<BuiltBlock, DemoError> {
        self.number += 1;
        let params = BlockParams {
            chain: self.chain,
            number: self.number,
            fee_account: AccountId(0),
            timestamp: 1_700_000_000 + self.number * 12,
            capacity,
        };
        let facts = self.facts.clone();
        let state = self.state.take().ok_or_else(|| DemoError::Unexpected("no state".into()))?;
        let built = build_block(state, &params, priority, &txs, &facts)?;
        let b = &built.block;
        writeln!(self.out, "\n== Block {}: {title}", b.header.number)?;
        writeln!(self.out, "   old root   {}", fr_to_decimal(&b.header.old_root))?;
        writeln!(self.out, "   new root   {}", fr_to_decimal(&b.header.new_root))?;
        writeln!(self.out, "   commitment 0x{}", hex::encode(b.commitment()?))?;
        writeln!(
            self.out,
            "   chunks     {} used of {} ({} pubdata bytes)",
            b.used_chunks(),
            b.capacity,
            b.pubdata()?.len()
        )?;
        for op in &b.ops {
            let bytes = op.chunks() * CHUNK_BYTES;
            writeln!(self.out, "   {:<14} {:>3} bytes  {}", op.name(), bytes, self.describe(op))?;
            let e = self.bytes_per_op.entry(op.name()).or_insert((bytes, 0));
            e.1 += 1;
        }
        let padding = b.capacity.saturating_sub(b.used_chunks());
        if padding > 0 {
            writeln!(
                self.out,
                "   {:<14} {:>3} bytes  {padding} chunks of padding",
                "Noop",
                padding * CHUNK_BYTES
            )?;
        }
        for (token, amount) in built.fees.iter() {
            writeln!(
                self.out,
                "   fees       {} {} to the fee account",
                amount,
                token_name(*token)
            )?;
        }
        for r in &built.rejected {
            writeln!(self.out, "   rejected   tx #{}: {}", r.index, r.error)?;
        }
        for d in &built.deferred {
            writeln!(self.out, "   deferred   tx #{d} (no room)")?;
        }
        self.state = Some(built.state.clone());
        self.built.push(built.clone());
        Ok(built)
    }

    fn name(&self, id: AccountId) -> String {
        self.names.get(&id).map(|n| n.to_string()).unwrap_or_else(|| format!("#{}", id.0))
    }

    fn describe(&self, op: &Op) -> String {
        match op {
            Op::Deposit(d) => {
                format!("{} {} to {}", d.amount, token_name(d.token), self.name(d.account_id))
            }
            Op::Transfer(t) => format!(
                "{} {} {} -> {}",
                t.amount,
                token_name(t.token),
                self.name(t.from),
                self.name(t.to)
            ),
            Op::TransferToNew(t) => format!(
                "{} {} {} -> new account {} ({})",
                t.transfer.amount,
                token_name(t.transfer.token),
                self.name(t.transfer.from),
                self.name(t.transfer.to),
                t.to_address
            ),
            Op::Withdraw(w) => format!(
                "{} {} from {} to L1 {}",
                w.amount,
                token_name(w.token),
                self.name(w.account_id),
                w.to
            ),
            Op::FullExit(f) => {
                format!("{} {} of {} to L1", f.amount, token_name(f.token), self.name(f.account_id))
            }
            Op::ChangePubKey(c) => {
                format!("{} sets key {}", self.name(c.account_id), c.pubkey_hash)
            }
            Op::ForcedExit(f) => format!(
                "{} forces {} {} out of keyless {}",
                self.name(f.initiator),
                f.amount,
                token_name(f.token),
                self.name(f.target)
            ),
            Op::Swap(s) => format!(
                "{} sells {} {}, {} sells {} {} (nonce mask {:02b})",
                self.name(s.accounts[0]),
                s.amounts[0],
                token_name(s.tokens[0]),
                self.name(s.accounts[1]),
                s.amounts[1],
                token_name(s.tokens[1]),
                s.nonce_mask
            ),
            Op::MintNft(m) => format!(
                "{} mints nft {} for {}",
                self.name(m.creator),
                m.nft_id.0,
                self.name(m.recipient)
            ),
            Op::TransferNft(t) => {
                format!("nft {} {} -> {}", t.nft_id.0, self.name(t.from), self.name(t.to))
            }
            Op::WithdrawNft(w) => format!(
                "nft {} (creator {}, serial {}) to L1 {}",
                w.nft_id.0,
                self.name(w.info.creator_id),
                w.info.serial,
                w.to
            ),
            Op::FullExitNft(f) => format!(
                "nft {} of {}: {}",
                f.nft_id.0,
                self.name(f.account_id),
                if f.success { "withdrawn" } else { "not owned, nothing" }
            ),
            Op::Noop => String::new(),
        }
    }
}

/// Runs the demo and returns its report.
pub fn run() -> Result<String, DemoError> {
    Ok(run_all()?.0)
}

/// Runs the demo and returns its blocks, each with its post-state, rejections and fees: the
/// chain that `docs/spec/vectors/blocks.json` records.
pub fn blocks() -> Result<Vec<BuiltBlock>, DemoError> {
    Ok(run_all()?.1)
}

fn run_all() -> Result<(String, Vec<BuiltBlock>), DemoError> {
    let chain = demo_chain();
    let mut state = State::new();
    state.list_token(USDC).map_err(|e| DemoError::Unexpected(e.to_string()))?;
    let w = |seed| Wallet::from_seed(seed, chain);
    let (mut operator, mut alice, mut bob, mut carol, dave, erin) =
        (w(0)?, w(1)?, w(2)?, w(3)?, w(4)?, w(5)?);
    let mut names = BTreeMap::new();
    for (i, n) in ["operator", "alice", "bob", "carol", "dave", "erin"].into_iter().enumerate() {
        names.insert(AccountId(i as u32), n);
    }
    let mut facts = BTreeSet::new();
    let mut demo = Demo {
        state: Some(state),
        chain,
        number: 0,
        out: String::new(),
        bytes_per_op: BTreeMap::new(),
        names,
        facts: BTreeSet::new(),
        built: Vec::new(),
    };
    writeln!(
        demo.out,
        "Tern demo: every operation on a fresh in-memory state (chain {}, contract {})",
        chain.chain_id, chain.contract
    )?;
    writeln!(
        demo.out,
        "Tokens: 0 = ETH (18 decimals), 1 = USDC (6 decimals). Capacities are in 13-byte chunks."
    )?;

    // Block 1: deposits create the accounts; three keys set, one per authorisation kind.
    let deposit =
        |to: &Wallet, token, amount| PriorityOp::Deposit { token, amount, to: to.address };
    let deposits = [
        deposit(&operator, ETH, ETH_UNIT / 100),
        deposit(&alice, ETH, 10 * ETH_UNIT),
        deposit(&bob, ETH, 2 * ETH_UNIT),
        deposit(&carol, ETH, ETH_UNIT),
        deposit(&dave, ETH, ETH_UNIT / 2),
        deposit(&alice, USDC, 5_000 * USDC_UNIT),
        deposit(&bob, USDC, 3_000 * USDC_UNIT),
    ];
    for (i, wallet) in [&mut operator, &mut alice, &mut bob, &mut carol].into_iter().enumerate() {
        wallet.account_id = AccountId(i as u32);
    }
    facts.insert((carol.address, carol.pubkey_hash(), 0));
    demo.facts = facts;
    let fee = 10_000_000_000_000; // 0.00001 ETH
    let txs = vec![
        TxItem::Single(operator.change_pubkey(AuthKind::Ecdsa, ETH, 0)?),
        TxItem::Single(alice.change_pubkey(AuthKind::Ecdsa, ETH, fee)?),
        TxItem::Single(bob.change_pubkey(AuthKind::Eip712, USDC, 10_000)?),
        TxItem::Single(carol.change_pubkey(AuthKind::Onchain, ETH, fee)?),
    ];
    demo.block("deposits and ChangePubKey (ECDSA, EIP-712, on-chain)", &deposits, txs, 64)?;

    // Block 2: transfers, withdrawal, forced exit, swap, mint.
    // Alice sells exactly 1 ETH for at least 2,000 USDC (fill-or-kill);
    // Bob's limit order buys ETH at up to 2,100 USDC per ETH, filled partially.
    let mut txs = vec![
        TxItem::Single(alice.transfer(bob.address, ETH, ETH_UNIT / 4, fee)?),
        TxItem::Single(alice.transfer(erin.address, USDC, 250 * USDC_UNIT, 10_000)?),
        TxItem::Single(bob.withdraw(bob.address, ETH, ETH_UNIT / 10, fee)?),
        TxItem::Single(carol.forced_exit(dave.address, ETH, fee)?),
    ];
    // Orders name the nonce their account has when the swap executes, so they are signed
    // after the transactions above. Alice sells exactly 1 ETH for at least 2,000 USDC
    // (fill-or-kill); Bob's limit order buys ETH at up to 2,100 USDC per ETH.
    let alice_order = alice.order(ETH, USDC, (ETH_UNIT, 2_000 * USDC_UNIT), ETH_UNIT)?;
    let bob_order = bob.order(USDC, ETH, (2_100 * USDC_UNIT, ETH_UNIT), 0)?;
    txs.push(TxItem::Single(carol.swap(
        [alice_order, bob_order],
        [ETH_UNIT, 2_050 * USDC_UNIT],
        ETH,
        fee,
    )?));
    alice.nonce += 1; // the fill-or-kill order consumed it
    txs.push(TxItem::Single(alice.mint_nft(bob.address, [0xab; 32], ETH, fee)?));
    txs.push(TxItem::Single(alice.mint_nft(alice.address, [0xcd; 32], USDC, 10_000)?));
    demo.block("transfers, withdraw, forced exit, swap, mint", &[], txs, 64)?;

    // Block 3: NFT transfer and withdrawal, full exits, an atomic batch, a rejection.
    let mut stale = bob.clone();
    stale.nonce = 0;
    let full_exits = [
        PriorityOp::FullExit { account_id: AccountId(5), owner: erin.address, token: USDC },
        PriorityOp::FullExitNft {
            account_id: AccountId(1),
            owner: alice.address,
            nft_id: NftId(1),
        },
        PriorityOp::FullExitNft {
            account_id: AccountId(3),
            owner: carol.address,
            nft_id: NftId(1),
        },
    ];
    let txs = vec![
        TxItem::Single(bob.transfer_nft(carol.address, NftId(0), ETH, fee)?),
        TxItem::Single(carol.withdraw_nft(carol.address, NftId(0), ETH, fee)?),
        // Bob pays the fee of a transfer in USDC through a second transfer: all or nothing.
        TxItem::Batch(vec![
            bob.transfer(carol.address, ETH, ETH_UNIT / 20, 0)?,
            bob.transfer(operator.address, USDC, 0, 10_000)?,
        ]),
        TxItem::Single(stale.transfer(carol.address, ETH, 1, fee)?),
    ];
    let built = demo.block(
        "NFT transfer and withdrawal, full exits, a batch, a stale nonce",
        &full_exits,
        txs,
        64,
    )?;
    if built.rejected.len() != 1 {
        return Err(DemoError::Unexpected(format!(
            "expected one rejection, got {:?}",
            built.rejected
        )));
    }

    let mut state = demo.state.take().ok_or_else(|| DemoError::Unexpected("no state".into()))?;
    writeln!(demo.out, "\n== Accounts after block {}", demo.number)?;
    for (id, a) in state.accounts() {
        let balances: Vec<String> =
            a.balances.iter().map(|(t, b)| format!("{b} {}", token_name(*t))).collect();
        writeln!(
            demo.out,
            "   {:<9} #{:<2} {} nonce {:<2} key {}  {}",
            demo.name(id),
            id.0,
            a.address,
            a.nonce,
            if a.has_key() { a.pubkey_hash.to_string() } else { "none".into() },
            if balances.is_empty() { "(empty)".into() } else { balances.join(", ") }
        )?;
    }
    for (id, nft) in state.nfts() {
        writeln!(
            demo.out,
            "   nft {} owned by {} (creator {}, serial {})",
            id.0,
            demo.name(nft.owner),
            demo.name(nft.info.creator_id),
            nft.info.serial
        )?;
    }
    writeln!(demo.out, "   state root {}", fr_to_decimal(&state.root()))?;
    writeln!(demo.out, "\n== Pubdata bytes per operation")?;
    for (name, (bytes, count)) in &demo.bytes_per_op {
        writeln!(demo.out, "   {name:<14} {bytes:>3} bytes ({count} in the demo)")?;
    }
    Ok((demo.out, demo.built))
}
