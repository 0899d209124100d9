//! Protocol constants: tree shapes, identifier widths and chunking. `docs/spec/state.md` and
//! `docs/spec/pubdata.md` give the reasons; the circuit and the contract read the same numbers.

/// Children per node in every Tern tree: a 4-ary Poseidon tree costs about 150 constraints per
/// bit of depth against 242 for a binary one.
pub const TREE_ARITY: usize = 4;
/// Depth of the account tree: 4^12 = 2^24 accounts.
pub const ACCOUNT_TREE_DEPTH: usize = 12;
/// Depth of each account's balance tree: 4^5 = 1024 fungible tokens.
pub const BALANCE_TREE_DEPTH: usize = 5;
/// Depth of the global NFT tree: 4^12 = 2^24 NFTs.
pub const NFT_TREE_DEPTH: usize = 12;

/// Number of account slots.
pub const MAX_ACCOUNTS: u32 = 1 << 24;
/// Number of fungible token slots; token 0 is ETH.
pub const MAX_TOKENS: u16 = 1024;
/// Number of NFT slots.
pub const MAX_NFTS: u32 = 1 << 24;

/// Bytes in one pubdata chunk; every operation occupies a whole number of chunks.
pub const CHUNK_BYTES: usize = 13;
/// Bits in one pubdata chunk.
pub const CHUNK_BITS: usize = CHUNK_BYTES * 8;

/// Distinct fee tokens a block may collect; fees are credited to the fee account once per block.
pub const MAX_FEE_TOKENS_PER_BLOCK: usize = 4;

/// Width of an opcode in pubdata.
pub const OPCODE_BITS: usize = 4;
/// Width of an account id in pubdata.
pub const ACCOUNT_BITS: usize = 24;
/// Width of a token id in pubdata.
pub const TOKEN_BITS: usize = 10;
/// Width of an NFT id in pubdata.
pub const NFT_BITS: usize = 24;
/// Width of a full (unpacked) amount in pubdata.
pub const AMOUNT_BITS: usize = 128;
/// Width of an Ethereum address.
pub const ADDRESS_BITS: usize = 160;
/// Width of a nonce.
pub const NONCE_BITS: usize = 32;
/// Width of an NFT serial number.
pub const SERIAL_BITS: usize = 32;
/// Bits of each side of an order's price ratio: both must be below `2^RATIO_BITS`, so that
/// `amount × ratio` (`< 2^128 · 2^120`) fits a BN254 field element and the circuit compares
/// prices without limb arithmetic.
pub const RATIO_BITS: u32 = 120;
