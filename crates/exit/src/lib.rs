//! Tern's exit tool (`tern exit`): a user leaves a frozen rollup with everything the last
//! executed state root holds for them, with nothing from the operator.
//!
//! The steps, each a function here so that the command line only parses arguments:
//!
//! 1. [`freeze`]: the rollup must be in exodus mode. If it is not but the oldest open priority
//!    request is past its deadline, exodus mode is activated (anyone may); if no request is
//!    past its deadline the tool stops and changes nothing ([`ExitError::NotFrozen`]).
//! 2. [`restore`]: the state is rebuilt from L1 alone with `tern-restore` into a node database
//!    (a restored data directory is reused: the restore resumes), up to the last executed
//!    block, and checked against the contract's `lastExecutedStateRoot`.
//! 3. [`plan::plan`]: what the user's address can take: each token balance and NFT of its
//!    account in that state (minus those already exited on L1), the unprocessed deposits to
//!    it (refunded by `cancelOutstandingDepositsForExodusMode`), and its pending balances.
//! 4. [`run`]: proves each exit with the exit keys (checked against the deployed exit
//!    verifiers' key hashes: [`prove::ExitProver::load`]), sends `performExodus` /
//!    `performExodusNFT`, the refunds, and the payouts (`withdrawPendingBalance`,
//!    `withdrawPendingNFT`) to the user's address.
//!
//! Everything the user could be owed is idempotent to ask for again: a second run finds the
//! exits done (`exited` on L1) and says so ([`ExitError::AlreadyExited`]).

use alloy_primitives::{Address, B256};
use std::path::PathBuf;
use tern_l1::{EthChain, L1Error, L1User, RollupAdmin};
use tern_restore::{L1Source, RestoreError, RestoreReport, Restorer, Step};
use tern_state::State;
use tern_storage::{Storage, StorageError};
use tern_types::{AccountId, NftId, TokenId};

pub mod freeze;
pub mod plan;
pub mod prove;

pub use freeze::{freeze, Freeze};
pub use plan::{plan, NftExit, Plan, Refund, TokenExit};
pub use prove::ExitProver;

/// Why an exit stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExitError {
    /// The rollup is not frozen and nothing allows freezing it.
    #[error(
        "the rollup is not in exodus mode and no priority request is past its deadline ({0}); \
         nothing was changed. If the operator ignores you, request a full exit on L1 \
         (`tern wallet full-exit`): once it is past its deadline, run `tern exit` again"
    )]
    NotFrozen(String),
    /// Everything selected was already exited, and nothing was left to pay out.
    #[error("already exited: {0}; nothing left to do")]
    AlreadyExited(String),
    /// The address has nothing in the rollup.
    #[error(
        "{0} has no account in the last executed state and no unprocessed deposit: nothing to exit"
    )]
    NothingToExit(Address),
    /// The restored state differs from what L1 executed.
    #[error("the restored state ({ours}) is not L1's last executed state ({theirs}); run `tern exit` again to resume the restore{hint}")]
    RootMismatch {
        /// The restored block and root.
        ours: String,
        /// The contract's.
        theirs: String,
        /// What to try.
        hint: &'static str,
    },
    /// The exit keys are missing, unreadable or not the deployed verifiers'.
    #[error("{0}")]
    Keys(String),
    /// A token given by name or address that the rollup does not list.
    #[error("unknown token {0:?}: give ETH, a token id or a listed ERC-20 address")]
    UnknownToken(String),
    /// No exit witness could be made (a bug, or a state that changed under the tool).
    #[error("exit witness: {0}")]
    Witness(#[from] tern_circuit::exit::ExitError),
    /// Proving failed.
    #[error("proving: {0}")]
    Prover(#[from] tern_prover::ProverError),
    /// The restore failed.
    #[error("restore: {0}")]
    Restore(#[from] RestoreError),
    /// The database failed.
    #[error("database: {0}")]
    Storage(#[from] StorageError),
    /// An L1 call failed.
    #[error("L1: {0}")]
    L1(#[from] L1Error),
}

/// What to exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Every token and NFT, and every refund.
    All,
    /// One token (its balance, refunds and pending balance); no NFTs.
    Token(TokenId),
}

impl Selection {
    /// Whether `token` is selected.
    pub fn has(&self, token: TokenId) -> bool {
        match self {
            Selection::All => true,
            Selection::Token(t) => *t == token,
        }
    }
}

/// What the tool reports while it works (the binary draws progress bars from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The restore read L1 up to `to` of `head`; `blocks` rollup blocks are restored.
    Restore {
        /// The last L1 block read.
        to: u64,
        /// L1's head.
        head: u64,
        /// The first L1 block of the restore.
        from: u64,
        /// Rollup blocks restored so far.
        blocks: u64,
    },
    /// Proof `index` of `total` (from 0) starts: `what` is being proven.
    Proving {
        /// Which proof.
        index: usize,
        /// How many.
        total: usize,
        /// What it proves.
        what: String,
    },
    /// Every proof is done.
    Proven,
    /// A transaction was mined.
    Sent {
        /// The call.
        what: String,
        /// Its hash.
        tx: Option<B256>,
    },
}

/// One transaction the tool sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The contract function.
    pub call: &'static str,
    /// The token, for token calls.
    pub token: Option<TokenId>,
    /// The NFT, for NFT calls.
    pub nft: Option<NftId>,
    /// The amount, for token calls.
    pub amount: Option<u128>,
    /// Its hash (`None` on in-memory chains).
    pub tx: Option<B256>,
}

/// What a run did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitReport {
    /// The exiting L1 address.
    pub owner: Address,
    /// Its account in the last executed state, if any.
    pub account: Option<AccountId>,
    /// The restore that the exits are proven against.
    pub restore: RestoreReport,
    /// How exodus mode stands.
    pub freeze: Freeze,
    /// What was found.
    pub plan: Plan,
    /// Every transaction sent, in order (empty in a dry run).
    pub sent: Vec<Sent>,
}

/// Restores into `restorer`'s database up to L1's head, reporting each step.
pub async fn restore<S: Storage, L: L1Source>(
    restorer: &mut Restorer<S, L>,
    progress: &mut dyn FnMut(Progress),
) -> Result<RestoreReport, ExitError> {
    let mut blocks = restorer.report().block;
    while let Step::Read { to, blocks: n, .. } = restorer.step().await? {
        blocks += n;
        let head = restorer.source().head().await.unwrap_or(to);
        progress(Progress::Restore { to, head, from: restorer.from_block(), blocks });
    }
    Ok(restorer.report())
}

/// The restored state in `store`, checked against `report` and against the contract's last
/// executed block and root.
pub async fn restored_state<S: Storage, C: EthChain>(
    store: &S,
    chain: &C,
    report: &RestoreReport,
) -> Result<State, ExitError> {
    let executed =
        chain.rollup_view(&tern_contracts::bindings::Rollup::totalBlocksExecutedCall {}).await?;
    let root =
        chain.rollup_view(&tern_contracts::bindings::Rollup::lastExecutedStateRootCall {}).await?;
    let ours = format!("block {} root {}", report.block, report.root_hex());
    let theirs = format!("block {executed} root {root}");
    if report.block != executed || report.root_hex() != root.to_string() {
        let hint = if report.block < executed {
            " (L1 executed blocks the restore has not reached: with --confirmations, wait or lower it)"
        } else {
            ""
        };
        return Err(ExitError::RootMismatch { ours, theirs, hint });
    }
    let snapshot = store.state_at(None).await?;
    let mut state =
        State::from_parts(snapshot.accounts, snapshot.nfts, snapshot.next_nft_id, snapshot.tokens)
            .map_err(|e| RestoreError::Database(format!("the stored state is corrupt: {e}")))?;
    if state.root() != report.root {
        return Err(ExitError::RootMismatch { ours: "the stored state".into(), theirs, hint: "" });
    }
    Ok(state)
}

/// How [`run`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitOptions {
    /// The directory `tern prover setup-exit` wrote (needed only when something is proven).
    pub exit_keys: Option<PathBuf>,
    /// List only; send nothing.
    pub dry_run: bool,
}

/// Sends everything `plan` holds for `owner` (see the module docs): the exits with their
/// proofs, the refunds, then the payouts of every pending balance and NFT; nothing in a dry
/// run. `state` must be the last executed state ([`restored_state`]).
pub async fn run<C: EthChain>(
    chain: &C,
    state: &mut State,
    plan: &Plan,
    options: &ExitOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<Sent>, ExitError> {
    let mut sent = Vec::new();
    if options.dry_run {
        return Ok(sent);
    }
    let todo_tokens: Vec<&TokenExit> = plan.tokens.iter().filter(|t| !t.exited).collect();
    let todo_nfts: Vec<&NftExit> = plan.nfts.iter().filter(|n| !n.exited).collect();
    if !todo_tokens.is_empty() || !todo_nfts.is_empty() {
        let dir = options.exit_keys.as_deref().ok_or_else(|| {
            ExitError::Keys(
                "proving exits needs the exit keys: pass --exit-keys DIR, the directory \
                 `tern prover setup-exit` wrote for this rollup's deployment"
                    .into(),
            )
        })?;
        let prover =
            ExitProver::load(dir, chain, !todo_tokens.is_empty(), !todo_nfts.is_empty()).await?;
        let total = todo_tokens.len() + todo_nfts.len();
        let owner = plan.owner;
        for (index, t) in todo_tokens.iter().enumerate() {
            let what = format!("exit of {} of token {}", t.amount, t.token.0);
            progress(Progress::Proving { index, total, what });
            let claim = prover.token_claim(state, t.account, owner, t.token)?;
            let r = chain.perform_exodus(&claim).await?;
            record(
                &mut sent,
                progress,
                "performExodus",
                Some(t.token),
                None,
                Some(t.amount),
                r.tx_hash,
            );
        }
        for (i, n) in todo_nfts.iter().enumerate() {
            let what = format!("exit of NFT {}", n.nft.0);
            progress(Progress::Proving { index: todo_tokens.len() + i, total, what });
            let claim = prover.nft_claim(state, n.account, owner, n.nft)?;
            let r = chain.perform_exodus_nft(&claim).await?;
            record(&mut sent, progress, "performExodusNFT", None, Some(n.nft), None, r.tx_hash);
        }
        progress(Progress::Proven);
    }
    if !plan.cancel.is_empty() {
        let r = chain.cancel_outstanding_deposits(&plan.cancel).await?;
        let refunded: u128 = plan.refunds.iter().map(|r| r.amount).sum();
        record(
            &mut sent,
            progress,
            "cancelOutstandingDepositsForExodusMode",
            None,
            None,
            Some(refunded),
            r.tx_hash,
        );
    }
    payouts(chain, plan, &mut sent, progress).await?;
    Ok(sent)
}

/// Pays out the owner's pending balances of the selected tokens and mints its pending NFTs.
async fn payouts<C: EthChain>(
    chain: &C,
    plan: &Plan,
    sent: &mut Vec<Sent>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ExitError> {
    for token in &plan.listed {
        let amount = chain.pending_balance(plan.owner, *token).await?;
        if amount > 0 {
            let r = chain.withdraw_pending_balance(plan.owner, *token, amount).await?;
            record(
                sent,
                progress,
                "withdrawPendingBalance",
                Some(*token),
                None,
                Some(amount),
                r.tx_hash,
            );
        }
    }
    for n in &plan.nfts {
        let pending = chain.pending_nft(n.nft).await?;
        if pending.is_some_and(|p| p.owner == plan.owner) {
            let r = chain.withdraw_pending_nft(n.nft).await?;
            record(sent, progress, "withdrawPendingNFT", None, Some(n.nft), None, r.tx_hash);
        }
    }
    Ok(())
}

fn record(
    sent: &mut Vec<Sent>,
    progress: &mut dyn FnMut(Progress),
    call: &'static str,
    token: Option<TokenId>,
    nft: Option<NftId>,
    amount: Option<u128>,
    tx: Option<B256>,
) {
    tracing::info!(call, ?token, ?nft, ?amount, ?tx, "sent");
    progress(Progress::Sent { what: call.to_owned(), tx });
    sent.push(Sent { call, token, nft, amount, tx });
}

/// The error for a run that found only exits already made and sent nothing, if that is what
/// happened.
pub fn nothing_done(plan: &Plan, sent: &[Sent]) -> Option<ExitError> {
    if !sent.is_empty() {
        return None;
    }
    let done: Vec<String> = plan
        .tokens
        .iter()
        .filter(|t| t.exited)
        .map(|t| format!("token {} of account {}", t.token.0, t.account.0))
        .chain(plan.nfts.iter().filter(|n| n.exited).map(|n| format!("NFT {}", n.nft.0)))
        .collect();
    if done.is_empty() {
        return Some(ExitError::NothingToExit(plan.owner));
    }
    Some(ExitError::AlreadyExited(done.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_types::op::NftInfo;

    fn token(token: u16, exited: bool) -> TokenExit {
        TokenExit { account: AccountId(1), token: TokenId(token), amount: 5, exited }
    }

    #[test]
    fn a_selection_of_one_token_has_only_it() {
        assert!(Selection::All.has(TokenId(7)));
        assert!(Selection::Token(TokenId(1)).has(TokenId(1)));
        assert!(!Selection::Token(TokenId(1)).has(tern_types::ETH));
    }

    #[test]
    fn a_run_that_sent_nothing_says_why() {
        let owner = Address::repeat_byte(0xaa);
        let empty = Plan { owner, ..Plan::default() };
        assert!(
            matches!(nothing_done(&empty, &[]), Some(ExitError::NothingToExit(a)) if a == owner)
        );
        let nft = NftExit {
            account: AccountId(1),
            nft: NftId(3),
            info: NftInfo::default(),
            exited: true,
        };
        let done = Plan {
            owner,
            tokens: vec![token(0, true), token(1, true)],
            nfts: vec![nft],
            ..Plan::default()
        };
        let Some(ExitError::AlreadyExited(what)) = nothing_done(&done, &[]) else {
            panic!("already exited");
        };
        assert_eq!(what, "token 0 of account 1, token 1 of account 1, NFT 3");
        let sent =
            Sent { call: "withdrawPendingBalance", token: None, nft: None, amount: None, tx: None };
        assert!(nothing_done(&done, &[sent]).is_none(), "a payout is something done");
    }
}
