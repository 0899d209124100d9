//! `Rollup.sol` on revm against native blocks: every function's success path and every revert
//! path (custom errors). Blocks are built natively by `tern_state::build_block` from the same
//! requests the contract queued, so the contract's SHA-256 commitment, priority-queue matching
//! and ChangePubKey checks are tested against the native code byte for byte. Proofs come from
//! `MockVerifier` (accepts a proof whose first word is the input); the real verifier is tested
//! in `verifier.rs` and `block_proof.rs`.

use alloy_primitives::{address, Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use tern_contracts::bindings::test_helpers::{
    FalseReturningERC20, FeeOnTransferERC20, MockVerifier, NftReceiver, NoopERC20, RebasingERC20,
    ReentrantERC20, ReentrantReceiver, TestERC20,
};
use tern_contracts::bindings::NftFactory;
use tern_contracts::bindings::Rollup::{
    self, CommitBlockInfo, ExecuteBlockInfo, RollupErrors, StoredBlockInfo,
};
use tern_contracts::rollup::{
    commit_block_info, execute_block_info, genesis_stored_block_info, hash_stored_block_info,
    pending_onchain_ops, stored_block_info,
};
use tern_contracts::{Evm, EvmError, Receipt};
use tern_primitives::Fr;
use tern_state::wallet::{AuthKind, Wallet};
use tern_state::{build_block, BlockParams, ChainConfig, PriorityOp, State, TxItem};
use tern_types::{AccountId, Block, NftId, SignedTx, TokenId, ETH};

const GOV: Address = address!("0x00000000000000000000000000000000000000a1");
const VALIDATOR: Address = address!("0x00000000000000000000000000000000000000a2");
const STRANGER: Address = address!("0x00000000000000000000000000000000000000a3");
const FEE_ADDRESS: Address = address!("0x00000000000000000000000000000000000000fe");
const CAPACITY: usize = 16;
const EXPIRATION: u64 = 3 * 24 * 3600;
const UNIT: u128 = 1_000_000_000_000_000_000;

fn err(e: EvmError) -> RollupErrors {
    match e.decode_revert::<RollupErrors>() {
        Some(x) => x,
        None => panic!("not a Rollup custom error: {e}"),
    }
}

/// A deployed rollup beside its native twin.
struct Fx {
    evm: Evm,
    rollup: Address,
    verifier: Address,
    token: Address,
    t1: TokenId,
    state: State,
    /// Requests queued on L1 and not yet in a native block.
    queue: Vec<PriorityOp>,
    /// Stored info of the last committed block.
    last: StoredBlockInfo,
    chain: ChainConfig,
    wallets: Vec<Wallet>,
    /// Number of the last block built natively.
    built: u64,
    /// How FullExitNFT's success flag is written (tests of the flag override it).
    flag: Flag,
}

/// How the tests write FullExitNFT's success flag into the pubdata.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flag {
    /// As the circuit sets it: 1 iff the exit was served ([`set_success_flag`]).
    Served,
    /// Always 1 (a served exit of an NFT whose identity fields are all zero).
    Always,
    /// Always 0 (an exit that was not served, whatever the identity fields say).
    Never,
}

impl Fx {
    fn new() -> Self {
        let mut evm = Evm::new();
        for who in [GOV, VALIDATOR, STRANGER] {
            evm.set_balance(who, U256::from(1000 * UNIT));
        }
        let (verifier, _) = evm.deploy(GOV, MockVerifier::BYTECODE.clone()).expect("verifier");
        let mut state = State::new();
        let genesis = state.root();
        let args = constructor(genesis, verifier, EXPIRATION);
        let (rollup, _) = evm.deploy_with(GOV, &Rollup::BYTECODE, &args).expect("rollup");
        let (token, _) = evm.deploy(GOV, TestERC20::BYTECODE.clone()).expect("token");
        let chain = ChainConfig { chain_id: tern_contracts::evm::CHAIN_ID, contract: rollup };
        let wallets: Vec<Wallet> =
            (1..=3).map(|s| Wallet::from_seed(s, chain).expect("wallet")).collect();
        let mut fx = Fx {
            evm,
            rollup,
            verifier,
            token,
            t1: TokenId(1),
            state,
            queue: Vec::new(),
            last: genesis_stored_block_info(&genesis),
            chain,
            wallets,
            built: 0,
            flag: Flag::Served,
        };
        fx.gov(&Rollup::setValidatorCall { validator: VALIDATOR, active: true })
            .expect("validator");
        let id = fx.gov(&Rollup::addTokenCall { token }).expect("list").ret;
        assert_eq!(id, 1);
        fx.state.list_token(fx.t1).expect("list natively");
        for w in fx.wallets.clone() {
            fx.evm.set_balance(w.address, U256::from(1000 * UNIT));
            fx.mint(w.address, 1000 * UNIT);
        }
        fx
    }

    fn gov<C: SolCall>(&mut self, call: &C) -> Result<Receipt<C::Return>, EvmError> {
        self.evm.transact(GOV, self.rollup, U256::ZERO, call)
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

    fn mint(&mut self, to: Address, amount: u128) {
        self.evm
            .transact(
                GOV,
                self.token,
                U256::ZERO,
                &TestERC20::mintCall { to, amount: U256::from(amount) },
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
        self.queue.push(PriorityOp::Deposit { token: self.t1, amount, to });
        r.discard()
    }

    fn params(&self, number: u64) -> BlockParams {
        BlockParams {
            chain: self.chain,
            number,
            fee_account: AccountId(0),
            timestamp: self.evm.timestamp(),
            capacity: CAPACITY,
        }
    }

    /// The next block natively, from every queued request and `txs`; the native state moves on.
    fn block(&mut self, txs: Vec<SignedTx>) -> Block {
        let items: Vec<TxItem> = txs.into_iter().map(TxItem::Single).collect();
        self.built += 1;
        let params = self.params(self.built);
        let built = build_block(
            self.state.clone(),
            &params,
            &self.queue,
            &items,
            &std::collections::BTreeSet::new(),
        )
        .expect("native block");
        assert_eq!(built.rejected, vec![], "every transaction applies");
        assert!(built.deferred.is_empty());
        self.queue.drain(..built.priority_processed);
        self.state = built.state;
        built.block
    }

    /// The block's commit, stored and execute arguments with the success flag of FullExitNFT
    /// (bit 684 of the operation: byte 85, mask 0x08) set in every served one, i.e. one whose
    /// NFT identity is not all zero. The native codec that writes the flag belongs to the
    /// circuit change that adds it; until it lands the tests build these bytes by hand (setting
    /// a bit already set changes nothing, so this keeps working after it lands).
    fn flagged(&mut self, block: &Block) -> (CommitBlockInfo, StoredBlockInfo, ExecuteBlockInfo) {
        let mut commit = commit_block_info(block).expect("args");
        let mut exec = execute_block_info(block).expect("args");
        let mut pubdata = commit.pubdata.to_vec();
        for &chunk in &commit.onchainOps {
            let at = chunk as usize * 13;
            if pubdata[at] >> 4 == 12 {
                write_flag(&mut pubdata[at..at + 91], self.flag);
            }
        }
        commit.pubdata = pubdata.into();
        let mut hash = alloy_primitives::B256::ZERO;
        for op in exec.pendingOnchainOps.iter_mut() {
            let mut bytes = op.to_vec();
            if bytes[0] >> 4 == 12 {
                write_flag(&mut bytes, self.flag);
            }
            hash = alloy_primitives::keccak256([hash.as_slice(), &bytes].concat());
            *op = bytes.into();
        }
        let mut stored = exec.storedBlock.clone();
        stored.pendingOnchainOpsHash = hash;
        stored.commitment = self.view(&Rollup::blockCommitmentCall {
            blockNumber: commit.blockNumber,
            feeAccount: commit.feeAccount,
            oldRoot: tern_contracts::rollup::root_bytes(&block.header.old_root),
            newRoot: commit.newStateRoot,
            timestamp: commit.timestamp,
            bitmap: block.onchain_bitmap().into(),
            pubdata: commit.pubdata.clone(),
        });
        exec.storedBlock = stored.clone();
        (commit, stored, exec)
    }

    fn commit(&mut self, block: &Block) -> Result<Receipt<()>, EvmError> {
        let (info, stored, _) = self.flagged(block);
        let call =
            Rollup::commitBlocksCall { lastCommitted: self.last.clone(), newBlocks: vec![info] };
        let r = self.send(VALIDATOR, &call)?;
        self.last = stored;
        Ok(r.discard())
    }

    fn prove(&mut self, block: &Block) -> Result<Receipt<()>, EvmError> {
        let (_, stored, _) = self.flagged(block);
        let proof = mock_proof(U256::from_be_bytes(stored.commitment.0));
        self.send(STRANGER, &Rollup::proveBlocksCall { blocks: vec![stored], proofs: vec![proof] })
            .map(Receipt::discard)
    }

    fn execute(&mut self, block: &Block) -> Result<Receipt<()>, EvmError> {
        let (_, _, info) = self.flagged(block);
        self.send(STRANGER, &Rollup::executeBlocksCall { blocks: vec![info] }).map(Receipt::discard)
    }

    fn run(&mut self, block: &Block) {
        self.commit(block).expect("commit");
        self.prove(block).expect("prove");
        self.execute(block).expect("execute");
    }

    /// Block 1: deposits creating the fee account and the wallets' accounts (10 ETH and 10 T1
    /// each); block 2: the wallets set their keys (EIP-191, EIP-712, on-chain fact).
    fn with_accounts(&mut self) {
        self.deposit_eth(STRANGER, FEE_ADDRESS, 1);
        for w in self.wallets.clone() {
            self.deposit_eth(w.address, w.address, 10 * UNIT);
            self.deposit_t1(w.address, w.address, 10 * UNIT);
        }
        // Capacity 16 holds 4 deposits a block.
        while !self.queue.is_empty() {
            let b = self.block(vec![]);
            self.run(&b);
        }
        let mut txs = Vec::new();
        let kinds = [AuthKind::Ecdsa, AuthKind::Eip712, AuthKind::Onchain];
        for (w, kind) in self.wallets.iter_mut().zip(kinds) {
            w.account_id = self.state.account_id_by_address(&w.address).expect("account");
            txs.push(w.change_pubkey(kind, ETH, 0).expect("sign"));
        }
        let w2 = self.wallets[2].clone();
        self.send(
            w2.address,
            &Rollup::setAuthPubkeyHashCall { pubKeyHash: w2.pubkey_hash().0.into(), nonce: 0 },
        )
        .expect("fact");
        let facts: std::collections::BTreeSet<_> =
            [(w2.address, w2.pubkey_hash(), 0u32)].into_iter().collect();
        let items: Vec<TxItem> = txs.into_iter().map(TxItem::Single).collect();
        self.built += 1;
        let params = self.params(self.built);
        let built = build_block(self.state.clone(), &params, &[], &items, &facts).expect("block");
        assert_eq!(built.rejected, vec![]);
        self.state = built.state;
        self.run(&built.block);
    }
}

/// Sets FullExitNFT's success flag (bit 684: byte 85, mask 0x08) if the operation served the
/// request: its NFT identity (creator id, creator address, serial, content hash; bytes 26 to
/// 85) is not all zero, as the native codec writes it today for an unserved request.
fn set_success_flag(op: &mut [u8]) {
    let identity = op[26..86].iter().enumerate().any(|(i, b)| {
        let mask = match i {
            0 => 0x0f,  // byte 26: the low nibble is the creator id's top bits
            59 => 0xf0, // byte 85: the content hash's last four bits, then the flag
            _ => 0xff,
        };
        b & mask != 0
    });
    if identity {
        op[85] |= 0x08;
    }
}

fn write_flag(op: &mut [u8], flag: Flag) {
    match flag {
        Flag::Served => set_success_flag(op),
        Flag::Always => op[85] |= 0x08,
        Flag::Never => op[85] &= !0x08,
    }
}

/// The rollup's constructor arguments: one capacity (`CAPACITY`), with `verifier` for blocks
/// and both exits.
fn constructor(genesis: Fr, verifier: Address, expiration: u64) -> Rollup::constructorCall {
    Rollup::constructorCall {
        governor_: GOV,
        genesisStateRoot: tern_contracts::rollup::root_bytes(&genesis),
        capacities: vec![CAPACITY as u32],
        blockVerifiers: vec![verifier],
        exitVerifier_: verifier,
        nftExitVerifier_: verifier,
        priorityExpiration_: expiration,
    }
}

fn mock_proof(input: U256) -> [U256; 8] {
    let mut p = [U256::ZERO; 8];
    p[0] = input;
    p
}

fn events<E: SolEvent>(r: &Receipt<impl Sized>) -> Vec<E> {
    r.logs.iter().filter_map(|l| E::decode_log(l).ok().map(|l| l.data)).collect()
}

// ---------------------------------------------------------------------------------------
// Governance
// ---------------------------------------------------------------------------------------

/// The canonical type of an ABI JSON parameter (tuples expanded), for selectors.
fn abi_type(param: &serde_json::Value) -> String {
    let ty = param["type"].as_str().expect("type");
    match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let inner: Vec<String> =
                param["components"].as_array().expect("components").iter().map(abi_type).collect();
            format!("({}){suffix}", inner.join(","))
        }
        None => ty.to_owned(),
    }
}

/// `(name, selector)` of every state-changing function in the rollup's ABI.
fn state_changing_functions() -> Vec<(String, [u8; 4])> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/Rollup.json");
    let artifact: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("artifact")).expect("JSON");
    artifact["abi"]
        .as_array()
        .expect("abi")
        .iter()
        .filter(|f| f["type"] == "function")
        .filter(|f| f["stateMutability"] != "view" && f["stateMutability"] != "pure")
        .map(|f| {
            let name = f["name"].as_str().expect("name").to_owned();
            let inputs: Vec<String> =
                f["inputs"].as_array().expect("inputs").iter().map(abi_type).collect();
            let sig = format!("{name}({})", inputs.join(","));
            let hash = alloy_primitives::keccak256(sig.as_bytes());
            (name, [hash[0], hash[1], hash[2], hash[3]])
        })
        .collect()
}

/// Walks every function of the rollup restricted to the governor. It finds them by calling
/// every state-changing function of the ABI from a stranger with all-zero arguments: exactly
/// those that answer `NotGovernor` are the governor's. The setters of verifiers, exit verifiers
/// and the NFT factory are gone from the ABI; what remains lists tokens, pauses deposits,
/// appoints validators and hands the role over, and none of it changes a verifier, an exit
/// verifier, the factory or where a pending balance is paid.
#[test]
fn every_governance_function_is_walked_and_none_moves_funds_or_proofs() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let functions = state_changing_functions();
    let names: Vec<&str> = functions.iter().map(|(n, _)| n.as_str()).collect();
    for gone in ["setVerifier", "setNftFactory", "setNftExitVerifier", "transferGovernance"] {
        assert!(!names.contains(&gone), "{gone} must not exist: {names:?}");
    }
    let mut governed = Vec::new();
    for (name, selector) in &functions {
        let mut data = selector.to_vec();
        data.extend_from_slice(&[0u8; 32 * 24]);
        let r = fx.evm.transact_raw(STRANGER, fx.rollup, U256::ZERO, data.into());
        if let Err(e) = r {
            if matches!(e.decode_revert::<RollupErrors>(), Some(RollupErrors::NotGovernor(_))) {
                governed.push(name.as_str());
            }
        }
    }
    governed.sort_unstable();
    assert_eq!(governed, ["addToken", "proposeGovernor", "setDepositsPaused", "setValidator"]);

    // A user with a pending balance, and everything a proof or a payout depends on.
    let owner = fx.wallets[0].address;
    credit_eth(&mut fx, owner, UNIT);
    let fixed = |fx: &mut Fx| {
        (
            fx.view(&Rollup::verifiersCall(CAPACITY as u32)),
            fx.view(&Rollup::blockKeyHashesCall(CAPACITY as u32)),
            fx.view(&Rollup::exitVerifierCall {}),
            fx.view(&Rollup::nftExitVerifierCall {}),
            fx.view(&Rollup::exitKeyHashCall {}),
            fx.view(&Rollup::nftExitKeyHashCall {}),
            fx.view(&Rollup::nftFactoryCall {}),
            fx.view(&Rollup::exodusModuleCall {}),
            fx.view(&Rollup::pendingBalancesCall { _0: owner, _1: 0 }),
        )
    };
    let before = fixed(&mut fx);
    assert_eq!(before.0, fx.verifier);
    assert_eq!(before.8, UNIT);

    // addToken: lists a token at the next id; no token can be listed twice or at address 0.
    let token2 = fx.evm.deploy(GOV, TestERC20::BYTECODE.clone()).expect("token").0;
    let r = fx.gov(&Rollup::addTokenCall { token: token2 }).expect("list");
    assert_eq!(r.ret, 2);
    let e = fx.gov(&Rollup::addTokenCall { token: token2 }).expect_err("twice");
    assert!(matches!(err(e), RollupErrors::TokenAlreadyListed(_)));
    let e = fx.gov(&Rollup::addTokenCall { token: Address::ZERO }).expect_err("zero");
    assert!(matches!(err(e), RollupErrors::ZeroAddress(_)));
    assert!(matches!(
        err(fx.view_err(&Rollup::tokenIdOfCall { token: STRANGER })),
        RollupErrors::TokenNotListed(_)
    ));
    assert_eq!(fx.view(&Rollup::tokenIdOfCall { token: token2 }), 2);
    // setDepositsPaused: deposits only; withdrawals of the paused token go on.
    let r = fx.gov(&Rollup::setDepositsPausedCall { id: 0, paused: true }).expect("pause");
    assert!(events::<Rollup::DepositPauseSet>(&r)[0].paused);
    let e = fx.gov(&Rollup::setDepositsPausedCall { id: 3, paused: true }).expect_err("unknown");
    assert!(matches!(err(e), RollupErrors::UnknownTokenId(_)));
    // setValidator: the governor may appoint itself; a validator can commit blocks, never
    // prove one (proofs verify against the fixed verifiers) nor execute what is not proven.
    let r = fx.gov(&Rollup::setValidatorCall { validator: GOV, active: true }).expect("appoint");
    assert_eq!(events::<Rollup::ValidatorSet>(&r)[0].validator, GOV);
    // proposeGovernor / acceptGovernance: two steps.
    let r = fx.gov(&Rollup::proposeGovernorCall { newGovernor: STRANGER }).expect("propose");
    assert_eq!(events::<Rollup::GovernorProposed>(&r)[0].governor, STRANGER);
    assert_eq!(fx.view(&Rollup::governorCall {}), GOV, "not before it is accepted");
    let e = fx.send(VALIDATOR, &Rollup::acceptGovernanceCall {}).expect_err("not proposed");
    assert!(matches!(err(e), RollupErrors::NotPendingGovernor(_)));
    let r = fx.send(STRANGER, &Rollup::acceptGovernanceCall {}).expect("accept");
    assert_eq!(events::<Rollup::GovernorChanged>(&r)[0].governor, STRANGER);
    assert_eq!(fx.view(&Rollup::governorCall {}), STRANGER);
    assert_eq!(fx.view(&Rollup::pendingGovernorCall {}), Address::ZERO);
    let e = fx.gov(&Rollup::setValidatorCall { validator: GOV, active: true }).expect_err("old");
    assert!(matches!(err(e), RollupErrors::NotGovernor(_)));
    let e = fx.send(STRANGER, &Rollup::acceptGovernanceCall {}).expect_err("once");
    assert!(matches!(err(e), RollupErrors::NotPendingGovernor(_)));

    // Nothing a proof or a payout depends on moved, and the owner is still paid.
    assert_eq!(fixed(&mut fx), before);
    let paid = fx.evm.balance(owner);
    fx.send(GOV, &Rollup::withdrawPendingBalanceCall { owner, tokenId: 0, amount: UNIT })
        .expect("anyone claims for the owner");
    assert_eq!(fx.evm.balance(owner) - paid, U256::from(UNIT), "to the owner, whoever calls");
}

#[test]
fn token_list_is_capped_at_1024() {
    let mut fx = Fx::new();
    // Ids 0 (ETH) and 1 are taken; list up to 1023.
    for i in 2..1024u64 {
        let fake = Address::left_padding_from(&(0x1000_0000u64 + i).to_be_bytes());
        let id = fx.gov(&Rollup::addTokenCall { token: fake }).expect("list").ret;
        assert_eq!(u64::from(id), i);
    }
    let one_more = Address::left_padding_from(&0x2000_0000u64.to_be_bytes());
    assert!(matches!(
        err(fx.gov(&Rollup::addTokenCall { token: one_more }).expect_err("full")),
        RollupErrors::TooManyTokens(_)
    ));
}

impl Fx {
    fn view_err<C: SolCall>(&mut self, call: &C) -> EvmError {
        match self.evm.call(STRANGER, self.rollup, call) {
            Ok(_) => panic!("the call must revert"),
            Err(e) => e,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Deposits and the priority queue
// ---------------------------------------------------------------------------------------

#[test]
fn deposits_queue_priority_requests() {
    let mut fx = Fx::new();
    let a = fx.wallets[0].address;
    let r = fx.deposit_eth(a, a, 5 * UNIT);
    let ev = &events::<Rollup::NewPriorityRequest>(&r)[0];
    assert_eq!((ev.serialId, ev.opType, ev.sender), (0, 1, a));
    assert_eq!(ev.expiration, fx.evm.timestamp() + EXPIRATION);
    // data = opcode ‖ token (2) ‖ amount (16) ‖ to (20)
    let mut data = vec![1u8, 0, 0];
    data.extend_from_slice(&(5 * UNIT).to_be_bytes());
    data.extend_from_slice(a.as_slice());
    assert_eq!(ev.data, Bytes::from(data));
    println!("depositETH gas: {}", r.gas_used);
    let r = fx.deposit_t1(a, a, 7);
    println!("depositERC20 gas: {}", r.gas_used);
    assert_eq!(fx.view(&Rollup::totalOpenPriorityRequestsCall {}), 2);
    assert_eq!(fx.evm.balance(fx.rollup), U256::from(5 * UNIT));
    assert_eq!(fx.view(&Rollup::tokenReservesCall(1)), U256::from(7));
    assert_eq!(fx.view(&Rollup::tokenReservesCall(0)), U256::from(5 * UNIT));
    // The whole 32-byte hash of the request's data is stored.
    let stored = fx.view(&Rollup::priorityRequestsCall(0));
    assert_eq!(stored.hashedData, alloy_primitives::keccak256(&ev.data));
}

/// The deposit cap bounds what is outstanding (deposited less paid out), not what was ever
/// deposited: a token that reached the cap takes deposits again once withdrawals paid out.
#[test]
fn the_deposit_cap_is_on_what_is_outstanding() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let w0 = fx.wallets[0].clone();
    fx.evm.set_balance(w0.address, U256::MAX >> 1);
    let outstanding = fx.view(&Rollup::tokenReservesCall(0)).to::<u128>();
    let room = u128::MAX - outstanding;
    fx.deposit_eth(w0.address, w0.address, room);
    assert_eq!(fx.view(&Rollup::tokenReservesCall(0)), U256::from(u128::MAX));
    let e = fx
        .evm
        .transact(w0.address, fx.rollup, U256::from(1), &Rollup::depositETHCall { to: w0.address })
        .expect_err("at the cap");
    assert!(matches!(err(e), RollupErrors::DepositCapExceeded(_)));
    let b = fx.block(vec![]);
    fx.run(&b);
    // The deposit leaves L2 again and is paid out.
    let tx = fx.wallets[0].withdraw(w0.address, ETH, room, 0).expect("sign");
    let b = fx.block(vec![tx]);
    fx.run(&b);
    let call = Rollup::withdrawPendingBalanceCall { owner: w0.address, tokenId: 0, amount: room };
    fx.send(STRANGER, &call).expect("paid out");
    assert_eq!(fx.view(&Rollup::tokenReservesCall(0)), U256::from(outstanding));
    // A lifetime cap would refuse this; the outstanding one takes it.
    fx.deposit_eth(w0.address, w0.address, room);
    assert_eq!(fx.view(&Rollup::tokenReservesCall(0)), U256::from(u128::MAX));
}

#[test]
fn deposit_reverts() {
    let mut fx = Fx::new();
    let a = fx.wallets[0].address;
    let token = fx.token;
    let e = fx
        .evm
        .transact(a, fx.rollup, U256::ZERO, &Rollup::depositETHCall { to: a })
        .expect_err("zero");
    assert!(matches!(err(e), RollupErrors::ZeroAmount(_)));
    let e = fx
        .evm
        .transact(a, fx.rollup, U256::from(1), &Rollup::depositETHCall { to: Address::ZERO })
        .expect_err("zero address");
    assert!(matches!(err(e), RollupErrors::ZeroAddress(_)));
    let e = fx.send(a, &Rollup::depositERC20Call { token, amount: 0, to: a }).expect_err("0");
    assert!(matches!(err(e), RollupErrors::ZeroAmount(_)));
    // Unlisted token, and ETH's address 0 through depositERC20.
    let (unlisted, _) = fx.evm.deploy(GOV, TestERC20::BYTECODE.clone()).expect("deploy");
    let e =
        fx.send(a, &Rollup::depositERC20Call { token: unlisted, amount: 1, to: a }).expect_err("x");
    assert!(matches!(err(e), RollupErrors::TokenNotListed(_)));
    let e = fx
        .send(a, &Rollup::depositERC20Call { token: Address::ZERO, amount: 1, to: a })
        .expect_err("eth");
    assert!(matches!(err(e), RollupErrors::TokenNotListed(_)));
    // Paused deposits, per token.
    fx.gov(&Rollup::setDepositsPausedCall { id: 1, paused: true }).expect("pause");
    let e = fx.send(a, &Rollup::depositERC20Call { token, amount: 1, to: a }).expect_err("paused");
    assert!(matches!(err(e), RollupErrors::DepositsPaused(_)));
    fx.deposit_eth(a, a, 1); // ETH is not paused
    fx.gov(&Rollup::setDepositsPausedCall { id: 0, paused: true }).expect("pause");
    let e = fx
        .evm
        .transact(a, fx.rollup, U256::from(1), &Rollup::depositETHCall { to: a })
        .expect_err("paused");
    assert!(matches!(err(e), RollupErrors::DepositsPaused(_)));
    fx.gov(&Rollup::setDepositsPausedCall { id: 1, paused: false }).expect("unpause");
    fx.deposit_t1(a, a, 1);
    // A token whose transferFrom returns false.
    let (bad, _) = fx.evm.deploy(GOV, FalseReturningERC20::BYTECODE.clone()).expect("deploy");
    fx.gov(&Rollup::addTokenCall { token: bad }).expect("list");
    let e = fx.send(a, &Rollup::depositERC20Call { token: bad, amount: 1, to: a }).expect_err("f");
    assert!(matches!(err(e), RollupErrors::TokenTransferFailed(_)));
    // The cap of 2^128 - 1 outstanding per token.
    fx.mint(a, u128::MAX);
    let e =
        fx.send(a, &Rollup::depositERC20Call { token, amount: u128::MAX, to: a }).expect_err("cap");
    assert!(matches!(err(e), RollupErrors::DepositCapExceeded(_)));
}

#[test]
fn fee_on_transfer_tokens_credit_what_arrived() {
    let mut fx = Fx::new();
    let a = fx.wallets[0].address;
    let (fot, _) = fx.evm.deploy(GOV, FeeOnTransferERC20::BYTECODE.clone()).expect("deploy");
    let id = fx.gov(&Rollup::addTokenCall { token: fot }).expect("list").ret;
    fx.evm
        .transact(GOV, fot, U256::ZERO, &TestERC20::mintCall { to: a, amount: U256::from(1000) })
        .expect("mint");
    fx.evm
        .transact(
            a,
            fot,
            U256::ZERO,
            &TestERC20::approveCall { spender: fx.rollup, amount: U256::MAX },
        )
        .expect("approve");
    let r = fx.send(a, &Rollup::depositERC20Call { token: fot, amount: 1000, to: a }).expect("ok");
    let ev = &events::<Rollup::NewPriorityRequest>(&r)[0];
    // 1% burnt on the way: the request carries 990, what the rollup holds.
    assert_eq!(u128::from_be_bytes(ev.data[3..19].try_into().expect("16 bytes")), 990);
    assert_eq!(u16::from_be_bytes([ev.data[1], ev.data[2]]), id);
    assert_eq!(fx.view(&Rollup::tokenReservesCall(id)), U256::from(990));
}

/// Lists `token` (deployed by the test), mints `amount` to `owner` and approves the rollup.
fn list_and_fund(fx: &mut Fx, token: Address, owner: Address, amount: u128) -> u16 {
    let id = fx.gov(&Rollup::addTokenCall { token }).expect("list").ret;
    fx.evm
        .transact(
            GOV,
            token,
            U256::ZERO,
            &TestERC20::mintCall { to: owner, amount: U256::from(amount) },
        )
        .expect("mint");
    fx.evm
        .transact(
            owner,
            token,
            U256::ZERO,
            &TestERC20::approveCall { spender: fx.rollup, amount: U256::MAX },
        )
        .expect("approve");
    id
}

#[test]
fn a_token_that_moves_nothing_is_refused() {
    let mut fx = Fx::new();
    let a = fx.wallets[0].address;
    let (noop, _) = fx.evm.deploy(GOV, NoopERC20::BYTECODE.clone()).expect("deploy");
    let id = list_and_fund(&mut fx, noop, a, 1000);
    let e =
        fx.send(a, &Rollup::depositERC20Call { token: noop, amount: 1000, to: a }).expect_err("0");
    assert!(matches!(err(e), RollupErrors::NothingReceived(_)));
    assert_eq!(fx.view(&Rollup::totalOpenPriorityRequestsCall {}), 0);
    assert_eq!(fx.view(&Rollup::tokenReservesCall(id)), U256::ZERO);
}

#[test]
fn rebasing_tokens_are_refused_once_their_balance_shrinks() {
    let mut fx = Fx::new();
    let a = fx.wallets[0].address;
    let (reb, _) = fx.evm.deploy(GOV, RebasingERC20::BYTECODE.clone()).expect("deploy");
    let id = list_and_fund(&mut fx, reb, a, 10_000);
    let deposit = Rollup::depositERC20Call { token: reb, amount: 1000, to: a };
    fx.send(a, &deposit).expect("deposit");
    assert_eq!(fx.view(&Rollup::tokenReservesCall(id)), U256::from(1000));
    let scale = |fx: &mut Fx, per_mille: u64| {
        let call = RebasingERC20::rebaseCall {
            newScale: U256::from(per_mille) * U256::from(10u64.pow(15)),
        };
        fx.evm.transact(GOV, reb, U256::ZERO, &call).expect("rebase");
    };
    // Up 25%: the surplus is nobody's, and deposits still credit exactly what arrived.
    scale(&mut fx, 1250);
    let r = fx.send(a, &deposit).expect("deposit after an upward rebase");
    let ev = &events::<Rollup::NewPriorityRequest>(&r)[0];
    assert_eq!(u128::from_be_bytes(ev.data[3..19].try_into().expect("16 bytes")), 1000);
    assert_eq!(fx.view(&Rollup::tokenReservesCall(id)), U256::from(2000));
    // Down to half: the contract holds 900 against 2,000 owed, and new deposits are refused
    // with both figures, leaving the queue as it was.
    scale(&mut fx, 500);
    let queued = fx.view(&Rollup::totalOpenPriorityRequestsCall {});
    let e = fx.send(a, &deposit).expect_err("shrunk");
    match err(e) {
        RollupErrors::TokenBalanceShrank(x) => {
            assert_eq!((x.token, x.owed, x.held), (reb, U256::from(2000), U256::from(900)));
        }
        other => panic!("expected TokenBalanceShrank, got {other:?}"),
    }
    assert_eq!(fx.view(&Rollup::totalOpenPriorityRequestsCall {}), queued);
    assert_eq!(fx.view(&Rollup::tokenReservesCall(id)), U256::from(2000));
}

#[test]
fn full_exit_request_reverts() {
    let mut fx = Fx::new();
    let e = fx
        .send(STRANGER, &Rollup::requestFullExitCall { accountId: 1 << 24, tokenId: 0 })
        .expect_err("id");
    assert!(matches!(err(e), RollupErrors::AccountIdOutOfRange(_)));
    let e = fx
        .send(STRANGER, &Rollup::requestFullExitCall { accountId: 1, tokenId: 2 })
        .expect_err("t");
    assert!(matches!(err(e), RollupErrors::UnknownTokenId(_)));
    let e = fx
        .send(STRANGER, &Rollup::requestFullExitNFTCall { accountId: 1 << 24, nftId: 0 })
        .expect_err("id");
    assert!(matches!(err(e), RollupErrors::AccountIdOutOfRange(_)));
    let e = fx
        .send(STRANGER, &Rollup::requestFullExitNFTCall { accountId: 1, nftId: 1 << 24 })
        .expect_err("nft");
    assert!(matches!(err(e), RollupErrors::NftIdOutOfRange(_)));
    let r =
        fx.send(STRANGER, &Rollup::requestFullExitNFTCall { accountId: 1, nftId: 5 }).expect("ok");
    assert_eq!(r.logs.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------------------

#[test]
fn commitment_matches_native_byte_for_byte() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let (a, b) = (fx.wallets[0].address, fx.wallets[1].address);
    let txs = vec![
        fx.wallets[0].transfer(b, ETH, UNIT, 1_000).expect("sign"),
        fx.wallets[1].withdraw(a, fx.t1, UNIT / 3, 0).expect("sign"),
    ];
    let block = fx.block(txs);
    let args = commit_block_info(&block).expect("args");
    let got = fx.view(&Rollup::blockCommitmentCall {
        blockNumber: block.header.number,
        feeAccount: block.header.fee_account.0,
        oldRoot: tern_contracts::rollup::root_bytes(&block.header.old_root),
        newRoot: tern_contracts::rollup::root_bytes(&block.header.new_root),
        timestamp: block.header.timestamp,
        bitmap: block.onchain_bitmap().into(),
        pubdata: args.pubdata.clone(),
    });
    assert_eq!(got.0, block.commitment().expect("native"));
    let r = fx.commit(&block).expect("commit");
    let ev = &events::<Rollup::BlockCommit>(&r)[0];
    assert_eq!(ev.commitment.0, block.commitment().expect("native"));
    let stored = fx.view(&Rollup::storedBlockHashesCall(block.header.number));
    assert_eq!(stored, hash_stored_block_info(&stored_block_info(&block).expect("info")));
    println!("commitBlocks gas (2 transfers-worth, capacity {CAPACITY}): {}", r.gas_used);
}

#[test]
fn the_commitment_binds_the_onchain_operations() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let a = fx.wallets[0].address;
    let txs = vec![fx.wallets[1].withdraw(a, fx.t1, UNIT / 3, 0).expect("sign")];
    let block = fx.block(txs);
    let honest = block.commitment().expect("native");
    let mut info = commit_block_info(&block).expect("args");
    assert_eq!(info.onchainOps, vec![0], "the withdrawal starts the block");
    // An operator hiding the withdrawal from L1: the contract cannot tell by itself, but the
    // commitment it stores (and a proof must match) is no longer the block's.
    info.onchainOps.clear();
    let call = Rollup::commitBlocksCall { lastCommitted: fx.last.clone(), newBlocks: vec![info] };
    let r = fx.send(VALIDATOR, &call).expect("committed");
    assert_ne!(events::<Rollup::BlockCommit>(&r)[0].commitment.0, honest);
}

#[test]
fn full_lifecycle_deposit_to_withdrawal() {
    let mut fx = Fx::new();
    fx.with_accounts();
    assert_eq!(fx.view(&Rollup::totalBlocksExecutedCall {}), 3);
    assert_eq!(fx.view(&Rollup::firstPriorityRequestIdCall {}), 7);
    assert_eq!(fx.view(&Rollup::totalOpenPriorityRequestsCall {}), 0);
    let root = fx.state.root();
    assert_eq!(
        fx.view(&Rollup::lastExecutedStateRootCall {}),
        tern_contracts::rollup::root_bytes(&root)
    );

    // Withdraw ETH and T1, a forced exit is not possible (all have keys); a full exit request.
    let (a, b) = (fx.wallets[0].address, fx.wallets[1].address);
    let a_id = fx.wallets[0].account_id;
    fx.send(a, &Rollup::requestFullExitCall { accountId: a_id.0, tokenId: 1 }).expect("full exit");
    fx.queue.push(PriorityOp::FullExit { account_id: a_id, owner: a, token: fx.t1 });
    let txs = vec![
        fx.wallets[0].withdraw(b, ETH, 2 * UNIT, 0).expect("sign"),
        fx.wallets[1].withdraw(b, fx.t1, 3 * UNIT, 0).expect("sign"),
    ];
    let block = fx.block(txs);
    let c = fx.commit(&block).expect("commit");
    let p = fx.prove(&block).expect("prove");
    let e = fx.execute(&block).expect("execute");
    println!("commit {} / prove {} / execute {} gas", c.gas_used, p.gas_used, e.gas_used);
    let credited = events::<Rollup::PendingBalanceCredited>(&e);
    assert_eq!(credited.len(), 3);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: b, _1: 0 }), 2 * UNIT);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: b, _1: 1 }), 3 * UNIT);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: a, _1: 1 }), 10 * UNIT);

    // Claim: ETH to b (by anyone), T1 to a.
    let before = fx.evm.balance(b);
    let r = fx
        .send(
            STRANGER,
            &Rollup::withdrawPendingBalanceCall { owner: b, tokenId: 0, amount: 2 * UNIT },
        )
        .expect("withdraw ETH");
    assert_eq!(fx.evm.balance(b) - before, U256::from(2 * UNIT));
    assert_eq!(events::<Rollup::Withdrawal>(&r)[0].amount, 2 * UNIT);
    let bal = |fx: &mut Fx, who: Address| {
        let token = fx.token;
        fx.evm.call(STRANGER, token, &TestERC20::balanceOfCall(who)).expect("bal").ret
    };
    let before = bal(&mut fx, a);
    let owed = fx.view(&Rollup::tokenReservesCall(1));
    assert_eq!(owed, U256::from(30 * UNIT), "three wallets deposited 10 T1 each");
    fx.send(a, &Rollup::withdrawPendingBalanceCall { owner: a, tokenId: 1, amount: 10 * UNIT })
        .expect("withdraw T1");
    assert_eq!(bal(&mut fx, a) - before, U256::from(10 * UNIT));
    assert_eq!(fx.view(&Rollup::tokenReservesCall(1)), owed - U256::from(10 * UNIT));
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: a, _1: 1 }), 0);
    // Nothing left: the second claim reverts.
    let e = fx
        .send(a, &Rollup::withdrawPendingBalanceCall { owner: a, tokenId: 1, amount: 1 })
        .expect_err("empty");
    assert!(matches!(err(e), RollupErrors::InsufficientPendingBalance(_)));
    let e = fx
        .send(a, &Rollup::withdrawPendingBalanceCall { owner: a, tokenId: 1, amount: 0 })
        .expect_err("zero");
    assert!(matches!(err(e), RollupErrors::ZeroAmount(_)));
}

/// Lists chunk `chunk` among the block's onchain operations (kept in order).
fn mark(b: &mut Rollup::CommitBlockInfo, chunk: u32) {
    b.onchainOps.push(chunk);
    b.onchainOps.sort_unstable();
}

/// Commits `block` with `edit` applied to its arguments; returns the revert.
fn commit_err(
    fx: &mut Fx,
    block: &Block,
    edit: impl FnOnce(&mut StoredBlockInfo, &mut Rollup::CommitBlockInfo),
) -> RollupErrors {
    let mut last = fx.last.clone();
    let mut info = commit_block_info(block).expect("args");
    edit(&mut last, &mut info);
    let call = Rollup::commitBlocksCall { lastCommitted: last, newBlocks: vec![info] };
    err(fx.send(VALIDATOR, &call).expect_err("commit must revert"))
}

#[test]
fn commit_reverts() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let a = fx.wallets[0].address;
    fx.deposit_eth(a, a, UNIT);
    let block = fx.block(vec![]);
    let e = err(fx
        .send(
            STRANGER,
            &Rollup::commitBlocksCall {
                lastCommitted: fx.last.clone(),
                newBlocks: vec![commit_block_info(&block).expect("args")],
            },
        )
        .expect_err("not validator"));
    assert!(matches!(e, RollupErrors::NotValidator(_)));
    let ts = fx.evm.timestamp();
    macro_rules! case {
        ($edit:expr, $pat:pat) => {{
            let e = commit_err(&mut fx, &block, $edit);
            assert!(matches!(e, $pat), "{e:?}");
        }};
    }
    case!(|l, _| l.stateRoot.0[31] ^= 1, RollupErrors::StoredBlockMismatch(_));
    case!(|_, b| b.blockNumber += 1, RollupErrors::WrongBlockNumber(_));
    case!(
        |l, b| {
            // A previous block "from the future": needs a matching stored hash, so the check
            // order makes this the timestamp check only if the stored info matched; emulate by
            // moving the new block before the previous block's timestamp.
            let _ = l;
            b.timestamp = 0;
        },
        RollupErrors::TimestampBeforePrevious(_) | RollupErrors::TimestampOutOfBounds(_)
    );
    case!(|_, b| b.timestamp = ts + 16 * 60, RollupErrors::TimestampOutOfBounds(_));
    case!(|_, b| b.pubdata = Bytes::from(vec![0u8; 12]), RollupErrors::PubdataNotChunkAligned(_));
    case!(|_, b| b.pubdata = Bytes::new(), RollupErrors::PubdataNotChunkAligned(_));
    case!(|_, b| b.pubdata = Bytes::from(vec![0u8; 13 * 8]), RollupErrors::UnsupportedCapacity(_));
    // The onchain operations' first chunks: in order, each after the one before, in range.
    case!(|_, b| b.onchainOps = vec![0, 0], RollupErrors::OnchainOpsUnordered(_));
    case!(|_, b| b.onchainOps = vec![0, 2], RollupErrors::OnchainOpsUnordered(_));
    case!(|_, b| b.onchainOps = vec![0, 16], RollupErrors::OperationOutOfBounds(_));
    // The deposit's amount differs from the queued request.
    case!(
        |_, b| {
            let mut p = b.pubdata.to_vec();
            p[19] ^= 1;
            b.pubdata = p.into();
        },
        RollupErrors::PriorityOpMismatch(_)
    );
    // A second deposit the queue does not hold (the bitmap marks chunk 4 as a deposit).
    case!(
        |_, b| {
            let mut p = b.pubdata.to_vec();
            let first: Vec<u8> = p[..52].to_vec();
            p[52..104].copy_from_slice(&first);
            b.pubdata = p.into();
            mark(b, 4);
        },
        RollupErrors::PriorityQueueExhausted(_)
    );
    // A marked chunk that holds a Noop, and an operation that runs past the end.
    case!(
        |_, b| {
            mark(b, 8);
        },
        RollupErrors::UnexpectedOnchainOp(_)
    );
    case!(
        |_, b| {
            let mut p = b.pubdata.to_vec();
            p[13 * 15] = 0x10; // a deposit opcode in the last chunk
            b.pubdata = p.into();
            mark(b, 15);
        },
        RollupErrors::OperationOutOfBounds(_)
    );
    case!(
        |_, b| b.changePubKeyAuth.push(Bytes::from(vec![1u8])),
        RollupErrors::ChangePubKeyAuthUnused(_)
    );

    // The honest block commits; committing it again is a stale `lastCommitted`.
    fx.commit(&block).expect("commit");
    let again = commit_err(&mut fx, &block, |l, _| *l = genesis_stored_block_info(&Fr::from(0u64)));
    assert!(matches!(again, RollupErrors::StoredBlockMismatch(_)));
    let e = commit_err(&mut fx, &block, |_, _| {});
    assert!(matches!(e, RollupErrors::WrongBlockNumber(_)));
}

#[test]
fn commit_timestamp_must_not_go_back() {
    let mut fx = Fx::new();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let b1 = fx.block(vec![]);
    fx.commit(&b1).expect("commit");
    fx.evm.advance(1, 100);
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let b2 = fx.block(vec![]);
    let e = commit_err(&mut fx, &b2, |_, b| b.timestamp = b1.header.timestamp - 1);
    assert!(matches!(e, RollupErrors::TimestampBeforePrevious(_)));
    let e = commit_err(&mut fx, &b2, |_, b| b.timestamp = b2.header.timestamp - 24 * 3600 - 1);
    assert!(matches!(
        e,
        RollupErrors::TimestampBeforePrevious(_) | RollupErrors::TimestampOutOfBounds(_)
    ));
    fx.commit(&b2).expect("commit");
}

#[test]
fn change_pubkey_authorisation_reverts() {
    let mut fx = Fx::new();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let a = fx.wallets[0].address;
    fx.deposit_eth(a, a, UNIT);
    let b = fx.block(vec![]);
    fx.run(&b);
    fx.wallets[0].account_id = fx.state.account_id_by_address(&a).expect("account");
    let tx = fx.wallets[0].change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    let block = fx.block(vec![tx]);
    let e = commit_err(&mut fx, &block, |_, b| b.changePubKeyAuth.clear());
    assert!(matches!(e, RollupErrors::ChangePubKeyAuthMissing(_)));
    let e = commit_err(&mut fx, &block, |_, b| b.changePubKeyAuth[0] = Bytes::new());
    assert!(matches!(e, RollupErrors::ChangePubKeyAuthMalformed(_)));
    let e = commit_err(&mut fx, &block, |_, b| b.changePubKeyAuth[0] = Bytes::from(vec![3u8]));
    assert!(matches!(e, RollupErrors::ChangePubKeyAuthMalformed(_)));
    let e = commit_err(&mut fx, &block, |_, b| b.changePubKeyAuth[0] = Bytes::from(vec![0u8, 0]));
    assert!(matches!(e, RollupErrors::ChangePubKeyAuthMalformed(_)));
    let e = commit_err(&mut fx, &block, |_, b| {
        let mut s = b.changePubKeyAuth[0].to_vec();
        s.pop();
        b.changePubKeyAuth[0] = s.into();
    });
    assert!(matches!(e, RollupErrors::ChangePubKeyAuthMalformed(_)));
    // An EIP-191 signature presented as EIP-712, a tampered one, a high-s one, v = 29, and no
    // on-chain fact.
    let flip_kind = |b: &mut Rollup::CommitBlockInfo, f: &dyn Fn(&mut Vec<u8>)| {
        let mut s = b.changePubKeyAuth[0].to_vec();
        f(&mut s);
        b.changePubKeyAuth[0] = s.into();
    };
    for f in [
        &(|s: &mut Vec<u8>| s[0] = 2) as &dyn Fn(&mut Vec<u8>),
        &|s: &mut Vec<u8>| s[10] ^= 1,
        &|s: &mut Vec<u8>| s[65] = 29,
        &|s: &mut Vec<u8>| {
            // high-s twin: s' = n - s, v flipped
            let n = U256::from_str_radix(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
                16,
            )
            .expect("n");
            let sv = U256::from_be_slice(&s[33..65]);
            s[33..65].copy_from_slice(&(n - sv).to_be_bytes::<32>());
            s[65] ^= 27 ^ 28;
        },
        &|s: &mut Vec<u8>| s.truncate(1), /* kind 1 with no signature */
    ] {
        let e = commit_err(&mut fx, &block, |_, b| flip_kind(b, f));
        assert!(
            matches!(
                e,
                RollupErrors::ChangePubKeyAuthInvalid(_)
                    | RollupErrors::ChangePubKeyAuthMalformed(_)
            ),
            "{e:?}"
        );
    }
    let e = commit_err(&mut fx, &block, |_, b| b.changePubKeyAuth[0] = Bytes::from(vec![0u8]));
    assert!(matches!(e, RollupErrors::ChangePubKeyAuthInvalid(_)));
    fx.commit(&block).expect("the honest authorisation commits");
}

#[test]
fn prove_reverts() {
    let mut fx = Fx::new();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let b1 = fx.block(vec![]);
    let stored = stored_block_info(&b1).expect("stored");
    let proof = mock_proof(U256::from_be_bytes(stored.commitment.0));
    let prove = |fx: &mut Fx, blocks: Vec<StoredBlockInfo>, proofs: Vec<[U256; 8]>| {
        err(fx.send(STRANGER, &Rollup::proveBlocksCall { blocks, proofs }).expect_err("reverts"))
    };
    let e = prove(&mut fx, vec![stored.clone()], vec![proof]);
    assert!(matches!(e, RollupErrors::BlockNotCommitted(_)));
    fx.commit(&b1).expect("commit");
    let e = prove(&mut fx, vec![stored.clone()], vec![]);
    assert!(matches!(e, RollupErrors::LengthMismatch(_)));
    let mut wrong = stored.clone();
    wrong.blockNumber = 2;
    let e = prove(&mut fx, vec![wrong], vec![proof]);
    assert!(matches!(e, RollupErrors::WrongBlockNumber(_)));
    let mut wrong = stored.clone();
    wrong.commitment.0[31] ^= 1;
    let e = prove(
        &mut fx,
        vec![wrong.clone()],
        vec![mock_proof(U256::from_be_bytes(wrong.commitment.0))],
    );
    assert!(matches!(e, RollupErrors::StoredBlockMismatch(_)));
    // A forged proof (for another input).
    let e = prove(&mut fx, vec![stored.clone()], vec![mock_proof(U256::from(1))]);
    assert!(matches!(e, RollupErrors::InvalidProof(_)));
    let r = fx.prove(&b1).expect("prove");
    assert_eq!(events::<Rollup::BlockProven>(&r)[0].blockNumber, 1);
    let e = prove(&mut fx, vec![stored], vec![proof]);
    assert!(matches!(e, RollupErrors::WrongBlockNumber(_)));
}

#[test]
fn several_blocks_in_one_call() {
    let mut fx = Fx::new();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let b1 = fx.block(vec![]);
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 2);
    let b2 = fx.block(vec![]);
    let call = Rollup::commitBlocksCall {
        lastCommitted: fx.last.clone(),
        newBlocks: vec![commit_block_info(&b1).expect("1"), commit_block_info(&b2).expect("2")],
    };
    let r = fx.send(VALIDATOR, &call).expect("commit two");
    assert_eq!(events::<Rollup::BlockCommit>(&r).len(), 2);
    let stored: Vec<_> = [&b1, &b2].iter().map(|b| stored_block_info(b).expect("s")).collect();
    let proofs = stored.iter().map(|s| mock_proof(U256::from_be_bytes(s.commitment.0))).collect();
    fx.send(STRANGER, &Rollup::proveBlocksCall { blocks: stored, proofs }).expect("prove two");
    let infos = vec![execute_block_info(&b1).expect("1"), execute_block_info(&b2).expect("2")];
    let r = fx.send(STRANGER, &Rollup::executeBlocksCall { blocks: infos }).expect("execute two");
    assert_eq!(events::<Rollup::BlockExecuted>(&r).len(), 2);
    assert_eq!(fx.view(&Rollup::firstPriorityRequestIdCall {}), 2);
}

/// `commitProveExecute` for `block` on top of `fx.last`, from `from`, with `edit` applied to
/// its arguments.
fn one_call(
    fx: &mut Fx,
    from: Address,
    block: &Block,
    edit: impl FnOnce(&mut Rollup::commitProveExecuteCall),
) -> Result<Receipt<()>, EvmError> {
    let stored = stored_block_info(block).expect("stored");
    let mut call = Rollup::commitProveExecuteCall {
        lastCommitted: fx.last.clone(),
        newBlock: commit_block_info(block).expect("args"),
        proof: mock_proof(U256::from_be_bytes(stored.commitment.0)),
        pendingOnchainOps: pending_onchain_ops(block).expect("ops"),
    };
    edit(&mut call);
    fx.send(from, &call).map(Receipt::discard)
}

#[test]
fn commit_prove_execute_lands_a_block_in_one_call() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let (a, b) = (fx.wallets[0].address, fx.wallets[1].address);
    let a_id = fx.wallets[0].account_id;
    // A deposit and a full exit (matched against the queue at commit) and a withdrawal
    // (executed from the pending operations).
    fx.deposit_eth(a, a, UNIT);
    fx.send(a, &Rollup::requestFullExitCall { accountId: a_id.0, tokenId: 1 }).expect("exit");
    fx.queue.push(PriorityOp::FullExit { account_id: a_id, owner: a, token: fx.t1 });
    let withdraw = fx.wallets[0].withdraw(b, ETH, 2 * UNIT, 0).expect("sign");
    let block = fx.block(vec![withdraw]);
    let first = fx.view(&Rollup::firstPriorityRequestIdCall {});
    assert_eq!(fx.view(&Rollup::totalOpenPriorityRequestsCall {}), 2);

    // Refusals, each leaving the chain as it was.
    let refused = |fx: &mut Fx, from, edit: &dyn Fn(&mut Rollup::commitProveExecuteCall)| {
        err(one_call(fx, from, &block, edit).expect_err("must revert"))
    };
    let e = refused(&mut fx, STRANGER, &|_| ());
    assert!(matches!(e, RollupErrors::NotValidator(_)), "{e:?}");
    let e = refused(&mut fx, VALIDATOR, &|c| c.lastCommitted.stateRoot.0[0] ^= 1);
    assert!(matches!(e, RollupErrors::StoredBlockMismatch(_)), "{e:?}");
    let e = refused(&mut fx, VALIDATOR, &|c| c.newBlock.blockNumber += 1);
    assert!(matches!(e, RollupErrors::WrongBlockNumber(_)), "{e:?}");
    let e = refused(&mut fx, VALIDATOR, &|c| {
        c.newBlock.pubdata = c.newBlock.pubdata[1..].to_vec().into()
    });
    assert!(matches!(e, RollupErrors::PubdataNotChunkAligned(_)), "{e:?}");
    // A forged proof: for another input.
    let e = refused(&mut fx, VALIDATOR, &|c| c.proof[0] = U256::from(1));
    assert!(matches!(e, RollupErrors::InvalidProof(_)), "{e:?}");
    let e = refused(&mut fx, VALIDATOR, &|c| c.pendingOnchainOps.clear());
    assert!(matches!(e, RollupErrors::PendingOpsMismatch(_)), "{e:?}");
    for counter in [
        fx.view(&Rollup::totalBlocksCommittedCall {}),
        fx.view(&Rollup::totalBlocksProvenCall {}),
        fx.view(&Rollup::totalBlocksExecutedCall {}),
    ] {
        assert_eq!(counter, 3, "a refused call changes nothing");
    }
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: b, _1: 0 }), 0);

    let r = one_call(&mut fx, VALIDATOR, &block, |_| ()).expect("one call");
    fx.last = stored_block_info(&block).expect("stored");
    println!("commitProveExecute: {} gas", r.gas_used);
    assert_eq!(events::<Rollup::BlockCommit>(&r)[0].blockNumber, 4);
    assert_eq!(events::<Rollup::BlockProven>(&r)[0].blockNumber, 4);
    assert_eq!(events::<Rollup::BlockExecuted>(&r)[0].blockNumber, 4);
    assert_eq!(events::<Rollup::PendingBalanceCredited>(&r).len(), 2);
    for counter in [
        fx.view(&Rollup::totalBlocksCommittedCall {}),
        fx.view(&Rollup::totalBlocksProvenCall {}),
        fx.view(&Rollup::totalBlocksExecutedCall {}),
    ] {
        assert_eq!(counter, 4);
    }
    let root = tern_contracts::rollup::root_bytes(&fx.state.root());
    assert_eq!(fx.view(&Rollup::lastExecutedStateRootCall {}), root);
    assert_eq!(fx.view(&Rollup::firstPriorityRequestIdCall {}), first + 2);
    assert_eq!(fx.view(&Rollup::totalOpenPriorityRequestsCall {}), 0);
    assert_eq!(fx.view(&Rollup::totalCommittedPriorityRequestsCall {}), 0);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: b, _1: 0 }), 2 * UNIT);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: a, _1: 1 }), 10 * UNIT);

    // The three-call path goes on from there; while a committed block waits for its proof,
    // a block cannot be landed in one call.
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let b5 = fx.block(vec![]);
    fx.commit(&b5).expect("commit block 5");
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 2);
    let b6 = fx.block(vec![]);
    let e = err(one_call(&mut fx, VALIDATOR, &b6, |_| ()).expect_err("in flight"));
    assert!(matches!(e, RollupErrors::BlocksInFlight(_)), "{e:?}");
    fx.prove(&b5).expect("prove block 5");
    let e = err(one_call(&mut fx, VALIDATOR, &b6, |_| ()).expect_err("in flight"));
    assert!(matches!(e, RollupErrors::BlocksInFlight(_)), "{e:?}");
    fx.execute(&b5).expect("execute block 5");
    one_call(&mut fx, VALIDATOR, &b6, |_| ()).expect("block 6 in one call");
    assert_eq!(fx.view(&Rollup::totalBlocksExecutedCall {}), 6);
}

#[test]
fn execute_reverts() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let b = fx.wallets[1].address;
    let txs = vec![fx.wallets[0].withdraw(b, ETH, UNIT, 0).expect("sign")];
    let block = fx.block(txs);
    fx.commit(&block).expect("commit");
    let exec = |fx: &mut Fx, info: Rollup::ExecuteBlockInfo| {
        err(fx.send(STRANGER, &Rollup::executeBlocksCall { blocks: vec![info] }).expect_err("r"))
    };
    let info = execute_block_info(&block).expect("info");
    assert!(matches!(exec(&mut fx, info.clone()), RollupErrors::BlockNotProven(_)));
    fx.prove(&block).expect("prove");
    let mut wrong = info.clone();
    wrong.pendingOnchainOps.clear();
    assert!(matches!(exec(&mut fx, wrong), RollupErrors::PendingOpsMismatch(_)));
    let mut wrong = info.clone();
    let mut op = wrong.pendingOnchainOps[0].to_vec();
    op[10] ^= 1; // a different amount
    wrong.pendingOnchainOps[0] = op.into();
    assert!(matches!(exec(&mut fx, wrong), RollupErrors::PendingOpsMismatch(_)));
    let mut wrong = info.clone();
    wrong.storedBlock.stateRoot.0[0] ^= 1;
    assert!(matches!(exec(&mut fx, wrong), RollupErrors::StoredBlockMismatch(_)));
    let mut wrong = info.clone();
    wrong.storedBlock.blockNumber += 1;
    assert!(matches!(exec(&mut fx, wrong), RollupErrors::WrongBlockNumber(_)));
    fx.execute(&block).expect("execute");
    assert!(matches!(exec(&mut fx, info), RollupErrors::WrongBlockNumber(_)));
}

#[test]
fn revert_blocks_returns_requests_to_the_queue() {
    let mut fx = Fx::new();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let b1 = fx.block(vec![]);
    fx.run(&b1);
    let after_b1 = fx.last.clone();
    let state_b1 = fx.state.clone();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 5);
    let queued = fx.queue.clone();
    let b2 = fx.block(vec![]);
    fx.commit(&b2).expect("commit");
    assert_eq!(fx.view(&Rollup::totalCommittedPriorityRequestsCall {}), 1);
    let s2 = stored_block_info(&b2).expect("s2");
    let revert = |fx: &mut Fx, from: Address, blocks: Vec<StoredBlockInfo>| {
        fx.send(from, &Rollup::revertBlocksCall { blocks })
    };
    let e = revert(&mut fx, STRANGER, vec![s2.clone()]).expect_err("not validator");
    assert!(matches!(err(e), RollupErrors::NotValidator(_)));
    let e = revert(&mut fx, VALIDATOR, vec![after_b1.clone()]).expect_err("not last");
    assert!(matches!(err(e), RollupErrors::WrongBlockNumber(_)));
    let mut wrong = s2.clone();
    wrong.stateRoot.0[5] ^= 1;
    let e = revert(&mut fx, VALIDATOR, vec![wrong]).expect_err("mismatch");
    assert!(matches!(err(e), RollupErrors::StoredBlockMismatch(_)));
    let r = revert(&mut fx, VALIDATOR, vec![s2]).expect("revert");
    let ev = &events::<Rollup::BlocksRevert>(&r)[0];
    assert_eq!((ev.totalBlocksExecuted, ev.totalBlocksCommitted), (1, 1));
    assert_eq!(fx.view(&Rollup::totalCommittedPriorityRequestsCall {}), 0);
    // The deposit is served again by a new block 2.
    fx.last = after_b1;
    fx.state = state_b1;
    fx.queue = queued;
    fx.built = 1;
    let b2 = fx.block(vec![]);
    fx.run(&b2);
    // A proven block cannot be reverted.
    let e = revert(&mut fx, VALIDATOR, vec![stored_block_info(&b2).expect("s")]).expect_err("p");
    assert!(matches!(err(e), RollupErrors::BlockAlreadyProven(_)));
}

// ---------------------------------------------------------------------------------------
// Withdrawals: reentrancy
// ---------------------------------------------------------------------------------------

/// Credits `owner` with `amount` ETH through a real withdrawal block.
fn credit_eth(fx: &mut Fx, owner: Address, amount: u128) {
    let tx = fx.wallets[0].withdraw(owner, ETH, amount, 0).expect("sign");
    let block = fx.block(vec![tx]);
    fx.run(&block);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: owner, _1: 0 }), amount);
}

/// A rollup with accounts, and a `ReentrantReceiver` owed 1 ETH on it.
fn attacker_owed_one_eth() -> (Fx, Address) {
    let mut fx = Fx::new();
    fx.with_accounts();
    let args = ReentrantReceiver::constructorCall { rollup_: fx.rollup };
    let (attacker, _) =
        fx.evm.deploy_with(STRANGER, &ReentrantReceiver::BYTECODE, &args).expect("attacker");
    credit_eth(&mut fx, attacker, UNIT);
    (fx, attacker)
}

#[test]
fn reentrant_eth_receiver_gets_nothing() {
    let (mut fx, attacker) = attacker_owed_one_eth();
    let held = fx.evm.balance(fx.rollup);
    let e = fx
        .evm
        .transact(
            STRANGER,
            attacker,
            U256::ZERO,
            &ReentrantReceiver::attackCall { amount_: UNIT / 2 },
        )
        .expect_err("reentrancy fails the transfer");
    assert!(matches!(err(e), RollupErrors::EthTransferFailed(_)));
    assert_eq!(fx.evm.balance(attacker), U256::ZERO);
    assert_eq!(fx.evm.balance(fx.rollup), held);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: attacker, _1: 0 }), UNIT);
}

#[test]
fn reentrant_withdrawal_meets_the_guard() {
    let (mut fx, attacker) = attacker_owed_one_eth();
    // The attacker swallows its re-entry's revert, so the outer withdrawal completes and the
    // guard's error is kept for inspection.
    fx.evm
        .transact(
            STRANGER,
            attacker,
            U256::ZERO,
            &ReentrantReceiver::setSwallowCall { swallow_: true },
        )
        .expect("arm");
    fx.evm
        .transact(
            STRANGER,
            attacker,
            U256::ZERO,
            &ReentrantReceiver::attackCall { amount_: UNIT / 4 },
        )
        .expect("the outer withdrawal goes through");
    let view = |fx: &mut Fx, call: &ReentrantReceiver::lastRevertCall| {
        fx.evm.call(STRANGER, attacker, call).expect("view").ret
    };
    let data = view(&mut fx, &ReentrantReceiver::lastRevertCall {});
    assert_eq!(data.as_ref(), Rollup::Reentrancy {}.abi_encode().as_slice(), "the guard's error");
    let reentries =
        fx.evm.call(STRANGER, attacker, &ReentrantReceiver::reentriesCall {}).expect("v").ret;
    assert_eq!(reentries, U256::from(1));
    // Paid once, not twice.
    assert_eq!(fx.evm.balance(attacker), U256::from(UNIT / 4));
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: attacker, _1: 0 }), UNIT - UNIT / 4);
}

#[test]
fn reentrant_token_is_stopped_by_the_guard() {
    let mut fx = Fx::new();
    // A listed token that re-enters withdrawPendingBalance from transfer().
    let (evil, _) = fx.evm.deploy(GOV, ReentrantERC20::BYTECODE.clone()).expect("deploy");
    let id = fx.gov(&Rollup::addTokenCall { token: evil }).expect("list").ret;
    fx.state.list_token(TokenId(id)).expect("native list");
    let a = fx.wallets[0].address;
    fx.evm
        .transact(GOV, evil, U256::ZERO, &TestERC20::mintCall { to: a, amount: U256::from(100) })
        .expect("mint");
    fx.evm
        .transact(
            a,
            evil,
            U256::ZERO,
            &TestERC20::approveCall { spender: fx.rollup, amount: U256::MAX },
        )
        .expect("approve");
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    fx.send(a, &Rollup::depositERC20Call { token: evil, amount: 100, to: a }).expect("deposit");
    fx.queue.push(PriorityOp::Deposit { token: TokenId(id), amount: 100, to: a });
    let b = fx.block(vec![]);
    fx.run(&b);
    fx.wallets[0].account_id = fx.state.account_id_by_address(&a).expect("account");
    let cpk = fx.wallets[0].change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    let w = fx.wallets[0].withdraw(a, TokenId(id), 100, 0).expect("sign");
    let b = fx.block(vec![cpk, w]);
    fx.run(&b);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: a, _1: id }), 100);
    let payload =
        Rollup::withdrawPendingBalanceCall { owner: a, tokenId: id, amount: 50 }.abi_encode();
    fx.evm
        .transact(
            GOV,
            evil,
            U256::ZERO,
            &ReentrantERC20::armCall { target_: fx.rollup, payload_: payload.into() },
        )
        .expect("arm");
    let e = fx
        .send(a, &Rollup::withdrawPendingBalanceCall { owner: a, tokenId: id, amount: 50 })
        .expect_err("re-entry");
    assert!(matches!(err(e), RollupErrors::TokenTransferFailed(_)));
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: a, _1: id }), 100);
}

// ---------------------------------------------------------------------------------------
// Exodus
// ---------------------------------------------------------------------------------------

#[test]
fn exodus_mode_end_to_end() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let (a, b) = (fx.wallets[0].address, fx.wallets[1].address);
    let (a_id, b_id) = (fx.wallets[0].account_id, fx.wallets[1].account_id);
    let root = fx.state.root();
    let exit_call = |id: AccountId, owner: Address, token: u16, amount: u128, proof| {
        Rollup::performExodusCall { accountId: id.0, owner, tokenId: token, amount, proof }
    };
    // Not in exodus mode yet.
    let e = fx.send(a, &exit_call(a_id, a, 0, 1, [U256::ZERO; 8])).expect_err("not yet");
    assert!(matches!(err(e), RollupErrors::ExodusNotActive(_)));
    let e = fx.send(a, &Rollup::activateExodusModeCall {}).expect_err("nothing queued");
    assert!(matches!(err(e), RollupErrors::NoExpiredPriorityRequest(_)));
    let e = fx
        .send(a, &Rollup::cancelOutstandingDepositsForExodusModeCall { requestsData: vec![] })
        .expect_err("not yet");
    assert!(matches!(err(e), RollupErrors::ExodusNotActive(_)));

    // The operator stops: a full exit and two deposits stay unserved.
    fx.send(a, &Rollup::requestFullExitCall { accountId: a_id.0, tokenId: 0 }).expect("request");
    fx.queue.push(PriorityOp::FullExit { account_id: a_id, owner: a, token: ETH });
    let d1 = fx.deposit_eth(b, b, 3 * UNIT);
    let d2 = fx.deposit_t1(a, a, 4 * UNIT);
    let data: Vec<Bytes> = [&d1, &d2]
        .iter()
        .map(|r| events::<Rollup::NewPriorityRequest>(r)[0].data.clone())
        .collect();
    let full_exit_data = {
        let mut v = vec![5u8];
        v.extend_from_slice(&a_id.0.to_be_bytes());
        v.extend_from_slice(a.as_slice());
        v.extend_from_slice(&0u16.to_be_bytes());
        Bytes::from(v)
    };
    // A block is committed but never executed: exodus discards it.
    let verified = fx.state.clone();
    let pending = fx.block(vec![]);
    fx.commit(&pending).expect("commit");
    fx.evm.advance(100, EXPIRATION);
    let e = fx.send(a, &Rollup::activateExodusModeCall {}).expect_err("at the deadline");
    assert!(matches!(err(e), RollupErrors::NoExpiredPriorityRequest(_)));
    fx.evm.advance(1, 1);
    let r = fx.send(STRANGER, &Rollup::activateExodusModeCall {}).expect("activate");
    assert_eq!(events::<Rollup::ExodusMode>(&r).len(), 1);
    assert!(fx.view(&Rollup::exodusModeCall {}));
    assert_eq!(fx.view(&Rollup::totalBlocksCommittedCall {}), 3);

    // Everything but exits is frozen.
    let e = fx
        .evm
        .transact(a, fx.rollup, U256::from(1), &Rollup::depositETHCall { to: a })
        .expect_err("frozen");
    assert!(matches!(err(e), RollupErrors::ExodusActive(_)));
    let e = fx.send(a, &Rollup::requestFullExitCall { accountId: 1, tokenId: 0 }).expect_err("f");
    assert!(matches!(err(e), RollupErrors::ExodusActive(_)));
    let e = fx.send(a, &Rollup::activateExodusModeCall {}).expect_err("again");
    assert!(matches!(err(e), RollupErrors::ExodusActive(_)));
    let e = fx.commit(&pending).expect_err("frozen");
    assert!(matches!(err(e), RollupErrors::ExodusActive(_)));

    // Every account exits with its exact balance in the last executed root.
    let exodus_root = tern_contracts::rollup::root_bytes(&root);
    assert_eq!(fx.view(&Rollup::lastExecutedStateRootCall {}), exodus_root);
    for (id, owner) in [(a_id, a), (b_id, b)] {
        for token in [ETH, fx.t1] {
            let amount = verified.balance(id, token);
            assert!(amount > 0);
            let native = tern_types::exit::exit_commitment(root, id, &owner, token, amount);
            let onchain = fx.view(&Rollup::exitCommitmentCall {
                root: exodus_root,
                accountId: id.0,
                owner,
                tokenId: token.0,
                amount,
            });
            assert_eq!(onchain, U256::from_be_bytes(native), "exit input byte for byte");
            let proof = mock_proof(onchain);
            // A wrong amount does not match the proof's input.
            let e = fx
                .send(STRANGER, &exit_call(id, owner, token.0, amount + 1, proof))
                .expect_err("wrong amount");
            assert!(matches!(err(e), RollupErrors::InvalidExitProof(_)));
            let r = fx.send(STRANGER, &exit_call(id, owner, token.0, amount, proof)).expect("exit");
            assert_eq!(events::<Rollup::ExodusExit>(&r)[0].amount, amount);
            // A replayed exit is refused.
            let e =
                fx.send(STRANGER, &exit_call(id, owner, token.0, amount, proof)).expect_err("2");
            assert!(matches!(err(e), RollupErrors::AlreadyExited(_)));
            assert!(fx.view(&Rollup::pendingBalancesCall { _0: owner, _1: token.0 }) >= amount);
        }
    }

    // The unprocessed deposits are refunded in queue order; the full exit is dropped.
    let first = fx.view(&Rollup::firstPriorityRequestIdCall {});
    let e = fx
        .send(
            STRANGER,
            &Rollup::cancelOutstandingDepositsForExodusModeCall { requestsData: vec![] },
        )
        .expect_err("empty");
    assert!(matches!(err(e), RollupErrors::NothingToCancel(_)));
    let e = fx
        .send(
            STRANGER,
            &Rollup::cancelOutstandingDepositsForExodusModeCall {
                requestsData: vec![data[0].clone()],
            },
        )
        .expect_err("out of order");
    assert!(matches!(err(e), RollupErrors::DepositRefundMismatch(_)));
    let before_b = fx.view(&Rollup::pendingBalancesCall { _0: b, _1: 0 });
    let r = fx
        .send(
            STRANGER,
            &Rollup::cancelOutstandingDepositsForExodusModeCall {
                requestsData: vec![full_exit_data, data[0].clone(), data[1].clone()],
            },
        )
        .expect("refund");
    assert_eq!(events::<Rollup::DepositRefunded>(&r).len(), 2);
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: b, _1: 0 }) - before_b, 3 * UNIT);
    assert_eq!(fx.view(&Rollup::firstPriorityRequestIdCall {}), first + 3);
    let e = fx
        .send(
            STRANGER,
            &Rollup::cancelOutstandingDepositsForExodusModeCall {
                requestsData: vec![data[0].clone()],
            },
        )
        .expect_err("nothing left");
    assert!(matches!(err(e), RollupErrors::NothingToCancel(_)));

    // Claims still work in exodus mode, and the contract pays out exactly what it holds.
    let owed = fx.view(&Rollup::pendingBalancesCall { _0: b, _1: 0 });
    fx.send(b, &Rollup::withdrawPendingBalanceCall { owner: b, tokenId: 0, amount: owed })
        .expect("w");
}

// ---------------------------------------------------------------------------------------
// ForcedExit, NFTs: execution, queue matching, the ERC-721 factory
// ---------------------------------------------------------------------------------------

const CONTENT: [u8; 32] = [0xc7; 32];

impl Fx {
    /// Deploys another `NftFactory` for this rollup (a creator's own factory).
    fn deploy_nft_factory(&mut self) -> Address {
        let args = NftFactory::constructorCall { rollup_: self.rollup };
        self.evm.deploy_with(GOV, &NftFactory::BYTECODE, &args).expect("factory").0
    }

    fn request_full_exit_nft(&mut self, w: &Wallet, nft: NftId) {
        let call = Rollup::requestFullExitNFTCall { accountId: w.account_id.0, nftId: nft.0 };
        self.send(w.address, &call).expect("requestFullExitNFT");
        self.queue.push(PriorityOp::FullExitNft {
            account_id: w.account_id,
            owner: w.address,
            nft_id: nft,
        });
    }

    fn pending_nft(&mut self, nft: NftId) -> Rollup::pendingNftsReturn {
        self.view(&Rollup::pendingNftsCall(nft.0))
    }

    /// The pending-NFT record the contract should hold for `nft` owned by `owner` on L1.
    fn expected_nft(&self, nft: NftId, owner: Address) -> (Address, u32, Address, u32, [u8; 32]) {
        let info = &self.state.nft(nft).map(|n| n.info.clone()).unwrap_or_else(|| {
            panic!("NFT {nft:?} must exist natively before it leaves");
        });
        (owner, info.creator_id.0, info.creator_address, info.serial, info.content_hash)
    }
}

fn nft_tuple(p: &Rollup::pendingNftsReturn) -> (Address, u32, Address, u32, [u8; 32]) {
    (p.owner, p.creatorId, p.creatorAddress, p.serial, p.contentHash.0)
}

#[test]
fn forced_exit_withdraw_nft_and_full_exit_nft_execute() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let (w0, w1, w2) = (fx.wallets[0].clone(), fx.wallets[1].clone(), fx.wallets[2].clone());
    // A keyless account: deposited to, never sets a key.
    let keyless = Wallet::from_seed(9, fx.chain).expect("wallet");
    fx.deposit_eth(STRANGER, keyless.address, 4 * UNIT);
    let b = fx.block(vec![]);
    fx.run(&b);

    // Mints: NFT 0 to w1, NFT 1 to w0, NFT 2 to w1; the forced exit of the keyless account.
    let txs = vec![
        fx.wallets[0].mint_nft(w1.address, CONTENT, ETH, 0).expect("sign"),
        fx.wallets[0].mint_nft(w0.address, CONTENT, ETH, 0).expect("sign"),
        fx.wallets[0].mint_nft(w1.address, CONTENT, ETH, 0).expect("sign"),
        fx.wallets[1].forced_exit(keyless.address, ETH, 0).expect("sign"),
    ];
    let b = fx.block(txs);
    let r = {
        fx.commit(&b).expect("commit");
        fx.prove(&b).expect("prove");
        fx.execute(&b).expect("execute")
    };
    let credited = events::<Rollup::PendingBalanceCredited>(&r);
    assert_eq!(credited.len(), 1, "the forced exit pays the keyless account's own address");
    assert_eq!((credited[0].owner, credited[0].amount), (keyless.address, 4 * UNIT));
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: keyless.address, _1: 0 }), 4 * UNIT);
    let before = fx.evm.balance(keyless.address);
    fx.send(
        STRANGER,
        &Rollup::withdrawPendingBalanceCall {
            owner: keyless.address,
            tokenId: 0,
            amount: 4 * UNIT,
        },
    )
    .expect("claim");
    assert_eq!(fx.evm.balance(keyless.address) - before, U256::from(4 * UNIT));

    // w1 withdraws NFT 0 to STRANGER's address; w0 requests the full exit of NFT 1 (its own).
    fx.request_full_exit_nft(&w0, NftId(1));
    let expect0 = fx.expected_nft(NftId(0), STRANGER);
    let expect1 = fx.expected_nft(NftId(1), w0.address);
    let txs = vec![fx.wallets[1].withdraw_nft(STRANGER, NftId(0), ETH, 0).expect("sign")];
    let b = fx.block(txs);
    assert_eq!(b.used_chunks(), 14, "two 7-chunk NFT operations");
    fx.commit(&b).expect("commit");
    fx.prove(&b).expect("prove");
    let r = fx.execute(&b).expect("execute");
    let nfts = events::<Rollup::PendingNftCredited>(&r);
    let got: Vec<_> = nfts.iter().map(|e| (e.nftId, e.owner)).collect();
    assert_eq!(got, vec![(1, w0.address), (0, STRANGER)], "priority operations first");
    assert_eq!(nft_tuple(&fx.pending_nft(NftId(0))), expect0);
    assert_eq!(nft_tuple(&fx.pending_nft(NftId(1))), expect1);
    assert_eq!(expect1.4, CONTENT);
    assert!(fx.state.nft(NftId(0)).is_none() && fx.state.nft(NftId(1)).is_none());

    // w2 asks for NFT 2, which w1 owns: the block serves the request with an all-zero
    // identity, and execution records nothing.
    fx.request_full_exit_nft(&w2, NftId(2));
    let b = fx.block(vec![]);
    fx.commit(&b).expect("commit");
    fx.prove(&b).expect("prove");
    let r = fx.execute(&b).expect("execute");
    assert!(events::<Rollup::PendingNftCredited>(&r).is_empty());
    assert_eq!(fx.pending_nft(NftId(2)).owner, Address::ZERO);
    assert_eq!(fx.view(&Rollup::totalOpenPriorityRequestsCall {}), 0);
    assert!(fx.state.nft(NftId(2)).is_some(), "NFT 2 stays on L2");
}

#[test]
fn full_exit_nft_must_match_the_queue_at_commit() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let w0 = fx.wallets[0].clone();
    let txs = vec![fx.wallets[0].mint_nft(w0.address, CONTENT, ETH, 0).expect("sign")];
    let b = fx.block(txs);
    fx.run(&b);
    fx.request_full_exit_nft(&w0, NftId(0));
    let block = fx.block(vec![]);
    // FullExitNFT fields: account (bits 4..28), owner (28..188), nft (188..212); a changed
    // account, owner or NFT id is not the queued request.
    for byte in [2usize, 10, 25] {
        let e = commit_err(&mut fx, &block, |_, b| {
            let mut p = b.pubdata.to_vec();
            p[byte] ^= 1;
            b.pubdata = p.into();
        });
        assert!(matches!(e, RollupErrors::PriorityOpMismatch(_)), "byte {byte}: {e:?}");
    }
    // A FullExitNFT the queue does not hold: a copy of the first in chunks 7..14.
    let e = commit_err(&mut fx, &block, |_, b| {
        let mut p = b.pubdata.to_vec();
        let first: Vec<u8> = p[..91].to_vec();
        p[91..182].copy_from_slice(&first);
        b.pubdata = p.into();
        mark(b, 7);
    });
    assert!(matches!(e, RollupErrors::PriorityQueueExhausted(_)), "{e:?}");
    // A FullExitNFT that would run past the end of the pubdata (chunk 10 of 16).
    let e = commit_err(&mut fx, &block, |_, b| {
        let mut p = b.pubdata.to_vec();
        p[13 * 10] = 0xc0;
        b.pubdata = p.into();
        mark(b, 10);
    });
    assert!(matches!(e, RollupErrors::OperationOutOfBounds(_)), "{e:?}");
    fx.commit(&block).expect("the honest block commits");
    assert_eq!(fx.view(&Rollup::totalCommittedPriorityRequestsCall {}), 1);

    // A token full exit queued where the operator serves an NFT full exit: the types differ.
    let w1 = fx.wallets[1].clone();
    let txs = vec![fx.wallets[1].mint_nft(w1.address, CONTENT, ETH, 0).expect("sign")];
    let b = fx.block(txs);
    fx.commit(&b).expect("commit");
    fx.send(w1.address, &Rollup::requestFullExitCall { accountId: w1.account_id.0, tokenId: 0 })
        .expect("token full exit");
    fx.queue.push(PriorityOp::FullExitNft {
        account_id: w1.account_id,
        owner: w1.address,
        nft_id: NftId(1),
    });
    let lying = fx.block(vec![]);
    let e = commit_err(&mut fx, &lying, |_, _| {});
    assert!(matches!(e, RollupErrors::PriorityOpMismatch(_)), "{e:?}");
}

#[test]
fn withdrawn_nfts_are_minted_as_erc721() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let (w0, w1) = (fx.wallets[0].clone(), fx.wallets[1].clone());
    let txs = vec![
        fx.wallets[0].mint_nft(w1.address, CONTENT, ETH, 0).expect("sign"),
        fx.wallets[0].mint_nft(w1.address, [0x5a; 32], ETH, 0).expect("sign"),
    ];
    let b = fx.block(txs);
    fx.run(&b);
    let txs = vec![fx.wallets[1].withdraw_nft(w1.address, NftId(1), ETH, 0).expect("sign")];
    let b = fx.block(txs);
    fx.run(&b);
    let e = fx.send(STRANGER, &Rollup::withdrawPendingNFTCall { nftId: 0 }).expect_err("none");
    assert!(matches!(err(e), RollupErrors::NoPendingNft(_)));

    // The default factory: deployed by the rollup's constructor, minting for it alone.
    let factory = fx.view(&Rollup::nftFactoryCall {});
    let minter = fx.evm.call(STRANGER, factory, &NftFactory::rollupCall {}).expect("rollup").ret;
    assert_eq!(minter, fx.rollup);
    assert_eq!(fx.view(&Rollup::pendingNftFactoriesCall(1)), factory, "fixed at withdrawal");

    // Anyone claims; the token goes to the owner with its L2 identity.
    let r = fx.send(STRANGER, &Rollup::withdrawPendingNFTCall { nftId: 1 }).expect("mint");
    println!("withdrawPendingNFT gas (mints the ERC-721): {}", r.gas_used);
    assert_eq!(events::<Rollup::NftWithdrawn>(&r)[0].owner, w1.address);
    let minted: Vec<NftFactory::MintedFromRollup> = events(&r);
    assert_eq!(minted.len(), 1);
    assert_eq!(
        (minted[0].tokenId, minted[0].creatorAddress, minted[0].creatorId, minted[0].serial),
        (U256::from(1), w0.address, w0.account_id.0, 1)
    );
    let transfers: Vec<NftFactory::Transfer> = events(&r);
    assert_eq!((transfers[0].from, transfers[0].to), (Address::ZERO, w1.address));
    let owner = fx
        .evm
        .call(STRANGER, factory, &NftFactory::ownerOfCall { tokenId: U256::from(1) })
        .expect("owner")
        .ret;
    assert_eq!(owner, w1.address);
    let origin = fx
        .evm
        .call(STRANGER, factory, &NftFactory::originsCall(U256::from(1)))
        .expect("origin")
        .ret;
    assert_eq!(origin.contentHash.0, [0x5a; 32]);
    assert_eq!(origin.creatorId, w0.account_id.0);
    let uri = fx
        .evm
        .call(STRANGER, factory, &NftFactory::tokenURICall { tokenId: U256::from(1) })
        .expect("uri")
        .ret;
    assert_eq!(uri, format!("0x{}", "5a".repeat(32)));
    assert_eq!(fx.pending_nft(NftId(1)).owner, Address::ZERO, "the record is cleared");
    let e = fx.send(STRANGER, &Rollup::withdrawPendingNFTCall { nftId: 1 }).expect_err("again");
    assert!(matches!(err(e), RollupErrors::NoPendingNft(_)));
}

#[test]
fn creators_register_their_own_factory() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let (w0, w1) = (fx.wallets[0].clone(), fx.wallets[1].clone());
    let default = fx.view(&Rollup::nftFactoryCall {});
    // w0's own factory (any contract calling registerNftFactory; here a second NftFactory).
    let own = fx.deploy_nft_factory();
    let register = |fx: &mut Fx, factory: Address, creator: &Wallet, sig: [u8; 65]| {
        let call = NftFactory::registerForCreatorCall {
            creatorId: creator.account_id.0,
            creatorAddress: creator.address,
            signature: sig.to_vec().into(),
        };
        fx.evm.transact(STRANGER, factory, U256::ZERO, &call)
    };
    // Refused: a signature by someone else, one naming another factory, a malformed one.
    let by_w1 = w1.register_nft_factory(own).expect("sign");
    let e = register(&mut fx, own, &w0, by_w1).expect_err("not the creator");
    assert!(matches!(err(e), RollupErrors::NftFactoryAuthInvalid(_)));
    let for_default = w0.register_nft_factory(default).expect("sign");
    let e = register(&mut fx, own, &w0, for_default).expect_err("another factory");
    assert!(matches!(err(e), RollupErrors::NftFactoryAuthInvalid(_)));
    let malformed = NftFactory::registerForCreatorCall {
        creatorId: w0.account_id.0,
        creatorAddress: w0.address,
        signature: vec![0u8; 64].into(),
    };
    let e = fx.evm.transact(STRANGER, own, U256::ZERO, &malformed).expect_err("malformed");
    assert!(matches!(err(e), RollupErrors::NftFactoryAuthInvalid(_)));
    // Accepted once; the record is per creator and cannot be replaced.
    let sig = w0.register_nft_factory(own).expect("sign");
    let r = register(&mut fx, own, &w0, sig).expect("registered");
    let ev = &events::<Rollup::NftFactoryRegistered>(&r)[0];
    assert_eq!((ev.creatorId, ev.creatorAddress, ev.factory), (w0.account_id.0, w0.address, own));
    let view = Rollup::creatorNftFactoriesCall { _0: w0.account_id.0, _1: w0.address };
    assert_eq!(fx.view(&view), own);
    let e = register(&mut fx, own, &w0, sig).expect_err("twice");
    assert!(matches!(err(e), RollupErrors::NftFactoryAlreadyRegistered(_)));

    // w0's NFT is minted on w0's factory; w1's on the default one.
    let txs = vec![
        fx.wallets[0].mint_nft(w1.address, CONTENT, ETH, 0).expect("sign"),
        fx.wallets[1].mint_nft(w1.address, [0x5b; 32], ETH, 0).expect("sign"),
    ];
    let b = fx.block(txs);
    fx.run(&b);
    let txs = vec![
        fx.wallets[1].withdraw_nft(w1.address, NftId(0), ETH, 0).expect("sign"),
        fx.wallets[1].withdraw_nft(w1.address, NftId(1), ETH, 0).expect("sign"),
    ];
    let b = fx.block(txs);
    fx.run(&b);
    for id in [0u32, 1] {
        fx.send(STRANGER, &Rollup::withdrawPendingNFTCall { nftId: id }).expect("mint");
    }
    let owner = |fx: &mut Fx, factory: Address, id: u32| {
        fx.evm.call(STRANGER, factory, &NftFactory::ownerOfCall { tokenId: U256::from(id) })
    };
    assert_eq!(owner(&mut fx, own, 0).expect("minted on w0's factory").ret, w1.address);
    assert!(owner(&mut fx, default, 0).is_err(), "not on the default factory");
    assert_eq!(owner(&mut fx, default, 1).expect("minted on the default").ret, w1.address);
    assert!(owner(&mut fx, own, 1).is_err(), "w1 registered nothing");
}

fn factory_err(e: EvmError) -> NftFactory::NftFactoryErrors {
    match e.decode_revert::<NftFactory::NftFactoryErrors>() {
        Some(x) => x,
        None => panic!("not an NftFactory custom error: {e}"),
    }
}

/// The factory as a plain ERC-721, with a test account as its "rollup" (the only minter).
#[test]
fn nft_factory_is_an_erc721_and_refuses_what_it_must() {
    use NftFactory::NftFactoryErrors as F;
    let mut evm = Evm::new();
    const MINTER: Address = address!("0x00000000000000000000000000000000000000b1");
    const ALICE: Address = address!("0x00000000000000000000000000000000000000b2");
    const BOB: Address = address!("0x00000000000000000000000000000000000000b3");
    let e = evm
        .deploy_with(
            GOV,
            &NftFactory::BYTECODE,
            &NftFactory::constructorCall { rollup_: Address::ZERO },
        )
        .expect_err("zero rollup");
    assert!(matches!(factory_err(e), F::ZeroAddress(_)));
    let (nft, _) = evm
        .deploy_with(GOV, &NftFactory::BYTECODE, &NftFactory::constructorCall { rollup_: MINTER })
        .expect("factory");
    let mint = |to: Address, id: u32| NftFactory::mintFromRollupCall {
        nftId: id,
        to,
        creatorId: 3,
        creatorAddress: BOB,
        serial: 9,
        contentHash: [1u8; 32].into(),
    };
    macro_rules! send {
        ($from:expr, $call:expr) => {
            evm.transact($from, nft, U256::ZERO, &$call)
        };
    }
    macro_rules! view {
        ($call:expr) => {
            evm.call(STRANGER, nft, &$call).map(|r| r.ret)
        };
    }
    macro_rules! refuses {
        ($res:expr, $pat:pat) => {{
            let e = factory_err($res.expect_err("must revert"));
            assert!(matches!(e, $pat), "{e:?}");
        }};
    }
    refuses!(send!(ALICE, mint(ALICE, 7)), F::NotRollup(_));
    refuses!(send!(MINTER, mint(Address::ZERO, 7)), F::ZeroAddress(_));
    let r = send!(MINTER, mint(ALICE, 7)).expect("mint");
    println!("NftFactory.mintFromRollup gas: {}", r.gas_used);
    refuses!(send!(MINTER, mint(BOB, 7)), F::AlreadyMinted(_));
    let id = U256::from(7);
    assert_eq!(view!(NftFactory::ownerOfCall { tokenId: id }).expect("owner"), ALICE);
    assert_eq!(view!(NftFactory::balanceOfCall { owner: ALICE }).expect("bal"), U256::from(1));
    refuses!(view!(NftFactory::balanceOfCall { owner: Address::ZERO }), F::ZeroAddress(_));
    for missing in [
        view!(NftFactory::ownerOfCall { tokenId: U256::from(8) }).map(|_| ()),
        view!(NftFactory::getApprovedCall { tokenId: U256::from(8) }).map(|_| ()),
        view!(NftFactory::tokenURICall { tokenId: U256::from(8) }).map(|_| ()),
    ] {
        refuses!(missing, F::NonexistentToken(_));
    }
    assert_eq!(view!(NftFactory::nameCall {}).expect("name"), "Tern NFT");
    assert_eq!(view!(NftFactory::symbolCall {}).expect("symbol"), "TERNFT");
    for (iface, yes) in [([0x01, 0xff, 0xc9, 0xa7], true), ([0x80, 0xac, 0x58, 0xcd], true)]
        .into_iter()
        .chain([([0x5b, 0x5e, 0x13, 0x9f], true), ([0xff, 0xff, 0xff, 0xff], false)])
    {
        let got = view!(NftFactory::supportsInterfaceCall { interfaceId: iface.into() });
        assert_eq!(got.expect("165"), yes);
    }

    // Approvals and transfers.
    refuses!(
        send!(BOB, NftFactory::approveCall { to: BOB, tokenId: id }),
        F::NotOwnerNorApproved(_)
    );
    refuses!(
        send!(BOB, NftFactory::transferFromCall { from: ALICE, to: BOB, tokenId: id }),
        F::NotOwnerNorApproved(_)
    );
    refuses!(
        send!(ALICE, NftFactory::transferFromCall { from: BOB, to: ALICE, tokenId: id }),
        F::WrongFrom(_)
    );
    refuses!(
        send!(ALICE, NftFactory::transferFromCall { from: ALICE, to: Address::ZERO, tokenId: id }),
        F::ZeroAddress(_)
    );
    send!(ALICE, NftFactory::approveCall { to: BOB, tokenId: id }).expect("approve");
    assert_eq!(view!(NftFactory::getApprovedCall { tokenId: id }).expect("approved"), BOB);
    send!(BOB, NftFactory::transferFromCall { from: ALICE, to: BOB, tokenId: id })
        .expect("by approved");
    assert_eq!(view!(NftFactory::getApprovedCall { tokenId: id }).expect("cleared"), Address::ZERO);
    assert_eq!(view!(NftFactory::ownerOfCall { tokenId: id }).expect("owner"), BOB);
    assert_eq!(view!(NftFactory::balanceOfCall { owner: ALICE }).expect("bal"), U256::ZERO);
    send!(BOB, NftFactory::setApprovalForAllCall { operator: ALICE, approved: true }).expect("all");
    assert!(view!(NftFactory::isApprovedForAllCall { _0: BOB, _1: ALICE }).expect("all"));
    send!(ALICE, NftFactory::approveCall { to: STRANGER, tokenId: id }).expect("operator approves");
    send!(ALICE, NftFactory::transferFromCall { from: BOB, to: ALICE, tokenId: id })
        .expect("operator");

    // safeTransferFrom: to a contract that answers right, wrong, or not at all.
    let good_args = NftReceiver::constructorCall { answer_: [0x15, 0x0b, 0x7a, 0x02].into() };
    let (good, _) = evm.deploy_with(GOV, &NftReceiver::BYTECODE, &good_args).expect("good");
    let bad_args = NftReceiver::constructorCall { answer_: [0xde, 0xad, 0xbe, 0xef].into() };
    let (bad, _) = evm.deploy_with(GOV, &NftReceiver::BYTECODE, &bad_args).expect("bad");
    let (mute, _) = evm.deploy(GOV, TestERC20::BYTECODE.clone()).expect("no hook");
    for to in [bad, mute] {
        refuses!(
            send!(ALICE, NftFactory::safeTransferFrom_0Call { from: ALICE, to, tokenId: id }),
            F::UnsafeRecipient(_)
        );
    }
    send!(
        ALICE,
        NftFactory::safeTransferFrom_1Call {
            from: ALICE,
            to: good,
            tokenId: id,
            data: vec![1u8, 2].into()
        }
    )
    .expect("safe to a receiver");
    assert_eq!(view!(NftFactory::ownerOfCall { tokenId: id }).expect("owner"), good);
    let received = evm.call(STRANGER, good, &NftReceiver::receivedCall {}).expect("n").ret;
    assert_eq!(received, U256::from(1));
    // To an EOA, safeTransferFrom is a transfer.
    send!(MINTER, mint(ALICE, 8)).expect("mint");
    send!(
        ALICE,
        NftFactory::safeTransferFrom_0Call { from: ALICE, to: BOB, tokenId: U256::from(8) }
    )
    .expect("safe to an EOA");
}

/// NFT exodus exits with the mock verifier: governance of the NFT exit verifier, the exit
/// commitment byte for byte against `tern_types::exit`, and every revert path. (Real NFT exit
/// proofs: `end_to_end.rs`.)
#[test]
fn nft_exodus_exits_and_their_reverts() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let w1 = fx.wallets[1].clone();
    let txs = vec![fx.wallets[0].mint_nft(w1.address, CONTENT, ETH, 0).expect("sign")];
    let b = fx.block(txs);
    fx.run(&b);
    let root = fx.state.root();
    let nft = fx.state.nft(NftId(0)).expect("minted").info.clone();
    let record = Rollup::PendingNft {
        owner: w1.address,
        creatorId: nft.creator_id.0,
        creatorAddress: nft.creator_address,
        serial: nft.serial,
        contentHash: nft.content_hash.into(),
    };
    let exit =
        |nft_id: u32, record: &Rollup::PendingNft, proof: [U256; 8]| Rollup::performExodusNFTCall {
            accountId: w1.account_id.0,
            nftId: nft_id,
            nft: record.clone(),
            proof,
        };
    let e = fx.send(STRANGER, &exit(0, &record, [U256::ZERO; 8])).expect_err("not exodus");
    assert!(matches!(err(e), RollupErrors::ExodusNotActive(_)));

    // The exit commitment, byte for byte.
    let input = fx.view(&Rollup::nftExitCommitmentCall {
        root: tern_contracts::rollup::root_bytes(&root),
        accountId: w1.account_id.0,
        nftId: 0,
        nft: record.clone(),
    });
    let native =
        tern_types::exit::nft_exit_commitment(root, w1.account_id, &w1.address, NftId(0), &nft);
    assert_eq!(input, U256::from_be_bytes(native));

    // The NFT exit verifier was fixed by the constructor.
    assert_eq!(fx.view(&Rollup::nftExitVerifierCall {}), fx.verifier);

    // Exodus: a full exit request expires.
    let w0 = fx.wallets[0].clone();
    fx.send(w0.address, &Rollup::requestFullExitCall { accountId: w0.account_id.0, tokenId: 0 })
        .expect("request");
    fx.evm.advance(10, EXPIRATION + 1);
    fx.send(STRANGER, &Rollup::activateExodusModeCall {}).expect("exodus");

    // Ids past 24 bits would alias in the 3-byte preimage fields.
    let e = fx.send(STRANGER, &exit(1 << 24, &record, mock_proof(input))).expect_err("id");
    assert!(matches!(err(e), RollupErrors::NftIdOutOfRange(_)));
    let mut big_creator = record.clone();
    big_creator.creatorId += 1 << 24;
    let e = fx.send(STRANGER, &exit(0, &big_creator, mock_proof(input))).expect_err("creator");
    assert!(matches!(err(e), RollupErrors::AccountIdOutOfRange(_)));
    // A claim that differs from the proven one (another owner, another content hash).
    for edit in [
        &(|r: &mut Rollup::PendingNft| r.owner = STRANGER) as &dyn Fn(&mut Rollup::PendingNft),
        &|r: &mut Rollup::PendingNft| r.contentHash.0[31] ^= 1,
        &|r: &mut Rollup::PendingNft| r.serial += 1,
    ] {
        let mut wrong = record.clone();
        edit(&mut wrong);
        let e = fx.send(STRANGER, &exit(0, &wrong, mock_proof(input))).expect_err("wrong");
        assert!(matches!(err(e), RollupErrors::InvalidExitProof(_)));
    }
    let r = fx.send(STRANGER, &exit(0, &record, mock_proof(input))).expect("exit");
    let ev = &events::<Rollup::ExodusNftExit>(&r)[0];
    assert_eq!((ev.accountId, ev.owner, ev.nftId), (w1.account_id.0, w1.address, 0));
    assert_eq!(events::<Rollup::PendingNftCredited>(&r)[0].owner, w1.address);
    assert!(fx.view(&Rollup::nftExitedCall(0)));
    let e = fx.send(STRANGER, &exit(0, &record, mock_proof(input))).expect_err("replay");
    assert!(matches!(err(e), RollupErrors::NftAlreadyExited(_)));
    // The exited NFT is minted like any withdrawn NFT, in exodus mode too.
    let factory = fx.view(&Rollup::nftFactoryCall {});
    fx.send(STRANGER, &Rollup::withdrawPendingNFTCall { nftId: 0 }).expect("mint");
    let owner = fx
        .evm
        .call(STRANGER, factory, &NftFactory::ownerOfCall { tokenId: U256::ZERO })
        .expect("owner")
        .ret;
    assert_eq!(owner, w1.address);
}

// ---------------------------------------------------------------------------------------
// Trust boundaries (docs/security.md): what is fixed at deployment, and what no role can do
// ---------------------------------------------------------------------------------------

/// The first four bytes of keccak256(`signature`).
fn selector(signature: &str) -> [u8; 4] {
    let h = alloy_primitives::keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// Finding 1 and 2: the block verifiers, both exit verifiers and the default NFT factory are
/// constructor arguments (or made by the constructor), each recorded with its key hash, and no
/// function changes them. A capacity without a verifier stays unusable: the governor cannot
/// add one that accepts any proof and drain the rollup through it.
#[test]
fn verifiers_and_exit_verifiers_are_fixed_by_the_constructor() {
    use tern_contracts::verifier::{key_hash_of_words, Circuit};
    let mut fx = Fx::new();
    let genesis = State::new().root();
    let v = fx.verifier;
    let deploy_err = |fx: &mut Fx, args: Rollup::constructorCall| {
        err(fx.evm.deploy_with(GOV, &Rollup::BYTECODE, &args).expect_err("refused"))
    };
    let mut args = constructor(genesis, v, EXPIRATION);
    args.capacities = vec![16, 16];
    args.blockVerifiers = vec![v, v];
    assert!(matches!(deploy_err(&mut fx, args), RollupErrors::VerifierAlreadySet(_)));
    let mut args = constructor(genesis, v, EXPIRATION);
    args.blockVerifiers = vec![];
    assert!(matches!(deploy_err(&mut fx, args), RollupErrors::LengthMismatch(_)));
    let mut args = constructor(genesis, v, EXPIRATION);
    args.capacities = vec![];
    args.blockVerifiers = vec![];
    assert!(matches!(deploy_err(&mut fx, args), RollupErrors::LengthMismatch(_)));
    let mut args = constructor(genesis, v, EXPIRATION);
    args.capacities = vec![0];
    assert!(matches!(deploy_err(&mut fx, args), RollupErrors::UnsupportedCapacity(_)));
    let mut args = constructor(genesis, v, EXPIRATION);
    args.blockVerifiers = vec![Address::ZERO];
    assert!(matches!(deploy_err(&mut fx, args), RollupErrors::ZeroAddress(_)));
    let mut args = constructor(genesis, v, EXPIRATION);
    args.nftExitVerifier_ = Address::ZERO;
    assert!(matches!(deploy_err(&mut fx, args), RollupErrors::ZeroAddress(_)));
    // A contract that is not a verifier (no verifyingKey()) cannot fill a slot.
    let mut args = constructor(genesis, v, EXPIRATION);
    args.exitVerifier_ = fx.token;
    assert!(fx.evm.deploy_with(GOV, &Rollup::BYTECODE, &args).is_err());

    // Each slot's key hash, domain-separated by its circuit id.
    let zeros = [U256::ZERO; 18];
    assert_eq!(
        fx.view(&Rollup::blockKeyHashesCall(CAPACITY as u32)),
        key_hash_of_words(&Circuit::Block(CAPACITY as u32), &zeros)
    );
    assert_eq!(fx.view(&Rollup::exitKeyHashCall {}), key_hash_of_words(&Circuit::Exit, &zeros));
    assert_eq!(
        fx.view(&Rollup::nftExitKeyHashCall {}),
        key_hash_of_words(&Circuit::NftExit, &zeros)
    );
    assert_ne!(fx.view(&Rollup::exitKeyHashCall {}), fx.view(&Rollup::nftExitKeyHashCall {}));

    // The old setters are gone: their selectors reach the fallback and the module, which
    // has no such function, and revert.
    for (sig, arg_words) in [
        ("setVerifier(uint32,address)", 2),
        ("setNftFactory(address)", 1),
        ("setNftExitVerifier(address)", 1),
        ("transferGovernance(address)", 1),
    ] {
        let mut data = selector(sig).to_vec();
        for _ in 0..arg_words {
            let mut word = [0u8; 32];
            word[12..].copy_from_slice(STRANGER.as_slice());
            data.extend_from_slice(&word);
        }
        assert!(fx.evm.transact_raw(GOV, fx.rollup, U256::ZERO, data.into()).is_err(), "{sig}");
    }
    assert_eq!(fx.view(&Rollup::verifiersCall(8)), Address::ZERO);
    // So a block of 8 chunks (a capacity deployed without a verifier) never commits.
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let block = fx.block(vec![]);
    let e = commit_err(&mut fx, &block, |_, b| b.pubdata = vec![0u8; 8 * 13].into());
    assert!(matches!(e, RollupErrors::UnsupportedCapacity(_)), "{e:?}");
}

/// `priorityExpiration` lies in [1 day, 30 days]: 0 would let anyone freeze the rollup with
/// one deposit, and a huge one would put exodus out of reach (or overflow the deadline).
#[test]
fn the_priority_expiration_is_bounded() {
    let mut fx = Fx::new();
    let genesis = State::new().root();
    let day = 24 * 3600;
    for (expiration, ok) in [
        (0, false),
        (day - 1, false),
        (day, true),
        (30 * day, true),
        (30 * day + 1, false),
        (u64::MAX, false),
    ] {
        let args = constructor(genesis, fx.verifier, expiration);
        match fx.evm.deploy_with(GOV, &Rollup::BYTECODE, &args) {
            Ok(_) => assert!(ok, "{expiration} must be refused"),
            Err(e) => {
                assert!(!ok, "{expiration} must deploy");
                assert!(matches!(err(e), RollupErrors::PriorityExpirationOutOfRange(_)));
            }
        }
    }
    assert_eq!(fx.view(&Rollup::MIN_PRIORITY_EXPIRATIONCall {}), day);
    assert_eq!(fx.view(&Rollup::MAX_PRIORITY_EXPIRATIONCall {}), 30 * day);
}

/// EIP-170: each deployed contract is at most 24,576 bytes; EIP-3860: creation code at most
/// 49,152 (the rollup's carries the module's and the default factory's).
#[test]
fn the_rollup_and_its_module_fit_the_code_size_limits() {
    let module_json = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out/RollupExodus.json");
    let artifact: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(module_json).expect("artifact"))
            .expect("JSON");
    let hex = artifact["deployedBytecode"].as_str().expect("code");
    let module = (hex.len() - 2) / 2;
    let rollup = Rollup::DEPLOYED_BYTECODE.len();
    let init = Rollup::BYTECODE.len();
    println!("Rollup {rollup} bytes, RollupExodus {module} bytes, Rollup creation code {init}");
    assert!(rollup <= 24_576, "Rollup is {rollup} bytes");
    assert!(module <= 24_576, "RollupExodus is {module} bytes");
    assert!(init <= 49_152, "Rollup's creation code is {init} bytes");
    let mut fx = Fx::new();
    let deployed = fx.view(&Rollup::exodusModuleCall {});
    assert!(fx.evm.has_code(deployed));
}

/// Finding 3: the factory is fixed when the NFT is withdrawn; a creator's factory that reverts
/// or mints to someone else cannot lock or misdirect it (the mint is refused, and the owner
/// takes the default factory); one registered after the withdrawal does not apply; an address
/// without code cannot be registered.
#[test]
fn a_creators_factory_cannot_lock_or_misdirect_withdrawn_nfts() {
    use tern_contracts::bindings::test_helpers::BadNftFactory;
    let mut fx = Fx::new();
    fx.with_accounts();
    let (w0, w1, w2) = (fx.wallets[0].clone(), fx.wallets[1].clone(), fx.wallets[2].clone());
    let default = fx.view(&Rollup::nftFactoryCall {});
    let register = |fx: &mut Fx, factory: Address, creator: &Wallet| {
        let sig = creator.register_nft_factory(factory).expect("sign");
        let call = NftFactory::registerForCreatorCall {
            creatorId: creator.account_id.0,
            creatorAddress: creator.address,
            signature: sig.to_vec().into(),
        };
        fx.evm.transact(STRANGER, factory, U256::ZERO, &call)
    };
    // An address without code: a creator's own signature cannot name one.
    let sig = w2.register_nft_factory(STRANGER).expect("sign");
    let call = Rollup::registerNftFactoryCall {
        creatorId: w2.account_id.0,
        creatorAddress: w2.address,
        signature: sig.to_vec().into(),
    };
    let e = fx.send(STRANGER, &call).expect_err("no code");
    assert!(matches!(err(e), RollupErrors::NftFactoryHasNoCode(_)));
    // w0's factory reverts; w1's mints to STRANGER.
    let bad = |fx: &mut Fx, mode: u8| {
        let args =
            BadNftFactory::constructorCall { rollup_: fx.rollup, mode_: mode, thief_: STRANGER };
        fx.evm.deploy_with(GOV, &BadNftFactory::BYTECODE, &args).expect("deploy").0
    };
    let broken = bad(&mut fx, 0);
    let thief = bad(&mut fx, 1);
    register(&mut fx, broken, &w0).expect("w0 registers");
    register(&mut fx, thief, &w1).expect("w1 registers");

    // NFT 0 by w0, 1 by w1, 2 by w2, all to w2, who withdraws them to its own address.
    let txs = vec![
        fx.wallets[0].mint_nft(w2.address, CONTENT, ETH, 0).expect("sign"),
        fx.wallets[1].mint_nft(w2.address, CONTENT, ETH, 0).expect("sign"),
        fx.wallets[2].mint_nft(w2.address, CONTENT, ETH, 0).expect("sign"),
    ];
    let b = fx.block(txs);
    fx.run(&b);
    for ids in [&[0u32, 1][..], &[2]] {
        let txs = ids
            .iter()
            .map(|&id| fx.wallets[2].withdraw_nft(w2.address, NftId(id), ETH, 0).expect("sign"))
            .collect();
        let b = fx.block(txs);
        fx.run(&b);
    }
    assert_eq!(fx.view(&Rollup::pendingNftFactoriesCall(0)), broken);
    assert_eq!(fx.view(&Rollup::pendingNftFactoriesCall(1)), thief);
    assert_eq!(fx.view(&Rollup::pendingNftFactoriesCall(2)), default);
    // w2 registers a factory of its own after its NFT left L2: it does not apply to NFT 2.
    let own = fx.deploy_nft_factory();
    register(&mut fx, own, &w2).expect("w2 registers");
    assert_eq!(fx.view(&Rollup::pendingNftFactoriesCall(2)), default);

    let owner_on = |fx: &mut Fx, factory: Address, id: u32| {
        fx.evm
            .call(STRANGER, factory, &NftFactory::ownerOfCall { tokenId: U256::from(id) })
            .map(|r| r.ret)
    };
    for (id, factory) in [(0u32, broken), (1, thief)] {
        let call = Rollup::withdrawPendingNFTCall { nftId: id };
        let e = fx.send(STRANGER, &call).expect_err("the factory fails");
        match err(e) {
            RollupErrors::NftMintFailed(f) => assert_eq!((f.nftId, f.factory), (id, factory)),
            other => panic!("{other:?}"),
        }
        assert_eq!(fx.pending_nft(NftId(id)).owner, w2.address, "still pending");
        let fallback = Rollup::withdrawPendingNFTDefaultCall { nftId: id };
        let e = fx.send(STRANGER, &fallback).expect_err("only the owner");
        assert!(matches!(err(e), RollupErrors::NotNftOwner(_)));
        fx.send(w2.address, &fallback).expect("the owner takes the default factory");
        assert_eq!(owner_on(&mut fx, default, id).expect("minted"), w2.address);
    }
    fx.send(STRANGER, &Rollup::withdrawPendingNFTCall { nftId: 2 }).expect("mint");
    assert_eq!(owner_on(&mut fx, default, 2).expect("on the default"), w2.address);
    assert!(owner_on(&mut fx, own, 2).is_err(), "not on the late registration");
    let e =
        fx.send(w2.address, &Rollup::withdrawPendingNFTDefaultCall { nftId: 2 }).expect_err("gone");
    assert!(matches!(err(e), RollupErrors::NotNftOwner(_) | RollupErrors::NoPendingNft(_)));
}

/// Finding 4: an EIP-191 ChangePubKey signature names the chain and the rollup contract, so a
/// signature for another deployment (another chain id, or another contract on this chain) is
/// refused here.
#[test]
fn an_eip191_signature_for_another_deployment_is_refused() {
    use tern_primitives::eth;
    let mut fx = Fx::new();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let a = fx.wallets[0].address;
    fx.deposit_eth(a, a, UNIT);
    let b = fx.block(vec![]);
    fx.run(&b);
    fx.wallets[0].account_id = fx.state.account_id_by_address(&a).expect("account");
    let w = fx.wallets[0].clone();
    let tx = fx.wallets[0].change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    let block = fx.block(vec![tx]);
    let chain_id = tern_contracts::evm::CHAIN_ID;
    for (other_chain, other_contract) in [(chain_id + 1, fx.rollup), (chain_id, GOV)] {
        let msg = eth::change_pubkey_eip191_message(
            &w.pubkey_hash(),
            0,
            w.account_id.0,
            other_chain,
            other_contract,
        );
        let sig = eth::sign_eip191(&w.eth_key, &msg).expect("sign");
        let e = commit_err(&mut fx, &block, |_, b| {
            b.changePubKeyAuth[0] = [&[1u8][..], &sig[..]].concat().into();
        });
        assert!(matches!(e, RollupErrors::ChangePubKeyAuthInvalid(_)), "{e:?}");
    }
    fx.commit(&block).expect("this deployment's signature commits");
}

/// Issue 11: an owner of address 0 is never authorised, whatever the authorisation bytes (a
/// junk signature recovers to 0, which used to equal the owner).
#[test]
fn junk_authorisation_for_owner_zero_is_refused() {
    let mut fx = Fx::new();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let a = fx.wallets[0].address;
    fx.deposit_eth(a, a, UNIT);
    let b = fx.block(vec![]);
    fx.run(&b);
    fx.wallets[0].account_id = fx.state.account_id_by_address(&a).expect("account");
    let tx = fx.wallets[0].change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    let block = fx.block(vec![tx]);
    // The owner address: bits 188..348 of the ChangePubKey operation.
    let zero_owner = |b: &mut Rollup::CommitBlockInfo| {
        let at = b.onchainOps[0] as usize * 13;
        let mut p = b.pubdata.to_vec();
        p[at + 23] &= 0xf0;
        for byte in &mut p[at + 24..at + 43] {
            *byte = 0;
        }
        p[at + 43] &= 0x0f;
        b.pubdata = p.into();
    };
    for junk in [
        [&[1u8][..], &[0u8; 65]].concat(),
        [&[2u8][..], &[0u8; 65]].concat(),
        [&[1u8][..], &[0xffu8; 64][..], &[27u8]].concat(),
        vec![0u8],
    ] {
        let e = commit_err(&mut fx, &block, |_, b| {
            zero_owner(b);
            b.changePubKeyAuth[0] = junk.clone().into();
        });
        match e {
            RollupErrors::ChangePubKeyAuthInvalid(x) => assert_eq!(x.owner, Address::ZERO),
            other => panic!("{other:?}"),
        }
    }
}

/// Finding 5: the first fact is set at once, but replacing a non-zero one takes a request and
/// a second call a day later, so an operator that sealed a block on it commits it first.
#[test]
fn an_onchain_fact_cannot_be_pulled_from_under_a_sealed_block() {
    let mut fx = Fx::new();
    fx.deposit_eth(STRANGER, FEE_ADDRESS, 1);
    let a = fx.wallets[0].address;
    fx.deposit_eth(a, a, UNIT);
    let b = fx.block(vec![]);
    fx.run(&b);
    fx.wallets[0].account_id = fx.state.account_id_by_address(&a).expect("account");
    let w = fx.wallets[0].clone();
    let pkh: alloy_primitives::FixedBytes<20> = w.pubkey_hash().0.into();
    let set = |fx: &mut Fx, hash: alloy_primitives::FixedBytes<20>| {
        fx.send(a, &Rollup::setAuthPubkeyHashCall { pubKeyHash: hash, nonce: 0 })
    };
    let r = set(&mut fx, pkh).expect("the first fact is immediate");
    assert_eq!(events::<Rollup::FactAuthSet>(&r)[0].pubKeyHash, pkh);
    // The operator seals a block whose ChangePubKey relies on the fact.
    let tx = fx.wallets[0].change_pubkey(AuthKind::Ecdsa, ETH, 0).expect("sign");
    let block = fx.block(vec![tx]);
    // The owner tries to pull the fact (set it to 0) before the commit.
    let r = set(&mut fx, [0u8; 20].into()).expect("records the request");
    let asked = &events::<Rollup::FactAuthResetRequested>(&r)[0];
    assert_eq!(asked.allowedAt, U256::from(fx.evm.timestamp() + 24 * 3600));
    assert!(events::<Rollup::FactAuthSet>(&r).is_empty());
    assert_eq!(fx.view(&Rollup::authFactsCall { _0: a, _1: 0 }), pkh, "unchanged");
    let e = set(&mut fx, [0u8; 20].into()).expect_err("too early");
    assert!(matches!(err(e), RollupErrors::AuthFactResetTooEarly(_)));
    fx.evm.advance(1, 24 * 3600 - 60);
    let e = set(&mut fx, [0u8; 20].into()).expect_err("still too early");
    assert!(matches!(err(e), RollupErrors::AuthFactResetTooEarly(_)));
    // The block commits on the fact (the on-chain kind replaces its signature).
    let call = Rollup::commitBlocksCall {
        lastCommitted: fx.last.clone(),
        newBlocks: vec![{
            let mut info = commit_block_info(&block).expect("args");
            info.changePubKeyAuth[0] = Bytes::from(vec![0u8]);
            info
        }],
    };
    fx.send(VALIDATOR, &call).expect("commits on the fact");
    // A day after the request the owner may replace it.
    fx.evm.advance(1, 120);
    let r = set(&mut fx, [0u8; 20].into()).expect("replaced");
    assert_eq!(events::<Rollup::FactAuthSet>(&r)[0].pubKeyHash, [0u8; 20]);
    assert_eq!(fx.view(&Rollup::authFactsCall { _0: a, _1: 0 }), [0u8; 20]);
    assert_eq!(fx.view(&Rollup::authFactResetRequestedCall { _0: a, _1: 0 }), U256::ZERO);
    // A fact at another nonce, where none exists, is immediate again.
    let r = fx.send(a, &Rollup::setAuthPubkeyHashCall { pubKeyHash: pkh, nonce: 1 }).expect("new");
    assert_eq!(events::<Rollup::FactAuthSet>(&r).len(), 1);
}

/// Issue 11: activating exodus mode no longer deletes one hash per block committed ahead of
/// execution, so its gas does not grow with the backlog a validator left (here 2,000 blocks
/// committed without proof).
#[test]
fn exodus_activation_costs_the_same_whatever_is_committed_ahead() {
    fn activation_gas(ahead: u64) -> u64 {
        let mut fx = Fx::new();
        let a = fx.wallets[0].address;
        fx.deposit_eth(a, a, UNIT); // the request that expires
        let mut last = fx.last.clone();
        while last.blockNumber < ahead {
            let batch = (ahead - last.blockNumber).min(250);
            let ts = fx.evm.timestamp();
            let blocks: Vec<CommitBlockInfo> = (1..=batch)
                .map(|i| CommitBlockInfo {
                    blockNumber: last.blockNumber + i,
                    feeAccount: 0,
                    timestamp: ts,
                    newStateRoot: last.stateRoot,
                    onchainOps: vec![],
                    pubdata: vec![0u8; CAPACITY * 13].into(),
                    changePubKeyAuth: vec![],
                })
                .collect();
            let call = Rollup::commitBlocksCall { lastCommitted: last.clone(), newBlocks: blocks };
            let r = fx.send(VALIDATOR, &call).expect("commit");
            let ev = events::<Rollup::BlockCommit>(&r).pop().expect("committed");
            last = StoredBlockInfo {
                blockNumber: ev.blockNumber,
                priorityOperations: 0,
                chunks: CAPACITY as u32,
                timestamp: ts,
                pendingOnchainOpsHash: alloy_primitives::B256::ZERO,
                stateRoot: ev.stateRoot,
                commitment: ev.commitment,
            };
        }
        assert_eq!(fx.view(&Rollup::totalBlocksCommittedCall {}), ahead);
        fx.evm.advance(1, EXPIRATION + 1);
        let r = fx.send(STRANGER, &Rollup::activateExodusModeCall {}).expect("exodus");
        assert_eq!(fx.view(&Rollup::totalBlocksCommittedCall {}), 0);
        assert!(fx.view(&Rollup::exodusModeCall {}));
        // Nothing reads the hashes left behind: every block function refuses in exodus.
        let e = fx
            .send(VALIDATOR, &Rollup::revertBlocksCall { blocks: vec![last] })
            .expect_err("exodus");
        assert!(matches!(err(e), RollupErrors::ExodusActive(_)));
        r.gas_used
    }
    let one = activation_gas(1);
    let many = activation_gas(2000);
    println!("activateExodusMode gas: {one} with 1 block ahead, {many} with 2,000");
    assert!(many <= one + 2_000, "{many} vs {one}");
    assert!(many < 100_000, "{many}");
}

/// Issue 11 item 5: priority operations may sit anywhere in a block, after L2 operations too,
/// but must be exactly the next requests of the queue in queue order.
#[test]
fn priority_operations_may_follow_l2_operations_in_queue_order() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let w1 = fx.wallets[1].address;
    // A transfer's pubdata, from a native block that is never committed.
    let (state, built) = (fx.state.clone(), fx.built);
    let tx = fx.wallets[0].transfer(w1, ETH, 1, 0).expect("sign");
    let transfer_block = fx.block(vec![tx]);
    let transfer = transfer_block.ops[0].encode().expect("encode");
    assert_eq!(transfer.len(), 13, "one chunk");
    (fx.state, fx.built) = (state, built);
    // Two queued deposits and a native block serving them (its operations, in queue order).
    let a = fx.wallets[0].address;
    fx.deposit_eth(a, a, 2);
    fx.deposit_eth(a, w1, 3);
    let deposits = fx.block(vec![]);
    let d1 = deposits.ops[0].encode().expect("encode");
    let d2 = deposits.ops[1].encode().expect("encode");
    let with = |ops: &[&[u8]], onchain: Vec<u32>| {
        let mut pubdata: Vec<u8> = ops.concat();
        pubdata.resize(CAPACITY * 13, 0);
        let mut info = commit_block_info(&deposits).expect("args");
        info.pubdata = pubdata.into();
        info.onchainOps = onchain;
        info
    };
    // Out of queue order: refused at the first.
    let info = with(&[&transfer, &d2, &d1], vec![1, 5]);
    let call = Rollup::commitBlocksCall { lastCommitted: fx.last.clone(), newBlocks: vec![info] };
    let e = err(fx.send(VALIDATOR, &call).expect_err("order"));
    assert!(matches!(e, RollupErrors::PriorityOpMismatch(_)), "{e:?}");
    // A deposit after a transfer chunk, then the next one: accepted.
    let info = with(&[&transfer, &d1, &d2], vec![1, 5]);
    let call = Rollup::commitBlocksCall { lastCommitted: fx.last.clone(), newBlocks: vec![info] };
    fx.send(VALIDATOR, &call).expect("interleaved, in queue order");
    assert_eq!(fx.view(&Rollup::totalCommittedPriorityRequestsCall {}), 2);
}

/// An owner that cannot receive ETH (a contract without a receive function) directs its
/// pending balance elsewhere; no one else can direct it.
#[test]
fn an_owner_that_cannot_take_eth_directs_its_payout_elsewhere() {
    use tern_contracts::bindings::test_helpers::EthRefuser;
    let mut fx = Fx::new();
    fx.with_accounts();
    let (refuser, _) = fx.evm.deploy(GOV, EthRefuser::BYTECODE.clone()).expect("deploy");
    credit_eth(&mut fx, refuser, UNIT);
    let pay = Rollup::withdrawPendingBalanceCall { owner: refuser, tokenId: 0, amount: UNIT };
    let e = fx.send(STRANGER, &pay).expect_err("refuses ETH");
    assert!(matches!(err(e), RollupErrors::EthTransferFailed(_)));
    let elsewhere = Rollup::withdrawPendingBalanceToCall { tokenId: 0, amount: UNIT, to: STRANGER };
    let e = fx.send(STRANGER, &elsewhere).expect_err("only from one's own balance");
    assert!(matches!(err(e), RollupErrors::InsufficientPendingBalance(_)));
    let claim =
        |to: Address| EthRefuser::claimToCall { rollup: fx.rollup, tokenId: 0, amount: UNIT, to };
    let call = claim(Address::ZERO);
    let e = fx.evm.transact(STRANGER, refuser, U256::ZERO, &call).expect_err("to 0");
    assert!(matches!(err(e), RollupErrors::ZeroAddress(_)));
    let before = fx.evm.balance(VALIDATOR);
    let call = claim(VALIDATOR);
    let r = fx.evm.transact(STRANGER, refuser, U256::ZERO, &call).expect("directed");
    assert_eq!(events::<Rollup::Withdrawal>(&r)[0].owner, refuser);
    assert_eq!(fx.evm.balance(VALIDATOR) - before, U256::from(UNIT));
    assert_eq!(fx.view(&Rollup::pendingBalancesCall { _0: refuser, _1: 0 }), 0);
}

/// Finding 7: the success flag alone decides whether a FullExitNFT credits an NFT: set, it
/// credits even an NFT whose identity fields are all zero; clear, it credits nothing even when
/// they are not.
#[test]
fn the_success_flag_alone_decides_a_full_exit_nft() {
    let mut fx = Fx::new();
    fx.with_accounts();
    let (w0, w1) = (fx.wallets[0].clone(), fx.wallets[1].clone());
    let txs = vec![
        fx.wallets[0].mint_nft(w0.address, CONTENT, ETH, 0).expect("sign"),
        fx.wallets[0].mint_nft(w0.address, CONTENT, ETH, 0).expect("sign"),
    ];
    let b = fx.block(txs);
    fx.run(&b);
    // w0 exits its own NFT 0 (identity non-zero), but the flag says not served.
    fx.request_full_exit_nft(&w0, NftId(0));
    let b = fx.block(vec![]);
    fx.flag = Flag::Never;
    fx.commit(&b).expect("commit");
    fx.prove(&b).expect("prove");
    let r = fx.execute(&b).expect("execute");
    assert!(events::<Rollup::PendingNftCredited>(&r).is_empty(), "flag 0: nothing credited");
    assert_eq!(fx.pending_nft(NftId(0)).owner, Address::ZERO);
    // w1 asks for NFT 1, which w0 owns: the identity fields are all zero; with the flag set
    // (standing for a served exit of an NFT whose identity is all zero) it is credited.
    fx.request_full_exit_nft(&w1, NftId(1));
    let b = fx.block(vec![]);
    fx.flag = Flag::Always;
    fx.commit(&b).expect("commit");
    fx.prove(&b).expect("prove");
    let r = fx.execute(&b).expect("execute");
    let credited = events::<Rollup::PendingNftCredited>(&r);
    assert_eq!((credited[0].nftId, credited[0].owner), (1, w1.address), "flag 1: credited");
    assert_eq!(fx.pending_nft(NftId(1)).contentHash.0, [0u8; 32]);
}
