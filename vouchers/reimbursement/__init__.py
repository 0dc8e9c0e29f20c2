"""Reimbursement after payment: the enterprise claims what it paid a
provider from its voucher; a reviewer of its region verifies it."""
