#!/usr/bin/env python3
"""Mutation check of the block circuit's negative tests (docs/spec/circuit.md).

Each entry removes (or weakens) one rule in crates/circuit/src and runs the test in
tests/rules.rs that guards it: the test must then fail, which shows that its tampered witness
is refused by that rule and by nothing else. The source is restored after each run.

Usage, from the repository root: python3 crates/circuit/tests/mutants.py [index ...]
"""
import os, subprocess, sys
repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
root = os.path.join(repo, 'crates', 'circuit', 'src') + os.sep
muts=[
 ('chunk.rs','    range_check(&valid_from, TIME_BITS)?;\n','', 'valid_from_cannot_wrap_into_the_nonce'),
 ('chunk.rs','    zero_if(&(a(Arg::Id0) - &carry.next_account_id), &creates)?;\n','', 'a_deposit_cannot_create_an_account_at_another_index'),
 ('chunk.rs','    zero_if(&(a(Arg::Id1) - &carry.next_account_id), &to_new)?;\n','', 'the_account_counter_is_enforced'),
 ('chunk.rs',' * (Var::one() - &is_new);\n',';\n', 'change_pubkey_on_an_empty_slot_is_refused'),
 ('chunk.rs','    zero_if(f0, &to_new)?;\n    zero_if(f1, &to_new)?;\n    zero_if(f2, &to_new)?;\n','    zero_if(&(f0 + f1 + f2), &to_new)?;\n', 'every_account_leaf_field_of_an_empty_slot_is_checked'),
 ('chunk.rs','    zero_if(&(a(Arg::Mask) - &exits), &fen0)?;\n','', 'full_exit_nft_says_whether_it_was_served'),
 ('chunk.rs','    nonzero_if(f2, &add_all([&transfer, &mint0, &tn1]))?;\n','', 'a_transfer_needs_an_existing_recipient'),
 ('chunk.rs','    range_check(&new_balance1, BALANCE_BITS)?;\n','', 'a_recipient_balance_cannot_pass_2_128'),
 ('chunk.rs','    range_check(&new_balance0, BALANCE_BITS)?;\n','', 'balances_cannot_underflow'),
 ('chunk.rs','    nonzero_if(&(&nonce - &max32), &bumps)?;\n','', 'nonces_cannot_be_exhausted'),
 ('chunk.rs','    nonzero_if(&(&minted - &max32), &mint0)?;\n','', 'nft_counters_cannot_be_exhausted'),
 ('block.rs','    address.enforce_not_equal(&FpVar::zero())?;\n','', 'the_fee_account_exists'),
 ('chunk.rs','    zero_if(&(&x(Aux::Addr) - f2), &(&mint0 + &tn1))?;\n','', 'transfer_nft_goes_to_the_signed_recipient'),
 ('chunk.rs','    zero_if(&(&x(Aux::Serial) - &minted), &mint0)?;\n','', 'mint_records_the_creators_serial_address_and_the_signed_content'),
 ('chunk.rs','    nonzero_if(&(distinct * (&amount_a * &amount_b)), &sw2)?;\n','', 'swap_orders_need_two_accounts_and_two_tokens'),
 ('chunk.rs','    nonzero_if(&(&ratio_sell * &ratio_buy), &order)?;\n','', 'swap_amounts_are_non_zero_and_ratios_in_range'),
 ('chunk.rs','    zero_if(&(&nonce - &a(Arg::Nonce)), &cpk)?;\n','', 'change_pubkey_names_the_accounts_nonce'),
 ('chunk.rs','    nonzero_if(&a(Arg::Addr0), &add_all([&deposit, &to_new, &withdraw, &wn0]))?;\n','', 'new_accounts_never_have_the_zero_address'),
 ('chunk.rs','    u0.token.enforce_equal(&tok0)?;\n','', 'a_unit_updates_the_named_token'),
]
only = sys.argv[1:] 
for i,(f,a,b,test) in enumerate(muts):
    if only and str(i) not in only: continue
    p=root+f
    s=open(p).read()
    assert s.count(a)==1, (i,a)
    open(p,'w').write(s.replace(a,b))
    try:
        r=subprocess.run(['cargo','test','-q','-p','tern-circuit','--test','rules','--',test],cwd=repo,capture_output=True,text=True)
        out=r.stdout+r.stderr
        res='FAILS (good)' if ('test result: FAILED' in out) else ('PASSES (vacuous!)' if 'test result: ok. 1 passed' in out else 'OTHER')
        print(i, test, res, flush=True)
        if res=='OTHER': print(out[-2000:])
    finally:
        open(p,'w').write(s)
