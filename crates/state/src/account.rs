//! Accounts and NFTs as stored in the trees, and how their leaves are hashed
//! (`docs/spec/state.md`).

use std::collections::BTreeMap;
use tern_primitives::eddsa::PubKeyHash;
use tern_primitives::field::fr_from_be_short;
use tern_primitives::{poseidon, Address, Fr};
use tern_types::op::NftInfo;
use tern_types::{AccountId, Nonce, TokenId};

/// An L2 account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Account {
    /// The L1 address that owns the account.
    pub address: Address,
    /// Hash of the L2 key; all zero until a ChangePubKey sets it.
    pub pubkey_hash: PubKeyHash,
    /// Transactions applied so far.
    pub nonce: Nonce,
    /// NFTs this account has minted; the next one gets this serial.
    pub nfts_minted: u32,
    /// Non-zero balances.
    pub balances: BTreeMap<TokenId, u128>,
}

impl Account {
    /// A fresh account owned by `address`.
    pub fn new(address: Address) -> Self {
        Self { address, ..Self::default() }
    }

    /// Balance of `token` (0 if none).
    pub fn balance(&self, token: TokenId) -> u128 {
        self.balances.get(&token).copied().unwrap_or(0)
    }

    /// Whether an L2 key is set.
    pub fn has_key(&self) -> bool {
        self.pubkey_hash != PubKeyHash::default()
    }
}

/// The account leaf: `Poseidon(nonce + 2^32·nfts_minted, pubkey_hash, address, balance_root)`.
pub fn account_leaf(
    nonce: Nonce,
    nfts_minted: u32,
    pubkey_hash: &PubKeyHash,
    address: &Address,
    balance_root: Fr,
) -> Fr {
    poseidon::hash(account_leaf_inputs(nonce, nfts_minted, pubkey_hash, address, balance_root))
}

/// What [`account_leaf`] hashes, for callers that hash many leaves in one batch.
pub fn account_leaf_inputs(
    nonce: Nonce,
    nfts_minted: u32,
    pubkey_hash: &PubKeyHash,
    address: &Address,
    balance_root: Fr,
) -> [Fr; 4] {
    let meta = Fr::from(u64::from(nonce) | (u64::from(nfts_minted) << 32));
    [meta, fr_from_be_short(&pubkey_hash.0), fr_from_be_short(address.as_slice()), balance_root]
}

/// An NFT in the NFT tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nft {
    /// Current owner.
    pub owner: AccountId,
    /// Identity fixed at mint.
    pub info: NftInfo,
}

impl Nft {
    /// The NFT leaf: `Poseidon` of [`Nft::leaf_inputs`].
    pub fn leaf(&self) -> Fr {
        poseidon::hash(self.leaf_inputs())
    }

    /// The leaf's four inputs, which the circuit also reads:
    /// `[owner + 2^24·creator_id + 2^48·serial, creator_address, content[0..16], content[16..32]]`.
    pub fn leaf_inputs(&self) -> [Fr; 4] {
        let meta = u128::from(self.owner.0)
            | (u128::from(self.info.creator_id.0) << 24)
            | (u128::from(self.info.serial) << 48);
        [
            Fr::from(meta),
            fr_from_be_short(self.info.creator_address.as_slice()),
            fr_from_be_short(&self.info.content_hash[..16]),
            fr_from_be_short(&self.info.content_hash[16..]),
        ]
    }
}
