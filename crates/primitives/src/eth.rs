//! Ethereum authorisation of ChangePubKey: who may set an account's L2 key.
//!
//! An account's owner is its L1 address. It authorises a new [`PubKeyHash`] with an ECDSA
//! (secp256k1) signature in one of two forms:
//!
//! - **EIP-191** (`personal_sign`) over 28 raw bytes: `pubKeyHash (20) ‖ nonce (4, BE) ‖
//!   accountId (4, BE)`, hashed as `keccak256("\x19Ethereum Signed Message:\n28" ‖ bytes)`.
//! - **EIP-712** typed data: domain `{name: "Tern", version: "1", chainId, verifyingContract}`
//!   and `ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)`.
//!
//! Signatures are 65 bytes `r ‖ s ‖ v`. Recovery here accepts exactly what the L1 contract
//! can accept through the `ecrecover` precompile with OpenZeppelin's `ECDSA` rules, so the node
//! never includes an authorisation the contract would refuse: `v` is 27 or 28, `0 < r < n`,
//! and `0 < s <= n/2` (low-s, so a signature cannot be re-encoded into a second valid one).
//!
//! The curve arithmetic is alloy's and k256's; nothing here implements secp256k1.

use crate::eddsa::PubKeyHash;
use alloy_primitives::{
    eip191_hash_message, uint, Address, Signature as EcdsaSignature, B256, U256,
};
use alloy_sol_types::{eip712_domain, Eip712Domain, SolStruct};

pub use k256::ecdsa::SigningKey;

mod typed {
    alloy_sol_types::sol! {
        /// The EIP-712 struct a wallet signs to set an account's L2 key.
        struct ChangePubKey {
            /// The new L2 key's [`PubKeyHash`](crate::eddsa::PubKeyHash).
            bytes20 pubKeyHash;
            /// The account's nonce at which the change applies.
            uint32 nonce;
            /// The L2 account whose key changes.
            uint32 accountId;
        }

        /// The EIP-712 struct an NFT creator signs to have `factory` mint their withdrawn NFTs.
        struct RegisterNftFactory {
            /// The creator's L2 account.
            uint32 creatorId;
            /// The factory contract.
            address factory;
        }
    }
}

pub use typed::{ChangePubKey, RegisterNftFactory};

/// The EIP-712 domain name.
pub const EIP712_NAME: &str = "Tern";
/// The EIP-712 domain version.
pub const EIP712_VERSION: &str = "1";

/// The secp256k1 group order `n`.
const SECP256K1_N: U256 =
    uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);
const SECP256K1_HALF_N: U256 =
    uint!(0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256);

/// Why an Ethereum signature was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EthSigError {
    /// `v` is not 27 or 28.
    #[error("signature v byte is {0}; expected 27 or 28 (convert a 0/1 recovery id by adding 27)")]
    InvalidV(u8),
    /// `r` is zero or not below the curve order.
    #[error("signature r is zero or not below the secp256k1 order; the signature is corrupt")]
    InvalidR,
    /// `s` is zero.
    #[error("signature s is zero; the signature is corrupt")]
    ZeroS,
    /// `s` is in the upper half of the order (malleable form).
    #[error("signature s is above n/2 (high-s, malleable form); normalise it to n - s and flip v")]
    HighS,
    /// The signature is well formed but names no public key for this message.
    #[error("signature does not recover to a public key: {0}")]
    Unrecoverable(String),
    /// The signer failed (practically unreachable with a 32-byte hash).
    #[error("ECDSA signing failed: {0}")]
    Signing(String),
}

/// Length of the EIP-191 ChangePubKey message ([`change_pubkey_eip191_message`]).
pub const CHANGE_PUBKEY_EIP191_LEN: usize = 56;

/// The 56 bytes an EIP-191 ChangePubKey signature covers:
/// `pubkey_hash ‖ nonce (BE) ‖ account_id (BE) ‖ chain_id (u64 BE) ‖ contract`.
///
/// The chain id and the rollup contract are in the text, as they are in the EIP-712 domain, so
/// a signature made for one deployment cannot be replayed on another (another chain, or another
/// rollup contract on the same chain).
pub fn change_pubkey_eip191_message(
    pubkey_hash: &PubKeyHash,
    nonce: u32,
    account_id: u32,
    chain_id: u64,
    contract: Address,
) -> [u8; CHANGE_PUBKEY_EIP191_LEN] {
    let mut msg = [0u8; CHANGE_PUBKEY_EIP191_LEN];
    msg[..20].copy_from_slice(pubkey_hash.as_bytes());
    msg[20..24].copy_from_slice(&nonce.to_be_bytes());
    msg[24..28].copy_from_slice(&account_id.to_be_bytes());
    msg[28..36].copy_from_slice(&chain_id.to_be_bytes());
    msg[36..].copy_from_slice(contract.as_slice());
    msg
}

/// Tern's EIP-712 domain on one chain and rollup contract.
pub fn eip712_domain(chain_id: u64, contract: Address) -> Eip712Domain {
    eip712_domain! {
        name: EIP712_NAME,
        version: EIP712_VERSION,
        chain_id: chain_id,
        verifying_contract: contract,
    }
}

/// The EIP-712 digest a wallet signs to authorise `pubkey_hash` for `account_id` at `nonce`.
pub fn change_pubkey_eip712_hash(
    pubkey_hash: &PubKeyHash,
    nonce: u32,
    account_id: u32,
    chain_id: u64,
    contract: Address,
) -> B256 {
    let typed =
        ChangePubKey { pubKeyHash: (*pubkey_hash.as_bytes()).into(), nonce, accountId: account_id };
    typed.eip712_signing_hash(&eip712_domain(chain_id, contract))
}

/// The EIP-712 digest an NFT creator signs to register `factory` for the NFTs they create from
/// L2 account `creator_id` (`Rollup.registerNftFactory`).
pub fn register_nft_factory_eip712_hash(
    creator_id: u32,
    factory: Address,
    chain_id: u64,
    contract: Address,
) -> B256 {
    let typed = RegisterNftFactory { creatorId: creator_id, factory };
    typed.eip712_signing_hash(&eip712_domain(chain_id, contract))
}

/// Parses `r ‖ s ‖ v` under the contract's rules (see the module docs).
fn parse_strict(sig: &[u8; 65]) -> Result<EcdsaSignature, EthSigError> {
    let r = U256::from_be_slice(&sig[..32]);
    let s = U256::from_be_slice(&sig[32..64]);
    let y_parity = match sig[64] {
        27 => false,
        28 => true,
        v => return Err(EthSigError::InvalidV(v)),
    };
    if r.is_zero() || r >= SECP256K1_N {
        return Err(EthSigError::InvalidR);
    }
    if s.is_zero() {
        return Err(EthSigError::ZeroS);
    }
    if s > SECP256K1_HALF_N {
        return Err(EthSigError::HighS);
    }
    Ok(EcdsaSignature::new(r, s, y_parity))
}

/// The address that signed the 32-byte digest `hash`.
pub fn recover_prehash(hash: &B256, sig: &[u8; 65]) -> Result<Address, EthSigError> {
    parse_strict(sig)?
        .recover_address_from_prehash(hash)
        .map_err(|e| EthSigError::Unrecoverable(e.to_string()))
}

/// The address that `personal_sign`ed `msg` (EIP-191, version `0x45`).
pub fn recover_eip191(msg: &[u8], sig: &[u8; 65]) -> Result<Address, EthSigError> {
    recover_prehash(&eip191_hash_message(msg), sig)
}

/// The address that signed the EIP-712 ChangePubKey authorisation.
pub fn recover_eip712_change_pubkey(
    pubkey_hash: &PubKeyHash,
    nonce: u32,
    account_id: u32,
    chain_id: u64,
    contract: Address,
    sig: &[u8; 65],
) -> Result<Address, EthSigError> {
    let hash = change_pubkey_eip712_hash(pubkey_hash, nonce, account_id, chain_id, contract);
    recover_prehash(&hash, sig)
}

/// The Ethereum address of a secp256k1 key.
pub fn address_of(key: &SigningKey) -> Address {
    Address::from_private_key(key)
}

/// Signs a 32-byte digest as `r ‖ s ‖ v` with low `s` and `v` in {27, 28}. For tests, the dev
/// network and the demo wallet.
pub fn sign_prehash(key: &SigningKey, hash: &B256) -> Result<[u8; 65], EthSigError> {
    let (sig, recid) = key
        .sign_prehash_recoverable(hash.as_slice())
        .map_err(|e| EthSigError::Signing(e.to_string()))?;
    Ok(EcdsaSignature::from((sig, recid)).normalized_s().as_bytes())
}

/// `personal_sign` (EIP-191) of `msg`, as a wallet returns it.
pub fn sign_eip191(key: &SigningKey, msg: &[u8]) -> Result<[u8; 65], EthSigError> {
    sign_prehash(key, &eip191_hash_message(msg))
}

/// The EIP-712 ChangePubKey signature, as a wallet's `eth_signTypedData_v4` returns it.
pub fn sign_eip712_change_pubkey(
    key: &SigningKey,
    pubkey_hash: &PubKeyHash,
    nonce: u32,
    account_id: u32,
    chain_id: u64,
    contract: Address,
) -> Result<[u8; 65], EthSigError> {
    let hash = change_pubkey_eip712_hash(pubkey_hash, nonce, account_id, chain_id, contract);
    sign_prehash(key, &hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, keccak256};

    fn wallet(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).expect("valid secp256k1 key")
    }

    const CONTRACT: Address = address!("0x5FbDB2315678afecb367f032d93F642f64180aa3");

    #[test]
    fn eip191_message_layout() {
        let pkh = PubKeyHash([0xab; 20]);
        let msg = change_pubkey_eip191_message(&pkh, 0x01020304, 0x0a0b0c0d, 0x7a69, CONTRACT);
        assert_eq!(&msg[..20], &[0xab; 20]);
        assert_eq!(&msg[20..28], &[1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d]);
        assert_eq!(&msg[28..36], &[0, 0, 0, 0, 0, 0, 0x7a, 0x69]);
        assert_eq!(&msg[36..], CONTRACT.as_slice());
    }

    #[test]
    fn eip191_round_trip_and_tampering() {
        let key = wallet(1);
        let who = address_of(&key);
        let msg = change_pubkey_eip191_message(&PubKeyHash([7; 20]), 3, 9, 31337, CONTRACT);
        let sig = sign_eip191(&key, &msg).expect("sign");
        assert!(sig[64] == 27 || sig[64] == 28);
        assert_eq!(recover_eip191(&msg, &sig), Ok(who));

        // A different message recovers someone else (or nobody), never the signer.
        let other = change_pubkey_eip191_message(&PubKeyHash([7; 20]), 4, 9, 31337, CONTRACT);
        assert_ne!(recover_eip191(&other, &sig), Ok(who));
        // Another deployment (chain or contract) is another message: no replay across them.
        let other = change_pubkey_eip191_message(&PubKeyHash([7; 20]), 3, 9, 1, CONTRACT);
        assert_ne!(recover_eip191(&other, &sig), Ok(who));
        let other = change_pubkey_eip191_message(&PubKeyHash([7; 20]), 3, 9, 31337, Address::ZERO);
        assert_ne!(recover_eip191(&other, &sig), Ok(who));

        // Flipping the parity recovers a different key.
        let mut flipped = sig;
        flipped[64] ^= 27 ^ 28;
        assert_ne!(recover_eip191(&msg, &flipped), Ok(who));

        // A bit flip in r recovers a different key or fails.
        let mut bad_r = sig;
        bad_r[5] ^= 1;
        assert_ne!(recover_eip191(&msg, &bad_r), Ok(who));
    }

    #[test]
    fn malformed_signatures_are_refused() {
        let key = wallet(2);
        let msg = b"hello";
        let sig = sign_eip191(&key, msg).expect("sign");

        for v in [0u8, 1, 26, 29, 37] {
            let mut s = sig;
            s[64] = v;
            assert_eq!(recover_eip191(msg, &s), Err(EthSigError::InvalidV(v)));
        }
        let mut zero_r = sig;
        zero_r[..32].fill(0);
        assert_eq!(recover_eip191(msg, &zero_r), Err(EthSigError::InvalidR));
        let mut big_r = sig;
        big_r[..32].copy_from_slice(&SECP256K1_N.to_be_bytes::<32>());
        assert_eq!(recover_eip191(msg, &big_r), Err(EthSigError::InvalidR));
        let mut zero_s = sig;
        zero_s[32..64].fill(0);
        assert_eq!(recover_eip191(msg, &zero_s), Err(EthSigError::ZeroS));

        // The high-s twin of a valid signature names the same key, and is still refused.
        let s = U256::from_be_slice(&sig[32..64]);
        let mut high = sig;
        high[32..64].copy_from_slice(&(SECP256K1_N - s).to_be_bytes::<32>());
        high[64] ^= 27 ^ 28;
        assert_eq!(recover_eip191(msg, &high), Err(EthSigError::HighS));
        assert_eq!(SECP256K1_HALF_N, SECP256K1_N >> 1);
    }

    #[test]
    fn eip712_round_trip_and_tampering() {
        let key = wallet(3);
        let who = address_of(&key);
        let pkh = PubKeyHash([0x11; 20]);
        let sig = sign_eip712_change_pubkey(&key, &pkh, 5, 77, 31337, CONTRACT).expect("sign");
        assert_eq!(recover_eip712_change_pubkey(&pkh, 5, 77, 31337, CONTRACT, &sig), Ok(who));
        // Every field is bound: nonce, account, hash, chain and contract.
        for (p, n, a, c, k) in [
            (pkh, 6, 77, 31337, CONTRACT),
            (pkh, 5, 78, 31337, CONTRACT),
            (PubKeyHash([0x12; 20]), 5, 77, 31337, CONTRACT),
            (pkh, 5, 77, 1, CONTRACT),
            (pkh, 5, 77, 31337, Address::ZERO),
        ] {
            assert_ne!(recover_eip712_change_pubkey(&p, n, a, c, k, &sig), Ok(who));
        }
        // An EIP-191 signature over the same fields is not an EIP-712 one.
        let msg = change_pubkey_eip191_message(&pkh, 5, 77, 31337, CONTRACT);
        let sig191 = sign_eip191(&key, &msg).expect("sign");
        assert_ne!(recover_eip712_change_pubkey(&pkh, 5, 77, 31337, CONTRACT, &sig191), Ok(who));
    }

    /// Pins the EIP-712 digest to a hand-built encoding, which the contract must reproduce.
    #[test]
    fn eip712_hash_matches_manual_encoding() {
        let pkh = PubKeyHash([0x22; 20]);
        let (nonce, account, chain) = (9u32, 1234u32, 31337u64);

        let word_u = |v: u64| U256::from(v).to_be_bytes::<32>();
        let domain_type = keccak256(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
        );
        let mut domain = Vec::new();
        domain.extend_from_slice(domain_type.as_slice());
        domain.extend_from_slice(keccak256("Tern").as_slice());
        domain.extend_from_slice(keccak256("1").as_slice());
        domain.extend_from_slice(&word_u(chain));
        domain.extend_from_slice(&[0u8; 12]);
        domain.extend_from_slice(CONTRACT.as_slice());
        let domain_separator = keccak256(&domain);

        let struct_type =
            keccak256("ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)");
        let mut data = Vec::new();
        data.extend_from_slice(struct_type.as_slice());
        // bytes20 is left-aligned in its word.
        data.extend_from_slice(pkh.as_bytes());
        data.extend_from_slice(&[0u8; 12]);
        data.extend_from_slice(&word_u(nonce.into()));
        data.extend_from_slice(&word_u(account.into()));
        let struct_hash = keccak256(&data);

        let mut digest_input = vec![0x19, 0x01];
        digest_input.extend_from_slice(domain_separator.as_slice());
        digest_input.extend_from_slice(struct_hash.as_slice());
        assert_eq!(
            change_pubkey_eip712_hash(&pkh, nonce, account, chain, CONTRACT),
            keccak256(&digest_input)
        );
        assert_eq!(eip712_domain(chain, CONTRACT).separator(), domain_separator);
    }

    #[test]
    fn known_address() {
        // The first anvil/hardhat dev account.
        let key = SigningKey::from_slice(
            &hex::decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
                .expect("hex"),
        )
        .expect("key");
        assert_eq!(address_of(&key), address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    }
}
