//! A local wallet that builds and signs every transaction type: an Ethereum key, the L2 key
//! derived from it, and the next nonce. The demo, the tests and the benchmarks use it; a
//! production wallet does the same through the SDK.

use crate::execute::ChainConfig;
use tern_primitives::eddsa::{PrivateKey, PubKeyHash};
use tern_primitives::eth::{self, EthSigError, SigningKey};
use tern_primitives::keys::derive_l2_key_with_wallet;
use tern_primitives::Address;
use tern_types::tx::*;
use tern_types::{AccountId, EncodeError, NftId, Nonce, SignedTx, TimeRange, TokenId};

/// Why a wallet could not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// An amount or fee is not packable.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The Ethereum key could not sign.
    #[error(transparent)]
    Eth(#[from] EthSigError),
    /// The seed does not give a valid secp256k1 key.
    #[error("seed gives an invalid secp256k1 key")]
    BadSeed,
}

/// How a ChangePubKey is authorised on L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// EIP-191 `personal_sign`.
    Ecdsa,
    /// EIP-712 typed data.
    Eip712,
    /// A fact recorded on-chain beforehand.
    Onchain,
}

/// A user's keys and nonce.
#[derive(Clone)]
pub struct Wallet {
    /// Ethereum key.
    pub eth_key: SigningKey,
    /// Its address.
    pub address: Address,
    /// L2 key derived from the Ethereum key.
    pub l2_key: PrivateKey,
    /// The L2 account, once the wallet knows it.
    pub account_id: AccountId,
    /// Next nonce.
    pub nonce: Nonce,
    /// Validity of the transactions it signs.
    pub time_range: TimeRange,
    chain: ChainConfig,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("address", &self.address)
            .field("account_id", &self.account_id)
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// A deterministic wallet: the Ethereum key is `sha256("tern-dev-wallet" ‖ seed)`.
    pub fn from_seed(seed: u64, chain: ChainConfig) -> Result<Self, WalletError> {
        use sha2::{Digest, Sha256};
        let bytes: [u8; 32] = Sha256::new()
            .chain_update(b"tern-dev-wallet")
            .chain_update(seed.to_be_bytes())
            .finalize()
            .into();
        let eth_key = SigningKey::from_slice(&bytes).map_err(|_| WalletError::BadSeed)?;
        Self::from_eth_key(eth_key, chain)
    }

    /// The wallet of an Ethereum key on `chain`: its L2 key is derived from the key's signature
    /// of `tern_primitives::keys::l2_key_message`, as any wallet integration derives it. The
    /// account id and nonce start at 0; set them from the node before signing.
    pub fn from_eth_key(eth_key: SigningKey, chain: ChainConfig) -> Result<Self, WalletError> {
        let l2_key = derive_l2_key_with_wallet(&eth_key, chain.chain_id, chain.contract)?;
        Ok(Self {
            address: eth::address_of(&eth_key),
            eth_key,
            l2_key,
            account_id: AccountId(0),
            nonce: 0,
            time_range: TimeRange::ALWAYS,
            chain,
        })
    }

    /// The chain and contract the wallet signs for.
    pub fn chain(&self) -> ChainConfig {
        self.chain
    }

    /// Hash of the wallet's L2 key.
    pub fn pubkey_hash(&self) -> PubKeyHash {
        self.l2_key.public_key().hash()
    }

    fn next_nonce(&mut self) -> Nonce {
        let n = self.nonce;
        self.nonce = self.nonce.wrapping_add(1);
        n
    }

    /// Sets the L2 key, authorised by `kind`.
    pub fn change_pubkey(
        &mut self,
        kind: AuthKind,
        fee_token: TokenId,
        fee: u128,
    ) -> Result<SignedTx, WalletError> {
        let pkh = self.pubkey_hash();
        let nonce = self.nonce;
        let auth = match kind {
            AuthKind::Onchain => ChangePubKeyAuth::Onchain,
            AuthKind::Ecdsa => ChangePubKeyAuth::Ecdsa(eth::sign_eip191(
                &self.eth_key,
                &eth::change_pubkey_eip191_message(
                    &pkh,
                    nonce,
                    self.account_id.0,
                    self.chain.chain_id,
                    self.chain.contract,
                ),
            )?),
            AuthKind::Eip712 => ChangePubKeyAuth::Eip712(eth::sign_eip712_change_pubkey(
                &self.eth_key,
                &pkh,
                nonce,
                self.account_id.0,
                self.chain.chain_id,
                self.chain.contract,
            )?),
        };
        let tx = ChangePubKey {
            account_id: self.account_id,
            new_pubkey_hash: pkh,
            fee_token,
            fee,
            nonce: self.next_nonce(),
            time_range: self.time_range,
            auth,
        };
        Ok(SignedTx::ChangePubKey(tx.sign(&self.l2_key)?))
    }

    /// A transfer to `to`.
    pub fn transfer(
        &mut self,
        to: Address,
        token: TokenId,
        amount: u128,
        fee: u128,
    ) -> Result<SignedTx, WalletError> {
        let tx = Transfer {
            account_id: self.account_id,
            to,
            token,
            amount,
            fee,
            nonce: self.next_nonce(),
            time_range: self.time_range,
        };
        Ok(SignedTx::Transfer(tx.sign(&self.l2_key)?))
    }

    /// A withdrawal to `to` on L1.
    pub fn withdraw(
        &mut self,
        to: Address,
        token: TokenId,
        amount: u128,
        fee: u128,
    ) -> Result<SignedTx, WalletError> {
        let tx = Withdraw {
            account_id: self.account_id,
            to,
            token,
            amount,
            fee,
            nonce: self.next_nonce(),
            time_range: self.time_range,
        };
        Ok(SignedTx::Withdraw(tx.sign(&self.l2_key)?))
    }

    /// A forced exit of the keyless account at `target`.
    pub fn forced_exit(
        &mut self,
        target: Address,
        token: TokenId,
        fee: u128,
    ) -> Result<SignedTx, WalletError> {
        let tx = ForcedExit {
            account_id: self.account_id,
            target,
            token,
            fee,
            nonce: self.next_nonce(),
            time_range: self.time_range,
        };
        Ok(SignedTx::ForcedExit(tx.sign(&self.l2_key)?))
    }

    /// An order selling `token_sell` for `token_buy` at `ratio`; `amount` 0 makes a limit
    /// order. Does not consume the wallet's nonce (the swap does, for fill-or-kill orders).
    pub fn order(
        &self,
        token_sell: TokenId,
        token_buy: TokenId,
        ratio: (u128, u128),
        amount: u128,
    ) -> Result<Signed<Order>, WalletError> {
        let tx = Order {
            account_id: self.account_id,
            token_sell,
            token_buy,
            ratio,
            amount,
            nonce: self.nonce,
            time_range: self.time_range,
        };
        Ok(tx.sign(&self.l2_key)?)
    }

    /// A swap of two orders, submitted and paid for by this wallet.
    pub fn swap(
        &mut self,
        orders: [Signed<Order>; 2],
        amounts: [u128; 2],
        fee_token: TokenId,
        fee: u128,
    ) -> Result<SignedTx, WalletError> {
        let tx = Swap {
            account_id: self.account_id,
            orders,
            amounts,
            fee_token,
            fee,
            nonce: self.next_nonce(),
            time_range: self.time_range,
        };
        Ok(SignedTx::Swap(Box::new(tx.sign(&self.l2_key)?)))
    }

    /// Mints an NFT to `recipient`.
    pub fn mint_nft(
        &mut self,
        recipient: Address,
        content_hash: [u8; 32],
        fee_token: TokenId,
        fee: u128,
    ) -> Result<SignedTx, WalletError> {
        let tx = MintNft {
            account_id: self.account_id,
            recipient,
            content_hash,
            fee_token,
            fee,
            nonce: self.next_nonce(),
            time_range: self.time_range,
        };
        Ok(SignedTx::MintNft(tx.sign(&self.l2_key)?))
    }

    /// Transfers an NFT.
    pub fn transfer_nft(
        &mut self,
        to: Address,
        nft_id: NftId,
        fee_token: TokenId,
        fee: u128,
    ) -> Result<SignedTx, WalletError> {
        let tx = TransferNft {
            account_id: self.account_id,
            to,
            nft_id,
            fee_token,
            fee,
            nonce: self.next_nonce(),
            time_range: self.time_range,
        };
        Ok(SignedTx::TransferNft(tx.sign(&self.l2_key)?))
    }

    /// The EIP-712 signature by which this wallet, as the creator of NFTs from its L2 account,
    /// has `factory` mint them on L1 (`Rollup.registerNftFactory`, through the factory's
    /// `registerForCreator`).
    pub fn register_nft_factory(&self, factory: Address) -> Result<[u8; 65], WalletError> {
        let hash = eth::register_nft_factory_eip712_hash(
            self.account_id.0,
            factory,
            self.chain.chain_id,
            self.chain.contract,
        );
        Ok(eth::sign_prehash(&self.eth_key, &hash)?)
    }

    /// Withdraws an NFT to `to` on L1.
    pub fn withdraw_nft(
        &mut self,
        to: Address,
        nft_id: NftId,
        fee_token: TokenId,
        fee: u128,
    ) -> Result<SignedTx, WalletError> {
        let tx = WithdrawNft {
            account_id: self.account_id,
            to,
            nft_id,
            fee_token,
            fee,
            nonce: self.next_nonce(),
            time_range: self.time_range,
        };
        Ok(SignedTx::WithdrawNft(tx.sign(&self.l2_key)?))
    }
}
