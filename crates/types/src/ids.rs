//! Identifiers of accounts, tokens and NFTs, each a position in its tree.

use crate::params::{MAX_ACCOUNTS, MAX_NFTS, MAX_TOKENS};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty), $max:expr, $label:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub $inner);

        impl $name {
            /// Whether the id addresses a slot of its tree.
            pub fn is_valid(self) -> bool {
                u64::from(self.0) < u64::from($max)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", $label, self.0)
            }
        }
    };
}

id_type!(
    /// An account's position in the account tree (24 bits).
    AccountId(u32), MAX_ACCOUNTS, "account"
);
id_type!(
    /// A fungible token's position in every balance tree (10 bits); 0 is ETH.
    TokenId(u16), MAX_TOKENS, "token"
);
id_type!(
    /// An NFT's position in the NFT tree (24 bits).
    NftId(u32), MAX_NFTS, "nft"
);

/// An account's transaction counter.
pub type Nonce = u32;

/// ETH's token id.
pub const ETH: TokenId = TokenId(0);
