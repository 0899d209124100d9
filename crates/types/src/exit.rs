//! Exodus exits: the public inputs of the exit proofs (`docs/spec/exit.md`).
//!
//! When the rollup is frozen (exodus mode) every user withdraws what the **last verified state
//! root** holds for them, with a SNARK proof that the root contains it. Each exit proof has a
//! single public input: a SHA-256 commitment to the root and to the claim, masked to 253 bits
//! exactly like the block commitment ([`mask_digest`], [`commitment_to_fr`]), so the L1
//! contract recomputes it with the SHA-256 precompile from values it holds (the root it stored)
//! and values the user claims.
//!
//! Integers are big-endian and the root is its canonical 32-byte big-endian encoding. The
//! account id is written as 4 bytes (`uint32`) although the account tree only has 2²⁴ slots:
//! the circuit fixes the top byte to zero, so an id of 2²⁴ or more has a preimage no proof can
//! match. In the NFT preimage the NFT id and the creator id are 3 bytes (`uint24`, as in
//! pubdata): that keeps it at 118 bytes, two SHA-256 blocks instead of three (about 18,600
//! fewer constraints in the circuit); an id passed natively must be below 2²⁴.
//!
//! | preimage | bytes |
//! |---|---|
//! | token exit ([`exit_preimage`]) | `root 32 ‖ account_id 4 ‖ address 20 ‖ token 2 ‖ amount 16` = 74 |
//! | NFT exit ([`nft_exit_preimage`]) | `root 32 ‖ account_id 4 ‖ address 20 ‖ nft_id 3 ‖ creator_id 3 ‖ creator_address 20 ‖ serial 4 ‖ content_hash 32` = 118 |

use crate::block::{commitment_to_fr, mask_digest};
use crate::ids::{AccountId, NftId, TokenId};
use crate::op::NftInfo;
use sha2::{Digest, Sha256};
use tern_primitives::field::fr_to_be_bytes;
use tern_primitives::{Address, Fr};

/// Length of the token exit preimage: 32 + 4 + 20 + 2 + 16.
pub const EXIT_PREIMAGE_BYTES: usize = 74;

/// Length of the NFT exit preimage: 32 + 4 + 20 + 3 + 3 + 20 + 4 + 32.
pub const NFT_EXIT_PREIMAGE_BYTES: usize = 118;

/// The token exit preimage: `root (32, BE) ‖ account_id (u32 BE) ‖ address (20) ‖ token (u16 BE)
/// ‖ amount (u128 BE)`; in Solidity,
/// `abi.encodePacked(bytes32 root, uint32 accountId, address owner, uint16 tokenId, uint128 amount)`.
pub fn exit_preimage(
    root: Fr,
    account_id: AccountId,
    address: &Address,
    token: TokenId,
    amount: u128,
) -> [u8; EXIT_PREIMAGE_BYTES] {
    let mut out = [0u8; EXIT_PREIMAGE_BYTES];
    let parts: [&[u8]; 5] = [
        &fr_to_be_bytes(&root),
        &account_id.0.to_be_bytes(),
        address.as_slice(),
        &token.0.to_be_bytes(),
        &amount.to_be_bytes(),
    ];
    concat_into(&mut out, &parts);
    out
}

/// The token exit commitment: `sha256(exit_preimage(..))` with the top three bits cleared.
pub fn exit_commitment(
    root: Fr,
    account_id: AccountId,
    address: &Address,
    token: TokenId,
    amount: u128,
) -> [u8; 32] {
    mask_digest(Sha256::digest(exit_preimage(root, account_id, address, token, amount)).into())
}

/// The public input of a token exit proof: [`exit_commitment`] as a field element.
///
/// ```
/// use tern_primitives::{Address, Fr};
/// use tern_types::exit::exit_public_input;
/// use tern_types::{AccountId, ETH};
///
/// let x = exit_public_input(Fr::from(7u64), AccountId(1), &Address::new([0x11; 20]), ETH, 5);
/// assert_ne!(x, exit_public_input(Fr::from(7u64), AccountId(1), &Address::new([0x11; 20]), ETH, 6));
/// ```
pub fn exit_public_input(
    root: Fr,
    account_id: AccountId,
    address: &Address,
    token: TokenId,
    amount: u128,
) -> Fr {
    commitment_to_fr(&exit_commitment(root, account_id, address, token, amount))
}

/// The NFT exit preimage: `root (32, BE) ‖ account_id (u32 BE) ‖ address (20) ‖ nft_id (u24 BE)
/// ‖ creator_id (u24 BE) ‖ creator_address (20) ‖ serial (u32 BE) ‖ content_hash (32)`; in
/// Solidity, `abi.encodePacked(bytes32 root, uint32 accountId, address owner, uint24 nftId,
/// uint24 creatorId, address creatorAddress, uint32 serial, bytes32 contentHash)`.
///
/// `account_id` and `address` are the owner's, as in the token exit (the first 56 bytes have
/// the same layout); `info` is the NFT's identity fixed at mint, which the L1 ERC-721 factory
/// needs to mint it. `nft_id` and `info.creator_id` are written as their low 24 bits: ids are
/// below 2²⁴ (`NftId::is_valid`, `AccountId::is_valid`), and the caller must not pass others.
pub fn nft_exit_preimage(
    root: Fr,
    account_id: AccountId,
    address: &Address,
    nft_id: NftId,
    info: &NftInfo,
) -> [u8; NFT_EXIT_PREIMAGE_BYTES] {
    let mut out = [0u8; NFT_EXIT_PREIMAGE_BYTES];
    let parts: [&[u8]; 8] = [
        &fr_to_be_bytes(&root),
        &account_id.0.to_be_bytes(),
        address.as_slice(),
        &u24_be(nft_id.0),
        &u24_be(info.creator_id.0),
        info.creator_address.as_slice(),
        &info.serial.to_be_bytes(),
        &info.content_hash,
    ];
    concat_into(&mut out, &parts);
    out
}

/// The NFT exit commitment: `sha256(nft_exit_preimage(..))` with the top three bits cleared.
pub fn nft_exit_commitment(
    root: Fr,
    account_id: AccountId,
    address: &Address,
    nft_id: NftId,
    info: &NftInfo,
) -> [u8; 32] {
    mask_digest(Sha256::digest(nft_exit_preimage(root, account_id, address, nft_id, info)).into())
}

/// The public input of an NFT exit proof: [`nft_exit_commitment`] as a field element.
pub fn nft_exit_public_input(
    root: Fr,
    account_id: AccountId,
    address: &Address,
    nft_id: NftId,
    info: &NftInfo,
) -> Fr {
    commitment_to_fr(&nft_exit_commitment(root, account_id, address, nft_id, info))
}

/// The low 24 bits of `x`, big-endian.
fn u24_be(x: u32) -> [u8; 3] {
    let [_, a, b, c] = x.to_be_bytes();
    [a, b, c]
}

/// Copies `parts` one after the other into `out`, whose length is their total (checked by the
/// callers' fixed sizes and by the tests).
fn concat_into(out: &mut [u8], parts: &[&[u8]]) {
    let mut at = 0;
    for part in parts {
        out[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    debug_assert_eq!(at, out.len(), "the parts fill the preimage exactly");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_primitives::field::fr_from_be_bytes;

    fn h32(s: &str) -> [u8; 32] {
        hex::decode(s).expect("hex").try_into().expect("32 bytes")
    }

    /// The fixed claim of the vectors. The root is the genesis state root (`docs/spec/state.md`).
    fn root() -> Fr {
        fr_from_be_bytes(&h32("1508b310ad0f00fce4d0cee028b71ab026d21fd0b79207e8dbc7c47ed985b426"))
            .expect("canonical")
    }

    fn address() -> Address {
        Address::new(std::array::from_fn(|i| 0x01 + i as u8))
    }

    fn info() -> NftInfo {
        NftInfo {
            creator_id: AccountId(0x00_0a0b0c),
            creator_address: Address::new([0xc5; 20]),
            serial: 0x0102_0304,
            content_hash: std::array::from_fn(|i| 0xa0 + i as u8),
        }
    }

    const AMOUNT: u128 = 1_234_567_890_123_456_789_000;

    /// Fixed vector for the L1 contract's tests: the preimage bytes, the masked commitment and
    /// the public input.
    #[test]
    fn token_exit_vector() {
        let pre = exit_preimage(root(), AccountId(0x00_123456), &address(), TokenId(0x3ff), AMOUNT);
        assert_eq!(
            hex::encode(pre),
            "1508b310ad0f00fce4d0cee028b71ab026d21fd0b79207e8dbc7c47ed985b426\
             00123456\
             0102030405060708090a0b0c0d0e0f1011121314\
             03ff\
             0000000000000042ed123b0bd8203a08"
        );
        let c = exit_commitment(root(), AccountId(0x00_123456), &address(), TokenId(0x3ff), AMOUNT);
        assert_eq!(
            hex::encode(c),
            "03e995f2ac13546452d11d695d584627e7d57ad2d16cb1dae95fce78f30be749"
        );
        let x =
            exit_public_input(root(), AccountId(0x00_123456), &address(), TokenId(0x3ff), AMOUNT);
        assert_eq!(commitment_to_fr(&c), x);
        assert_eq!(hex::encode(fr_to_be_bytes(&x)), hex::encode(c));
    }

    #[test]
    fn nft_exit_vector() {
        let (id, nft) = (AccountId(0x00_123456), NftId(0x00_fedcba));
        let pre = nft_exit_preimage(root(), id, &address(), nft, &info());
        assert_eq!(
            hex::encode(pre),
            "1508b310ad0f00fce4d0cee028b71ab026d21fd0b79207e8dbc7c47ed985b426\
             00123456\
             0102030405060708090a0b0c0d0e0f1011121314\
             fedcba\
             0a0b0c\
             c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5\
             01020304\
             a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        );
        let c = nft_exit_commitment(root(), id, &address(), nft, &info());
        assert_eq!(
            hex::encode(c),
            "0ac624fcc42460abd0df32c8837d54566e65c40fd8dbd50e5285119cd2558e0e"
        );
        let x = nft_exit_public_input(root(), id, &address(), nft, &info());
        assert_eq!(hex::encode(fr_to_be_bytes(&x)), hex::encode(c));
    }

    /// Every field changes the public input, and the masking is the block commitment's.
    #[test]
    fn every_field_is_bound_and_masked() {
        let (id, t) = (AccountId(3), TokenId(1));
        let base = exit_public_input(root(), id, &address(), t, AMOUNT);
        let other = Address::new([0x22; 20]);
        for x in [
            exit_public_input(root() + Fr::from(1u64), id, &address(), t, AMOUNT),
            exit_public_input(root(), AccountId(4), &address(), t, AMOUNT),
            exit_public_input(root(), id, &other, t, AMOUNT),
            exit_public_input(root(), id, &address(), TokenId(2), AMOUNT),
            exit_public_input(root(), id, &address(), t, AMOUNT + 1),
        ] {
            assert_ne!(x, base);
        }
        let nft = NftId(9);
        let base = nft_exit_public_input(root(), id, &address(), nft, &info());
        let mut infos = vec![info(); 4];
        infos[0].creator_id = AccountId(1);
        infos[1].creator_address = other;
        infos[2].serial += 1;
        infos[3].content_hash[31] ^= 1;
        for i in &infos {
            assert_ne!(nft_exit_public_input(root(), id, &address(), nft, i), base);
        }
        assert_ne!(nft_exit_public_input(root(), id, &address(), NftId(10), &info()), base);
        assert_ne!(nft_exit_public_input(root(), AccountId(4), &address(), nft, &info()), base);
        for seed in 0..64u64 {
            let c = exit_commitment(Fr::from(seed), id, &address(), t, u128::from(seed));
            let raw: [u8; 32] =
                Sha256::digest(exit_preimage(Fr::from(seed), id, &address(), t, u128::from(seed)))
                    .into();
            assert_eq!(c[0], raw[0] & 0x1f);
            assert_eq!(c[1..], raw[1..]);
        }
    }
}
