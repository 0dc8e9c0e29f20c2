"""Settlement: statements of confirmed charges per provider, program and
period; the provider's reconciliation of its own records against them; the
program manager's approval and the payment, which the ledger moves from the
provider's payable account to its paid-out account."""
