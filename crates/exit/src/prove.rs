//! Exit proofs: the exit keys, checked against the verifiers the rollup was deployed with, and
//! one Groth16 proof per exit from the last executed state.

use crate::ExitError;
use alloy_primitives::Address;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::Path;
use std::sync::Mutex;
use tern_circuit::exit::{exit_witness, nft_exit_witness, ExitCircuit, NftExitCircuit};
use tern_contracts::bindings::Rollup;
use tern_contracts::verifier::{encode_proof, key_hash, Circuit};
use tern_l1::{EthChain, ExodusClaim, NftExodusClaim, RollupAdmin};
use tern_prover::exit::{prove_exit, read_exit_keys, ExitKeys, ExitKind, NftExit, TokenExit};
use tern_state::State;
use tern_types::{AccountId, NftId, TokenId};

/// The exit keys this rollup's verifiers accept.
pub struct ExitProver {
    token: Option<ExitKeys<TokenExit>>,
    nft: Option<ExitKeys<NftExit>>,
    rng: Mutex<ChaCha20Rng>,
}

impl std::fmt::Debug for ExitProver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExitProver")
            .field("token", &self.token.is_some())
            .field("nft", &self.nft.is_some())
            .finish_non_exhaustive()
    }
}

impl ExitProver {
    /// Reads the token and / or NFT exit keys from `dir` (what `tern prover setup-exit`
    /// wrote) and checks each against the key hash the rollup recorded for its verifier: keys
    /// of another setup would make proofs the contract refuses.
    pub async fn load<C: EthChain>(
        dir: &Path,
        chain: &C,
        token: bool,
        nft: bool,
    ) -> Result<Self, ExitError> {
        let mut prover = Self { token: None, nft: None, rng: Mutex::new(fresh_rng()?) };
        if token {
            let keys = read::<TokenExit>(dir)?;
            let deployed = chain.rollup_view(&Rollup::exitKeyHashCall {}).await?;
            check(dir, "token exit", &Circuit::Exit, &keys, deployed)?;
            prover.token = Some(keys);
        }
        if nft {
            let keys = read::<NftExit>(dir)?;
            let deployed = chain.rollup_view(&Rollup::nftExitKeyHashCall {}).await?;
            check(dir, "NFT exit", &Circuit::NftExit, &keys, deployed)?;
            prover.nft = Some(keys);
        }
        Ok(prover)
    }

    /// The exit of `account`'s whole balance of `token` in `state`, proven, paid to `owner`.
    pub fn token_claim(
        &self,
        state: &mut State,
        account: AccountId,
        owner: Address,
        token: TokenId,
    ) -> Result<ExodusClaim, ExitError> {
        let keys = self.token.as_ref().ok_or_else(not_loaded)?;
        let witness = exit_witness(state, account, token)?;
        let amount = witness.amount;
        let proof = prove_exit(keys, ExitCircuit::with_witness(witness), &mut *self.rng())?;
        Ok(ExodusClaim { account_id: account, owner, token, amount, proof: encode_proof(&proof) })
    }

    /// The exit of NFT `nft` owned by `account` in `state`, proven, for `owner`.
    pub fn nft_claim(
        &self,
        state: &mut State,
        account: AccountId,
        owner: Address,
        nft: NftId,
    ) -> Result<NftExodusClaim, ExitError> {
        let keys = self.nft.as_ref().ok_or_else(not_loaded)?;
        let witness = nft_exit_witness(state, account, nft)?;
        let info = witness.nft.clone();
        let proof = prove_exit(keys, NftExitCircuit::with_witness(witness), &mut *self.rng())?;
        Ok(NftExodusClaim {
            account_id: account,
            nft_id: nft,
            owner,
            info,
            proof: encode_proof(&proof),
        })
    }

    fn rng(&self) -> std::sync::MutexGuard<'_, ChaCha20Rng> {
        // A poisoned lock only means a proof panicked; the RNG itself is still usable.
        self.rng.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn not_loaded() -> ExitError {
    ExitError::Keys("internal: the exit keys for this proof were not loaded".into())
}

/// A proof's randomness must be secret and fresh (it hides the witness).
fn fresh_rng() -> Result<ChaCha20Rng, ExitError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| ExitError::Keys(format!("reading the OS random source: {e}")))?;
    Ok(ChaCha20Rng::from_seed(seed))
}

fn read<K: ExitKind>(dir: &Path) -> Result<ExitKeys<K>, ExitError> {
    read_exit_keys::<K>(dir, false).map_err(|e| {
        ExitError::Keys(format!(
            "cannot read the exit keys {}/{}.*: {e}; pass --exit-keys DIR, the directory \
             `tern prover setup-exit` wrote for this rollup",
            dir.display(),
            K::KEY_STEM
        ))
    })
}

fn check<K: ExitKind>(
    dir: &Path,
    what: &str,
    circuit: &Circuit,
    keys: &ExitKeys<K>,
    deployed: alloy_primitives::B256,
) -> Result<(), ExitError> {
    let ours = key_hash(circuit, &keys.vk)
        .map_err(|e| ExitError::Keys(format!("the {what} key in {}: {e}", dir.display())))?;
    if ours != deployed {
        return Err(ExitError::Keys(format!(
            "the {what} keys in {} (key hash {ours}) do not match the rollup's {what} verifier \
             (key hash {deployed}): its proofs would be refused. Use the keys `tern prover \
             setup-exit` wrote for this rollup's deployment",
            dir.display()
        )));
    }
    Ok(())
}
