//! What an address can take out of the last executed state: its token balances and NFTs,
//! its unprocessed deposits, and its pending balances on L1.

use crate::{ExitError, Selection};
use alloy_primitives::{Address, Bytes};
use tern_contracts::bindings::Rollup;
use tern_l1::events::encode_priority_data;
use tern_l1::{EthChain, L1User, L1Watch, RollupAdmin};
use tern_state::{PriorityOp, State};
use tern_storage::Storage;
use tern_types::op::NftInfo;
use tern_types::{AccountId, NftId, TokenId};

/// A token balance to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenExit {
    /// The account that holds it.
    pub account: AccountId,
    /// The token.
    pub token: TokenId,
    /// The whole balance in the last executed state.
    pub amount: u128,
    /// Whether L1 already paid this exit (`exited`).
    pub exited: bool,
}

/// An NFT to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NftExit {
    /// The account that owns it.
    pub account: AccountId,
    /// The NFT.
    pub nft: NftId,
    /// Its identity fixed at mint.
    pub info: NftInfo,
    /// Whether L1 already took this exit (`nftExited`).
    pub exited: bool,
}

/// An unprocessed deposit to the owner, refunded in exodus mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// Its priority request.
    pub serial: u64,
    /// The token.
    pub token: TokenId,
    /// The amount.
    pub amount: u128,
}

/// Everything an address can take (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The L1 address that receives everything.
    pub owner: Address,
    /// Its account in the last executed state.
    pub account: Option<AccountId>,
    /// Token balances, selected and non-zero.
    pub tokens: Vec<TokenExit>,
    /// NFTs (only when every token is selected).
    pub nfts: Vec<NftExit>,
    /// The owner's unprocessed deposits of selected tokens.
    pub refunds: Vec<Refund>,
    /// The data of the open priority requests to cancel so that the refunds are credited: the
    /// queue from its oldest open request up to the owner's last deposit (others' deposits on
    /// the way are refunded to them, full exits dropped), empty when nothing is refunded.
    pub cancel: Vec<Bytes>,
    /// The selected listed tokens, whose pending balances are paid out.
    pub listed: Vec<TokenId>,
    /// The owner's pending balances on L1 when the plan was made (non-zero only).
    pub pending: Vec<(TokenId, u128)>,
}

/// What `owner` can take from `state` (the last executed state, see [`crate::restored_state`])
/// and from the open priority requests `store` holds, with L1's exit records.
pub async fn plan<S: Storage, C: EthChain>(
    state: &State,
    store: &S,
    chain: &C,
    owner: Address,
    selection: Selection,
) -> Result<Plan, ExitError> {
    let mut listed = vec![tern_types::ETH];
    listed.extend(store.tokens().await?.iter().map(|t| t.id).filter(|id| id.0 != 0));
    listed.retain(|t| selection.has(*t));
    let mut plan = Plan { owner, listed, ..Plan::default() };
    // An address may own more than one account (a second one is harmless, state.md): each
    // exits on its own.
    let accounts: Vec<(AccountId, Vec<(TokenId, u128)>)> = state
        .accounts()
        .filter(|(_, a)| a.address == owner)
        .map(|(id, a)| (id, a.balances.iter().map(|(t, v)| (*t, *v)).collect()))
        .collect();
    plan.account = accounts.first().map(|(id, _)| *id);
    for (account, balances) in accounts {
        for (token, amount) in balances {
            if amount == 0 || !selection.has(token) {
                continue;
            }
            let exited =
                chain.rollup_view(&Rollup::exitedCall { _0: account.0, _1: token.0 }).await?;
            plan.tokens.push(TokenExit { account, token, amount, exited });
        }
        if selection == Selection::All {
            for (nft, n) in state.nfts().filter(|(_, n)| n.owner == account) {
                let exited = chain.rollup_view(&Rollup::nftExitedCall(nft.0)).await?;
                let info = n.info.clone();
                plan.nfts.push(NftExit { account, nft: *nft, info, exited });
            }
        }
    }
    refunds(store, chain, selection, &mut plan).await?;
    for token in &plan.listed {
        let amount = chain.pending_balance(owner, *token).await?;
        if amount > 0 {
            plan.pending.push((*token, amount));
        }
    }
    Ok(plan)
}

/// Fills the plan's refunds and the requests to cancel for them.
async fn refunds<S: Storage, C: EthChain>(
    store: &S,
    chain: &C,
    selection: Selection,
    plan: &mut Plan,
) -> Result<(), ExitError> {
    let queue = chain.priority_queue_state().await?;
    let open = queue.first_id..queue.first_id + queue.open;
    let mut requests: Vec<_> = store
        .pending_priority_ops()
        .await?
        .into_iter()
        .filter(|p| open.contains(&p.serial_id))
        .collect();
    requests.sort_by_key(|p| p.serial_id);
    if requests.len() as u64 != queue.open {
        return Err(ExitError::Restore(tern_restore::RestoreError::Database(format!(
            "L1 has {} open priority requests from #{}, the restore read {}",
            queue.open,
            queue.first_id,
            requests.len()
        ))));
    }
    let mut last = None;
    for (i, r) in requests.iter().enumerate() {
        if let PriorityOp::Deposit { token, amount, to } = r.op {
            if to == plan.owner && selection.has(token) {
                plan.refunds.push(Refund { serial: r.serial_id, token, amount });
                last = Some(i);
            }
        }
    }
    if let Some(last) = last {
        plan.cancel = requests[..=last].iter().map(|r| encode_priority_data(&r.op)).collect();
    }
    Ok(())
}

/// A token given as `ETH`, a token id, or a listed ERC-20's address.
pub async fn resolve_token<S: Storage>(store: &S, token: &str) -> Result<TokenId, ExitError> {
    let unknown = || ExitError::UnknownToken(token.to_owned());
    if token.eq_ignore_ascii_case("eth") {
        return Ok(tern_types::ETH);
    }
    if let Ok(id) = token.parse::<u16>() {
        return Ok(TokenId(id));
    }
    let address: Address = token.parse().map_err(|_| unknown())?;
    let tokens = store.tokens().await?;
    tokens.iter().find(|t| t.address == address).map(|t| t.id).ok_or_else(unknown)
}
