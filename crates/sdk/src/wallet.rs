//! [`Wallet`]: an Ethereum key, the L2 key derived from it, and a [`Provider`]. It signs and
//! submits every L2 transaction, filling the account id and nonce from the node and the fee
//! from the node's quote ([`FeeChoice::Auto`]), and does the L1 calls (deposit, full exit,
//! claim) through [`L1Wallet`].
//!
//! Signing is `tern_state::wallet`'s, so the messages are built exactly as the state
//! transition checks them. Each `sign_*` call only signs; the call of the same name without
//! `sign_` also submits.
//!
//! The nonce comes from the node's committed state at [`Wallet::sync`] (every `sign_*` syncs
//! once), then the wallet counts it itself, so a script can send several transactions before a
//! block is sealed. A submission the node refuses gives its nonce back.

use crate::error::SdkError;
use crate::l1::{L1Receipt, L1Wallet};
use crate::provider::Provider;
use crate::tokens::{Token, TokenList};
use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::eth::SigningKey;
use tern_primitives::float::{FloatFormat, AMOUNT, FEE};
use tern_rpc::types::{AccountInfo, AccountState, ChangePubKeyFeeType, FeeType, TxHash};
use tern_state::wallet::{AuthKind, Wallet as Signer};
use tern_state::ChainConfig;
use tern_types::tx::{Order, Signed};
use tern_types::{AccountId, NftId, SignedTx, TimeRange, TokenId};

/// The fee of a transaction: the node's quote, or an exact amount in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeChoice {
    /// What `get_tx_fee` quotes.
    Auto,
    /// Exactly this many base units of the fee token (must be packable as a fee).
    Exact(u128),
}

impl FeeChoice {
    /// `auto`, or a decimal amount of `token` (`"0.001"`).
    pub fn parse(s: &str, token: &Token) -> Result<Self, SdkError> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        Ok(Self::Exact(token.parse(s)?))
    }
}

/// A transaction the node accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// Its hash, as `tx_info` and the waits take it.
    pub hash: TxHash,
    /// The fee paid, in base units of the fee token.
    pub fee: u128,
    /// The fee token.
    pub fee_token: TokenId,
    /// The signed transaction.
    pub tx: SignedTx,
}

/// A user's wallet on one Tern network (see the module docs).
pub struct Wallet {
    provider: Provider,
    signer: Signer,
    tokens: TokenList,
    l1_url: Option<String>,
    synced: bool,
    /// A ChangePubKey to this wallet's key was accepted by the node but may not be in a block
    /// yet: what follows it in the queue may be signed with the key already.
    key_pending: bool,
    /// Whether the node is known to serve the chain and contract the wallet signs for (true
    /// when the wallet took them from the node).
    chain_checked: bool,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet").field("signer", &self.signer).finish_non_exhaustive()
    }
}

/// An Ethereum private key from 32 bytes of hex (`0x` optional).
pub fn parse_eth_key(hex_key: &str) -> Result<SigningKey, SdkError> {
    let body = hex_key.trim();
    let body = body.strip_prefix("0x").unwrap_or(body);
    let bytes = hex::decode(body).map_err(|e| SdkError::BadKey(format!("not hex: {e}")))?;
    if bytes.len() != 32 {
        return Err(SdkError::BadKey(format!("{} bytes, expected 32", bytes.len())));
    }
    SigningKey::from_slice(&bytes).map_err(|_| SdkError::BadKey("not a secp256k1 key".into()))
}

/// The fee token and fee of a signed transaction.
pub fn fee_of(tx: &SignedTx) -> (TokenId, u128) {
    match tx {
        SignedTx::Transfer(t) => (t.tx.token, t.tx.fee),
        SignedTx::Withdraw(t) => (t.tx.token, t.tx.fee),
        SignedTx::ChangePubKey(t) => (t.tx.fee_token, t.tx.fee),
        SignedTx::ForcedExit(t) => (t.tx.token, t.tx.fee),
        SignedTx::Swap(t) => (t.tx.fee_token, t.tx.fee),
        SignedTx::MintNft(t) => (t.tx.fee_token, t.tx.fee),
        SignedTx::TransferNft(t) => (t.tx.fee_token, t.tx.fee),
        SignedTx::WithdrawNft(t) => (t.tx.fee_token, t.tx.fee),
    }
}

/// An amount's base units in `state`, under the node's symbol for the token.
pub fn balance_in(state: &AccountState, token: &Token) -> u128 {
    let node_symbol = tern_rpc::types::token_symbol(token.id.0);
    state
        .balances
        .get(&token.symbol)
        .or_else(|| state.balances.get(&node_symbol))
        .map_or(0, |b| b.0)
}

fn check_packable(what: &'static str, value: u128, format: FloatFormat) -> Result<(), SdkError> {
    if format.is_packable(value) {
        return Ok(());
    }
    Err(SdkError::NotPackable { what, value, closest: format.closest_down(value) })
}

impl Wallet {
    /// Connects a wallet for the Ethereum private key `eth_private_key` (hex) to the node
    /// behind `provider`, which names the chain and contract the L2 key is derived for.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), tern_sdk::SdkError> {
    /// let provider = tern_sdk::Provider::new("http://127.0.0.1:3030")?;
    /// let key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    /// let mut wallet = tern_sdk::Wallet::new(provider, key).await?;
    /// println!("{} has L2 key {}", wallet.address(), wallet.pubkey_hash());
    /// # Ok(()) }
    /// ```
    pub async fn new(provider: Provider, eth_private_key: &str) -> Result<Self, SdkError> {
        let chain = provider.chain().await?;
        let tokens = provider.tokens().await?;
        let mut wallet = Self::with_chain(provider, eth_private_key, chain, tokens)?;
        wallet.chain_checked = true;
        Ok(wallet)
    }

    /// A wallet for a known chain and token list, without asking the node. Before its first L2
    /// transaction it checks that the node serves the same chain and contract
    /// ([`SdkError::ChainMismatch`] otherwise), so a wrong endpoint never gets a signature
    /// made for another deployment.
    pub fn with_chain(
        provider: Provider,
        eth_private_key: &str,
        chain: ChainConfig,
        tokens: TokenList,
    ) -> Result<Self, SdkError> {
        let signer = Signer::from_eth_key(parse_eth_key(eth_private_key)?, chain)?;
        Ok(Self {
            provider,
            signer,
            tokens,
            l1_url: None,
            synced: false,
            key_pending: false,
            chain_checked: false,
        })
    }

    /// Uses the Ethereum JSON-RPC endpoint `url` for the L1 calls.
    pub fn with_l1(mut self, url: &str) -> Self {
        self.l1_url = Some(url.to_owned());
        self
    }

    /// Replaces the token list (e.g. with a devnet's, which knows symbols and decimals).
    pub fn with_tokens(mut self, tokens: TokenList) -> Self {
        self.tokens = tokens;
        self
    }

    /// Sets the validity of the transactions it signs from now on.
    pub fn set_time_range(&mut self, range: TimeRange) {
        self.signer.time_range = range;
    }

    /// The wallet's Ethereum address, which is its L2 address.
    pub fn address(&self) -> Address {
        self.signer.address
    }

    /// The hash of the wallet's L2 key.
    pub fn pubkey_hash(&self) -> PubKeyHash {
        self.signer.pubkey_hash()
    }

    /// The chain and contract the wallet signs for.
    pub fn chain(&self) -> ChainConfig {
        self.signer.chain()
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The listed tokens.
    pub fn tokens(&self) -> &TokenList {
        &self.tokens
    }

    /// A listed token by symbol, id or address.
    pub fn token(&self, what: &str) -> Result<Token, SdkError> {
        self.tokens.resolve(what).cloned()
    }

    /// The signer itself, for signing offline with an account id and nonce set by hand
    /// (`account_id`, `nonce` and `time_range` are its public fields).
    pub fn signer_mut(&mut self) -> &mut Signer {
        &mut self.signer
    }

    /// The account id and the next nonce, as the wallet will sign them.
    pub fn account(&self) -> (AccountId, u32) {
        (self.signer.account_id, self.signer.nonce)
    }

    /// `account_info` of the wallet's address.
    pub async fn account_info(&self) -> Result<AccountInfo, SdkError> {
        self.provider.account_info(self.address()).await
    }

    /// Reads the account id and nonce from the node; [`SdkError::NoAccount`] if the address
    /// has no account yet.
    pub async fn sync(&mut self) -> Result<AccountInfo, SdkError> {
        if !self.chain_checked {
            let node = self.provider.chain().await?;
            if node != self.chain() {
                return Err(SdkError::ChainMismatch {
                    wallet: format!(
                        "chain {} contract {}",
                        self.chain().chain_id,
                        self.chain().contract
                    ),
                    node: format!("chain {} contract {}", node.chain_id, node.contract),
                });
            }
            self.chain_checked = true;
        }
        let info = self.account_info().await?;
        let id = info.id.ok_or(SdkError::NoAccount(self.address()))?;
        self.signer.account_id = AccountId(id);
        self.signer.nonce = info.committed.nonce;
        self.synced = true;
        Ok(info)
    }

    /// Syncs once, and checks that the account's L2 key is this wallet's.
    async fn ready(&mut self) -> Result<AccountInfo, SdkError> {
        let info = if self.synced { self.account_info().await? } else { self.sync().await? };
        let key = info.committed.pub_key_hash;
        if key == self.pubkey_hash() || self.key_pending {
            return Ok(info);
        }
        if key == PubKeyHash::default() {
            return Err(SdkError::KeyNotSet(self.address()));
        }
        Err(SdkError::KeyMismatch { address: self.address(), set: key.to_string() })
    }

    async fn fee(
        &self,
        choice: FeeChoice,
        kind: FeeType,
        to: Address,
        token: TokenId,
    ) -> Result<u128, SdkError> {
        let fee = match choice {
            FeeChoice::Exact(fee) => fee,
            FeeChoice::Auto => self.provider.tx_fee(kind, to, token).await?.total_fee,
        };
        check_packable("fee", fee, FEE)?;
        Ok(fee)
    }

    fn check_balance(
        &self,
        state: &AccountState,
        token: &Token,
        need: u128,
    ) -> Result<(), SdkError> {
        let have = balance_in(state, token);
        if have >= need {
            return Ok(());
        }
        Err(SdkError::InsufficientBalance { have: token.show(have), need: token.show(need) })
    }

    /// `token` for an id, from the list (a token the list does not know shows in base units).
    fn token_by_id(&self, id: TokenId) -> Token {
        self.tokens.by_id(id).cloned().unwrap_or_else(|_| Token {
            id,
            symbol: tern_rpc::types::token_symbol(id.0),
            address: Address::ZERO,
            decimals: 0,
        })
    }

    /// Submits a signed transaction. If the node refuses it, its nonce is given back.
    pub async fn submit(&mut self, tx: SignedTx) -> Result<Submitted, SdkError> {
        let (fee_token, fee) = fee_of(&tx);
        match self.provider.submit(&tx).await {
            Ok(hash) => {
                if matches!(&tx, SignedTx::ChangePubKey(c) if c.tx.new_pubkey_hash == self.pubkey_hash())
                {
                    self.key_pending = true;
                }
                Ok(Submitted { hash, fee, fee_token, tx })
            }
            Err(e) => {
                self.signer.nonce = tx.nonce();
                Err(e)
            }
        }
    }

    /// Submits an atomic batch (all applied or none), signed by this wallet's `sign_*` calls
    /// in nonce order. If the node refuses it, the nonces are given back.
    pub async fn submit_batch(&mut self, txs: Vec<SignedTx>) -> Result<Vec<Submitted>, SdkError> {
        let first_nonce = txs.first().map(SignedTx::nonce);
        match self.provider.submit_batch(&txs).await {
            Ok(hashes) => Ok(hashes
                .into_iter()
                .zip(txs)
                .map(|(hash, tx)| {
                    let (fee_token, fee) = fee_of(&tx);
                    Submitted { hash, fee, fee_token, tx }
                })
                .collect()),
            Err(e) => {
                if let Some(n) = first_nonce {
                    self.signer.nonce = n;
                }
                Err(e)
            }
        }
    }

    /// Signs a ChangePubKey that sets the wallet's derived L2 key, authorised by an EIP-191
    /// signature of the Ethereum key; the fee is paid in `fee_token`.
    pub async fn sign_change_pubkey(
        &mut self,
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        self.sign_change_pubkey_with(AuthKind::Ecdsa, fee_token, fee).await
    }

    /// [`Wallet::sign_change_pubkey`] with the authorisation of choice: an EIP-191 or EIP-712
    /// signature carried in the block's calldata, or (`Onchain`, the cheapest) a fact the
    /// wallet records on L1 first with [`Wallet::authorize_onchain`].
    pub async fn sign_change_pubkey_with(
        &mut self,
        auth: AuthKind,
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        let info = if self.synced { self.account_info().await? } else { self.sync().await? };
        let kind = FeeType::ChangePubKey(match auth {
            AuthKind::Ecdsa => ChangePubKeyFeeType::Ecdsa,
            AuthKind::Eip712 => ChangePubKeyFeeType::Eip712,
            AuthKind::Onchain => ChangePubKeyFeeType::Onchain,
        });
        let fee = self.fee(fee, kind, self.address(), fee_token.id).await?;
        self.check_balance(&info.committed, fee_token, fee)?;
        Ok(self.signer.change_pubkey(auth, fee_token.id, fee)?)
    }

    /// Records on L1 that the wallet's Ethereum key authorises its L2 key for its next
    /// ChangePubKey (`setAuthPubkeyHash` at the account's current nonce), so that
    /// [`Wallet::sign_change_pubkey_with`]`(AuthKind::Onchain, …)` carries no signature. The
    /// node accepts that ChangePubKey once its watcher has seen the fact.
    pub async fn authorize_onchain(&mut self) -> Result<L1Receipt, SdkError> {
        if !self.synced {
            self.sync().await?;
        }
        let nonce = self.signer.nonce;
        let hash = self.pubkey_hash();
        self.l1().await?.authorize_pubkey_hash(hash, nonce).await
    }

    /// Signs and submits [`Wallet::sign_change_pubkey`]: needed once, before any other L2
    /// transaction of a new account.
    pub async fn change_pubkey(
        &mut self,
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<Submitted, SdkError> {
        let tx = self.sign_change_pubkey(fee_token, fee).await?;
        self.submit(tx).await
    }

    /// Sets the wallet's L2 key with an on-chain authorisation: records it on L1
    /// ([`Wallet::authorize_onchain`]), then submits the ChangePubKey, again while the node
    /// has not yet seen the fact (its watcher follows L1 some confirmations behind), for up to
    /// `wait`.
    pub async fn change_pubkey_onchain(
        &mut self,
        fee_token: &Token,
        fee: FeeChoice,
        wait: std::time::Duration,
    ) -> Result<(L1Receipt, Submitted), SdkError> {
        let receipt = self.authorize_onchain().await?;
        let deadline = std::time::Instant::now() + wait;
        loop {
            let tx = self.sign_change_pubkey_with(AuthKind::Onchain, fee_token, fee).await?;
            match self.submit(tx).await {
                Ok(submitted) => return Ok((receipt, submitted)),
                Err(SdkError::Refused { message, .. })
                    if message.contains("no on-chain authorisation")
                        && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Signs a transfer of `amount` base units of `token` to `to` (a new address gets an
    /// account); the fee is paid in the same token.
    pub async fn sign_transfer(
        &mut self,
        to: Address,
        token: &Token,
        amount: u128,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        if amount == 0 {
            return Err(SdkError::ZeroAmount);
        }
        check_packable("amount", amount, AMOUNT)?;
        let info = self.ready().await?;
        let fee = self.fee(fee, FeeType::Transfer, to, token.id).await?;
        self.check_balance(&info.committed, token, amount.saturating_add(fee))?;
        Ok(self.signer.transfer(to, token.id, amount, fee)?)
    }

    /// Signs and submits a transfer (see [`Wallet::sign_transfer`]).
    ///
    /// ```no_run
    /// # async fn f(mut wallet: tern_sdk::Wallet) -> Result<(), tern_sdk::SdkError> {
    /// let eth = wallet.token("ETH")?;
    /// let to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse().expect("address");
    /// let sent = wallet.transfer(to, &eth, eth.parse("0.5")?, tern_sdk::FeeChoice::Auto).await?;
    /// wallet.provider().wait_committed(sent.hash).await?;
    /// # Ok(()) }
    /// ```
    pub async fn transfer(
        &mut self,
        to: Address,
        token: &Token,
        amount: u128,
        fee: FeeChoice,
    ) -> Result<Submitted, SdkError> {
        let tx = self.sign_transfer(to, token, amount, fee).await?;
        self.submit(tx).await
    }

    /// Signs a withdrawal of `amount` base units of `token` to `to` on L1 (credited to its
    /// pending balance there once the block is executed; see [`Wallet::claim`]).
    pub async fn sign_withdraw(
        &mut self,
        to: Address,
        token: &Token,
        amount: u128,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        if amount == 0 {
            return Err(SdkError::ZeroAmount);
        }
        let info = self.ready().await?;
        let fee = self.fee(fee, FeeType::Withdraw, to, token.id).await?;
        self.check_balance(&info.committed, token, amount.saturating_add(fee))?;
        Ok(self.signer.withdraw(to, token.id, amount, fee)?)
    }

    /// Signs and submits a withdrawal (see [`Wallet::sign_withdraw`]).
    pub async fn withdraw(
        &mut self,
        to: Address,
        token: &Token,
        amount: u128,
        fee: FeeChoice,
    ) -> Result<Submitted, SdkError> {
        let tx = self.sign_withdraw(to, token, amount, fee).await?;
        self.submit(tx).await
    }

    /// Signs a forced exit of the keyless account at `target` (its whole `token` balance goes
    /// to `target` on L1); this wallet pays the fee in `token`.
    pub async fn sign_forced_exit(
        &mut self,
        target: Address,
        token: &Token,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        let info = self.ready().await?;
        let fee = self.fee(fee, FeeType::ForcedExit, target, token.id).await?;
        self.check_balance(&info.committed, token, fee)?;
        Ok(self.signer.forced_exit(target, token.id, fee)?)
    }

    /// Signs and submits a forced exit (see [`Wallet::sign_forced_exit`]).
    pub async fn forced_exit(
        &mut self,
        target: Address,
        token: &Token,
        fee: FeeChoice,
    ) -> Result<Submitted, SdkError> {
        let tx = self.sign_forced_exit(target, token, fee).await?;
        self.submit(tx).await
    }

    /// Signs an order selling `sell` for `buy` at `ratio` (sell : buy base units); `amount` 0
    /// makes a limit order (partial fills). The order carries the account's next nonce, which
    /// the swap that fills it consumes, so it is signed after a sync and does not advance the
    /// wallet's counter.
    pub async fn sign_order(
        &mut self,
        sell: &Token,
        buy: &Token,
        ratio: (u128, u128),
        amount: u128,
    ) -> Result<Signed<Order>, SdkError> {
        self.ready().await?;
        Ok(self.signer.order(sell.id, buy.id, ratio, amount)?)
    }

    /// Signs a swap of two signed orders (any accounts'), selling `amounts[i]` of order `i`'s
    /// sell token; this wallet submits it and pays the fee in `fee_token`.
    pub async fn sign_swap(
        &mut self,
        orders: [Signed<Order>; 2],
        amounts: [u128; 2],
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        for a in amounts {
            check_packable("amount", a, AMOUNT)?;
        }
        let info = self.ready().await?;
        let fee = self.fee(fee, FeeType::Swap, self.address(), fee_token.id).await?;
        self.check_balance(&info.committed, fee_token, fee)?;
        Ok(self.signer.swap(orders, amounts, fee_token.id, fee)?)
    }

    /// Signs and submits a swap (see [`Wallet::sign_swap`]).
    pub async fn swap(
        &mut self,
        orders: [Signed<Order>; 2],
        amounts: [u128; 2],
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<Submitted, SdkError> {
        let tx = self.sign_swap(orders, amounts, fee_token, fee).await?;
        self.submit(tx).await
    }

    /// Signs a mint of an NFT with `content_hash` to `recipient`.
    pub async fn sign_mint_nft(
        &mut self,
        recipient: Address,
        content_hash: [u8; 32],
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        let info = self.ready().await?;
        let fee = self.fee(fee, FeeType::MintNft, recipient, fee_token.id).await?;
        self.check_balance(&info.committed, fee_token, fee)?;
        Ok(self.signer.mint_nft(recipient, content_hash, fee_token.id, fee)?)
    }

    /// Signs and submits an NFT mint (see [`Wallet::sign_mint_nft`]).
    pub async fn mint_nft(
        &mut self,
        recipient: Address,
        content_hash: [u8; 32],
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<Submitted, SdkError> {
        let tx = self.sign_mint_nft(recipient, content_hash, fee_token, fee).await?;
        self.submit(tx).await
    }

    /// Signs a transfer of NFT `nft` to `to`.
    pub async fn sign_transfer_nft(
        &mut self,
        to: Address,
        nft: NftId,
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        let info = self.ready().await?;
        let fee = self.fee(fee, FeeType::TransferNft, to, fee_token.id).await?;
        self.check_balance(&info.committed, fee_token, fee)?;
        Ok(self.signer.transfer_nft(to, nft, fee_token.id, fee)?)
    }

    /// Signs and submits an NFT transfer (see [`Wallet::sign_transfer_nft`]).
    pub async fn transfer_nft(
        &mut self,
        to: Address,
        nft: NftId,
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<Submitted, SdkError> {
        let tx = self.sign_transfer_nft(to, nft, fee_token, fee).await?;
        self.submit(tx).await
    }

    /// Signs a withdrawal of NFT `nft` to `to` on L1.
    pub async fn sign_withdraw_nft(
        &mut self,
        to: Address,
        nft: NftId,
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<SignedTx, SdkError> {
        let info = self.ready().await?;
        let fee = self.fee(fee, FeeType::WithdrawNft, to, fee_token.id).await?;
        self.check_balance(&info.committed, fee_token, fee)?;
        Ok(self.signer.withdraw_nft(to, nft, fee_token.id, fee)?)
    }

    /// Signs and submits an NFT withdrawal (see [`Wallet::sign_withdraw_nft`]).
    pub async fn withdraw_nft(
        &mut self,
        to: Address,
        nft: NftId,
        fee_token: &Token,
        fee: FeeChoice,
    ) -> Result<Submitted, SdkError> {
        let tx = self.sign_withdraw_nft(to, nft, fee_token, fee).await?;
        self.submit(tx).await
    }

    /// The wallet's L1 client (connects on each call: L1 actions are rare and one-shot).
    pub async fn l1(&self) -> Result<L1Wallet, SdkError> {
        let url = self.l1_url.as_deref().ok_or(SdkError::NoL1)?;
        let bytes: [u8; 32] = self.signer.eth_key.to_bytes().into();
        let signer =
            PrivateKeySigner::from_slice(&bytes).map_err(|e| SdkError::BadKey(e.to_string()))?;
        L1Wallet::connect(url, signer, self.chain().contract).await
    }

    /// Deposits `amount` base units of `token` from the wallet's L1 account to `to` on L2
    /// (ERC-20s are approved first). Needs no Tern node.
    pub async fn deposit(
        &self,
        token: &Token,
        amount: u128,
        to: Address,
    ) -> Result<L1Receipt, SdkError> {
        self.l1().await?.deposit(token, amount, to).await
    }

    /// Requests a full exit of `token` on L1. `account_id` is the wallet's; when `None` it is
    /// asked from the node (a censoring node may not answer: pass it then).
    pub async fn full_exit(
        &self,
        token: &Token,
        account_id: Option<AccountId>,
    ) -> Result<L1Receipt, SdkError> {
        let id = match account_id {
            Some(id) => id,
            None => {
                let info = self.account_info().await?;
                AccountId(info.id.ok_or(SdkError::NoAccount(self.address()))?)
            }
        };
        self.l1().await?.full_exit(id, token.id).await
    }

    /// Claims the wallet's pending balance of `token` on L1; returns the receipt and the
    /// amount. Needs no Tern node.
    pub async fn claim(&self, token: &Token) -> Result<(L1Receipt, u128), SdkError> {
        self.l1().await?.claim(token.id).await
    }

    /// A token by id, for showing amounts of tokens the list may not know.
    pub fn show(&self, token: TokenId, value: u128) -> String {
        self.token_by_id(token).show(value)
    }
}
