//! The rollup end to end on revm with **real** Groth16 proofs (no mock verifier): deposits of
//! ETH and an ERC-20 on L1; native blocks built from the contract's priority queue and signed
//! L2 transactions (`tern_state::build_block`); their witnesses and capacity-8 block proofs
//! (`tern_prover`, INSECURE dev setup); `commitBlocks`, `proveBlocks` against the
//! `Groth16Verifier` generated from the dev verifying key, `executeBlocks`; and the withdrawals
//! claimed with `withdrawPendingBalance`, with every L1 balance checked.
//!
//! The exodus test freezes such a rollup: the operator stops, a full-exit request expires,
//! exodus mode is activated, every account exits with its exact balance (and an NFT with its
//! identity) through `performExodus` / `performExodusNFT` with **real** exit proofs
//! (`tern_prover::exit`, INSECURE dev setups) against the generated verifiers, unprocessed
//! deposits are refunded, replays are refused, and the contract ends holding nothing.
//!
//! One dev setup serves the whole file (it takes tens of seconds; a proof takes seconds). Run
//! with `--nocapture` for timings and gas.

use alloy_primitives::{address, Address, U256};
use alloy_sol_types::{SolCall, SolEvent};
use ark_bn254::Bn254;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
use tern_circuit::block::BlockCircuit;
use tern_circuit::exit::{exit_witness, nft_exit_witness, ExitCircuit, NftExitCircuit};
use tern_circuit::witness::generate_witness;
use tern_contracts::bindings::test_helpers::TestERC20;
use tern_contracts::bindings::Rollup::{self, RollupErrors, StoredBlockInfo};
use tern_contracts::bindings::{test_helpers::MockVerifier, NftFactory};
use tern_contracts::rollup::{
    commit_block_info, execute_block_info, genesis_stored_block_info, root_bytes, stored_block_info,
};
use tern_contracts::verifier::{creation_code, encode_proof};
use tern_contracts::{Evm, EvmError, Receipt};
use tern_primitives::eddsa::PubKeyHash;
use tern_prover::exit::{dev_exit_setup, prove_exit, ExitKeys, NftExit, TokenExit};
use tern_prover::{dev_setup, Keys};
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, PriorityOp, State, TxItem};
use tern_types::{AccountId, Block, NftId, Nonce, SignedTx, TokenId, ETH};

const GOV: Address = address!("0x00000000000000000000000000000000000000a1");
const VALIDATOR: Address = address!("0x00000000000000000000000000000000000000a2");
const STRANGER: Address = address!("0x00000000000000000000000000000000000000a3");
const FEE_ADDRESS: Address = address!("0x00000000000000000000000000000000000000fe");
/// The test capacity: 8 chunks hold every operation type (`docs/spec/circuit.md`).
const CAPACITY: usize = 8;
const EXPIRATION: u64 = 3 * 24 * 3600;
const UNIT: u128 = 1_000_000_000_000_000_000;
const FEE: u128 = 1_000_000_000_000_000;
const T1: TokenId = TokenId(1);

/// The capacity-8 dev keys, made once for the whole file.
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let t = Instant::now();
        let keys = dev_setup(CAPACITY, 8).expect("dev setup");
        println!("dev_setup(capacity {CAPACITY}): {:.1?}", t.elapsed());
        keys
    })
}

/// Proofs by block commitment. Both tests deploy in the same order from the same sender, so
/// their rollups share an address and their first blocks are byte for byte the same; a
/// commitment binds the block (roots, pubdata, header), so one proof serves both. The lock is
/// held while proving, so the second test waits for the first's proof instead of redoing it.
fn cached_proof(block: &Block, prove: impl FnOnce() -> [U256; 8]) -> [U256; 8] {
    static PROOFS: Mutex<BTreeMap<[u8; 32], [U256; 8]>> = Mutex::new(BTreeMap::new());
    let key = block.commitment().expect("commitment");
    let mut cache = PROOFS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *cache.entry(key).or_insert_with(prove)
}

fn err(e: EvmError) -> RollupErrors {
    match e.decode_revert::<RollupErrors>() {
        Some(x) => x,
        None => panic!("not a Rollup custom error: {e}"),
    }
}

fn events<E: SolEvent>(r: &Receipt<impl Sized>) -> Vec<E> {
    r.logs.iter().filter_map(|l| E::decode_log(l).ok().map(|l| l.data)).collect()
}

/// A block built natively, with its real proof.
struct ProvenBlock {
    block: Block,
    proof: [U256; 8],
}

/// A rollup deployed on revm with the real block verifier, beside its native twin.
struct Chain {
    evm: Evm,
    rollup: Address,
    token: Address,
    state: State,
    /// Requests queued on L1 and not yet in a native block.
    queue: Vec<PriorityOp>,
    /// Stored info of the last committed block.
    last: StoredBlockInfo,
    chain: ChainConfig,
    built: u64,
    /// On-chain ChangePubKey facts, mirrored for the native builder.
    facts: BTreeSet<(Address, PubKeyHash, Nonce)>,
    rng: ChaCha20Rng,
}

impl Chain {
    /// Deploys the block verifier (from the dev key), the rollup (with the token and NFT exit
    /// verifiers of `exit_keys`, or mock ones when exits are not tested) and token T1.
    fn new(
        exit_keys: Option<(&ark_groth16::VerifyingKey<Bn254>, &ark_groth16::VerifyingKey<Bn254>)>,
    ) -> Self {
        let mut evm = Evm::new();
        for who in [GOV, VALIDATOR, STRANGER] {
            evm.set_balance(who, U256::from(1000 * UNIT));
        }
        let verifier = deploy_verifier(&mut evm, &keys().vk);
        let (exit, nft_exit) = match exit_keys {
            Some((token, nft)) => {
                (deploy_verifier(&mut evm, token), deploy_verifier(&mut evm, nft))
            }
            None => {
                let mock = evm.deploy(GOV, MockVerifier::BYTECODE.clone()).expect("mock").0;
                (mock, mock)
            }
        };
        let mut state = State::new();
        let genesis = state.root();
        let args = Rollup::constructorCall {
            governor_: GOV,
            genesisStateRoot: root_bytes(&genesis),
            capacities: vec![CAPACITY as u32],
            blockVerifiers: vec![verifier],
            exitVerifier_: exit,
            nftExitVerifier_: nft_exit,
            priorityExpiration_: EXPIRATION,
        };
        let (rollup, _) = evm.deploy_with(GOV, &Rollup::BYTECODE, &args).expect("rollup");
        let (token, _) = evm.deploy(GOV, TestERC20::BYTECODE.clone()).expect("token");
        let chain = ChainConfig { chain_id: tern_contracts::evm::CHAIN_ID, contract: rollup };
        let mut c = Chain {
            evm,
            rollup,
            token,
            state,
            queue: Vec::new(),
            last: genesis_stored_block_info(&genesis),
            chain,
            built: 0,
            facts: BTreeSet::new(),
            rng: ChaCha20Rng::seed_from_u64(99),
        };
        c.send(GOV, &Rollup::setValidatorCall { validator: VALIDATOR, active: true })
            .expect("validator");
        assert_eq!(c.send(GOV, &Rollup::addTokenCall { token }).expect("list").ret, T1.0);
        c.state.list_token(T1).expect("list natively");
        c
    }

    fn wallet(&mut self, seed: u64) -> Wallet {
        let w = Wallet::from_seed(seed, self.chain).expect("wallet");
        self.evm.set_balance(w.address, U256::from(100 * UNIT));
        let to = w.address;
        self.evm
            .transact(
                GOV,
                self.token,
                U256::ZERO,
                &TestERC20::mintCall { to, amount: U256::from(100 * UNIT) },
            )
            .expect("mint");
        self.evm
            .transact(
                to,
                self.token,
                U256::ZERO,
                &TestERC20::approveCall { spender: self.rollup, amount: U256::MAX },
            )
            .expect("approve");
        w
    }

    fn send<C: SolCall>(
        &mut self,
        from: Address,
        call: &C,
    ) -> Result<Receipt<C::Return>, EvmError> {
        self.evm.transact(from, self.rollup, U256::ZERO, call)
    }

    fn view<C: SolCall>(&mut self, call: &C) -> C::Return {
        self.evm.call(STRANGER, self.rollup, call).expect("view").ret
    }

    fn token_balance(&mut self, who: Address) -> U256 {
        let token = self.token;
        self.evm.call(STRANGER, token, &TestERC20::balanceOfCall(who)).expect("balance").ret
    }

    fn pending(&mut self, owner: Address, token: TokenId) -> u128 {
        self.view(&Rollup::pendingBalancesCall { _0: owner, _1: token.0 })
    }

    fn deposit_eth(&mut self, from: Address, to: Address, amount: u128) -> Receipt<()> {
        let r = self
            .evm
            .transact(from, self.rollup, U256::from(amount), &Rollup::depositETHCall { to })
            .expect("depositETH");
        self.queue.push(PriorityOp::Deposit { token: ETH, amount, to });
        r.discard()
    }

    fn deposit_t1(&mut self, from: Address, to: Address, amount: u128) -> Receipt<()> {
        let token = self.token;
        let r =
            self.send(from, &Rollup::depositERC20Call { token, amount, to }).expect("depositERC20");
        self.queue.push(PriorityOp::Deposit { token: T1, amount, to });
        r.discard()
    }

    fn request_full_exit(&mut self, w: &Wallet, token: TokenId) {
        let call = Rollup::requestFullExitCall { accountId: w.account_id.0, tokenId: token.0 };
        self.send(w.address, &call).expect("requestFullExit");
        self.queue.push(PriorityOp::FullExit { account_id: w.account_id, owner: w.address, token });
    }

    /// The next block natively from the queue and `txs` (all must apply and fit), its witness
    /// and its Groth16 proof; the native state moves on.
    fn block(&mut self, txs: Vec<SignedTx>) -> ProvenBlock {
        let items: Vec<TxItem> = txs.into_iter().map(TxItem::Single).collect();
        self.built += 1;
        let params = BlockParams {
            chain: self.chain,
            number: self.built,
            fee_account: AccountId(0),
            timestamp: self.evm.timestamp(),
            capacity: CAPACITY,
        };
        let built = build_block(self.state.clone(), &params, &self.queue, &items, &self.facts)
            .expect("native block");
        assert_eq!(built.rejected, vec![], "every transaction applies");
        assert!(built.deferred.is_empty(), "every transaction fits");
        let proof = cached_proof(&built.block, || {
            let witness =
                generate_witness(&self.state, &built.block, &built.included).expect("witness");
            let t = Instant::now();
            let proof =
                tern_prover::prove(keys(), BlockCircuit::with_witness(witness), &mut self.rng)
                    .expect("prove");
            println!(
                "block {} {:?}: proven in {:.1?}",
                self.built,
                built.block.ops.iter().map(tern_types::Op::name).collect::<Vec<_>>(),
                t.elapsed()
            );
            let input = built.block.public_input().expect("input");
            assert!(tern_prover::verify(&keys().vk, input, &proof).expect("verify"));
            encode_proof(&proof)
        });
        self.queue.drain(..built.priority_processed);
        self.state = built.state;
        ProvenBlock { block: built.block, proof }
    }

    fn commit(&mut self, blocks: &[&ProvenBlock]) -> Result<Receipt<()>, EvmError> {
        let call = Rollup::commitBlocksCall {
            lastCommitted: self.last.clone(),
            newBlocks: blocks.iter().map(|b| commit_block_info(&b.block).expect("args")).collect(),
        };
        let r = self.send(VALIDATOR, &call)?;
        if let Some(b) = blocks.last() {
            self.last = stored_block_info(&b.block).expect("stored");
        }
        Ok(r.discard())
    }

    fn prove(&mut self, blocks: &[&ProvenBlock]) -> Result<Receipt<()>, EvmError> {
        let call = Rollup::proveBlocksCall {
            blocks: blocks.iter().map(|b| stored_block_info(&b.block).expect("stored")).collect(),
            proofs: blocks.iter().map(|b| b.proof).collect(),
        };
        self.send(STRANGER, &call).map(Receipt::discard)
    }

    fn execute(&mut self, blocks: &[&ProvenBlock]) -> Result<Receipt<()>, EvmError> {
        let call = Rollup::executeBlocksCall {
            blocks: blocks.iter().map(|b| execute_block_info(&b.block).expect("args")).collect(),
        };
        self.send(STRANGER, &call).map(Receipt::discard)
    }

    /// Commits, proves and executes `blocks`, one call each; returns the three receipts' gas.
    fn run(&mut self, blocks: &[&ProvenBlock]) -> [u64; 3] {
        let c = self.commit(blocks).expect("commit").gas_used;
        let p = self.prove(blocks).expect("prove").gas_used;
        let e = self.execute(blocks).expect("execute").gas_used;
        [c, p, e]
    }

    /// Claims `owner`'s whole pending balance of `token` (sent by a stranger: the funds go to
    /// the owner).
    fn claim(&mut self, owner: Address, token: TokenId) -> u128 {
        let amount = self.pending(owner, token);
        let call = Rollup::withdrawPendingBalanceCall { owner, tokenId: token.0, amount };
        let r = self.send(STRANGER, &call).expect("withdrawPendingBalance");
        assert_eq!(events::<Rollup::Withdrawal>(&r)[0].amount, amount);
        assert_eq!(self.pending(owner, token), 0);
        amount
    }
}

#[test]
fn deposits_to_claimed_withdrawals_with_real_proofs() {
    let mut l1 = Chain::new(None);
    let mut a = l1.wallet(1);
    let mut b = l1.wallet(2);
    let c = l1.wallet(3);
    let eth0 = |l1: &Chain, w: &Wallet| l1.evm.balance(w.address);

    // 1. Deposits on L1: the fee account, then ETH and T1 for a and b.
    l1.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    l1.deposit_eth(a.address, a.address, 10 * UNIT);
    l1.deposit_t1(a.address, a.address, 20 * UNIT);
    l1.deposit_eth(b.address, b.address, 5 * UNIT);
    assert_eq!(l1.evm.balance(l1.rollup), U256::from(15 * UNIT + 1));
    assert_eq!(l1.token_balance(l1.rollup), U256::from(20 * UNIT));
    assert_eq!(l1.token_balance(a.address), U256::from(80 * UNIT));

    // 2.–4. Blocks 1 and 2 (two deposits each: 4 chunks apiece) committed, proven and executed
    // two at a time.
    let b1 = l1.block(vec![]);
    let b2 = l1.block(vec![]);
    assert!(l1.queue.is_empty());
    let [cg, pg, eg] = l1.run(&[&b1, &b2]);
    println!("two deposit blocks: commit {cg}, prove {pg} (two real proofs), execute {eg} gas");
    assert_eq!(l1.view(&Rollup::totalBlocksExecutedCall {}), 2);
    assert_eq!(l1.view(&Rollup::totalOpenPriorityRequestsCall {}), 0);
    a.account_id = l1.state.account_id_by_address(&a.address).expect("a deposited");
    b.account_id = l1.state.account_id_by_address(&b.address).expect("b deposited");

    // Block 3: a and b set their keys (EIP-191 and an on-chain fact).
    l1.send(
        b.address,
        &Rollup::setAuthPubkeyHashCall { pubKeyHash: b.pubkey_hash().0.into(), nonce: 0 },
    )
    .expect("fact");
    l1.facts.insert((b.address, b.pubkey_hash(), 0));
    let txs = vec![
        a.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign"),
        b.change_pubkey(AuthKind::Onchain, ETH, 0).expect("sign"),
    ];
    let b3 = l1.block(txs);
    l1.run(&[&b3]);

    // Block 4: a pays b and c (a new address: TransferToNew) in ETH, withdraws T1 to c's L1
    // address; fees in ETH and T1.
    let txs = vec![
        a.transfer(b.address, ETH, 2 * UNIT, FEE).expect("sign"),
        a.transfer(c.address, ETH, UNIT, FEE).expect("sign"),
        a.withdraw(c.address, T1, 7 * UNIT, FEE).expect("sign"),
    ];
    let b4 = l1.block(txs);
    // Block 5: b withdraws ETH to itself; a's full exit of T1 (everything left: 13 - fee).
    l1.request_full_exit(&a, T1);
    let txs = vec![b.withdraw(b.address, ETH, 6 * UNIT, FEE).expect("sign")];
    let b5 = l1.block(txs);

    // A forged proof (block 5's proof for block 4) is refused by the real verifier.
    l1.commit(&[&b4, &b5]).expect("commit 4 and 5");
    let forged = ProvenBlock { block: b4.block.clone(), proof: b5.proof };
    let e = l1.prove(&[&forged]).expect_err("forged proof");
    assert!(matches!(err(e), RollupErrors::InvalidProof(_)));
    let p = l1.prove(&[&b4, &b5]).expect("prove 4 and 5").gas_used;
    let e = l1.execute(&[&b4]).expect("execute 4").gas_used;
    println!("proveBlocks (two real proofs) {p} gas; executeBlocks (one withdrawal) {e} gas");
    let r = l1.execute(&[&b5]).expect("execute 5");
    let credited = events::<Rollup::PendingBalanceCredited>(&r);
    assert_eq!(credited.len(), 2, "b's withdrawal and a's full exit");
    let root = root_bytes(&l1.state.root());
    assert_eq!(l1.view(&Rollup::lastExecutedStateRootCall {}), root);
    assert_eq!(l1.view(&Rollup::totalBlocksExecutedCall {}), 5);
    assert_eq!(l1.view(&Rollup::totalOpenPriorityRequestsCall {}), 0);

    // 5. The withdrawals claimed: exactly what the native state paid out.
    assert_eq!(l1.state.balance(a.account_id, T1), 0, "the full exit took all of a's T1");
    let a_t1 = 20 * UNIT - 7 * UNIT - FEE;
    assert_eq!(l1.pending(a.address, T1), a_t1);
    assert_eq!(l1.pending(c.address, T1), 7 * UNIT);
    assert_eq!(l1.pending(b.address, ETH), 6 * UNIT);
    let (a_eth, b_eth) = (eth0(&l1, &a), eth0(&l1, &b));
    assert_eq!(l1.claim(a.address, T1), a_t1);
    assert_eq!(l1.claim(c.address, T1), 7 * UNIT);
    assert_eq!(l1.claim(b.address, ETH), 6 * UNIT);
    assert_eq!(l1.token_balance(a.address), U256::from(80 * UNIT + a_t1));
    assert_eq!(l1.token_balance(c.address), U256::from(100 * UNIT + 7 * UNIT));
    assert_eq!(eth0(&l1, &b) - b_eth, U256::from(6 * UNIT));
    assert_eq!(eth0(&l1, &a), a_eth, "a claimed no ETH");
    // What stays in the contract is exactly what L2 still holds.
    let l2_eth: u128 = [AccountId(0), a.account_id, b.account_id]
        .into_iter()
        .chain(l1.state.account_id_by_address(&c.address))
        .map(|id| l1.state.balance(id, ETH))
        .sum();
    assert_eq!(l1.evm.balance(l1.rollup), U256::from(l2_eth));
    let l2_t1: u128 = [AccountId(0), a.account_id, b.account_id]
        .into_iter()
        .map(|id| l1.state.balance(id, T1))
        .sum();
    assert_eq!(l1.token_balance(l1.rollup), U256::from(l2_t1));
    assert_eq!(l2_t1, FEE, "only the fee account holds T1");
}

/// Deploys a `Groth16Verifier` for `vk` from the governor.
fn deploy_verifier(evm: &mut Evm, vk: &ark_groth16::VerifyingKey<Bn254>) -> Address {
    let code = creation_code(vk).expect("one public input");
    evm.deploy(GOV, code).expect("verifier").0
}

#[test]
fn exodus_every_account_exits_with_real_exit_proofs() {
    let t = Instant::now();
    let token_keys: ExitKeys<TokenExit> = dev_exit_setup(21).expect("token exit setup");
    let nft_keys: ExitKeys<NftExit> = dev_exit_setup(22).expect("NFT exit setup");
    println!("exit setups (token and NFT): {:.1?}", t.elapsed());
    let mut l1 = Chain::new(Some((&token_keys.vk, &nft_keys.vk)));
    let factory = l1.send(GOV, &Rollup::nftFactoryCall {}).expect("the default factory").ret;
    let mut a = l1.wallet(1);
    let mut b = l1.wallet(2);
    let c = l1.wallet(3);

    // Three executed blocks: deposits (ETH and T1), then a's key and an NFT a mints to b.
    l1.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    l1.deposit_eth(a.address, a.address, 10 * UNIT);
    l1.deposit_t1(a.address, a.address, 20 * UNIT);
    l1.deposit_eth(b.address, b.address, 5 * UNIT);
    let b1 = l1.block(vec![]);
    let b2 = l1.block(vec![]);
    l1.run(&[&b1, &b2]);
    a.account_id = l1.state.account_id_by_address(&a.address).expect("a");
    b.account_id = l1.state.account_id_by_address(&b.address).expect("b");
    let txs = vec![
        a.change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign"),
        a.mint_nft(b.address, [0x77; 32], ETH, 0).expect("sign"),
    ];
    let b3 = l1.block(txs);
    l1.run(&[&b3]);
    let mut verified = l1.state.clone();
    let root = verified.root();

    // 1. The operator stops. b asks for a full exit; a and c deposit; one more block is
    // committed (serving the full exit) but never proven: exodus discards it.
    l1.request_full_exit(&b, ETH);
    let full_exit_data = {
        let mut v = vec![5u8];
        v.extend_from_slice(&b.account_id.0.to_be_bytes());
        v.extend_from_slice(b.address.as_slice());
        v.extend_from_slice(&0u16.to_be_bytes());
        alloy_primitives::Bytes::from(v)
    };
    let d1 = l1.deposit_eth(a.address, a.address, 3 * UNIT);
    let d2 = l1.deposit_t1(c.address, c.address, 2 * UNIT);
    let refunds: Vec<_> = [&d1, &d2]
        .iter()
        .map(|r| events::<Rollup::NewPriorityRequest>(r)[0].data.clone())
        .collect();
    let pending_block = {
        // Natively only: the operator's view, never proven. (No proof is needed to commit.)
        let params = BlockParams {
            chain: l1.chain,
            number: 4,
            fee_account: AccountId(0),
            timestamp: l1.evm.timestamp(),
            capacity: CAPACITY,
        };
        let built =
            build_block(l1.state.clone(), &params, &l1.queue[..1], &[], &l1.facts).expect("b4");
        built.block
    };
    let call = Rollup::commitBlocksCall {
        lastCommitted: l1.last.clone(),
        newBlocks: vec![commit_block_info(&pending_block).expect("args")],
    };
    l1.send(VALIDATOR, &call).expect("commit block 4");

    // 2. The full-exit request expires; 3. anyone activates exodus mode.
    l1.evm.advance(100, EXPIRATION);
    let e = l1.send(STRANGER, &Rollup::activateExodusModeCall {}).expect_err("at the deadline");
    assert!(matches!(err(e), RollupErrors::NoExpiredPriorityRequest(_)));
    l1.evm.advance(1, 1);
    l1.send(STRANGER, &Rollup::activateExodusModeCall {}).expect("exodus");
    assert_eq!(l1.view(&Rollup::totalBlocksCommittedCall {}), 3, "block 4 is discarded");
    assert_eq!(l1.view(&Rollup::lastExecutedStateRootCall {}), root_bytes(&root));

    // 4. Every account exits with its exact balance in the last executed root, each with a
    // real exit proof; a wrong claim and a replay are refused.
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let accounts =
        [(AccountId(0), FEE_ADDRESS), (a.account_id, a.address), (b.account_id, b.address)];
    let mut paid = 0usize;
    for (id, owner) in accounts {
        for token in [ETH, T1] {
            let amount = verified.balance(id, token);
            let w = match exit_witness(&mut verified, id, token) {
                Ok(w) => w,
                Err(e) => {
                    assert_eq!(amount, 0, "only an empty balance has no exit: {e}");
                    continue;
                }
            };
            let t = Instant::now();
            let proof =
                prove_exit(&token_keys, ExitCircuit::with_witness(w), &mut rng).expect("prove");
            println!("exit proof ({id:?}, {token:?}): {:.1?}", t.elapsed());
            let proof = encode_proof(&proof);
            let exit = |amount: u128, owner: Address| Rollup::performExodusCall {
                accountId: id.0,
                owner,
                tokenId: token.0,
                amount,
                proof,
            };
            let e = l1.send(STRANGER, &exit(amount - 1, owner)).expect_err("a smaller amount");
            assert!(matches!(err(e), RollupErrors::InvalidExitProof(_)));
            let e = l1.send(STRANGER, &exit(amount, STRANGER)).expect_err("another owner");
            assert!(matches!(err(e), RollupErrors::InvalidExitProof(_)));
            let before = l1.pending(owner, token);
            let r = l1.send(STRANGER, &exit(amount, owner)).expect("performExodus");
            println!("performExodus gas (real exit proof): {}", r.gas_used);
            assert_eq!(events::<Rollup::ExodusExit>(&r)[0].amount, amount);
            assert_eq!(l1.pending(owner, token) - before, amount, "exactly the balance");
            // 6. A second exit for the same account and token is refused.
            let e = l1.send(STRANGER, &exit(amount, owner)).expect_err("replay");
            assert!(matches!(err(e), RollupErrors::AlreadyExited(_)));
            paid += 1;
        }
    }
    assert_eq!(paid, 4, "fee ETH, a's ETH and T1, b's ETH");

    // The NFT leaves with its identity, and is minted on L1 as an ERC-721.
    let info = verified.nft(NftId(0)).expect("minted").info.clone();
    let w = nft_exit_witness(&mut verified, b.account_id, NftId(0)).expect("NFT witness");
    let t = Instant::now();
    let proof = prove_exit(&nft_keys, NftExitCircuit::with_witness(w), &mut rng).expect("prove");
    println!("NFT exit proof: {:.1?}", t.elapsed());
    let record = Rollup::PendingNft {
        owner: b.address,
        creatorId: info.creator_id.0,
        creatorAddress: info.creator_address,
        serial: info.serial,
        contentHash: info.content_hash.into(),
    };
    let exit = |record: &Rollup::PendingNft| Rollup::performExodusNFTCall {
        accountId: b.account_id.0,
        nftId: 0,
        nft: record.clone(),
        proof: encode_proof(&proof),
    };
    let mut wrong = record.clone();
    wrong.owner = a.address;
    let e = l1.send(STRANGER, &exit(&wrong)).expect_err("another owner");
    assert!(matches!(err(e), RollupErrors::InvalidExitProof(_)));
    let r = l1.send(STRANGER, &exit(&record)).expect("performExodusNFT");
    println!("performExodusNFT gas (real exit proof): {}", r.gas_used);
    let e = l1.send(STRANGER, &exit(&record)).expect_err("replay");
    assert!(matches!(err(e), RollupErrors::NftAlreadyExited(_)));
    l1.send(STRANGER, &Rollup::withdrawPendingNFTCall { nftId: 0 }).expect("mint");
    let owner = l1
        .evm
        .call(STRANGER, factory, &NftFactory::ownerOfCall { tokenId: U256::ZERO })
        .expect("owner")
        .ret;
    assert_eq!(owner, b.address);

    // 5. The unprocessed requests are consumed in queue order: the full exit is dropped, the
    // two deposits are refunded.
    let call = Rollup::cancelOutstandingDepositsForExodusModeCall {
        requestsData: vec![full_exit_data, refunds[0].clone(), refunds[1].clone()],
    };
    let r = l1.send(STRANGER, &call).expect("refund");
    assert_eq!(events::<Rollup::DepositRefunded>(&r).len(), 2);
    assert_eq!(l1.view(&Rollup::totalOpenPriorityRequestsCall {}), 0);

    // Every claim paid, the rollup holds nothing: exits and refunds were exactly its funds.
    let a_eth = 10 * UNIT + 3 * UNIT;
    assert_eq!(l1.pending(a.address, ETH), a_eth);
    assert_eq!(l1.pending(c.address, T1), 2 * UNIT);
    for (owner, token) in
        [(FEE_ADDRESS, ETH), (a.address, ETH), (a.address, T1), (b.address, ETH), (c.address, T1)]
    {
        l1.claim(owner, token);
    }
    assert_eq!(l1.evm.balance(l1.rollup), U256::ZERO);
    assert_eq!(l1.token_balance(l1.rollup), U256::ZERO);
    assert_eq!(l1.token_balance(a.address), U256::from(100 * UNIT));
    assert_eq!(l1.token_balance(c.address), U256::from(100 * UNIT));
    assert_eq!(l1.evm.balance(FEE_ADDRESS), U256::from(1));
}
