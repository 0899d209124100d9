//! Deterministic sample blocks to prove while there is no node: `tern prover prove` and
//! `tern prover bench` prove one.
//!
//! [`sample_block`] starts from an empty state, builds two unproven blocks that set up a few
//! users (block 1: deposits of ETH and token 1 for the fee account and every user; block 2:
//! each user's ChangePubKey), and then the sample block itself, number 3, whose chunks it fills
//! with operations of the kinds asked for ([`SampleKind`]), in turn, as long as the next one
//! fits. Everything (wallet keys, amounts, fees, who pays whom) follows from the seed, so the
//! same capacity and seed always give the same block.
//!
//! The block circuit proves Transfers today, so [`sample_block`] fills the block with
//! Transfers. A new kind is one more [`SampleKind`] variant and one arm in
//! [`SampleKind::sign`].

use ark_std::rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use tern_primitives::Address;
use tern_state::wallet::{AuthKind, Wallet, WalletError};
use tern_state::{
    build_block, BlockError, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem,
};
use tern_types::op::op_chunks;
use tern_types::tx::tx_type;
use tern_types::{AccountId, Block, SignedTx, TimeRange, TokenId, ETH};

/// The sample chain: anvil's chain id and a fixed contract address.
pub const CHAIN: ChainConfig = ChainConfig { chain_id: 31337, contract: Address::new([0x7e; 20]) };
/// The fee account's L1 address; it becomes account 0.
pub const FEE_ADDRESS: Address = Address::new([0xfe; 20]);
/// The fee account.
pub const FEE_ACCOUNT: AccountId = AccountId(0);
/// The timestamp of every sample block.
pub const TIMESTAMP: u64 = 1_700_000_000;
/// The second token, listed at genesis.
pub const TOKEN: TokenId = TokenId(1);
/// The most users a sample block has; senders and recipients rotate among them.
pub const MAX_USERS: usize = 16;
/// What each user deposits of ETH and of [`TOKEN`].
const DEPOSIT: u128 = 1_000 * UNIT;
const UNIT: u128 = 1_000_000_000_000_000_000;
/// Every signed transaction is valid in this range.
const RANGE: TimeRange =
    TimeRange { valid_from: TIMESTAMP - 3_600, valid_until: TIMESTAMP + 3_600 };

/// Why a sample block could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// A wallet could not sign.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// A block could not be built.
    #[error(transparent)]
    Block(#[from] BlockError),
    /// The builder rejected or deferred a transaction it should have applied.
    #[error("sample block {number}: transaction {index} not applied: {reason}")]
    NotApplied {
        /// The block number.
        number: u64,
        /// The transaction's index.
        index: usize,
        /// Why.
        reason: String,
    },
    /// A deposit did not create its account.
    #[error("a deposit did not create the account of {0}")]
    NoAccount(Address),
    /// An opcode has no known chunk count.
    #[error("opcode {0} has no chunk count")]
    UnknownOpcode(u8),
    /// No operation of the asked kinds fits the capacity, or no kind was asked for.
    #[error("no sample operation fits a capacity of {0} chunks")]
    Empty(usize),
}

/// A kind of operation a sample block can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleKind {
    /// A Transfer between two existing users.
    Transfer,
}

impl SampleKind {
    /// The operation's opcode.
    pub fn opcode(self) -> u8 {
        match self {
            SampleKind::Transfer => tx_type::TRANSFER,
        }
    }

    /// The chunks the operation occupies (`tern_types::op::op_chunks`).
    pub fn chunks(self) -> Result<usize, SampleError> {
        op_chunks(self.opcode()).ok_or(SampleError::UnknownOpcode(self.opcode()))
    }

    /// Signs operation number `n` of the block, by users chosen from `n`.
    fn sign(
        self,
        n: usize,
        wallets: &mut [Wallet],
        rng: &mut ChaCha20Rng,
    ) -> Result<SignedTx, SampleError> {
        let users = wallets.len();
        match self {
            SampleKind::Transfer => {
                let to = wallets[(n + 1) % users].address;
                let token = if rng.gen::<bool>() { ETH } else { TOKEN };
                // At most 1 unit and 0.0001 unit of fee: every user can afford MAX capacity
                // transfers, and both are short decimal floats.
                let amount = u128::from(rng.gen_range(1u32..=1_000)) * (UNIT / 1_000);
                let fee = u128::from(rng.gen_range(0u32..=100)) * (UNIT / 1_000_000);
                Ok(wallets[n % users].transfer(to, token, amount, fee)?)
            }
        }
    }
}

/// A block to prove, with what its witness needs.
#[derive(Clone, Debug)]
pub struct SampleBlock {
    /// The state before the block.
    pub pre_state: State,
    /// The block (number 3).
    pub block: Block,
    /// Its signed transactions, in operation order.
    pub txs: Vec<SignedTx>,
}

impl SampleBlock {
    /// How many Transfers the block holds.
    pub fn transfers(&self) -> usize {
        self.block.ops.iter().filter(|op| op.opcode() == tx_type::TRANSFER).count()
    }
}

/// A block of `capacity` chunks full of Transfers, deterministic in `seed` (see the module
/// docs).
pub fn sample_block(capacity: usize, seed: u64) -> Result<SampleBlock, SampleError> {
    sample_block_of(capacity, seed, &[SampleKind::Transfer])
}

/// A block of `capacity` chunks filled with operations of `kinds`, taken in turn while the
/// next fits; the rest is Noop padding.
pub fn sample_block_of(
    capacity: usize,
    seed: u64,
    kinds: &[SampleKind],
) -> Result<SampleBlock, SampleError> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut plan = Vec::new();
    let mut used = 0;
    for kind in kinds.iter().cycle() {
        let chunks = kind.chunks()?;
        if used + chunks > capacity {
            break;
        }
        used += chunks;
        plan.push(*kind);
    }
    if plan.is_empty() {
        return Err(SampleError::Empty(capacity));
    }

    let users = plan.len().clamp(2, MAX_USERS);
    let (state, mut wallets) = genesis(users, seed)?;
    let mut txs = Vec::with_capacity(plan.len());
    for (n, kind) in plan.iter().enumerate() {
        txs.push(kind.sign(n, &mut wallets, &mut rng)?);
    }
    let items: Vec<TxItem> = txs.iter().cloned().map(TxItem::Single).collect();
    let built = apply(state.clone(), 3, capacity, &[], &items)?;
    Ok(SampleBlock { pre_state: state, block: built.block, txs })
}

/// The state after blocks 1 and 2: the fee account and `users` users holding ETH and
/// [`TOKEN`] with their L2 keys set; and the users' wallets.
fn genesis(users: usize, seed: u64) -> Result<(State, Vec<Wallet>), SampleError> {
    let mut state = State::new();
    state.list_token(TOKEN).map_err(|e| SampleError::NotApplied {
        number: 0,
        index: 0,
        reason: e.to_string(),
    })?;
    let base = seed.wrapping_mul(1_000_003);
    let mut wallets = (0..users as u64)
        .map(|i| Wallet::from_seed(base.wrapping_add(i), CHAIN))
        .collect::<Result<Vec<_>, _>>()?;

    let mut deposits = vec![PriorityOp::Deposit { token: ETH, amount: 0, to: FEE_ADDRESS }];
    for w in &wallets {
        for token in [ETH, TOKEN] {
            deposits.push(PriorityOp::Deposit { token, amount: DEPOSIT, to: w.address });
        }
    }
    let chunks = deposits.len() * chunks_of(tx_type::DEPOSIT)?;
    state = apply(state, 1, chunks, &deposits, &[])?.state;

    let mut keys = Vec::with_capacity(users);
    for w in &mut wallets {
        w.account_id =
            state.account_id_by_address(&w.address).ok_or(SampleError::NoAccount(w.address))?;
        keys.push(TxItem::Single(w.change_pubkey(AuthKind::Ecdsa, ETH, 0)?));
        w.time_range = RANGE;
    }
    let chunks = users * chunks_of(tx_type::CHANGE_PUB_KEY)?;
    state = apply(state, 2, chunks, &[], &keys)?.state;
    Ok((state, wallets))
}

fn chunks_of(opcode: u8) -> Result<usize, SampleError> {
    op_chunks(opcode).ok_or(SampleError::UnknownOpcode(opcode))
}

/// Builds block `number`, requiring every priority operation and transaction to apply.
fn apply(
    state: State,
    number: u64,
    capacity: usize,
    priority: &[PriorityOp],
    items: &[TxItem],
) -> Result<tern_state::BuiltBlock, SampleError> {
    let params = BlockParams {
        chain: CHAIN,
        number,
        fee_account: FEE_ACCOUNT,
        timestamp: TIMESTAMP,
        capacity,
    };
    let built = build_block(state, &params, priority, items, &NoFacts)?;
    if let Some(r) = built.rejected.first() {
        return Err(SampleError::NotApplied {
            number,
            index: r.index,
            reason: r.error.to_string(),
        });
    }
    if let Some(&index) = built.deferred.first() {
        return Err(SampleError::NotApplied { number, index, reason: "deferred".into() });
    }
    if built.priority_processed != priority.len() {
        return Err(SampleError::NotApplied {
            number,
            index: built.priority_processed,
            reason: "priority operation left in the queue".into(),
        });
    }
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_full() {
        let a = sample_block(3, 5).expect("sample");
        let b = sample_block(3, 5).expect("sample");
        assert_eq!(a.block, b.block);
        assert_eq!(a.transfers(), 3);
        assert_eq!(a.block.used_chunks(), 3);
        assert_eq!(a.block.header.number, 3);
        let c = sample_block(3, 6).expect("sample");
        assert_ne!(a.block.public_input().ok(), c.block.public_input().ok());
    }

    #[test]
    fn nothing_fits_in_zero_chunks() {
        assert!(matches!(sample_block(0, 1), Err(SampleError::Empty(0))));
    }
}
