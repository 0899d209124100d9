//! L2 keys derived from an Ethereum wallet, so an L1 wallet can always recover its L2 key.
//!
//! The wallet `personal_sign`s (EIP-191) a fixed message naming the chain and the rollup
//! contract ([`l2_key_message`]); the L2 private key is
//! `sha256("tern-l2-key-v1" ‖ r ‖ s ‖ v)` over that 65-byte signature ([`derive_l2_key`]).
//! Naming the chain and contract keeps one wallet's keys on different deployments apart, and a
//! site that is not a trusted Tern client cannot get the wallet to sign the message by
//! accident without the wording warning the user.
//!
//! Wallets sign with deterministic (RFC 6979) nonces, so the same wallet gets the same signature
//! and key every time. Before hashing, the signature is brought into its canonical form (low
//! `s`, `v` in {27, 28}), so wallets that report the recovery id as 0/1, or return the high-`s`
//! twin of the same signature, still derive the same key.

use crate::eddsa::PrivateKey;
use crate::eth::{sign_eip191, EthSigError, SigningKey};
use alloy_primitives::{Address, Signature as EcdsaSignature};
use sha2::{Digest, Sha256};

/// Domain separation prefix of the key derivation; bump the version to change the scheme.
pub const L2_KEY_DOMAIN: &[u8] = b"tern-l2-key-v1";

/// The exact text the wallet signs to derive its L2 key on `chain_id` for `contract`
/// (EIP-55 checksummed).
pub fn l2_key_message(chain_id: u64, contract: Address) -> String {
    format!(
        "Access Tern L2 account.\n\nChain ID: {chain_id}\nContract: {}\n\nOnly sign this message for a trusted client!",
        contract.to_checksum(None)
    )
}

/// The L2 private key for a wallet's 65-byte `r ‖ s ‖ v` signature of [`l2_key_message`].
///
/// The signature is canonicalised first (see the module docs). A signature whose `v` byte is
/// none of 0, 1, 27, 28 (or an EIP-155 value) is hashed as given; it cannot have come from a
/// wallet's `personal_sign`, and refusing it is the caller's job when it checks the signer.
pub fn derive_l2_key(eth_signature: &[u8; 65]) -> PrivateKey {
    let canonical = EcdsaSignature::from_raw_array(eth_signature)
        .map(|sig| sig.normalized_s().as_bytes())
        .unwrap_or(*eth_signature);
    let mut hasher = Sha256::new();
    hasher.update(L2_KEY_DOMAIN);
    hasher.update(canonical);
    PrivateKey::from_bytes(hasher.finalize().into())
}

/// Signs [`l2_key_message`] with a secp256k1 wallet key and derives the L2 key, as a wallet
/// integration does. For tests, the dev network and the demo.
pub fn derive_l2_key_with_wallet(
    wallet: &SigningKey,
    chain_id: u64,
    contract: Address,
) -> Result<PrivateKey, EthSigError> {
    let sig = sign_eip191(wallet, l2_key_message(chain_id, contract).as_bytes())?;
    Ok(derive_l2_key(&sig))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::{address_of, recover_eip191};
    use alloy_primitives::{address, U256};

    const CONTRACT: Address = address!("0x5FbDB2315678afecb367f032d93F642f64180aa3");

    fn wallet(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).expect("valid secp256k1 key")
    }

    #[test]
    fn message_text_is_exact() {
        assert_eq!(
            l2_key_message(31337, CONTRACT),
            "Access Tern L2 account.\n\nChain ID: 31337\nContract: 0x5FbDB2315678afecb367f032d93F642f64180aa3\n\nOnly sign this message for a trusted client!"
        );
    }

    #[test]
    fn derivation_is_deterministic_and_separated() {
        let w = wallet(9);
        let k1 = derive_l2_key_with_wallet(&w, 31337, CONTRACT).expect("derive");
        let k2 = derive_l2_key_with_wallet(&w, 31337, CONTRACT).expect("derive");
        assert_eq!(k1, k2);
        assert_eq!(k1.public_key(), k2.public_key());
        assert_ne!(k1, derive_l2_key_with_wallet(&w, 1, CONTRACT).expect("derive"));
        assert_ne!(k1, derive_l2_key_with_wallet(&w, 31337, Address::ZERO).expect("derive"));
        assert_ne!(k1, derive_l2_key_with_wallet(&wallet(10), 31337, CONTRACT).expect("derive"));
    }

    #[test]
    fn derivation_is_sha256_of_domain_and_signature() {
        let w = wallet(4);
        let msg = l2_key_message(5, CONTRACT);
        let sig = sign_eip191(&w, msg.as_bytes()).expect("sign");
        assert_eq!(recover_eip191(msg.as_bytes(), &sig), Ok(address_of(&w)));
        let mut input = L2_KEY_DOMAIN.to_vec();
        input.extend_from_slice(&sig);
        let expected: [u8; 32] = Sha256::digest(&input).into();
        assert_eq!(derive_l2_key(&sig).to_bytes(), expected);
    }

    #[test]
    fn equivalent_encodings_derive_the_same_key() {
        let sig = sign_eip191(&wallet(6), b"anything").expect("sign");
        let key = derive_l2_key(&sig);

        let mut zero_one = sig;
        zero_one[64] -= 27;
        assert_eq!(derive_l2_key(&zero_one), key);

        let n = U256::from_be_slice(
            &hex::decode("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141")
                .expect("hex"),
        );
        let mut high_s = sig;
        let s = U256::from_be_slice(&sig[32..64]);
        high_s[32..64].copy_from_slice(&(n - s).to_be_bytes::<32>());
        high_s[64] ^= 27 ^ 28;
        assert_eq!(derive_l2_key(&high_s), key);

        let mut other = sig;
        other[0] ^= 1;
        assert_ne!(derive_l2_key(&other), key);
    }
}
