//! Reads behind the methods and subscriptions: committed state from the node's snapshot,
//! everything else from storage.

use super::errors::{fee, invalid, storage};
use crate::codec::Hex;
use crate::types::{
    token_symbol, AccountState, Addr, BlockInfo, ChangePubKeyFeeType, DecimalString,
    DepositingBalances, DepositingFunds, EthOpInfo, Fee, FeeType, NftInfo, TokenInfo, TxInfo,
};
use jsonrpsee::types::ErrorObjectOwned;
use std::collections::BTreeMap;
use tern_node::fees::{FeeError, FeeKind, CPK_AUTH_BYTES};
use tern_node::node::NodeCore;
use tern_primitives::Address;
use tern_state::{Account, Nft, PriorityOp, State};
use tern_storage::{L1Stage, Storage, TxStatus};
use tern_types::tx::tx_type;
use tern_types::{AccountId, NftId, TokenId};

/// A method's result.
pub(crate) type ApiResult<T> = Result<T, ErrorObjectOwned>;

/// The JSON of an NFT.
pub(crate) fn nft_info(id: NftId, nft: &Nft) -> NftInfo {
    NftInfo {
        id: id.0,
        content_hash: Hex(nft.info.content_hash),
        creator_id: nft.info.creator_id.0,
        creator_address: nft.info.creator_address,
        serial_id: nft.info.serial,
    }
}

/// Each listed token's name in the API ([`tokens`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Symbols(BTreeMap<u16, String>);

impl Symbols {
    /// Token `id`'s symbol (`ERC20-<id>` if it is not listed).
    pub(crate) fn name(&self, id: TokenId) -> String {
        self.0.get(&id.0).cloned().unwrap_or_else(|| token_symbol(id.0))
    }
}

/// The symbols of the listed tokens.
pub(crate) async fn symbols<S: Storage>(store: &S) -> ApiResult<Symbols> {
    Ok(Symbols(tokens(store).await?.into_iter().map(|t| (t.id, t.symbol)).collect()))
}

fn balances(account: &Account, symbols: &Symbols) -> BTreeMap<String, DecimalString> {
    account
        .balances
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(t, v)| (symbols.name(*t), DecimalString(*v)))
        .collect()
}

/// An account's state, with the NFTs of `nfts` it owns or minted.
pub(crate) fn account_state<'a>(
    id: AccountId,
    account: &Account,
    nfts: impl Iterator<Item = (&'a NftId, &'a Nft)>,
    symbols: &Symbols,
) -> AccountState {
    let mut state = AccountState {
        balances: balances(account, symbols),
        nonce: account.nonce,
        pub_key_hash: account.pubkey_hash,
        ..AccountState::default()
    };
    for (nft_id, nft) in nfts {
        if nft.owner == id {
            state.nfts.insert(nft_id.0.to_string(), nft_info(*nft_id, nft));
        }
        if nft.info.creator_id == id {
            state.minted_nfts.insert(nft_id.0.to_string(), nft_info(*nft_id, nft));
        }
    }
    state
}

/// The committed state of `address`'s account: its id, and its state after the last sealed
/// block (empty if it has no account).
pub(crate) fn committed(
    state: &State,
    address: &Address,
    symbols: &Symbols,
) -> (Option<AccountId>, AccountState) {
    let Some(id) = state.account_id_by_address(address) else {
        return (None, AccountState::default());
    };
    match state.account(id) {
        Some(account) => (Some(id), account_state(id, account, state.nfts(), symbols)),
        None => (Some(id), AccountState::default()),
    }
}

/// Account `id` after the last block executed on L1, with that block's number; `None` if no
/// block is executed or the account did not exist then.
pub(crate) async fn finalized_account<S: Storage>(
    store: &S,
    id: AccountId,
) -> ApiResult<Option<(u64, Account)>> {
    let executed = store.last_block_at(L1Stage::Executed).await.map_err(storage)?;
    if executed == 0 {
        return Ok(None);
    }
    let account = store.account_at(id, Some(executed)).await.map_err(storage)?;
    Ok(account.map(|a| (executed, a)))
}

/// The verified state of account `id`: after the last block executed on L1. NFTs are listed
/// in the committed state only (the verified NFT set would need a full state read).
pub(crate) async fn verified<S: Storage>(
    store: &S,
    id: Option<AccountId>,
    symbols: &Symbols,
) -> ApiResult<AccountState> {
    let Some(id) = id else { return Ok(AccountState::default()) };
    let account = finalized_account(store, id).await?;
    Ok(account.map(|(_, a)| account_state(id, &a, std::iter::empty(), symbols)).unwrap_or_default())
}

/// Deposits to `address` still in the priority queue, summed by token.
pub(crate) async fn depositing<S: Storage>(
    store: &S,
    address: &Address,
    symbols: &Symbols,
) -> ApiResult<DepositingBalances> {
    let mut out = DepositingBalances::default();
    for p in store.pending_priority_ops().await.map_err(storage)? {
        let PriorityOp::Deposit { token, amount, to } = p.op else { continue };
        if to != *address {
            continue;
        }
        let entry = out
            .balances
            .entry(symbols.name(token))
            .or_insert(DepositingFunds { amount: 0, expected_accept_block: 0 });
        entry.amount = entry.amount.saturating_add(amount);
        entry.expected_accept_block = entry.expected_accept_block.max(p.l1_block);
    }
    Ok(out)
}

/// Where block `number` stands on L1.
pub(crate) async fn block_info<S: Storage>(store: &S, number: u64) -> ApiResult<BlockInfo> {
    let stage = store.block(number).await.map_err(storage)?.map(|b| b.stage);
    let stage = stage.unwrap_or(L1Stage::Sealed);
    Ok(BlockInfo {
        block_number: number,
        committed: stage >= L1Stage::Committed,
        verified: stage >= L1Stage::Executed,
    })
}

/// A transaction's receipt as `tx_info` shows it.
pub(crate) async fn tx_info<S: Storage>(store: &S, hash: &[u8; 32]) -> ApiResult<TxInfo> {
    let pending = TxInfo { executed: false, success: None, fail_reason: None, block: None };
    let Some(receipt) = store.tx_receipt(hash).await.map_err(storage)? else {
        return Ok(pending);
    };
    Ok(match receipt.status {
        TxStatus::Queued => pending,
        TxStatus::Failed { block, reason } => TxInfo {
            executed: true,
            success: Some(false),
            fail_reason: Some(reason),
            block: Some(BlockInfo { block_number: block, committed: false, verified: false }),
        },
        TxStatus::Included { block, .. } => TxInfo {
            executed: true,
            success: Some(true),
            fail_reason: None,
            block: Some(block_info(store, block).await?),
        },
    })
}

/// A priority operation's progress.
pub(crate) async fn ethop_info<S: Storage>(store: &S, serial_id: u64) -> ApiResult<EthOpInfo> {
    let op = store.priority_op(serial_id).await.map_err(storage)?;
    match op.and_then(|p| p.processed_in) {
        Some(block) => {
            Ok(EthOpInfo { executed: true, block: Some(block_info(store, block).await?) })
        }
        None => Ok(EthOpInfo { executed: false, block: None }),
    }
}

/// Listed tokens (ETH always). A token is named by its ERC-20 symbol (as the watcher checked
/// it) unless a token listed before it has that name; else, or without one, `ERC20-<id>`.
pub(crate) async fn tokens<S: Storage>(store: &S) -> ApiResult<Vec<TokenInfo>> {
    let eth = TokenInfo {
        id: 0,
        address: Address::ZERO,
        symbol: token_symbol(0),
        decimals: Some(18),
        is_nft: false,
    };
    let mut out = vec![eth];
    let mut taken: std::collections::BTreeSet<String> = ["ETH".to_owned()].into();
    for t in store.tokens().await.map_err(storage)? {
        let symbol = match t.symbol.as_deref().and_then(tern_storage::clean_symbol) {
            Some(s) if taken.insert(s.to_ascii_uppercase()) => s,
            _ => token_symbol(t.id.0),
        };
        out.push(TokenInfo {
            id: t.id.0,
            address: t.address,
            symbol,
            decimals: t.decimals,
            is_nft: false,
        });
    }
    Ok(out)
}

/// A token named by id (a number), symbol, or ERC-20 address.
pub(crate) async fn resolve_token<S: Storage>(
    store: &S,
    token: &serde_json::Value,
) -> ApiResult<TokenId> {
    let listed = tokens(store).await?;
    let found = match token {
        serde_json::Value::Number(n) => {
            n.as_u64().and_then(|id| listed.iter().find(|t| u64::from(t.id) == id))
        }
        serde_json::Value::String(s) if s.starts_with("0x") => {
            let address = crate::codec::parse_hex_array::<20>(s).map_err(invalid)?;
            listed.iter().find(|t| t.address.as_slice() == address)
        }
        serde_json::Value::String(s) => listed.iter().find(|t| t.symbol.eq_ignore_ascii_case(s)),
        _ => None,
    };
    found.map(|t| TokenId(t.id)).ok_or_else(|| {
        invalid(format!("unknown token {token}: give a listed id, symbol or address"))
    })
}

/// The L1 transaction that executed the block holding transaction `hash`.
pub(crate) async fn execute_tx<S: Storage>(
    store: &S,
    hash: &[u8; 32],
) -> ApiResult<Option<String>> {
    let Some(receipt) = store.tx_receipt(hash).await.map_err(storage)? else { return Ok(None) };
    let TxStatus::Included { block, .. } = receipt.status else { return Ok(None) };
    let Some(stored) = store.block(block).await.map_err(storage)? else { return Ok(None) };
    if stored.stage < L1Stage::Executed {
        return Ok(None);
    }
    Ok(stored.l1_txs.last().map(|h| crate::codec::to_hex(h)))
}

/// The opcode and side data a fee type is charged as; a transfer to an address with no
/// account pays for creating it.
fn fee_kind(tx_type_: FeeType, new_recipient: bool) -> (FeeType, FeeKind) {
    let op = |opcode| FeeKind::Op { opcode, side_bytes: 0 };
    match tx_type_ {
        FeeType::Transfer if new_recipient => {
            (FeeType::TransferToNew, op(tx_type::TRANSFER_TO_NEW))
        }
        FeeType::Transfer => (tx_type_, op(tx_type::TRANSFER)),
        FeeType::TransferToNew => (tx_type_, op(tx_type::TRANSFER_TO_NEW)),
        FeeType::Withdraw => (tx_type_, op(tx_type::WITHDRAW)),
        FeeType::ChangePubKey(auth) => {
            let side_bytes = if auth == ChangePubKeyFeeType::Onchain { 0 } else { CPK_AUTH_BYTES };
            (tx_type_, FeeKind::Op { opcode: tx_type::CHANGE_PUB_KEY, side_bytes })
        }
        FeeType::ForcedExit => (tx_type_, op(tx_type::FORCED_EXIT)),
        FeeType::Swap => (tx_type_, op(tx_type::SWAP)),
        FeeType::MintNft => (tx_type_, op(tx_type::MINT_NFT)),
        FeeType::TransferNft => (tx_type_, op(tx_type::TRANSFER_NFT)),
        FeeType::WithdrawNft => (tx_type_, op(tx_type::WITHDRAW_NFT)),
    }
}

/// Whether `address` has no account in the committed state (a transfer to it creates one).
fn is_new<S: Storage>(core: &NodeCore<S>, address: &Addr) -> bool {
    core.committed_state().account_id_by_address(&address.0).is_none()
}

/// A quote for one transaction of `tx_type_` to `address`, paid in `token` (`get_tx_fee` and
/// the REST `fee`).
pub(crate) fn quote<S: Storage>(
    core: &NodeCore<S>,
    tx_type_: FeeType,
    address: &Addr,
    token: TokenId,
) -> ApiResult<Fee> {
    let (fee_type, kind) = fee_kind(tx_type_, is_new(core, address));
    let q = core.fees().quote(kind, token).map_err(fee)?;
    Ok(Fee {
        fee_type,
        gas_tx_amount: q.gas,
        gas_price_wei: q.gas_price,
        gas_fee: q.gas_fee,
        zkp_fee: q.zkp_fee,
        total_fee: q.total,
    })
}

/// The total fee of a batch of `(type, recipient)` in `token`'s base units, rounded up to a
/// packable fee (`get_txs_batch_fee_in_wei` and the REST `fee/batch`).
pub(crate) fn batch_fee<S: Storage>(
    core: &NodeCore<S>,
    txs: &[(FeeType, Addr)],
    token: TokenId,
) -> ApiResult<u128> {
    let kinds: Vec<FeeKind> = txs.iter().map(|(t, a)| fee_kind(*t, is_new(core, a)).1).collect();
    let fees = core.fees();
    let wei = fees.batch_wei(&kinds).map_err(fee)?;
    let price = fees.price(token).ok_or_else(|| fee(FeeError::Unpriced(token)))?;
    let units = price.units_for(wei).ok_or_else(|| fee(FeeError::Overflow))?;
    tern_primitives::float::FEE.closest_up(units).ok_or_else(|| fee(FeeError::Overflow))
}

/// `wei / units` as a decimal string with up to 18 fractional digits.
pub(crate) fn ratio_decimal(wei: u128, units: u128) -> String {
    let units = units.max(1);
    let (whole, mut rest) = (wei / units, wei % units);
    let mut digits = String::new();
    while rest > 0 && digits.len() < 18 {
        let Some(scaled) = rest.checked_mul(10) else { break };
        digits.push(char::from(b'0' + (scaled / units) as u8));
        rest = scaled % units;
    }
    if digits.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{digits}")
    }
}

/// The core's committed account of `address`, for subscriptions and `account_info`.
pub(crate) fn committed_of<S: Storage>(
    core: &NodeCore<S>,
    address: &Address,
    symbols: &Symbols,
) -> (Option<AccountId>, AccountState) {
    committed(&core.committed_state(), address, symbols)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ratios_print_as_decimals() {
        assert_eq!(super::ratio_decimal(1, 1), "1");
        assert_eq!(super::ratio_decimal(1, 1000), "0.001");
        assert_eq!(super::ratio_decimal(10, 4), "2.5");
        assert_eq!(super::ratio_decimal(1, 3), "0.333333333333333333");
    }
}
