//! EdDSA-Poseidon on Baby Jubjub, byte for byte as circomlibjs's `eddsa.prv2pub`,
//! `signPoseidon`, `verifyPoseidon`, `packSignature` and `unpackSignature`.
//!
//! - Key expansion: `h = BLAKE-512(private key)` (the original BLAKE, not BLAKE2). The low 32
//!   bytes, pruned (clear bits 0–2 and 255, set bit 254), read little-endian, are the secret
//!   scalar `s`; the public key is `A = (s >> 3)·Base8`.
//! - Signing: `r = BLAKE-512(h[32..64] ‖ msg as 32 bytes LE) mod l`, `R8 = r·Base8`,
//!   `hm = Poseidon(R8.x, R8.y, A.x, A.y, msg)`, `S = (r + hm·s) mod l`, with `l` the subgroup
//!   order.
//! - Verification: `S·Base8 == R8 + 8·hm·A`, with both points on the curve and `S < l`.
//!   Tern also refuses a low-order `A` or `R8`, which circomlibjs does not check: with a
//!   low-order `A` the equation holds for any message, so such a key would authorise anything.
//!   The block circuit must refuse the same points.
//! - As in circomlib, `A` need not lie in the prime-order subgroup: only `8·A` enters the
//!   equation, so `A` and `A + T` (`T` of order dividing 8) accept the same signatures. Keys
//!   from [`PrivateKey::public_key`] always lie in the subgroup, and an account binds one exact
//!   key through its [`PubKeyHash`], so a torsion-shifted twin is just another key its owner
//!   could have registered. `R8` needs no such check: the equation forces it into the subgroup.
//!
//! Public keys are identified in the state tree by a [`PubKeyHash`]: the last 20 bytes of the
//! big-endian encoding of `Poseidon(A.x, A.y)`.

use crate::babyjubjub::{self, BabyJubjubError, Point, Scalar};
use crate::field::{fr_from_be_short, fr_to_be_bytes, fr_to_le_bytes, Fr};
use crate::poseidon;
use ark_ff::{BigInteger, PrimeField};
use blake_hash::{Blake512, Digest};
use sha2::Sha256;
use std::fmt;

#[cfg(feature = "r1cs")]
pub mod r1cs;

/// Why an EdDSA public key, signature or verification was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EddsaError {
    /// The public key is not an acceptable point.
    #[error("invalid EdDSA public key: {0}")]
    PublicKey(BabyJubjubError),
    /// The signature's `R8` is not an acceptable point.
    #[error("invalid EdDSA signature point R8: {0}")]
    R8(BabyJubjubError),
    /// The signature's `S` is not below the subgroup order.
    #[error("invalid EdDSA signature: S is not below the Baby Jubjub subgroup order; the signature is malleated or corrupt")]
    NonCanonicalS,
    /// The signature is well formed but does not match the key and message.
    #[error("EdDSA signature does not verify for this public key and message")]
    Mismatch,
}

/// A 32-byte EdDSA-Poseidon private key (circomlib's `prv`). `Debug` never prints it.
#[derive(Clone)]
pub struct PrivateKey([u8; 32]);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        // Fold over every byte so the comparison time does not depend on where keys differ.
        self.0.iter().zip(other.0.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

impl Eq for PrivateKey {}

/// The secret scalar and nonce prefix expanded from a private key.
struct Expanded {
    /// The pruned low half of the BLAKE-512 digest, as the integer `s` (bits 0–2 clear).
    s_bytes: [u8; 32],
    /// The high half, mixed into every nonce.
    prefix: [u8; 32],
}

impl PrivateKey {
    /// Wraps 32 raw bytes; every 32-byte string is a valid key.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        PrivateKey(bytes)
    }

    /// The raw 32 bytes, for export or storage by the caller.
    pub const fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// A deterministic key: `sha256(seed)`. For tests, the dev network and derived keys; a
    /// seed with little entropy gives a key with little entropy.
    pub fn from_seed(seed: &[u8]) -> Self {
        PrivateKey(<Sha256 as sha2::Digest>::digest(seed).into())
    }

    /// A fresh key from a cryptographic random number generator (e.g. `rand::rngs::OsRng`).
    pub fn random<R>(rng: &mut R) -> Self
    where
        R: k256::elliptic_curve::rand_core::RngCore + k256::elliptic_curve::rand_core::CryptoRng,
    {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        PrivateKey(bytes)
    }

    fn expand(&self) -> Expanded {
        let h = Blake512::digest(&self.0);
        let mut s_bytes = [0u8; 32];
        let mut prefix = [0u8; 32];
        s_bytes.copy_from_slice(&h[..32]);
        prefix.copy_from_slice(&h[32..]);
        s_bytes[0] &= 0xf8;
        s_bytes[31] &= 0x7f;
        s_bytes[31] |= 0x40;
        Expanded { s_bytes, prefix }
    }

    fn public_point(expanded: &Expanded) -> Point {
        // A = (s >> 3)·B8; B8 has order l, so reducing s >> 3 mod l changes nothing.
        let s = &expanded.s_bytes;
        let mut shifted = [0u8; 32];
        for (i, out) in shifted.iter_mut().enumerate() {
            let next = s.get(i + 1).copied().unwrap_or(0);
            *out = (s[i] >> 3) | (next << 5);
        }
        Point::mul_base8(&Scalar::from_le_bytes_mod_order(&shifted))
    }

    /// The public key `A`, as circomlibjs's `prv2pub`.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(Self::public_point(&self.expand()))
    }

    /// Signs a field element, as circomlibjs's `signPoseidon`. Deterministic: the same key and
    /// message always give the same signature.
    pub fn sign(&self, msg: Fr) -> Signature {
        let expanded = self.expand();
        let a = Self::public_point(&expanded);
        let mut nonce_input = [0u8; 64];
        nonce_input[..32].copy_from_slice(&expanded.prefix);
        nonce_input[32..].copy_from_slice(&fr_to_le_bytes(&msg));
        let r = Scalar::from_le_bytes_mod_order(&Blake512::digest(&nonce_input));
        let r8 = Point::mul_base8(&r);
        let hm = poseidon::hash([r8.x, r8.y, a.x, a.y, msg]);
        let hm = Scalar::from_le_bytes_mod_order(&hm.into_bigint().to_bytes_le());
        let s = Scalar::from_le_bytes_mod_order(&expanded.s_bytes);
        Signature { r8, s: r + hm * s }
    }
}

/// An EdDSA-Poseidon public key: a Baby Jubjub point on the curve and not of low order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PublicKey(Point);

impl PublicKey {
    /// A key from a point, refused if off the curve or of low order.
    pub fn from_point(point: Point) -> Result<Self, EddsaError> {
        if !point.is_on_curve() {
            return Err(EddsaError::PublicKey(BabyJubjubError::NotOnCurve));
        }
        if point.is_low_order() {
            return Err(EddsaError::PublicKey(BabyJubjubError::LowOrder));
        }
        Ok(PublicKey(point))
    }

    /// The point `A`.
    pub const fn point(&self) -> &Point {
        &self.0
    }

    /// circomlib's 32-byte packed form of `A`.
    pub fn pack(&self) -> [u8; 32] {
        self.0.pack()
    }

    /// Reads a packed key, refusing non-canonical encodings and low-order points.
    pub fn unpack(bytes: &[u8; 32]) -> Result<Self, EddsaError> {
        Point::unpack(bytes).map(PublicKey).map_err(EddsaError::PublicKey)
    }

    /// The 20-byte identifier the state tree stores for this key.
    pub fn hash(&self) -> PubKeyHash {
        let digest = fr_to_be_bytes(&poseidon::hash([self.0.x, self.0.y]));
        let mut out = [0u8; 20];
        out.copy_from_slice(&digest[12..]);
        PubKeyHash(out)
    }

    /// Whether `sig` is a valid signature of `msg` by this key.
    pub fn verify(&self, msg: Fr, sig: &Signature) -> bool {
        self.check(msg, sig).is_ok()
    }

    /// Like [`PublicKey::verify`], saying why a signature is refused.
    pub fn check(&self, msg: Fr, sig: &Signature) -> Result<(), EddsaError> {
        let a = &self.0;
        let r8 = &sig.r8;
        // PublicKey's constructors guarantee these for A, but the checks cost nothing next to
        // the multiplication, and Signature's fields are public.
        if !a.is_on_curve() {
            return Err(EddsaError::PublicKey(BabyJubjubError::NotOnCurve));
        }
        if !r8.is_on_curve() {
            return Err(EddsaError::R8(BabyJubjubError::NotOnCurve));
        }
        if r8.is_low_order() {
            return Err(EddsaError::R8(BabyJubjubError::LowOrder));
        }
        let a8 = a.to_extended().mul_by_cofactor();
        if a8.is_identity() {
            return Err(EddsaError::PublicKey(BabyJubjubError::LowOrder));
        }
        let hm = poseidon::hash([r8.x, r8.y, a.x, a.y, msg]);
        // S·B8 − hm·(8A) == R8 is circomlib's S·B8 == R8 + 8·hm·A; hm is used unreduced,
        // which is the same multiple because 8A has order l.
        let lhs = babyjubjub::double_mul_base8_vartime(&sig.s, &hm.into_bigint().0, &a8.neg());
        if lhs.eq_affine(r8) {
            Ok(())
        } else {
            Err(EddsaError::Mismatch)
        }
    }
}

/// An EdDSA-Poseidon signature `(R8, S)`. `S` is a [`Scalar`], so it is below the subgroup
/// order by construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The nonce point `r·Base8`.
    pub r8: Point,
    /// `(r + hm·s) mod l`.
    pub s: Scalar,
}

impl Signature {
    /// circomlib's 64-byte form: packed `R8` followed by `S` as 32 bytes little-endian.
    pub fn pack(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r8.pack());
        let s = self.s.into_bigint().to_bytes_le();
        out[32..32 + s.len()].copy_from_slice(&s);
        out
    }

    /// Reads the 64-byte form, refusing a bad `R8` (non-canonical, off the curve, low order)
    /// and any `S` at or above the subgroup order.
    pub fn unpack(bytes: &[u8; 64]) -> Result<Self, EddsaError> {
        let mut r8_bytes = [0u8; 32];
        r8_bytes.copy_from_slice(&bytes[..32]);
        let r8 = Point::unpack(&r8_bytes).map_err(EddsaError::R8)?;
        let mut s_limbs = [0u64; 4];
        for (i, limb) in s_limbs.iter_mut().enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[32 + 8 * i..40 + 8 * i]);
            *limb = u64::from_le_bytes(word);
        }
        let s = Scalar::from_bigint(ark_ff::BigInt(s_limbs)).ok_or(EddsaError::NonCanonicalS)?;
        Ok(Signature { r8, s })
    }
}

/// The 20-byte hash that identifies an L2 public key in the state tree: the last 20 bytes of
/// `Poseidon(A.x, A.y)` written as 32 bytes big-endian.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PubKeyHash(pub [u8; 20]);

impl PubKeyHash {
    /// The all-zero hash, which no key produces in practice: "no L2 key set".
    pub const ZERO: PubKeyHash = PubKeyHash([0u8; 20]);

    /// The 20 bytes.
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// The bytes read as a 160-bit big-endian integer, as the circuit and tree use it.
    pub fn to_fr(&self) -> Fr {
        fr_from_be_short(&self.0)
    }
}

impl From<[u8; 20]> for PubKeyHash {
    fn from(bytes: [u8; 20]) -> Self {
        PubKeyHash(bytes)
    }
}

impl fmt::Display for PubKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babyjubjub::SUB_ORDER;
    use ark_ff::{AdditiveGroup, Field};

    use k256::elliptic_curve::rand_core::{CryptoRng, RngCore};

    /// Not random at all; enough to show `random` draws fresh bytes per key.
    struct CountingRng(u8);

    impl RngCore for CountingRng {
        fn next_u32(&mut self) -> u32 {
            u32::from(self.next_byte())
        }
        fn next_u64(&mut self) -> u64 {
            u64::from(self.next_byte())
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.iter_mut().for_each(|b| *b = self.next_byte());
        }
        fn try_fill_bytes(
            &mut self,
            dest: &mut [u8],
        ) -> Result<(), k256::elliptic_curve::rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl CryptoRng for CountingRng {}

    impl CountingRng {
        fn next_byte(&mut self) -> u8 {
            self.0 = self.0.wrapping_add(1);
            self.0
        }
    }

    fn key() -> PrivateKey {
        PrivateKey::from_seed(b"eddsa unit test")
    }

    #[test]
    fn sign_verify_round_trip() {
        let sk = key();
        let pk = sk.public_key();
        for m in [0u64, 1, 42, u64::MAX] {
            let msg = Fr::from(m);
            let sig = sk.sign(msg);
            assert!(pk.verify(msg, &sig));
            assert_eq!(pk.check(msg + Fr::ONE, &sig), Err(EddsaError::Mismatch));
            assert_eq!(Signature::unpack(&sig.pack()), Ok(sig));
            assert_eq!(PublicKey::unpack(&pk.pack()), Ok(pk));
        }
        let other = PrivateKey::from_seed(b"someone else").public_key();
        assert!(!other.verify(Fr::ONE, &sk.sign(Fr::ONE)));
    }

    #[test]
    fn tampered_signatures_are_refused() {
        let sk = key();
        let pk = sk.public_key();
        let msg = Fr::from(7u64);
        let sig = sk.sign(msg);

        let bumped_s = Signature { s: sig.s + Scalar::ONE, ..sig };
        assert_eq!(pk.check(msg, &bumped_s), Err(EddsaError::Mismatch));

        let other_r8 = Signature { r8: sig.r8.add(&Point::base8()), ..sig };
        assert_eq!(pk.check(msg, &other_r8), Err(EddsaError::Mismatch));

        let off_curve = Signature { r8: Point { x: sig.r8.x, y: sig.r8.y + Fr::ONE }, ..sig };
        assert_eq!(pk.check(msg, &off_curve), Err(EddsaError::R8(BabyJubjubError::NotOnCurve)));

        let low_r8 = Signature { r8: Point::identity(), ..sig };
        assert_eq!(pk.check(msg, &low_r8), Err(EddsaError::R8(BabyJubjubError::LowOrder)));
    }

    #[test]
    fn low_order_keys_are_refused_even_when_the_equation_holds() {
        // With A = identity, S·B8 == R8 holds for any message: the forgery Tern must refuse.
        let forged_pk = PublicKey(Point::identity());
        let s = Scalar::from(5u64);
        let sig = Signature { r8: Point::mul_base8(&s), s };
        assert_eq!(
            forged_pk.check(Fr::from(99u64), &sig),
            Err(EddsaError::PublicKey(BabyJubjubError::LowOrder))
        );
        assert_eq!(
            PublicKey::from_point(Point::identity()),
            Err(EddsaError::PublicKey(BabyJubjubError::LowOrder))
        );
        assert_eq!(
            PublicKey::from_point(Point { x: Fr::ONE, y: Fr::ONE }),
            Err(EddsaError::PublicKey(BabyJubjubError::NotOnCurve))
        );
        assert_eq!(PublicKey::from_point(*key().public_key().point()), Ok(key().public_key()));
    }

    #[test]
    fn unpack_signature_rejections() {
        let sig = key().sign(Fr::from(3u64));
        let packed = sig.pack();

        // S = l exactly, and S with the top bit set.
        let mut s_eq_l = packed;
        for (i, limb) in SUB_ORDER.0.iter().enumerate() {
            s_eq_l[32 + 8 * i..40 + 8 * i].copy_from_slice(&limb.to_le_bytes());
        }
        assert_eq!(Signature::unpack(&s_eq_l), Err(EddsaError::NonCanonicalS));
        let mut s_high = packed;
        s_high[63] |= 0x80;
        assert_eq!(Signature::unpack(&s_high), Err(EddsaError::NonCanonicalS));

        // R8 = identity, then R8 with a non-canonical y.
        let mut r8_identity = packed;
        r8_identity[..32].copy_from_slice(&Point::identity().pack());
        assert_eq!(Signature::unpack(&r8_identity), Err(EddsaError::R8(BabyJubjubError::LowOrder)));
        let mut r8_bad_y = packed;
        r8_bad_y[..32].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            Signature::unpack(&r8_bad_y),
            Err(EddsaError::R8(BabyJubjubError::NonCanonicalY))
        );
        assert_eq!(
            PublicKey::unpack(&[0xff; 32]),
            Err(EddsaError::PublicKey(BabyJubjubError::NonCanonicalY))
        );
    }

    #[test]
    fn pubkey_hash_is_last_20_bytes_of_poseidon() {
        let pk = key().public_key();
        let h = pk.hash();
        let full = fr_to_be_bytes(&poseidon::hash([pk.point().x, pk.point().y]));
        assert_eq!(&full[12..], h.as_bytes());
        let mut as_int = [0u8; 32];
        as_int[12..].copy_from_slice(h.as_bytes());
        assert_eq!(h.to_fr(), Fr::from_be_bytes_mod_order(&as_int));
        assert_eq!(h.to_string(), format!("0x{}", hex::encode(&full[12..])));
        assert_eq!(PubKeyHash::ZERO.to_fr(), Fr::ZERO);
    }

    #[test]
    fn private_key_debug_is_redacted_and_seeds_are_deterministic() {
        let sk = key();
        assert_eq!(format!("{sk:?}"), "PrivateKey(<redacted>)");
        assert_eq!(sk, PrivateKey::from_seed(b"eddsa unit test"));
        assert_ne!(sk, PrivateKey::from_seed(b"eddsa unit test 2"));
        assert_eq!(PrivateKey::from_bytes(sk.to_bytes()), sk);
        let mut rng = CountingRng(0);
        assert_ne!(PrivateKey::random(&mut rng), PrivateKey::random(&mut rng));
    }
}
