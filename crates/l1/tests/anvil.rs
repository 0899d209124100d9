//! End to end against anvil (npm `@foundry-rs/anvil`, pinned in `package.json`) through
//! [`RpcL1`]: deploy the verifier and the rollup; deposit ETH and an ERC-20; build native blocks
//! from the priority requests read back from L1 events and from signed L2 transactions; prove
//! each with a real Groth16 proof at capacity 8 (INSECURE dev keys); commit, prove and execute
//! them (one block alone, then two in one call each); claim the withdrawals; and check the
//! events and balances. A revert comes back decoded as the rollup's custom error.
//!
//! The harness starts anvil from `node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil` on
//! 127.0.0.1 at a free port and kills it on drop. Without the binary the test is skipped with
//! a message, unless `TERN_REQUIRE_ANVIL=1` (set by `.ci/run`, which runs `npm ci`): then it
//! fails.

use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use alloy_signer_local::PrivateKeySigner;
use anyhow::{bail, ensure, Context, Result};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tern_circuit::block::BlockCircuit;
use tern_circuit::witness::generate_witness;
use tern_contracts::bindings::test_helpers::TestERC20;
use tern_contracts::bindings::Rollup::{RollupErrors, StoredBlockInfo};
use tern_contracts::rollup::{
    commit_block_info, execute_block_info, genesis_stored_block_info, root_bytes, stored_block_info,
};
use tern_contracts::verifier::encode_proof;
use tern_l1::{DeployConfig, L1Client, L1Error, L1EventKind, RpcL1};
use tern_prover::{dev_setup, prove, Keys};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, NoFacts, PriorityOp, State, TxItem};
use tern_types::{AccountId, Block, SignedTx, TokenId, ETH};

const CAPACITY: usize = 8;
const UNIT: u128 = 1_000_000_000_000_000_000;
const CHAIN_ID: u64 = 31337;

/// An anvil process on 127.0.0.1, killed on drop.
struct Anvil {
    child: Child,
    url: String,
}

impl Anvil {
    /// Starts anvil; `None` (skip) if the binary is missing and `TERN_REQUIRE_ANVIL` is not 1.
    fn start() -> Result<Option<Self>> {
        let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        if !bin.exists() {
            if std::env::var("TERN_REQUIRE_ANVIL").is_ok_and(|v| v == "1") {
                bail!("anvil is required (TERN_REQUIRE_ANVIL=1) but {} is missing", bin.display());
            }
            eprintln!(
                "SKIPPED: anvil not found at {}; run `npm ci` in the repository root to install \
                 the pinned @foundry-rs/anvil",
                bin.display()
            );
            return Ok(None);
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--chain-id", &CHAIN_ID.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut anvil = Self { child, url: format!("http://127.0.0.1:{port}") };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = anvil.child.try_wait()? {
                bail!("anvil exited at start: {status}");
            }
            ensure!(start.elapsed() < Duration::from_secs(20), "anvil did not listen in 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Some(anvil))
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Gives `who` 1,000 ETH (anvil's `anvil_setBalance`).
async fn fund(client: &RpcL1, who: Address) -> Result<()> {
    let wei = U256::from(1_000 * UNIT);
    client
        .provider()
        .raw_request::<_, serde_json::Value>("anvil_setBalance".into(), (who, wei))
        .await?;
    Ok(())
}

/// The native twin of the rollup: its state, and the blocks built and proven so far.
struct Native {
    state: State,
    chain: ChainConfig,
    number: u64,
}

impl Native {
    /// The next block from `priority` and `txs` at `timestamp`, its witness proven under `keys`.
    fn block(
        &mut self,
        keys: &Keys,
        timestamp: u64,
        priority: &[PriorityOp],
        txs: Vec<SignedTx>,
    ) -> Result<(Block, [U256; 8])> {
        self.number += 1;
        let params = BlockParams {
            chain: self.chain,
            number: self.number,
            fee_account: AccountId(0),
            timestamp,
            capacity: CAPACITY,
        };
        let items: Vec<TxItem> = txs.into_iter().map(TxItem::Single).collect();
        let built = build_block(self.state.clone(), &params, priority, &items, &NoFacts)?;
        ensure!(built.rejected.is_empty(), "rejected: {:?}", built.rejected);
        ensure!(built.deferred.is_empty(), "deferred: {:?}", built.deferred);
        ensure!(built.priority_processed == priority.len(), "priority operations left over");
        let witness = generate_witness(&self.state, &built.block, &built.included)?;
        let t = Instant::now();
        let mut rng = ChaCha20Rng::seed_from_u64(self.number);
        let proof = prove(keys, BlockCircuit::with_witness(witness), &mut rng)?;
        eprintln!("block {}: proven in {:.1?}", self.number, t.elapsed());
        self.state = built.state;
        Ok((built.block, encode_proof(&proof)))
    }
}

/// The priority requests among `events`, in order.
fn priority_ops(events: &[tern_l1::L1Event]) -> Vec<PriorityOp> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            L1EventKind::PriorityRequest(r) => Some(r.op.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn deposit_prove_execute_withdraw_on_anvil() -> Result<()> {
    let Some(anvil) = Anvil::start()? else { return Ok(()) };
    let t = Instant::now();
    let keys = dev_setup(CAPACITY, 42)?;
    eprintln!("dev_setup({CAPACITY}): {:.1?}", t.elapsed());

    // Deploy: the block verifier (capacity 8), an exit verifier, the rollup; list a token.
    let governor = RpcL1::connect(
        &anvil.url,
        PrivateKeySigner::from_bytes(&B256::repeat_byte(0x11))?,
        Address::ZERO,
    )
    .await?;
    fund(&governor, governor.sender()).await?;
    let mut state = State::new();
    let genesis = state.root();
    let config = DeployConfig {
        genesis_root: genesis,
        block_verifiers: vec![(CAPACITY as u32, keys.vk.clone())],
        exit_vk: keys.vk.clone(),
        priority_expiration: 3 * 24 * 3600,
        validators: vec![governor.sender()],
    };
    let (gov, deployment) = governor.deploy(&config).await?;
    let rollup = deployment.rollup;
    assert_eq!(gov.rollup(), rollup);
    let (token, _) = gov.deploy_code("TestERC20", TestERC20::BYTECODE.clone()).await?;
    let (t1, listed) = gov.add_token(token).await?;
    assert_eq!(t1, TokenId(1));
    assert!(listed
        .events
        .iter()
        .any(|e| e.kind == L1EventKind::TokenAdded { token: t1, address: token }));
    state.list_token(t1)?;

    // Alice deposits ETH and the token from her own L1 account.
    let chain = ChainConfig { chain_id: CHAIN_ID, contract: rollup };
    let mut alice = Wallet::from_seed(1, chain)?;
    let bob = Wallet::from_seed(2, chain)?;
    let a = RpcL1::connect(
        &anvil.url,
        PrivateKeySigner::from_signing_key(alice.eth_key.clone()),
        rollup,
    )
    .await?;
    assert_eq!(a.sender(), alice.address);
    fund(&gov, alice.address).await?;
    let mint = TestERC20::mintCall { to: alice.address, amount: U256::from(10 * UNIT) };
    gov.send(token, U256::ZERO, &mint).await?;
    a.erc20_approve(token, rollup, U256::MAX).await?;
    let deposit = a.deposit_eth(alice.address, 10 * UNIT).await?;
    assert!(matches!(
        &deposit.events[..],
        [tern_l1::L1Event { kind: L1EventKind::PriorityRequest(r), .. }]
            if r.serial_id == 0 && r.sender == alice.address
    ));
    a.deposit_erc20(token, 10 * UNIT, alice.address).await?;
    let e =
        a.deposit_erc20(Address::repeat_byte(0x99), 1, alice.address).await.expect_err("unlisted");
    assert!(matches!(e.rollup_error(), Some(RollupErrors::TokenNotListed(_))), "{e}");

    // Block 1 from the queue as L1 events report it: both deposits (alice becomes account 0).
    let from = deployment.block_number;
    let queue = priority_ops(&a.events(from, a.block_number().await?).await?);
    assert_eq!(
        queue,
        vec![
            PriorityOp::Deposit { token: ETH, amount: 10 * UNIT, to: alice.address },
            PriorityOp::Deposit { token: t1, amount: 10 * UNIT, to: alice.address },
        ]
    );
    let mut native = Native { state, chain, number: 0 };
    let ts = gov.latest_timestamp().await?;
    let (b1, p1) = native.block(&keys, ts, &queue, vec![])?;

    // Block 2: alice sets her key (EIP-191) and pays bob, who is new on L2.
    alice.account_id = native.state.account_id_by_address(&alice.address).context("alice")?;
    assert_eq!(alice.account_id, AccountId(0));
    let txs = vec![
        alice.change_pubkey(AuthKind::Ecdsa, ETH, 0)?,
        alice.transfer(bob.address, ETH, UNIT, 0)?,
    ];
    let (b2, p2) = native.block(&keys, ts, &[], txs)?;

    // Block 3: alice's full exit of the token (requested on L1) and a withdrawal of 2 ETH.
    let before = a.block_number().await?;
    a.request_full_exit(alice.account_id, t1).await?;
    let queue = priority_ops(&a.events(before + 1, a.block_number().await?).await?);
    let exit =
        PriorityOp::FullExit { account_id: alice.account_id, owner: alice.address, token: t1 };
    assert_eq!(queue, vec![exit]);
    let txs = vec![alice.withdraw(alice.address, ETH, 2 * UNIT, 0)?];
    let (b3, p3) = native.block(&keys, ts, &queue, txs)?;

    // Block 1 alone, then blocks 2 and 3 in one call each.
    let genesis_info = genesis_stored_block_info(&genesis);
    let stored = |b: &Block| stored_block_info(b).map_err(L1Error::from);
    gov.commit_blocks(&genesis_info, &[commit_block_info(&b1)?]).await?;
    let proven = a.prove_blocks(&[stored(&b1)?], &[p1]).await?;
    assert_eq!(proven.events[0].kind, L1EventKind::BlockProven { number: 1 });
    a.execute_blocks(&[execute_block_info(&b1)?]).await?;
    let replay = gov.commit_blocks(&genesis_info, &[commit_block_info(&b1)?]).await;
    let e = replay.expect_err("block 1 again");
    assert!(matches!(e.rollup_error(), Some(RollupErrors::StoredBlockMismatch(_))), "{e}");

    let last: StoredBlockInfo = stored(&b1)?;
    let committed =
        gov.commit_blocks(&last, &[commit_block_info(&b2)?, commit_block_info(&b3)?]).await?;
    println!("commitBlocks (2 blocks of capacity {CAPACITY}) gas on anvil: {}", committed.gas_used);
    let proven = a.prove_blocks(&[stored(&b2)?, stored(&b3)?], &[p2, p3]).await?;
    println!("proveBlocks (2 real proofs) gas on anvil: {}", proven.gas_used);
    let executed = a.execute_blocks(&[execute_block_info(&b2)?, execute_block_info(&b3)?]).await?;
    assert_eq!(gov.block_totals().await?, (3, 3, 3));

    // The withdrawals are pending, then claimed.
    let credited: Vec<_> = executed
        .events
        .iter()
        .filter_map(|e| match e.kind {
            L1EventKind::PendingBalanceCredited { owner, token, amount } => {
                Some((owner, token, amount))
            }
            _ => None,
        })
        .collect();
    assert_eq!(credited, vec![(alice.address, t1, 10 * UNIT), (alice.address, ETH, 2 * UNIT)]);
    assert_eq!(a.pending_balance(alice.address, ETH).await?, 2 * UNIT);
    assert_eq!(a.pending_balance(alice.address, t1).await?, 10 * UNIT);
    let eth_before = a.eth_balance(alice.address).await?;
    // Anyone may pay the owner: the governor claims alice's ETH for her.
    gov.withdraw_pending_balance(alice.address, ETH, 2 * UNIT).await?;
    assert_eq!(a.eth_balance(alice.address).await?, eth_before + U256::from(2 * UNIT));
    a.withdraw_pending_balance(alice.address, t1, 10 * UNIT).await?;
    assert_eq!(a.erc20_balance(token, alice.address).await?, U256::from(10 * UNIT));
    assert_eq!(a.pending_balance(alice.address, t1).await?, 0);
    let e = a.withdraw_pending_balance(alice.address, t1, 1).await.expect_err("nothing left");
    assert!(matches!(e.rollup_error(), Some(RollupErrors::InsufficientPendingBalance(_))), "{e}");

    // Every event since the deployment, read back over the whole range.
    let events = a.events(from, a.block_number().await?).await?;
    let kinds: Vec<&L1EventKind> = events.iter().map(|e| &e.kind).collect();
    let roots: Vec<B256> = [&b1, &b2, &b3].iter().map(|b| root_bytes(&b.header.new_root)).collect();
    let commits: Vec<(u64, B256)> = kinds
        .iter()
        .filter_map(|k| match k {
            L1EventKind::BlockCommitted { number, state_root, .. } => Some((*number, *state_root)),
            _ => None,
        })
        .collect();
    assert_eq!(commits, vec![(1, roots[0]), (2, roots[1]), (3, roots[2])]);
    let executed: Vec<(u64, B256)> = kinds
        .iter()
        .filter_map(|k| match k {
            L1EventKind::BlockExecuted { number, state_root } => Some((*number, *state_root)),
            _ => None,
        })
        .collect();
    // The deployment may announce genesis as executed block 0.
    let genesis_event = (0, root_bytes(&genesis));
    let executed: Vec<(u64, B256)> = match executed.split_first() {
        Some((first, rest)) if first.0 == 0 => {
            assert_eq!(*first, genesis_event, "block 0 is genesis");
            rest.to_vec()
        }
        _ => executed,
    };
    assert_eq!(executed, commits);
    let proven = kinds.iter().filter(|k| matches!(k, L1EventKind::BlockProven { .. })).count();
    assert_eq!(proven, 3);
    let serials: Vec<u64> = kinds
        .iter()
        .filter_map(|k| match k {
            L1EventKind::PriorityRequest(r) => Some(r.serial_id),
            _ => None,
        })
        .collect();
    assert_eq!(serials, vec![0, 1, 2]);
    let withdrawals: Vec<_> = kinds
        .iter()
        .filter_map(|k| match k {
            L1EventKind::Withdrawal { owner, token, amount } => Some((*owner, *token, *amount)),
            _ => None,
        })
        .collect();
    assert_eq!(withdrawals, vec![(alice.address, ETH, 2 * UNIT), (alice.address, t1, 10 * UNIT)]);
    assert!(events.windows(2).all(|w| w[0].block_number <= w[1].block_number));
    assert!(events.iter().all(|e| e.tx_hash.is_some()));
    Ok(())
}
