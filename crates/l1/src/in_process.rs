//! [`InProcessL1`]: an [`EthChain`] on revm inside this process (`tern_contracts::Evm`, Cancun),
//! so that the role traits ([`crate::L1Watch`], [`crate::L1Operator`], [`crate::L1User`]) and [`crate::RollupAdmin`] run the real contracts with no node:
//! the in-memory L1 for tests of the node and its tools.
//!
//! Every client made from one [`InProcessChain`] shares its state; each has its own sender,
//! which needs no key (revm takes the caller as given). The EVM lives on a thread of its own
//! (revm's state is not `Send`) and runs one request at a time, in the order they arrive. Each transaction is mined in a block of
//! its own, 12 seconds after the previous one, and its logs are kept, so
//! [`crate::L1Watch::events`] reads back a block range as it would from a node. Transactions
//! have no hashes here (`tx_hash` is `None`).

use crate::chain::EthChain;
use crate::client::{L1Result, TxOutcome};
use crate::error::{revert_reason, L1Error};
use crate::events::{decode_log, L1Event};
use alloy_primitives::{Address, Bytes, Log, U256};
use alloy_sol_types::SolCall;
use std::sync::mpsc;
use tern_contracts::{Evm, EvmError};

/// Seconds between two blocks of the in-process chain (Ethereum's slot time).
pub const BLOCK_TIME: u64 = 12;

/// A log as a node would report it: its block and its index there.
#[derive(Debug, Clone)]
struct MinedLog {
    block_number: u64,
    log_index: u64,
    log: Log,
}

/// What the EVM thread owns.
struct ChainState {
    evm: Evm,
    logs: Vec<MinedLog>,
}

type Job = Box<dyn FnOnce(&mut ChainState) + Send>;

/// A mined transaction: what it returned (runtime output, or the new contract's address),
/// its gas and block, and its logs.
struct Mined<T> {
    ret: T,
    gas_used: u64,
    block_number: u64,
    logs: Vec<MinedLog>,
}

/// One in-process chain, shared by the [`InProcessL1`] clients made from it. The EVM thread
/// stops when the last handle is dropped.
#[derive(Clone, Debug)]
pub struct InProcessChain {
    jobs: mpsc::Sender<Job>,
}

impl Default for InProcessChain {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessChain {
    /// A fresh chain (block 1, no accounts) on a new thread.
    pub fn new() -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::spawn(move || {
            let mut state = ChainState { evm: Evm::new(), logs: Vec::new() };
            while let Ok(job) = queue.recv() {
                job(&mut state);
            }
        });
        Self { jobs }
    }

    /// A client on this chain sending as `sender`, for the rollup at `rollup`
    /// ([`Address::ZERO`] before deploying).
    pub fn client(&self, sender: Address, rollup: Address) -> InProcessL1 {
        InProcessL1 { chain: self.clone(), sender, rollup }
    }

    /// Sets `who`'s ETH balance (the chain has no faucet).
    pub fn set_balance(&self, who: Address, wei: U256) -> L1Result<()> {
        self.run(move |s| s.evm.set_balance(who, wei))
    }

    /// Moves the clock on by `seconds` (and one block), e.g. past a priority request's deadline.
    pub fn advance_time(&self, seconds: u64) -> L1Result<()> {
        self.run(move |s| s.evm.advance(1, seconds))
    }

    /// Runs `f` on the EVM thread and waits for its result.
    fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut ChainState) -> R + Send + 'static,
    ) -> L1Result<R> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |state| {
            // The caller may have gone away; then nobody needs the answer.
            let _ = reply.send(f(state));
        });
        let stopped = || L1Error::Node("the in-process chain's EVM thread has stopped".to_owned());
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())
    }

    /// Mines `tx` in a new block, [`BLOCK_TIME`] after the last, and keeps its logs. `check`
    /// runs first without keeping anything, as a node's client estimates gas before it sends:
    /// a transaction that would revert is refused and nothing is mined, as on a node.
    fn mine<T: Send + 'static>(
        &self,
        check: impl FnOnce(&mut Evm) -> Result<(), EvmError> + Send + 'static,
        tx: impl FnOnce(&mut Evm) -> Result<(T, u64, Vec<Log>), EvmError> + Send + 'static,
    ) -> L1Result<Result<Mined<T>, EvmError>> {
        self.run(move |state| {
            check(&mut state.evm)?;
            state.evm.advance(1, BLOCK_TIME);
            let block_number = state.evm.block_number();
            let (ret, gas_used, logs) = tx(&mut state.evm)?;
            let logs: Vec<MinedLog> = logs
                .into_iter()
                .enumerate()
                .map(|(i, log)| MinedLog { block_number, log_index: i as u64, log })
                .collect();
            state.logs.extend(logs.iter().cloned());
            Ok(Mined { ret, gas_used, block_number, logs })
        })
    }
}

/// A client on an [`InProcessChain`] (see the module docs).
#[derive(Clone, Debug)]
pub struct InProcessL1 {
    chain: InProcessChain,
    sender: Address,
    rollup: Address,
}

impl InProcessL1 {
    /// The chain this client is on.
    pub fn chain(&self) -> &InProcessChain {
        &self.chain
    }

    /// The same chain and rollup, sending as `sender`.
    pub fn as_sender(&self, sender: Address) -> Self {
        Self { chain: self.chain.clone(), sender, rollup: self.rollup }
    }

    /// The rollup's events among `logs` (a transaction's, or a block range's: every contract's
    /// logs, as a node keeps them), each decoded as one from this rollup's address.
    fn events_of(&self, logs: &[MinedLog]) -> L1Result<Vec<L1Event>> {
        let mut out = Vec::new();
        for mined in logs.iter().filter(|m| m.log.address == self.rollup) {
            out.push(L1Event {
                block_number: mined.block_number,
                tx_hash: None,
                log_index: Some(mined.log_index),
                kind: decode_log(self.rollup, &mined.log)?,
            });
        }
        Ok(out)
    }

    fn outcome<T>(
        &self,
        call: &'static str,
        mined: Result<Mined<T>, EvmError>,
    ) -> L1Result<(T, TxOutcome)> {
        let mined = mined.map_err(|e| evm_error(call, e))?;
        let events = self.events_of(&mined.logs)?;
        let outcome = TxOutcome {
            tx_hash: None,
            block_number: mined.block_number,
            gas_used: mined.gas_used,
            events,
        };
        Ok((mined.ret, outcome))
    }
}

/// An in-process EVM failure as an [`L1Error`]: a revert keeps its data and decoded reason.
fn evm_error(call: &'static str, e: EvmError) -> L1Error {
    match e {
        EvmError::Revert { output, .. } => {
            L1Error::Revert { call, reason: revert_reason(&output), data: output }
        }
        EvmError::Decode(source) => L1Error::Decode { call, source },
        EvmError::NoAddress => L1Error::NoContractAddress(call),
        other => L1Error::Node(format!("{call}: {other}")),
    }
}

impl EthChain for InProcessL1 {
    fn signer_address(&self) -> Address {
        self.sender
    }

    fn rollup_address(&self) -> Address {
        self.rollup
    }

    fn with_rollup(&self, rollup: Address) -> Self {
        Self { chain: self.chain.clone(), sender: self.sender, rollup }
    }

    async fn latest_block_number(&self) -> L1Result<u64> {
        self.chain.run(|s| s.evm.block_number())
    }

    async fn latest_timestamp(&self) -> L1Result<u64> {
        self.chain.run(|s| s.evm.timestamp())
    }

    async fn eth_balance(&self, who: Address) -> L1Result<U256> {
        self.chain.run(move |s| s.evm.balance(who))
    }

    async fn transact<C: SolCall + Sync>(
        &self,
        to: Address,
        value: U256,
        call: &C,
    ) -> L1Result<TxOutcome> {
        let (from, data) = (self.sender, Bytes::from(call.abi_encode()));
        let estimate = data.clone();
        let mined = self.chain.mine(
            move |evm| evm.call_raw(from, to, value, estimate).map(drop),
            move |evm| {
                let r = evm.transact_raw(from, to, value, data)?;
                Ok(((), r.gas_used, r.logs))
            },
        )?;
        Ok(self.outcome(C::SIGNATURE, mined)?.1)
    }

    async fn call_view<C: SolCall + Sync>(&self, to: Address, call: &C) -> L1Result<C::Return> {
        let (from, data) = (self.sender, Bytes::from(call.abi_encode()));
        let out = self
            .chain
            .run(move |s| s.evm.call_raw(from, to, U256::ZERO, data))?
            .map_err(|e| evm_error(C::SIGNATURE, e))?;
        C::abi_decode_returns(&out.ret)
            .map_err(|source| L1Error::Decode { call: C::SIGNATURE, source })
    }

    async fn deploy_code(&self, name: &'static str, code: Bytes) -> L1Result<(Address, TxOutcome)> {
        let from = self.sender;
        // Not estimated first: a creation that fails is mined as a failed transaction (its
        // sender's nonce moves on), as a node would mine one sent without an estimate.
        let mined = self.chain.mine(
            |_| Ok(()),
            move |evm| {
                let (address, r) = evm.deploy(from, code)?;
                Ok((address, r.gas_used, r.logs))
            },
        )?;
        self.outcome(name, mined)
    }

    async fn rollup_events(&self, from_block: u64, to_block: u64) -> L1Result<Vec<L1Event>> {
        let logs = self.chain.run(move |s| {
            s.logs
                .iter()
                .filter(|m| (from_block..=to_block).contains(&m.block_number))
                .cloned()
                .collect::<Vec<_>>()
        })?;
        self.events_of(&logs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;
    use tern_contracts::bindings::test_helpers::TestERC20;

    const ALICE: Address = address!("0x00000000000000000000000000000000000000a1");
    const BOB: Address = address!("0x00000000000000000000000000000000000000b0");

    #[tokio::test]
    async fn transactions_mine_blocks_and_reverts_mine_nothing() {
        let chain = InProcessChain::new();
        let alice = chain.client(ALICE, Address::ZERO);
        let start = alice.latest_block_number().await.expect("block");
        let t0 = alice.latest_timestamp().await.expect("time");
        let (token, deployed) =
            alice.deploy_code("TestERC20", TestERC20::BYTECODE.clone()).await.expect("deploy");
        assert_eq!(deployed.block_number, start + 1);
        let mint = TestERC20::mintCall { to: ALICE, amount: U256::from(5) };
        let minted = alice.transact(token, U256::ZERO, &mint).await.expect("mint");
        assert_eq!(minted.block_number, start + 2);
        assert_eq!(alice.latest_timestamp().await.expect("time"), t0 + 2 * BLOCK_TIME);
        // Bob has no allowance: refused with the token's reason, and no block is mined.
        let bob = alice.as_sender(BOB);
        let steal = TestERC20::transferFromCall { from: ALICE, to: BOB, amount: U256::from(1) };
        let e = bob.transact(token, U256::ZERO, &steal).await.expect_err("no allowance");
        assert!(
            matches!(&e, L1Error::Revert { reason, .. } if reason.contains("allowance")),
            "{e}"
        );
        assert_eq!(bob.latest_block_number().await.expect("block"), start + 2);
        let held = bob.call_view(token, &TestERC20::balanceOfCall(ALICE)).await.expect("view");
        assert_eq!(held, U256::from(5));
        // Both clients see one chain.
        chain.set_balance(BOB, U256::from(7)).expect("faucet");
        assert_eq!(alice.eth_balance(BOB).await.expect("balance"), U256::from(7));
    }
}
