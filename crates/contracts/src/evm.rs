//! An in-process EVM (revm) for contract tests and gas measurements.
//!
//! [`Evm`] holds one in-memory chain: accounts funded at will, contracts deployed from the
//! committed artifacts, calls and transactions with a sender and value, each reporting the gas
//! it used, its logs and its return value. A revert comes back as [`EvmError::Revert`] with the
//! raw revert data; [`EvmError::decode_revert`] turns it into a contract's custom-error enum
//! (`sol!`'s `…Errors`).
//!
//! The spec is Cancun, the `evmVersion` the artifacts are compiled for
//! (`contracts/compile.js`); the chain id is anvil's 31337. Gas prices and the base fee are
//! zero, so senders need ETH only for the value they send.

use alloy_primitives::{Address, Bytes, Log, TxKind, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolInterface};
use revm::context::result::{ExecutionResult, Output};
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::MainnetContext;
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;
use revm::{DatabaseRef, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainnetEvm};

/// The chain id of the in-process chain (anvil's default).
pub const CHAIN_ID: u64 = 31337;

/// Gas limit of every transaction: far above any Tern call, below the block limit.
const TX_GAS_LIMIT: u64 = 30_000_000;

/// Why a deployment, call or transaction did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    /// The call reverted (`REVERT`); `output` is the revert data (a custom error, `Error(string)`,
    /// `Panic(uint256)` or empty).
    #[error("reverted (gas used {gas_used}): 0x{}", alloy_primitives::hex::encode(output))]
    Revert {
        /// The revert data.
        output: Bytes,
        /// Gas used by the transaction.
        gas_used: u64,
    },
    /// Execution halted exceptionally (out of gas, invalid opcode, stack error, …).
    #[error("halted: {reason} (gas used {gas_used})")]
    Halt {
        /// The halt reason, as revm reports it.
        reason: String,
        /// Gas used by the transaction (all of its gas).
        gas_used: u64,
    },
    /// The transaction was invalid before execution (balance, nonce, gas) or the database failed.
    #[error("transaction refused: {0}")]
    Transaction(String),
    /// Return data did not decode as the call's return type.
    #[error("return data does not decode: {0}")]
    Decode(#[from] alloy_sol_types::Error),
    /// A creation succeeded but reported no address.
    #[error("contract creation returned no address")]
    NoAddress,
}

impl EvmError {
    /// The revert data decoded as `E` (a `sol!` errors enum), if this is a revert whose data is
    /// one of `E`'s errors.
    pub fn decode_revert<E: SolInterface>(&self) -> Option<E> {
        match self {
            Self::Revert { output, .. } => E::abi_decode(output).ok(),
            _ => None,
        }
    }
}

/// What a successful transaction produced.
#[derive(Debug, Clone)]
pub struct Receipt<T> {
    /// The decoded return value.
    pub ret: T,
    /// Gas used, as a receipt reports it (intrinsic gas included, refunds applied).
    pub gas_used: u64,
    /// The logs, in emission order.
    pub logs: Vec<Log>,
}

impl<T> Receipt<T> {
    /// The same receipt without its return value (for calls that return nothing).
    pub fn discard(self) -> Receipt<()> {
        Receipt { ret: (), gas_used: self.gas_used, logs: self.logs }
    }
}

/// An in-memory EVM chain (see the module docs).
pub struct Evm {
    evm: MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>,
}

impl Default for Evm {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Evm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evm")
            .field("block", &self.block_number())
            .field("timestamp", &self.timestamp())
            .finish_non_exhaustive()
    }
}

impl Evm {
    /// A fresh chain at block 1, timestamp 1,700,000,000, with no accounts.
    pub fn new() -> Self {
        let mut cfg = CfgEnv::new_with_spec(SpecId::CANCUN);
        cfg.chain_id = CHAIN_ID;
        let block = BlockEnv {
            number: U256::from(1),
            timestamp: U256::from(1_700_000_000u64),
            gas_limit: 2 * TX_GAS_LIMIT,
            basefee: 0,
            ..BlockEnv::default()
        };
        let ctx =
            MainnetContext::<CacheDB<EmptyDB>>::new(CacheDB::new(EmptyDB::new()), SpecId::CANCUN)
                .with_cfg(cfg)
                .with_block(block);
        Self { evm: ctx.build_mainnet() }
    }

    /// A copy of this chain that goes on separately: the same accounts, code, storage, block
    /// number and timestamp. The gas benchmark lands one block two ways from the same state.
    pub fn fork(&self) -> Self {
        let ctx = &self.evm.ctx;
        let db = ctx.journaled_state.database.clone();
        let fork = MainnetContext::<CacheDB<EmptyDB>>::new(db, SpecId::CANCUN)
            .with_cfg(ctx.cfg.clone())
            .with_block(ctx.block.clone());
        Self { evm: fork.build_mainnet() }
    }

    /// Sets `who`'s ETH balance to `wei`, keeping its nonce and code.
    pub fn set_balance(&mut self, who: Address, wei: U256) {
        let mut info = self.account(who);
        info.balance = wei;
        self.evm.ctx.journaled_state.database.insert_account_info(who, info);
    }

    /// `who`'s ETH balance in wei.
    pub fn balance(&self, who: Address) -> U256 {
        self.account(who).balance
    }

    /// Whether code is deployed at `who`.
    pub fn has_code(&self, who: Address) -> bool {
        self.account(who).code.is_some_and(|c| !c.is_empty())
    }

    fn account(&self, who: Address) -> AccountInfo {
        // CacheDB over EmptyDB never fails; an unknown account is the empty one.
        self.evm.ctx.journaled_state.database.basic_ref(who).ok().flatten().unwrap_or_default()
    }

    /// The current block number.
    pub fn block_number(&self) -> u64 {
        self.evm.ctx.block.number.saturating_to()
    }

    /// The current block timestamp.
    pub fn timestamp(&self) -> u64 {
        self.evm.ctx.block.timestamp.saturating_to()
    }

    /// Moves to a later block: the number grows by `blocks`, the timestamp by `seconds`.
    pub fn advance(&mut self, blocks: u64, seconds: u64) {
        let block = &mut self.evm.ctx.block;
        block.number += U256::from(blocks);
        block.timestamp += U256::from(seconds);
    }

    /// Sets the block timestamp.
    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.evm.ctx.block.timestamp = U256::from(timestamp);
    }

    /// Deploys `bytecode` (creation code) with ABI-encoded constructor arguments `args` from
    /// `from`; returns the new address and the receipt.
    pub fn deploy_with<C: SolConstructor>(
        &mut self,
        from: Address,
        bytecode: &[u8],
        args: &C,
    ) -> Result<(Address, Receipt<()>), EvmError> {
        let mut code = bytecode.to_vec();
        code.extend_from_slice(&args.abi_encode());
        self.deploy(from, code.into())
    }

    /// Deploys raw creation code (constructor arguments already appended) from `from`.
    pub fn deploy(
        &mut self,
        from: Address,
        code: Bytes,
    ) -> Result<(Address, Receipt<()>), EvmError> {
        let (out, gas_used, logs) = self.execute(from, TxKind::Create, U256::ZERO, code, true)?;
        match out {
            Output::Create(_, Some(address)) => Ok((address, Receipt { ret: (), gas_used, logs })),
            _ => Err(EvmError::NoAddress),
        }
    }

    /// Sends a transaction calling `to` with `call` and `value` wei from `from`; the state
    /// change is kept.
    pub fn transact<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        call: &C,
    ) -> Result<Receipt<C::Return>, EvmError> {
        let (out, gas_used, logs) =
            self.execute(from, TxKind::Call(to), value, call.abi_encode().into(), true)?;
        let ret = C::abi_decode_returns(out.data())?;
        Ok(Receipt { ret, gas_used, logs })
    }

    /// Runs `call` against `to` as `from` would, without keeping any state change (an
    /// `eth_call`); the receipt's gas is what the transaction would use.
    pub fn call<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<Receipt<C::Return>, EvmError> {
        let (out, gas_used, logs) =
            self.execute(from, TxKind::Call(to), U256::ZERO, call.abi_encode().into(), false)?;
        let ret = C::abi_decode_returns(out.data())?;
        Ok(Receipt { ret, gas_used, logs })
    }

    /// Sends raw calldata with `value` to `to` (a plain ETH transfer when `data` is empty).
    pub fn transact_raw(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: Bytes,
    ) -> Result<Receipt<Bytes>, EvmError> {
        let (out, gas_used, logs) = self.execute(from, TxKind::Call(to), value, data, true)?;
        Ok(Receipt { ret: out.into_data(), gas_used, logs })
    }

    /// Runs raw calldata with `value` wei against `to` as `from` would, keeping no state change
    /// (an `eth_call`, or a node's gas estimate).
    pub fn call_raw(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: Bytes,
    ) -> Result<Receipt<Bytes>, EvmError> {
        let (out, gas_used, logs) = self.execute(from, TxKind::Call(to), value, data, false)?;
        Ok(Receipt { ret: out.into_data(), gas_used, logs })
    }

    fn execute(
        &mut self,
        from: Address,
        kind: TxKind,
        value: U256,
        data: Bytes,
        commit: bool,
    ) -> Result<(Output, u64, Vec<Log>), EvmError> {
        let nonce = self.account(from).nonce;
        let tx = TxEnv::builder()
            .caller(from)
            .kind(kind)
            .value(value)
            .data(data)
            .nonce(nonce)
            .gas_limit(TX_GAS_LIMIT)
            .gas_price(0)
            .chain_id(Some(CHAIN_ID))
            .build()
            .map_err(|e| EvmError::Transaction(format!("{e:?}")))?;
        let result = if commit {
            self.evm.transact_commit(tx)
        } else {
            self.evm.transact(tx).map(|r| r.result)
        }
        .map_err(|e| EvmError::Transaction(e.to_string()))?;
        match result {
            ExecutionResult::Success { gas, logs, output, .. } => {
                Ok((output, gas.tx_gas_used(), logs))
            }
            ExecutionResult::Revert { gas, output, .. } => {
                Err(EvmError::Revert { output, gas_used: gas.tx_gas_used() })
            }
            ExecutionResult::Halt { reason, gas, .. } => {
                Err(EvmError::Halt { reason: format!("{reason:?}"), gas_used: gas.tx_gas_used() })
            }
        }
    }
}
