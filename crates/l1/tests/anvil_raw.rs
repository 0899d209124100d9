//! The raw-transaction primitives of a crash-safe sender (`tern_l1::raw`) against anvil: the
//! start-up checks (chain id, contract code, validator), a deposit signed, saved as bytes,
//! broadcast, resent while pending (already known) and after it is mined (nonce used), its
//! receipt with the decoded event and its block hash; a call that would revert refused by the
//! gas estimate with the contract's error; a transaction signed past the estimate that fails on
//! chain, seen as a failed receipt; and the operator calldata builders against the contract.
//!
//! The rollup is deployed with stand-in verifying keys (one public input, generator points):
//! no proof is checked here. Anvil mines on demand (`evm_setAutomine false`) where the test
//! needs a transaction to stay pending. Skipped without anvil unless `TERN_REQUIRE_ANVIL=1`.

mod common;

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use anyhow::{ensure, Context, Result};
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_groth16::VerifyingKey;
use common::Anvil;
use tern_contracts::bindings::Rollup::{self, RollupErrors};
use tern_l1::{
    calldata, Broadcast, Circuit, CircuitKey, DeployConfig, L1Error, L1EventKind, L1Watch,
    RollupAdmin, RollupProgress, RpcL1, SignedL1Tx,
};
use tern_primitives::Fr;

const CHAIN_ID: u64 = 31337;
const UNIT: u128 = 1_000_000_000_000_000_000;

/// A verifying key of the verifier's shape (one public input); no proof is checked here.
fn stand_in_key(circuit: Circuit) -> CircuitKey {
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    let vk = VerifyingKey::<Bn254> {
        alpha_g1: g1,
        beta_g2: g2,
        gamma_g2: g2,
        delta_g2: g2,
        gamma_abc_g1: vec![g1, g1],
    };
    CircuitKey::new(circuit, vk)
}

/// Anvil with a funded operator that deployed a rollup and is its validator.
async fn deployed(anvil: &Anvil) -> Result<RpcL1> {
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x31))?;
    anvil.set_balance(key.address(), U256::from(1_000 * UNIT)).await?;
    let chain = RpcL1::connect(&anvil.url, key, Address::ZERO).await?;
    let config = DeployConfig {
        genesis_root: Fr::from(7u64),
        block_verifiers: vec![stand_in_key(Circuit::Block(1))],
        exit_vk: stand_in_key(Circuit::Exit),
        nft_exit_vk: stand_in_key(Circuit::NftExit),
        priority_expiration: 3 * 24 * 3600,
        validators: vec![chain.sender()],
    };
    let (operator, _) = chain.deploy(&config).await?;
    Ok(operator)
}

#[tokio::test]
async fn sign_save_send_resend_receipt() -> Result<()> {
    let args = ["--chain-id", "31337"];
    let Some(anvil) = Anvil::start(&args)? else { return Ok(()) };
    let op = deployed(&anvil).await?;

    // Start-up checks.
    assert_eq!(op.chain_id().await?, CHAIN_ID);
    ensure!(!op.code_at(op.rollup()).await?.is_empty(), "the rollup has code");
    assert!(op.code_at(Address::repeat_byte(0x77)).await?.is_empty());
    assert!(op.is_validator(op.sender()).await?);
    assert_eq!(op.rollup_progress().await?, RollupProgress::default());
    let (latest, hash) = op.latest_block().await?;
    assert_eq!(op.block_hash(latest).await?, Some(hash));
    assert_eq!(op.block_hash(latest + 1_000).await?, None);

    // Sign a deposit, save its bytes, and only then broadcast; anvil holds it pending.
    anvil.rpc::<_, serde_json::Value>("evm_setAutomine", (false,)).await?;
    let me = op.sender();
    let data = Bytes::from(Rollup::depositETHCall { to: me }.abi_encode());
    let value = U256::from(UNIT);
    let nonce = op.nonce(me, true).await?;
    let gas = op.estimate_gas(op.rollup(), data.clone(), value).await?;
    let fees = op.fee_estimate().await?;
    assert!(fees.max_fee >= fees.priority_fee);
    let signed = op.sign_call(op.rollup(), data, value, nonce, gas * 2, fees).await?;
    let saved: Vec<u8> = signed.raw.to_vec();
    let restored = SignedL1Tx::from_raw(saved.clone().into());
    assert_eq!(restored, signed, "the hash is recomputed from the saved bytes");

    assert_eq!(op.send_raw(&saved).await?, Broadcast::Sent(signed.hash));
    assert_eq!(op.nonce(me, true).await?, nonce + 1, "pending in the pool");
    assert_eq!(op.nonce(me, false).await?, nonce, "not mined");
    assert_eq!(op.receipt(signed.hash).await?, None);
    let again = op.send_raw(&saved).await?;
    assert_eq!(again, Broadcast::AlreadyKnown(signed.hash), "a resend counts as sent");

    // Mined: the receipt, its event, its block's hash; a resend now finds the nonce used.
    anvil.rpc::<_, serde_json::Value>("evm_mine", ()).await?;
    let receipt = op.receipt(signed.hash).await?.context("mined")?;
    assert!(receipt.success);
    assert!(receipt.gas_used > 21_000 && receipt.gas_used <= gas * 2);
    assert_eq!(op.block_hash(receipt.block_number).await?, Some(receipt.block_hash));
    assert!(matches!(
        &receipt.events[..],
        [tern_l1::L1Event { kind: L1EventKind::PriorityRequest(r), .. }] if r.serial_id == 0
    ));
    let late = op.send_raw(&saved).await?;
    assert_eq!(late, Broadcast::NonceUsed(signed.hash));
    anvil.rpc::<_, serde_json::Value>("evm_setAutomine", (true,)).await?;
    Ok(())
}

#[tokio::test]
async fn reverts_are_decoded_and_failures_reported() -> Result<()> {
    let Some(anvil) = Anvil::start(&["--chain-id", "31337"])? else { return Ok(()) };
    let op = deployed(&anvil).await?;
    let me = op.sender();

    // A call that would revert: the gas estimate refuses it with the contract's error.
    let unlisted =
        Rollup::depositERC20Call { token: Address::repeat_byte(0x99), amount: 1, to: me };
    let data = Bytes::from(unlisted.abi_encode());
    let e = op.estimate_gas(op.rollup(), data.clone(), U256::ZERO).await.expect_err("reverts");
    assert!(matches!(e, L1Error::Revert { .. }), "{e:?}");
    assert!(matches!(e.rollup_error(), Some(RollupErrors::TokenNotListed(_))), "{e}");
    assert!(e.to_string().contains("TokenNotListed"), "{e}");

    // The operator calldata from native blocks reaches the contract: an empty commit after
    // genesis from a stranger is refused for its sender, not its encoding.
    let stranger = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x32))?;
    anvil.set_balance(stranger.address(), U256::from(UNIT)).await?;
    let other = RpcL1::connect(&anvil.url, stranger, op.rollup()).await?;
    let genesis = calldata::genesis_stored_block_info(&Fr::from(7u64));
    let commit = calldata::commit_blocks(&genesis, &[])?;
    let e = other.estimate_gas(op.rollup(), commit, U256::ZERO).await.expect_err("not validator");
    assert!(matches!(e.rollup_error(), Some(RollupErrors::NotValidator(_))), "{e}");

    // Signed past the estimate, it is mined and fails: the receipt says so.
    let nonce = op.nonce(me, true).await?;
    let fees = op.fee_estimate().await?;
    let signed = op.sign_call(op.rollup(), data, U256::ZERO, nonce, 200_000, fees).await?;
    assert_eq!(op.send_raw(&signed.raw).await?, Broadcast::Sent(signed.hash));
    let receipt = wait_receipt(&op, signed.hash).await?;
    assert!(!receipt.success);
    assert!(receipt.events.is_empty());
    Ok(())
}

async fn wait_receipt(op: &RpcL1, hash: B256) -> Result<tern_l1::L1Receipt> {
    for _ in 0..100 {
        if let Some(r) = op.receipt(hash).await? {
            return Ok(r);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    anyhow::bail!("{hash} not mined")
}
