"""Ledger helpers for tests."""

import uuid


def transfer_key() -> str:
    """A fresh operation key for a transfer a test makes by hand."""
    return f"test:{uuid.uuid4().hex}"
