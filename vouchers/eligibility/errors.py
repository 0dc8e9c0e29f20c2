"""The error of malformed program parameters, apart from both the parameter
validator (vouchers.programs.params) and the rule registry, which both raise
it: neither needs to import the other to do so."""

from __future__ import annotations


class ParamsError(ValueError):
    """Malformed parameters: ``errors`` maps a field path to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
