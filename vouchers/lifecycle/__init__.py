"""The end of a voucher's life: expiry reminders, expiry, revocation and
clawbacks (services), with the manager's pages (views) and the nightly tasks."""
