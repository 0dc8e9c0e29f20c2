"""Issuing vouchers: what a final approval can issue now (availability), the
issuance itself under locks, voucher codes, the certificate, and the
voucher pages."""
