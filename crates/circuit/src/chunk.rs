//! One chunk slot of the block circuit: the operation frame, two leaf updates, one signature,
//! and every operation's rules, each gated by the slot's role (`docs/spec/circuit.md`).
//!
//! A *role* is a pair (operation type, position in the operation). Exactly one role is active
//! in each slot, as a one-hot vector of selector bits carried from slot to slot, so any
//! per-role constant (which account a unit updates, which token, which message type) is a free
//! linear combination of selectors, and a per-role rule costs one constraint.

use crate::layout::{chunk_pieces, chunks, Arg, Aux, ARGS, AUX, OPCODES};
use crate::util::{
    be_value, le_value, pow2, range_check, reversed, siblings, sum, witness, witness_bits_le, Cs,
};
use crate::witness::{ChunkWitness, UnitWitness};
use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::uint8::UInt8;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::SynthesisError;
use tern_primitives::babyjubjub::r1cs::PointVar;
use tern_primitives::eddsa::r1cs::{to_bits_le_strict, verify_var, SignatureVar};
use tern_primitives::float::r1cs::{enforce_canonical, unpack_var};
use tern_primitives::float::{FloatFormat, AMOUNT, FEE};
use tern_primitives::poseidon::r1cs::poseidon_var;
use tern_primitives::Fr;
use tern_state::tree::r1cs::MerklePathVar;
use tern_state::tree::SparseMerkleTree;
use tern_types::params::{
    ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH, CHUNK_BITS, RATIO_BITS, TOKEN_BITS,
};
use tern_types::tx::tx_type::*;

type Var = FpVar<Fr>;

/// Bits of a balance (`u128`).
const BALANCE_BITS: usize = 128;
/// Bits of a time bound and of the block timestamp.
const TIME_BITS: usize = 64;
/// Bits of an account or NFT index.
const INDEX_BITS: usize = 2 * ACCOUNT_TREE_DEPTH;
/// `amount × ratio` is below `2^(128 + RATIO_BITS)`; a price difference is range-checked on
/// this many bits.
const PRICE_BITS: usize = 128 + RATIO_BITS as usize;

/// What one slot hands to the next: the state, the operation frame and the arguments.
#[derive(Clone)]
pub(crate) struct Carry {
    /// The account tree's root.
    pub(crate) account_root: Var,
    /// The NFT tree's root.
    pub(crate) nft_root: Var,
    /// `next_nft_id`.
    pub(crate) next_nft_id: Var,
    /// `next_account_id`: the only id a new account may take.
    pub(crate) next_account_id: Var,
    /// The previous slot's selectors, `[opcode][position]`.
    selectors: Vec<Vec<Var>>,
    args: Vec<Var>,
    remaining: Vec<Var>,
    aux: Vec<Var>,
}

impl Carry {
    /// The state before the first slot; the first slot starts an operation.
    pub(crate) fn start(
        account_root: Var,
        nft_root: Var,
        next_nft_id: Var,
        next_account_id: Var,
    ) -> Self {
        let selectors = OPCODES.iter().map(|&op| vec![Var::zero(); chunks(op)]).collect();
        Self {
            account_root,
            nft_root,
            next_nft_id,
            next_account_id,
            selectors,
            args: vec![Var::zero(); ARGS],
            remaining: vec![Var::zero(); ARGS],
            aux: vec![Var::zero(); AUX],
        }
    }

    /// 1 if the previous slot ended its operation (constant 1 before the first slot).
    fn ended(&self) -> Var {
        let all_zero = self.selectors.iter().flatten().all(|s| s.is_constant());
        if all_zero {
            return Var::one();
        }
        self.selectors.iter().filter_map(|s| s.last()).fold(Var::zero(), |acc, s| acc + s)
    }

    /// Enforces that the block ends with a whole operation and that every argument was spelled
    /// out in full.
    pub(crate) fn finish(&self) -> Result<(), SynthesisError> {
        self.ended().enforce_equal(&Var::one())?;
        for r in &self.remaining {
            r.enforce_equal(&Var::zero())?;
        }
        Ok(())
    }
}

/// What a slot hands to the block besides the carry.
pub(crate) struct ChunkOut {
    /// The chunk's 13 pubdata bytes.
    pub(crate) bytes: Vec<UInt8<Fr>>,
    /// Whether the chunk is the first of an on-chain operation (its bitmap bit).
    pub(crate) onchain: Boolean<Fr>,
    /// The fee this slot adds to the block (non-zero only in an operation's first chunk).
    pub(crate) fee: Var,
    /// The fee's token.
    pub(crate) fee_token: Var,
}

/// `x · gate = 0`: `x` is zero wherever `gate` is 1 (1 constraint).
fn zero_if(x: &Var, gate: &Var) -> Result<(), SynthesisError> {
    x.mul_equals(gate, &Var::zero())
}

/// `x ≠ 0` wherever `gate` is 1, for a Boolean `gate`: `x · inv = gate` (1 constraint).
fn nonzero_if(x: &Var, gate: &Var) -> Result<(), SynthesisError> {
    let inv = Var::new_witness(x.cs().or(gate.cs()), || {
        let (x, g) = (x.value()?, gate.value()?);
        Ok(if g == Fr::ZERO { Fr::ZERO } else { x.inverse().unwrap_or(Fr::ZERO) })
    })?;
    x.mul_equals(&inv, gate)
}

/// `a + gate · (b − a)`: `b` where `gate` is 1, else `a` (1 constraint).
fn pick(gate: &Var, b: &Var, a: &Var) -> Result<Var, SynthesisError> {
    Ok(a + gate * (b - a))
}

/// Sum of variables (free).
fn add_all<'a>(xs: impl IntoIterator<Item = &'a Var>) -> Var {
    xs.into_iter().fold(Var::zero(), |acc, x| acc + x)
}

/// A packed float argument: its bits (most significant first, as in pubdata), decoded and
/// checked canonical. Returns the value.
fn float_arg(cs: &Cs, packed: &Var, format: FloatFormat) -> Result<Var, SynthesisError> {
    let value = packed.value().map(low_u128).unwrap_or(0);
    // Most significant first, as in pubdata.
    let bits = reversed(&witness_bits_le(cs, value, format.bits() as usize)?);
    be_value(&bits)?.enforce_equal(packed)?;
    enforce_canonical(&bits, format)?;
    unpack_var(&bits, format)
}

/// The low 128 bits of a field element (the leaf inputs this slot decomposes are below 2⁸⁰;
/// a larger witness only fails the decomposition's equality).
fn low_u128(x: Fr) -> u128 {
    let limbs = x.into_bigint().0;
    u128::from(limbs[0]) | u128::from(limbs[1]) << 64
}

/// The constant root of an empty balance tree.
fn empty_balance_root() -> Result<Fr, SynthesisError> {
    SparseMerkleTree::new(BALANCE_TREE_DEPTH as u8, Fr::ZERO)
        .map(|mut t| t.root())
        .map_err(|_| SynthesisError::Unsatisfiable)
}

/// A leaf update's variables: the leaf before, its balance, and both paths.
struct Unit {
    index_bits: Vec<Boolean<Fr>>,
    index: Var,
    token: Var,
    token_bits: Vec<Boolean<Fr>>,
    f: [Var; 4],
    balance: Var,
    balance_siblings: Vec<[Var; 3]>,
    path_siblings: Vec<[Var; 3]>,
}

impl Unit {
    fn new(cs: &Cs, w: &UnitWitness) -> Result<Self, SynthesisError> {
        let index_bits = witness_bits_le(cs, u128::from(w.index), INDEX_BITS)?;
        let token_bits = witness_bits_le(cs, u128::from(w.token), TOKEN_BITS)?;
        let [f0, f1, f2, f3] = w.fields.map(|f| witness(cs, f));
        Ok(Self {
            index: le_value(&index_bits)?,
            token: le_value(&token_bits)?,
            index_bits,
            token_bits,
            f: [f0?, f1?, f2?, f3?],
            balance: witness(cs, Fr::from(w.balance))?,
            balance_siblings: siblings(cs, &w.balance_proof, BALANCE_TREE_DEPTH)?,
            path_siblings: siblings(cs, &w.path, ACCOUNT_TREE_DEPTH)?,
        })
    }

    /// Balance-tree roots before and after `new_balance`.
    fn balance_roots(&self, new_balance: &Var) -> Result<(Var, Var), SynthesisError> {
        MerklePathVar::from_parts(self.token_bits.clone(), self.balance_siblings.clone())?
            .update(&self.balance, new_balance)
    }

    /// Tree roots before and after replacing `old` with `new` at the unit's index.
    fn roots(&self, old: &Var, new: &Var) -> Result<(Var, Var), SynthesisError> {
        MerklePathVar::from_parts(self.index_bits.clone(), self.path_siblings.clone())?
            .update(old, new)
    }
}

/// Synthesises one chunk slot; updates `carry`.
pub(crate) fn chunk_slot(
    cs: &Cs,
    w: &ChunkWitness,
    carry: &mut Carry,
    ts: &Var,
) -> Result<ChunkOut, SynthesisError> {
    let bits = (0..CHUNK_BITS)
        .map(|k| {
            let bit = (w.pubdata[k / 8] >> (7 - k % 8)) & 1 == 1;
            Boolean::new_witness(cs.clone(), || Ok(bit))
        })
        .collect::<Result<Vec<_>, _>>()?;

    // ---- The operation frame. ----
    // A slot continues its operation unless the previous slot was the operation's last; a new
    // operation's opcode is the chunk's first four bits.
    let is_first = carry.ended();
    let mut sel: Vec<Vec<Var>> = Vec::with_capacity(OPCODES.len());
    for (o, &op) in OPCODES.iter().enumerate() {
        let starts = w.opcode == op && w.position == 0;
        let mut row = vec![Var::from(Boolean::new_witness(cs.clone(), || Ok(starts))?)];
        row.extend(carry.selectors[o].iter().take(chunks(op) - 1).cloned());
        sel.push(row);
    }
    add_all(sel.iter().map(|r| &r[0])).enforce_equal(&is_first)?;
    let opcode_sel =
        add_all(&OPCODES.iter().zip(&sel).map(|(&op, r)| &r[0] * Fr::from(op)).collect::<Vec<_>>());
    let opcode_bits = be_value(&bits[..4])?;
    (&is_first * &opcode_bits).enforce_equal(&opcode_sel)?;

    // The arguments: carried through the operation, and spelled by its chunks' bits.
    let args = w.args.iter().map(|a| witness(cs, *a)).collect::<Result<Vec<_>, _>>()?;
    let aux = w.aux.iter().map(|a| witness(cs, *a)).collect::<Result<Vec<_>, _>>()?;
    let continues = Var::one() - &is_first;
    for (new, old) in args.iter().zip(&carry.args).chain(aux.iter().zip(&carry.aux)) {
        zero_if(&(new - old), &continues)?;
    }
    let mut spelled = vec![Var::zero(); ARGS];
    let mut padding = Var::zero();
    for (o, &op) in OPCODES.iter().enumerate() {
        for (position, s) in sel[o].iter().enumerate() {
            let (pieces, pad) = chunk_pieces(op, position);
            for p in pieces {
                let value = crate::util::combine(&bits[p.chunk_bits.clone()], |i| {
                    pow2((p.shift - i) as u64)
                })?;
                spelled[p.arg as usize] += s * value;
            }
            if !pad.is_empty() {
                let pad_bits: Vec<Boolean<Fr>> = pad.iter().map(|&k| bits[k].clone()).collect();
                padding += s * sum(&pad_bits)?;
            }
        }
    }
    padding.enforce_equal(&Var::zero())?;
    let mut remaining = Vec::with_capacity(ARGS);
    for ((arg, left), spelled) in args.iter().zip(&carry.remaining).zip(&spelled) {
        zero_if(left, &is_first)?;
        remaining.push(left + &is_first * arg - spelled);
    }

    let role = |op: u8, position: usize| -> Var {
        OPCODES
            .iter()
            .position(|&o| o == op)
            .and_then(|o| sel[o].get(position))
            .cloned()
            .unwrap_or_else(Var::zero)
    };
    let deposit = role(DEPOSIT, 0);
    let to_new = role(TRANSFER_TO_NEW, 0);
    let withdraw = role(WITHDRAW, 0);
    let transfer = role(TRANSFER, 0);
    let full_exit = role(FULL_EXIT, 0);
    let cpk = role(CHANGE_PUB_KEY, 0);
    let forced = role(FORCED_EXIT, 0);
    let (sw0, sw1, sw2) = (role(SWAP, 0), role(SWAP, 1), role(SWAP, 2));
    let (mint0, mint1) = (role(MINT_NFT, 0), role(MINT_NFT, 1));
    let (tn0, tn1) = (role(TRANSFER_NFT, 0), role(TRANSFER_NFT, 1));
    let wn0 = role(WITHDRAW_NFT, 0);
    let fen0 = role(FULL_EXIT_NFT, 0);

    let a = |x: Arg| args[x as usize].clone();
    let x = |x: Aux| aux[x as usize].clone();
    let amount_a = float_arg(cs, &a(Arg::AmountA), AMOUNT)?;
    let amount_b = float_arg(cs, &a(Arg::AmountB), AMOUNT)?;
    let fee = float_arg(cs, &a(Arg::Fee), FEE)?;
    let amount = a(Arg::Amount);

    // ---- Unit 0: the signer's (or a priority operation's) account. ----
    let u0 = Unit::new(cs, &w.units[0])?;
    let active0 = add_all([
        &deposit, &to_new, &withdraw, &transfer, &full_exit, &cpk, &forced, &sw0, &sw1, &sw2,
        &mint0, &tn0, &wn0, &fen0,
    ]);
    let signs = add_all([
        &to_new, &withdraw, &transfer, &cpk, &forced, &sw0, &sw1, &sw2, &mint0, &tn0, &wn0,
    ]);
    let id0 = a(Arg::Id0) * (&active0 - &sw0 - &sw1) + a(Arg::Id1) * &sw0 + a(Arg::Id2) * &sw1;
    u0.index.enforce_equal(&id0)?;
    let tok0 = a(Arg::Tok0)
        * add_all([&transfer, &to_new, &withdraw, &deposit, &full_exit, &sw0, &forced])
        + a(Arg::Tok1) * &sw1
        + a(Arg::FeeTok) * add_all([&cpk, &sw2, &mint0, &tn0, &wn0]);
    u0.token.enforce_equal(&tok0)?;

    let meta_bits = witness_bits_le(cs, low_u128(w.units[0].fields[0]), 64)?;
    let meta = &u0.f[0];
    le_value(&meta_bits)?.enforce_equal(meta)?;
    let nonce = le_value(&meta_bits[..32])?;
    let minted = le_value(&meta_bits[32..])?;
    let (pkh, address) = (&u0.f[1], &u0.f[2]);

    let bit0 = x(Aux::Bit0);
    let bit1 = x(Aux::Bit1);
    zero_if(&(&bit0 * (Var::one() - &bit0)), &Var::one())?;
    zero_if(&(&bit1 * (Var::one() - &bit1)), &Var::one())?;
    let bumps = add_all([&to_new, &withdraw, &transfer, &cpk, &forced, &sw2, &mint0, &tn0, &wn0])
        + &sw0 * &bit0
        + &sw1 * &bit1;
    let max32 = Var::constant(pow2(32) - Fr::ONE);
    nonzero_if(&(&nonce - &max32), &bumps)?;
    nonzero_if(&(&minted - &max32), &mint0)?;
    let new_meta = meta + &bumps + &mint0 * pow2(32);
    let new_pkh = pick(&cpk, &a(Arg::Pkh), pkh)?;
    let new_address = pick(&deposit, &a(Arg::Addr0), address)?;

    let debit0 = (&amount_a + &fee) * (&transfer + &to_new)
        + (&amount + &fee) * &withdraw
        + &fee * add_all([&cpk, &forced, &sw2, &mint0, &tn0, &wn0])
        + &amount_a * &sw0
        + &amount_b * &sw1
        + &amount * (&full_exit - &deposit);
    let new_balance0 = &u0.balance - &debit0;
    range_check(&new_balance0, BALANCE_BITS)?;
    let (balances_before, balances_after) = u0.balance_roots(&new_balance0)?;
    let leaf_before =
        poseidon_var(&[meta.clone(), pkh.clone(), address.clone(), balances_before.clone()])?;
    let leaf_after = poseidon_var(&[new_meta, new_pkh, new_address, balances_after])?;
    let (root_before, root_after) = u0.roots(&leaf_before, &leaf_after)?;
    zero_if(&(&root_before - &carry.account_root), &active0)?;
    let account_root = pick(&active0, &root_after, &carry.account_root)?;

    // Rules on unit 0's account.
    // An empty slot (address 0) is nobody's: it never matches a requester, even one that names
    // the zero address, so a ChangePubKey or a full exit cannot act on it.
    let is_new = Var::from(address.is_zero()?);
    let owner_match = Var::from(address.is_eq(&a(Arg::Addr0))?) * (Var::one() - &is_new);
    let empty = Var::constant(empty_balance_root()?);
    // Deposit: to the account with that address, or to an empty slot that becomes it.
    zero_if(&((Var::one() - &owner_match) * (Var::one() - &is_new)), &deposit)?;
    let creates = &deposit * &is_new;
    zero_if(meta, &creates)?;
    zero_if(pkh, &creates)?;
    zero_if(&(&balances_before - &empty), &creates)?;
    // Accounts are created in sequence: only at `next_account_id`.
    zero_if(&(a(Arg::Id0) - &carry.next_account_id), &creates)?;
    // Deposits, new accounts and withdrawals never name the zero address (funds sent there
    // are lost).
    nonzero_if(&a(Arg::Addr0), &add_all([&deposit, &to_new, &withdraw, &wn0]))?;
    // FullExit: the whole balance if the requester owns the account, else nothing.
    zero_if(&(&amount - &owner_match * &u0.balance), &full_exit)?;
    // ChangePubKey: the pubdata's address and nonce are the account's.
    zero_if(&(Var::one() - &owner_match), &cpk)?;
    zero_if(&(&nonce - &a(Arg::Nonce)), &cpk)?;
    // A signer other than a ChangePubKey's must already have a key.
    nonzero_if(pkh, &(&signs - &cpk))?;
    // MintNFT: the NFT records the creator's address and serial.
    zero_if(&(&x(Aux::Serial) - &minted), &mint0)?;
    zero_if(&(&x(Aux::CreatorAddr) - address), &mint0)?;

    // ---- Unit 1: a second account, or an NFT slot. ----
    let u1 = Unit::new(cs, &w.units[1])?;
    let nft_mode = add_all([&mint1, &tn0, &wn0, &fen0]);
    let account_mode = add_all([&transfer, &to_new, &forced, &sw0, &sw1, &mint0, &tn1]);
    let id1 = a(Arg::Id1) * add_all([&transfer, &to_new, &forced, &sw0, &mint0, &tn1])
        + a(Arg::Id2) * &sw1
        + a(Arg::Nft) * &nft_mode;
    u1.index.enforce_equal(&id1)?;
    let tok1 = a(Arg::Tok0) * add_all([&transfer, &to_new, &forced, &sw1]) + a(Arg::Tok1) * &sw0;
    u1.token.enforce_equal(&tok1)?;

    let [f0, f1, f2, f3] = &u1.f;
    let credit1 =
        &amount_a * add_all([&transfer, &to_new, &sw1]) + &amount_b * &sw0 - &amount * &forced;
    let new_balance1 = &u1.balance + &credit1;
    range_check(&new_balance1, BALANCE_BITS)?;
    let (balances_before1, balances_after1) = u1.balance_roots(&new_balance1)?;

    let minted_f0 = a(Arg::Id1) + a(Arg::Id0) * pow2(24) + x(Aux::Serial) * pow2(48);
    let g0 = f0 + &mint1 * (&minted_f0 - f0) + &tn0 * (a(Arg::Id1) - a(Arg::Id0));
    let g1 = pick(&mint1, &x(Aux::CreatorAddr), f1)?;
    let g2 = f2 + &mint1 * (a(Arg::ContentHi) - f2) + &to_new * (a(Arg::Addr0) - f2);
    let g3 = pick(&mint1, &a(Arg::ContentLo), f3)?;
    let in3_before = pick(&nft_mode, f3, &balances_before1)?;
    let in3_after = pick(&nft_mode, &g3, &balances_after1)?;
    let hash_before = poseidon_var(&[f0.clone(), f1.clone(), f2.clone(), in3_before])?;
    let hash_after = poseidon_var(&[g0, g1, g2.clone(), in3_after])?;
    let e_before = Var::from(Boolean::new_witness(cs.clone(), || Ok(w.units[1].empty_before))?);
    let e_after = Var::from(Boolean::new_witness(cs.clone(), || Ok(w.units[1].empty_after))?);
    let leaf_before1 = &hash_before * (Var::one() - &e_before);
    let leaf_after1 = &hash_after * (Var::one() - &e_after);
    let (root_before1, root_after1) = u1.roots(&leaf_before1, &leaf_after1)?;
    let tree_root = pick(&nft_mode, &carry.nft_root, &account_root)?;
    zero_if(&(&root_before1 - &tree_root), &(&nft_mode + &account_mode))?;
    let account_root = pick(&account_mode, &root_after1, &account_root)?;
    let nft_root = pick(&nft_mode, &root_after1, &carry.nft_root)?;

    // Emptiness only exists in the NFT tree (an empty account slot is a hashed all-zero leaf).
    let not_nft = Var::one() - &nft_mode;
    zero_if(&e_before, &not_nft)?;
    zero_if(&e_after, &not_nft)?;
    // The NFT leaf's first input: owner (24 bits) and the rest (creator id, serial).
    let f0_value = low_u128(w.units[1].fields[0]);
    let owner_bits = witness_bits_le(cs, f0_value, 24)?;
    let rest_bits = witness_bits_le(cs, f0_value >> 24, 56)?;
    let owner = le_value(&owner_bits)?;
    (&owner + le_value(&rest_bits)? * pow2(24)).enforce_equal(f0)?;

    // Transfer, TransferNFT and MintNFT recipients exist; MintNFT and TransferNFT sign their
    // address.
    nonzero_if(f2, &add_all([&transfer, &mint0, &tn1]))?;
    zero_if(&(&x(Aux::Addr) - f2), &(&mint0 + &tn1))?;
    // TransferToNew: the slot was empty (each field, so that this holds without a range
    // invariant on the leaf's fields), and it is the next account id.
    zero_if(f0, &to_new)?;
    zero_if(f1, &to_new)?;
    zero_if(f2, &to_new)?;
    zero_if(&(&balances_before1 - &empty), &to_new)?;
    zero_if(&(a(Arg::Id1) - &carry.next_account_id), &to_new)?;
    let next_account_id = &carry.next_account_id + &creates + &to_new;
    // ForcedExit: a keyless target with the signed address loses its whole, non-zero balance.
    zero_if(&(f2 - a(Arg::Addr0)), &forced)?;
    zero_if(f1, &forced)?;
    zero_if(&(&amount - &u1.balance), &forced)?;
    nonzero_if(&amount, &forced)?;
    // MintNFT: a fresh slot at next_nft_id.
    zero_if(&(Var::one() - &e_before), &mint1)?;
    zero_if(&e_after, &mint1)?;
    zero_if(&(a(Arg::Nft) - &carry.next_nft_id), &mint1)?;
    let next_nft_id = &carry.next_nft_id + &mint1;
    // TransferNFT: an existing NFT of the sender's stays an NFT.
    zero_if(&(&e_before + &e_after), &tn0)?;
    zero_if(&(&owner - a(Arg::Id0)), &tn0)?;
    // WithdrawNFT, and FullExitNFT when the requester owns both the account and the NFT: the
    // pubdata carries the NFT's identity and the slot empties. An unowned FullExitNFT carries
    // zeros and changes nothing.
    let owner_is_id0 = Var::from(owner.is_eq(&a(Arg::Id0))?);
    let owned = &owner_match * &owner_is_id0 * (Var::one() - &e_before);
    let exits = &fen0 * &owned;
    let info = &wn0 + &exits;
    zero_if(&e_before, &wn0)?;
    let info_f0 = a(Arg::Id0) + a(Arg::Creator) * pow2(24) + a(Arg::Serial) * pow2(48);
    zero_if(&(f0 - info_f0), &info)?;
    zero_if(&(f1 - a(Arg::Addr1)), &info)?;
    zero_if(&(f2 - a(Arg::ContentHi)), &info)?;
    zero_if(&(f3 - a(Arg::ContentLo)), &info)?;
    zero_if(&(Var::one() - &e_after), &info)?;
    let unowned = &fen0 - &exits;
    for field in [Arg::Creator, Arg::Addr1, Arg::Serial, Arg::ContentHi, Arg::ContentLo] {
        zero_if(&a(field), &unowned)?;
    }
    zero_if(&(&e_after - &e_before), &unowned)?;
    // FullExitNFT says explicitly whether it was served (its 1-bit `success` field).
    zero_if(&(a(Arg::Mask) - &exits), &fen0)?;

    // ---- The signature. ----
    let sig = &w.signature;
    let signed_nonce = witness(cs, sig.nonce)?;
    let valid_from = witness(cs, sig.valid_from)?;
    let valid_until = witness(cs, sig.valid_until)?;
    // Every witnessed field of a signed message at its declared width
    // (`docs/spec/transactions.md`): otherwise `valid_from − 2⁶⁴` with `nonce + 1` hashes to
    // the same `m0`, and a cancelled transaction replays at the next nonce.
    range_check(&valid_from, TIME_BITS)?;
    range_check(&valid_until, TIME_BITS)?;
    range_check(&(ts - &valid_from), TIME_BITS)?;
    range_check(&(&valid_until - ts), TIME_BITS)?;
    zero_if(&(&signed_nonce - &nonce), &signs)?;

    let key = PointVar::new_witness_unchecked(cs.clone(), || Ok(sig.pub_key))?;
    let signature = SignatureVar::new_witness(cs.clone(), || Ok(sig.signature))?;
    let key_hash = to_bits_le_strict(&poseidon_var(&[key.x.clone(), key.y.clone()])?)?;
    let signer_pkh = pick(&cpk, &a(Arg::Pkh), pkh)?;
    zero_if(&(le_value(&key_hash[..160])? - signer_pkh), &signs)?;

    let order_amount = witness(cs, sig.order_amount)?;
    range_check(&order_amount, BALANCE_BITS)?;
    let ratio_sell = witness(cs, sig.ratio.0)?;
    let ratio_buy = witness(cs, sig.ratio.1)?;
    let ty = add_all(&[
        (&transfer + &to_new) * Fr::from(TRANSFER),
        &withdraw * Fr::from(WITHDRAW),
        &cpk * Fr::from(CHANGE_PUB_KEY),
        &forced * Fr::from(FORCED_EXIT),
        (&sw0 + &sw1) * Fr::from(ORDER),
        &sw2 * Fr::from(SWAP),
        &mint0 * Fr::from(MINT_NFT),
        &tn0 * Fr::from(TRANSFER_NFT),
        &wn0 * Fr::from(WITHDRAW_NFT),
    ]);
    let m0 = ty * pow2(192)
        + &u0.index * pow2(160)
        + &signed_nonce * pow2(128)
        + &valid_from * pow2(64)
        + &valid_until;
    let fee_tail = |token: Var| token * pow2(16) + a(Arg::Fee);
    let m1 = (&g2 * pow2(64) + a(Arg::Tok0) * pow2(48) + a(Arg::AmountA) * pow2(16) + a(Arg::Fee))
        * (&transfer + &to_new)
        + (a(Arg::Addr0) * pow2(32) + fee_tail(a(Arg::Tok0))) * (&withdraw + &forced)
        + (a(Arg::Pkh) * pow2(32) + fee_tail(a(Arg::FeeTok))) * &cpk
        + (a(Arg::Tok0) * pow2(144) + a(Arg::Tok1) * pow2(128) + &order_amount) * &sw0
        + (a(Arg::Tok1) * pow2(144) + a(Arg::Tok0) * pow2(128) + &order_amount) * &sw1
        + x(Aux::Msg0) * &sw2
        + (x(Aux::Addr) * pow2(32) + fee_tail(a(Arg::FeeTok))) * (&mint0 + &tn0)
        + (a(Arg::Addr0) * pow2(32) + fee_tail(a(Arg::FeeTok))) * &wn0;
    let m2 = &amount * &withdraw
        + &ratio_sell * (&sw0 + &sw1)
        + x(Aux::Msg1) * &sw2
        + a(Arg::ContentHi) * &mint0
        + a(Arg::Nft) * (&tn0 + &wn0);
    let m3 = &ratio_buy * (&sw0 + &sw1)
        + (a(Arg::AmountA) * pow2(64) + a(Arg::AmountB) * pow2(32) + fee_tail(a(Arg::FeeTok)))
            * &sw2
        + a(Arg::ContentLo) * &mint0;
    let four = add_all([&withdraw, &sw0, &sw1, &sw2, &mint0, &tn0, &wn0]);
    let short = poseidon_var(&[m0.clone(), m1.clone()])?;
    let long = poseidon_var(&[m0, m1, m2, m3])?;
    let message = pick(&four, &long, &short)?;
    let valid = Var::from(verify_var(&key, &signature.r8, &signature.s_bits, &message)?);
    zero_if(&(Var::one() - valid), &signs)?;

    // ---- Swap rules. ----
    let order = &sw0 + &sw1;
    zero_if(&(x(Aux::Msg0) - &message), &sw0)?;
    zero_if(&(x(Aux::Msg1) - &message), &sw1)?;
    range_check(&ratio_sell, RATIO_BITS as usize)?;
    range_check(&ratio_buy, RATIO_BITS as usize)?;
    let sold = pick(&sw1, &amount_b, &amount_a)?;
    let bought = &amount_a + &amount_b - &sold;
    // bought/sold ≥ buy/sell, exactly: both products are below 2^248, so the difference is
    // non-negative iff it has 248 bits.
    let surplus = &order * (&bought * &ratio_sell - &sold * &ratio_buy);
    range_check(&surplus, PRICE_BITS)?;
    nonzero_if(&(&ratio_sell * &ratio_buy), &order)?;
    let limit = Var::from(order_amount.is_zero()?);
    let fill_or_kill = &order * (Var::one() - &limit);
    zero_if(&(&order_amount - &sold), &fill_or_kill)?;
    // A fill-or-kill order consumes its account's nonce, unless the account is the submitter
    // (whose own increment covers it).
    let is_submitter = Var::from(u0.index.is_eq(&a(Arg::Id0))?);
    let consumes = &fill_or_kill * (Var::one() - &is_submitter);
    zero_if(&(&bit0 - &consumes), &sw0)?;
    zero_if(&(&bit1 - &consumes), &sw1)?;
    zero_if(&(a(Arg::Mask) - &bit0 - &bit1 * Fr::from(2u64)), &sw0)?;
    let distinct = (a(Arg::Id1) - a(Arg::Id2)) * (a(Arg::Tok0) - a(Arg::Tok1));
    nonzero_if(&(distinct * (&amount_a * &amount_b)), &sw2)?;

    // ---- Fee and bitmap. ----
    let starts_with_fee_token = add_all([
        &role(CHANGE_PUB_KEY, 0),
        &role(SWAP, 0),
        &role(MINT_NFT, 0),
        &role(TRANSFER_NFT, 0),
        &role(WITHDRAW_NFT, 0),
    ]);
    let fee_token = pick(&starts_with_fee_token, &a(Arg::FeeTok), &a(Arg::Tok0))?;
    let fee = &is_first * &fee;
    let onchain = add_all([
        &role(DEPOSIT, 0),
        &role(WITHDRAW, 0),
        &role(FULL_EXIT, 0),
        &role(CHANGE_PUB_KEY, 0),
        &role(FORCED_EXIT, 0),
        &role(WITHDRAW_NFT, 0),
        &role(FULL_EXIT_NFT, 0),
    ]);
    let onchain_bit = Boolean::new_witness(cs.clone(), || Ok(onchain.value()? == Fr::ONE))?;
    Var::from(onchain_bit.clone()).enforce_equal(&onchain)?;

    *carry = Carry {
        account_root,
        nft_root,
        next_nft_id,
        next_account_id,
        selectors: sel,
        args,
        remaining,
        aux,
    };
    let bytes = bits.chunks(8).map(|byte| UInt8::from_bits_le(&reversed(byte))).collect();
    Ok(ChunkOut { bytes, onchain: onchain_bit, fee, fee_token })
}
