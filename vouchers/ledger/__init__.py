"""The double-entry budget ledger.

Every movement of money is a transfer of a positive amount from one account
to another, referencing what caused it. Transfers are never updated or
deleted (a database trigger refuses it); corrections are new transfers.
Balances are cached on the accounts, moved with F() expressions in the same
transaction as the transfer, refused below zero by a check constraint, and
checked against the transfers by ``checks.check_ledger``.

Accounts per program: ``funding`` (one per funding source; minus what it has
appropriated), ``budget`` (per funding source: what is still free),
``reserved`` (kept for the redemption work), one ``voucher`` account per
voucher (its balance), and ``held``, ``provider_payable``, ``paid_out``,
``released`` for redemption and settlement. So, per program:

    appropriated = budget + reserved + vouchers + held + payable + paid out + released

- services.py: the writes (transfer, program_fund, voucher_fund);
- selectors.py: the balances (budget remaining, a voucher's balance and
  its transfers);
- checks.py: every invariant, checked against the transfers.
"""
